from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The scheme's figures, charts and exports: read-only, over every other app."""

    name = "reports"
    verbose_name = "Scheme figures and exports"
    default_auto_field = "django.db.models.BigAutoField"
