"""What a search result card shows, as plain values (register/search_card.jinja draws it)."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from register.fields import flags_labels
from register.models import MentorProfile, TimeOfDay, Weekday
from requests_app.availability import availability_of
from requests_app.search import ReferenceData, Viewer
from scheme.profiles import SUPPORTT, Profile

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Listed(TypedDict):
    """What the search's page of mentors annotates on each (MentorQuerySet)."""

    places_taken: int


TEASER_LENGTH = 160
WEEKDAYS = Weekday.choices  # built once: .choices makes a new list on each use
TIMES_OF_DAY = TimeOfDay.choices


@dataclass(frozen=True)
class MentorCard:
    """One search result."""

    pk: int
    name: str
    pronouns: str
    details: tuple[str, ...]  # grade, school and trust, or organisation and nation
    photo_url: str  # the thumbnail's address, or ""
    teaser: str
    days: tuple[str, ...]
    times: tuple[str, ...]
    in_person: str | None  # where they meet in person ("" if not said); None: they do not
    platforms: tuple[str, ...] | None  # None: they do not meet by video or phone
    taking_requests: bool
    not_taking_reason: str
    requests_open: bool  # mentees may ask mentors (the scheme's matching mode)
    reasons: tuple[str, ...]  # why suggested: "Same school", "Same region"...


def teaser(text: str) -> str:
    """The first sentence, kept to one line or so."""
    text = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(first) <= TEASER_LENGTH:
        return first
    return first[:TEASER_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def shared_reasons(mentor: MentorProfile, viewer: Viewer) -> tuple[str, ...]:
    """Why a mentor is suggested, in the words shown on their card."""
    if not viewer.is_mentee:
        return ()
    reasons = []
    if viewer.school_id and mentor.school_id == viewer.school_id:
        reasons.append("Same school")
    if viewer.trust_id and mentor.trust_id == viewer.trust_id:
        reasons.append("Same trust")
    elif mentor.trust_id in viewer.region_trust_ids:
        reasons.append("Same region")
    if viewer.nation and mentor.nation == viewer.nation:
        reasons.append("Same nation")
    return tuple(reasons)


def _details(
    mentor: MentorProfile, names: dict[str, dict[int, str]], profile: Profile
) -> tuple[str, ...]:
    """The short facts under the name, as the scheme's profile asks them."""
    found = [
        names[f"{name}s"].get(getattr(mentor, f"{name}_id"), "")
        for name in ("grade", "school", "trust")
        if profile.uses(name)
    ]
    if profile.uses("organisation"):
        found.append(mentor.organisation)
    if profile.uses("nation"):
        found.append(mentor.get_nation_display() if mentor.nation else "")
    return tuple(fact for fact in found if fact)


def mentor_card(
    mentor: "WithAnnotations[MentorProfile, _Listed]",
    viewer: Viewer,
    reference: ReferenceData,
    *,
    requests_open: bool = True,
    profile: Profile = SUPPORTT,
) -> MentorCard:
    """A mentor read by requests_app.search.result_page (places taken, platforms) as a card.

    When the scheme team makes every match (not `requests_open`), the card says whether
    the mentor has space, and offers no waiting list. The card shows the bio fields the
    scheme's `profile` asks."""
    names = reference.names
    availability = availability_of(
        status=mentor.status,
        is_paused=mentor.is_paused,
        capacity=mentor.capacity,
        taken=mentor.places_taken,
    )
    return MentorCard(
        pk=mentor.pk,
        name=mentor.full_name,
        pronouns=mentor.pronouns,
        details=_details(mentor, names, profile),
        photo_url=mentor.photo_url("small"),
        teaser=teaser(
            (mentor.supportt_experience if profile.uses("supportt_experience") else "")
            or (mentor.expertise if profile.uses("expertise") else "")
            or mentor.motivation
            or ""
        ),
        days=tuple(flags_labels(mentor.available_days, WEEKDAYS)),
        times=tuple(flags_labels(mentor.available_times, TIMES_OF_DAY)),
        in_person=mentor.face_to_face_location if mentor.meets_face_to_face else None,
        platforms=tuple(p.name for p in mentor.virtual_platforms.all())
        if mentor.meets_virtually
        else None,
        taking_requests=availability.taking_requests,
        not_taking_reason=availability.reason
        + (
            " You can join their waiting list."
            if availability.waiting_list_open and requests_open
            else ""
        ),
        requests_open=requests_open,
        reasons=shared_reasons(mentor, viewer),
    )
