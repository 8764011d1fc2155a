"""Every change of state of a request, partnership or meeting.

Views, admin actions, management commands and Celery tasks call these
functions; nothing else assigns a status. Each function checks its rule,
changes the state with a conditional update inside a transaction (so the
scheduled job and a person acting at the same moment cannot both win),
records a Transition row, and queues its emails to go after commit.
"""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.email import queue_templated_email
from accounts.rules import is_mentee
from register.models import MentorProfile, MentorStatus
from requests_app import working_days
from requests_app.models import (
    OPEN_PARTNERSHIP_STATES,
    DeclineReason,
    MentoringRequest,
    Partnership,
    PartnershipState,
    RequestState,
    SchemeSettings,
    Transition,
)

DECISION_LINK_SALT = "requests.decision-link"
DECISION_LINK_MAX_AGE = datetime.timedelta(days=14)


class WorkflowError(Exception):
    """A rule refused the change; the message is written for the person who tried."""


@dataclass(frozen=True)
class Availability:
    """Whether a mentor can take a new request, and why not."""

    taking_requests: bool
    reason: str = ""


def mentor_load(mentor: MentorProfile) -> int:
    return Partnership.objects.filter(mentor=mentor, state__in=OPEN_PARTNERSHIP_STATES).count()


def mentor_availability(mentor: MentorProfile, *, load: int | None = None) -> Availability:
    if mentor.status != MentorStatus.PUBLISHED:
        return Availability(False, "This mentor is not on the register at the moment.")
    if mentor.is_paused:
        return Availability(False, "This mentor has paused taking requests.")
    if (mentor_load(mentor) if load is None else load) >= mentor.capacity:
        return Availability(False, "This mentor has no space for another mentee at the moment.")
    return Availability(True)


def _record(*, at: datetime.datetime, actor=None, reason: str = "", **subject_and_states) -> None:
    Transition.objects.create(at=at, actor=actor, reason=reason[:200], **subject_and_states)


# --- Requests ---------------------------------------------------------------


def send_request(
    *,
    mentee,
    mentor_id: int,
    message: str = "",
    preferred_mode: str = "",
    now: datetime.datetime | None = None,
) -> MentoringRequest:
    """A mentee asks a mentor to mentor them."""
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    if not is_mentee(mentee):
        raise WorkflowError("Finish setting up your mentee account before sending a request.")
    if not mentee.emailaddress_set.filter(verified=True, email__iexact=mentee.email).exists():
        raise WorkflowError("Confirm your email address before sending a request.")
    with transaction.atomic():
        # Lock the mentor row: capacity is read and relied on in this transaction.
        mentor = MentorProfile.objects.select_for_update().filter(pk=mentor_id).first()
        if mentor is None:
            raise WorkflowError("This mentor is not on the register.")
        if mentor.user_id == mentee.pk:
            raise WorkflowError("You cannot send a request to yourself.")
        availability = mentor_availability(mentor)
        if not availability.taking_requests:
            raise WorkflowError(availability.reason)
        if MentoringRequest.objects.pending().filter(mentee=mentee).exists():
            raise WorkflowError(
                "You already have a request waiting for an answer. Withdraw it to ask someone else."
            )
        if Partnership.objects.open().filter(mentee=mentee).exists():
            raise WorkflowError(
                "You already have a mentor. End that partnership to choose another."
            )
        request = MentoringRequest.objects.create(
            mentee=mentee,
            mentor=mentor,
            message=message.strip(),
            preferred_mode=preferred_mode,
            created_at=now,
            response_deadline=working_days.response_deadline(now, scheme.response_working_days),
        )
        _record(at=now, actor=mentee, request=request, to_state=RequestState.PENDING)
    _email_mentor(request, "request_received")
    return request


def _answer(
    *,
    request_id: int,
    to_state: str,
    by,
    now: datetime.datetime,
    extra: dict,
    allowed: Q,
    reason: str = "",
) -> MentoringRequest:
    """Move a pending request on, if and only if it is still pending."""
    changed = MentoringRequest.objects.filter(
        allowed, pk=request_id, state=RequestState.PENDING
    ).update(state=to_state, answered_at=now, answered_by=by, **extra)
    if changed != 1:
        current = (
            MentoringRequest.objects.filter(pk=request_id).values_list("state", flat=True).first()
        )
        if current is None:
            raise WorkflowError("This request does not exist.")
        if current == RequestState.PENDING:
            raise WorkflowError("Only the people involved can change this request.")
        if current == RequestState.EXPIRED:
            raise WorkflowError(
                "This request passed its deadline and was closed before your answer arrived."
            )
        raise WorkflowError(
            f"This request has already been answered ({RequestState(current).label.lower()})."
        )
    request = MentoringRequest.objects.select_related("mentor", "mentee").get(pk=request_id)
    _record(
        at=now,
        actor=by,
        reason=reason,
        request=request,
        from_state=RequestState.PENDING,
        to_state=to_state,
    )
    return request


