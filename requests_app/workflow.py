"""Every change of state of a request, partnership or meeting.

Views, admin actions, management commands and Celery tasks call these
functions; nothing else assigns a status. Each function checks its rule,
changes the state with a conditional update inside a transaction (so the
scheduled job and a person acting at the same moment cannot both win),
records a Transition row, and queues its emails to go after commit.
"""

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass
from email.utils import parseaddr

from allauth.account.models import EmailAddress
from cryptography.fernet import InvalidToken
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    DateTimeField,
    EmailField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone

from accounts.rules import is_mentee
from mentoring.formatting import long_date
from mentoring.outbox import services as outbox
from mentoring.outbox.services import Attachment, queue_for_rows, queue_templated_email
from mentoring.queueing import enqueue
from mentoring.sql import insert_from_select
from register.models import MentorProfile, MentorStatus
from requests_app import ics, notes, working_days
from requests_app.availability import mentor_availability, places_promised
from requests_app.models import (
    OPEN_PARTNERSHIP_STATES,
    AgreementRecord,
    ApplicationState,
    DeclineReason,
    EndReason,
    ExtensionRequest,
    ExtensionState,
    Feedback,
    FeedbackStage,
    MatchApplication,
    Meeting,
    MeetingMode,
    MeetingState,
    MenteeNudge,
    MentoringRequest,
    MentorNote,
    NotesKey,
    NudgeAnswer,
    NudgeKind,
    Partnership,
    PartnershipState,
    ProposalDeclineReason,
    RequestState,
    Transition,
    WaitingListEntry,
    WaitingOutcome,
)
from scheme.models import MeetingPlanner, SchemeSettings
from scheme.texts import get_agreement_text

DECISION_LINK_SALT = "requests.decision-link"
DECISION_LINK_MAX_AGE = datetime.timedelta(days=14)


class WorkflowError(Exception):
    """A rule refused the change; the message is written for the person who tried."""


def _record(*, at: datetime.datetime, actor=None, reason: str = "", **subject_and_states) -> None:
    Transition.objects.create(at=at, actor=actor, reason=reason[:200], **subject_and_states)


# --- Requests ---------------------------------------------------------------


def _check_mentee(mentee, *, before: str) -> None:
    """Only a mentee with a confirmed email address may ask for a mentor or a place."""
    if not is_mentee(mentee):
        raise WorkflowError(f"Finish setting up your mentee account before {before}.")
    if not mentee.emailaddress_set.filter(verified=True, email__iexact=mentee.email).exists():
        raise WorkflowError(f"Confirm your email address before {before}.")


def _lock_mentor(mentor_id: int, mentee, *, yourself: str) -> MentorProfile:
    """The mentor row, locked: their places are counted and relied on in this transaction.
    Sending a request, joining a waiting list and offering places all lock it first."""
    mentor = MentorProfile.objects.select_for_update().filter(pk=mentor_id).first()
    if mentor is None:
        raise WorkflowError("This mentor is not on the register.")
    if mentor.user_id == mentee.pk:
        raise WorkflowError(yourself)
    return mentor


# When the scheme team proposes every match, mentees do not ask mentors themselves.
SCHEME_MATCHES = (
    "The scheme team matches mentees with mentors, so you cannot ask a mentor yourself. "
    "Apply to be matched and they will propose someone."
)
_ALREADY_PENDING = (
    "You already have a request waiting for an answer. Withdraw it to ask someone else."
)


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
    if not scheme.mentees_choose:
        raise WorkflowError(SCHEME_MATCHES)
    _check_mentee(mentee, before="sending a request")
    with transaction.atomic():
        mentor = _lock_mentor(mentor_id, mentee, yourself="You cannot send a request to yourself.")
        availability = mentor_availability(mentor, for_mentee=mentee)
        if not availability.taking_requests:
            raise WorkflowError(availability.reason)
        if MentoringRequest.objects.pending().filter(mentee=mentee).exists():
            raise WorkflowError(_ALREADY_PENDING)
        if Partnership.objects.open().filter(mentee=mentee).exists():
            raise WorkflowError(
                "You already have a mentor. End that partnership to choose another."
            )
        try:
            # A savepoint: the insert can lose a race, and the refusal below needs a
            # usable transaction to look at the request that won.
            with transaction.atomic():
                request = MentoringRequest.objects.create(
                    mentee=mentee,
                    mentor=mentor,
                    message=message.strip(),
                    preferred_mode=preferred_mode,
                    created_at=now,
                    response_deadline=working_days.response_deadline(
                        now, scheme.response_working_days
                    ),
                )
        except IntegrityError:
            # The same mentee asked another mentor at the same moment: that request held
            # another mentor's lock and committed after the check above
            # (one_pending_request_per_mentee refused this one).
            if MentoringRequest.objects.pending().filter(mentee=mentee).exists():
                raise WorkflowError(_ALREADY_PENDING) from None
            raise
        _record(at=now, actor=mentee, request=request, to_state=RequestState.PENDING)
        # Off this mentor's waiting list: a place offered stays kept by the request
        # until the mentor answers it.
        WaitingListEntry.objects.active().filter(mentee=mentee, mentor=mentor).update(
            left_at=now, outcome=WaitingOutcome.REQUESTED, request=request
        )
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
    with transaction.atomic():
        mentor = MentorProfile.objects.select_for_update().filter(user=mentor_user).first()
        if mentor is None:
            raise WorkflowError("Only the mentor who was asked can answer this request.")
        # Places held by matches the scheme team proposed count too: a proposal and a
        # mentee's own request cannot both take the last place.
        if places_promised(mentor) >= mentor.capacity:
            raise WorkflowError(
                "You are at capacity. Raise your capacity or end a partnership first."
            )
        request = _answer(
            request_id=request_id,
            to_state=RequestState.ACCEPTED,
            by=mentor_user,
            now=now,
            extra={"response_message": message.strip()},
            allowed=Q(mentor=mentor, application__isnull=True),
        )
        partnership = _start_partnership(request, mentor, by=mentor_user, now=now)
        _email_mentee(request, "request_accepted")
    return partnership


def _start_partnership(
    request: MentoringRequest, mentor: MentorProfile, *, by, now: datetime.datetime
) -> Partnership:
    """An accepted request or proposal opens a partnership, waiting for both to confirm
    the agreement; the mentee leaves every waiting list."""
    scheme = SchemeSettings.load()
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
        actor=by,
        partnership=partnership,
        to_state=PartnershipState.AGREEMENT_PENDING,
    )
    # They have a mentor: off every waiting list, and places kept for them go on.
    released = list(
        WaitingListEntry.objects.offered()
        .filter(mentee=request.mentee)
        .values_list("mentor_id", flat=True)
    )
    WaitingListEntry.objects.active().filter(mentee=request.mentee).update(
        left_at=now, outcome=WaitingOutcome.MATCHED
    )
    places_may_have_freed(released)
    # Matched: an application of theirs leaves the queue (in the "both" mode, one may
    # wait while the mentee's own request is accepted).
    matched = list(
        MatchApplication.objects.open().filter(mentee=request.mentee).values_list("pk", "state")
    )
    MatchApplication.objects.filter(pk__in=[pk for pk, _ in matched]).update(
        state=ApplicationState.MATCHED, closed_at=now, updated_at=now
    )
    for pk, state in matched:
        _record(
            at=now,
            actor=by,
            application_id=pk,
            from_state=state,
            to_state=ApplicationState.MATCHED,
            reason="" if pk == request.application_id else "Matched by their own request",
        )
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
            allowed=Q(mentor__user=mentor_user, application__isnull=True),
            reason=DeclineReason(reason).label,
        )
        places_may_have_freed([request.mentor_id])
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
            allowed=Q(mentee=mentee, application__isnull=True),
        )
        places_may_have_freed([request.mentor_id])
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
        if request.application_id is not None:
            _back_to_the_queue([request.application_id], now=now, reason="Proposal cancelled")
        places_may_have_freed([request.mentor_id])
        _email_mentee(request, "request_cancelled")
        _email_mentor(request, "request_cancelled")
    return request


