"""Celery adapters of the outbox: they call one function and own nothing else."""

from celery import shared_task

from mentoring.outbox import services
from mentoring.retries import RETRY_ON_DATABASE_ERRORS


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def send_emails(ids: list[int] | None = None) -> int:
    """Send these emails now (all owed ones when None); the beat sweeper calls it too."""
    return services.send_owed(ids=ids)
