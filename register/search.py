"""Searching the register: who may search, the filters, the query and the cards.

Free text uses PostgreSQL's full-text search where it is available (the stored,
GIN-indexed MentorProfile.search_vector, ranked with ts_rank) and a simple
fallback elsewhere (every word must appear in MentorProfile.search_text). Both
columns are computed by the database on every write, so nothing here has to be
called to keep them current.

A page costs two queries whatever its size: one statement for the page of
mentors with their bios, platforms and the total (see result_page), and the
places taken with them (requests_app.availability); the reference
lists are cached. Drawing the NHS.UK components and reading the query string
through the filter form cost more than the queries, so the filter panel, each
card and what a query string asks for are worked out once per distinct content
and reused (_memoised). Nothing that depends on the mentors themselves is kept.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache, wraps
from math import ceil
from typing import TypeVar
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.http import QueryDict
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from accounts.rules import is_mentee, is_scheme_admin
from register.fields import FlagsFormField, flags_labels
from register.models import (
    Gender,
    Grade,
    MentorProfile,
    MentorStatus,
    School,
    TimeOfDay,
    Trust,
    VirtualPlatform,
    Weekday,
    versioned_photo_url,
)
from requests_app.availability import availability_of, places_taken_expression

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
#
# Written as SQL rather than built with the ORM: building and compiling the
# querysets took longer than PostgreSQL took to run most searches. Conditions
# and order keys are on the alias `m` (a MentorProfile row); each piece of SQL
# goes with its parameters, in the order of its placeholders. Values are
# always parameters, never part of the SQL.

MENTORS = MentorProfile._meta.db_table
MENTOR_PLATFORMS = MentorProfile.virtual_platforms.through._meta.db_table
TSQUERY = "websearch_to_tsquery('english'::regconfig, %s)"
# The mentor offers a platform (the parameter).
ON_PLATFORM = f"""m.id IN (
    SELECT mentorprofile_id FROM {MENTOR_PLATFORMS} WHERE virtualplatform_id = %s
)"""  # noqa: S608 - the platform is a parameter


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _contains(column: str, text: str) -> tuple[str, str]:
    """`column` contains `text`, ignoring case: what Django writes for __icontains.

    UPPER(column::text) LIKE UPPER(%s) on PostgreSQL, column LIKE %s on SQLite,
    with % and _ in the text escaped.
    """
    lhs = connection.ops.lookup_cast("icontains", "TextField") % column
    pattern = f"%{connection.ops.prep_for_like_query(text)}%"
    return f"{lhs} {connection.operators['icontains'] % '%s'}", pattern


class Order:
    RELEVANCE = "relevance"
    SUGGESTED = "suggested"
    NAME = "name"


def order_for(filters: Filters, viewer: Viewer) -> str:
    """Best match first for free text (PostgreSQL), else suggestions for mentees, else name."""
    if filters.q and uses_full_text():
        return Order.RELEVANCE
    return Order.SUGGESTED if viewer.is_mentee else Order.NAME


def _shared_score(viewer: Viewer) -> tuple[str, list]:
    """What the mentee shares with the mentor, as a sum of weights ("" if they cannot share)."""
    terms: list[str] = []
    params: list = []

    def score(condition: str, values, weight: int) -> None:
        terms.append(f"CASE WHEN {condition} THEN {weight:d} ELSE 0 END")
        params.extend(values)

    if viewer.school_id:
        score("m.school_id = %s", [viewer.school_id], SAME_SCHOOL_WEIGHT)
    if viewer.trust_id:
        score("m.trust_id = %s", [viewer.trust_id], SAME_TRUST_WEIGHT)
    if viewer.region_trust_ids:
        region = sorted(viewer.region_trust_ids)
        score(f"m.trust_id IN ({', '.join(['%s'] * len(region))})", region, SAME_REGION_WEIGHT)
    return " + ".join(terms), params


@dataclass(frozen=True)
class MentorQuery:
    """Published mentors matching every filter (`where`), in the order that suits the viewer."""

    where: str
    where_params: tuple
    order: str
    order_params: tuple
    narrowed: bool  # a filter is in use, not just "published, and not yourself"

    def count_sql(self) -> tuple[str, tuple]:
        sql = f"SELECT COUNT(*) FROM {MENTORS} m WHERE {self.where}"  # noqa: S608 - values are parameters
        return sql, self.where_params


def search_mentors(filters: Filters, viewer: Viewer) -> MentorQuery:
    """Only the filters in use become conditions; result_page() runs the query.

    On PostgreSQL, counting and ordering then read nothing but the narrow search
    index (migration 0002); free text finds its matches in the GIN index and
    ranks them by their documents.
    """
    where = ["m.status = %s", "(m.user_id IS NULL OR m.user_id <> %s)"]  # never yourself
    params: list = [MentorStatus.PUBLISHED.value, viewer.user_id]

    def require(condition: str, *values) -> None:
        where.append(condition)
        params.extend(values)

    if filters.school:
        require("m.school_id = %s", filters.school)
    if filters.grade:
        require("m.grade_id = %s", filters.grade)
    if filters.trust:
        require("m.trust_id = %s", filters.trust)
    if filters.not_my_trust and viewer.trust_id:
        require("m.trust_id <> %s", viewer.trust_id)
    if filters.gender:
        require("m.gender = %s", filters.gender)
    if filters.meeting == Meeting.FACE_TO_FACE or filters.location:
        require("m.meets_face_to_face")
    if filters.location:
        require(*_contains("m.face_to_face_location", filters.location))
    if filters.meeting == Meeting.VIRTUAL or filters.platform:
        require("m.meets_virtually")
    if filters.platform:
        require(ON_PLATFORM, filters.platform)
    # Any of the chosen days (times): the bits of the mask that the mentor has set.
    if filters.days:
        require("(m.available_days & %s) > 0", filters.days)
    if filters.times:
        require("(m.available_times & %s) > 0", filters.times)

    order: list[str] = []
    order_params: list = []
    if filters.q and uses_full_text():
        require(f"m.search_vector @@ {TSQUERY}", filters.q)
        order.append(f"ts_rank(m.search_vector, {TSQUERY}) DESC")
        order_params.append(filters.q)
    elif filters.q:
        for word in _words(filters.q):
            require(*_contains("m.search_text", word))
    if viewer.is_mentee:
        # Paused mentors last: a mentee is looking for someone who can say yes.
        order.append("m.is_paused")
        shared, shared_params = _shared_score(viewer)
        if shared:
            order.append(f"{shared} DESC")
            order_params += shared_params
    order += ["m.last_name", "m.first_name", "m.id"]
    return MentorQuery(
        where=" AND ".join(where),
        where_params=tuple(params),
        order=", ".join(order),
        order_params=tuple(order_params),
        narrowed=len(where) > 2,
    )


# What a card shows, read with the page of mentors.
CARD_COLUMNS = (
    "id",
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
CARD_SELECT = ", ".join(f"m.{column}" for column in CARD_COLUMNS)


def _page_statement(query: MentorQuery, number: int) -> tuple[str, list]:
    """One page of mentors with their bios and platforms, and how many match in all.

    The inner query orders and counts the matches from narrow rows (on
    PostgreSQL, the search index of migration 0002 alone, unless free text
    ranks the matches by their documents); only the page's rows are then read
    whole, with a row for each of their platforms, in the same order.

    The total rides along as a window count, which costs little when filters
    leave a part of the register. With no filter, a separate count of the index
    is cheaper than carrying every mentor through the window.
    """
    if query.narrowed:
        total, total_params = "COUNT(*) OVER ()", ()
    else:
        count, total_params = query.count_sql()
        total = f"({count})"
    sql = f"""
        SELECT page.total, {CARD_SELECT}, p.virtualplatform_id
        FROM (
            SELECT m.id, {total} AS total FROM {MENTORS} m WHERE {query.where}
            ORDER BY {query.order} LIMIT %s OFFSET %s
        ) page
        JOIN {MENTORS} m ON m.id = page.id
        LEFT JOIN {MENTOR_PLATFORMS} p ON p.mentorprofile_id = m.id
        ORDER BY {query.order}
    """  # noqa: S608 - every value is a parameter
    params = [
        *total_params,
        *query.where_params,
        *query.order_params,
        PAGE_SIZE,
        (number - 1) * PAGE_SIZE,
        *query.order_params,
    ]
    return sql, params


def _mentors_on_page(query: MentorQuery, number: int) -> tuple[list[dict], int]:
    """The page's mentors in order, each with "platform_ids", and the total."""
    with connection.cursor() as cursor:
        cursor.execute(*_page_statement(query, number))
        rows = cursor.fetchall()
    mentors: dict[int, dict] = {}
    for _total, *values, platform_id in rows:
        mentor = mentors.get(values[0])
        if mentor is None:
            mentor = mentors[values[0]] = dict(zip(CARD_COLUMNS, values, strict=True))
            mentor["platform_ids"] = []
        if platform_id is not None:
            mentor["platform_ids"].append(platform_id)
    return list(mentors.values()), rows[0][0] if rows else 0


