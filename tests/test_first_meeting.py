"""The first meeting: the checklist and the roles (scheme texts), and both sides ticking
that they talked about confidentiality before a second meeting can be planned."""

import pytest
from django.urls import reverse

from requests_app import workflow
from requests_app.models import MeetingState, Partnership, PartnershipState, Transition
from scheme.models import SchemeSettings, SchemeText
from scheme.texts import DEFAULT_TEXTS, ensure_default_texts
from tests.test_partnerships import add_meeting, at, make_partnership, moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist():
    scheme = SchemeSettings.load()
    scheme.first_meeting_checklist = True
    scheme.save()
    return scheme


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


def plan(partnership, user, starts_at, *, now=None):
    return workflow.plan_meeting(
        partnership_id=partnership.pk,
        user=user,
        starts_at=starts_at,
        duration_minutes=60,
        mode="video",
        now=now or moment(1, 5),
    )


def tick(partnership, user, now=None):
    return workflow.confirm_confidentiality_discussed(
        partnership_id=partnership.pk, user=user, now=now or moment(1, 12)
    )


def page(client, partnership) -> str:
    return client.get(reverse("requests:partnership", args=[partnership.pk])).content.decode()


# --- The workflow ---------------------------------------------------------------------


def test_each_side_ticks_for_themself_with_a_history_row(active, mentee, mentor):
    tick(active, mentee, moment(1, 12))
    active.refresh_from_db()
    assert active.mentee_confidentiality_at == moment(1, 12)
    assert active.mentor_confidentiality_at is None

    tick(active, mentor, moment(1, 13))
    active.refresh_from_db()
    assert active.mentor_confidentiality_at == moment(1, 13)
    reasons = list(
        Transition.objects.filter(partnership=active)
        .order_by("pk")
        .values_list("reason", flat=True)
    )
    assert reasons == [
        "The mentee ticked that confidentiality was discussed",
        "The mentor ticked that confidentiality was discussed",
    ]


def test_ticking_twice_is_refused_and_changes_nothing(active, mentee):
    tick(active, mentee, moment(1, 12))

    with pytest.raises(workflow.WorkflowError, match="already ticked"):
        tick(active, mentee, moment(1, 14))

    active.refresh_from_db()
    assert active.mentee_confidentiality_at == moment(1, 12)
    assert Transition.objects.filter(partnership=active).count() == 1


def test_ticking_needs_an_active_partnership(mentee, mentor, other_mentee):
    pending = make_partnership(mentee, mentor, active=False)
    with pytest.raises(workflow.WorkflowError, match="both confirmed the agreement"):
        tick(pending, mentee)

    ended = make_partnership(other_mentee, mentor, state=PartnershipState.COMPLETED)
    with pytest.raises(workflow.WorkflowError, match="has ended"):
        tick(ended, other_mentee)
    assert not Partnership.objects.filter(mentee_confidentiality_at__isnull=False).exists()


def test_only_the_two_people_can_tick(active, other_mentee, other_mentor):
    for outsider in (other_mentee, other_mentor):
        with pytest.raises(workflow.WorkflowError, match="does not exist"):
            tick(active, outsider)


def test_the_second_meeting_waits_for_both_ticks(checklist, active, mentee, mentor):
    plan(active, mentee, moment(1, 11, 18))

    for user in (mentee, mentor):
        with pytest.raises(workflow.WorkflowError, match="tick that you talked about confid"):
            plan(active, user, moment(2, 8, 18))
    tick(active, mentee)
    with pytest.raises(workflow.WorkflowError, match="tick that you talked about confid"):
        plan(active, mentee, moment(2, 8, 18), now=moment(1, 12, 10))
    tick(active, mentor)

    second = plan(active, mentor, moment(2, 8, 18), now=moment(1, 12, 10))
    assert second.state == MeetingState.PLANNED


def test_a_held_first_meeting_counts_and_a_cancelled_one_does_not(checklist, active, mentee):
    add_meeting(active, moment(1, 6, 18), state=MeetingState.CANCELLED)
    plan(active, mentee, moment(1, 11, 18))  # the cancelled one left no place taken

    active.meetings.filter(state=MeetingState.PLANNED).update(state=MeetingState.HELD)
    with pytest.raises(workflow.WorkflowError, match="confidentiality"):
        plan(active, mentee, moment(2, 8, 18), now=moment(1, 12))


def test_sending_the_first_meeting_twice_is_not_refused(checklist, active, mentee):
    first = plan(active, mentee, moment(1, 11, 18))
    assert plan(active, mentee, moment(1, 11, 18)) == first


