"""Celery tasks of the register: thin adapters that call one function."""

from celery import shared_task

from mentoring.retries import RETRY_ON_DATABASE_ERRORS
from register import bulk_import


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def discard_stale_uploads() -> int:
    """Bulk-upload dry runs nobody confirmed within a day: their staged photos go."""
    return bulk_import.discard_stale_uploads()
