"""Searching the register: who may search, the filters, the query and the cards.

Free text uses PostgreSQL's full-text search where it is available (the stored,
GIN-indexed MentorProfile.search_vector, ranked with ts_rank) and a simple
fallback elsewhere (every word must appear in MentorProfile.search_text). Both
columns are computed by the database on every write, so nothing here has to be
called to keep them current.

The page costs a fixed number of queries whatever its size: one page of ids
with the total (from a narrow index on PostgreSQL), then that page's bios with
their platforms, and their open partnerships; the reference lists are cached.
Drawing the NHS.UK components costs more than the queries, so the filter panel
and each card are drawn once per distinct content and reused (_memoised).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache, wraps
from math import ceil
from urllib.parse import urlencode

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, Value, When, Window
from django.http import QueryDict
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from accounts.rules import is_mentee, is_scheme_admin
from register.fields import FlagsFormField, flags_labels
from register.models import (
    Gender,
    Grade,
    MentorProfile,
    School,
    TimeOfDay,
    Trust,
    VirtualPlatform,
    Weekday,
)
from requests_app.workflow import mentor_availability, places_taken

PAGE_SIZE = 20
MAX_PAGE = 100_000  # a larger number in a link is treated as "past the end"
TEASER_LENGTH = 160
WEEKDAYS = Weekday.choices  # built once: .choices makes a new list on each use
TIMES_OF_DAY = TimeOfDay.choices

# Suggested order for a mentee: what they share with the mentor, most telling first.
SAME_SCHOOL_WEIGHT = 4
SAME_TRUST_WEIGHT = 2
SAME_REGION_WEIGHT = 1


def can_search_register(user) -> bool:
    """Mentees choose from the register; scheme admins look after it."""
    return is_mentee(user) or is_scheme_admin(user)


# --- Reference lists -----------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceData:
    """Grades, schools, trusts and platforms as (id, name, is_active), trusts' regions.

    Tuples all through, so that it can be part of a cache key. Inactive ones
    are kept for naming mentors who still have them; the filters offer active ones.
    """

    grades: tuple[tuple[int, str, bool], ...]
    schools: tuple[tuple[int, str, bool], ...]
    trusts: tuple[tuple[int, str, bool], ...]
    platforms: tuple[tuple[int, str, bool], ...]
    trust_regions: tuple[tuple[int, str], ...]

    @staticmethod
    def choices(rows) -> list[tuple[int, str]]:
        return [(pk, name) for pk, name, active in rows if active]

    @cached_property
    def names(self) -> dict[str, dict[int, str]]:
        return {
            kind: {pk: name for pk, name, _ in getattr(self, kind)}
            for kind in ("grades", "schools", "trusts")
        }

    @cached_property
    def region_of(self) -> dict[int, str]:
        return dict(self.trust_regions)

    @cached_property
    def platform_position(self) -> dict[int, tuple[int, str]]:
        return {pk: (n, name) for n, (pk, name, _) in enumerate(self.platforms)}


REFERENCE_CACHE_KEY = "register:search:reference-data:3"
# Admins rarely change these lists; a new trust shows in the filters within a minute.
REFERENCE_CACHE_SECONDS = 60


def reference_data() -> ReferenceData:
    """From the cache, or four small queries once a minute."""
    data = cache.get(REFERENCE_CACHE_KEY)
    if data is None:

        def listed(model) -> tuple[tuple[int, str, bool], ...]:
            return tuple(model.objects.values_list("pk", "name", "is_active"))

        trusts = tuple(Trust.objects.values_list("pk", "name", "is_active", "region"))
        data = ReferenceData(
            grades=listed(Grade),
            schools=listed(School),
            trusts=tuple(row[:3] for row in trusts),
            platforms=listed(VirtualPlatform),
            trust_regions=tuple((pk, region) for pk, _, _, region in trusts if region),
        )
        cache.set(REFERENCE_CACHE_KEY, data, REFERENCE_CACHE_SECONDS)
    return data


# --- Who is searching ----------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What the search needs to know about the person searching."""

    user_id: int
    is_mentee: bool
    school_id: int | None = None
    trust_id: int | None = None
    region_trust_ids: frozenset[int] = frozenset()  # trusts in the same region as theirs

    @property
    def offer_own_trust(self) -> bool:
        """Whether "not from my own trust" makes sense for them."""
        return self.is_mentee and self.trust_id is not None


