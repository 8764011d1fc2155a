"""Celery tasks of personal data: thin adapters that call one function."""

from celery import shared_task
from django.utils import timezone

from mentoring.retries import RETRY_ON_DATABASE_ERRORS
from privacy import personal_data


# Named as when accounts held it: the beat schedule (mentoring/celery.py) and any
# message already queued use that name.
@shared_task(name="accounts.tasks.anonymise_inactive_accounts", **RETRY_ON_DATABASE_ERRORS)
def anonymise_inactive_accounts() -> None:
    """The retention job (daily beat): anonymise inactive accounts, clear old free text."""
    personal_data.anonymise_inactive_accounts(now=timezone.now())
