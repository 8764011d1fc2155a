"""The period a report covers: this month, a quarter, a year or any range of days.

A period is a range of whole days in UK time, both ends included; its instants run
from the start of `start` to the start of the day after `end` (Europe/London), so a
boundary falls at midnight UK time whatever the clocks do.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # included

    @property
    def since(self) -> datetime.datetime:
        """The first instant of the period."""
        return datetime.datetime.combine(self.start, datetime.time(), tzinfo=LONDON)

    @property
    def until(self) -> datetime.datetime:
        """The first instant after the period."""
        return datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time(), tzinfo=LONDON
        )

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.end == _month_end(self.start) and _same_month(self):
            return f"{self.start:%B %Y}"
        return f"{self.start.day} {self.start:%B %Y} to {self.end.day} {self.end:%B %Y}"

    @property
    def slug(self) -> str:
        """For file names: 2026-10-01_2026-12-31."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=1) + relativedelta(months=1) - datetime.timedelta(days=1)


def _same_month(period: Period) -> bool:
    return (period.start.year, period.start.month) == (period.end.year, period.end.month)


def month_of(day: datetime.date) -> Period:
    return Period(day.replace(day=1), _month_end(day))


def quarter_of(day: datetime.date) -> Period:
    """Calendar quarters: January to March, April to June, and so on."""
    first = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return Period(first, first + relativedelta(months=3) - datetime.timedelta(days=1))


def year_of(day: datetime.date) -> Period:
    return Period(datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))


def today() -> datetime.date:
    return datetime.datetime.now(LONDON).date()


def current_quarter() -> Period:
    """The default period of every report."""
    return quarter_of(today())


def previous_month(day: datetime.date | None = None) -> Period:
    """The month before the one `day` (today) is in: what the monthly summary covers."""
    return month_of((day or today()).replace(day=1) - datetime.timedelta(days=1))


# --- The period a page or an export asks for ------------------------------------------

PERIOD_CHOICES = (
    ("month", "This month"),
    ("quarter", "This quarter"),
    ("year", "This year"),
    ("range", "Choose dates"),
)
LONGEST_RANGE_YEARS = 5


def period_from_query(query) -> tuple[Period, list[str]]:
    """The period a query string asks for, and what is wrong with it.

    ?period=month|quarter|year (the one today is in), or ?from=YYYY-MM-DD&to=YYYY-MM-DD
    (with or without period=range). Anything that is not a period gives the current
    quarter and the errors to show: never an exception.
    """
    kind = query.get("period", "")
    wants_range = kind == "range" or (kind == "" and (query.get("from") or query.get("to")))
    if kind == "month":
        return month_of(today()), []
    if kind == "year":
        return year_of(today()), []
    if not wants_range:
        errors = [] if kind in ("", "quarter") else ["Choose a period from the list"]
        return current_quarter(), errors
    errors = []
    start = _date(query.get("from", ""), "start", errors)
    end = _date(query.get("to", ""), "end", errors)
    if start and end:
        if end < start:
            errors.append("The end date must be the same as or after the start date")
        elif end >= start + relativedelta(years=LONGEST_RANGE_YEARS):
            errors.append(f"Choose a period of {LONGEST_RANGE_YEARS} years or less")
    if errors or start is None or end is None:
        return current_quarter(), errors
    return Period(start, end), []


def _date(text: str, which: str, errors: list[str]) -> datetime.date | None:
    text = text.strip()
    if not text:
        errors.append(f"Enter the {which} date")
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        errors.append(f"Enter the {which} date as a real date, for example 2026-10-01")
        return None
    if not 2000 <= day.year <= 2100:
        errors.append(f"Enter a {which} date between the years 2000 and 2100")
        return None
    return day


def period_query(period: Period) -> str:
    """The query string that asks for `period` (for links to exports and back)."""
    return f"period=range&from={period.start.isoformat()}&to={period.end.isoformat()}"
