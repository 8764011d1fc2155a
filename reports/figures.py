"""The scheme's figures for a period: the read side of the dashboard, the spreadsheet's
figures sheet, the management command and the monthly summary.

Every figure is counted by the database with aggregate queries, a fixed number of them
whatever the size of the scheme. Two figures need the scheme's calendar and are worked
out in Python from one bounded query each: working days to answer (the period's answered
requests, with the closure days read once) and days from sign-up to a mentee's first
request and first meeting (the mentees whose first one fell in the period).

What is counted when:
- a request is counted as sent in the period it was sent, and by its outcome in the
  period it was answered (accepted, declined, withdrawn, cancelled) or ran out of time;
  mentees' own requests and the scheme team's proposals are counted on separate lines;
- a partnership is counted as started when it started, completed or ended early when
  it ended;
- a session is counted by the day it was planned for (held or cancelled);
- feedback by when it was asked for (response rate) and when it was answered (averages,
  comments).

Never any mentoring content: no messages, notes, reasons written to the other side,
agendas or applications' words; feedback comments without who wrote them, their role,
partnership or date, ordered by their text. Breakdowns of people (by reason, grade,
school, trust, region...) show counts from 1 to 4 as "fewer than 5"; averages of fewer
than 5 answers are not shown either.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.db.models import Avg, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import MenteeProfile, TrainingStatus
from register.models import MentorProfile, MentorStatus
from requests_app.models import (
    DeclineReason,
    EndReason,
    ExtensionRequest,
    ExtensionState,
    Feedback,
    FeedbackStage,
    MatchApplication,
    Meeting,
    MeetingState,
    MenteeNudge,
    MentoringRequest,
    NonWorkingDay,
    NudgeAnswer,
    NudgeKind,
    Partnership,
    PartnershipState,
    ProposalDeclineReason,
    RequestState,
    WaitingListEntry,
)
from requests_app.working_days import annotate_working_days_left, is_working_day
from scheme.models import Nation, SchemeSettings
from scheme.profiles import current_profile

from .periods import Period, current_quarter, month_of, today, year_of

LONDON = ZoneInfo("Europe/London")
FEWER_THAN_5 = "fewer than 5"
SMALL_NUMBER = 5
NOT_GIVEN = "Not given"
# The page lists the requests with the nearest deadlines; the counts cover them all.
PENDING_LISTED = 25
ANSWER_TIME_BUCKETS = ("0 working days", "1", "2", "3", "4", "5 or more")
RATINGS = (
    ("rating_overall", "overall"),
    ("rating_felt_heard", "felt heard"),
    ("rating_would_recommend", "would recommend"),
)

Value = int | float | str


def suppressed(count: int) -> int | str:
    """A count of people in a breakdown: 1 to 4 could point at someone."""
    return FEWER_THAN_5 if 0 < count < SMALL_NUMBER else count


# --- What the figures hold ---------------------------------------------------------------


@dataclass(frozen=True)
class PendingRequest:
    number: int
    mentor_name: str
    sent: datetime.datetime
    deadline: datetime.datetime
    working_days_left: int
    overdue: bool


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date  # the first of the month
    label: str  # "Oct 2026"
    requests_sent: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    sessions_held: int = 0


@dataclass(frozen=True)
class RequestCounts:
    """One kind of request (mentees' own, or proposals) in the period."""

    sent: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    withdrawn: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class MentorResponsiveness:
    mentor_id: int
    name: str
    answered: int
    median: float | None
    p90: float | None
    expired: int


@dataclass(frozen=True)
class Breakdown:
    """People counted by one dimension: (value, mentees, mentors), counts as shown."""

    title: str
    rows: list[tuple[str, Value, Value]]
    has_mentors: bool = True


@dataclass(frozen=True)
class FeedbackAverage:
    stage: str  # "Mid-point", "End"
    role: str  # "mentees", "mentors"
    answers: int
    ratings: dict[str, float | None]  # rating label -> average, None when suppressed

    @property
    def shown(self) -> bool:
        return self.answers >= SMALL_NUMBER


@dataclass
class SchemeFigures:
    period: Period
    now: datetime.datetime
    # Now
    pending: list[PendingRequest] = field(default_factory=list)  # the nearest deadlines
    pending_total: int = 0
    overdue_total: int = 0
    applications_waiting: int = 0
    bios_waiting_review: int = 0
    invitations_not_used: int = 0
    quiet_partnerships: int = 0
    quiet_weeks: int = 6
    feedback_not_returned: int = 0
    waiting_list_entries: int = 0
    mentors_with_waiting_list: int = 0
    nudges: "MenteeNudges | None" = None
    # The period
    own_requests: RequestCounts = field(default_factory=RequestCounts)
    proposals: RequestCounts = field(default_factory=RequestCounts)
    declined_by_reason: list[tuple[str, Value]] = field(default_factory=list)
    partnerships_started: int = 0
    partnerships_completed: int = 0
    partnerships_ended_early: int = 0
    ended_early_by_reason: list[tuple[str, Value]] = field(default_factory=list)
    sessions_held: int = 0
    sessions_cancelled: int = 0
    sessions_cancelled_late: int = 0
    extensions_asked: int = 0
    extensions_approved: int = 0
    monthly: list[MonthFigures] = field(default_factory=list)
    # Responsiveness
    answered: int = 0
    median_answer_days: float | None = None
    p90_answer_days: float | None = None
    expired_for_rate: int = 0
    answer_times: list[tuple[str, int]] = field(default_factory=list)
    mentors: list[MentorResponsiveness] = field(default_factory=list)
    # Reach
    breakdowns: list[Breakdown] = field(default_factory=list)
    mentees_total: int = 0
    mentors_total: int = 0
    unmatched_mentees: int = 0
    mentors_without_mentee: int = 0
    capacity_offered: int = 0
    capacity_used: int = 0
    median_days_to_first_request: float | None = None
    median_days_to_first_meeting: float | None = None
    # Feedback
    feedback: list[FeedbackAverage] = field(default_factory=list)
    feedback_asked: int = 0
    feedback_returned: int = 0

    # --- Derived ---

    @property
    def expiry_rate(self) -> float | None:
        """Of the requests mentors answered or let run out in the period, the share that
        ran out (per cent, one decimal)."""
        total = self.answered + self.expired_for_rate
        return round(100 * self.expired_for_rate / total, 1) if total else None

    @property
    def response_rate(self) -> float | None:
        return (
            round(100 * self.feedback_returned / self.feedback_asked, 1)
            if self.feedback_asked
            else None
        )

    @property
    def feedback_averages(self) -> list[tuple[str, float]]:
        """For a chart: the averages shown (5 answers or more)."""
        return [
            (f"{f.stage}, {f.role}: {label}", value)
            for f in self.feedback
            if f.shown
            for label, value in f.ratings.items()
            if value is not None
        ]

    def mentors_sorted(self, sort: str) -> list[MentorResponsiveness]:
        """The per-mentor table, by name (default), answered, median, p90 or expired;
        the larger numbers (slower, more) first, mentors without a figure last."""
        by_name = sorted(self.mentors, key=lambda m: (m.name.lower(), m.mentor_id))
        if sort not in MENTOR_SORTS or sort == "name":
            return by_name
        return sorted(
            by_name,
            key=lambda m: (getattr(m, sort) is None, -(getattr(m, sort) or 0)),
        )

    def as_rows(self) -> list[tuple[str, str, Value]]:
        """(section, figure, value) for every figure the dashboard shows, small numbers
        in breakdowns already shown as "fewer than 5"; empty figures as "". Not the
        lists: the requests waiting (counted), the per-mentor table and the comments
        (feedback_comments)."""
        rows: list[tuple[str, str, Value]] = []

        def add(section: str, name: str, value: Value | None) -> None:
            rows.append((section, name, "" if value is None else value))

        s = "Now"
        add(s, "Requests waiting for an answer", self.pending_total)
        add(s, "Requests past their deadline", self.overdue_total)
        add(s, "Applications waiting to be matched", self.applications_waiting)
        add(s, "Bios waiting for review", self.bios_waiting_review)
        add(s, "Invitations not used", self.invitations_not_used)
        add(
            s,
            f"Active partnerships with no meeting for {self.quiet_weeks} weeks",
            self.quiet_partnerships,
        )
        add(s, "Feedback not returned", self.feedback_not_returned)
        add(s, "People on waiting lists", self.waiting_list_entries)
        add(s, "Mentors with a waiting list", self.mentors_with_waiting_list)
        if self.nudges is not None:
            for figure, number in self.nudges.rows():
                add(s, figure, number)

        s = "Requests"
        for kind, counts in (
            ("Mentees' requests", self.own_requests),
            ("Proposals", self.proposals),
        ):
            for name in ("sent", "accepted", "declined", "expired", "withdrawn", "cancelled"):
                label = "not answered in time" if name == "expired" else name
                add(s, f"{kind}: {label}", getattr(counts, name))
        for reason, count in self.declined_by_reason:
            add(s, f"Declined: {reason}", count)

        s = "Partnerships"
        add(s, "Started", self.partnerships_started)
        add(s, "Completed", self.partnerships_completed)
        add(s, "Ended early", self.partnerships_ended_early)
        for reason, count in self.ended_early_by_reason:
            add(s, f"Ended early: {reason}", count)
        add(s, "Extensions asked for", self.extensions_asked)
        add(s, "Extensions approved", self.extensions_approved)

        s = "Sessions"
        add(s, "Held", self.sessions_held)
        add(s, "Cancelled", self.sessions_cancelled)
        add(s, "Cancelled late", self.sessions_cancelled_late)

        s = "Responsiveness"
        add(s, "Requests answered by mentors", self.answered)
        add(s, "Median working days to answer", self.median_answer_days)
        add(s, "90th percentile working days to answer", self.p90_answer_days)
        add(s, "Requests not answered in time", self.expired_for_rate)
        add(s, "Not answered in time (%)", self.expiry_rate)
        for bucket, count in self.answer_times:
            add(s, f"Answered in {bucket}" + ("" if "day" in bucket else " working days"), count)

        s = "Reach"
        add(s, "Mentees", self.mentees_total)
        add(s, "Mentors on the register", self.mentors_total)
        for breakdown in self.breakdowns:
            for value, mentees, mentors in breakdown.rows:
                add(s, f"Mentees by {breakdown.title.lower()}: {value}", mentees)
                if breakdown.has_mentors:
                    add(s, f"Mentors by {breakdown.title.lower()}: {value}", mentors)
        add(s, "Mentees never matched", self.unmatched_mentees)
        add(s, "Mentors with no mentee", self.mentors_without_mentee)
        add(s, "Places offered", self.capacity_offered)
        add(s, "Places taken", self.capacity_used)
        add(s, "Median days from sign-up to first request", self.median_days_to_first_request)
        add(s, "Median days from sign-up to first meeting", self.median_days_to_first_meeting)

        s = "Feedback"
        add(s, "Surveys sent", self.feedback_asked)
        add(s, "Surveys returned", self.feedback_returned)
        add(s, "Response rate (%)", self.response_rate)
        for f in self.feedback:
            add(s, f"{f.stage}, {f.role}: answers", suppressed(f.answers))
            for label, average in f.ratings.items():
                add(s, f"{f.stage}, {f.role}: {label}", average if f.shown else FEWER_THAN_5)
        return rows


MENTOR_SORTS = ("name", "answered", "median", "p90", "expired")


# --- Computing them -----------------------------------------------------------------------


def scheme_figures(
    period: Period | None = None, *, now: datetime.datetime | None = None
) -> SchemeFigures:
    period = period or current_quarter()
    now = now or timezone.now()
    scheme = SchemeSettings.cached()
    figures = SchemeFigures(period=period, now=now, quiet_weeks=scheme.quiet_partnership_weeks)
    _now(figures, now, scheme.quiet_partnership_weeks)
    _requests(figures, period)
    _partnerships_and_sessions(figures, period)
    _monthly(figures, period)
    _responsiveness(figures, period)
    _reach(figures, period)
    _feedback(figures, period)
    figures.nudges = mentee_nudges()
    return figures


# The page shows figures worked out at most this long ago. The worker works out the
# standard periods' figures every minute (refresh_standard_figures), so the page finds
# them ready; other periods are worked out on the first look and kept as long.
FIGURES_CACHE_SECONDS = 120


def recent_figures_key(period: Period) -> str:
    return f"reports:figures:{period.start:%Y%m%d}-{period.end:%Y%m%d}"


def refresh_standard_figures() -> int:
    """Work out this month's, this quarter's and this year's figures and keep them for
    the scheme figures page (a beat job, every minute): the page's first look at a
    standard period then reads them back. Returns the number of periods worked out."""
    periods = {month_of(today()), current_quarter(), year_of(today())}
    for period in periods:
        cache.set(recent_figures_key(period), scheme_figures(period), FIGURES_CACHE_SECONDS)
    return len(periods)


def recent_scheme_figures(period: Period, *, fresh: bool = False) -> SchemeFigures:
    """The period's figures as the database gave them within FIGURES_CACHE_SECONDS, for
    the scheme figures page: the worker's for a standard period, or the page's own from
    an earlier look; choosing another page or order of its tables, or opening it again,
    reads them back rather than asking the database again. `fresh` works them out now
    (the page's "Work the figures out again"). The exports, the command and the monthly
    summary always work them out."""
    key = recent_figures_key(period)
    if not fresh:
        found = cache.get(key)
        # Their age by the clock they were worked out with (the cache's own expiry
        # runs on its server's clock).
        kept_since = timezone.now() - datetime.timedelta(seconds=FIGURES_CACHE_SECONDS)
        if isinstance(found, SchemeFigures) and found.now > kept_since:
            return found
    figures = scheme_figures(period)
    cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


def _in(period: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": period.since, f"{name}__lt": period.until})


def _now(figures: SchemeFigures, now: datetime.datetime, quiet_weeks: int) -> None:
    totals = MentoringRequest.objects.pending().aggregate(
        pending=Count("pk"), overdue=Count("pk", filter=Q(response_deadline__lt=now))
    )
    figures.pending_total = totals["pending"]
    figures.overdue_total = totals["overdue"]
    pending = list(
        MentoringRequest.objects.pending()
        .select_related("mentor")
        .only("pk", "created_at", "response_deadline", "mentor__first_name", "mentor__last_name")
        .order_by("response_deadline", "pk")[:PENDING_LISTED]
    )
    annotate_working_days_left(pending, now)
    figures.pending = [
        PendingRequest(
            number=r.pk,
            mentor_name=r.mentor.full_name,
            sent=r.created_at,
            deadline=r.response_deadline,
            working_days_left=r.days_left,
            overdue=r.response_deadline < now,
        )
        for r in pending
    ]
    figures.applications_waiting = MatchApplication.objects.waiting().count()
    figures.bios_waiting_review = MentorProfile.objects.filter(
        status=MentorStatus.SUBMITTED
    ).count()
    # Invited, and the link not used yet: no log-in since the invitation.
    figures.invitations_not_used = (
        MentorProfile.objects.filter(invited_at__isnull=False)
        .exclude(status=MentorStatus.RETIRED)
        .filter(
            Q(user__isnull=True)
            | Q(user__last_login__isnull=True)
            | Q(user__last_login__lt=F("invited_at"))
        )
        .count()
    )
    quiet_since = now - datetime.timedelta(weeks=quiet_weeks)
    recent_meeting = Meeting.objects.filter(
        partnership=OuterRef("pk"), starts_at__gte=quiet_since, starts_at__lte=now
    ).exclude(state=MeetingState.CANCELLED)
    figures.quiet_partnerships = (
        Partnership.objects.filter(state=PartnershipState.ACTIVE, started_at__lt=quiet_since)
        .exclude(Exists(recent_meeting))
        .count()
    )
    figures.feedback_not_returned = Feedback.objects.awaiting_answer().count()
    waiting = WaitingListEntry.objects.active().aggregate(
        entries=Count("pk"), mentors=Count("mentor", distinct=True)
    )
    figures.waiting_list_entries = waiting["entries"]
    figures.mentors_with_waiting_list = waiting["mentors"]


@dataclass(frozen=True)
class MenteeNudges:
    """Mentees still without a mentor (requests_app.workflow's reminder and check-in)."""

    reminded_not_acted: int  # reminded, and no request, application or waiting list since
    check_ins_sent: int
    still_looking: int  # answered "yes, keep looking"
    stopped: int  # answered "no, I no longer need a mentor"

    def rows(self) -> list[tuple[str, int]]:
        """(figure, value) as the page, the spreadsheet and the summary name them."""
        return [
            ("Mentees reminded, and not asked for a mentor since", self.reminded_not_acted),
            ("Mentees asked whether they still want a mentor", self.check_ins_sent),
            ("Mentees who said yes, keep looking", self.still_looking),
            ("Mentees who said they no longer need a mentor", self.stopped),
        ]


def mentee_nudges() -> MenteeNudges:
    """Where the reminded and checked-in mentees are now: one aggregate query."""
    mentee = OuterRef("mentee_id")
    acted = (
        Exists(MentoringRequest.objects.filter(mentee=mentee))
        | Exists(MatchApplication.objects.filter(mentee=mentee))
        | Exists(WaitingListEntry.objects.filter(mentee=mentee))
        | Exists(MenteeNudge.objects.answered().filter(mentee=mentee))
    )
    counts = MenteeNudge.objects.aggregate(
        reminded=Count("pk", filter=Q(kind=NudgeKind.REMINDER, mentee__is_active=True) & ~Q(acted)),
        sent=Count("pk", filter=Q(kind=NudgeKind.CHECK_IN, sent_at__isnull=False)),
        yes=Count("pk", filter=Q(answer=NudgeAnswer.KEEP_LOOKING)),
        no=Count("pk", filter=Q(answer=NudgeAnswer.STOPPED)),
    )
    return MenteeNudges(counts["reminded"], counts["sent"], counts["yes"], counts["no"])


_OUTCOMES = {
    "accepted": RequestState.ACCEPTED,
    "declined": RequestState.REJECTED,
    "expired": RequestState.EXPIRED,
    "withdrawn": RequestState.WITHDRAWN,
    "cancelled": RequestState.CANCELLED,
}


def _requests(figures: SchemeFigures, period: Period) -> None:
    counts: dict = {}
    for kind, is_proposal in (("own", False), ("proposal", True)):
        of_kind = Q(application__isnull=not is_proposal)
        counts[f"{kind}_sent"] = Count("pk", filter=of_kind & _in(period, "created_at"))
        for name, state in _OUTCOMES.items():
            counts[f"{kind}_{name}"] = Count(
                "pk", filter=of_kind & Q(state=state) & _in(period, "answered_at")
            )
    found = MentoringRequest.objects.filter(
        _in(period, "created_at") | _in(period, "answered_at")
    ).aggregate(**counts)
    figures.own_requests = RequestCounts(
        **{name: found[f"own_{name}"] for name in ("sent", *_OUTCOMES)}
    )
    figures.proposals = RequestCounts(
        **{name: found[f"proposal_{name}"] for name in ("sent", *_OUTCOMES)}
    )
    labels = dict(DeclineReason.choices) | dict(ProposalDeclineReason.choices)
    by_reason = Counter(
        dict(
            MentoringRequest.objects.filter(state=RequestState.REJECTED)
            .filter(_in(period, "answered_at"))
            .values_list("decline_reason")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    figures.declined_by_reason = [
        (labels.get(reason, NOT_GIVEN) if reason else NOT_GIVEN, suppressed(n))
        for reason, n in sorted(
            by_reason.items(),
            key=lambda item: list(labels).index(item[0]) if item[0] in labels else len(labels),
        )
    ]


def _partnerships_and_sessions(figures: SchemeFigures, period: Period) -> None:
    found = Partnership.objects.filter(
        _in(period, "started_at") | _in(period, "ended_at")
    ).aggregate(
        started=Count("pk", filter=_in(period, "started_at")),
        completed=Count("pk", filter=Q(state=PartnershipState.COMPLETED) & _in(period, "ended_at")),
        ended_early=Count(
            "pk", filter=Q(state=PartnershipState.ENDED_EARLY) & _in(period, "ended_at")
        ),
    )
    figures.partnerships_started = found["started"]
    figures.partnerships_completed = found["completed"]
    figures.partnerships_ended_early = found["ended_early"]
    by_reason = dict(
        Partnership.objects.filter(state=PartnershipState.ENDED_EARLY)
        .filter(_in(period, "ended_at"))
        .values_list("end_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    figures.ended_early_by_reason = [
        (label, suppressed(by_reason.pop(value, 0))) for value, label in EndReason.choices
    ]
    if by_reason:  # ended before reasons were asked
        figures.ended_early_by_reason.append((NOT_GIVEN, suppressed(sum(by_reason.values()))))

    sessions = Meeting.objects.filter(_in(period, "starts_at")).aggregate(
        held=Count("pk", filter=Q(state=MeetingState.HELD)),
        cancelled=Count("pk", filter=Q(state=MeetingState.CANCELLED)),
        late=Count("pk", filter=Q(state=MeetingState.CANCELLED, cancelled_late=True)),
    )
    figures.sessions_held = sessions["held"]
    figures.sessions_cancelled = sessions["cancelled"]
    figures.sessions_cancelled_late = sessions["late"]

    extensions = ExtensionRequest.objects.filter(
        _in(period, "created_at") | _in(period, "decided_at")
    ).aggregate(
        asked=Count("pk", filter=_in(period, "created_at")),
        approved=Count("pk", filter=Q(state=ExtensionState.APPROVED) & _in(period, "decided_at")),
    )
    figures.extensions_asked = extensions["asked"]
    figures.extensions_approved = extensions["approved"]


def months_of(period: Period) -> list[datetime.date]:
    first = period.start.replace(day=1)
    months = []
    while first <= period.end:
        months.append(first)
        first += relativedelta(months=1)
    return months


def _monthly(figures: SchemeFigures, period: Period) -> None:
    """Each month's counts as columns of one query per table (a month is a UK calendar
    month, cut to the period): plain comparisons, which every database does quickly."""
    months = [
        (month, Period(max(month, period.start), min(month_of(month).end, period.end)))
        for month in months_of(period)
    ]
    outcomes = {
        "accepted": RequestState.ACCEPTED,
        "declined": RequestState.REJECTED,
        "expired": RequestState.EXPIRED,
    }
    columns: dict = {}
    for i, (_, window) in enumerate(months):
        columns[f"sent_{i}"] = Count("pk", filter=_in(window, "created_at"))
        for name, state in outcomes.items():
            columns[f"{name}_{i}"] = Count("pk", filter=Q(state=state) & _in(window, "answered_at"))
    requests = MentoringRequest.objects.filter(
        _in(period, "created_at") | _in(period, "answered_at")
    ).aggregate(**columns)
    held = Meeting.objects.filter(_in(period, "starts_at"), state=MeetingState.HELD).aggregate(
        **{
            f"held_{i}": Count("pk", filter=_in(window, "starts_at"))
            for i, (_, window) in enumerate(months)
        }
    )
    figures.monthly = [
        MonthFigures(
            month=month,
            label=f"{month:%b %Y}",
            requests_sent=requests[f"sent_{i}"],
            accepted=requests[f"accepted_{i}"],
            declined=requests[f"declined_{i}"],
            expired=requests[f"expired_{i}"],
            sessions_held=held[f"held_{i}"],
        )
        for i, (month, _) in enumerate(months)
    ]


class WorkingDayIndex:
    """Working days between two dates by lookup: the closure days read once."""

    def __init__(self, start: datetime.date, end: datetime.date):
        closures = set(
            NonWorkingDay.objects.filter(date__gte=start, date__lte=end).values_list(
                "date", flat=True
            )
        )
        self.start = start
        self.end = end
        self._index: dict[datetime.date, int] = {}
        counted = 0
        day = start
        while day <= end:
            if day > start and is_working_day(day, closures):
                counted += 1
            self._index[day] = counted
            day += datetime.timedelta(days=1)

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`, as count_working_days."""
        if end <= start:
            return 0
        return self._index[end] - self._index[start]


def _percentile(counts: Counter[int], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont) of
    values counted (value -> how many times), without writing each one out: working days
    to answer take a handful of values among thousands of answers."""
    total = sum(counts.values())
    if not total:
        return None
    position = fraction * (total - 1)
    low_rank = int(position)
    high_rank = min(low_rank + 1, total - 1)
    low = high = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if low is None and low_rank < seen:
            low = value
        if high_rank < seen:
            high = value
            break
    if low is None or high is None:  # cannot happen: the ranks are below the total
        return None
    return round(low + (high - low) * (position - low_rank), 1)


def _day(value: datetime.datetime) -> datetime.date:
    return value.astimezone(LONDON).date()


def _responsiveness(figures: SchemeFigures, period: Period) -> None:
    """Working days from sending to the mentor's answer, for the requests mentors
    answered in the period: a mentee's own request accepted or declined, or a proposal
    the mentor agreed to or said "not this time" to."""
    own = Q(application__isnull=True, state__in=[RequestState.ACCEPTED, RequestState.REJECTED])
    own &= _in(period, "answered_at")
    agreed = Q(application__isnull=False) & _in(period, "mentor_agreed_at")
    said_no = Q(
        application__isnull=False,
        mentor_agreed_at__isnull=True,
        state=RequestState.REJECTED,
        answered_by_id=F("mentor__user_id"),
    ) & _in(period, "answered_at")
    answered = MentoringRequest.objects.filter(own | agreed | said_no)
    # UK days from the database (no time zone work per row in Python), grouped.
    rows = list(
        answered.annotate(
            sent_on=TruncDate("created_at", tzinfo=LONDON),
            answered_on=TruncDate(Coalesce("mentor_agreed_at", "answered_at"), tzinfo=LONDON),
        )
        .values_list("mentor_id", "sent_on", "answered_on")
        .annotate(n=Count("pk"))
        .values_list("mentor_id", "sent_on", "answered_on", "n")
        .order_by()
    )
    names: dict[int, str] = {
        mentor_id: f"{first_name} {last_name}"
        for mentor_id, first_name, last_name in MentorProfile.objects.filter(
            pk__in=answered.values("mentor_id")
        ).values_list("pk", "first_name", "last_name")
    }
    expired = list(
        MentoringRequest.objects.filter(state=RequestState.EXPIRED)
        .filter(_in(period, "answered_at"))
        # A proposal the mentor agreed to ran out on the mentee's side, not theirs.
        .exclude(application__isnull=False, mentor_agreed_at__isnull=False)
        .values_list("mentor_id", "mentor__first_name", "mentor__last_name")
        .annotate(n=Count("pk"))
        .values_list("mentor_id", "mentor__first_name", "mentor__last_name", "n")
        .order_by()
    )
    # Working days to answer, counted: per mentor and in all.
    days_by_mentor: dict[int, Counter[int]] = defaultdict(Counter)
    every: Counter[int] = Counter()
    if rows:
        index = WorkingDayIndex(min(r[1] for r in rows), max(period.end, max(r[2] for r in rows)))
        for mentor_id, sent_on, answered_on, n in rows:
            days = index.between(sent_on, answered_on)
            days_by_mentor[mentor_id][days] += n
            every[days] += n
    expired_by_mentor = {}
    for mentor_id, first_name, last_name, n in expired:
        expired_by_mentor[mentor_id] = n
        names[mentor_id] = f"{first_name} {last_name}"
    figures.answered = every.total()
    figures.median_answer_days = _percentile(every, 0.5)
    figures.p90_answer_days = _percentile(every, 0.9)
    figures.expired_for_rate = sum(expired_by_mentor.values())
    buckets: Counter[int] = Counter()
    for days, n in every.items():
        buckets[min(days, 5)] += n
    figures.answer_times = [
        (label, buckets.get(i, 0)) for i, label in enumerate(ANSWER_TIME_BUCKETS)
    ]
    no_answers: Counter[int] = Counter()
    figures.mentors = [
        MentorResponsiveness(
            mentor_id=mentor_id,
            name=name,
            answered=counted.total(),
            median=_percentile(counted, 0.5),
            p90=_percentile(counted, 0.9),
            expired=expired_by_mentor.get(mentor_id, 0),
        )
        for mentor_id, name in names.items()
        for counted in (days_by_mentor.get(mentor_id, no_answers),)
    ]


def _breakdown(
    title: str,
    mentees: Iterable[tuple[object, int]],
    mentors: Iterable[tuple[object, int]] | None,
    labels: dict | None = None,
) -> Breakdown:
    def label(value: object) -> str:
        if value in (None, ""):
            return NOT_GIVEN
        return str(labels.get(value, value)) if labels else str(value)

    mentee_counts: Counter[str] = Counter()
    for value, n in mentees:
        mentee_counts[label(value)] += n
    mentor_counts: Counter[str] = Counter()
    for value, n in mentors or ():
        mentor_counts[label(value)] += n
    keys = sorted(set(mentee_counts) | set(mentor_counts), key=lambda k: (k == NOT_GIVEN, k))
    return Breakdown(
        title=title,
        rows=[
            (key, suppressed(mentee_counts[key]), suppressed(mentor_counts[key])) for key in keys
        ],
        has_mentors=mentors is not None,
    )


def _counted(queryset, name: str) -> list[tuple[object, int]]:
    return list(
        queryset.values_list(name).annotate(n=Count("pk")).values_list(name, "n").order_by()
    )


def _reach(figures: SchemeFigures, period: Period) -> None:
    """Everyone registered today (mentees, and mentors published on the register), by
    what the scheme's profile asks them."""
    profile = current_profile()
    mentees = MenteeProfile.objects.all()
    mentors = MentorProfile.objects.published()
    if profile.asks_training_status:
        figures.breakdowns.append(
            _breakdown(
                "Training status",
                _counted(mentees, "training_status"),
                None,
                dict(TrainingStatus.choices),
            )
        )
    for name, title, related in (
        ("grade", "Grade", "grade__name"),
        ("school", "Specialty school", "school__name"),
        ("trust", "Trust", "trust__name"),
    ):
        if profile.uses_mentee_field(name) or profile.uses(name):
            figures.breakdowns.append(
                _breakdown(title, _counted(mentees, related), _counted(mentors, related))
            )
    if profile.uses_mentee_field("trust") or profile.uses("trust"):
        figures.breakdowns.append(
            _breakdown(
                "Region", _counted(mentees, "trust__region"), _counted(mentors, "trust__region")
            )
        )
    if profile.uses_mentee_field("organisation") or profile.uses("organisation"):
        figures.breakdowns.append(
            _breakdown(
                "Organisation",
                _counted(mentees, "organisation"),
                _counted(mentors, "organisation"),
            )
        )
    if profile.uses_mentee_field("nation") or profile.uses("nation"):
        figures.breakdowns.append(
            _breakdown(
                "UK nation",
                _counted(mentees, "nation"),
                _counted(mentors, "nation"),
                dict(Nation.choices),
            )
        )

    any_partnership = Partnership.objects.filter(mentee_id=OuterRef("user_id"))
    found = mentees.aggregate(
        total=Count("pk"), unmatched=Count("pk", filter=~Q(Exists(any_partnership)))
    )
    figures.mentees_total = found["total"]
    figures.unmatched_mentees = found["unmatched"]
    open_partnership = Partnership.objects.open().filter(mentor_id=OuterRef("pk"))
    found = mentors.aggregate(
        total=Count("pk"),
        without=Count("pk", filter=~Q(Exists(open_partnership))),
        offered=Sum("capacity", filter=Q(is_paused=False), default=0),
    )
    figures.mentors_total = found["total"]
    figures.mentors_without_mentee = found["without"]
    figures.capacity_offered = found["offered"]
    figures.capacity_used = Partnership.objects.open().count()

    # Days from sign-up to the first request and first held meeting, for the mentees
    # whose first one fell in the period: the period's requests (and held meetings) with
    # no earlier one of the same mentee, read through the (mentee, time) indexes.
    earlier_request = MentoringRequest.objects.filter(mentee_id=OuterRef("mentee_id")).filter(
        Q(created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    to_request = (
        MentoringRequest.objects.filter(
            _in(period, "created_at"), mentee__mentee_profile__isnull=False
        )
        .exclude(Exists(earlier_request))
        .values_list(_uk_day("mentee__mentee_profile__created_at"), _uk_day("created_at"))
    )
    figures.median_days_to_first_request = _median_days(to_request)
    held = Meeting.objects.filter(state=MeetingState.HELD)
    earlier_meeting = held.filter(partnership__mentee_id=OuterRef("partnership__mentee_id")).filter(
        Q(starts_at__lt=OuterRef("starts_at"))
        | Q(starts_at=OuterRef("starts_at"), pk__lt=OuterRef("pk"))
    )
    to_meeting = (
        held.filter(_in(period, "starts_at"), partnership__mentee__mentee_profile__isnull=False)
        .exclude(Exists(earlier_meeting))
        .values_list(
            _uk_day("partnership__mentee__mentee_profile__created_at"), _uk_day("starts_at")
        )
    )
    figures.median_days_to_first_meeting = _median_days(to_meeting)


def _uk_day(name: str) -> TruncDate:
    """The UK day of a time, worked out by the database."""
    return TruncDate(name, tzinfo=LONDON)


def _median_days(pairs: Iterable[tuple[datetime.date, datetime.date]]) -> float | None:
    days = [max((later - signed_up).days, 0) for signed_up, later in pairs]
    return round(float(statistics.median(days)), 1) if days else None


def _feedback(figures: SchemeFigures, period: Period) -> None:
    asked = Feedback.objects.filter(_in(period, "requested_at")).aggregate(
        asked=Count("pk"), returned=Count("pk", filter=Q(submitted_at__isnull=False))
    )
    figures.feedback_asked = asked["asked"]
    figures.feedback_returned = asked["returned"]
    averages: dict[tuple[str, str], dict[str, Any]] = {
        (row["stage"], row["respondent_role"]): dict(row)
        for row in Feedback.objects.filter(_in(period, "submitted_at"))
        .values("stage", "respondent_role")
        .annotate(
            answers=Count("pk"),
            **{name: _avg(name) for name, _ in RATINGS},
        )
        .order_by()
    }
    stages = dict(FeedbackStage.choices)
    for stage in (FeedbackStage.MIDPOINT, FeedbackStage.END):
        for role, role_label in (("mentee", "mentees"), ("mentor", "mentors")):
            row: dict[str, Any] = averages.get((stage, role), {})
            answers = row.get("answers", 0)
            figures.feedback.append(
                FeedbackAverage(
                    stage=str(stages[stage]),
                    role=role_label,
                    answers=answers,
                    ratings={
                        label: (
                            round(row[name], 1)
                            if answers >= SMALL_NUMBER and row.get(name) is not None
                            else None
                        )
                        for name, label in RATINGS
                    },
                )
            )


def feedback_comments(period: Period) -> "QuerySet[Feedback, str]":
    """The comments of the surveys returned in the period, by their text alone: never
    with who wrote them, their role, partnership or date. A page reads them a page at
    a time (a count and a slice)."""
    return (
        Feedback.objects.filter(_in(period, "submitted_at"))
        .exclude(comment="")
        .order_by("comment")
        .values_list("comment", flat=True)
    )


def _avg(name: str) -> Avg:
    return Avg(name, output_field=FloatField())