def viewer_for(user, reference: ReferenceData) -> Viewer:
    profile = getattr(user, "mentee_profile", None) if is_mentee(user) else None
    if profile is None:
        return Viewer(user_id=user.pk, is_mentee=False)
    region = reference.region_of.get(profile.trust_id)
    return Viewer(
        user_id=user.pk,
        is_mentee=True,
        school_id=profile.school_id,
        trust_id=profile.trust_id,
        region_trust_ids=frozenset(
            pk for pk, name in reference.trust_regions if region and name == region
        ),
    )


# --- The filter form -------------------------------------------------------------------


class Meeting:
    FACE_TO_FACE = "face_to_face"
    VIRTUAL = "virtual"
    CHOICES = [
        ("", "Either way"),
        (FACE_TO_FACE, "In person"),
        (VIRTUAL, "By video or phone"),
    ]


GENDER_CHOICES = [(value, label) for value, label in Gender.choices if value != Gender.NOT_SAID]


def _reference_field(label: str, any_label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, required=False, coerce=int, empty_value=None, choices=[("", any_label)]
    )


class MentorSearchForm(forms.Form):
    """The filters, all optional, read from the query string (GET)."""

    q = forms.CharField(
        label="Words to look for",
        help_text="For example: parental leave, research, running",
        required=False,
        max_length=200,
    )
    school = _reference_field("School", "Any school")
    grade = _reference_field("Grade", "Any grade")
    trust = _reference_field("Trust", "Any trust")
    not_my_trust = forms.BooleanField(label="Only mentors outside my own trust", required=False)
    gender = forms.ChoiceField(
        label="Gender", required=False, choices=[("", "Any gender"), *GENDER_CHOICES]
    )
    meeting = forms.ChoiceField(
        label="How you would like to meet",
        required=False,
        choices=Meeting.CHOICES,
        widget=forms.RadioSelect,
    )
    location = forms.CharField(
        label="Where, to meet in person",
        help_text="A town or hospital",
        required=False,
        max_length=100,
    )
    platform = _reference_field("Video or phone platform", "Any platform")
    days = FlagsFormField(label="Days", flag_choices=Weekday.choices, required=False)
    times = FlagsFormField(label="Times of day", flag_choices=TimeOfDay.choices, required=False)

    def __init__(self, data: QueryDict, *, choices: ReferenceData, offer_own_trust: bool):
        """offer_own_trust: the searcher is a mentee with a trust ("not from my own trust")."""
        super().__init__(data)
        for name in ("school", "grade", "trust", "platform"):
            self.fields[name].choices += choices.choices(getattr(choices, f"{name}s"))
        if not offer_own_trust:
            del self.fields["not_my_trust"]

    def filters(self) -> "Filters":
        """The filters that are valid; a value that is not (a stale link) is left out."""
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            q=data.get("q") or "",
            school=data.get("school"),
            grade=data.get("grade"),
            trust=data.get("trust"),
            not_my_trust=bool(data.get("not_my_trust")),
            gender=data.get("gender") or "",
            meeting=data.get("meeting") or "",
            location=(data.get("location") or "").strip(),
            platform=data.get("platform"),
            days=data.get("days") or 0,
            times=data.get("times") or 0,
        )


@dataclass(frozen=True)
class Filters:
    q: str = ""
    school: int | None = None
    grade: int | None = None
    trust: int | None = None
    not_my_trust: bool = False
    gender: str = ""
    meeting: str = ""
    location: str = ""
    platform: int | None = None
    days: int = 0
    times: int = 0


# --- The query ---------------------------------------------------------------------------


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


class Order:
    RELEVANCE = "relevance"
    SUGGESTED = "suggested"
    NAME = "name"


def order_for(filters: Filters, viewer: Viewer) -> str:
    """Best match first for free text (PostgreSQL), else suggestions for mentees, else name."""
    if filters.q and uses_full_text():
        return Order.RELEVANCE
    return Order.SUGGESTED if viewer.is_mentee else Order.NAME


