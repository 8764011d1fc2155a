"""Meetings: planning within the allowance and the window, holding, cancelling, calendar files."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from requests_app import ics, workflow
from requests_app.models import Meeting, MeetingState, PartnershipState, Transition
from scheme.models import SchemeSettings
from tests.test_partnerships import (
    add_meeting,
    at,
    hold,
    make_partnership,
    moment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


def plan(partnership, user, starts_at, *, now=None, minutes=60, mode="video") -> Meeting:
    return workflow.plan_meeting(
        partnership_id=partnership.pk,
        user=user,
        starts_at=starts_at,
        duration_minutes=minutes,
        mode=mode,
        now=now or moment(1, 5),
    )


def meeting_history(meeting) -> list[tuple[str, str]]:
    return list(
        Transition.objects.filter(meeting=meeting)
        .order_by("pk")
        .values_list("from_state", "to_state")
    )


# --- Planning -----------------------------------------------------------------------


def test_the_mentee_plans_a_meeting_and_the_mentor_gets_a_calendar_invitation(
    active, mentee, mentor, committed
):
    with committed():
        meeting = plan(active, mentee, moment(1, 11, 18, 30), minutes=45, mode="phone")

    assert meeting.state == MeetingState.PLANNED
    assert meeting.planned_by == mentee
    assert meeting_history(meeting) == [("", "planned")]
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    message = mail.outbox[0]
    assert message.subject == (
        f"Mentoring meeting with {mentee.get_full_name()} on Monday 11 January at 18:30"
    )
    assert "Phone call, 45 minutes" in message.body
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("meeting.ics", "text/calendar; method=REQUEST")
    assert "DTSTART:20270111T183000Z\r\n" in content  # GMT in January
    assert "DTEND:20270111T191500Z\r\n" in content
    assert f"SUMMARY:Peer mentoring with {mentee.get_full_name()}\r\n" in content
    assert f"UID:meeting-{meeting.pk}@" in content


def test_the_mentor_plans_and_the_mentee_is_told_with_the_times_in_uk_summer_time(
    active, mentee, mentor, committed
):
    with committed():
        plan(active, mentor, moment(6, 7, 18, 0))

    assert [m.to for m in mail.outbox] == [[mentee.email]]
    assert "Monday 7 June 2027 at 18:00" in mail.outbox[0].body
    assert "DTSTART:20270607T170000Z" in mail.outbox[0].attachments[0][1]  # BST is UTC+1


def test_planning_waits_for_both_to_confirm_the_agreement(mentee, mentor):
    pending = make_partnership(mentee, mentor, active=False)

    with pytest.raises(workflow.WorkflowError, match="once you have both confirmed"):
        plan(pending, mentee, moment(1, 11, 18))
    assert not Meeting.objects.exists()


def test_a_meeting_in_the_past_is_refused(active, mentee):
    now = moment(1, 11, 18)

    with pytest.raises(workflow.WorkflowError, match="in the future"):
        plan(active, mentee, now, now=now)
    with pytest.raises(workflow.WorkflowError, match="in the future"):
        plan(active, mentee, moment(1, 10, 18), now=now)

    assert plan(active, mentee, now + datetime.timedelta(minutes=1), now=now).pk


def test_a_meeting_can_be_planned_on_the_last_day_of_the_window_and_not_after(active, mentee):
    # The window ends on Sunday 4 July 2027 (make_partnership).
    with pytest.raises(workflow.WorkflowError, match="up to Sunday 4 July 2027"):
        plan(active, mentee, moment(7, 5, 0, 0))

    assert plan(active, mentee, moment(7, 4, 23, 0)).state == MeetingState.PLANNED


def test_no_meeting_beyond_the_allowance_and_a_cancelled_one_gives_its_place_back(
    active, mentee, mentor
):
    hold(active, mentor, moment(1, 11, 18))
    second = plan(active, mentee, moment(1, 25, 18), now=moment(1, 12))
    plan(active, mentor, moment(2, 8, 18), now=moment(1, 12))
    plan(active, mentee, moment(2, 22, 18), now=moment(1, 12))

    with pytest.raises(workflow.WorkflowError, match="All 4 sessions are planned or held"):
        plan(active, mentee, moment(3, 8, 18), now=moment(1, 12))

    workflow.cancel_meeting(meeting_id=second.pk, user=mentee, now=moment(1, 13))
    assert plan(active, mentee, moment(3, 8, 18), now=moment(1, 13)).pk
    assert Meeting.objects.filter(partnership=active).exclude(state="cancelled").count() == 4


def test_planning_needs_a_length_and_a_way_of_meeting(active, mentee):
    with pytest.raises(workflow.WorkflowError, match="how you will meet"):
        plan(active, mentee, moment(1, 11, 18), mode="carrier pigeon")
    with pytest.raises(workflow.WorkflowError, match="15 minutes"):
        plan(active, mentee, moment(1, 11, 18), minutes=600)


def test_no_meeting_is_planned_once_the_partnership_has_ended(active, mentee):
    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="no_click")

    with pytest.raises(workflow.WorkflowError, match="has ended"):
        plan(active, mentee, moment(1, 11, 18))


def test_nobody_outside_the_partnership_can_plan(active, other_mentee, other_mentor):
    for outsider in (other_mentee, other_mentor):
        with pytest.raises(workflow.WorkflowError, match="does not exist"):
            plan(active, outsider, moment(1, 11, 18))
    assert not Meeting.objects.exists()


# --- Holding ----------------------------------------------------------------------------


def test_a_meeting_is_marked_held_from_its_start_time_and_not_before(active, mentee, mentor):
    meeting = add_meeting(active, moment(1, 11, 18))

    with pytest.raises(workflow.WorkflowError, match="once its start time has passed"):
        workflow.mark_meeting_held(
            meeting_id=meeting.pk, user=mentee, now=moment(1, 11, 17, 59, 59)
        )
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED

    workflow.mark_meeting_held(meeting_id=meeting.pk, user=mentor, now=moment(1, 11, 18))

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD
    assert meeting.held_at == moment(1, 11, 18)
    assert meeting_history(meeting) == [("planned", "held")]
    assert Transition.objects.get(meeting=meeting).actor == mentor


def test_a_meeting_is_held_once_and_a_cancelled_one_never(active, mentee, mentor):
    held = hold(active, mentee, moment(1, 11, 18))
    cancelled = add_meeting(active, moment(1, 25, 18))
    workflow.cancel_meeting(meeting_id=cancelled.pk, user=mentor, now=moment(1, 20))

    with pytest.raises(workflow.WorkflowError, match="already marked as held"):
        workflow.mark_meeting_held(meeting_id=held.pk, user=mentor, now=moment(1, 26))
    with pytest.raises(workflow.WorkflowError, match="was cancelled"):
        workflow.mark_meeting_held(meeting_id=cancelled.pk, user=mentee, now=moment(1, 26))
    assert Transition.objects.filter(meeting=held).count() == 1


def test_nobody_outside_the_partnership_can_mark_a_meeting_held(active, other_mentor):
    meeting = add_meeting(active, moment(1, 11, 18))

    with pytest.raises(workflow.WorkflowError, match="does not exist"):
        workflow.mark_meeting_held(meeting_id=meeting.pk, user=other_mentor, now=moment(1, 12))


# --- Cancelling -------------------------------------------------------------------------


def test_cancelling_in_good_time_tells_the_other_side_with_the_reason_and_the_team_without(
    active, mentee, mentor, committed
):
    meeting = add_meeting(active, moment(1, 11, 18))

    with committed():
        workflow.cancel_meeting(
            meeting_id=meeting.pk, user=mentor, reason="On call that night", now=moment(1, 10, 18)
        )

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED
    assert meeting.cancelled_by == mentor
    assert meeting.cancelled_late is False  # exactly 24 hours before: not late
    assert meeting.cancellation_reason == "On call that night"
    inbox = SchemeSettings.load().inbox_email
    # The mentor who cancelled gets the calendar cancellation too (nothing to the team).
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.email, mentor.email, inbox])
    to_mentee = next(m for m in mail.outbox if m.to == [mentee.email])
    to_team = next(m for m in mail.outbox if m.to == [inbox])
    assert "On call that night" in to_mentee.body
    assert "On call that night" not in to_team.body + to_team.subject
    assert to_team.attachments == []
    assert to_team.subject == f"Cancellation: meeting of partnership #{active.pk}"
    assert "Monday 11 January 2027 at 18:00" in to_team.body
    assert meeting_history(meeting) == [("planned", "cancelled")]


def test_cancelling_with_less_than_the_notice_is_recorded_as_late(
    active, mentee, mentor, committed
):
    meeting = add_meeting(active, moment(1, 11, 18))

    with committed():
        workflow.cancel_meeting(meeting_id=meeting.pk, user=mentee, now=moment(1, 10, 18, 0, 1))

    meeting.refresh_from_db()
    assert meeting.cancelled_late is True
    to_team = next(m for m in mail.outbox if m.to == [SchemeSettings.load().inbox_email])
    assert to_team.subject.startswith("Late cancellation")
    assert "less than 24 hours" in to_team.body
    assert "less than 24 hours" in Transition.objects.get(meeting=meeting).reason


def test_the_notice_is_a_scheme_setting(active, mentee):
    SchemeSettings.objects.filter(pk=SchemeSettings.load().pk).update(cancellation_notice_hours=48)
    meeting = add_meeting(active, moment(1, 11, 18))

    workflow.cancel_meeting(meeting_id=meeting.pk, user=mentee, now=moment(1, 9, 20))

    meeting.refresh_from_db()
    assert meeting.cancelled_late is True


def test_a_meeting_that_did_not_happen_is_cancelled_late_after_its_time(active, mentee):
    meeting = add_meeting(active, moment(1, 11, 18))

    workflow.cancel_meeting(meeting_id=meeting.pk, user=mentee, now=moment(1, 12))

    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancelled_late) == (MeetingState.CANCELLED, True)


def test_cancelling_twice_or_cancelling_a_held_meeting_is_refused(active, mentee, mentor):
    meeting = add_meeting(active, moment(1, 11, 18))
    workflow.cancel_meeting(meeting_id=meeting.pk, user=mentee, now=moment(1, 5))
    held = hold(active, mentee, moment(1, 18, 18))

    with pytest.raises(workflow.WorkflowError, match="already cancelled"):
        workflow.cancel_meeting(meeting_id=meeting.pk, user=mentor, now=moment(1, 6))
    with pytest.raises(workflow.WorkflowError, match="already marked as held"):
        workflow.cancel_meeting(meeting_id=held.pk, user=mentor, now=moment(1, 19))
    assert Transition.objects.filter(meeting=meeting).count() == 1


def test_someone_elses_meeting_cannot_be_cancelled(active, other_mentee, other_mentor):
    meeting = add_meeting(active, moment(1, 11, 18))

    for outsider in (other_mentee, other_mentor):
        with pytest.raises(workflow.WorkflowError, match="does not exist"):
            workflow.cancel_meeting(meeting_id=meeting.pk, user=outsider, now=moment(1, 5))
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED


# --- Calendar files ----------------------------------------------------------------------


def test_calendar_text_is_escaped_and_long_lines_are_folded(active, mentee):
    meeting = add_meeting(active, moment(1, 11, 18))
    meeting.partnership = active

    content = ics.meeting_ics(
        meeting,
        summary="Peer mentoring; with Zoë, at last\\",
        description="é" * 80,
        url="https://example.nhs.uk/partnerships/1/",
        now=moment(1, 5),
    )

    assert "SUMMARY:Peer mentoring\\; with Zoë\\, at last\\\\\r\n" in content
    lines = content.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    description = "".join(
        line[1:] if line.startswith(" ") else line
        for line in lines
        if line.startswith(("DESCRIPTION", " "))
    )
    assert description == "DESCRIPTION:" + "é" * 80
    assert content.startswith("BEGIN:VCALENDAR\r\n")
    assert content.endswith("END:VCALENDAR\r\n")


# --- Pages --------------------------------------------------------------------------------


def test_plan_page_ladder(client, active, mentee, mentor, other_mentee):
    url = reverse("requests:plan_meeting", args=[active.pk])
    data = {"date": "2027-01-11", "time": "18:30", "duration_minutes": "60", "mode": "video"}

    with at(1, 5):
        assert client.get(url)["Location"].startswith(reverse("account_login"))
        client.force_login(other_mentee)
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
        assert not Meeting.objects.exists()

        client.force_login(mentor)
        page = client.get(url)
        assert page.status_code == 200
        assert b"0 of 4 sessions used, until 4 July 2027" in page.content
        response = client.post(url, data)

    assert response.status_code == 302
    assert response["Location"] == reverse("requests:partnership", args=[active.pk]) + "#meetings"
    meeting = Meeting.objects.get()
    assert meeting.starts_at == moment(1, 11, 18, 30)
    assert meeting.planned_by == mentor


def test_plan_page_shows_a_refusal_as_a_form_error(client, active, mentee):
    with at(1, 12):
        client.force_login(mentee)
        response = client.post(
            reverse("requests:plan_meeting", args=[active.pk]),
            {"date": "2027-01-11", "time": "18:30", "duration_minutes": "60", "mode": "video"},
        )

    assert response.status_code == 200
    assert b"<title>Error:" in response.content
    assert b"Choose a date and time in the future" in response.content
    assert not Meeting.objects.exists()


def test_plan_page_explains_when_the_allowance_is_used(client, active, mentee, mentor):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    add_meeting(active, moment(2, 1, 18))

    with at(1, 26):
        client.force_login(mentee)
        page = client.get(reverse("requests:plan_meeting", args=[active.pk]))

    assert b"You cannot plan a meeting now" in page.content
    assert b"4 of 4 sessions used" in page.content
    assert b'name="date"' not in page.content


def test_empty_plan_form_shows_every_error(client, active, mentee):
    client.force_login(mentee)

    response = client.post(reverse("requests:plan_meeting", args=[active.pk]), {})

    assert b"Enter the date of the meeting" in response.content
    assert b"Enter the time the meeting starts" in response.content
    assert b"Choose how you will meet" in response.content


def test_marking_held_through_the_page(client, active, mentee):
    meeting = add_meeting(active, moment(1, 11, 18))
    url = reverse("requests:meeting_held", args=[meeting.pk])

    with at(1, 11, 17):
        client.force_login(mentee)
        assert client.get(url).status_code == 405
        page = client.get(reverse("requests:partnership", args=[active.pk]))
        assert url.encode() not in page.content  # no button before the time
        early = client.post(url, follow=True)
    assert b"once its start time has passed" in early.content

    with at(1, 11, 19):
        client.force_login(mentee)
        page = client.get(reverse("requests:partnership", args=[active.pk]))
        assert url.encode() in page.content
        response = client.post(url)

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD


def test_someone_elses_meeting_is_a_404_on_every_meeting_page(
    client, active, other_mentee, other_mentor
):
    meeting = add_meeting(active, moment(1, 11, 18))

    for outsider in (other_mentee, other_mentor):
        client.force_login(outsider)
        assert client.get(reverse("requests:meeting_cancel", args=[meeting.pk])).status_code == 404
        assert client.post(reverse("requests:meeting_cancel", args=[meeting.pk])).status_code == 404
        assert client.post(reverse("requests:meeting_held", args=[meeting.pk])).status_code == 404
        calendar = reverse("requests:meeting_calendar", args=[meeting.pk])
        assert client.get(calendar).status_code == 404
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED


def test_cancelling_through_the_page_warns_of_short_notice(client, active, mentee, mentor):
    meeting = add_meeting(active, moment(1, 11, 18))
    url = reverse("requests:meeting_cancel", args=[meeting.pk])

    with at(1, 11, 9):
        client.force_login(mentor)
        page = client.get(url)
        assert b"This is short notice" in page.content
        response = client.post(url, {"reason": "Stuck on the ward"})
        follow = client.get(response["Location"])

    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancelled_late) == (MeetingState.CANCELLED, True)
    assert b"recorded as a late cancellation" in follow.content
    again = client.get(url)
    assert b"cannot be cancelled" in again.content


def test_a_meeting_whose_time_has_passed_can_be_recorded_as_not_happening(client, active, mentee):
    meeting = add_meeting(active, moment(1, 11, 18))

    with at(1, 12, 9):
        client.force_login(mentee)
        detail = client.get(reverse("requests:partnership", args=[active.pk])).content.decode()
        page = client.get(reverse("requests:meeting_cancel", args=[meeting.pk])).content.decode()

    assert "It did not happen" in detail
    assert "To record" in detail
    assert "If the meeting did not happen" in page
    assert "This is short notice" not in page


def test_the_calendar_file_downloads_for_a_planned_meeting_only(client, active, mentee):
    meeting = add_meeting(active, moment(1, 11, 18))
    url = reverse("requests:meeting_calendar", args=[meeting.pk])
    client.force_login(mentee)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="mentoring-2027-01-11.ics"' in response["Content-Disposition"]
    assert b"DTSTART:20270111T180000Z" in response.content
    assert b"SUMMARY:Peer mentoring with " + active.mentor.full_name.encode() in response.content
    assert client.post(url).status_code == 405
    workflow.cancel_meeting(meeting_id=meeting.pk, user=mentee, now=moment(1, 5))
    assert client.get(url).status_code == 404


def test_the_partnership_page_lists_meetings_and_late_cancellations(client, active, mentee, mentor):
    hold(active, mentor, moment(1, 11, 18))
    late = add_meeting(active, moment(1, 25, 18))
    workflow.cancel_meeting(meeting_id=late.pk, user=mentee, now=moment(1, 25, 17))
    add_meeting(active, moment(2, 8, 18, 30))

    with at(2, 1):
        client.force_login(mentor)
        page = client.get(reverse("requests:partnership", args=[active.pk])).content.decode()

    assert "Monday 11 January 2027 at 18:00" in page
    assert "Cancelled (late)" in page
    assert "Monday 8 February 2027 at 18:30" in page
    assert "2 of 4 sessions used, until 4 July 2027" in page
    assert active.state == PartnershipState.ACTIVE


# --- Two people at once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_both_planning_the_last_place_at_once_never_exceeds_the_allowance(mentee, mentor):
    from django.db import connection

    from tests.test_request_race import run_together

    if connection.vendor != "postgresql":
        pytest.skip("Needs two real connections with row locks: runs on PostgreSQL (CI).")
    partnership = make_partnership(mentee, mentor, sessions_allowed=1)
    outcomes = []

    def try_to_plan(user, day):
        try:
            outcomes.append(plan(partnership, user, moment(2, day, 18), now=moment(1, 5)).pk)
        except workflow.WorkflowError as error:
            outcomes.append(str(error))

    for _ in range(10):
        Meeting.objects.filter(partnership=partnership).delete()
        outcomes.clear()

        errors = run_together(lambda: try_to_plan(mentee, 1), lambda: try_to_plan(mentor, 2))

        assert errors == []
        assert Meeting.objects.filter(partnership=partnership).count() == 1
        assert sorted(type(o).__name__ for o in outcomes) == ["int", "str"]
