"""In "both" mode a proposal by the scheme team and a mentee's own request compete for
a mentor's places: at the same instant, only one may take the last place."""

import contextlib

import pytest
from django.db import connection

from requests_app import workflow
from requests_app.availability import places_taken
from requests_app.models import (
    ApplicationState,
    MatchApplication,
    MentoringRequest,
    Partnership,
    RequestState,
)
from scheme.models import MatchingMode, SchemeSettings
from tests.factories import MenteeFactory, SchemeAdminFactory
from tests.test_request_race import ROUNDS, run_together

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def last_place(mentor):
    if connection.vendor != "postgresql":
        pytest.skip("Needs two real connections with row locks: runs on PostgreSQL (CI).")
    scheme = SchemeSettings.load()
    scheme.matching_mode = MatchingMode.BOTH
    scheme.save()
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    return profile


def quietly(function, **kwargs):
    """Losing the race raises WorkflowError: the person is told, nothing changes."""

    def run():
        with contextlib.suppress(workflow.WorkflowError):
            function(**kwargs)

    return run


def applied() -> MatchApplication:
    mentee = MenteeFactory(verified=True)
    return workflow.apply_to_be_matched(mentee=mentee, wishes=workflow.Wishes(aims="A fresh start"))


def test_a_proposal_and_accepting_a_request_never_both_take_the_last_place(mentor, last_place):
    admin = SchemeAdminFactory()
    outcomes = {"proposed": 0, "accepted": 0}

    for _ in range(ROUNDS):
        application = applied()
        request = workflow.send_request(
            mentee=MenteeFactory(verified=True), mentor_id=last_place.pk
        )

        errors = run_together(
            quietly(
                workflow.propose_match,
                application_id=application.pk,
                mentor_id=last_place.pk,
                admin_user=admin,
            ),
            quietly(workflow.accept_request, request_id=request.pk, mentor_user=mentor),
        )

        assert errors == []
        application.refresh_from_db()
        request.refresh_from_db()
        proposed = application.state == ApplicationState.PROPOSED
        accepted = request.state == RequestState.ACCEPTED
        assert proposed != accepted, (application.state, request.state)
        assert places_taken(last_place) == 1
        outcomes["proposed" if proposed else "accepted"] += 1
        # Close this round: the proposal and any request left pending, the partnership.
        for pending in MentoringRequest.objects.filter(mentor=last_place, state="pending"):
            workflow.cancel_request(request_id=pending.pk, admin_user=admin, reason="Next round")
        for partnership in Partnership.objects.filter(
            mentor=last_place, state__in=["agreement_pending", "active"]
        ):
            workflow.end_partnership_early(
                partnership_id=partnership.pk,
                user=partnership.mentee,
                reason="circumstances",
            )
        MatchApplication.objects.filter(pk=application.pk).update(state="withdrawn")

    assert sum(outcomes.values()) == ROUNDS


def test_two_proposals_never_both_take_the_last_place(last_place):
    admin = SchemeAdminFactory()

    for _ in range(ROUNDS):
        first, second = applied(), applied()

        errors = run_together(
            *(
                quietly(
                    workflow.propose_match,
                    application_id=application.pk,
                    mentor_id=last_place.pk,
                    admin_user=admin,
                )
                for application in (first, second)
            )
        )

        assert errors == []
        pending = MentoringRequest.objects.proposals().pending().filter(mentor=last_place)
        assert pending.count() == 1
        assert places_taken(last_place) == 1
        states = sorted(
            MatchApplication.objects.filter(pk__in=[first.pk, second.pk]).values_list(
                "state", flat=True
            )
        )
        assert states == ["proposed", "waiting"]
        workflow.cancel_request(request_id=pending.get().pk, admin_user=admin, reason="Next round")
        MatchApplication.objects.filter(pk__in=[first.pk, second.pk]).update(state="withdrawn")
