from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "mentoring.outbox"
    label = "outbox"
    verbose_name = "Email outbox"
