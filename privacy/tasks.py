from celery import shared_task

from mentoring.retries import RETRY_ON_DATABASE_ERRORS


# Named as when accounts held it: the beat schedule (mentoring/celery.py) and any
# message already queued use that name.
@shared_task(name="accounts.tasks.anonymise_inactive_accounts", **RETRY_ON_DATABASE_ERRORS)
def anonymise_inactive_accounts() -> None:
    """The retention job (daily beat): anonymise inactive accounts, clear old free text."""
    from django.utils import timezone

    from privacy.personal_data import anonymise_inactive_accounts as run

    run(now=timezone.now())
