"""Moving a meeting, and the calendar files that keep both calendars right: the planned,
moved and cancelled event keep one UID, SEQUENCE goes up, and a calendar program reads
METHOD and STATUS as an invitation, its update and its cancellation."""

import icalendar
import pytest
from django.core import mail
from django.urls import reverse

from requests_app import workflow
from requests_app.models import Meeting, MeetingState, Transition
from scheme.models import MeetingPlanner, SchemeSettings
from tests.test_email_texts import blanks_in
from tests.test_partnerships import add_meeting, at, make_partnership, moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


def move(meeting, user, starts_at, *, now, minutes=60, mode="video") -> Meeting:
    return workflow.move_meeting(
        meeting_id=meeting.pk,
        user=user,
        starts_at=starts_at,
        duration_minutes=minutes,
        mode=mode,
        now=now,
    )


def read(content) -> tuple[icalendar.Calendar, icalendar.Event]:
    """The file as a calendar program parses it: one calendar, one event."""
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def attached(message) -> tuple[icalendar.Calendar, icalendar.Event]:
    [(filename, content, mimetype)] = message.attachments
    calendar, event = read(content)
    # The part's type names the file's method, as Outlook needs to update in place.
    assert (filename, mimetype) == ("meeting.ics", f"text/calendar; method={calendar['METHOD']}")
    sent = message.message().as_string()
    assert f'Content-Type: text/calendar; method="{calendar["METHOD"]}"; charset="utf-8"' in sent
    return calendar, event