def expire_overdue_requests(*, now: datetime.datetime | None = None) -> int:
    """Close every pending request past its deadline, set-based.

    One conditional UPDATE, then the history rows and the emails owed (to the
    mentee, the mentor and the scheme inbox) are each written by one INSERT ...
    SELECT in the same transaction: the requests and their emails commit together.

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
        expired = MentoringRequest.objects.filter(
            state=RequestState.EXPIRED, answered_at=now, answered_by__isnull=True
        )
        insert_from_select(
            Transition,
            expired,
            request=F("pk"),
            from_state=Value(RequestState.PENDING.value),
            to_state=Value(RequestState.EXPIRED.value),
            at=Value(now, output_field=DateTimeField()),
            reason=Value("No answer by the deadline"),
        )
        # Proposals that ran out of time: their applications wait again for a match.
        applications = list(expired.proposals().values_list("application_id", flat=True))
        if len(applications) < changed:
            _queue_expiry_emails(expired.own_requests(), now=now)
        if applications:
            _queue_expiry_emails(expired.proposals(), now=now, kind="proposal")
            _back_to_the_queue(
                applications, now=now, reason="The proposal was not answered in time"
            )
        places_may_have_freed(expired.order_by().values_list("mentor_id", flat=True).distinct())
    return changed


def _queue_expiry_emails(expired, *, now: datetime.datetime, kind: str = "request") -> None:
    """The mentee, the mentor and the scheme inbox are each told, one row per email."""
    related = ("mentor__user", "mentee")
    for template, recipient, link in (
        (f"{kind}_expired_mentee", F("mentee__email"), _absolute("requests:mine")),
        (
            f"{kind}_expired_mentor",
            Coalesce("mentor__user__email", "mentor__email"),
            _absolute("dashboard"),
        ),
        (f"{kind}_expired_team", Value(SchemeSettings.load().inbox_email), ""),
    ):
        queue_for_rows(
            expired,
            recipient=recipient,
            template=template,
            name="request",
            related=related,
            extra={"link": link},
            now=now,
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
        _email_reminder(due_ids)
    return reminded


def _email_reminder(request_ids: list[int]) -> None:
    """The mentor is reminded of a request; each side that has not answered a proposal
    is reminded of it."""
    requests = MentoringRequest.objects.pending().filter(pk__in=request_ids)
    with outbox.batch():
        for request in requests.select_related("mentor__user", "mentee", "application"):
            if request.application_id is None:
                _email_mentor(request, "request_reminder")
                continue
            for role in ("mentee", "mentor"):
                if getattr(request, f"{role}_agreed_at") is None:
                    _email_proposal_side(request, role, "proposal_reminder")


# === Matching by the scheme team ===================================================
#
# Where the scheme proposes matches (SchemeSettings.scheme_proposes), a mentee
# applies (a MatchApplication: their aims and wishes), and the scheme team proposes
# a mentor. A proposal is a MentoringRequest with its application set: like a
# request it has a working-day deadline, a reminder and the set-based expiry, and
# while it waits it holds the mentor's place (availability.places_taken_expression).
# It needs two answers: when both say "let's go ahead" a partnership starts; when
# either says "not this time", or time runs out, the application goes back to the
# queue and that mentor is not proposed to the mentee again. Neither side is told
# who said no or why: the reason is for the scheme team.


@dataclass(frozen=True)
class Wishes:
    """What a mentee asks for when they apply to be matched."""

    aims: str
    help_areas: str = ""
    preferred_mode: str = ""
    availability: str = ""
    mentor_wishes: str = ""
    avoid_own_workplace: bool = True
    avoid: str = ""

    @classmethod
    def of(cls, application: MatchApplication) -> "Wishes":
        return cls(**{name: getattr(application, name) for name in cls.__dataclass_fields__})

    def cleaned(self) -> "Wishes":
        if not self.aims.strip():
            raise WorkflowError("Say what you would like from mentoring.")
        if self.preferred_mode and self.preferred_mode not in MeetingMode.values:
            raise WorkflowError("Choose how you would like to meet, or no preference.")
        return Wishes(
            aims=self.aims.strip()[:2000],
            help_areas=self.help_areas.strip()[:1000],
            preferred_mode=self.preferred_mode,
            availability=self.availability.strip()[:300],
            mentor_wishes=self.mentor_wishes.strip()[:1000],
            avoid_own_workplace=bool(self.avoid_own_workplace),
            avoid=self.avoid.strip()[:1000],
        )


_ALREADY_APPLIED = "You have applied already. You can change or withdraw your application."
_NOT_PROPOSING = (
    "The scheme team is not matching mentees at the moment: "
    "you can choose a mentor from the register."
)


def apply_to_be_matched(
    *, mentee, wishes: Wishes, now: datetime.datetime | None = None
) -> MatchApplication:
    """A mentee asks the scheme team to find them a mentor."""
    now = now or timezone.now()
    wishes = wishes.cleaned()
    if not SchemeSettings.load().scheme_proposes:
        raise WorkflowError(_NOT_PROPOSING)
    _check_mentee(mentee, before="applying")
    with transaction.atomic():
        if Partnership.objects.open().filter(mentee=mentee).exists():
            raise WorkflowError("You already have a mentor.")
        if MentoringRequest.objects.pending().own_requests().filter(mentee=mentee).exists():
            raise WorkflowError(
                "You have a request waiting for a mentor's answer. "
                "Withdraw it if you would rather the scheme team found you a mentor."
            )
        try:
            with transaction.atomic():
                application = MatchApplication.objects.create(
                    mentee=mentee, created_at=now, updated_at=now, **vars(wishes)
                )
        except IntegrityError:
            # one_open_application_per_mentee: the same form sent twice at once.
            raise WorkflowError(_ALREADY_APPLIED) from None
        _record(at=now, actor=mentee, application=application, to_state=ApplicationState.WAITING)
        queue_templated_email(
            to=[SchemeSettings.load().inbox_email],
            template="application_received_team",
            context={"application": application, "link": _admin_link(application)},
        )
    return application


def _open_application(application_id: int, mentee) -> MatchApplication:
    application = (
        MatchApplication.objects.select_for_update()
        .filter(pk=application_id, mentee=mentee)
        .first()
    )
    if application is None:
        raise WorkflowError("This application does not exist.")
    if application.state == ApplicationState.MATCHED:
        raise WorkflowError("You have been matched, so your application is closed.")
    if application.state == ApplicationState.WITHDRAWN:
        raise WorkflowError("You withdrew this application.")
    return application


def change_application(
    *, application_id: int, mentee, wishes: Wishes, now: datetime.datetime | None = None
) -> MatchApplication:
    """The mentee changes what they asked for, until they are matched."""
    now = now or timezone.now()
    wishes = wishes.cleaned()
    with transaction.atomic():
        application = _open_application(application_id, mentee)
        if Wishes.of(application) == wishes:
            return application
        for name, value in vars(wishes).items():
            setattr(application, name, value)
        application.updated_at = now
        application.save(update_fields=[*vars(wishes), "updated_at"])
        _record(
            at=now,
            actor=mentee,
            application=application,
            from_state=application.state,
            to_state=application.state,
            reason="The mentee changed their application",
        )
    return application


def withdraw_application(
    *, application_id: int, mentee, now: datetime.datetime | None = None
) -> MatchApplication:
    """The mentee no longer wants to be matched; a proposal waiting for answers closes."""
    now = now or timezone.now()
    with transaction.atomic():
        application = _open_application(application_id, mentee)
        from_state = application.state
        application.state = ApplicationState.WITHDRAWN
        application.closed_at = now
        application.updated_at = now
        application.save(update_fields=["state", "closed_at", "updated_at"])
        _record(
            at=now,
            actor=mentee,
            application=application,
            from_state=from_state,
            to_state=ApplicationState.WITHDRAWN,
        )
        proposal = application.proposals.pending().first()
        if proposal is not None:
            proposal = _answer(
                request_id=proposal.pk,
                to_state=RequestState.WITHDRAWN,
                by=mentee,
                now=now,
                extra={},
                allowed=Q(mentee=mentee),
                reason="The mentee withdrew their application",
            )
            places_may_have_freed([proposal.mentor_id])
            _email_proposal_side(proposal, "mentor", "proposal_closed")
    return application


def propose_match(
    *, application_id: int, mentor_id: int, admin_user, now: datetime.datetime | None = None
) -> MentoringRequest:
    """The scheme team proposes a mentor to a mentee who applied.

    The mentor row is locked as when a mentee sends a request, and the proposal
    holds one of their places while it waits: two proposals, or a proposal and a
    mentee's own request, cannot overfill a mentor.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    if not scheme.scheme_proposes:
        raise WorkflowError(
            "The scheme is set so that mentees choose their mentor: "
            "change the matching mode in the scheme settings to propose matches."
        )
    with transaction.atomic():
        application = (
            MatchApplication.objects.select_for_update()
            .select_related("mentee")
            .filter(pk=application_id)
            .first()
        )
        if application is None:
            raise WorkflowError("This application does not exist.")
        if application.state != ApplicationState.WAITING:
            raise WorkflowError(
                f"This application is not waiting for a match "
                f"({ApplicationState(application.state).label.lower()})."
            )
        mentee = application.mentee
        mentor = _lock_mentor(
            mentor_id, mentee, yourself="Someone cannot be matched with themselves."
        )
        if (
            MentoringRequest.objects.proposals()
            .filter(application__mentee=mentee, mentor=mentor)
            .exists()
        ):
            raise WorkflowError(
                f"{mentor.full_name} was proposed to this mentee before. Choose another mentor."
            )
        availability = mentor_availability(mentor)
        if not availability.taking_requests:
            raise WorkflowError(availability.reason)
        if Partnership.objects.open().filter(mentee=mentee).exists():
            raise WorkflowError("This mentee already has a mentor.")
        if MentoringRequest.objects.pending().filter(mentee=mentee).exists():
            raise WorkflowError(
                "This mentee has a request waiting for a mentor's answer. "
                "Wait for it, or cancel it first."
            )
        try:
            with transaction.atomic():
                proposal = MentoringRequest.objects.create(
                    mentee=mentee,
                    mentor=mentor,
                    application=application,
                    proposed_by=admin_user,
                    preferred_mode=application.preferred_mode,
                    created_at=now,
                    response_deadline=working_days.response_deadline(
                        now, scheme.response_working_days
                    ),
                )
        except IntegrityError:
            # The mentee sent a request of their own at the same moment.
            raise WorkflowError(
                "This mentee has just sent a request of their own. Wait for the mentor's answer."
            ) from None
        MatchApplication.objects.filter(pk=application.pk).update(state=ApplicationState.PROPOSED)
        _record(
            at=now,
            actor=admin_user,
            application=application,
            from_state=ApplicationState.WAITING,
            to_state=ApplicationState.PROPOSED,
            reason=f"Proposed {mentor.full_name}",
        )
        _record(
            at=now,
            actor=admin_user,
            request=proposal,
            to_state=RequestState.PENDING,
            reason="Proposed by the scheme team",
        )
        proposal = _for_proposal_email(proposal.pk)
        _email_proposal_side(proposal, "mentee", "proposal_made")
        _email_proposal_side(proposal, "mentor", "proposal_made")
    return proposal


def proposal_role(proposal: MentoringRequest, user) -> str:
    """Which side of a proposal the user is on: "mentee" or "mentor"."""
    if proposal.mentee_id == user.pk:
        return "mentee"
    if proposal.mentor.user_id is not None and proposal.mentor.user_id == user.pk:
        return "mentor"
    raise WorkflowError("This proposal does not exist.")