def accept_request(
    *, request_id: int, mentor_user, message: str = "", now: datetime.datetime | None = None
) -> Partnership:
    """The mentor says yes: a partnership starts, waiting for both to confirm the agreement."""
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    with transaction.atomic():
        mentor = MentorProfile.objects.select_for_update().filter(user=mentor_user).first()
        if mentor is None:
            raise WorkflowError("Only the mentor who was asked can answer this request.")
        load = mentor_load(mentor)
        if load >= mentor.capacity:
            raise WorkflowError(
                "You are at capacity. Raise your capacity or end a partnership first."
            )
        request = _answer(
            request_id=request_id,
            to_state=RequestState.ACCEPTED,
            by=mentor_user,
            now=now,
            extra={"response_message": message.strip()},
            allowed=Q(mentor=mentor),
        )
        partnership = Partnership.objects.create(
            request=request,
            mentee=request.mentee,
            mentor=mentor,
            started_at=now,
            sessions_allowed=scheme.sessions_per_partnership,
            window_ends_on=(
                timezone.localtime(now).date() + relativedelta(months=scheme.partnership_months)
            ),
        )
        _record(
            at=now,
            actor=mentor_user,
            partnership=partnership,
            to_state=PartnershipState.AGREEMENT_PENDING,
        )
    _email_mentee(request, "request_accepted")
    return partnership


def reject_request(
    *,
    request_id: int,
    mentor_user,
    reason: str,
    message: str = "",
    now: datetime.datetime | None = None,
) -> MentoringRequest:
    """The mentor says no, with a reason from the short list."""
    now = now or timezone.now()
    if reason not in DeclineReason.values:
        raise WorkflowError("Choose a reason for declining.")
    with transaction.atomic():
        request = _answer(
            request_id=request_id,
            to_state=RequestState.REJECTED,
            by=mentor_user,
            now=now,
            extra={"decline_reason": reason, "response_message": message.strip()},
            allowed=Q(mentor__user=mentor_user),
            reason=DeclineReason(reason).label,
        )
    _email_mentee(request, "request_declined")
    return request


