"""The same mentee asking two mentors at the same moment: one request, and a clear
refusal for the other (never a 500 from the one-pending-request constraint)."""

import contextlib
import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from requests_app import workflow
from requests_app.models import MentoringRequest, RequestState
from tests.factories import MenteeFactory, MentoringRequestFactory
from tests.test_request_race import run_together

ROUNDS = 30
ALREADY_PENDING = "already have a request waiting"


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs two real connections with row locks: runs on PostgreSQL (CI).")


def wait_until_another_backend_waits_for_a_lock(timeout: float = 10.0) -> None:
    """Poll PostgreSQL until some connection of this database waits on a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("No connection ever waited for the pending request's lock.")


@pytest.mark.django_db(transaction=True)
def test_requests_to_two_mentors_at_the_same_moment_one_wins_the_other_is_refused(
    mentor, other_mentor
):
    needs_postgresql()
    mentor_ids = [mentor.mentor_profile.pk, other_mentor.mentor_profile.pk]

    for _ in range(ROUNDS):
        mentee = MenteeFactory(verified=True)
        refusals: list[str] = []

        def send(mentor_id: int, mentee=mentee, refusals=refusals) -> None:
            try:
                workflow.send_request(mentee=mentee, mentor_id=mentor_id)
            except workflow.WorkflowError as error:
                refusals.append(str(error))

        errors = run_together(*(lambda m=m: send(m) for m in mentor_ids))

        assert errors == []
        assert MentoringRequest.objects.filter(mentee=mentee).count() == 1
        assert MentoringRequest.objects.get(mentee=mentee).state == RequestState.PENDING
        assert len(refusals) == 1
        assert ALREADY_PENDING in refusals[0]


@pytest.mark.django_db(transaction=True)
def test_the_request_that_loses_the_insert_shows_the_usual_refusal_on_the_page(
    client, mentee, mentor, other_mentor
):
    """Deterministic: the other request is inserted but not yet committed when this one
    checks, so this one passes the check, waits on the insert, and loses it."""
    needs_postgresql()
    inserted, release = threading.Event(), threading.Event()

    def first_request_commits_late() -> None:
        try:
            with transaction.atomic():
                MentoringRequestFactory(
                    mentee=mentee,
                    mentor=mentor.mentor_profile,
                    response_deadline=datetime.datetime.now(datetime.UTC)
                    + datetime.timedelta(days=7),
                )
                inserted.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    first = threading.Thread(target=first_request_commits_late)
    first.start()
    try:
        assert inserted.wait(timeout=30)
        client.force_login(mentee)
        saw_the_page_wait: list[bool] = []
        waiter = threading.Thread(target=wait_then_release, args=(release, saw_the_page_wait))
        waiter.start()
        response = client.post(reverse("requests:send", args=[other_mentor.mentor_profile.pk]))
        waiter.join(timeout=30)
    finally:
        release.set()
        first.join(timeout=30)

    assert saw_the_page_wait == [True]  # the page passed the check and lost the insert
    assert response.status_code == 200
    assert ALREADY_PENDING.encode() in response.content
    assert b"There is a problem" in response.content
    assert list(
        MentoringRequest.objects.filter(mentee=mentee).values_list("mentor", flat=True)
    ) == [mentor.mentor_profile.pk]


def wait_then_release(release: threading.Event, saw_wait: list[bool]) -> None:
    """From its own connection: once the page's insert waits on the first request's
    lock, let the first request commit."""
    try:
        with contextlib.suppress(AssertionError):
            wait_until_another_backend_waits_for_a_lock()
            saw_wait.append(True)
    finally:
        release.set()
        connections.close_all()
