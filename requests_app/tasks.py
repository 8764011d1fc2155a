"""Celery tasks: thin adapters that take ids, call one function and own the retries."""

from celery import shared_task

from mentoring.retries import RETRY_ON_DATABASE_ERRORS
from requests_app import workflow


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def expire_overdue_requests() -> int:
    return workflow.expire_overdue_requests()


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def remind_mentors() -> int:
    return workflow.remind_mentors()


# --- Partnerships -------------------------------------------------------------------


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def complete_finished_partnerships() -> int:
    return workflow.complete_finished_partnerships()


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def remind_unanswered_feedback() -> int:
    return workflow.remind_unanswered_feedback()


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def remind_meetings() -> int:
    return workflow.remind_meetings()


# --- Mentees still without a mentor ------------------------------------------------


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def remind_mentees_without_request() -> int:
    return workflow.remind_mentees_without_request()


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def check_in_with_waiting_mentees() -> int:
    return workflow.check_in_with_waiting_mentees()


# --- Waiting lists --------------------------------------------------------------------


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def offer_waiting_list_places(mentor_ids: list[int] | None = None) -> int:
    return workflow.offer_free_places(mentor_ids=mentor_ids)


# --- Emails ---------------------------------------------------------------------------


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def purge_sent_email_content() -> int:
    """Delete the content of emails older than the scheme's retention period."""
    return workflow.purge_sent_email_content()
