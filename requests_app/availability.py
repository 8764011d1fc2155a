"""How full a mentor is, and whether they take a new request.

One rule for a mentor's places taken (places_taken_expression): their open
partnerships, the places kept for someone on their waiting list, and the places
held by matches the scheme team proposed that wait for answers. The search
reads it as a column of each mentor on a page; places_taken() reads it for one
mentor. Whether they take a request is then a plain function of a few values
(availability_of), so a page of mentors and a single profile decide it alike.
"""

from dataclasses import dataclass
from functools import partial

from django.db.models import Count, Expression, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from register.models import MentorProfile, MentorStatus
from requests_app.models import (
    MentoringRequest,
    Partnership,
    RequestState,
    WaitingListEntry,
    WaitingOutcome,
)


@dataclass(frozen=True)
class Availability:
    """Whether a mentor can take a new request, and why not."""

    taking_requests: bool
    reason: str = ""
    # Full (not paused, not off the register): a mentee may join the waiting list.
    waiting_list_open: bool = False


def availability_of(*, status: str, is_paused: bool, capacity: int, taken: int) -> Availability:
    """Whether a mentor with these values takes a new request (`taken`: places_taken)."""
    if status != MentorStatus.PUBLISHED:
        return Availability(False, "This mentor is not on the register at the moment.")
    if is_paused:
        return Availability(False, "This mentor has paused taking requests.")
    if capacity == 0:  # the same as pausing, so no waiting list either
        return Availability(False, "This mentor is not taking new mentees at the moment.")
    if taken >= capacity:
        return Availability(
            False,
            "This mentor has no space for another mentee at the moment.",
            waiting_list_open=True,
        )
    return Availability(True)


def _counted(rows) -> Coalesce:
    """How many of `rows` (filtered on OuterRef("pk"), the mentor) there are, as a column."""
    count = rows.order_by().values("mentor_id").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


def places_taken_expression(*, for_mentee=None) -> Expression:
    """A mentor's places taken, as a column of MentorProfile rows.

    Open partnerships, places kept for someone on the waiting list (other than
    `for_mentee`, whose own place is theirs): a place is kept by an offer not yet
    used or lapsed, and by a request sent with an offer while it waits for an
    answer; and matches proposed by the scheme team while they wait for answers.
    """
    kept = WaitingListEntry.objects.filter(mentor=OuterRef("pk")).filter(
        Q(left_at__isnull=True, offered_at__isnull=False)
        | Q(outcome=WaitingOutcome.REQUESTED, request__state=RequestState.PENDING)
    )
    if for_mentee is not None:
        kept = kept.exclude(mentee=for_mentee)
    open_partnerships = Partnership.objects.open().filter(mentor=OuterRef("pk"))
    proposed = MentoringRequest.objects.proposals().pending().filter(mentor=OuterRef("pk"))
    return _counted(open_partnerships) + _counted(kept) + _counted(proposed)


def places_taken(mentor: MentorProfile, *, for_mentee=None) -> int:
    """One mentor's places taken (places_taken_expression), in one query."""
    return (
        MentorProfile.objects.filter(pk=mentor.pk)
        .annotate(taken=places_taken_expression(for_mentee=for_mentee))
        .values_list("taken", flat=True)
        .get()
    )


def mentor_load(mentor: MentorProfile) -> int:
    """How many mentees the mentor has at the moment (their open partnerships)."""
    return Partnership.objects.open().filter(mentor=mentor).count()


def places_promised(mentor: MentorProfile) -> int:
    """Open partnerships and matches proposed to the mentor awaiting answers: what an
    answer to a mentee's own request must leave room for."""
    return (
        mentor_load(mentor)
        + MentoringRequest.objects.proposals().pending().filter(mentor=mentor).count()
    )


def mentor_availability(mentor: MentorProfile, *, for_mentee=None) -> Availability:
    """Whether `mentor` takes a new request (from `for_mentee`, when given).

    The places are counted only when the bio alone does not already say no.
    """
    of = partial(
        availability_of,
        status=mentor.status,
        is_paused=mentor.is_paused,
        capacity=mentor.capacity,
    )
    closed = of(taken=0)
    if not closed.taking_requests:
        return closed
    return of(taken=places_taken(mentor, for_mentee=for_mentee))
