"""The scheduled jobs: expiring unanswered requests and reminding mentors."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from requests_app import tasks, workflow
from requests_app.models import MentoringRequest, RequestState, Transition
from scheme.models import SchemeSettings

LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(mentee, mentor, committed):
    with time_machine.travel(MONDAY_9AM, tick=False), committed():
        request = workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
    mail.outbox.clear()
    return request  # due Monday 30 November, 23:59:59


def at(year, month, day, hour=9, minute=0, second=0):
    return time_machine.travel(
        datetime.datetime(year, month, day, hour, minute, second, tzinfo=LONDON), tick=False
    )


def test_nothing_expires_up_to_the_last_second_of_the_deadline(pending, committed):
    with at(2026, 11, 30, 23, 59, 59), committed():
        assert tasks.expire_overdue_requests() == 0

    pending.refresh_from_db()
    assert pending.state == RequestState.PENDING
    assert mail.outbox == []


def test_the_request_expires_just_after_the_deadline_and_everyone_is_told_once(
    pending, committed, mentee, mentor
):
    scheme = SchemeSettings.load()
    with at(2026, 12, 1, 0, 0, 1), committed():
        assert tasks.expire_overdue_requests.delay().get() == 1
    with at(2026, 12, 1, 0, 15, 0), committed():
        assert tasks.expire_overdue_requests.delay().get() == 0  # running again changes nothing

    pending.refresh_from_db()
    assert pending.state == RequestState.EXPIRED
    assert pending.answered_by is None
    assert Transition.objects.filter(request=pending, to_state="expired").count() == 1
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([mentee.email, mentor.email, scheme.inbox_email])
    mentee_mail = next(m for m in mail.outbox if m.to == [mentee.email])
    assert "/requests/" in mentee_mail.body  # the way back to choosing another mentor


def test_the_job_catches_up_after_downtime(mentee, other_mentee, mentor, other_mentor):
    with time_machine.travel(MONDAY_9AM, tick=False):
        first = workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
    with at(2026, 11, 25):
        second = workflow.send_request(
            mentee=other_mentee, mentor_id=other_mentor.mentor_profile.pk
        )

    with at(2027, 1, 15):  # weeks later
        assert workflow.expire_overdue_requests() == 2

    assert set(
        MentoringRequest.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "state", flat=True
        )
    ) == {RequestState.EXPIRED}


def test_answered_requests_are_never_expired(pending, mentor):
    workflow.accept_request(request_id=pending.pk, mentor_user=mentor)

    with at(2027, 1, 15):
        assert workflow.expire_overdue_requests() == 0
    pending.refresh_from_db()
    assert pending.state == RequestState.ACCEPTED


def test_the_management_command_runs_the_same_code(pending):
    out = StringIO()
    with at(2026, 12, 1, 8):
        call_command("expire_requests", stdout=out)

    assert "Expired 1 overdue request(s)." in out.getvalue()
    pending.refresh_from_db()
    assert pending.state == RequestState.EXPIRED


def test_the_reminder_goes_once_when_two_working_days_are_left(pending, committed, mentor):
    with at(2026, 11, 25), committed():  # Wednesday: Thu, Fri, Mon left
        assert workflow.remind_mentors() == 0
    with at(2026, 11, 26), committed():  # Thursday: Fri and Mon left
        assert tasks.remind_mentors() == 1
    with at(2026, 11, 27), committed():
        assert tasks.remind_mentors() == 0

    assert [m.to for m in mail.outbox] == [[mentor.email]]
    assert "Reminder" in mail.outbox[0].subject
    assert "/r/" in mail.outbox[0].body


def test_no_reminder_for_an_answered_request(pending, mentor):
    workflow.reject_request(request_id=pending.pk, mentor_user=mentor, reason="better_fit")

    with at(2026, 11, 27):
        assert workflow.remind_mentors() == 0


@pytest.mark.parametrize("overdue", [2, 30])
def test_expiry_is_a_fixed_number_of_queries_however_many_requests(
    overdue, mentee, mentor, django_assert_num_queries
):
    """The update, the history, which were proposals (none here), three INSERTs of
    emails (mentee, mentor, scheme inbox), the scheme's inbox and the mentors whose
    places may have freed, in savepoints."""
    from scheme.models import SchemeSettings
    from tests.factories import MenteeFactory, MentoringRequestFactory

    SchemeSettings.load()
    deadline = datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=LONDON)
    for _ in range(overdue):
        MentoringRequestFactory(
            mentee=MenteeFactory(), mentor=mentor.mentor_profile, response_deadline=deadline
        )

    with at(2026, 12, 2), django_assert_num_queries(10):
        assert workflow.expire_overdue_requests() == overdue
