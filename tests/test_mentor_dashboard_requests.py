"""The mentor's dashboard lists the requests waiting for their answer, with the working
days left, counted as the deadline is (weekends, bank holidays and closure days off)."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from playwright.sync_api import expect

from requests_app.models import MentoringRequest, NonWorkingDay, RequestState
from requests_app.working_days import end_of_day, with_working_days_left, working_days_left
from tests.axe import assert_no_axe_violations
from tests.factories import MenteeFactory, MentoringRequestFactory, UserFactory
from tests.test_mentor_profile import log_in

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"
# Thursday 27 August 2026, noon in London. Monday 31 August is the summer bank holiday.
THURSDAY_27_AUGUST = datetime.datetime(2026, 8, 27, 11, tzinfo=datetime.UTC)


def day(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)


def waiting(mentor, first_name: str, deadline: str, sent: str = "2026-08-24"):
    return MentoringRequestFactory(
        mentor=mentor.mentor_profile,
        mentee=MenteeFactory(first_name=first_name, last_name="Mentee"),
        created_at=end_of_day(day(sent)) - datetime.timedelta(hours=10),
        response_deadline=end_of_day(day(deadline)),
    )


def listed(page: str) -> list[str]:
    """Each waiting request's line, its markup and spacing flattened."""
    section = page.split("waiting for your answer", 1)[1].split("All requests to you", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


@time_machine.travel(THURSDAY_27_AUGUST, tick=False)
def test_the_dashboard_lists_waiting_requests_with_working_days_left(client, mentor):
    # Friday, then the weekend and the bank holiday Monday, then Tuesday and Wednesday.
    across = waiting(mentor, "Amara", "2026-09-02")
    tomorrow = waiting(mentor, "Bilal", "2026-08-28")
    today = waiting(mentor, "Cerys", "2026-08-27", sent="2026-08-20")
    client.force_login(mentor)

    page = client.get(DASHBOARD).content.decode()

    assert "3 requests waiting for your answer" in page
    assert listed(page) == [
        "Cerys Mentee – sent Thursday 20 August 2026. "
        "Today is the last day to answer: answer by Thursday 27 August 2026.",
        "Bilal Mentee – sent Monday 24 August 2026. "
        "1 working day left: answer by Friday 28 August 2026.",
        "Amara Mentee – sent Monday 24 August 2026. "
        "3 working days left: answer by Wednesday 2 September 2026.",
    ]
    for r in (today, tomorrow, across):
        assert f'href="/mentor/requests/{r.pk}/"' in page


@time_machine.travel(THURSDAY_27_AUGUST, tick=False)
def test_a_closure_day_is_taken_off_once_and_only_on_a_working_day(client, mentor):
    waiting(mentor, "Amara", "2026-09-02")
    for closed in ("2026-08-29", "2026-08-31", "2026-09-01"):  # Saturday, bank holiday, Tuesday
        NonWorkingDay.objects.create(date=day(closed), description="Closed")
    client.force_login(mentor)

    (line,) = listed(client.get(DASHBOARD).content.decode())

    assert "2 working days left: answer by Wednesday 2 September 2026" in line


def test_the_count_is_the_deadlines_own_whatever_the_day(mentor):
    """Against working_days_left, the deadline's own definition, over a fortnight of
    todays, deadlines and closure days round the bank holiday and two weekends."""
    for closed in ("2026-08-28", "2026-08-30", "2026-08-31", "2026-09-03"):
        NonWorkingDay.objects.create(date=day(closed), description="Closed")
    deadlines = [day("2026-08-26") + datetime.timedelta(days=n) for n in range(12)]
    for n, deadline in enumerate(deadlines):
        waiting(mentor, f"Mentee{n}", deadline.isoformat(), sent="2026-08-20")
    pending = MentoringRequest.objects.filter(mentor__user=mentor).order_by("response_deadline")
    for offset in range(12):
        now = THURSDAY_27_AUGUST + datetime.timedelta(days=offset - 2)
        found = with_working_days_left(pending, now)
        assert [r.days_left for r in found] == [
            working_days_left(r.response_deadline, now) for r in found
        ], now


@time_machine.travel(THURSDAY_27_AUGUST, tick=False)
def test_answered_requests_proposals_and_other_mentors_requests_are_not_listed(
    client, mentor, other_mentor
):
    waiting(mentor, "Amara", "2026-09-02")
    MentoringRequestFactory(mentor=mentor.mentor_profile, state=RequestState.ACCEPTED)
    MentoringRequestFactory(mentor=other_mentor.mentor_profile)
    client.force_login(mentor)

    page = client.get(DASHBOARD).content.decode()

    assert "1 request waiting for your answer" in page
    assert len(listed(page)) == 1


def test_without_waiting_requests_the_dashboard_links_the_requests_page(client, mentor):
    client.force_login(mentor)

    page = client.get(DASHBOARD).content.decode()

    assert "waiting for your answer" not in page
    assert 'href="/mentor/requests/"' in page


def test_a_mentee_sees_no_mentors_requests(client, mentee):
    client.force_login(mentee)

    assert "waiting for your answer" not in client.get(DASHBOARD).content.decode()


@time_machine.travel(THURSDAY_27_AUGUST, tick=False)
def test_the_working_days_left_take_one_query_with_closure_days(mentor):
    NonWorkingDay.objects.create(date=day("2026-09-01"), description="Closed")
    for n in range(5):
        waiting(mentor, f"Mentee{n}", "2026-09-02")

    with CaptureQueriesContext(connection) as captured:
        found = with_working_days_left(
            MentoringRequest.objects.filter(mentor__user=mentor).select_related("mentee"),
            THURSDAY_27_AUGUST,
        )
        names = [r.mentee.first_name for r in found]

    assert len(captured) == 1
    assert len(names) == 5
    assert {r.days_left for r in found} == {2}


def test_a_user_without_a_mentor_bio_has_no_requests_section(client, db):
    user = UserFactory(verified=True)
    client.force_login(user)

    assert "waiting for your answer" not in client.get(DASHBOARD).content.decode()


@pytest.mark.browser
def test_the_list_passes_axe_and_reflows_with_a_long_name(page, mentor):
    waiting(mentor, "Featherstonehaugh" * 8, "2030-01-04", sent="2029-12-20")
    log_in(page, mentor)

    expect(page.get_by_role("heading", name="1 request waiting for your answer")).to_be_visible()
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
