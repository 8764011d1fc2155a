"""Meeting reminders: both sides, once, about a day before; never for cancelled, held or
past meetings; again after a move to a new time; off with the scheme's setting."""

import datetime

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring.outbox.models import Email
from requests_app import tasks, workflow
from requests_app.models import Meeting, MeetingState
from scheme.models import SchemeSettings
from tests.factories import MenteeProfileFactory, MentorProfileFactory, UserFactory
from tests.test_email_texts import blanks_in
from tests.test_partnerships import add_meeting, at, make_partnership, moment

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


def plan(partnership, user, starts_at, *, now) -> Meeting:
    return workflow.plan_meeting(
        partnership_id=partnership.pk,
        user=user,
        starts_at=starts_at,
        duration_minutes=45,
        mode="phone",
        now=now,
    )


def remind(committed, now) -> list:
    """Run the job at `now`; the emails it sent."""
    before = len(mail.outbox)
    with committed():
        workflow.remind_meetings(now=now)
    return mail.outbox[before:]


def event_of(message) -> tuple[icalendar.Calendar, icalendar.Event]:
    [(filename, content, mimetype)] = message.attachments
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    assert (filename, mimetype) == ("meeting.ics", f"text/calendar; method={calendar['METHOD']}")
    return calendar, event


def test_both_sides_are_reminded_once_about_a_day_before(active, mentee, mentor, committed):
    # Planned on 5 January for Tuesday 12 January at 18:30 (GMT).
    with committed():
        meeting = plan(active, mentee, moment(1, 12, 18, 30), now=moment(1, 5))
    mail.outbox.clear()

    assert remind(committed, moment(1, 11, 18, 29)) == []  # a minute more than a day ahead
    sent = remind(committed, moment(1, 11, 18, 30))
    assert remind(committed, moment(1, 11, 19, 30)) == []  # the next hourly run
    assert remind(committed, moment(1, 12, 17)) == []

    assert sorted(m.to[0] for m in sent) == sorted([mentee.email, mentor.email])
    meeting.refresh_from_db()
    assert meeting.reminder_sent_at == moment(1, 11, 18, 30)
    to_mentee = next(m for m in sent if m.to == [mentee.email])
    to_mentor = next(m for m in sent if m.to == [mentor.email])
    mentor_name = active.mentor.full_name
    assert to_mentee.subject == (
        f"Reminder: mentoring meeting with {mentor_name} on Tuesday 12 January at 18:30"
    )
    for message in sent:
        assert "Tuesday 12 January 2027 at 18:30 (UK time)" in message.body
        assert "Phone call, 45 minutes" in message.body
        assert "calendar file attached" in message.body
    agenda = reverse("requests:meeting_agenda", args=[meeting.pk])
    partnership = reverse("requests:partnership", args=[active.pk])
    assert f"Say what you would like to focus on, so {mentor_name} can prepare: " in to_mentee.body
    assert f"{agenda}\n" in to_mentee.body
    assert f"{partnership}#meetings\n" in to_mentor.body
    assert agenda not in to_mentor.body
    assert [problem for m in sent for problem in blanks_in(m)] == []

    calendar, event = event_of(to_mentor)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]).startswith(f"meeting-{meeting.pk}@")
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == moment(1, 12, 18, 30)
    assert str(event["ATTENDEE"]) == f"mailto:{mentor.email}"


def test_the_reminder_for_an_agenda_already_written_says_so(active, mentee, mentor, committed):
    meeting = add_meeting(active, moment(1, 12, 18, 30), agenda="Saying no to extra shifts")

    sent = remind(committed, moment(1, 11, 19))

    to_mentee = next(m for m in sent if m.to == [mentee.email])
    to_mentor = next(m for m in sent if m.to == [mentor.email])
    assert "Read or change what you would like to focus on: " in to_mentee.body
    assert f"Read what {mentee.get_full_name()} would like to focus on: " in to_mentor.body
    # What the mentee wrote stays on the site: never in an email.
    assert all("extra shifts" not in m.body and "extra shifts" not in m.subject for m in sent)
    assert meeting.pk


def test_a_run_after_downtime_catches_up_but_not_once_the_meeting_is_close(
    active, mentee, mentor, committed
):
    soon = add_meeting(active, moment(1, 12, 18, 30))
    later = add_meeting(active, moment(1, 12, 21, 30))

    # No run during the day before: at 19:00 on the day, `soon` is 1.5 hours away.
    sent = remind(committed, moment(1, 12, 17))

    assert {m.to[0] for m in sent} == {mentee.email, mentor.email}
    assert len(sent) == 2
    assert all("at 21:30" in m.subject for m in sent)
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminder_sent_at is None
    assert later.reminder_sent_at == moment(1, 12, 17)
    assert remind(committed, moment(1, 12, 18)) == []


def test_no_reminder_for_cancelled_held_or_past_meetings(active, mentee, mentor, committed):
    now = moment(1, 11, 19)
    add_meeting(active, now + 20 * HOUR, state=MeetingState.CANCELLED)
    add_meeting(active, now + 21 * HOUR, state=MeetingState.HELD)
    add_meeting(active, now - HOUR)  # planned, never recorded: its time has passed
    add_meeting(active, now + 25 * HOUR)  # not yet a day ahead

    assert remind(committed, now) == []
    assert not Meeting.objects.filter(reminder_sent_at__isnull=False).exists()


