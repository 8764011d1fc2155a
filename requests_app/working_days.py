"""Working days: Monday to Friday, less England and Wales bank holidays and closure days.

Bank holidays come from the `holidays` package (England's calendar, which
Wales shares), including substitute days when a holiday falls at a weekend.
Closure days are the NonWorkingDay rows admins enter.
"""

import datetime
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.db.models import F, Func, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate

from requests_app.models import MentoringRequest, NonWorkingDay

LONDON = ZoneInfo("Europe/London")
# Look this far ahead for the deadline; far more than any setting allows.
_MAX_SPAN_DAYS = 400


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def _closures(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    return set(
        NonWorkingDay.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
    )


def is_working_day(day: datetime.date, closures: Iterable[datetime.date] = ()) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year) and day not in closures


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date that is `days` working days after `start`; `start` itself never counts.

    add_working_days(Friday, 1) is the next Monday (or Tuesday after a bank
    holiday Monday). With days=0 the answer is `start`.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    closures = _closures(start, start + datetime.timedelta(days=_MAX_SPAN_DAYS))
    day = start
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day, closures):
            counted += 1
    return day


def count_working_days(
    start: datetime.date, end: datetime.date, closures: set[datetime.date] | None = None
) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    if closures is None:
        closures = _closures(start, end)
    total = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day, closures):
            total += 1
    return total


def end_of_day(day: datetime.date) -> datetime.datetime:
    """23:59:59 on `day`, London time (BST or GMT as the date has it)."""
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=LONDON)


def response_deadline(sent_at: datetime.datetime, working_days: int) -> datetime.datetime:
    """A request sent at any day or hour is due at the end of the Nth working day after
    the (London) day it was sent."""
    sent_day = sent_at.astimezone(LONDON).date()
    return end_of_day(add_working_days(sent_day, working_days))


def working_days_left(
    deadline: datetime.datetime,
    now: datetime.datetime,
    closures: set[datetime.date] | None = None,
) -> int:
    """Whole working days after today up to the deadline; 0 on the deadline day itself."""
    today = now.astimezone(LONDON).date()
    last = deadline.astimezone(LONDON).date()
    return count_working_days(today, last, closures)


def annotate_working_days_left(requests: Iterable, now: datetime.datetime) -> None:
    """Set `.days_left` on each request, reading closure days once for the lot."""
    requests = list(requests)
    if not requests:
        return
    today = now.astimezone(LONDON).date()
    last = max(r.response_deadline for r in requests).astimezone(LONDON).date()
    closures = _closures(today, last) if last >= today else set()
    for r in requests:
        r.days_left = working_days_left(r.response_deadline, now, closures)


def with_working_days_left(
    requests: QuerySet[MentoringRequest], now: datetime.datetime
) -> list[MentoringRequest]:
    """The requests with `.days_left` set, in one query: for a page whose query budget
    has no room for reading the closure days on their own (the mentor's dashboard).

    The same count as working_days_left: each request carries how many closure days
    fall after today, up to its deadline, on a day that would otherwise be worked
    (a weekday that is not a bank holiday), counted by the database; the weekdays and
    bank holidays are counted here, then those closure days taken off.
    """
    today = now.astimezone(LONDON).date()
    # Deadlines are at most _MAX_SPAN_DAYS ahead: three calendar years cover them.
    bank_holidays = sorted(
        day for year in range(today.year, today.year + 3) for day in _bank_holidays(year)
    )
    closed_working_days = (
        NonWorkingDay.objects.filter(
            date__gt=today,
            date__lte=OuterRef("deadline_day"),
        )
        .exclude(date__week_day__in=(1, 7))  # Sunday and Saturday
        .exclude(date__in=bank_holidays)
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    found: list[Any] = list(  # MentoringRequests, given days_left below
        requests.annotate(
            deadline_day=TruncDate("response_deadline", tzinfo=LONDON),
            closures_left=Coalesce(Subquery(closed_working_days), 0),
        )
    )
    for r in found:
        r.days_left = max(working_days_left(r.response_deadline, now, set()) - r.closures_left, 0)
    return found
