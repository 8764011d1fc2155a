"""Scheduled jobs meet a passing database fault (SQLite busy, PostgreSQL restarting, a
dropped connection): they run again after a short wait instead of failing."""

import pytest
from django.core import mail
from django.db import InterfaceError, OperationalError

from mentoring.outbox import services as outbox_services
from mentoring.outbox import tasks as outbox_tasks
from mentoring.retries import RETRY_ON_DATABASE_ERRORS
from privacy import personal_data
from privacy import tasks as privacy_tasks
from register import bulk_import
from register import tasks as register_tasks
from requests_app import tasks as requests_tasks
from requests_app import workflow
from requests_app.models import PartnershipState, WaitingListEntry
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _retries_run_as_on_a_worker():
    """Eager Celery raises a retry to the caller when it propagates errors; a worker runs
    the task again. Let eager mode run it again, and hand back the result or the error."""
    from mentoring import celery_app

    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


JOBS = [
    (requests_tasks.expire_overdue_requests, workflow, "expire_overdue_requests"),
    (requests_tasks.remind_mentors, workflow, "remind_mentors"),
    (requests_tasks.complete_finished_partnerships, workflow, "complete_finished_partnerships"),
    (requests_tasks.remind_unanswered_feedback, workflow, "remind_unanswered_feedback"),
    (requests_tasks.offer_waiting_list_places, workflow, "offer_free_places"),
    (register_tasks.discard_stale_uploads, bulk_import, "discard_stale_uploads"),
    (privacy_tasks.anonymise_inactive_accounts, personal_data, "anonymise_inactive_accounts"),
    (requests_tasks.purge_sent_email_content, workflow, "purge_sent_email_content"),
    (outbox_tasks.send_emails, outbox_services, "send_owed"),
]


class FailsFirst:
    """Stands in for a job's function: raises `error` on the first `times` calls, then
    hands over to `then`."""

    def __init__(self, error: Exception, *, times: int = 1, then=lambda **kwargs: 0):
        self.error, self.times, self.then = error, times, then
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        if len(self.calls) <= self.times:
            raise self.error
        return self.then(**kwargs)


@pytest.mark.parametrize(
    "error", [OperationalError("database is locked"), InterfaceError("connection already closed")]
)
@pytest.mark.parametrize(("task", "module", "function"), JOBS, ids=lambda job: str(job)[-30:])
def test_every_job_runs_again_after_a_passing_database_fault(
    monkeypatch, task, module, function, error
):
    stand_in = FailsFirst(error)
    monkeypatch.setattr(module, function, stand_in)

    result = task.apply()

    assert result.successful()
    assert len(stand_in.calls) == 2


def test_a_fault_that_does_not_pass_fails_the_job_after_the_last_retry(monkeypatch):
    stand_in = FailsFirst(OperationalError("database is locked"), times=100)
    monkeypatch.setattr(workflow, "expire_overdue_requests", stand_in)

    result = requests_tasks.expire_overdue_requests.apply()

    assert result.failed()
    assert isinstance(result.result, OperationalError)
    assert len(stand_in.calls) == 1 + RETRY_ON_DATABASE_ERRORS["max_retries"]


def test_another_error_is_not_retried(monkeypatch):
    stand_in = FailsFirst(ValueError("a bug"))
    monkeypatch.setattr(workflow, "remind_mentors", stand_in)

    result = requests_tasks.remind_mentors.apply()

    assert result.failed()
    assert isinstance(result.result, ValueError)
    assert len(stand_in.calls) == 1


def test_the_offer_made_when_a_place_frees_waits_out_a_locked_database(
    monkeypatch, committed, mentor, mentee
):
    """A partnership ends: the offer to the first in line runs at once, meets SQLite busy
    with another writer, runs again and makes the offer (one email)."""
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    partnership = PartnershipFactory(request__mentor=profile, state=PartnershipState.ACTIVE)
    workflow.join_waiting_list(mentee=mentee, mentor_id=profile.pk)
    stand_in = FailsFirst(OperationalError("database is locked"), then=workflow.offer_free_places)
    monkeypatch.setattr(workflow, "offer_free_places", stand_in)

    with committed():
        workflow.end_partnership_early(partnership_id=partnership.pk, user=mentor, reason="other")

    assert stand_in.calls == [{"mentor_ids": [profile.pk]}] * 2
    assert WaitingListEntry.objects.offered().get().mentee == mentee
    offers = [m for m in mail.outbox if m.to == [mentee.email]]
    assert [m.subject for m in offers] == [f"A place with {profile.full_name} is free for you"]