def withdraw_request(
    *, request_id: int, mentee, now: datetime.datetime | None = None
) -> MentoringRequest:
    """The mentee takes their request back before it is answered."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _answer(
            request_id=request_id,
            to_state=RequestState.WITHDRAWN,
            by=mentee,
            now=now,
            extra={},
            allowed=Q(mentee=mentee),
        )
    _email_mentor(request, "request_withdrawn")
    return request


def cancel_request(
    *, request_id: int, admin_user, reason: str, now: datetime.datetime | None = None
) -> MentoringRequest:
    """The scheme team closes a pending request (for example, to re-match by hand)."""
    now = now or timezone.now()
    if not reason.strip():
        raise WorkflowError("Give a reason: both sides are told it.")
    with transaction.atomic():
        request = _answer(
            request_id=request_id,
            to_state=RequestState.CANCELLED,
            by=admin_user,
            now=now,
            extra={"response_message": reason.strip()},
            allowed=Q(),
            reason=reason,
        )
    _email_mentee(request, "request_cancelled")
    _email_mentor(request, "request_cancelled")
    return request


def expire_overdue_requests(*, now: datetime.datetime | None = None) -> int:
    """Close every pending request past its deadline: one conditional UPDATE.

    Safe to run at any time and as often as wanted: a request that was
    answered or already expired is no longer pending, so it is left alone and
    nobody is emailed twice. Anything overdue is caught, however long the job
    was down. A mentor answering at the same moment either changes the row
    first (then it is not pending here) or finds it expired: never both.
    Returns how many requests were expired.
    """
    now = now or timezone.now()
    with transaction.atomic():
        changed = (
            MentoringRequest.objects.pending()
            .overdue(now)
            .update(state=RequestState.EXPIRED, answered_at=now, answered_by=None)
        )
        if not changed:
            return 0
        # The rows this run expired are exactly those stamped with its time.
        expired_ids = list(
            MentoringRequest.objects.filter(
                state=RequestState.EXPIRED, answered_at=now, answered_by__isnull=True
            ).values_list("pk", flat=True)
        )
        Transition.objects.bulk_create(
            (
                Transition(
                    request_id=pk,
                    from_state=RequestState.PENDING,
                    to_state=RequestState.EXPIRED,
                    at=now,
                    reason="No answer by the deadline",
                )
                for pk in expired_ids
            ),
            batch_size=2000,
        )
        transaction.on_commit(lambda: _queue_in_batches("send_expiry_emails", expired_ids))
    return changed


def _queue_in_batches(task_name: str, ids: list[int], size: int = 500) -> None:
    """Hand a long list of ids to a Celery task in batches (one message per batch)."""
    from requests_app import tasks

    task = getattr(tasks, task_name)
    for start in range(0, len(ids), size):
        task.delay(ids[start : start + size])


def send_expiry_emails(request_ids: list[int]) -> None:
    scheme = SchemeSettings.load()
    requests = MentoringRequest.objects.filter(
        pk__in=request_ids, state=RequestState.EXPIRED
    ).select_related("mentor", "mentee")
    for request in requests:
        _email_mentee(request, "request_expired")
        _email_mentor(request, "request_expired")
        queue_templated_email(
            to=[scheme.inbox_email],
            template="request_expired_team",
            context={"request": request, "scheme": scheme},
        )


def remind_mentors(*, now: datetime.datetime | None = None) -> int:
    """Email each mentor once when a request has the reminder's working days left.

    "2 working days left" means the deadline falls within the next 2 working
    days after today (see working_days.working_days_left). Set-based and
    idempotent like the expiry: a reminded request has reminder_sent_at set.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    today = timezone.localtime(now).date()
    cutoff_day = working_days.add_working_days(today, scheme.reminder_working_days_left)
    with transaction.atomic():
        reminded = (
            MentoringRequest.objects.pending()
            .filter(
                reminder_sent_at__isnull=True,
                response_deadline__gte=now,
                response_deadline__lte=working_days.end_of_day(cutoff_day),
            )
            .update(reminder_sent_at=now)
        )
        if not reminded:
            return 0
        due_ids = list(
            MentoringRequest.objects.filter(reminder_sent_at=now).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _queue_in_batches("send_reminder_emails", due_ids))
    return reminded


def send_reminder_emails(request_ids: list[int]) -> None:
    requests = MentoringRequest.objects.pending().filter(pk__in=request_ids)
    for request in requests.select_related("mentor__user", "mentee"):
        _email_mentor(request, "request_reminder")


# --- Emails -------------------------------------------------------------------


def _absolute(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args or None)


def decision_link(request: MentoringRequest) -> str:
    """A signed link straight to the mentor's decision page; it expires, and the page
    still needs the mentor to be logged in."""
    token = signing.dumps({"request": request.pk}, salt=DECISION_LINK_SALT)
    return _absolute("requests:email_link", token)


def _email_context(request: MentoringRequest) -> dict:
    return {
        "request": request,
        "mentor": request.mentor,
        "mentee": request.mentee,
        "deadline": request.response_deadline,
    }


# Which page each email links to.
_MENTOR_LINKS = {
    "request_received": decision_link,
    "request_reminder": decision_link,
    "request_expired": lambda request: _absolute("dashboard"),
}


def _email_mentor(request: MentoringRequest, template: str) -> None:
    to = request.mentor.user.email if request.mentor.user_id else request.mentor.email
    link = _MENTOR_LINKS.get(template, lambda request: "")(request)
    queue_templated_email(
        to=[to], template=f"{template}_mentor", context={**_email_context(request), "link": link}
    )


def _email_mentee(request: MentoringRequest, template: str) -> None:
    link = _absolute("requests:mine")
    queue_templated_email(
        to=[request.mentee.email],
        template=f"{template}_mentee",
        context={**_email_context(request), "link": link},
    )


def open_load_by_mentor(mentor_ids: list[int]) -> dict[int, int]:
    """Open partnerships per mentor, in one query (for lists and search results)."""
    rows = (
        Partnership.objects.filter(mentor_id__in=mentor_ids, state__in=OPEN_PARTNERSHIP_STATES)
        .values("mentor_id")
        .annotate(n=Count("pk"))
    )
    return {row["mentor_id"]: row["n"] for row in rows}
