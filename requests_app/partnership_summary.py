"""A partnership as each of its two people sees it: what the partnership pages and
the dashboard show, and what each side needs to do next.
"""

import datetime
from dataclasses import dataclass, field
from typing import cast

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from mentoring.formatting import long_date
from mentoring.pagination import paginate, pagination_links
from requests_app import workflow
from requests_app.models import (
    OPEN_PARTNERSHIP_STATES,
    Feedback,
    Meeting,
    MeetingState,
    Partnership,
    PartnershipState,
)
from scheme.models import SchemeSettings


@dataclass
class Summary:
    """A partnership as one of its two people sees it, with what they need to do next."""

    partnership: Partnership
    role: str  # "mentee" or "mentor"
    other_name: str
    meetings: list[Meeting]
    feedback_due: list[Feedback]
    now: datetime.datetime
    scheme: SchemeSettings
    todo: list[dict] = field(default_factory=list)
    # Sessions held, when counted by the database rather than from `meetings`.
    held_count: int | None = None

    @property
    def is_open(self) -> bool:
        return self.partnership.state in OPEN_PARTNERSHIP_STATES

    @property
    def held(self) -> int:
        if self.held_count is not None:
            return self.held_count
        return sum(m.state == MeetingState.HELD for m in self.meetings)

    @property
    def planned(self) -> int:
        return sum(m.state == MeetingState.PLANNED for m in self.meetings)

    @property
    def used(self) -> int:
        return self.held + self.planned

    @property
    def left(self) -> int:
        return max(self.partnership.sessions_allowed - self.used, 0)

    @property
    def allowance_text(self) -> str:
        """'2 of 4 sessions used, until 3 May 2027'."""
        allowed = self.partnership.sessions_allowed
        ends = self.partnership.window_ends_on
        noun = "session" if allowed == 1 else "sessions"
        return f"{self.used} of {allowed} {noun} used, until {ends.day} {ends:%B %Y}"

    @property
    def next_meeting(self) -> Meeting | None:
        upcoming = [
            m for m in self.meetings if m.state == MeetingState.PLANNED and m.starts_at > self.now
        ]
        return min(upcoming, key=lambda m: m.starts_at, default=None)

    @property
    def to_record(self) -> list[Meeting]:
        """Planned meetings whose time has come: held or not, someone should say."""
        return [
            m for m in self.meetings if m.state == MeetingState.PLANNED and m.starts_at <= self.now
        ]

    @property
    def my_confirmation(self) -> datetime.datetime | None:
        return getattr(self.partnership, f"{self.role}_confirmed_at")

    @property
    def mentee_plans(self) -> bool:
        """The mentor of a scheme where only the mentee plans meetings."""
        return not workflow.may_plan(self.role, self.scheme)

    @property
    def first_meeting_checklist(self) -> bool:
        """Show the first meeting's checklist: until both have ticked confidentiality."""
        p = self.partnership
        return (
            self.scheme.first_meeting_checklist
            and self.is_open
            and not (p.mentee_confidentiality_at and p.mentor_confidentiality_at)
        )

    @property
    def my_confidentiality(self) -> datetime.datetime | None:
        return getattr(self.partnership, f"{self.role}_confidentiality_at")

    @property
    def other_confidentiality(self) -> datetime.datetime | None:
        return getattr(self.partnership, f"{workflow.OTHER_SIDE[self.role]}_confidentiality_at")

    @property
    def confidentiality_pending(self) -> bool:
        """The next meeting waits for both to tick that they discussed confidentiality."""
        return workflow.confidentiality_pending(self.partnership, self.used, self.scheme)

    @property
    def can_plan(self) -> bool:
        return (
            self.partnership.state == PartnershipState.ACTIVE
            and self.left > 0
            and timezone.localdate(self.now) <= self.partnership.window_ends_on
            and not self.mentee_plans
            and not self.confidentiality_pending
        )

    @property
    def can_ask_for_extension(self) -> bool:
        return workflow.can_ask_for_extension(self.partnership, self.used, scheme=self.scheme)


def when(meeting: Meeting) -> str:
    """'Monday 15 March 2027 at 18:30', in UK time."""
    local = timezone.localtime(meeting.starts_at)
    return f"{long_date(local)} at {local:%H:%M}"


def other_name(partnership: Partnership, role: str) -> str:
    if role == "mentee":
        return partnership.mentor.full_name
    return partnership.mentee.get_full_name() or partnership.mentee.email


def _url(name: str, *args) -> str:
    return reverse(f"requests:{name}", args=args)


