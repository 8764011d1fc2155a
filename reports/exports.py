"""The scheme's exports for the deanery and evaluations, as tablib datasets (CSV, XLSX).

Dates, states, counts and short-list reasons only: never mentoring content (request
messages, answers' notes, end notes, cancellation or extension reasons, agendas,
private notes, applications' words), and nothing that ties feedback to a person or a
partnership. Every text cell goes through safe_cell, so a spreadsheet never reads a
cell as a formula.

The admin's lists export the rows they show (their own filters) through the same
functions: register_dataset, activity_dataset.
"""

import datetime
from collections.abc import Iterable

import tablib
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from register.models import MentorProfile, SupervisionArrangement, TrainingRecord
from reports.periods import LONDON, Period
from requests_app.models import (
    OPEN_PARTNERSHIP_STATES,
    Feedback,
    Meeting,
    MeetingState,
    MentoringRequest,
    Partnership,
)
from scheme.profiles import FIELD_LABELS, current_profile

KINDS = ("register", "activity", "meetings", "feedback", "figures")
# What a spreadsheet takes for the start of a formula (OWASP's "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text that a spreadsheet would read as a formula, with a quote put before it;
    every other value as it is (numbers, dates, empty cells)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _dataset(title: str, headers: list[str], rows: Iterable[Iterable[object]]) -> tablib.Dataset:
    data = tablib.Dataset(title=title)
    data.headers = headers
    for row in rows:
        data.append([safe_cell(value) for value in row])
    return data


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    """The UK day of an instant: what a report counts by (reports.periods)."""
    return moment.astimezone(LONDON).date() if moment else None


def _local(moment: datetime.datetime) -> datetime.datetime:
    """UK wall-clock time without a zone: spreadsheets keep no time zones."""
    return moment.astimezone(LONDON).replace(tzinfo=None)


def _yes_no(value: object) -> str:
    return "yes" if value else "no"


def _within(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.since, f"{field}__lt": period.until})


# --- The register ------------------------------------------------------------------------

# Fields that differ between schemes, in the order the register export gives them.
REGISTER_PROFILE_FIELDS = ("grade", "school", "trust", "organisation", "expertise", "nation")


def register_dataset(mentors: QuerySet[MentorProfile] | None = None) -> tablib.Dataset:
    """Every mentor bio (or those of an admin list), by name: what the scheme's profile
    asks of them, status, capacity, load (open partnerships), invited, first logged in,
    framework confirmed, latest training completed, supervision in place today and
    whether there is a photo."""
    profile = current_profile()
    today = timezone.localdate()
    used = [name for name in REGISTER_PROFILE_FIELDS if profile.uses(name)]
    headers = [
        "Name",
        *(FIELD_LABELS[name] for name in used),
        "Status",
        "Paused",
        "Capacity",
        "Load (open partnerships)",
        "Invited",
        "Last logged in",
        "Framework confirmed",
        "Trained (latest date)",
        "Supervision",
        "Photo",
    ]
    chosen = MentorProfile.objects.all()
    if mentors is not None:
        chosen = chosen.filter(pk__in=mentors.values("pk"))
    chosen = (
        chosen.select_related("grade", "school", "trust", "user")
        .annotate(
            export_load=Count(
                "partnerships", filter=Q(partnerships__state__in=OPEN_PARTNERSHIP_STATES)
            ),
            # Dates and yes/no only: never a supervisor's name or a course's words.
            export_trained=Subquery(
                TrainingRecord.objects.mentor_trained(OuterRef("pk"), today)
                .order_by("-completed_on")
                .values("completed_on")[:1]
            ),
            export_supervised=Exists(
                SupervisionArrangement.objects.current(today).filter(mentor=OuterRef("pk"))
            ),
        )
        .order_by("last_name", "first_name", "pk")
    )

    def facts(mentor: MentorProfile) -> list[object]:
        found: list[object] = []
        for name in used:
            if name in ("grade", "school", "trust"):
                found.append(str(getattr(mentor, name) or ""))
            elif name == "nation":
                found.append(mentor.get_nation_display() if mentor.nation else "")
            else:
                found.append(getattr(mentor, name))
        return found

    rows = (
        [
            mentor.full_name,
            *facts(mentor),
            mentor.get_status_display(),
            _yes_no(mentor.is_paused),
            mentor.capacity,
            mentor.export_load,
            _day(mentor.invited_at),
            _day(mentor.user.last_login if mentor.user else None),
            _day(mentor.framework_confirmed_at),
            mentor.export_trained,
            _yes_no(mentor.export_supervised),
            _yes_no(mentor.photo),
        ]
        for mentor in chosen
    )
    return _dataset("Register", headers, rows)


# --- Activity: requests and partnerships ---------------------------------------------------

ACTIVITY_HEADERS = [
    "Record",
    "Number",
    "Request number",
    "Kind",
    "Mentor",
    "Sent",
    "Answered",
    "Outcome",
    "Reason",
    "Started",
    "Ended",
    "Sessions allowed",
    "Sessions held",
    "Sessions cancelled",
]
OWN_REQUEST = "Own request"
PROPOSAL = "Proposal"


def _kind(request: MentoringRequest) -> str:
    return PROPOSAL if request.application_id else OWN_REQUEST


