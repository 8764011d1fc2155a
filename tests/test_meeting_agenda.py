"""The mentee's agenda: who plans meetings (a scheme setting), what the mentee would like
to focus on at each meeting (seen by both, never by the scheme team), and its place in
the personal-data export."""

import pytest
from django.core import mail
from django.urls import reverse

from privacy.personal_data import collect_user_data
from requests_app import workflow
from requests_app.models import Meeting, MeetingState, PartnershipState, Transition
from scheme.models import MeetingPlanner, SchemeSettings
from tests.factories import give_two_factor
from tests.test_partnerships import add_meeting, at, make_partnership, moment

pytestmark = pytest.mark.django_db

AGENDA = "Preparing for my first interview panel as the chair"


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


@pytest.fixture
def mentee_plans():
    scheme = SchemeSettings.load()
    scheme.meetings_planned_by = MeetingPlanner.MENTEE
    scheme.save()
    return scheme


def plan(partnership, user, starts_at=None, *, agenda="", now=None) -> Meeting:
    return workflow.plan_meeting(
        partnership_id=partnership.pk,
        user=user,
        starts_at=starts_at or moment(1, 11, 18),
        duration_minutes=60,
        mode="video",
        agenda=agenda,
        now=now or moment(1, 5),
    )


def set_agenda(meeting, user, agenda, now=None) -> Meeting:
    return workflow.set_meeting_agenda(
        meeting_id=meeting.pk, mentee=user, agenda=agenda, now=now or moment(1, 6)
    )


def partnership_page(client, partnership) -> str:
    return client.get(reverse("requests:partnership", args=[partnership.pk])).content.decode()


# --- Who plans meetings ------------------------------------------------------------------


def test_when_the_mentee_plans_the_mentor_is_refused_and_the_mentee_is_not(
    mentee_plans, active, mentee, mentor
):
    with pytest.raises(workflow.WorkflowError, match="your mentee sets up the meetings"):
        plan(active, mentor)
    assert not Meeting.objects.exists()

    assert plan(active, mentee).planned_by == mentee


def test_by_default_either_side_plans(active, mentee, mentor):
    assert plan(active, mentor).planned_by == mentor
    assert plan(active, mentee, moment(1, 18, 18)).planned_by == mentee


def test_the_mentors_pages_offer_no_plan_form_when_the_mentee_plans(
    client, mentee_plans, active, mentor
):
    plan_url = reverse("requests:plan_meeting", args=[active.pk])
    with at(1, 5):
        client.force_login(mentor)
        html = partnership_page(client, active)
        plan_page = client.get(plan_url).content.decode()
        refused = client.post(
            plan_url,
            {"date": "2027-01-11", "time": "18:00", "duration_minutes": "60", "mode": "video"},
        )
        dashboard = client.get(reverse("dashboard")).content.decode()

    assert plan_url not in html
    assert "sets up the meetings and what each is about" in html
    assert "sets up the meetings and what each is about" in plan_page
    assert "Plan the meeting" not in plan_page
    assert refused.status_code == 200
    assert not Meeting.objects.exists()
    assert "Plan your next meeting" not in dashboard


def test_the_mentees_pages_offer_the_plan_form_when_the_mentee_plans(
    client, mentee_plans, active, mentee
):
    with at(1, 5):
        client.force_login(mentee)
        html = partnership_page(client, active)
        dashboard = client.get(reverse("dashboard")).content.decode()
    assert reverse("requests:plan_meeting", args=[active.pk]) in html
    assert "Plan your next meeting" in dashboard


# --- The agenda --------------------------------------------------------------------------


def test_the_mentee_writes_the_agenda_when_planning_and_the_email_leaves_it_out(
    active, mentee, mentor, committed
):
    with committed():
        meeting = plan(active, mentee, agenda=f"  {AGENDA}  ")
    assert meeting.agenda == AGENDA
    [invitation] = mail.outbox
    assert invitation.to == [mentor.email]
    assert AGENDA not in invitation.body
    assert all(AGENDA not in content for _, content, _ in invitation.attachments)


def test_only_the_mentee_writes_the_agenda(active, mentor):
    with pytest.raises(workflow.WorkflowError, match="Only the mentee"):
        plan(active, mentor, agenda=AGENDA)
    meeting = plan(active, mentor)
    with pytest.raises(workflow.WorkflowError, match="Only the mentee"):
        set_agenda(meeting, mentor, AGENDA)
    meeting.refresh_from_db()
    assert meeting.agenda == ""


def test_the_mentee_changes_the_agenda_with_a_history_row_that_leaves_the_words_out(active, mentee):
    meeting = plan(active, mentee)
    set_agenda(meeting, mentee, AGENDA)
    set_agenda(meeting, mentee, AGENDA)  # the same again: nothing to record
    set_agenda(meeting, mentee, "Something else")
    set_agenda(meeting, mentee, "")

    meeting.refresh_from_db()
    assert meeting.agenda == ""
    reasons = list(
        Transition.objects.filter(meeting=meeting).order_by("pk").values_list("reason", flat=True)
    )
    assert reasons == [
        "",
        "The mentee wrote the agenda",
        "The mentee changed the agenda",
        "The mentee removed the agenda",
    ]