def test_planned_moved_and_cancelled_files_update_one_event_in_the_calendar(
    client, active, mentee, mentor, committed
):
    with committed():
        meeting = workflow.plan_meeting(
            partnership_id=active.pk,
            user=mentee,
            starts_at=moment(1, 11, 18, 30),
            duration_minutes=60,
            mode="video",
            now=moment(1, 5),
        )
    [planned] = mail.outbox
    with committed():
        move(meeting, mentee, moment(1, 13, 17), minutes=45, mode="phone", now=moment(1, 6))
    moved = mail.outbox[1:]
    with at(1, 7):
        client.force_login(mentor)
        download = client.get(reverse("requests:meeting_calendar", args=[meeting.pk]))
    with committed():
        workflow.cancel_meeting(meeting_id=meeting.pk, user=mentee, now=moment(1, 8))
    cancelled = [m for m in mail.outbox[3:] if m.attachments]

    # The planned file goes to the mentor; the moved and cancelled ones to both.
    assert planned.to == [mentor.email]
    assert [m.to[0] for m in moved] == [mentor.email, mentee.email]
    assert sorted(m.to[0] for m in cancelled) == sorted([mentor.email, mentee.email])
    messages = [planned, *moved, *cancelled]
    files = [attached(m) for m in messages]
    uids = {str(event["UID"]) for _calendar, event in files}
    assert uids == {f"meeting-{meeting.pk}@127.0.0.1"}
    assert [int(event["SEQUENCE"]) for _calendar, event in files] == [0, 1, 1, 2, 2]
    assert [str(calendar["METHOD"]) for calendar, _event in files] == [
        *("REQUEST", "REQUEST", "REQUEST"),
        *("CANCEL", "CANCEL"),
    ]
    assert [str(event["STATUS"]) for _calendar, event in files] == [
        *("CONFIRMED", "CONFIRMED", "CONFIRMED"),
        *("CANCELLED", "CANCELLED"),
    ]
    (_c, first), (_c, second), (_c, third), *_ = files
    assert third.decoded("DTSTART") == second.decoded("DTSTART")
    assert first.decoded("DTSTART") == moment(1, 11, 18, 30)
    assert first.decoded("DTEND") == moment(1, 11, 19, 30)
    assert second.decoded("DTSTART") == moment(1, 13, 17)
    assert second.decoded("DTEND") == moment(1, 13, 17, 45)
    # An emailed invitation names its organiser (the service) and the person addressed,
    # who is not asked to answer a no-reply address.
    for message, (_calendar, event) in zip(messages, files, strict=True):
        assert str(event["ORGANIZER"]) == "mailto:no-reply@localhost"
        assert str(event["ATTENDEE"]) == f"mailto:{message.to[0]}"
        assert event["ATTENDEE"].params["RSVP"] == "FALSE"

    # The page's download is the current version, to import by hand.
    assert download.status_code == 200
    calendar, event = read(download.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (uids.pop(), 1)
    assert event.decoded("DTSTART") == moment(1, 13, 17)
    assert "ORGANIZER" not in event

    assert [problem for m in mail.outbox for problem in blanks_in(m)] == []


def test_the_other_side_is_told_of_the_move_and_the_history_records_it(
    active, mentee, mentor, committed
):
    meeting = add_meeting(active, moment(1, 11, 18, 30))

    with committed():
        moved = move(meeting, mentor, moment(1, 12, 19), now=moment(1, 6, 10))

    assert (moved.starts_at, moved.moved_at) == (moment(1, 12, 19), moment(1, 6, 10))
    assert moved.calendar_sequence == 1
    assert moved.planned_by == meeting.planned_by  # still planned by the mentee
    message, to_mentor = mail.outbox
    assert message.to == [mentee.email]
    assert message.subject == (
        f"Meeting with {active.mentor.full_name} moved to Tuesday 12 January at 19:00"
    )
    assert to_mentor.to == [mentor.email]
    assert to_mentor.subject == (
        f"You moved your meeting with {mentee.get_full_name()} to Tuesday 12 January at 19:00"
    )
    assert "planned for Monday 11 January 2027 at 18:30 (UK time)" in to_mentor.body
    assert attached(to_mentor)[1].decoded("DTSTART") == moment(1, 12, 19)
    assert "It was planned for Monday 11 January 2027 at 18:30 (UK time)" in message.body
    assert "- Tuesday 12 January 2027 at 19:00 (UK time)" in message.body
    assert "- Video call, 60 minutes" in message.body
    [row] = Transition.objects.filter(meeting=meeting)
    assert (row.from_state, row.to_state, row.actor) == ("planned", "planned", mentor)
    assert row.reason == (
        "Moved by the mentor from Monday 11 January 2027 at 18:30 "
        "to Tuesday 12 January 2027 at 19:00"
    )


def test_moving_to_the_same_time_again_changes_nothing(active, mentee, committed):
    """The form sent twice: the second is the meeting as it now stands."""
    meeting = add_meeting(active, moment(1, 11, 18, 30))
    move(meeting, mentee, moment(1, 12, 19), now=moment(1, 6))

    with committed():
        again = move(meeting, mentee, moment(1, 12, 19), now=moment(1, 6))

    assert again.calendar_sequence == 1
    assert mail.outbox == []
    assert Transition.objects.filter(meeting=meeting).count() == 1


@pytest.mark.parametrize(
    ("starts_at", "now", "message"),
    [
        (moment(1, 10, 18), moment(1, 10, 19), "Choose a date and time in the future"),
        (moment(7, 5, 9), moment(1, 6), "Meetings can be planned up to Sunday 4 July 2027"),
        (moment(1, 20, 18), moment(1, 11, 19), "This meeting's time has passed"),
    ],
)
def test_moving_is_refused_into_the_past_beyond_the_window_or_once_started(
    active, mentee, starts_at, now, message
):
    meeting = add_meeting(active, moment(1, 11, 18, 30))

    with pytest.raises(workflow.WorkflowError, match=message):
        move(meeting, mentee, starts_at, now=now)

    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.calendar_sequence) == (moment(1, 11, 18, 30), 0)


def test_a_cancelled_or_held_meeting_cannot_be_moved(active, mentee, mentor):
    cancelled = add_meeting(active, moment(1, 11, 18), state=MeetingState.CANCELLED)
    held = add_meeting(active, moment(1, 4, 18), state=MeetingState.HELD)

    with pytest.raises(workflow.WorkflowError, match="was cancelled, so it cannot be moved"):
        move(cancelled, mentee, moment(1, 20, 18), now=moment(1, 6))
    with pytest.raises(workflow.WorkflowError, match="already marked as held"):
        move(held, mentor, moment(1, 20, 18), now=moment(1, 6))
    assert not Transition.objects.exists()


def test_a_meeting_cannot_be_moved_onto_another(active, mentee):
    meeting = add_meeting(active, moment(1, 11, 18))
    add_meeting(active, moment(1, 18, 18))

    with pytest.raises(workflow.WorkflowError, match="another meeting planned at this time"):
        move(meeting, mentee, moment(1, 18, 18), now=moment(1, 6))


