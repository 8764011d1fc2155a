"""Feedback as the scheme team sees it: figures and comments per quarter, never per person.

Who sees what (the survey page says the same to the people answering):
- the scheme team: for each quarter of the year, mentees' and mentors' answers
  apart (their rating questions differ), how many answered, the average of each
  rating and the comments, in an order that says nothing about when each came in;
  no name, partnership or date of any answer;
- only once the quarter has ended (figures that move as answers arrive would
  tell which answer came last) and at least MIN_RESPONSES people of that side
  answered in it; otherwise only "fewer than 5 responses";
- the other side of the partnership: never anything.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.db.models import Avg, Count
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from requests_app.forms import FeedbackForm
from requests_app.models import Feedback

MIN_RESPONSES = 5
RATINGS = ("rating_overall", "rating_felt_heard", "rating_would_recommend")
ROLES = (("mentee", "Mentees"), ("mentor", "Mentors"))
_QUARTER_MONTHS = {1: "January to March", 4: "April to June", 7: "July to September"}


@dataclass(frozen=True)
class Rating:
    question: str
    average: str  # "4.2"


@dataclass
class SideSummary:
    label: str  # "Mentees"
    responses: int
    shown: bool  # figures and comments are shown
    ratings: list[Rating] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def responses_text(self) -> str:
        if self.responses < MIN_RESPONSES:
            return f"Fewer than {MIN_RESPONSES} responses"
        return f"{self.responses} responses"


@dataclass
class QuarterSummary:
    label: str  # "April to June 2026"
    ended: bool
    sides: list[SideSummary]


def quarter_label(start: datetime.date) -> str:
    return f"{_QUARTER_MONTHS.get(start.month, 'October to December')} {start.year}"


def _questions(role: str) -> dict[str, str]:
    form = FeedbackForm(role=role)
    return {name: str(form.fields[name].label) for name in RATINGS}


def _unordered(comments: list[str]) -> list[str]:
    """A fixed order that follows neither time nor person: by a hash of the text."""
    return sorted(comments, key=lambda text: hashlib.sha256(text.encode()).digest())


def feedback_by_quarter(*, now: datetime.datetime | None = None) -> list[QuarterSummary]:
    """Every quarter with answers, newest first. Two queries whatever the number."""
    now = now or timezone.now()
    this_quarter = timezone.localtime(now).date().replace(day=1)
    this_quarter = this_quarter.replace(month=(this_quarter.month - 1) // 3 * 3 + 1)
    answered = Feedback.objects.filter(submitted_at__isnull=False).annotate(
        quarter=TruncQuarter("submitted_at")
    )
    figures = (
        answered.values("quarter", "respondent_role")
        .annotate(n=Count("pk"), **{name: Avg(name) for name in RATINGS})
        .order_by()
    )
    by_quarter: dict[datetime.date, dict[str, dict]] = {}
    for figure in figures:
        start = timezone.localtime(figure["quarter"]).date()
        by_quarter.setdefault(start, {})[figure["respondent_role"]] = dict(figure)
    shown = {
        (start, role)
        for start, sides in by_quarter.items()
        for role, row in sides.items()
        if start < this_quarter and row["n"] >= MIN_RESPONSES
    }
    comments: dict[tuple[datetime.date, str], list[str]] = {}
    if shown:
        for quarter, role, comment in answered.exclude(comment="").values_list(
            "quarter", "respondent_role", "comment"
        ):
            key = (timezone.localtime(quarter).date(), role)
            if key in shown:
                comments.setdefault(key, []).append(comment)

    summaries = []
    for start in sorted(by_quarter, reverse=True):
        sides = []
        for role, label in ROLES:
            row = by_quarter[start].get(role)
            if row is None:
                continue
            side = SideSummary(label=label, responses=row["n"], shown=(start, role) in shown)
            if side.shown:
                questions = _questions(role)
                side.ratings = [
                    Rating(questions[name], f"{row[name]:.1f}")
                    for name in RATINGS
                    if row[name] is not None
                ]
                side.comments = _unordered(comments.get((start, role), []))
            sides.append(side)
        summaries.append(
            QuarterSummary(label=quarter_label(start), ended=start < this_quarter, sides=sides)
        )
    return summaries
