"""The scheme team's matching queue: mentors to suggest for an application, and why.

A read module (the proposal itself is workflow.propose_match). The scheme aims to meet
"as many of the mutual criteria as possible", so each suggestion is scored by how many
criteria of both sides the mentor meets, each criterion a CASE in SQL:

- the way of meeting the mentee prefers is one the mentor offers;
- same specialty school, same region (of their trusts), same grade, same UK nation;
- the mentor's bio mentions words from what the mentee wants help with, or their aims.

Only mentors with space offered are suggested (published, not paused, capacity above
their places taken: requests_app.availability's one rule), never the mentee themself,
never a mentor already proposed to this mentee, and, when the mentee asked, nobody from
their own organisation. Ranked by score, then most places free, then name; the ranking
and the limit are in SQL, so a suggestion list costs two queries whatever the size of
the register, and only the rows shown get their reasons written out, in Python.
"""

import datetime
import re
from dataclasses import dataclass, field
from functools import reduce
from operator import add, or_

from django.db.models import Case, F, IntegerField, Q, Value, When

from accounts.models import MenteeProfile
from register.models import SEARCHED_BIO_FIELDS, MentorProfile
from requests_app.availability import places_taken_expression
from requests_app.models import MatchApplication, MeetingMode, MentoringRequest, RequestState
from scheme.models import Nation, SchemeSettings
from scheme.profiles import profile_of

# How many words of the application are looked for in bios: a handful is enough to
# find a shared interest, and each adds a LIKE per bio field to the statement.
MAX_WORDS = 6
MIN_WORD_LENGTH = 4
# The bio fields a word is looked for in: the register's searched bio fields (the area
# of expertise a public health profile asks for among them). icontains reads the same
# on SQLite and PostgreSQL, so both give the same suggestions and reasons.
BIO_FIELDS = tuple(dict.fromkeys((*SEARCHED_BIO_FIELDS, "expertise")))
# Words too common in "what I would like from mentoring" to say anything about a mentor.
COMMON_WORDS = frozenset(
    [
        "about",
        "after",
        "also",
        "been",
        "being",
        "better",
        "both",
        "could",
        "does",
        "doing",
        "done",
        "each",
        "even",
        "from",
        "have",
        "having",
        "help",
        "helping",
        "into",
        "just",
        "know",
        "like",
        "longer",
        "made",
        "make",
        "making",
        "many",
        "more",
        "most",
        "much",
        "need",
        "needs",
        "next",
        "only",
        "other",
        "over",
        "really",
        "same",
        "should",
        "some",
        "someone",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "things",
        "think",
        "this",
        "those",
        "through",
        "time",
        "very",
        "want",
        "wanted",
        "wants",
        "well",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "your",
        "yours",
        "mentor",
        "mentors",
        "mentoring",
        "mentee",
        "support",
        "supporting",
        "work",
        "working",
    ]
)

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class Suggestion:
    """A mentor who could be proposed, with how many criteria they meet and which."""

    mentor: MentorProfile
    score: int
    reasons: list[str] = field(default_factory=list)
    places_free: int = 0


def significant_words(*texts: str, limit: int = MAX_WORDS) -> list[str]:
    """The first `limit` distinct words of the texts worth looking for in a bio,
    lower case, in the order written (what they want help with comes first)."""
    found: list[str] = []
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if len(word) >= MIN_WORD_LENGTH and word not in COMMON_WORDS and word not in found:
                found.append(word)
                if len(found) == limit:
                    return found
    return found


def _mentions(word: str) -> Q:
    return reduce(or_, (Q(**{f"{name}__icontains": word}) for name in BIO_FIELDS))


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


_MODE_REASON = {
    MeetingMode.FACE_TO_FACE: "Meets face to face, as the mentee prefers",
    MeetingMode.VIDEO: "Meets by video call, as the mentee prefers",
    MeetingMode.PHONE: "Meets by phone call, as the mentee prefers",
}


def _mode_condition(mode: str) -> Q | None:
    if mode == MeetingMode.FACE_TO_FACE:
        return Q(meets_face_to_face=True)
    if mode in (MeetingMode.VIDEO, MeetingMode.PHONE):
        return Q(meets_virtually=True)
    return None


def offering_space_to(application: MatchApplication, profile: MenteeProfile | None):
    """Mentors who could be proposed to this application's mentee, each with
    `places_free` (capacity less places taken, at least 1)."""
    mentee_id = application.mentee_id
    mentors = (
        MentorProfile.objects.published()
        .filter(is_paused=False)
        .exclude(user_id=mentee_id)
        .exclude(
            pk__in=MentoringRequest.objects.proposals()
            .filter(application__mentee_id=mentee_id)
            .values("mentor_id")
        )
        .annotate(places_free=F("capacity") - places_taken_expression())
        .filter(places_free__gt=0)
    )
    if application.avoid_own_workplace and profile is not None:
        # The workplace the scheme asks about: a trust (SuppoRTT) or an organisation.
        asks = profile_of(SchemeSettings.cached())
        if profile.trust_id is not None and asks.uses("trust"):
            mentors = mentors.exclude(trust_id=profile.trust_id)
        if profile.organisation.strip() and asks.uses("organisation"):
            mentors = mentors.exclude(organisation__iexact=profile.organisation.strip())
    return mentors