def test_only_the_mentee_moves_meetings_where_only_the_mentee_plans(active, mentee, mentor):
    scheme = SchemeSettings.load()
    scheme.meetings_planned_by = MeetingPlanner.MENTEE
    scheme.save()
    meeting = add_meeting(active, moment(1, 11, 18))

    with pytest.raises(workflow.WorkflowError, match="your mentee sets up the meetings"):
        move(meeting, mentor, moment(1, 12, 18), now=moment(1, 6))
    assert move(meeting, mentee, moment(1, 12, 18), now=moment(1, 6)).starts_at == moment(1, 12, 18)


def test_nobody_outside_the_partnership_can_move_its_meeting(
    mentee, mentor, other_mentee, other_mentor
):
    meeting = add_meeting(make_partnership(mentee, mentor), moment(1, 11, 18))
    make_partnership(other_mentee, other_mentor)  # their own partnership is no key

    for outsider in (other_mentee, other_mentor):
        with pytest.raises(workflow.WorkflowError, match="This meeting does not exist"):
            move(meeting, outsider, moment(1, 12, 18), now=moment(1, 6))


def test_bad_length_or_way_of_meeting_is_refused(active, mentee):
    meeting = add_meeting(active, moment(1, 11, 18))

    with pytest.raises(workflow.WorkflowError, match="Choose how you will meet"):
        move(meeting, mentee, moment(1, 12, 18), mode="carrier pigeon", now=moment(1, 6))
    with pytest.raises(workflow.WorkflowError, match="between 15 minutes and 4 hours"):
        move(meeting, mentee, moment(1, 12, 18), minutes=300, now=moment(1, 6))


def test_ending_early_sends_both_sides_the_cancellation_of_each_meeting_to_come(
    active, mentee, mentor, committed
):
    held = add_meeting(active, moment(1, 4, 18), state=MeetingState.HELD)
    first = add_meeting(active, moment(1, 18, 18))
    second = add_meeting(active, moment(2, 1, 18, 30))

    with committed():
        workflow.end_partnership_early(
            partnership_id=active.pk, user=mentor, reason="no_click", now=moment(1, 10)
        )

    to_mentee = next(m for m in mail.outbox if m.to == [mentee.email] and m.attachments)
    to_mentor = next(m for m in mail.outbox if m.to == [mentor.email] and m.attachments)
    assert "The attached calendar files remove them from your calendar." in to_mentee.body
    assert to_mentor.subject == f"Your meetings with {mentee.get_full_name()} are cancelled"
    assert "- Monday 18 January 2027 at 18:00 (UK time)" in to_mentor.body
    assert "- Monday 1 February 2027 at 18:30 (UK time)" in to_mentor.body
    for message in (to_mentee, to_mentor):
        names = [name for name, _content, _type in message.attachments]
        assert names == ["meeting-2027-01-18-1800.ics", "meeting-2027-02-01-1830.ics"]
        events = [read(content)[1] for _name, content, _type in message.attachments]
        assert [str(e["UID"]).split("@")[0] for e in events] == [
            f"meeting-{first.pk}",
            f"meeting-{second.pk}",
        ]
        assert {(str(e["STATUS"]), int(e["SEQUENCE"])) for e in events} == {("CANCELLED", 1)}
        assert {str(read(c)[0]["METHOD"]) for _n, c, _t in message.attachments} == {"CANCEL"}
        assert {str(e["ATTENDEE"]) for e in events} == {f"mailto:{message.to[0]}"}
    held.refresh_from_db()
    assert (held.state, held.calendar_sequence) == (MeetingState.HELD, 0)
    assert [problem for m in mail.outbox for problem in blanks_in(m)] == []


def test_ending_early_with_no_meeting_to_come_sends_no_calendar_file(
    active, mentee, mentor, committed
):
    add_meeting(active, moment(1, 4, 18), state=MeetingState.HELD)

    with committed():
        workflow.end_partnership_early(
            partnership_id=active.pk, user=mentee, reason="no_click", now=moment(1, 10)
        )

    assert all(m.attachments == [] for m in mail.outbox)
    assert mentee.email not in [m.to[0] for m in mail.outbox if "ended" in m.subject]
    to_mentor = next(m for m in mail.outbox if m.to == [mentor.email] and "ended" in m.subject)
    assert "Any meetings you had planned are cancelled.\n" in to_mentor.body