def test_the_agenda_of_a_held_or_cancelled_meeting_or_an_ended_partnership_is_kept(
    active, mentee, mentor, other_mentee
):
    held = add_meeting(active, moment(1, 11, 18), state=MeetingState.HELD, agenda=AGENDA)
    cancelled = add_meeting(active, moment(1, 12, 18), state=MeetingState.CANCELLED)
    for meeting in (held, cancelled):
        with pytest.raises(workflow.WorkflowError, match="before a meeting"):
            set_agenda(meeting, mentee, "New words")

    ended = make_partnership(other_mentee, mentor, state=PartnershipState.ENDED_EARLY)
    planned = add_meeting(ended, moment(1, 20, 18))
    with pytest.raises(workflow.WorkflowError, match="has ended"):
        set_agenda(planned, other_mentee, "New words")
    held.refresh_from_db()
    assert held.agenda == AGENDA


def test_an_agenda_is_at_most_2000_characters(active, mentee):
    meeting = plan(active, mentee)
    with pytest.raises(workflow.WorkflowError, match="2,000 characters"):
        set_agenda(meeting, mentee, "x" * 2001)
    with pytest.raises(workflow.WorkflowError, match="2,000 characters"):
        plan(active, mentee, moment(1, 18, 18), agenda="x" * 2001)


def test_nobody_else_can_write_an_agenda(active, mentee, other_mentee, other_mentor):
    meeting = plan(active, mentee)
    for outsider in (other_mentee, other_mentor):
        with pytest.raises(workflow.WorkflowError, match="does not exist"):
            set_agenda(meeting, outsider, AGENDA)


def test_both_sides_see_the_agenda_on_the_partnership_page(client, active, mentee, mentor):
    plan(active, mentee, agenda=AGENDA)
    with at(1, 5):
        client.force_login(mentor)
        as_mentor = partnership_page(client, active)
        client.force_login(mentee)
        as_mentee = partnership_page(client, active)
    assert AGENDA in as_mentor
    assert f"What {mentee.get_full_name()} would like to focus on" in as_mentor
    assert AGENDA in as_mentee
    assert "What you would like to focus on" in as_mentee
    assert "Change what you would like to focus on" in as_mentee
    assert "Change what you would like to focus on" not in as_mentor


def test_planning_through_the_page_with_an_agenda(client, active, mentee, mentor):
    url = reverse("requests:plan_meeting", args=[active.pk])
    data = {"date": "2027-01-11", "time": "18:30", "duration_minutes": "60", "mode": "video"}
    with at(1, 5):
        client.force_login(mentor)
        assert b'name="agenda"' not in client.get(url).content
        client.force_login(mentee)
        assert b'name="agenda"' in client.get(url).content
        response = client.post(url, data | {"agenda": AGENDA})
    assert response.status_code == 302
    assert Meeting.objects.get().agenda == AGENDA


def test_agenda_page_ladder(client, active, mentee, mentor, other_mentee):
    meeting = plan(active, mentee)
    url = reverse("requests:meeting_agenda", args=[meeting.pk])
    with at(1, 5):
        assert client.get(url)["Location"].startswith(reverse("account_login"))
        for wrong in (other_mentee, mentor):
            client.force_login(wrong)
            assert client.get(url).status_code == 404
            assert client.post(url, {"agenda": AGENDA}).status_code == 404
        client.force_login(mentee)
        assert client.get(url).status_code == 200
        assert client.put(url).status_code == 405
        response = client.post(url, {"agenda": AGENDA})
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:partnership", args=[active.pk]) + "#meetings"
    meeting.refresh_from_db()
    assert meeting.agenda == AGENDA


def test_the_agenda_page_of_a_held_meeting_offers_no_form(client, active, mentee):
    held = add_meeting(active, moment(1, 4, 18), state=MeetingState.HELD, agenda=AGENDA)
    with at(1, 5):
        client.force_login(mentee)
        html = client.get(reverse("requests:meeting_agenda", args=[held.pk])).content.decode()
    assert AGENDA in html
    assert 'name="agenda"' not in html
    assert "no longer planned" in html


def test_a_too_long_agenda_is_a_form_error(client, active, mentee):
    meeting = plan(active, mentee)
    with at(1, 5):
        client.force_login(mentee)
        response = client.post(
            reverse("requests:meeting_agenda", args=[meeting.pk]), {"agenda": "x" * 2001}
        )
    assert response.status_code == 200
    assert b"<title>Error:" in response.content
    meeting.refresh_from_db()
    assert meeting.agenda == ""


# --- Never the scheme team's -----------------------------------------------------------------


def test_admin_pages_never_show_the_agenda(client, settings, active, mentee, scheme_admin):
    settings.ADMIN_REQUIRE_MFA = True
    give_two_factor(scheme_admin)
    meeting = plan(active, mentee, agenda=AGENDA)
    set_agenda(meeting, mentee, AGENDA + " (changed)")
    client.force_login(scheme_admin)
    pages = [
        reverse("admin:requests_app_meeting_changelist"),
        reverse("admin:requests_app_meeting_change", args=[meeting.pk]),
        reverse("admin:requests_app_meeting_history", args=[meeting.pk]),
        reverse("admin:requests_app_partnership_changelist"),
        reverse("admin:requests_app_partnership_change", args=[active.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert AGENDA.encode() not in response.content, url


# --- Personal data -----------------------------------------------------------------------


def test_the_agenda_is_in_both_sides_exports(active, mentee, mentor, other_mentor):
    plan(active, mentee, agenda=AGENDA)

    for user in (mentee, mentor):
        [partnership] = collect_user_data(user)["partnerships"]
        [meeting] = partnership["meetings"]
        assert meeting["agenda"] == AGENDA
    assert AGENDA not in str(collect_user_data(other_mentor))
