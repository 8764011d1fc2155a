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


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_expiry_emails(request_ids: list[int]) -> None:
    workflow.send_expiry_emails(request_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_reminder_emails(request_ids: list[int]) -> None:
    workflow.send_reminder_emails(request_ids)


# --- Partnerships -------------------------------------------------------------------


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def complete_finished_partnerships() -> int:
    return workflow.complete_finished_partnerships()


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def remind_unanswered_feedback() -> int:
    return workflow.remind_unanswered_feedback()


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_completion_emails(partnership_ids: list[int]) -> None:
    workflow.send_completion_emails(partnership_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_feedback_request_emails(feedback_ids: list[int]) -> None:
    workflow.send_feedback_request_emails(feedback_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_feedback_reminder_emails(feedback_ids: list[int]) -> None:
    workflow.send_feedback_reminder_emails(feedback_ids)


# --- Waiting lists --------------------------------------------------------------------


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def offer_waiting_list_places(mentor_ids: list[int] | None = None) -> int:
    return workflow.offer_free_places(mentor_ids=mentor_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_waiting_list_emails(entry_ids: list[int], template: str) -> None:
    workflow.send_waiting_list_emails(entry_ids, template)