def test_a_name_cannot_add_lines_to_an_emailed_invitation(mentee, mentor, committed):
    mentor.mentor_profile.first_name = 'Zoë "Z"\r'
    mentor.mentor_profile.last_name = 'Smith;X\r\nATTENDEE:mailto:evil@example.com\r\n"'
    mentor.mentor_profile.save()
    partnership = make_partnership(mentee, mentor)
    meeting = add_meeting(partnership, moment(1, 11, 18))

    with committed():
        move(meeting, mentee, moment(1, 12, 18), now=moment(1, 6))

    [message] = [m for m in mail.outbox if m.to == [mentor.email]]
    content = message.attachments[0][1]
    assert all("\r" not in line and "\n" not in line for line in content.split("\r\n"))
    _calendar, event = read(content)
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{mentor.email}"
    assert attendee.params["CN"] == "Zoë Z Smith;X ATTENDEE:mailto:evil@example.com "
    assert "evil@example.com" not in str(event.get("ORGANIZER"))


# --- The page -------------------------------------------------------------------------


def test_move_page_ladder(client, active, mentee, mentor, other_mentee, committed):
    meeting = add_meeting(active, moment(1, 11, 18, 30), duration_minutes=45, mode="phone")
    url = reverse("requests:meeting_move", args=[meeting.pk])
    data = {"date": "2027-01-12", "time": "19:15", "duration_minutes": "60", "mode": "video"}

    with at(1, 6):
        assert client.get(url)["Location"].startswith(reverse("account_login"))
        client.force_login(other_mentee)
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404

        client.force_login(mentor)
        page = client.get(url)
        assert page.status_code == 200
        assert b'value="2027-01-11"' in page.content
        assert b'value="18:30"' in page.content
        assert b'value="phone" checked' in page.content
        detail = client.get(reverse("requests:partnership", args=[active.pk]))
        assert url.encode() in detail.content
        with committed():
            response = client.post(url, data)

    assert response.status_code == 302
    assert response["Location"] == reverse("requests:partnership", args=[active.pk]) + "#meetings"
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.duration_minutes, meeting.mode) == (
        moment(1, 12, 19, 15),
        60,
        "video",
    )
    assert [m.to for m in mail.outbox] == [[mentee.email], [mentor.email]]


def test_move_page_shows_refusals_and_a_time_the_clocks_skip(client, active, mentee):
    meeting = add_meeting(active, moment(3, 20, 18))
    url = reverse("requests:meeting_move", args=[meeting.pk])

    with at(3, 1):
        client.force_login(mentee)
        past = client.post(
            url, {"date": "2027-02-20", "time": "18:00", "duration_minutes": "60", "mode": "video"}
        )
        skipped = client.post(
            url, {"date": "2027-03-28", "time": "01:30", "duration_minutes": "60", "mode": "video"}
        )

    assert past.status_code == skipped.status_code == 200
    assert b"Choose a date and time in the future" in past.content
    assert b"does not exist in UK time on Sunday 28 March 2027" in skipped.content
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.calendar_sequence) == (moment(3, 20, 18), 0)


def test_move_page_explains_why_a_meeting_cannot_be_moved(client, active, mentee, mentor):
    cancelled = add_meeting(active, moment(1, 11, 18), state=MeetingState.CANCELLED)
    started = add_meeting(active, moment(1, 12, 18))

    with at(1, 13):
        client.force_login(mentee)
        for meeting, why in [
            (cancelled, b"This meeting was cancelled. You can plan a new one instead."),
            (started, b"This meeting&#39;s time has passed."),
        ]:
            page = client.get(reverse("requests:meeting_move", args=[meeting.pk]))
            assert page.status_code == 200
            assert b"You cannot move this meeting" in page.content
            assert why in page.content
            assert b"Move the meeting</button>" not in page.content
        post = client.post(
            reverse("requests:meeting_move", args=[cancelled.pk]),
            {"date": "2027-01-20", "time": "18:00", "duration_minutes": "60", "mode": "video"},
        )
    assert b"was cancelled, so it cannot be moved" in post.content


def test_the_mentor_of_a_mentee_led_scheme_sees_no_move_link(client, active, mentee, mentor):
    scheme = SchemeSettings.load()
    scheme.meetings_planned_by = MeetingPlanner.MENTEE
    scheme.save()
    meeting = add_meeting(active, moment(1, 11, 18))
    url = reverse("requests:meeting_move", args=[meeting.pk])

    with at(1, 6):
        client.force_login(mentor)
        detail = client.get(reverse("requests:partnership", args=[active.pk]))
        page = client.get(url)

    assert url.encode() not in detail.content
    assert b"sets up the meetings" in page.content
    assert b"Move the meeting</button>" not in page.content
