"""The plan-meeting form at its edges: sent twice, and times the UK clock skips or repeats."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from requests_app import workflow
from requests_app.models import Meeting, MeetingState, Transition
from tests.test_partnerships import add_meeting, at, make_partnership, moment
from tests.test_request_race import run_together

pytestmark = pytest.mark.django_db

FORM = {"date": "2027-01-11", "time": "18:30", "duration_minutes": "60", "mode": "video"}


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


def plan_page(partnership) -> str:
    return reverse("requests:plan_meeting", args=[partnership.pk])


# --- Sent twice -----------------------------------------------------------------------------


def test_the_form_sent_twice_plans_one_meeting_and_sends_one_invitation(
    client, active, mentee, mentor, committed
):
    with at(1, 5), committed():
        client.force_login(mentee)
        first = client.post(plan_page(active), FORM)
        second = client.post(plan_page(active), FORM)

    meeting = Meeting.objects.get()
    assert meeting.starts_at == moment(1, 11, 18, 30)
    partnership_page = reverse("requests:partnership", args=[active.pk]) + "#meetings"
    assert first["Location"] == second["Location"] == partnership_page
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    assert Transition.objects.filter(meeting=meeting).count() == 1
    with at(1, 5):
        page = client.get(partnership_page).content.decode()
    assert page.count("/calendar.ics") == 1
    assert reverse("requests:meeting_calendar", args=[meeting.pk]) in page


def test_the_form_sent_twice_after_the_last_place_still_lands_on_the_one_meeting(
    client, mentee, mentor, committed
):
    partnership = make_partnership(mentee, mentor, sessions_allowed=1)
    with at(1, 5), committed():
        client.force_login(mentee)
        client.post(plan_page(partnership), FORM)
        second = client.post(plan_page(partnership), FORM)

    assert second.status_code == 302
    assert Meeting.objects.count() == 1
    assert len(mail.outbox) == 1


def test_another_meeting_at_the_same_time_with_other_details_is_refused(
    client, active, mentee, committed
):
    with at(1, 5), committed():
        client.force_login(mentee)
        client.post(plan_page(active), FORM)
        response = client.post(plan_page(active), FORM | {"mode": "phone"})

    assert response.status_code == 200
    assert b"already have a meeting planned at this time" in response.content
    assert Meeting.objects.get().mode == "video"
    assert len(mail.outbox) == 1


def test_a_cancelled_meeting_does_not_block_planning_the_same_time_again(client, active, mentee):
    add_meeting(active, moment(1, 11, 18, 30), state=MeetingState.CANCELLED)
    with at(1, 5):
        client.force_login(mentee)
        response = client.post(plan_page(active), FORM)

    assert response.status_code == 302
    assert Meeting.objects.filter(state=MeetingState.PLANNED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_form_sent_twice_at_the_same_instant_plans_one_meeting(mentee, mentor):
    if connection.vendor != "postgresql":
        pytest.skip("Needs two real connections with row locks: runs on PostgreSQL (CI).")
    partnership = make_partnership(mentee, mentor)
    planned: list[int] = []

    def plan() -> None:
        meeting = workflow.plan_meeting(
            partnership_id=partnership.pk,
            user=mentee,
            starts_at=moment(2, 1, 18),
            duration_minutes=60,
            mode="video",
            now=moment(1, 5),
        )
        planned.append(meeting.pk)

    for _ in range(10):
        Meeting.objects.all().delete()
        planned.clear()
        mail.outbox.clear()

        assert run_together(plan, plan) == []

        assert planned == [Meeting.objects.get().pk] * 2
        assert [m.to for m in mail.outbox] == [[mentor.email]]


def test_the_database_holds_one_planned_meeting_per_partnership_and_start(active):
    add_meeting(active, moment(1, 11, 18, 30))

    with pytest.raises(IntegrityError), transaction.atomic():
        add_meeting(active, moment(1, 11, 18, 30))


# --- UK clock changes ----------------------------------------------------------------------


def test_a_time_the_clocks_skip_in_spring_is_refused_with_a_message(client, active, mentee):
    with at(3, 1):  # the clocks go forward at 01:00 on Sunday 28 March 2027
        client.force_login(mentee)
        response = client.post(plan_page(active), FORM | {"date": "2027-03-28", "time": "01:30"})

    assert response.status_code == 200
    assert b"<title>Error:" in response.content
    assert (
        b"01:30 does not exist in UK time on Sunday 28 March 2027, "
        b"when the clocks go forward from 01:00 to 02:00" in response.content
    )
    assert not Meeting.objects.exists()


def test_the_times_either_side_of_the_spring_gap_are_planned(client, active, mentee):
    with at(3, 1):
        client.force_login(mentee)
        for time in ("00:59", "02:00"):
            client.post(plan_page(active), FORM | {"date": "2027-03-28", "time": time})

    utc = datetime.UTC
    assert list(Meeting.objects.values_list("starts_at", flat=True)) == [
        datetime.datetime(2027, 3, 28, 0, 59, tzinfo=utc),  # GMT
        datetime.datetime(2027, 3, 28, 1, 0, tzinfo=utc),  # 02:00 BST
    ]


def test_a_time_the_clocks_repeat_in_autumn_is_the_first_of_the_two(client, mentee, mentor):
    """The clocks go back at 02:00 on Sunday 31 October 2027: 01:30 happens twice. The
    meeting is at the first 01:30 (British Summer Time), so nobody arrives an hour late."""
    partnership = make_partnership(mentee, mentor, window_ends_on=datetime.date(2027, 12, 31))
    with at(10, 1):
        client.force_login(mentee)
        response = client.post(
            plan_page(partnership), FORM | {"date": "2027-10-31", "time": "01:30"}
        )

    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.starts_at == datetime.datetime(2027, 10, 31, 0, 30, tzinfo=datetime.UTC)
