"""Celery tasks of the register: thin adapters that call one function."""

from celery import shared_task

from register import bulk_import


@shared_task
def discard_stale_uploads() -> int:
    """Bulk-upload dry runs nobody confirmed within a day: their staged photos go."""
    return bulk_import.discard_stale_uploads()
