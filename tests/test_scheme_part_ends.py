"""Ending the scheme's part: the last session of the allowance completes the partnership,
both are told anything further is their own arrangement, and a scheme can switch
extensions off."""

import pytest
from django.core import mail
from django.urls import reverse

from requests_app import workflow
from requests_app.models import ExtensionRequest, PartnershipState
from scheme.models import MatchingMode, SchemeSettings
from tests.test_partnerships import add_meeting, at, hold, make_partnership, moment

pytestmark = pytest.mark.django_db

OWN_ARRANGEMENT = "that is your own arrangement, outside the scheme"


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


@pytest.fixture
def no_extensions():
    scheme = SchemeSettings.load()
    scheme.extensions_allowed = False
    scheme.save()
    return scheme


def test_the_last_session_completes_and_both_are_told_the_rest_is_their_own_arrangement(
    client, active, mentee, mentor, committed
):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    with committed():
        hold(active, mentee, moment(2, 1, 18))

    active.refresh_from_db()
    assert active.state == PartnershipState.COMPLETED
    completed = [m for m in mail.outbox if "is complete" in m.subject]
    assert sorted(m.to[0] for m in completed) == sorted([mentee.email, mentor.email])
    assert all(OWN_ARRANGEMENT in m.body for m in completed)

    for user in (mentee, mentor):
        with at(2, 2):
            client.force_login(user)
            html = client.get(reverse("requests:partnership", args=[active.pk])).content.decode()
        assert "Your mentoring is complete" in html
        assert OWN_ARRANGEMENT in html


def test_without_extensions_asking_for_more_sessions_is_refused(
    no_extensions, active, mentee, mentor
):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))

    with pytest.raises(workflow.WorkflowError, match="does not add more sessions"):
        workflow.request_extension(partnership_id=active.pk, user=mentee, reason="Helpful")
    assert not ExtensionRequest.objects.exists()


def test_without_extensions_no_page_offers_more_sessions(
    client, no_extensions, active, mentee, mentor
):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    add_meeting(active, moment(2, 8, 18))  # all 4 used
    extension_url = reverse("requests:partnership_extension", args=[active.pk])

    with at(2, 2):
        client.force_login(mentee)
        detail = client.get(reverse("requests:partnership", args=[active.pk])).content.decode()
        plan_page = client.get(reverse("requests:plan_meeting", args=[active.pk])).content
        extension_page = client.get(extension_url).content.decode()
        refused = client.post(extension_url, {"reason": "Please"})

    assert extension_url not in detail
    assert "Ask for more sessions" not in detail
    assert b"All 4 sessions are planned or held." in plan_page
    assert b"ask the scheme team for more" not in plan_page
    assert "This scheme does not add more sessions" in extension_page
    assert 'name="reason"' not in extension_page
    assert refused.status_code == 200
    assert not ExtensionRequest.objects.exists()
    with pytest.raises(workflow.WorkflowError) as refusal:
        workflow.plan_meeting(
            partnership_id=active.pk,
            user=mentee,
            starts_at=moment(2, 15, 18),
            duration_minutes=60,
            mode="video",
            now=moment(2, 2),
        )
    assert str(refusal.value) == "All 4 sessions are planned or held."


def test_with_extensions_the_pages_still_offer_more_sessions(client, active, mentee, mentor):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    with at(2, 2):
        client.force_login(mentee)
        detail = client.get(reverse("requests:partnership", args=[active.pk])).content.decode()
    assert reverse("requests:partnership_extension", args=[active.pk]) in detail


def test_when_the_scheme_team_matches_a_past_partnership_points_the_mentee_to_applying(
    client, mentee, mentor
):
    scheme = SchemeSettings.load()
    scheme.matching_mode = MatchingMode.ADMIN_PROPOSES
    scheme.save()
    completed = make_partnership(mentee, mentor, state=PartnershipState.COMPLETED)

    with at(2, 2):
        client.force_login(mentee)
        html = client.get(reverse("requests:partnership", args=[completed.pk])).content.decode()
    assert reverse("requests:apply") in html
    assert reverse("mentor_search") not in html
