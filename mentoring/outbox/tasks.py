"""Celery adapters of the outbox: they call one function and own nothing else."""

from celery import shared_task

from mentoring.outbox import services


@shared_task
def send_emails(ids: list[int] | None = None) -> int:
    """Send these emails now (all owed ones when None); the beat sweeper calls it too."""
    return services.send_owed(ids=ids)
