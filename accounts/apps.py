from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate

from mentoring.sessions import stamp_log_in


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and mentees"

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, dispatch_uid="accounts.roles")
        user_logged_in.connect(stamp_log_in, dispatch_uid="mentoring.sessions.stamp_log_in")


def _after_migrate(sender, app_config=None, **kwargs) -> None:
    """Once every app's permissions exist: the admin group's."""
    from accounts.roles import ensure_scheme_admin_group

    if app_config is not None and app_config.label == "requests_app":
        ensure_scheme_admin_group()
