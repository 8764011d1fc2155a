"""Celery tasks of the scheme's figures: thin adapters that own the retries."""

from celery import shared_task

from mentoring.retries import RETRY_ON_DATABASE_ERRORS
from reports import figures, summary


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def email_monthly_summary() -> int:
    return summary.email_monthly_summary()


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def refresh_scheme_figures() -> int:
    return figures.refresh_standard_figures()
