from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Personal data: export, erasure and retention. It reads every app, so it sits on top."""

    name = "privacy"
    verbose_name = "Personal data"