def _request_rows(requests: QuerySet[MentoringRequest]) -> Iterable[list[object]]:
    for request in requests.select_related("mentor").order_by("created_at", "pk"):
        yield [
            "Request",
            request.pk,
            None,
            _kind(request),
            request.mentor.full_name,
            _day(request.created_at),
            _day(request.answered_at),
            request.get_state_display(),
            request.get_decline_reason_display() if request.decline_reason else "",
            None,
            None,
            None,
            None,
            None,
        ]


def _partnership_rows(partnerships: QuerySet[Partnership]) -> Iterable[list[object]]:
    counted = (
        partnerships.select_related("mentor", "request")
        .annotate(
            held=Count("meetings", filter=Q(meetings__state=MeetingState.HELD)),
            cancelled=Count("meetings", filter=Q(meetings__state=MeetingState.CANCELLED)),
        )
        .order_by("started_at", "pk")
    )
    for partnership in counted:
        yield [
            "Partnership",
            partnership.pk,
            partnership.request_id,
            _kind(partnership.request),
            partnership.mentor.full_name,
            None,
            None,
            partnership.get_state_display(),
            partnership.get_end_reason_display() if partnership.end_reason else "",
            _day(partnership.started_at),
            _day(partnership.ended_at),
            partnership.sessions_allowed,
            partnership.held,
            partnership.cancelled,
        ]


def activity_dataset(
    period: Period | None = None,
    *,
    requests: QuerySet[MentoringRequest] | None = None,
    partnerships: QuerySet[Partnership] | None = None,
) -> tablib.Dataset:
    """One row per request sent in the period, then one per partnership open at any time
    in it (started before its end, not ended before its start); or the rows of an admin
    list (requests or partnerships, whichever is given)."""
    if period is not None:
        requests = MentoringRequest.objects.filter(_within("created_at", period))
        partnerships = Partnership.objects.filter(started_at__lt=period.until).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=period.since)
        )
    rows: list[list[object]] = []
    if requests is not None:
        rows += _request_rows(MentoringRequest.objects.filter(pk__in=requests.values("pk")))
    if partnerships is not None:
        rows += _partnership_rows(Partnership.objects.filter(pk__in=partnerships.values("pk")))
    return _dataset("Activity", ACTIVITY_HEADERS, rows)


# --- Meetings ---------------------------------------------------------------------------------

MEETING_HEADERS = [
    "Partnership number",
    "Starts",
    "Duration (minutes)",
    "Mode",
    "State",
    "Cancelled late",
]


def meetings_dataset(period: Period) -> tablib.Dataset:
    """The meetings planned to start in the period: when, how long, how, and what came
    of them. Never their agenda or a cancellation's reason."""
    meetings = Meeting.objects.filter(_within("starts_at", period)).order_by("starts_at", "pk")
    rows = (
        [
            meeting.partnership_id,
            _local(meeting.starts_at),
            meeting.duration_minutes,
            meeting.get_mode_display(),
            meeting.get_state_display(),
            _yes_no(meeting.cancelled_late),
        ]
        for meeting in meetings
    )
    return _dataset("Meetings", MEETING_HEADERS, rows)


# --- Feedback ---------------------------------------------------------------------------------

FEEDBACK_HEADERS = [
    "Stage",
    "Role",
    "Overall",
    "Felt heard",
    "Would recommend",
    "Comment",
]


def feedback_dataset(period: Period) -> tablib.Dataset:
    """The surveys returned in the period: stage, role, ratings and comment. No name, no
    partnership and no date; rows sorted by their own values, so their order does not
    follow when or by whom they were sent."""
    returned = Feedback.objects.filter(_within("submitted_at", period))
    rows = sorted(
        (
            (
                feedback.get_stage_display(),
                feedback.get_respondent_role_display(),
                feedback.rating_overall,
                feedback.rating_felt_heard,
                feedback.rating_would_recommend,
                feedback.comment,
            )
            for feedback in returned.only(
                "stage",
                "respondent_role",
                "rating_overall",
                "rating_felt_heard",
                "rating_would_recommend",
                "comment",
            )
        ),
        key=lambda row: tuple((value is None, value if value is not None else 0) for value in row),
    )
    return _dataset("Feedback", FEEDBACK_HEADERS, rows)


# --- The period's figures --------------------------------------------------------------------

FIGURE_HEADERS = ["Section", "Figure", "Value"]


def figures_dataset(period: Period) -> tablib.Dataset:
    """Every figure of the dashboard for the period, a row each."""
    from reports.figures import scheme_figures

    return _dataset("Figures", FIGURE_HEADERS, scheme_figures(period).as_rows())


# --- All together -------------------------------------------------------------------------------


def dataset(kind: str, period: Period) -> tablib.Dataset:
    """One export by name (KINDS); the register is the same whatever the period."""
    if kind == "register":
        return register_dataset()
    if kind == "activity":
        return activity_dataset(period)
    if kind == "meetings":
        return meetings_dataset(period)
    if kind == "feedback":
        return feedback_dataset(period)
    if kind == "figures":
        return figures_dataset(period)
    raise ValueError(f"No export called {kind!r}")


def figures_workbook(period: Period) -> bytes:
    """An XLSX with a sheet for each export (register, activity, meetings, feedback,
    figures) of the period: attached to the monthly summary email."""
    book = tablib.Databook([dataset(kind, period) for kind in KINDS])
    return book.export("xlsx")