def _shared_score(viewer: Viewer):
    score = Value(0)
    if viewer.school_id:
        score += Case(When(school_id=viewer.school_id, then=Value(SAME_SCHOOL_WEIGHT)), default=0)
    if viewer.trust_id:
        score += Case(When(trust_id=viewer.trust_id, then=Value(SAME_TRUST_WEIGHT)), default=0)
    if viewer.region_trust_ids:
        score += Case(
            When(trust_id__in=viewer.region_trust_ids, then=Value(SAME_REGION_WEIGHT)), default=0
        )
    return score


def search_mentors(filters: Filters, viewer: Viewer) -> QuerySet:
    """Published mentors matching every filter, in the order that suits the viewer.

    result_page() takes only their ids: counting and ordering then read nothing
    but the narrow search index on PostgreSQL (migration 0002), and
    mentor_cards() loads the bios of one page.
    """
    where = [~Q(user_id=viewer.user_id)]  # never yourself
    aliases: dict = {}
    if filters.school:
        where.append(Q(school_id=filters.school))
    if filters.grade:
        where.append(Q(grade_id=filters.grade))
    if filters.trust:
        where.append(Q(trust_id=filters.trust))
    if filters.not_my_trust and viewer.trust_id:
        where.append(~Q(trust_id=viewer.trust_id))
    if filters.gender:
        where.append(Q(gender=filters.gender))
    if filters.meeting == Meeting.FACE_TO_FACE or filters.location:
        where.append(Q(meets_face_to_face=True))
    if filters.location:
        where.append(Q(face_to_face_location__icontains=filters.location))
    if filters.meeting == Meeting.VIRTUAL or filters.platform:
        where.append(Q(meets_virtually=True))
    if filters.platform:
        where.append(Q(virtual_platforms=filters.platform))
    # Any of the chosen days (times): the bits of the mask that the mentor has set.
    if filters.days:
        aliases["days_shared"] = F("available_days").bitand(filters.days)
        where.append(Q(days_shared__gt=0))
    if filters.times:
        aliases["times_shared"] = F("available_times").bitand(filters.times)
        where.append(Q(times_shared__gt=0))

    ordering: list = []
    if filters.q and uses_full_text():
        query = SearchQuery(filters.q, config="english", search_type="websearch")
        where.append(Q(search_vector=query))
        aliases["rank"] = SearchRank(F("search_vector"), query)
        ordering.append(F("rank").desc())
    elif filters.q:
        where += [Q(search_text__icontains=word) for word in _words(filters.q)]
    if viewer.is_mentee:
        # Paused mentors last: a mentee is looking for someone who can say yes.
        aliases["shared"] = _shared_score(viewer)
        ordering += ["is_paused", F("shared").desc()]
    mentors = MentorProfile.objects.published().alias(**aliases).filter(*where)
    return mentors.order_by(*ordering, "last_name", "first_name", "pk")


