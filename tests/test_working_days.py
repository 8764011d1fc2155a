import datetime
from zoneinfo import ZoneInfo

import pytest

from requests_app.models import NonWorkingDay
from requests_app.working_days import (
    add_working_days,
    count_working_days,
    response_deadline,
    working_days_left,
)

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def test_start_day_never_counts_and_weekends_are_skipped():
    assert add_working_days(d("2026-11-23"), 1) == d("2026-11-24")  # Monday -> Tuesday
    assert add_working_days(d("2026-11-27"), 1) == d("2026-11-30")  # Friday -> Monday
    assert add_working_days(d("2026-11-23"), 5) == d("2026-11-30")
    assert add_working_days(d("2026-11-23"), 0) == d("2026-11-23")


def test_christmas_and_new_year_with_a_substitute_boxing_day():
    # 2026: Christmas Friday 25th, Boxing Day Saturday 26th -> substitute Monday 28th,
    # New Year's Day Friday 1 January 2027.
    assert add_working_days(d("2026-12-23"), 1) == d("2026-12-24")
    assert add_working_days(d("2026-12-24"), 1) == d("2026-12-29")
    assert add_working_days(d("2026-12-24"), 5) == d("2027-01-05")
    assert count_working_days(d("2026-12-24"), d("2027-01-05")) == 5


def test_easter_weekend():
    # 2027: Good Friday 26 March, Easter Monday 29 March.
    assert add_working_days(d("2027-03-25"), 1) == d("2027-03-30")
    assert add_working_days(d("2027-03-24"), 5) == d("2027-04-02")


def test_substituted_bank_holiday_when_christmas_falls_at_a_weekend():
    # 2027: Christmas Saturday, Boxing Day Sunday -> Monday 27 and Tuesday 28 off.
    assert add_working_days(d("2027-12-24"), 1) == d("2027-12-29")


def test_admin_closure_days_do_not_count():
    NonWorkingDay.objects.create(date=d("2026-12-29"), description="Christmas closure")
    NonWorkingDay.objects.create(date=d("2026-12-30"), description="Christmas closure")
    assert add_working_days(d("2026-12-24"), 1) == d("2026-12-31")
    assert count_working_days(d("2026-12-24"), d("2027-01-05")) == 3


def test_request_made_on_a_saturday_evening_is_due_at_the_end_of_the_fifth_working_day():
    sent = datetime.datetime(2026, 11, 28, 21, 30, tzinfo=LONDON)  # Saturday evening
    due = response_deadline(sent, 5)
    assert due == datetime.datetime(2026, 12, 4, 23, 59, 59, tzinfo=LONDON)  # Friday


def test_a_late_evening_in_summer_time_counts_as_that_london_day():
    # 23:30 UTC on a Monday in June is already Tuesday 00:30 in London.
    sent = datetime.datetime(2027, 6, 7, 23, 30, tzinfo=datetime.UTC)
    assert response_deadline(sent, 1) == datetime.datetime(2027, 6, 9, 23, 59, 59, tzinfo=LONDON)


def test_working_days_left_counts_whole_days_after_today_up_to_the_deadline():
    deadline = datetime.datetime(2026, 12, 4, 23, 59, 59, tzinfo=LONDON)  # Friday
    monday = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    thursday = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=LONDON)
    saturday = datetime.datetime(2026, 12, 5, 9, 0, tzinfo=LONDON)
    friday = datetime.datetime(2026, 12, 4, 18, 0, tzinfo=LONDON)
    assert working_days_left(deadline, monday) == 4
    assert working_days_left(deadline, thursday) == 1
    assert working_days_left(deadline, friday) == 0
    assert working_days_left(deadline, saturday) == 0


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(d("2026-11-23"), -1)