def suggested_mentors(application: MatchApplication, *, limit: int = 10) -> list[Suggestion]:
    """Up to `limit` mentors for this application, best first, with their reasons."""
    profile = (
        MenteeProfile.objects.select_related("school", "grade", "trust")
        .filter(user_id=application.mentee_id)
        .first()
    )
    # Each criterion: (annotation name, condition in SQL).
    criteria: list[tuple[str, Q]] = []
    if (mode := _mode_condition(application.preferred_mode)) is not None:
        criteria.append(("meets_mode", mode))
    region = profile.trust.region if profile is not None and profile.trust else ""
    if profile is not None:
        if profile.school_id is not None:
            criteria.append(("same_school", Q(school_id=profile.school_id)))
        if region:
            criteria.append(("same_region", Q(trust__region=region)))
        if profile.grade_id is not None:
            criteria.append(("same_grade", Q(grade_id=profile.grade_id)))
        if profile.nation:
            criteria.append(("same_nation", Q(nation=profile.nation)))
    words = significant_words(application.help_areas, application.aims)
    if words:
        criteria.append(("mentions_words", reduce(or_, (_mentions(w) for w in words))))
    flags = {name: _flag(condition) for name, condition in criteria}
    word_flags = {f"mentions_{index}": _flag(_mentions(w)) for index, w in enumerate(words)}
    score = reduce(add, (F(name) for name in flags), Value(0))
    mentors = (
        offering_space_to(application, profile)
        .select_related("school", "grade", "trust")
        .annotate(**flags, **word_flags)
        .annotate(score=score)
        .order_by("-score", "-places_free", "last_name", "first_name", "pk")[:limit]
    )
    return [
        Suggestion(
            mentor=mentor,
            score=mentor.score,
            reasons=_reasons(mentor, application, profile, region, words),
            places_free=mentor.places_free,
        )
        for mentor in mentors
    ]


def _reasons(
    mentor, application: MatchApplication, profile, region: str, words: list[str]
) -> list[str]:
    """The criteria this mentor meets, in words for the scheme team."""
    reasons = []
    if getattr(mentor, "meets_mode", 0):
        reasons.append(_MODE_REASON[MeetingMode(application.preferred_mode)])
    if getattr(mentor, "same_school", 0):
        reasons.append(f"Same school: {profile.school.name}")
    if getattr(mentor, "same_region", 0):
        reasons.append(f"Same region: {region}")
    if getattr(mentor, "same_grade", 0):
        reasons.append(f"Same grade: {profile.grade.name}")
    if getattr(mentor, "same_nation", 0):
        reasons.append(f"Same nation: {Nation(profile.nation).label}")
    mentioned = [w for index, w in enumerate(words) if getattr(mentor, f"mentions_{index}", 0)]
    if mentioned:
        reasons.append(f"Bio mentions: {', '.join(mentioned)}")
    return reasons


@dataclass(frozen=True)
class EarlierProposal:
    """A match proposed to the mentee before, as the scheme team sees it."""

    mentor_name: str
    proposed_on: datetime.datetime
    outcome: str


def _outcome(proposal: MentoringRequest) -> str:
    """What became of a proposal; who said "not this time" and why is for the team only."""
    if proposal.state == RequestState.REJECTED:
        side = "the mentee" if proposal.answered_by_id == proposal.mentee_id else "the mentor"
        reason = proposal.get_decline_reason_display()
        return f"Not this time, said {side}" + (f": {reason}" if reason else "")
    return PROPOSAL_OUTCOMES.get(proposal.state, RequestState(proposal.state).label)


PROPOSAL_OUTCOMES: dict[str, str] = {
    RequestState.PENDING: "Waiting for both answers",
    RequestState.ACCEPTED: "Both said let's go ahead",
    RequestState.EXPIRED: "Not answered in time",
    RequestState.CANCELLED: "Cancelled by the scheme team",
}


def proposals_to(mentee_id: int) -> list[EarlierProposal]:
    """Every match proposed to this mentee, newest first, in one query."""
    proposals = (
        MentoringRequest.objects.proposals()
        .filter(application__mentee_id=mentee_id)
        .select_related("mentor")
        .only(
            "state",
            "created_at",
            "answered_by_id",
            "mentee_id",
            "decline_reason",
            "mentor__first_name",
            "mentor__last_name",
        )
        .order_by("-created_at", "-pk")
    )
    return [
        EarlierProposal(
            mentor_name=proposal.mentor.full_name,
            proposed_on=proposal.created_at,
            outcome=_outcome(proposal),
        )
        for proposal in proposals
    ]