def result_page(mentors: QuerySet, requested: str | None) -> Page:
    """One page of mentor ids, and how many match in all, from a single query.

    The total rides along as a window count (COUNT(*) OVER ()), so there is no
    separate COUNT query; over the ten benchmark searches it measured faster
    than a scalar COUNT subquery, which scans the matches a second time.
    A page past the end (an old link) falls back to the last page.
    """
    try:
        number = min(max(int(requested or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1

    def rows(number: int) -> list[tuple[int, int]]:
        start = (number - 1) * PAGE_SIZE
        counted = mentors.annotate(total=Window(Count("*"))).values_list("pk", "total")
        return list(counted[start : start + PAGE_SIZE])

    found = rows(number)
    if not found and number > 1:
        number = max(ceil(mentors.count() / PAGE_SIZE), 1)
        found = rows(number)
    paginator = Paginator(mentors, PAGE_SIZE)
    paginator.count = found[0][1] if found else 0  # known already: no COUNT query
    return Page([pk for pk, _ in found], number, paginator)


# --- What each card shows ----------------------------------------------------------------

CARD_VALUES = (
    "pk",
    "first_name",
    "last_name",
    "pronouns",
    "photo_thumbnail",
    "supportt_experience",
    "motivation",
    "available_days",
    "available_times",
    "meets_face_to_face",
    "face_to_face_location",
    "meets_virtually",
    "capacity",
    "is_paused",
    "status",
    "grade_id",
    "school_id",
    "trust_id",
)


@dataclass(frozen=True)
class MentorCard:
    """One search result, as plain values: the same values always draw the same card."""

    pk: int
    name: str
    pronouns: str
    grade: str
    school: str
    trust: str
    has_photo: bool
    teaser: str
    days: tuple[str, ...]
    times: tuple[str, ...]
    in_person: str | None  # where they meet in person ("" if not said); None: they do not
    platforms: tuple[str, ...] | None  # None: they do not meet by video or phone
    taking_requests: bool
    not_taking_reason: str
    reasons: tuple[str, ...]  # why suggested: "Same school", "Same region"...


def teaser(text: str) -> str:
    """The first sentence, kept to one line or so."""
    text = " ".join(text.split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(first) <= TEASER_LENGTH:
        return first
    return first[:TEASER_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def shared_reasons(school_id: int, trust_id: int, viewer: Viewer) -> tuple[str, ...]:
    """Why a mentor is suggested, in the words shown on their card."""
    if not viewer.is_mentee:
        return ()
    reasons = []
    if viewer.school_id and school_id == viewer.school_id:
        reasons.append("Same school")
    if viewer.trust_id and trust_id == viewer.trust_id:
        reasons.append("Same trust")
    elif trust_id in viewer.region_trust_ids:
        reasons.append("Same region")
    return tuple(reasons)


class _RequestState:
    """The three values the workflow's mentor_availability() reads, without a whole model."""

    def __init__(self, *, status: str, is_paused: bool, capacity: int, **other) -> None:
        self.status, self.is_paused, self.capacity = status, is_paused, capacity


def mentor_cards(ids: list[int], viewer: Viewer, reference: ReferenceData) -> list[MentorCard]:
    """One page of cards, in the order of `ids`: two queries whatever the page size."""
    # One row per mentor and platform (a LEFT JOIN): the bios and their platforms at once.
    bios = MentorProfile.objects.filter(pk__in=ids).order_by()
    rows: dict[int, dict] = {}
    platform_ids: dict[int, list[int]] = {}
    for row in bios.values(*CARD_VALUES, "virtual_platforms"):
        rows.setdefault(row["pk"], row)
        if row["virtual_platforms"] is not None:
            platform_ids.setdefault(row["pk"], []).append(row["virtual_platforms"])
    names = reference.names
    loads = places_taken(ids, for_mentee=viewer.user_id if viewer.is_mentee else None)
    unknown = (len(reference.platform_position), "")

    cards = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:  # gone between the two queries
            continue
        # Whether they take requests: the workflow's one rule, on the values loaded here.
        availability = mentor_availability(_RequestState(**row), load=loads.get(pk, 0))
        platforms = sorted(
            reference.platform_position.get(p, unknown) for p in platform_ids.get(pk, [])
        )
        cards.append(
            MentorCard(
                pk=pk,
                name=f"{row['first_name']} {row['last_name']}",
                pronouns=row["pronouns"],
                grade=names["grades"].get(row["grade_id"], ""),
                school=names["schools"].get(row["school_id"], ""),
                trust=names["trusts"].get(row["trust_id"], ""),
                has_photo=bool(row["photo_thumbnail"]),
                teaser=teaser(row["supportt_experience"] or row["motivation"] or ""),
                days=tuple(flags_labels(row["available_days"], WEEKDAYS)),
                times=tuple(flags_labels(row["available_times"], TIMES_OF_DAY)),
                in_person=row["face_to_face_location"] if row["meets_face_to_face"] else None,
                platforms=tuple(name for _, name in platforms if name)
                if row["meets_virtually"]
                else None,
                taking_requests=availability.taking_requests,
                not_taking_reason=availability.reason
                + (" You can join their waiting list." if availability.waiting_list_open else ""),
                reasons=shared_reasons(row["school_id"], row["trust_id"], viewer),
            )
        )
    return cards


# --- Drawing, once per distinct content ---------------------------------------------------


def _memoised(render: Callable[..., str]) -> Callable[..., SafeString]:
    """Reuse what `render` drew for the same arguments (hashable values, nothing else).

    The NHS.UK component macros are the slowest part of the page. A card or a
    filter panel depends on nothing but its arguments, so what was drawn once can
    be reused exactly; nothing can go stale. While templates reload on change
    (DEBUG), it draws afresh each time so template edits show.
    """
    cached = lru_cache(maxsize=4096)(render)

    @wraps(render)
    def wrapper(*args) -> SafeString:
        draw = render if engines["jinja2"].env.auto_reload else cached
        return mark_safe(draw(*args))  # noqa: S308 - our own template, autoescaped

    return wrapper


def _render(template: str, context: dict) -> str:
    return engines["jinja2"].env.get_template(template).render(context)


@_memoised
def card_html(card: MentorCard) -> str:
    return _render("register/search_card.jinja", {"card": card})


@_memoised
def filter_panel_html(
    params: tuple[tuple[str, tuple[str, ...]], ...],
    offer_own_trust: bool,
    reference: ReferenceData,
) -> str:
    """The filter panel for these query-string values: its form is built from them alone."""
    data = QueryDict(mutable=True)
    for key, values in params:
        data.setlist(key, list(values))
    form = MentorSearchForm(data, choices=reference, offer_own_trust=offer_own_trust)
    form.is_valid()
    return _render("register/search_filters.jinja", {"form": form})


def filter_values(params: QueryDict) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The filters in the query string, in a fixed order (a key for filter_panel_html)."""
    return tuple(
        (key, tuple(params.getlist(key)))
        for key in sorted(params)
        if key in MentorSearchForm.base_fields
    )


# --- Links: removing one filter, pages -----------------------------------------------------


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    query: str  # the query string without this filter


def _without(params: QueryDict, key: str, value: str | None = None) -> str:
    kept = _filters_query(params)
    return urlencode([(k, v) for k, v in kept if not (k == key and (value is None or v == value))])


def active_filters(form: MentorSearchForm, filters: Filters, params: QueryDict) -> list:
    """Each filter in use, with a link that removes just that one."""

    def choice_label(name: str, value) -> str:
        return str(dict(form.fields[name].choices).get(value, value))

    found: list[ActiveFilter] = []
    if filters.q:
        found.append(ActiveFilter(f"words “{filters.q}”", _without(params, "q")))
    for name in ("school", "grade", "trust", "gender", "platform"):
        value = getattr(filters, name)
        if value:
            label = f"{form.fields[name].label.lower()}: {choice_label(name, value)}"
            found.append(ActiveFilter(label, _without(params, name)))
    if filters.not_my_trust:
        found.append(ActiveFilter("outside my own trust", _without(params, "not_my_trust")))
    if filters.meeting:
        found.append(
            ActiveFilter(
                choice_label("meeting", filters.meeting).lower(), _without(params, "meeting")
            )
        )
    if filters.location:
        found.append(ActiveFilter(f"near “{filters.location}”", _without(params, "location")))
    for name, choices in (("days", WEEKDAYS), ("times", TIMES_OF_DAY)):
        mask = getattr(filters, name)
        for bit, label in choices:
            if mask & bit:
                label = label if name == "days" else label.lower()  # "Monday", "evenings"
                found.append(ActiveFilter(label, _without(params, name, str(bit))))
    return found


def _filters_query(params: QueryDict) -> tuple[tuple[str, str], ...]:
    """The query string's values without the page number, in their order."""
    return tuple((k, v) for k, values in params.lists() for v in values if k != "page" and v != "")


def _page_href(kept: tuple[tuple[str, str], ...], number: int) -> str:
    return "?" + urlencode([*kept, ("page", str(number))] if number > 1 else kept)


@_memoised
def _pagination_html(number: int, last: int, kept: tuple[tuple[str, str], ...]) -> str:
    wanted = {1, last, *range(number - 2, number + 3)}
    items: list[dict] = []
    previous = 0
    for n in sorted(n for n in wanted if 1 <= n <= last):
        if n - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": _page_href(kept, n), "current": n == number})
        previous = n
    params = {
        "previous": {"href": _page_href(kept, number - 1)} if number > 1 else None,
        "next": {"href": _page_href(kept, number + 1)} if number < last else None,
        "items": items,
    }
    return _render("register/search_pagination.jinja", {"pagination": params})


def pagination(page: Page, params: QueryDict) -> SafeString:
    """The NHS.UK pagination (previous, next, first, last and two either side), or nothing."""
    last = page.paginator.num_pages
    if last < 2:
        return mark_safe("")
    return _pagination_html(page.number, last, _filters_query(params))