def test_without_the_checklist_setting_the_second_meeting_does_not_wait(active, mentee):
    plan(active, mentee, moment(1, 11, 18))
    assert plan(active, mentee, moment(2, 8, 18)).state == MeetingState.PLANNED


# --- The pages ------------------------------------------------------------------------


def test_both_sides_see_the_checklist_and_the_roles_before_the_first_meeting(
    client, checklist, active, mentee, mentor
):
    for user in (mentee, mentor):
        with at(1, 5):
            client.force_login(user)
            html = page(client, active)
        assert "Your first meeting" in html
        assert DEFAULT_TEXTS["first-meeting"].title in html
        assert DEFAULT_TEXTS["roles"].title in html
        assert "We talked about confidentiality, as our agreement describes" in html
    # The mentor is pointed to how a peer mentor works; the mentee is not.
    assert reverse("peer_mentor_role") in html
    with at(1, 5):
        client.force_login(mentee)
        assert reverse("peer_mentor_role") not in page(client, active)


def test_the_texts_are_the_admins_wording(client, checklist, active, mentee):
    ensure_default_texts()
    SchemeText.objects.filter(slug="roles").update(
        title="Who does what", body="- The mentee books the room for {sessions} sessions"
    )
    with at(1, 5):
        client.force_login(mentee)
        html = page(client, active)
    assert "Who does what" in html
    assert "The mentee books the room for 4 sessions" in html
    assert DEFAULT_TEXTS["roles"].title not in html


def test_the_checklist_goes_once_both_have_ticked(client, checklist, active, mentee, mentor):
    tick(active, mentee)
    tick(active, mentor)
    with at(1, 13):
        client.force_login(mentee)
        html = page(client, active)
    assert DEFAULT_TEXTS["first-meeting"].title not in html
    assert "We talked about confidentiality" not in html


def test_no_checklist_without_the_setting(client, active, mentee):
    with at(1, 5):
        client.force_login(mentee)
        html = page(client, active)
    assert DEFAULT_TEXTS["first-meeting"].title not in html
    assert "We talked about confidentiality" not in html


def test_the_page_says_why_the_second_meeting_waits_and_offers_the_tick(
    client, checklist, active, mentee, mentor
):
    plan(active, mentee, moment(1, 11, 18))
    with at(1, 12):
        client.force_login(mentor)
        html = page(client, active)
        plan_page = client.get(reverse("requests:plan_meeting", args=[active.pk]))

    assert "you both need to tick that you talked about confidentiality" in html
    assert 'action="' + reverse("requests:partnership_first_meeting", args=[active.pk]) in html
    assert reverse("requests:plan_meeting", args=[active.pk]) not in html
    assert "Tick that you talked about confidentiality at your first meeting" in html
    assert b"you both need to tick that you talked about confidentiality" in plan_page.content
    assert b"Plan the meeting" not in plan_page.content


def test_ticking_through_the_page(client, checklist, active, mentee, mentor):
    url = reverse("requests:partnership_first_meeting", args=[active.pk])
    with at(1, 12):
        client.force_login(mentee)
        response = client.post(url, {"discussed": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:partnership", args=[active.pk])
    active.refresh_from_db()
    assert active.mentee_confidentiality_at == moment(1, 12)

    with at(1, 12, 10):
        client.force_login(mentee)
        html = page(client, active)
        again = client.post(url, {"discussed": "on"}, follow=True)
    assert "You ticked that you talked about confidentiality on Tuesday 12 January 2027" in html
    assert "has not ticked it yet" in html
    assert b"You have already ticked that you talked about confidentiality" in again.content

    with at(1, 13):
        client.force_login(mentor)
        done = client.post(url, {"discussed": "on"}, follow=True)
    assert b"You have both ticked that you talked about confidentiality" in done.content


def test_the_tick_must_be_ticked(client, checklist, active, mentee):
    with at(1, 12):
        client.force_login(mentee)
        response = client.post(reverse("requests:partnership_first_meeting", args=[active.pk]), {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error:" in html
    assert "Tick the box to say you talked about confidentiality" in html
    active.refresh_from_db()
    assert active.mentee_confidentiality_at is None


def test_first_meeting_page_ladder(client, checklist, active, mentee, other_mentee):
    url = reverse("requests:partnership_first_meeting", args=[active.pk])
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(other_mentee)
    assert client.get(url).status_code == 404
    assert client.post(url, {"discussed": "on"}).status_code == 404
    with at(1, 5):
        client.force_login(mentee)
        html = client.get(url).content.decode()
    assert DEFAULT_TEXTS["first-meeting"].title in html
    assert DEFAULT_TEXTS["roles"].title in html
    assert client.put(url).status_code == 405
    active.refresh_from_db()
    assert active.mentee_confidentiality_at is None