def test_a_meeting_cancelled_after_its_reminder_is_not_reminded_again(
    active, mentee, mentor, committed
):
    meeting = add_meeting(active, moment(1, 12, 18, 30))
    assert len(remind(committed, moment(1, 11, 19))) == 2
    workflow.cancel_meeting(meeting_id=meeting.pk, user=mentee, now=moment(1, 11, 20))

    assert remind(committed, moment(1, 11, 21)) == []


def test_a_meeting_planned_less_than_a_day_ahead_gets_no_reminder(
    active, mentee, mentor, committed
):
    # Both have just heard of it: the other side by the "planned" email.
    plan(active, mentee, moment(1, 12, 18, 30), now=moment(1, 11, 20))
    mail.outbox.clear()

    for hour in (21, 22, 23):
        assert remind(committed, moment(1, 11, hour)) == []
    assert remind(committed, moment(1, 12, 9)) == []


def test_no_reminders_when_the_scheme_turns_them_off(active, mentee, mentor, committed):
    add_meeting(active, moment(1, 12, 18, 30))
    scheme = SchemeSettings.load()
    scheme.meeting_reminders = False
    scheme.save()

    assert remind(committed, moment(1, 11, 19)) == []
    assert not Meeting.objects.filter(reminder_sent_at__isnull=False).exists()

    scheme.meeting_reminders = True
    scheme.save()
    assert len(remind(committed, moment(1, 11, 20))) == 2


def test_a_meeting_moved_to_a_new_day_is_reminded_again(active, mentee, mentor, committed):
    with committed():
        meeting = plan(active, mentee, moment(1, 12, 18, 30), now=moment(1, 5))
    assert len(remind(committed, moment(1, 11, 19))) == 2

    with committed():
        workflow.move_meeting(
            meeting_id=meeting.pk,
            user=mentor,
            starts_at=moment(1, 19, 18),
            duration_minutes=45,
            mode="phone",
            now=moment(1, 11, 20),
        )
    meeting.refresh_from_db()
    assert meeting.reminder_sent_at is None

    assert remind(committed, moment(1, 12, 19)) == []  # the old day: nothing
    assert remind(committed, moment(1, 18, 17)) == []
    sent = remind(committed, moment(1, 18, 18))
    assert sorted(m.to[0] for m in sent) == sorted([mentee.email, mentor.email])
    assert all("Tuesday 19 January 2027 at 18:00" in m.body for m in sent)
    _calendar, event = event_of(sent[0])
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == moment(1, 19, 18)
    assert remind(committed, moment(1, 18, 19)) == []


def test_a_new_way_of_meeting_alone_keeps_the_reminder_sent(active, mentee, mentor, committed):
    meeting = add_meeting(active, moment(1, 12, 18, 30))
    assert len(remind(committed, moment(1, 11, 19))) == 2

    workflow.move_meeting(
        meeting_id=meeting.pk,
        user=mentee,
        starts_at=meeting.starts_at,
        duration_minutes=30,
        mode="video",
        now=moment(1, 11, 20),
    )

    assert remind(committed, moment(1, 11, 21)) == []


def test_the_job_is_set_based_and_the_task_calls_it(mentee, mentor, committed):
    """The same number of queries for one meeting due as for four, and one INSERT of
    the emails; the Celery task returns how many meetings were reminded."""

    def due_meetings(count: int) -> None:
        for _ in range(count):
            user = UserFactory(verified=True)
            MenteeProfileFactory(user=user)
            other = MentorProfileFactory(with_login=True)
            partnership = make_partnership(user, other.user)
            add_meeting(partnership, moment(1, 12, 18, 30))

    def queries_for(now) -> list[str]:
        with CaptureQueriesContext(connection) as captured:  # the emails go after commit
            workflow.remind_meetings(now=now)
        queries = [query["sql"] for query in captured.captured_queries]
        assert len([sql for sql in queries if sql.startswith('INSERT INTO "outbox_email"')]) == 1
        return queries

    due_meetings(1)
    queries_for(moment(1, 11, 18, 59))  # the first run fills the cache of the settings
    due_meetings(1)
    one = queries_for(moment(1, 11, 19))
    due_meetings(4)
    four = queries_for(moment(1, 11, 19, 1))

    assert Email.objects.filter(kind="meeting_reminder").count() == 2 * 6
    assert len(four) == len(one)

    Meeting.objects.update(reminder_sent_at=None)
    with at(1, 11, 19, 30):
        assert tasks.remind_meetings.delay().get() == 6


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_remind_each_meeting_once(mentee, mentor):
    from tests.test_request_race import run_together

    if connection.vendor != "postgresql":
        pytest.skip("Needs two real connections with row locks: runs on PostgreSQL (CI).")
    partnership = make_partnership(mentee, mentor)
    meetings = [add_meeting(partnership, moment(1, 12, hour)) for hour in (10, 12, 14, 16)]
    counts: list[int] = []

    for _ in range(5):
        Meeting.objects.update(reminder_sent_at=None)
        Email.objects.all().delete()
        counts.clear()

        errors = run_together(
            lambda: counts.append(workflow.remind_meetings(now=moment(1, 11, 17))),
            lambda: counts.append(workflow.remind_meetings(now=moment(1, 11, 17, 0, 1))),
        )

        assert errors == []
        assert sum(counts) == len(meetings)
        assert Email.objects.filter(kind="meeting_reminder").count() == 2 * len(meetings)
