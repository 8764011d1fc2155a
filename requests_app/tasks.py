"""Celery tasks: thin adapters that call one function and own the retries."""

from celery import shared_task


@shared_task
def expire_overdue_requests() -> int:
    """Reject pending requests whose answer deadline has passed."""
    from requests_app import workflow

    return workflow.expire_overdue_requests()
