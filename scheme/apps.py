from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SchemeConfig(AppConfig):
    name = "scheme"
    verbose_name = "Scheme settings and texts"

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="scheme.default_texts")


def _after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    """Give admins a row to edit for every scheme text."""
    from scheme.texts import ensure_default_texts

    ensure_default_texts()
