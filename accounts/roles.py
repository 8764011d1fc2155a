"""The scheme admin group and its model permissions, kept in step on every migrate."""

from django.contrib.auth.models import Group, Permission

from accounts.rules import SCHEME_ADMIN_GROUP

# What scheme admins may do, by app and model. Private mentor notes are absent
# on purpose: nobody but the mentor ever reads them.
SCHEME_ADMIN_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {
        # "change" covers names and switching a login off; accounts/admin.py keeps
        # passwords, email addresses, flags, groups and staff accounts to superusers.
        "user": ("view", "change"),
        "menteeprofile": ("view", "change"),
        "dataevent": ("view",),
    },
    "register": {
        "virtualplatform": ("view", "add", "change", "delete"),
        "mentorprofile": ("view", "add", "change"),
        # Kept on the bio's admin page: completed training and supervision arrangements.
        "trainingrecord": ("view", "add", "change", "delete"),
        "supervisionarrangement": ("view", "add", "change", "delete"),
    },
    "outbox": {"email": ("view",)},
    "scheme": {
        "schemesettings": ("view", "change"),
        "schemetext": ("view", "change"),
        "helpcontact": ("view", "add", "change", "delete"),
        "grade": ("view", "add", "change", "delete"),
        "school": ("view", "add", "change", "delete"),
        "trust": ("view", "add", "change", "delete"),
    },
    "requests_app": {
        "nonworkingday": ("view", "add", "change", "delete"),
        # "change" is proposing a match from the queue; the application itself stays
        # read-only (the mentee's own words).
        "matchapplication": ("view", "change"),
        "mentoringrequest": ("view", "change"),
        "partnership": ("view",),
        "meeting": ("view",),
        "extensionrequest": ("view", "change"),
        "feedback": ("view",),
        "waitinglistentry": ("view", "change"),
        "transition": ("view",),
    },
}


def ensure_scheme_admin_group(**kwargs) -> Group:
    group, _ = Group.objects.get_or_create(name=SCHEME_ADMIN_GROUP)
    wanted = [
        f"{action}_{model}"
        for models in SCHEME_ADMIN_PERMISSIONS.values()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label__in=SCHEME_ADMIN_PERMISSIONS.keys(), codename__in=wanted
    )
    group.permissions.set(permissions)
    return group
