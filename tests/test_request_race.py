"""A mentor accepting at the very moment the job expires the request: exactly one wins."""

import contextlib
import datetime
import threading

import pytest
from django.db import connection, connections

from requests_app import workflow
from requests_app.models import (
    MentoringRequest,
    Partnership,
    RequestState,
    Transition,
    WaitingListEntry,
    WaitingOutcome,
)
from tests.factories import MenteeFactory, MentoringRequestFactory

ROUNDS = 40


def accept_quietly(request_id: int, mentor) -> None:
    # Losing the race raises WorkflowError: the mentor is told clearly, nothing changes.
    with contextlib.suppress(workflow.WorkflowError):
        workflow.accept_request(request_id=request_id, mentor_user=mentor)


def run_together(*functions) -> list[Exception]:
    """Start each function in its own thread (own connection) at the same instant."""
    start = threading.Barrier(len(functions))
    errors: list[Exception] = []

    def run(function):
        try:
            start.wait()
            function()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_accept_and_expire_at_the_same_moment_never_both_win(mentor):
    if connection.vendor != "postgresql":
        pytest.skip("Needs two real connections with row locks: runs on PostgreSQL (CI).")
    profile = mentor.mentor_profile
    profile.capacity = 10
    profile.save()
    outcomes = {"accepted": 0, "expired": 0}

    for _ in range(ROUNDS):
        deadline = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
        request = MentoringRequestFactory(
            mentee=MenteeFactory(), mentor=profile, response_deadline=deadline
        )
        errors = run_together(
            lambda request_id=request.pk: accept_quietly(request_id, mentor),
            workflow.expire_overdue_requests,
        )

        assert errors == []
        request.refresh_from_db()
        has_partnership = Partnership.objects.filter(request=request).exists()
        history = list(
            Transition.objects.filter(request=request, from_state="pending").values_list(
                "to_state", flat=True
            )
        )
        if request.state == RequestState.ACCEPTED:
            assert has_partnership
            assert history == ["accepted"]
            outcomes["accepted"] += 1
        else:
            assert request.state == RequestState.EXPIRED
            assert not has_partnership
            assert history == ["expired"]
            outcomes["expired"] += 1
        # The mentor's open partnerships are capped: end this one for the next round.
        Partnership.objects.filter(request=request).update(
            state="completed", ended_at=datetime.datetime.now(datetime.UTC)
        )

    assert sum(outcomes.values()) == ROUNDS
    assert MentoringRequest.objects.filter(state=RequestState.PENDING).count() == 0


def send_quietly(mentee, mentor_id: int) -> None:
    # Losing the race raises WorkflowError ("no space"): the mentee is told, nothing changes.
    with contextlib.suppress(workflow.WorkflowError):
        workflow.send_request(mentee=mentee, mentor_id=mentor_id)


@pytest.mark.django_db(transaction=True)
def test_a_request_and_the_lapse_of_its_offer_at_the_same_moment_never_both_win(mentor):
    """The place kept for the first in line either becomes their request, or lapses and
    goes to the next in line: never both, so the mentor is never offered twice over."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs two real connections with row locks: runs on PostgreSQL (CI).")
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    outcomes = {"requested": 0, "lapsed": 0}

    for _ in range(ROUNDS):
        now = datetime.datetime.now(datetime.UTC)
        first, second = MenteeFactory(verified=True), MenteeFactory(verified=True)
        offered = WaitingListEntry.objects.create(
            mentee=first,
            mentor=profile,
            joined_at=now - datetime.timedelta(days=10),
            offered_at=now - datetime.timedelta(days=7),
            offer_expires_at=now - datetime.timedelta(seconds=1),
        )
        in_line = WaitingListEntry.objects.create(
            mentee=second, mentor=profile, joined_at=now - datetime.timedelta(days=9)
        )

        errors = run_together(
            lambda mentee=first: send_quietly(mentee, profile.pk),
            workflow.offer_free_places,
        )

        assert errors == []
        offered.refresh_from_db()
        in_line.refresh_from_db()
        pending = MentoringRequest.objects.filter(mentee=first, state=RequestState.PENDING)
        if offered.outcome == WaitingOutcome.REQUESTED:
            assert offered.request == pending.get()
            assert not in_line.is_offered
            outcomes["requested"] += 1
        else:
            assert offered.outcome == WaitingOutcome.LAPSED
            assert not pending.exists()
            assert in_line.is_offered
            outcomes["lapsed"] += 1
        # Clear the mentor's list and requests for the next round.
        cleared_at = datetime.datetime.now(datetime.UTC)
        MentoringRequest.objects.filter(mentor=profile, state=RequestState.PENDING).update(
            state=RequestState.WITHDRAWN, answered_at=cleared_at
        )
        WaitingListEntry.objects.active().update(left_at=cleared_at, outcome=WaitingOutcome.LEFT)

    assert sum(outcomes.values()) == ROUNDS