def summarise(
    partnership: Partnership,
    user,
    *,
    meetings: list[Meeting],
    feedback_due: list[Feedback],
    now: datetime.datetime,
    scheme: SchemeSettings,
    held: int | None = None,
) -> Summary:
    role = workflow.party_role(partnership, user)
    summary = Summary(
        partnership=partnership,
        role=role,
        other_name=other_name(partnership, role),
        meetings=meetings,
        feedback_due=feedback_due,
        now=now,
        scheme=scheme,
        held_count=held,
    )
    page = _url("partnership", partnership.pk)
    todo = summary.todo
    state = partnership.state
    if state == PartnershipState.AGREEMENT_PENDING:
        if summary.my_confirmation is None:
            todo.append(
                {
                    "text": f"Talk through and confirm your agreement with {summary.other_name}",
                    "href": _url("partnership_agreement", partnership.pk),
                }
            )
        else:
            todo.append({"text": f"Wait for {summary.other_name} to confirm the agreement"})
    if state == PartnershipState.ACTIVE:
        for meeting in summary.to_record:
            todo.append(
                {
                    "text": (
                        f"Say whether your meeting on {timezone.localtime(meeting.starts_at):%d %B}"
                        " took place"
                    ),
                    "href": f"{page}#meetings",
                }
            )
        if summary.confidentiality_pending and summary.my_confidentiality is None:
            todo.append(
                {
                    "text": "Tick that you talked about confidentiality at your first meeting",
                    "href": _url("partnership_first_meeting", partnership.pk),
                }
            )
        if summary.can_plan and summary.next_meeting is None:
            todo.append(
                {"text": "Plan your next meeting", "href": _url("plan_meeting", partnership.pk)}
            )
    for feedback in feedback_due:
        todo.append(
            {
                "text": f"Give your {feedback.get_stage_display().lower()} feedback",
                "href": _url("feedback", feedback.pk),
            }
        )
    if role == "mentee" and state == PartnershipState.ENDED_EARLY:
        if summary.scheme.mentees_choose:
            todo.append({"text": "Choose another mentor", "href": reverse("mentor_search")})
        else:
            todo.append({"text": "Apply to be matched again", "href": reverse("requests:apply")})
    return summary


def feedback_due(user) -> list[Feedback]:
    return list(Feedback.objects.awaiting_answer().filter(respondent=user).order_by("requested_at"))


def dashboard_context(
    user,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
    scheme: SchemeSettings | None = None,
) -> dict:
    """What accounts/dashboard/_partnerships.jinja needs: current partnerships first,
    then the past ones a page at a time (?past=), newest first.

    A past partnership whose feedback is still due stays on every page, with its to-do.
    Five queries whatever the history: feedback due, the partnerships shown in full and
    their meetings, and the past page's count and rows (each with its sessions held).
    The scheme settings, unless given, are read only if an open partnership needs them
    (what each side may plan or ask for).
    """
    now = now or timezone.now()
    if scheme is None:
        scheme = cast(SchemeSettings, SimpleLazyObject(SchemeSettings.cached))
    due = feedback_due(user)
    waiting_for_feedback = {f.partnership_id for f in due}
    mine = Partnership.objects.filter(Q(mentee=user) | Q(mentor__user=user)).select_related(
        "mentee", "mentor"
    )
    in_full = [
        summarise(
            p,
            user,
            meetings=list(p.meetings.all()),
            feedback_due=[f for f in due if f.partnership_id == p.pk],
            now=now,
            scheme=scheme,
        )
        for p in mine.filter(Q(state__in=OPEN_PARTNERSHIP_STATES) | Q(pk__in=waiting_for_feedback))
        .prefetch_related(Prefetch("meetings", queryset=Meeting.objects.order_by("starts_at")))
        .order_by("-started_at", "-pk")
    ]
    past_page = paginate(
        request or HttpRequest(),
        mine.exclude(state__in=OPEN_PARTNERSHIP_STATES)
        .exclude(pk__in=waiting_for_feedback)
        .annotate(held_count=Count("meetings", filter=Q(meetings__state=MeetingState.HELD)))
        .order_by("-started_at", "-pk"),
        param="past",
    )
    past = [
        summarise(p, user, meetings=[], feedback_due=[], now=now, scheme=scheme, held=p.held_count)
        for p in past_page.object_list
    ]
    current = [s for s in in_full if s.is_open]
    return {
        "partnerships_overview": {
            "current": current,
            "past": [s for s in in_full if not s.is_open] + past,
            "past_pagination": pagination_links(request, past_page, param="past")
            if request is not None
            else None,
            # The mentor's places taken by partnerships: their open ones, all shown here.
            "mentees_now": sum(s.role == "mentor" for s in current),
            "when": when,
        }
    }
