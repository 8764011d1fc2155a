from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "mentoring.outbox"
    label = "outbox"
    verbose_name = "Email outbox"

    def ready(self) -> None:
        # Register the Celery tasks in every process: the services queue them by name.
        from mentoring.outbox import tasks  # noqa: F401
