from celery import shared_task

from mentoring.retries import RETRY_ON_DATABASE_ERRORS


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def anonymise_inactive_accounts() -> None:
    """The retention job (daily beat): anonymise inactive accounts, clear old free text."""
    from django.utils import timezone

    from accounts.personal_data import anonymise_inactive_accounts as run

    run(now=timezone.now())