def answer_proposal(
    *,
    request_id: int,
    user,
    go_ahead: bool,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> MentoringRequest:
    """One side of a proposal says "let's go ahead" or "not this time".

    The second "go ahead" starts the partnership; one "not this time" closes the
    proposal and puts the application back in the queue without that mentor.
    """
    now = now or timezone.now()
    if not go_ahead and reason not in ProposalDeclineReason.values:
        raise WorkflowError("Choose the reason that fits best: only the scheme team sees it.")
    mentor_id = (
        MentoringRequest.objects.proposals()
        .filter(pk=request_id)
        .filter(Q(mentee=user) | Q(mentor__user=user))
        .values_list("mentor_id", flat=True)
        .first()
    )
    if mentor_id is None:
        raise WorkflowError("This proposal does not exist.")
    with transaction.atomic():
        # The mentor first, as everything that counts their places locks it first.
        mentor = MentorProfile.objects.select_for_update().get(pk=mentor_id)
        proposal = (
            MentoringRequest.objects.select_for_update(of=("self",))
            .select_related("mentor", "mentee")
            .get(pk=request_id)
        )
        role = proposal_role(proposal, user)
        other = OTHER_SIDE[role]
        if proposal.state != RequestState.PENDING:
            if proposal.state == RequestState.EXPIRED:
                raise WorkflowError(
                    "This proposal passed its deadline before your answer arrived. "
                    "The scheme team will be in touch."
                )
            raise WorkflowError("This proposal has been answered already.")
        if getattr(proposal, f"{role}_agreed_at") is not None:
            raise WorkflowError(
                "You have said you would like to go ahead. We are waiting for the other side."
            )
        if not go_ahead:
            proposal = _answer(
                request_id=proposal.pk,
                to_state=RequestState.REJECTED,
                by=user,
                now=now,
                extra={"decline_reason": reason},
                allowed=Q(),
                reason=f"The {role} said not this time: {ProposalDeclineReason(reason).label}",
            )
            _back_to_the_queue(
                [proposal.application_id], now=now, reason="The proposal did not go ahead"
            )
            places_may_have_freed([mentor.pk])
            proposal = _for_proposal_email(proposal.pk)
            for side in ("mentee", "mentor"):
                _email_proposal_side(proposal, side, "proposal_closed")
            queue_templated_email(
                to=[SchemeSettings.load().inbox_email],
                template="proposal_declined_team",
                context={
                    "proposal": proposal,
                    "role": role,
                    "link": _admin_link(proposal.application),
                },
            )
            return proposal
        setattr(proposal, f"{role}_agreed_at", now)
        proposal.save(update_fields=[f"{role}_agreed_at"])
        if getattr(proposal, f"{other}_agreed_at") is None:
            _record(
                at=now,
                actor=user,
                request=proposal,
                from_state=RequestState.PENDING,
                to_state=RequestState.PENDING,
                reason=f"The {role} would like to go ahead",
            )
            return proposal
        proposal = _answer(
            request_id=proposal.pk,
            to_state=RequestState.ACCEPTED,
            by=user,
            now=now,
            extra={},
            allowed=Q(),
            reason=f"Both would like to go ahead, the {role} last",
        )
        partnership = _start_partnership(proposal, mentor, by=user, now=now)
        partnership = _for_email(partnership.pk)
        for side in ("mentee", "mentor"):
            _email_side(partnership, side, "proposal_accepted")
    return proposal


def _back_to_the_queue(application_ids, *, now: datetime.datetime, reason: str) -> None:
    """Applications whose proposal closed without a match wait again, in their old
    place in the queue (oldest first), with a history row each."""
    ids = list(
        MatchApplication.objects.filter(
            pk__in=application_ids, state=ApplicationState.PROPOSED
        ).values_list("pk", flat=True)
    )
    if not ids:
        return
    MatchApplication.objects.filter(pk__in=ids).update(state=ApplicationState.WAITING)
    Transition.objects.bulk_create(
        Transition(
            application_id=pk,
            from_state=ApplicationState.PROPOSED,
            to_state=ApplicationState.WAITING,
            at=now,
            reason=reason,
        )
        for pk in ids
    )


def _admin_link(application: MatchApplication | None) -> str:
    """The scheme team's page of an application (every proposal has one)."""
    if application is None:
        return _absolute("admin:requests_app_matchapplication_changelist")
    return _absolute("admin:requests_app_matchapplication_change", application.pk)


def _for_proposal_email(request_id: int) -> MentoringRequest:
    return MentoringRequest.objects.select_related("mentee", "mentor__user", "application").get(
        pk=request_id
    )


def _email_proposal_side(proposal: MentoringRequest, role: str, template: str) -> None:
    """A proposal's email to one side: what the other side shared, and the answer page."""
    mentor = proposal.mentor
    if role == "mentee":
        to = proposal.mentee.email
        name = proposal.mentee.first_name or "there"
        other_name = mentor.full_name
    else:
        to = mentor.user.email if mentor.user is not None else mentor.email
        name = mentor.first_name or "there"
        other_name = proposal.mentee.get_full_name() or "a mentee"
    queue_templated_email(
        to=[to],
        template=f"{template}_{role}",
        context={
            "proposal": proposal,
            "application": proposal.application,
            "mentor": mentor,
            "name": name,
            "other_name": other_name,
            "deadline": proposal.response_deadline,
            "link": _absolute("requests:proposal", proposal.pk),
        },
    )


# --- Waiting lists --------------------------------------------------------------
#
# A mentee joins the list of a mentor who is full. When a place frees (a
# partnership ends, a request is declined, the mentor raises their capacity or
# resumes), the first in line is emailed and the place is kept for them until
# the usual answer deadline: in that time nobody else can take it. If they send
# their request, the place stays kept until the mentor answers; if they do not,
# the offer lapses and the next in line is told. One function, offer_free_places,
# does both the lapsing and the offering; every event that may free a place
# queues it for that mentor after commit, and a beat job runs it for everyone.


def places_may_have_freed(mentor_ids) -> None:
    """After commit, offer any place now free on these mentors' waiting lists."""
    ids = sorted(set(mentor_ids))
    if not ids:
        return
    # Without a broker the beat job offers the places within 15 minutes. By name:
    # requests_app.tasks imports this module.
    transaction.on_commit(lambda: enqueue("requests_app.tasks.offer_waiting_list_places", ids))


def position_in_line(entry: WaitingListEntry) -> int:
    """1 for the first in line (an offered place counts as being in line)."""
    return (
        WaitingListEntry.objects.active()
        .filter(mentor_id=entry.mentor_id)
        .filter(Q(joined_at__lt=entry.joined_at) | Q(joined_at=entry.joined_at, pk__lt=entry.pk))
        .count()
        + 1
    )


def join_waiting_list(
    *, mentee, mentor_id: int, now: datetime.datetime | None = None
) -> WaitingListEntry:
    """A mentee asks to be told when a place frees with a mentor who is full."""
    now = now or timezone.now()
    if not SchemeSettings.load().mentees_choose:
        raise WorkflowError(SCHEME_MATCHES)
    _check_mentee(mentee, before="joining a waiting list")
    with transaction.atomic():
        mentor = _lock_mentor(mentor_id, mentee, yourself="You cannot join your own waiting list.")
        if WaitingListEntry.objects.active().filter(mentee=mentee, mentor=mentor).exists():
            raise WorkflowError("You are already on this mentor's waiting list.")
        if Partnership.objects.open().filter(mentee=mentee).exists():
            raise WorkflowError(
                "You already have a mentor. End that partnership to choose another."
            )
        availability = mentor_availability(mentor, for_mentee=mentee)
        if availability.taking_requests:
            raise WorkflowError("This mentor has space now: send them a request instead.")
        if not availability.waiting_list_open:
            raise WorkflowError(f"{availability.reason} Their waiting list is closed too.")
        return WaitingListEntry.objects.create(mentee=mentee, mentor=mentor, joined_at=now)


def leave_waiting_list(
    *, entry_id: int, mentee=None, admin_user=None, now: datetime.datetime | None = None
) -> WaitingListEntry:
    """The mentee leaves a waiting list, or the scheme team takes them off it.

    A place kept for them goes to the next in line.
    """
    now = now or timezone.now()
    if (mentee is None) == (admin_user is None):
        raise ValueError("Either the mentee or an admin leaves a waiting list.")
    entries = WaitingListEntry.objects.active().filter(pk=entry_id)
    if mentee is not None:
        entries = entries.filter(mentee=mentee)
    with transaction.atomic():
        entry = entries.select_for_update().first()
        if entry is None:
            raise WorkflowError("You are no longer on this waiting list.")
        outcome = WaitingOutcome.LEFT if mentee is not None else WaitingOutcome.REMOVED
        WaitingListEntry.objects.filter(pk=entry.pk).update(left_at=now, outcome=outcome)
        if entry.offered_at is not None:
            places_may_have_freed([entry.mentor_id])
        entry.left_at, entry.outcome = now, outcome
    return entry


def offer_free_places(
    *, mentor_ids: list[int] | None = None, now: datetime.datetime | None = None
) -> int:
    """Lapse offers past their deadline, then offer every free place to the next in line.

    Safe to run at any time and as often as wanted: an offer is made once (the
    entry is then offered, not in line) and a lapse once (the entry is then off
    the list). A place is free when the mentor's capacity is more than their open
    partnerships, pending requests and places already offered together; nobody
    is told of a place that a request waiting for an answer may still fill.
    Returns how many places were offered.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    scope = WaitingListEntry.objects.active()
    if mentor_ids is not None:
        scope = scope.filter(mentor_id__in=mentor_ids)
    with transaction.atomic():
        # Lock the mentors with a waiting list first, in a fixed order, as send_request
        # and join_waiting_list lock their mentor before they touch the list.
        list(
            MentorProfile.objects.filter(pk__in=scope.values("mentor_id"))
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        lapsed_ids = _close_entries(
            scope.filter(offer_expires_at__lt=now), WaitingOutcome.LAPSED, now
        )
        closed_ids = _close_entries(
            scope.filter(mentor__status=MentorStatus.RETIRED), WaitingOutcome.CLOSED, now
        )
        candidates = (
            MentorProfile.objects.published()
            .filter(
                is_paused=False,
                pk__in=scope.filter(offered_at__isnull=True).values("mentor_id"),
            )
            .values_list("pk", "capacity")
        )
        # Where only the scheme team makes matches, a place offered could not be taken:
        # the lists wait (lapses and closures still run) until mentees choose again.
        free = _free_places(dict(candidates)) if scheme.mentees_choose else {}
        # The first `free` in line for each mentor, in one query: numbered in order of
        # joining, passing over anyone who has a mentor now.
        in_line = (
            WaitingListEntry.objects.in_line()
            .filter(mentor_id__in=free)
            .exclude(mentee__in=Partnership.objects.open().values("mentee_id"))
            .annotate(
                place=Window(RowNumber(), partition_by=F("mentor_id"), order_by=["joined_at", "pk"])
            )
            .values_list("pk", "mentor_id", "place")
        )
        offered_ids = [pk for pk, mentor_id, place in in_line if place <= free[mentor_id]]
        if offered_ids:
            WaitingListEntry.objects.filter(pk__in=offered_ids).update(
                offered_at=now,
                offer_expires_at=working_days.response_deadline(now, scheme.response_working_days),
            )
        for template, ids in (
            ("waiting_list_lapsed", lapsed_ids),
            ("waiting_list_closed", closed_ids),
            ("waiting_list_offer", offered_ids),
        ):
            _email_waiting_list(ids, template)
    return len(offered_ids)


def _close_entries(entries, outcome: str, now: datetime.datetime) -> list[int]:
    """Take these entries off their lists (set-based); returns their ids."""
    ids = list(entries.values_list("pk", flat=True))
    if ids:
        WaitingListEntry.objects.active().filter(pk__in=ids).update(left_at=now, outcome=outcome)
    return ids


def _free_places(capacities: dict[int, int]) -> dict[int, int]:
    """Places free to offer, per mentor (only those with one or more), in one query.

    Taken: open partnerships, pending requests (which may yet become partnerships)
    and places offered and still kept.
    """
    ids = list(capacities)
    taken = Counter(
        Partnership.objects.filter(mentor_id__in=ids, state__in=OPEN_PARTNERSHIP_STATES)
        .order_by()
        .values_list("mentor_id", flat=True)
        .union(
            MentoringRequest.objects.pending()
            .filter(mentor_id__in=ids)
            .order_by()
            .values_list("mentor_id", flat=True),
            WaitingListEntry.objects.offered()
            .filter(mentor_id__in=ids)
            .order_by()
            .values_list("mentor_id", flat=True),
            all=True,
        )
    )
    free = {pk: capacity - taken[pk] for pk, capacity in capacities.items()}
    return {pk: places for pk, places in free.items() if places > 0}


def _email_waiting_list(entry_ids: list[int], template: str) -> None:
    """Tell each mentee of a place offered, an offer lapsed or a list closed."""
    entries = WaitingListEntry.objects.filter(pk__in=entry_ids).select_related("mentor", "mentee")
    if template == "waiting_list_offer":
        entries = entries.filter(left_at__isnull=True, offered_at__isnull=False)
    with outbox.batch():
        for entry in entries:
            link = (
                _absolute("mentor_profile", entry.mentor_id)
                if template == "waiting_list_offer"
                else _absolute("mentor_search")
            )
            queue_templated_email(
                to=[entry.mentee.email],
                template=f"{template}_mentee",
                context={
                    "entry": entry,
                    "mentor": entry.mentor,
                    "mentee": entry.mentee,
                    "deadline": entry.offer_expires_at,
                    "link": link,
                },
            )


# === Mentees still without a mentor ================================================
#
# A mentee who signs up and never asks anyone gets one reminder (SchemeSettings.
# mentee_reminder_days after sign-up); one still without a partnership is asked once,
# mentee_check_in_days after sign-up, whether they still want a mentor. Each is a
# MenteeNudge row, one of each kind per mentee (a unique constraint), written with its
# emails in one transaction. A mentee who answers "no" has their search closed through
# the same functions as their own clicks; answering either way is final for the jobs:
# no reminder or check-in follows, and the mentee can change their answer on the page.


def _day_after_sign_up(now: datetime.datetime, days: int) -> datetime.datetime:
    """The start of the UK day after which a mentee who signs up is not yet `days` days
    in: someone who signed up on 4 January is 14 days in from 18 January at midnight."""
    first_not_due = timezone.localdate(now) - datetime.timedelta(days=days - 1)
    return datetime.datetime.combine(
        first_not_due, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


def _waiting_mentees(*, signed_up_before: datetime.datetime):
    """Active mentees with a confirmed address, signed up before then, never in a
    partnership and who have not answered a check-in."""
    confirmed = EmailAddress.objects.filter(
        user=OuterRef("pk"), verified=True, email__iexact=OuterRef("email")
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, mentee_profile__created_at__lt=signed_up_before)
        .filter(Exists(confirmed))
        .exclude(Exists(Partnership.objects.filter(mentee=OuterRef("pk"))))
        .exclude(Exists(MenteeNudge.objects.answered().filter(mentee=OuterRef("pk"))))
    )


def _nudge(due, *, kind: NudgeKind, scheme: SchemeSettings, now: datetime.datetime) -> int:
    """Record the nudge of every mentee due (one INSERT ... SELECT), then queue their
    emails (one INSERT), in the caller's transaction. Two runs at once: the second's
    INSERT breaks the unique constraint and its transaction, emails included, rolls back."""
    sent = insert_from_select(
        MenteeNudge,
        due.exclude(Exists(MenteeNudge.objects.filter(mentee=OuterRef("pk"), kind=kind))),
        mentee=F("pk"),
        kind=Value(kind.value),
        sent_at=Value(now, output_field=DateTimeField()),
        answer=Value(""),
    )
    if sent:
        nudges = MenteeNudge.objects.filter(kind=kind, sent_at=now).select_related(
            "mentee__mentee_profile"
        )
        template = {NudgeKind.REMINDER: "mentee_reminder", NudgeKind.CHECK_IN: "mentee_check_in"}
        page = _absolute("requests:still_looking")
        with outbox.batch():
            for nudge in nudges:
                queue_templated_email(
                    to=[nudge.mentee.email],
                    template=template[kind],
                    context={
                        "name": nudge.mentee.first_name or "there",
                        "signed_up": nudge.mentee.mentee_profile.created_at,
                        "search_link": _absolute("mentor_search"),
                        "apply_link": _absolute("requests:apply"),
                        "inbox": scheme.inbox_email,
                        "yes_link": f"{page}?answer={NudgeAnswer.KEEP_LOOKING}",
                        "no_link": f"{page}?answer={NudgeAnswer.STOPPED}",
                    },
                )
    return sent


def remind_mentees_without_request(*, now: datetime.datetime | None = None) -> int:
    """Remind once each mentee who, mentee_reminder_days after signing up, has not sent a
    request, applied to be matched or joined a waiting list (daily job).

    Not once they are due the check-in instead (a scheme that turns the reminder on
    does not send both to its longest-waiting mentees). Safe to run at any time and
    as often as wanted. Returns how many were reminded.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.read()
    if not scheme.mentee_reminder_days:
        return 0
    due = _waiting_mentees(signed_up_before=_day_after_sign_up(now, scheme.mentee_reminder_days))
    if scheme.mentee_check_in_days:
        check_in_from = _day_after_sign_up(now, scheme.mentee_check_in_days)
        due = due.filter(mentee_profile__created_at__gte=check_in_from)
    for acted in (MentoringRequest, MatchApplication, WaitingListEntry):
        due = due.exclude(Exists(acted.objects.filter(mentee=OuterRef("pk"))))
    due = due.exclude(Exists(MenteeNudge.objects.check_ins().filter(mentee=OuterRef("pk"))))
    with transaction.atomic():
        return _nudge(due, kind=NudgeKind.REMINDER, scheme=scheme, now=now)


def check_in_with_waiting_mentees(*, now: datetime.datetime | None = None) -> int:
    """Ask once each mentee still without a partnership mentee_check_in_days after
    signing up whether they still want a mentor (daily job).

    Mentees waiting for a mentor's answer, on a waiting list or with an application
    are asked too: they are the ones left waiting, and "no" closes all of that. Safe
    to run at any time and as often as wanted. Returns how many were asked.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.read()
    if not scheme.mentee_check_in_days:
        return 0
    due = _waiting_mentees(signed_up_before=_day_after_sign_up(now, scheme.mentee_check_in_days))
    with transaction.atomic():
        return _nudge(due, kind=NudgeKind.CHECK_IN, scheme=scheme, now=now)


def still_looking_answer(mentee) -> MenteeNudge | None:
    """The mentee's check-in (sent or not) with their answer, if they have one."""
    return MenteeNudge.objects.check_ins().filter(mentee=mentee).first()


def answer_check_in(
    *, mentee, still_looking: bool, now: datetime.datetime | None = None
) -> MenteeNudge:
    """The mentee says whether they still want a mentor (from the check-in email, the
    reminder, or the page at any time).

    "No" closes their search: a request waiting for an answer is withdrawn, waiting
    lists are left and an open application is withdrawn, each through its own
    function (the mentors are told as usual). Saying it again closes whatever was
    opened since, and nothing else. Refused while they have a mentor.
    """
    now = now or timezone.now()
    if not is_mentee(mentee):
        raise WorkflowError("Only a mentee can answer this.")
    answer = NudgeAnswer.KEEP_LOOKING if still_looking else NudgeAnswer.STOPPED
    with transaction.atomic():
        if Partnership.objects.open().filter(mentee=mentee).exists():
            raise WorkflowError(
                "You have a mentor now. To end your mentoring early, use your partnership's page."
            )
        with transaction.atomic():
            MenteeNudge.objects.get_or_create(mentee=mentee, kind=NudgeKind.CHECK_IN)
        nudge = MenteeNudge.objects.select_for_update().get(mentee=mentee, kind=NudgeKind.CHECK_IN)
        if nudge.answer != answer:
            nudge.answer, nudge.answered_at = answer, now
            nudge.save(update_fields=["answer", "answered_at"])
        if still_looking:
            return nudge
        pending = MentoringRequest.objects.pending().own_requests().filter(mentee=mentee)
        for request_id in pending.values_list("pk", flat=True):
            withdraw_request(request_id=request_id, mentee=mentee, now=now)
        for entry_id in (
            WaitingListEntry.objects.active().filter(mentee=mentee).values_list("pk", flat=True)
        ):
            leave_waiting_list(entry_id=entry_id, mentee=mentee, now=now)
        application = MatchApplication.objects.open().filter(mentee=mentee).first()
        if application is not None:
            withdraw_application(application_id=application.pk, mentee=mentee, now=now)
    return nudge


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
    user = request.mentor.user
    to = user.email if user is not None else request.mentor.email
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


# === Partnerships ================================================================
#
# An accepted request opens a partnership (accept_request above). From there:
# agreement pending -> active (both confirm) -> completed (sessions all held, or
# the window passed) | ended early (either side). Each function below locks the
# partnership row (select_for_update) or changes a row with a conditional update,
# records a Transition, and sends its emails after commit. Events that do not
# change the partnership's state (a confirmation, an extension, feedback asked
# for) are recorded with the same from and to state and a reason.

# Meetings that count against the allowance: a cancelled one gives its place back.
USES_ALLOWANCE = [MeetingState.PLANNED, MeetingState.HELD]
FEEDBACK_REMINDER_AFTER = datetime.timedelta(days=7)
OTHER_SIDE = {"mentee": "mentor", "mentor": "mentee"}
_ENDED = "This partnership has ended."


@dataclass(frozen=True)
class Arrangements:
    """What the two agree at their first conversation: recorded on the partnership."""

    usual_length_minutes: int | None
    frequency: str
    usual_mode: str
    contact_boundaries: str = ""

    @classmethod
    def of(cls, partnership: Partnership) -> "Arrangements":
        return cls(
            usual_length_minutes=partnership.usual_length_minutes,
            frequency=partnership.frequency,
            usual_mode=partnership.usual_mode,
            contact_boundaries=partnership.contact_boundaries,
        )

    def cleaned(self) -> "Arrangements":
        if self.usual_mode not in MeetingMode.values:
            raise WorkflowError("Choose how you will usually meet.")
        if not self.usual_length_minutes or not 15 <= self.usual_length_minutes <= 240:
            raise WorkflowError("Choose how long your meetings will usually last.")
        if not self.frequency.strip():
            raise WorkflowError("Say how often you plan to meet.")
        return Arrangements(
            usual_length_minutes=self.usual_length_minutes,
            frequency=self.frequency.strip()[:80],
            usual_mode=self.usual_mode,
            contact_boundaries=self.contact_boundaries.strip()[:1000],
        )


def party_role(partnership: Partnership, user) -> str:
    """Which side of the partnership the user is on: "mentee" or "mentor"."""
    if partnership.mentee_id == user.pk:
        return "mentee"
    if partnership.mentor.user_id == user.pk:
        return "mentor"
    raise WorkflowError("Only the mentor and the mentee can change this partnership.")


def sessions_used(partnership: Partnership) -> int:
    return partnership.meetings.filter(state__in=USES_ALLOWANCE).count()


def _lock_partnership(partnership_id: int, user=None) -> Partnership:
    """The partnership row, locked for this transaction; scoped to its two people."""
    partnerships = Partnership.objects.select_for_update(of=("self",)).select_related("mentor")
    if user is not None:
        partnerships = partnerships.filter(Q(mentee=user) | Q(mentor__user=user))
    partnership = partnerships.filter(pk=partnership_id).first()
    if partnership is None:
        raise WorkflowError("This partnership does not exist.")
    return partnership


def _meeting_partnership_id(meeting_id: int, user) -> int:
    partnership_id = (
        Meeting.objects.filter(pk=meeting_id)
        .filter(Q(partnership__mentee=user) | Q(partnership__mentor__user=user))
        .values_list("partnership_id", flat=True)
        .first()
    )
    if partnership_id is None:
        raise WorkflowError("This meeting does not exist.")
    return partnership_id


def _event(partnership: Partnership, *, at, actor=None, reason: str) -> None:
    """History for something that happened to a partnership without changing its state."""
    _record(
        at=at,
        actor=actor,
        reason=reason,
        partnership=partnership,
        from_state=partnership.state,
        to_state=partnership.state,
    )


def confirm_agreement(
    *,
    partnership_id: int,
    user,
    arrangements: Arrangements,
    now: datetime.datetime | None = None,
) -> Partnership:
    """One side confirms the agreement and the arrangements; when both have, it is active.

    If the arrangements differ from those the other side already confirmed, their
    confirmation is cleared: both always confirm the same terms.
    """
    now = now or timezone.now()
    arrangements = arrangements.cleaned()
    with transaction.atomic():
        partnership = _lock_partnership(partnership_id, user)
        role = party_role(partnership, user)
        other = OTHER_SIDE[role]
        if partnership.state == PartnershipState.ACTIVE:
            raise WorkflowError("You have both confirmed the agreement already.")
        if partnership.state != PartnershipState.AGREEMENT_PENDING:
            raise WorkflowError(_ENDED)
        if getattr(partnership, f"{role}_confirmed_at") is not None:
            raise WorkflowError(
                "You have confirmed the agreement already. "
                "It starts when the other side confirms too."
            )
        changed = Arrangements.of(partnership) != arrangements
        other_unconfirmed = changed and getattr(partnership, f"{other}_confirmed_at") is not None
        for name, value in vars(arrangements).items():
            setattr(partnership, name, value)
        setattr(partnership, f"{role}_confirmed_at", now)
        if other_unconfirmed:
            setattr(partnership, f"{other}_confirmed_at", None)
        both = bool(partnership.mentee_confirmed_at and partnership.mentor_confirmed_at)
        if both:
            partnership.state = PartnershipState.ACTIVE
        partnership.save(
            update_fields=[
                *vars(arrangements),
                "mentee_confirmed_at",
                "mentor_confirmed_at",
                "state",
            ]
        )
        if both:
            _record(
                at=now,
                actor=user,
                reason=f"Both confirmed the agreement, the {role} last",
                partnership=partnership,
                from_state=PartnershipState.AGREEMENT_PENDING,
                to_state=PartnershipState.ACTIVE,
            )
        else:
            reason = f"The {role} confirmed the agreement"
            if other_unconfirmed:
                reason += f" with changed arrangements; the {other} is asked to confirm again"
            _event(partnership, at=now, actor=user, reason=reason)
        partnership = _for_email(partnership.pk)
        if both:
            for side in ("mentee", "mentor"):
                _email_side(partnership, side, "partnership_active")
            _send_agreement_record(partnership, now=now)
        else:
            _email_side(
                partnership,
                other,
                "partnership_confirm_needed",
                changed_arrangements=other_unconfirmed,
            )
    return partnership


def change_arrangements(
    *,
    partnership_id: int,
    user,
    arrangements: Arrangements,
    now: datetime.datetime | None = None,
) -> Partnership:
    """Once active, either side records new arrangements; the other side is told."""
    now = now or timezone.now()
    arrangements = arrangements.cleaned()
    with transaction.atomic():
        partnership = _lock_partnership(partnership_id, user)
        role = party_role(partnership, user)
        if partnership.state == PartnershipState.AGREEMENT_PENDING:
            raise WorkflowError("Agree your arrangements when you confirm the agreement.")
        if partnership.state != PartnershipState.ACTIVE:
            raise WorkflowError(_ENDED)
        if Arrangements.of(partnership) == arrangements:
            return partnership
        for name, value in vars(arrangements).items():
            setattr(partnership, name, value)
        partnership.save(update_fields=list(vars(arrangements)))
        _event(partnership, at=now, actor=user, reason=f"The {role} changed the arrangements")
        partnership = _for_email(partnership.pk)
        _email_side(partnership, OTHER_SIDE[role], "partnership_arrangements_changed")
    return partnership


def _send_agreement_record(partnership: Partnership, *, now: datetime.datetime) -> None:
    """Keep the signed agreement (both names, when, the arrangements, the text they
    confirmed) and send it to the scheme inbox: the scheme's record that the pair
    are mentoring, and that the mentor's place is taken."""
    text = get_agreement_text()
    body = f"# {text.title}\n\n{text.body}"
    arrangements = "\n".join(
        [
            f"Meetings usually last {partnership.usual_length_minutes} minutes.",
            f"How often: {partnership.frequency}",
            f"Usually by: {partnership.get_usual_mode_display()}",
        ]
    )
    record = AgreementRecord.objects.create(
        partnership=partnership,
        mentee_name=_side(partnership, "mentee")["full_name"],
        mentor_name=_side(partnership, "mentor")["full_name"],
        mentee_confirmed_at=partnership.mentee_confirmed_at or now,
        mentor_confirmed_at=partnership.mentor_confirmed_at or now,
        arrangements=arrangements,
        text_version=hashlib.sha256(body.encode()).hexdigest()[:12],
        agreement_text=body,
        recorded_at=now,
    )
    queue_templated_email(
        to=[SchemeSettings.load().inbox_email],
        template="agreement_signed_team",
        context={"record": record, "partnership": partnership},
    )


# --- The first meeting --------------------------------------------------------------

CONFIDENTIALITY_FIRST = (
    "Before you plan another meeting, you both need to tick that you talked about "
    "confidentiality at your first meeting."
)


def confidentiality_pending(partnership: Partnership, used: int, scheme: SchemeSettings) -> bool:
    """Whether the next meeting waits for both to tick that they discussed confidentiality:
    with the scheme's first-meeting checklist, once a meeting is planned or held."""
    return (
        scheme.first_meeting_checklist
        and used >= 1
        and not (partnership.mentee_confidentiality_at and partnership.mentor_confidentiality_at)
    )


def confirm_confidentiality_discussed(
    *, partnership_id: int, user, now: datetime.datetime | None = None
) -> Partnership:
    """One side ticks that confidentiality was talked through at the first meeting.

    Each side ticks for themself; the second meeting can be planned once both have.
    """
    now = now or timezone.now()
    with transaction.atomic():
        partnership = _lock_partnership(partnership_id, user)
        role = party_role(partnership, user)
        if partnership.state == PartnershipState.AGREEMENT_PENDING:
            raise WorkflowError(
                "You can tick this once you have both confirmed the agreement and met."
            )
        if partnership.state != PartnershipState.ACTIVE:
            raise WorkflowError(_ENDED)
        field = f"{role}_confidentiality_at"
        if getattr(partnership, field) is not None:
            raise WorkflowError("You have already ticked that you talked about confidentiality.")
        setattr(partnership, field, now)
        partnership.save(update_fields=[field])
        _event(
            partnership,
            at=now,
            actor=user,
            reason=f"The {role} ticked that confidentiality was discussed",
        )
    return partnership


# --- Meetings ---------------------------------------------------------------------

MENTEE_PLANS = (
    "In this scheme your mentee sets up the meetings and their agenda. "
    "We will email you when they plan one."
)
AGENDA_MAX_LENGTH = 2000


def may_plan(role: str, scheme: SchemeSettings) -> bool:
    """Whether this side plans meetings: either side, or the mentee only."""
    return scheme.meetings_planned_by == MeetingPlanner.EITHER or role == "mentee"


def _cleaned_agenda(agenda: str) -> str:
    agenda = agenda.strip()
    if len(agenda) > AGENDA_MAX_LENGTH:
        raise WorkflowError(
            f"Keep what you would like to focus on to {AGENDA_MAX_LENGTH:,} characters."
        )
    return agenda


def _check_meeting_details(mode: str, duration_minutes: int) -> None:
    """How and for how long: the same rules for planning and for moving a meeting."""
    if mode not in MeetingMode.values:
        raise WorkflowError("Choose how you will meet.")
    if not 15 <= duration_minutes <= 240:
        raise WorkflowError("A meeting lasts between 15 minutes and 4 hours.")


def _check_meeting_time(
    partnership: Partnership, starts_at: datetime.datetime, now: datetime.datetime
) -> None:
    """When: in the future, and within the partnership's window (planning and moving)."""
    if starts_at <= now:
        raise WorkflowError("Choose a date and time in the future.")
    if timezone.localtime(starts_at).date() > partnership.window_ends_on:
        raise WorkflowError(
            f"Meetings can be planned up to {long_date(partnership.window_ends_on)}."
        )


def plan_meeting(
    *,
    partnership_id: int,
    user,
    starts_at: datetime.datetime,
    duration_minutes: int,
    mode: str,
    agenda: str = "",
    now: datetime.datetime | None = None,
) -> Meeting:
    """A meeting is planned: within the allowance, the window, and in the future.

    Either side plans, or only the mentee if the scheme says so; only the mentee
    writes the agenda. With the first-meeting checklist, a second meeting waits
    until both have ticked that they discussed confidentiality.

    The partnership row is locked, so two people planning at once cannot both
    take the last place of the allowance.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    _check_meeting_details(mode, duration_minutes)
    agenda = _cleaned_agenda(agenda)
    with transaction.atomic():
        partnership = _lock_partnership(partnership_id, user)
        role = party_role(partnership, user)
        if not may_plan(role, scheme):
            raise WorkflowError(MENTEE_PLANS)
        if agenda and role != "mentee":
            raise WorkflowError("Only the mentee writes what they would like to focus on.")
        if partnership.state == PartnershipState.AGREEMENT_PENDING:
            raise WorkflowError("You can plan meetings once you have both confirmed the agreement.")
        if partnership.state != PartnershipState.ACTIVE:
            raise WorkflowError(_ENDED)
        _check_meeting_time(partnership, starts_at, now)
        # The form sent twice (a double click, a reload): the meeting is planned already.
        # The partnership lock above makes the second submit wait for the first and see
        # its meeting; one_planned_meeting_per_partnership_start backs this up.
        already = partnership.meetings.filter(
            state=MeetingState.PLANNED, starts_at=starts_at
        ).first()
        if already is not None:
            if (already.duration_minutes, already.mode) == (duration_minutes, mode):
                return already
            raise WorkflowError(
                "You already have a meeting planned at this time. Cancel it to change it."
            )
        used = sessions_used(partnership)
        if used >= partnership.sessions_allowed:
            raise WorkflowError(
                f"All {partnership.sessions_allowed} sessions are planned or held."
                + (" You can ask the scheme team for more." if scheme.extensions_allowed else "")
            )
        if confidentiality_pending(partnership, used, scheme):
            raise WorkflowError(CONFIDENTIALITY_FIRST)
        meeting = Meeting.objects.create(
            partnership=partnership,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            mode=mode,
            agenda=agenda,
            planned_by=user,
            planned_at=now,
        )
        _record(at=now, actor=user, meeting=meeting, to_state=MeetingState.PLANNED)
        _email_meeting_planned(_for_email(partnership.pk), meeting, OTHER_SIDE[role], now=now)
    return meeting


def set_meeting_agenda(
    *, meeting_id: int, mentee, agenda: str, now: datetime.datetime | None = None
) -> Meeting:
    """The mentee writes or changes what they would like to focus on at a planned meeting.

    Both sides see it on the partnership page; it stays out of admin, emails and the
    history (whose row says only that the agenda changed).
    """
    now = now or timezone.now()
    agenda = _cleaned_agenda(agenda)
    with transaction.atomic():
        partnership = _lock_partnership(_meeting_partnership_id(meeting_id, mentee), mentee)
        if party_role(partnership, mentee) != "mentee":
            raise WorkflowError("Only the mentee writes what they would like to focus on.")
        if partnership.state != PartnershipState.ACTIVE:
            raise WorkflowError(_ENDED)
        meeting = Meeting.objects.get(pk=meeting_id)
        if meeting.state != MeetingState.PLANNED:
            raise WorkflowError(
                "You can only change what you would like to focus on before a meeting."
            )
        if meeting.agenda == agenda:
            return meeting
        had_agenda = bool(meeting.agenda)
        Meeting.objects.filter(pk=meeting_id).update(agenda=agenda)
        meeting.agenda = agenda
        _record(
            at=now,
            actor=mentee,
            meeting=meeting,
            from_state=MeetingState.PLANNED,
            to_state=MeetingState.PLANNED,
            reason=(
                "The mentee removed the agenda"
                if not agenda
                else "The mentee changed the agenda"
                if had_agenda
                else "The mentee wrote the agenda"
            ),
        )
    return meeting


def mark_meeting_held(*, meeting_id: int, user, now: datetime.datetime | None = None) -> Meeting:
    """Either side records that a meeting took place, once its time has come.

    Half the allowance held asks both for mid-point feedback; all of it held
    completes the partnership (unless more sessions have been asked for).
    """
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    with transaction.atomic():
        partnership = _lock_partnership(_meeting_partnership_id(meeting_id, user), user)
        if partnership.state != PartnershipState.ACTIVE:
            raise WorkflowError(_ENDED)
        changed = Meeting.objects.filter(
            pk=meeting_id, state=MeetingState.PLANNED, starts_at__lte=now
        ).update(state=MeetingState.HELD, held_at=now)
        meeting = Meeting.objects.get(pk=meeting_id)
        if changed != 1:
            if meeting.state == MeetingState.HELD:
                raise WorkflowError("This meeting is already marked as held.")
            if meeting.state == MeetingState.CANCELLED:
                raise WorkflowError("This meeting was cancelled, so it cannot be marked as held.")
            raise WorkflowError("You can mark a meeting as held once its start time has passed.")
        _record(
            at=now,
            actor=user,
            meeting=meeting,
            from_state=MeetingState.PLANNED,
            to_state=MeetingState.HELD,
        )
        held = partnership.meetings.filter(state=MeetingState.HELD).count()
        if held >= partnership.sessions_allowed and not _extension_pending(partnership):
            _complete(
                [partnership.pk], now=now, reasons={partnership.pk: f"All {held} sessions held"}
            )
        elif scheme.feedback_midpoint and held * 2 >= partnership.sessions_allowed:
            feedback_ids = _request_feedback([partnership.pk], FeedbackStage.MIDPOINT, now=now)
            _email_feedback_request(feedback_ids)
    return meeting


def cancel_meeting(
    *, meeting_id: int, user, reason: str = "", now: datetime.datetime | None = None
) -> Meeting:
    """Either side cancels a planned meeting; with less than the notice, it is late.

    The other side and the scheme inbox are told; the reason goes to the other
    side only. The place in the allowance is given back.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    with transaction.atomic():
        partnership = _lock_partnership(_meeting_partnership_id(meeting_id, user), user)
        role = party_role(partnership, user)
        if partnership.state not in OPEN_PARTNERSHIP_STATES:
            raise WorkflowError(_ENDED)
        notice = datetime.timedelta(hours=scheme.cancellation_notice_hours)
        meeting = Meeting.objects.get(pk=meeting_id)
        late = meeting.starts_at - now < notice
        changed = Meeting.objects.filter(pk=meeting_id, state=MeetingState.PLANNED).update(
            state=MeetingState.CANCELLED,
            cancelled_at=now,
            cancelled_by=user,
            cancellation_reason=reason.strip()[:300],
            cancelled_late=late,
            calendar_sequence=F("calendar_sequence") + 1,
        )
        if changed != 1:
            if meeting.state == MeetingState.HELD:
                raise WorkflowError("This meeting is already marked as held.")
            raise WorkflowError("This meeting is already cancelled.")
        meeting.refresh_from_db()
        _record(
            at=now,
            actor=user,
            meeting=meeting,
            from_state=MeetingState.PLANNED,
            to_state=MeetingState.CANCELLED,
            reason=(
                f"Cancelled by the {role} with less than "
                f"{scheme.cancellation_notice_hours} hours' notice"
                if late
                else f"Cancelled by the {role}"
            ),
        )
        partnership = _for_email(partnership.pk)
        context = {
            "meeting": meeting,
            "cancelled_by_role": role,
            "notice_hours": scheme.cancellation_notice_hours,
        }
        # Both sides get the file that takes the meeting out of their calendars.
        meeting.partnership = partnership
        for side, template in (
            (OTHER_SIDE[role], "meeting_cancelled"),
            (role, "meeting_cancelled_by_you"),
        ):
            _email_side(
                partnership,
                side,
                template,
                attachments=[_calendar_attachment(meeting, side, method=ics.CANCEL, now=now)],
                **context,
            )
        queue_templated_email(
            to=[scheme.inbox_email],
            template="meeting_cancelled_team",
            context={"partnership": partnership, **context},
        )
    return meeting


def move_meeting(
    *,
    meeting_id: int,
    user,
    starts_at: datetime.datetime,
    duration_minutes: int,
    mode: str,
    now: datetime.datetime | None = None,
) -> Meeting:
    """A planned meeting gets a new time, length or way of meeting, by the rules of
    planning one (who plans, in the future, within the window).

    Its calendar version goes up and both sides are emailed the updated calendar file
    (same UID, higher SEQUENCE), so calendars move the event rather than keep the old
    one. A new start time arms the day-before reminder again.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    _check_meeting_details(mode, duration_minutes)
    with transaction.atomic():
        partnership = _lock_partnership(_meeting_partnership_id(meeting_id, user), user)
        role = party_role(partnership, user)
        if not may_plan(role, scheme):
            raise WorkflowError(MENTEE_PLANS)
        if partnership.state != PartnershipState.ACTIVE:
            raise WorkflowError(_ENDED)
        meeting = Meeting.objects.get(pk=meeting_id)
        if meeting.state == MeetingState.CANCELLED:
            raise WorkflowError(
                "This meeting was cancelled, so it cannot be moved. Plan a new one."
            )
        if meeting.state == MeetingState.HELD:
            raise WorkflowError("This meeting is already marked as held, so it cannot be moved.")
        if (meeting.starts_at, meeting.duration_minutes, meeting.mode) == (
            starts_at,
            duration_minutes,
            mode,
        ):
            return meeting  # the form sent twice, or nothing changed
        if meeting.starts_at <= now:
            raise WorkflowError(
                "This meeting's time has passed, so it cannot be moved. Record whether it "
                "took place, or say it did not happen and plan a new one."
            )
        _check_meeting_time(partnership, starts_at, now)
        clash = partnership.meetings.filter(state=MeetingState.PLANNED, starts_at=starts_at)
        if clash.exclude(pk=meeting_id).exists():
            raise WorkflowError("You already have another meeting planned at this time.")
        was = _when(meeting.starts_at)
        moved = starts_at != meeting.starts_at
        changed = Meeting.objects.filter(pk=meeting_id, state=MeetingState.PLANNED).update(
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            mode=mode,
            moved_at=now,
            calendar_sequence=F("calendar_sequence") + 1,
            # A new day or hour gets its own reminder; a new mode alone keeps the one sent.
            **({"reminder_sent_at": None} if moved else {}),
        )
        if changed != 1:  # the lock above keeps both sides' changes apart
            raise WorkflowError("This meeting can no longer be moved.")
        meeting.refresh_from_db()
        _record(
            at=now,
            actor=user,
            meeting=meeting,
            from_state=MeetingState.PLANNED,
            to_state=MeetingState.PLANNED,
            reason=(
                f"Moved by the {role} from {was} to {_when(meeting.starts_at)}"
                if moved
                else f"Changed by the {role} to {meeting.get_mode_display().lower()}, "
                f"{meeting.duration_minutes} minutes"
            ),
        )
        partnership = _for_email(partnership.pk)
        meeting.partnership = partnership
        # Both sides: the one who moved it may have the old time in their calendar too
        # (from a reminder, or the page's download).
        for side, template in ((OTHER_SIDE[role], "meeting_moved"), (role, "meeting_moved_by_you")):
            _email_side(
                partnership,
                side,
                template,
                meeting=meeting,
                previous_start=was,
                attachments=[_calendar_attachment(meeting, side, method=ics.REQUEST, now=now)],
            )
    return meeting


def _when(moment: datetime.datetime) -> str:
    """'Monday 11 January 2027 at 18:30', in UK time."""
    local = timezone.localtime(moment)
    return f"{long_date(local)} at {local:%H:%M}"


def remind_meetings(*, now: datetime.datetime | None = None) -> int:
    """Email both sides of each planned meeting about a day before it (hourly job).

    Due: the meetings of MeetingQuerySet.reminder_due(now), while the scheme's
    setting is on. Set-based and sent once, like the feedback reminders: one guarded
    UPDATE marks the due meetings (a meeting already marked, by another run or
    before, is not picked again), and their emails go in one outbox INSERT. A run
    after downtime catches up on meetings still more than two hours away and lets
    the rest go. Moving a meeting clears the mark. Returns how many meetings.
    """
    now = now or timezone.now()
    if not SchemeSettings.read().meeting_reminders:
        return 0
    with transaction.atomic():
        due = Meeting.objects.reminder_due(now).filter(partnership__state=PartnershipState.ACTIVE)
        reminded = Meeting.objects.filter(
            pk__in=due.values("pk"), reminder_sent_at__isnull=True
        ).update(reminder_sent_at=now)
        if not reminded:
            return 0
        meetings = (
            Meeting.objects.filter(reminder_sent_at=now, state=MeetingState.PLANNED)
            .select_related("partnership__mentee", "partnership__mentor__user")
            .order_by("pk")
        )
        with outbox.batch():
            for meeting in meetings:
                for side in ("mentee", "mentor"):
                    _email_meeting_reminder(meeting, side, now=now)
    return reminded


# --- Extensions -------------------------------------------------------------------


def _extension_pending(partnership: Partnership) -> bool:
    return partnership.extension_requests.filter(state=ExtensionState.PENDING).exists()


NO_EXTENSIONS = (
    "This scheme does not add more sessions. Once yours are used, anything further "
    "is your own arrangement, outside the scheme."
)


def can_ask_for_extension(partnership: Partnership, used: int, *, scheme: SchemeSettings) -> bool:
    """Once the allowance is used up, or nearly: one place or none left to plan; never
    when the scheme does not allow extensions."""
    return (
        scheme.extensions_allowed
        and partnership.state == PartnershipState.ACTIVE
        and partnership.sessions_allowed - used <= 1
    )


def request_extension(
    *, partnership_id: int, user, reason: str, now: datetime.datetime | None = None
) -> ExtensionRequest:
    """Either side asks the scheme team for more sessions, with a short reason."""
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    if not scheme.extensions_allowed:
        raise WorkflowError(NO_EXTENSIONS)
    reason = reason.strip()
    if not reason:
        raise WorkflowError("Say briefly why you would like more sessions.")
    with transaction.atomic():
        partnership = _lock_partnership(partnership_id, user)
        role = party_role(partnership, user)
        if partnership.state != PartnershipState.ACTIVE:
            raise WorkflowError(
                _ENDED
                if partnership.state not in OPEN_PARTNERSHIP_STATES
                else "You can ask for more sessions once the partnership has started."
            )
        if _extension_pending(partnership):
            raise WorkflowError(
                "You have already asked for more sessions. The scheme team will answer soon."
            )
        if not can_ask_for_extension(partnership, sessions_used(partnership), scheme=scheme):
            raise WorkflowError(
                "You can ask for more sessions when you have one session or none left to plan."
            )
        extension = ExtensionRequest.objects.create(
            partnership=partnership, requested_by=user, reason=reason[:1000], created_at=now
        )
        _event(partnership, at=now, actor=user, reason=f"The {role} asked for more sessions")
        queue_templated_email(
            to=[scheme.inbox_email],
            template="partnership_extension_requested_team",
            context={
                "partnership": _for_email(partnership.pk),
                "extension": extension,
                "role": role,
                "link": _absolute("admin:requests_app_extensionrequest_change", extension.pk),
            },
        )
    return extension


def _decide_extension(
    *, extension_id: int, admin_user, to_state: str, now: datetime.datetime
) -> tuple[ExtensionRequest, Partnership]:
    partnership_id = (
        ExtensionRequest.objects.filter(pk=extension_id)
        .values_list("partnership_id", flat=True)
        .first()
    )
    if partnership_id is None:
        raise WorkflowError("This request for more sessions does not exist.")
    partnership = _lock_partnership(partnership_id)
    if partnership.state not in OPEN_PARTNERSHIP_STATES:
        raise WorkflowError(_ENDED)
    sessions = (
        SchemeSettings.load().extension_sessions if to_state == ExtensionState.APPROVED else 0
    )
    changed = ExtensionRequest.objects.filter(pk=extension_id, state=ExtensionState.PENDING).update(
        state=to_state, decided_at=now, decided_by=admin_user, sessions_added=sessions
    )
    if changed != 1:
        raise WorkflowError("This request for more sessions has already been decided.")
    return ExtensionRequest.objects.get(pk=extension_id), partnership


def approve_extension(
    *, extension_id: int, admin_user, now: datetime.datetime | None = None
) -> ExtensionRequest:
    """An admin adds the scheme's extension size to the allowance; both sides are told."""
    now = now or timezone.now()
    with transaction.atomic():
        extension, partnership = _decide_extension(
            extension_id=extension_id,
            admin_user=admin_user,
            to_state=ExtensionState.APPROVED,
            now=now,
        )
        Partnership.objects.filter(pk=partnership.pk).update(
            sessions_allowed=F("sessions_allowed") + extension.sessions_added
        )
        _event(
            partnership,
            at=now,
            actor=admin_user,
            reason=f"More sessions approved: {extension.sessions_added} added",
        )
        partnership = _for_email(partnership.pk)
        for side in ("mentee", "mentor"):
            _email_side(partnership, side, "partnership_extension_approved", extension=extension)
    return extension


def decline_extension(
    *, extension_id: int, admin_user, now: datetime.datetime | None = None
) -> ExtensionRequest:
    """An admin says no; both sides are told. If every session is held, it completes."""
    now = now or timezone.now()
    with transaction.atomic():
        extension, partnership = _decide_extension(
            extension_id=extension_id,
            admin_user=admin_user,
            to_state=ExtensionState.DECLINED,
            now=now,
        )
        _event(partnership, at=now, actor=admin_user, reason="More sessions declined")
        held = partnership.meetings.filter(state=MeetingState.HELD).count()
        completes = (
            partnership.state == PartnershipState.ACTIVE and held >= partnership.sessions_allowed
        )
        if completes:
            _complete(
                [partnership.pk], now=now, reasons={partnership.pk: f"All {held} sessions held"}
            )
        partnership = _for_email(partnership.pk)
        for side in ("mentee", "mentor"):
            _email_side(
                partnership,
                side,
                "partnership_extension_declined",
                extension=extension,
                completes=completes,
            )
    return extension


# --- Ending -----------------------------------------------------------------------


def end_partnership_early(
    *,
    partnership_id: int,
    user,
    reason: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Partnership:
    """Either side ends the partnership, without blame. The note goes to the scheme team only.

    The mentee may choose another mentor straight away, and the mentor's place is free.
    """
    now = now or timezone.now()
    if reason not in EndReason.values:
        raise WorkflowError("Choose why you are ending the partnership.")
    with transaction.atomic():
        partnership = _lock_partnership(partnership_id, user)
        role = party_role(partnership, user)
        from_state = partnership.state
        changed = Partnership.objects.filter(
            pk=partnership.pk, state__in=OPEN_PARTNERSHIP_STATES
        ).update(
            state=PartnershipState.ENDED_EARLY,
            ended_at=now,
            ended_by=user,
            end_reason=reason,
            end_note=note.strip()[:2000],
        )
        if changed != 1:
            raise WorkflowError("This partnership has already ended.")
        partnership.state = PartnershipState.ENDED_EARLY
        _record(
            at=now,
            actor=user,
            reason=f"Ended by the {role}: {EndReason(reason).label}",
            partnership=partnership,
            from_state=from_state,
            to_state=PartnershipState.ENDED_EARLY,
        )
        # The meetings the ending cancels (_close_partnerships), to take out of calendars.
        upcoming = list(
            Meeting.objects.filter(
                partnership=partnership, state=MeetingState.PLANNED, starts_at__gt=now
            ).order_by("starts_at")
        )
        feedback_ids = _close_partnerships(
            [partnership.pk], state=PartnershipState.ENDED_EARLY, now=now, actor=user
        )
        places_may_have_freed([partnership.mentor_id])
        _email_feedback_request(feedback_ids)
        partnership = _for_email(partnership.pk)
        for meeting in upcoming:
            meeting.partnership = partnership
            meeting.state = MeetingState.CANCELLED
            meeting.calendar_sequence += 1
        _email_side(
            partnership,
            OTHER_SIDE[role],
            "partnership_ended_early",
            cancelled_meetings=upcoming,
            attachments=_cancellation_files(upcoming, OTHER_SIDE[role], now=now),
        )
        if upcoming:
            _email_side(
                partnership,
                role,
                "partnership_ended_meetings_cancelled",
                cancelled_meetings=upcoming,
                attachments=_cancellation_files(upcoming, role, now=now),
            )
        queue_templated_email(
            to=[SchemeSettings.load().inbox_email],
            template="partnership_ended_early_team",
            context={"partnership": partnership, "role": role},
        )
    return partnership


def complete_finished_partnerships(*, now: datetime.datetime | None = None) -> int:
    """Complete every open partnership whose window has passed or whose sessions are all held.

    The scheduled job, set-based like expire_overdue_requests: safe to run at
    any time and as often as wanted (a completed partnership is no longer open,
    so nobody is emailed twice), and it catches up after downtime. A partnership
    with every session held but more asked for waits for the admins' answer.
    "Passed" means the day after window_ends_on has begun, in UK time.
    Returns how many partnerships were completed.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    held = (
        Meeting.objects.filter(partnership=OuterRef("pk"), state=MeetingState.HELD)
        .values("partnership")
        .annotate(n=Count("pk"))
        .values("n")
    )
    extension_pending = ExtensionRequest.objects.filter(
        partnership=OuterRef("pk"), state=ExtensionState.PENDING
    )
    with transaction.atomic():
        due = list(
            Partnership.objects.open()
            .annotate(held=Coalesce(Subquery(held), 0))
            .filter(
                Q(window_ends_on__lt=today)
                | (Q(held__gte=F("sessions_allowed")) & ~Exists(extension_pending))
            )
            .select_for_update(of=("self",))
            .values_list("pk", "window_ends_on", "held")
        )
        if not due:
            return 0
        reasons = {
            pk: (
                f"The time window ended on {window_ends_on.day} {window_ends_on:%B %Y}"
                if window_ends_on < today
                else f"All {held} sessions held"
            )
            for pk, window_ends_on, held in due
        }
        _complete(list(reasons), now=now, reasons=reasons)
    return len(due)


def _complete(ids: list[int], *, now: datetime.datetime, reasons: dict[int, str]) -> None:
    """Complete these open partnerships (rows locked by the caller), inside its transaction."""
    from_states = dict(Partnership.objects.filter(pk__in=ids).values_list("pk", "state"))
    Partnership.objects.filter(pk__in=ids, state__in=OPEN_PARTNERSHIP_STATES).update(
        state=PartnershipState.COMPLETED, ended_at=now, ended_by=None
    )
    Transition.objects.bulk_create(
        (
            Transition(
                partnership_id=pk,
                from_state=from_states[pk],
                to_state=PartnershipState.COMPLETED,
                at=now,
                reason=reasons[pk][:200],
            )
            for pk in ids
        ),
        batch_size=2000,
    )
    feedback_ids = _close_partnerships(ids, state=PartnershipState.COMPLETED, now=now, actor=None)
    places_may_have_freed(
        Partnership.objects.filter(pk__in=ids).order_by().values_list("mentor_id", flat=True)
    )
    _email_completion(ids)
    _email_completion_team(ids, now=now)
    _email_feedback_request(feedback_ids)


def _close_partnerships(ids: list[int], *, state: str, now: datetime.datetime, actor) -> list[int]:
    """What every ending does, set-based, inside the ending's transaction.

    Meetings still to come are cancelled; a pending request for more sessions is
    declined; the mentor's private notes are destroyed; end-of-partnership
    feedback is asked for (when the scheme asks for it). Returns the ids of the
    feedback rows created, whose emails the caller sends after commit.
    """
    upcoming = Meeting.objects.filter(
        partnership_id__in=ids, state=MeetingState.PLANNED, starts_at__gt=now
    )
    upcoming_ids = list(upcoming.values_list("pk", flat=True))
    if upcoming_ids:
        Meeting.objects.filter(pk__in=upcoming_ids).update(
            state=MeetingState.CANCELLED,
            cancelled_at=now,
            cancelled_by=actor,
            cancelled_late=False,
            calendar_sequence=F("calendar_sequence") + 1,
        )
        Transition.objects.bulk_create(
            Transition(
                meeting_id=pk,
                from_state=MeetingState.PLANNED,
                to_state=MeetingState.CANCELLED,
                actor=actor,
                at=now,
                reason="The partnership ended",
            )
            for pk in upcoming_ids
        )
    ExtensionRequest.objects.filter(partnership_id__in=ids, state=ExtensionState.PENDING).update(
        state=ExtensionState.DECLINED, decided_at=now, decided_by=None
    )
    destroy_notes(ids, state=state, now=now)
    if not SchemeSettings.load().feedback_end:
        return []
    return _request_feedback(ids, FeedbackStage.END, now=now)


def destroy_notes(ids: list[int], *, state: str, now: datetime.datetime) -> int:
    """Shred the private notes of ended partnerships, in the ending's transaction.

    History keeps only how many notes there were. See shred_notes.
    """
    counts = dict(
        MentorNote.objects.filter(partnership_id__in=ids)
        .values("partnership_id")
        .annotate(n=Count("pk"))
        .values_list("partnership_id", "n")
    )
    shred_notes(Q(partnership_id__in=ids), now=now)
    if not counts:
        return 0
    Transition.objects.bulk_create(
        Transition(
            partnership_id=pk,
            from_state=state,
            to_state=state,
            at=now,
            reason=f"Private notes destroyed ({n})",
        )
        for pk, n in counts.items()
    )
    return sum(counts.values())


def shred_notes(partnerships: Q, *, now: datetime.datetime) -> None:
    """Delete these partnerships' notes and overwrite their data keys with NULL.

    `partnerships` filters on the partnership, which both models point to. Run it
    in the transaction that ends the partnership. The deleted rows can outlive the
    delete (dead tuples, WAL, backups), but only as ciphertext under a data key
    that no longer exists; the key row is overwritten rather than deleted
    (requests_app.notes says what this protects and what it cannot).
    """
    MentorNote.objects.filter(partnerships).delete()
    NotesKey.objects.filter(partnerships, wrapped_key__isnull=False).update(
        wrapped_key=None, destroyed_at=now
    )


# --- Feedback ---------------------------------------------------------------------


def _request_feedback(ids: list[int], stage: str, *, now: datetime.datetime) -> list[int]:
    """A survey row for each side of these partnerships, once per stage (the database
    refuses a second). Returns the ids of the rows created now."""
    rows = Partnership.objects.filter(pk__in=ids).values_list("pk", "mentee_id", "mentor__user_id")
    Feedback.objects.bulk_create(
        (
            Feedback(
                partnership_id=pk,
                respondent_id=user_id,
                respondent_role=role,
                stage=stage,
                requested_at=now,
            )
            for pk, mentee_id, mentor_user_id in rows
            for role, user_id in (("mentee", mentee_id), ("mentor", mentor_user_id))
            if user_id is not None
        ),
        ignore_conflicts=True,
    )
    created = list(
        Feedback.objects.filter(
            partnership_id__in=ids, stage=stage, requested_at=now, submitted_at__isnull=True
        ).values_list("pk", "partnership_id", "partnership__state")
    )
    label = FeedbackStage(stage).label
    Transition.objects.bulk_create(
        Transition(
            partnership_id=partnership_id,
            from_state=state,
            to_state=state,
            at=now,
            reason=f"{label} feedback asked for",
        )
        for partnership_id, state in {(p, s) for _, p, s in created}
    )
    return [pk for pk, _, _ in created]


MIDPOINT_SURVEY_CLOSED = (
    "This partnership has ended, so its mid-point survey has closed. "
    "Please give your end feedback instead."
)


def submit_feedback(
    *,
    feedback_id: int,
    user,
    rating_overall: int,
    rating_felt_heard: int,
    rating_would_recommend: int,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Feedback:
    """The respondent answers the survey, once. The answers are for the scheme team only."""
    now = now or timezone.now()
    ratings = (rating_overall, rating_felt_heard, rating_would_recommend)
    if any(r not in range(1, 6) for r in ratings):
        raise WorkflowError("Choose a number from 1 to 5 for each question.")
    with transaction.atomic():
        changed = (
            Feedback.objects.awaiting_answer()
            .filter(pk=feedback_id, respondent=user)
            .update(
                submitted_at=now,
                rating_overall=rating_overall,
                rating_felt_heard=rating_felt_heard,
                rating_would_recommend=rating_would_recommend,
                comment=comment.strip()[:2000],
            )
        )
        if changed != 1:
            if Feedback.objects.filter(
                pk=feedback_id, respondent=user, submitted_at__isnull=False
            ).exists():
                raise WorkflowError("You have already sent this feedback. Thank you.")
            if Feedback.objects.filter(pk=feedback_id, respondent=user).exists():
                raise WorkflowError(MIDPOINT_SURVEY_CLOSED)
            raise WorkflowError("This survey does not exist.")
        feedback = Feedback.objects.select_related("partnership").get(pk=feedback_id)
        _event(
            feedback.partnership,
            at=now,
            actor=user,
            reason=f"{feedback.get_stage_display()} feedback given by the "
            f"{feedback.respondent_role}",
        )
    return feedback


def remind_unanswered_feedback(*, now: datetime.datetime | None = None) -> int:
    """Remind each respondent once when a survey is a week old and unanswered.

    Set-based and idempotent like the request reminders: a reminded row has
    reminder_sent_at set and is never picked again. Returns how many were sent.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminded = (
            Feedback.objects.awaiting_answer()
            .filter(
                reminder_sent_at__isnull=True,
                respondent__isnull=False,
                requested_at__lte=now - FEEDBACK_REMINDER_AFTER,
            )
            .update(reminder_sent_at=now)
        )
        if not reminded:
            return 0
        due_ids = list(Feedback.objects.filter(reminder_sent_at=now).values_list("pk", flat=True))
        _email_feedback_reminder(due_ids)
    return reminded


# --- Private notes ----------------------------------------------------------------


def add_note(
    *, partnership_id: int, mentor_user, text: str, now: datetime.datetime | None = None
) -> MentorNote:
    """The mentor writes a note for themselves: stored encrypted, never in history."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise WorkflowError("Write something to save a note.")
    with transaction.atomic():
        partnership = _lock_partnership(partnership_id, mentor_user)
        if party_role(partnership, mentor_user) != "mentor":
            raise WorkflowError("Only the mentor keeps notes.")
        if partnership.state not in OPEN_PARTNERSHIP_STATES:
            raise WorkflowError(_ENDED + " Its notes have been destroyed.")
        # The partnership row is locked, so one data key is made, with the first note.
        key, _ = NotesKey.objects.get_or_create(
            partnership=partnership,
            defaults={"wrapped_key": notes.new_wrapped_key(), "created_at": now},
        )
        data_key = notes.unwrap(key.wrapped_key)
        if data_key is None:
            raise WorkflowError(
                "Notes cannot be saved: the key that protects them cannot be read. "
                "Please tell the scheme team."
            )
        return MentorNote.objects.create(
            partnership=partnership, ciphertext=notes.encrypt(text, data_key), created_at=now
        )


def rewrap_notes_keys(*, batch_size: int = 500) -> tuple[int, int]:
    """Wrap every live notes data key again under the first settings key.

    For key rotation: put the new key first in NOTES_ENCRYPTION_KEY, keep the old
    one after it, run this, then remove the old one. Each row is written only if
    its key has not been destroyed meanwhile (a partnership ending at the same
    moment keeps its NULL). Returns (rewrapped, unreadable): a key that no
    configured key unwraps is left as it is and counted.
    """
    rewrapped = unreadable = 0
    last_pk = 0
    while True:
        batch = list(
            NotesKey.objects.filter(pk__gt=last_pk, wrapped_key__isnull=False)
            .order_by("pk")
            .values_list("pk", "wrapped_key")[:batch_size]
        )
        if not batch:
            return rewrapped, unreadable
        for pk, wrapped_key in batch:
            if wrapped_key is None:  # filtered out above
                continue
            try:
                new = notes.rewrap(wrapped_key)
            except InvalidToken:
                unreadable += 1
                continue
            rewrapped += NotesKey.objects.filter(pk=pk, wrapped_key__isnull=False).update(
                wrapped_key=new
            )
        last_pk = batch[-1][0]


def delete_note(*, note_id: int, mentor_user) -> None:
    deleted, _ = MentorNote.objects.filter(
        pk=note_id, partnership__mentor__user=mentor_user
    ).delete()
    if not deleted:
        raise WorkflowError("This note has already been deleted.")


# --- Partnership emails -----------------------------------------------------------


def _for_email(partnership_id: int) -> Partnership:
    return Partnership.objects.select_related("mentee", "mentor__user").get(pk=partnership_id)


def _side(partnership: Partnership, role: str) -> dict:
    """Name and address of one side of a partnership."""
    if role == "mentee":
        mentee = partnership.mentee
        return {
            "email": mentee.email,
            "first_name": mentee.first_name,
            "full_name": mentee.get_full_name() or "your mentee",
        }
    mentor = partnership.mentor
    return {
        "email": mentor.user.email if mentor.user is not None else mentor.email,
        "first_name": mentor.first_name,
        "full_name": mentor.full_name,
    }


def _side_context(partnership: Partnership, role: str) -> dict:
    me, other = _side(partnership, role), _side(partnership, OTHER_SIDE[role])
    return {
        "partnership": partnership,
        "role": role,
        "name": me["first_name"] or "there",
        "other_name": other["full_name"],
        "link": _absolute("requests:partnership", partnership.pk),
    }


def _email_side(
    partnership: Partnership,
    role: str,
    template: str,
    *,
    attachments: list[Attachment] | None = None,
    **context,
) -> None:
    queue_templated_email(
        to=[_side(partnership, role)["email"]],
        template=template,
        context={**_side_context(partnership, role), **context},
        attachments=attachments,
    )


def meeting_calendar_file(
    meeting: Meeting, role: str, *, now: datetime.datetime, method: str = ics.PUBLISH
) -> str:
    """The .ics of a meeting as one side sees it (named after the other side): PUBLISH to
    download, REQUEST or CANCEL to email (see requests_app.ics), at its current version."""
    partnership = meeting.partnership
    other_name = _side(partnership, OTHER_SIDE[role])["full_name"]
    me = _side(partnership, role)
    sender_name, sender_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    emailed = method != ics.PUBLISH
    return ics.meeting_ics(
        meeting,
        summary=f"Peer mentoring with {other_name}",
        description=(
            f"{meeting.get_mode_display()}, {meeting.duration_minutes} minutes. "
            f"Planned through {settings.SERVICE_NAME}."
        ),
        url=_absolute("requests:partnership", partnership.pk),
        now=now,
        method=method,
        organizer=(
            ics.Person(sender_name or settings.SERVICE_NAME, sender_email) if emailed else None
        ),
        attendee=ics.Person(me["full_name"], me["email"]) if emailed else None,
    )


def _email_meeting_planned(
    partnership: Partnership, meeting: Meeting, role: str, *, now: datetime.datetime
) -> None:
    """The other side is told, with a calendar file to add the meeting in one click."""
    meeting.partnership = partnership
    queue_templated_email(
        to=[_side(partnership, role)["email"]],
        template="meeting_planned",
        context={**_side_context(partnership, role), "meeting": meeting},
        attachments=[_calendar_attachment(meeting, role, method=ics.REQUEST, now=now)],
    )


def _calendar_attachment(
    meeting: Meeting, role: str, *, method: str, now: datetime.datetime
) -> Attachment:
    """The calendar file emailed to one side (meeting.partnership loaded with both people)."""
    return (
        "meeting.ics",
        meeting_calendar_file(meeting, role, now=now, method=method),
        ics.mime(method),
    )


def _cancellation_files(
    meetings: list[Meeting], role: str, *, now: datetime.datetime
) -> list[Attachment]:
    """One CANCEL file per meeting, each named after its day (several in one email)."""
    return [
        (
            f"meeting-{timezone.localtime(meeting.starts_at):%Y-%m-%d-%H%M}.ics",
            meeting_calendar_file(meeting, role, now=now, method=ics.CANCEL),
            ics.mime(ics.CANCEL),
        )
        for meeting in meetings
    ]


def _email_meeting_reminder(meeting: Meeting, role: str, *, now: datetime.datetime) -> None:
    partnership = meeting.partnership
    _email_side(
        partnership,
        role,
        "meeting_reminder",
        meeting=meeting,
        agenda_link=(
            _absolute("requests:meeting_agenda", meeting.pk)
            if role == "mentee"
            else _absolute("requests:partnership", partnership.pk) + "#meetings"
        ),
        attachments=[_calendar_attachment(meeting, role, method=ics.REQUEST, now=now)],
    )


def _email_completion(partnership_ids: list[int]) -> None:
    partnerships = Partnership.objects.filter(
        pk__in=partnership_ids, state=PartnershipState.COMPLETED
    ).select_related("mentee", "mentor__user")
    with outbox.batch():
        for partnership in partnerships:
            for side in ("mentee", "mentor"):
                _email_side(partnership, side, "partnership_completed")


def _email_completion_team(partnership_ids: list[int], *, now: datetime.datetime) -> None:
    """The scheme inbox's record of each completion: who and when, never why.

    The inbox is read by the INSERT itself (the settings row exists: the ending has
    loaded it), so the job's queries stay as many however many partnerships end."""
    inbox = SchemeSettings.objects.filter(pk=1).values("inbox_email")[:1]
    queue_for_rows(
        Partnership.objects.filter(pk__in=partnership_ids, state=PartnershipState.COMPLETED),
        recipient=ExpressionWrapper(Subquery(inbox), output_field=EmailField()),
        template="partnership_completed_team",
        name="partnership",
        related=("mentee", "mentor"),
        now=now,
    )


def _email_feedback(feedback_ids: list[int], template: str) -> None:
    surveys = Feedback.objects.filter(
        pk__in=feedback_ids, submitted_at__isnull=True, respondent__isnull=False
    ).select_related("respondent", "partnership__mentee", "partnership__mentor__user")
    with outbox.batch():
        for feedback in surveys:
            if feedback.respondent is None:  # filtered out above
                continue
            queue_templated_email(
                to=[feedback.respondent.email],
                template=template,
                context={
                    **_side_context(feedback.partnership, feedback.respondent_role),
                    "feedback": feedback,
                    "stage": feedback.get_stage_display().lower(),
                    "link": _absolute("requests:feedback", feedback.pk),
                },
            )


def _email_feedback_request(feedback_ids: list[int]) -> None:
    _email_feedback(feedback_ids, "feedback_requested")


def _email_feedback_reminder(feedback_ids: list[int]) -> None:
    _email_feedback(feedback_ids, "feedback_reminder")


# --- Emails kept ------------------------------------------------------------------


def purge_sent_email_content(*, now: datetime.datetime | None = None) -> int:
    """Delete the text of emails older than the scheme's retention period (daily job)."""
    now = now or timezone.now()
    days = SchemeSettings.load().email_retention_days
    return outbox.purge_content(before=now - datetime.timedelta(days=days))