def _count(query: MentorQuery) -> int:
    with connection.cursor() as cursor:
        cursor.execute(*query.count_sql())
        return cursor.fetchone()[0]


def result_page(query: MentorQuery, requested: str | None) -> Page:
    """One page of mentors (rows of CARD_COLUMNS with "platform_ids") from one statement.

    A page past the end (an old link) falls back to the last page.
    """
    try:
        number = min(max(int(requested or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1
    mentors, total = _mentors_on_page(query, number)
    if not mentors and number > 1:
        number = max(ceil(_count(query) / PAGE_SIZE), 1)
        mentors, total = _mentors_on_page(query, number)
    paginator = Paginator((), PAGE_SIZE)
    paginator.count = total  # known already: no COUNT query
    return Page(mentors, number, paginator)


# --- What each card shows ----------------------------------------------------------------


@dataclass(frozen=True)
class MentorCard:
    """One search result, as plain values: the same values always draw the same card."""

    pk: int
    name: str
    pronouns: str
    grade: str
    school: str
    trust: str
    photo_url: str  # the thumbnail's address, or ""
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


def mentor_cards(mentors: list[dict], viewer: Viewer, reference: ReferenceData) -> list[MentorCard]:
    """The cards of one page of mentors (see result_page), in their order: one query."""
    names = reference.names
    loads = dict(
        MentorProfile.objects.filter(pk__in=[row["id"] for row in mentors])
        .annotate(
            taken=places_taken_expression(for_mentee=viewer.user_id if viewer.is_mentee else None)
        )
        .values_list("pk", "taken")
    )
    unknown = (len(reference.platform_position), "")

    cards = []
    for row in mentors:
        pk = row["id"]
        # Whether they take requests: the workflow's one rule, on the values loaded here.
        availability = availability_of(
            status=row["status"],
            is_paused=row["is_paused"],
            capacity=row["capacity"],
            taken=loads.get(pk, 0),
        )
        platforms = sorted(reference.platform_position.get(p, unknown) for p in row["platform_ids"])
        cards.append(
            MentorCard(
                pk=pk,
                name=f"{row['first_name']} {row['last_name']}",
                pronouns=row["pronouns"],
                grade=names["grades"].get(row["grade_id"], ""),
                school=names["schools"].get(row["school_id"], ""),
                trust=names["trusts"].get(row["trust_id"], ""),
                photo_url=versioned_photo_url(pk, "small", row["photo_thumbnail"]),
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


Reused = TypeVar("Reused")


def _memoised(work: Callable[..., Reused]) -> Callable[..., Reused]:
    """Reuse what `work` made of the same arguments (hashable values, nothing else).

    The NHS.UK component macros are the slowest part of the page, and the
    filter form comes next. A card, a filter panel or what a query string asks
    for depends on nothing but its arguments, so what was made once can be
    reused exactly; nothing can go stale. While templates reload on change
    (DEBUG), it works afresh each time so template edits show.
    """
    cached = lru_cache(maxsize=4096)(work)

    @wraps(work)
    def wrapper(*args) -> Reused:
        return (work if engines["jinja2"].env.auto_reload else cached)(*args)

    return wrapper


def _render(template: str, context: dict) -> SafeString:
    html = engines["jinja2"].env.get_template(template).render(context)
    return mark_safe(html)  # noqa: S308 - our own template, autoescaped


def _search_form(
    values: tuple[tuple[str, tuple[str, ...]], ...],
    offer_own_trust: bool,
    reference: ReferenceData,
) -> MentorSearchForm:
    """The filter form bound to query-string values kept as tuples (memoisation keys)."""
    data = QueryDict(mutable=True)
    for key, listed in values:
        data.setlist(key, list(listed))
    return MentorSearchForm(data, choices=reference, offer_own_trust=offer_own_trust)


@_memoised
def card_html(card: MentorCard) -> SafeString:
    return _render("register/search_card.jinja", {"card": card})


@_memoised
def filter_panel_html(
    params: tuple[tuple[str, tuple[str, ...]], ...],
    offer_own_trust: bool,
    reference: ReferenceData,
) -> SafeString:
    """The filter panel for these query-string values: its form is built from them alone."""
    form = _search_form(params, offer_own_trust, reference)
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


def active_filters(
    form: MentorSearchForm, filters: Filters, params: QueryDict
) -> tuple[ActiveFilter, ...]:
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
    return tuple(found)


def _filters_query(params: QueryDict) -> tuple[tuple[str, str], ...]:
    """The query string's values without the page number, in their order."""
    return tuple((k, v) for k, values in params.lists() for v in values if k != "page" and v != "")


def _page_href(kept: tuple[tuple[str, str], ...], number: int) -> str:
    return "?" + urlencode([*kept, ("page", str(number))] if number > 1 else kept)


@_memoised
def _pagination_html(number: int, last: int, kept: tuple[tuple[str, str], ...]) -> SafeString:
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


# --- What the query string asks for --------------------------------------------------------


@dataclass(frozen=True)
class SearchTerms:
    """The filters a query string asks for, read through the filter form."""

    filters: Filters
    errors: SafeString  # the error summary for values that are not valid, or ""
    active_filters: tuple[ActiveFilter, ...]


def search_values(params: QueryDict) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Everything in the query string but the page number, in its order (a key for read_search)."""
    return tuple((key, tuple(values)) for key, values in params.lists() if key != "page")


@_memoised
def read_search(
    values: tuple[tuple[str, tuple[str, ...]], ...],
    offer_own_trust: bool,
    reference: ReferenceData,
) -> SearchTerms:
    """What these query-string values ask for: they and the choices on offer decide it all."""
    form = _search_form(values, offer_own_trust, reference)
    filters = form.filters()
    return SearchTerms(
        filters=filters,
        errors=_render("register/search_errors.jinja", {"form": form})
        if form.errors
        else mark_safe(""),
        active_filters=active_filters(form, filters, form.data),
    )
