"""Authentication backends that read the signed-in user with both of their profiles,
and their permissions in one query.

Nearly every page asks whether its user is a mentee or a mentor (accounts.rules), and
each question was a query of its own. Reading the session's user with the two profiles
joined answers both from that one row. Every admin page asks for the user's permissions,
which Django reads in two queries (the user's own, their groups'); one does. Signing in
is Django's and allauth's as before.
"""

from typing import TYPE_CHECKING

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from accounts.models import User

if TYPE_CHECKING:
    # The mixin goes before a backend built on Django's ModelBackend, whose methods it uses.
    _Backend = DjangoModelBackend
else:
    _Backend = object


class WithProfiles(_Backend):
    def get_user(self, user_id):
        user = (
            User._default_manager.select_related("mentee_profile", "mentor_profile")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        """Django's ModelBackend.get_all_permissions, kept on the user the same way."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                perms = perms.filter(Q(user=user_obj) | Q(group__user=user_obj))
            named = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in named.distinct()}
        return user_obj._perm_cache


class ModelBackend(WithProfiles, DjangoModelBackend):
    pass


class AuthenticationBackend(WithProfiles, AllauthBackend):
    pass
