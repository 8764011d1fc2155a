"""Searching the register: who may search, who is searching, and the page of mentors.

The mentors come from named QuerySet methods: register's own (listed, matching,
best_matches_first) and the two that know about requests (MentorQuerySet:
with_places_taken, suggested_for, among_first_suggestions). A page costs two
queries whatever the size of the register: the page of mentors with their places
taken and how many match (counted up to COUNT_LIMIT), and their platforms.
"""

import operator
from dataclasses import dataclass
from functools import cached_property, reduce
from math import ceil
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import OrderBy

from accounts.rules import is_mentee, is_scheme_admin
from register.models import MentorFilters, MentorProfile, MentorProfileQuerySet, VirtualPlatform
from requests_app.availability import places_taken_expression
from scheme.models import Grade, SchemeSettings, School, Trust

PAGE_SIZE = 20
MAX_PAGE = 100_000  # a larger number in a link is treated as "past the end"
# Matches are counted up to here ("more than 1,000 mentors found"), so a page costs
# the same on a register of any size; a later page counts a little past itself.
COUNT_LIMIT = 1_000

# Suggested order for a mentee: what they share with the mentor, most telling first.
SAME_SCHOOL_WEIGHT = 4
SAME_TRUST_WEIGHT = 2
SAME_REGION_WEIGHT = 1


def can_search_register(user) -> bool:
    """Mentees choose from the register; scheme admins look after it."""
    return is_mentee(user) or is_scheme_admin(user)


def register_shown_to(user, scheme: SchemeSettings) -> bool:
    """Whether the register's pages show mentors to this user: scheme admins always;
    mentees when the scheme lets them look (always when they choose their mentor)."""
    return scheme.mentees_see_register or is_scheme_admin(user)


# --- Reference lists -----------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceData:
    """Grades, schools, trusts and platforms as (id, name, is_active), trusts' regions.

    Inactive ones are kept for naming mentors who still have them; the filters
    offer active ones.
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


REFERENCE_CACHE_KEY = "register:search:reference-data:4"
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
    nation: str = ""  # the UK nation they work in (a public health network's mentee)

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
        nation=profile.nation,
        trust_id=profile.trust_id,
        region_trust_ids=frozenset(
            pk for pk, name in reference.trust_regions if region and name == region
        ),
    )


# --- The mentors -----------------------------------------------------------------------


class MentorQuerySet(MentorProfileQuerySet):
    """Register's mentor QuerySet with what needs the requests' tables or the viewer."""

    def with_places_taken(self, *, for_mentee=None) -> "MentorQuerySet":
        """Each mentor's `places_taken` (requests_app.availability, the one rule)."""
        return self.annotate(places_taken=places_taken_expression(for_mentee=for_mentee))

    def suggested_for(self, viewer: Viewer) -> "MentorQuerySet":
        """For a mentee: mentors who have not paused first, then those who share most with
        them (school, trust, region), then the order so far. Others: unchanged."""
        if not viewer.is_mentee:
            return self
        shares = []  # (what they share, its weight)
        if viewer.school_id:
            shares.append((Q(school_id=viewer.school_id), SAME_SCHOOL_WEIGHT))
        if viewer.trust_id:
            shares.append((Q(trust_id=viewer.trust_id), SAME_TRUST_WEIGHT))
        if viewer.region_trust_ids:
            shares.append((Q(trust_id__in=sorted(viewer.region_trust_ids)), SAME_REGION_WEIGHT))
        weights = [Case(When(share, then=Value(w)), default=Value(0)) for share, w in shares]
        # Paused mentors last: a mentee is looking for someone who can say yes.
        order: list[str | OrderBy] = ["is_paused"]
        found = self
        if weights:
            found = found.alias(shared=reduce(operator.add, weights))
            order.append(F("shared").desc())
        return found.order_by(*order, *self.query.order_by)

    def among_first_suggestions(self, viewer: Viewer, count: int) -> "MentorQuerySet":
        """Only the mentors who may be among the first `count` in suggested order.

        Groups the mentors so that each mentor has a group whose members all share at
        least as much with the viewer (see suggested_for): their school and a trust of
        their region, their school, a trust of their region (their own among them), or
        everyone. Whoever is among the first `count` in suggested order is then among
        the first `count` of such a group, in order of pause then name. Each group is
        read in that order from an index (register migrations 0004 and 0006; everyone:
        by name, taking requests or paused) and stops after `count`, so a page sorts a
        few hundred mentors, not the register. Measured at 100,000 mentors (EXPLAIN
        ANALYZE, a mentee's unfiltered page): 2 ms this way against 146 ms sorting every
        mentor. PostgreSQL only: SQLite cannot slice the parts of a UNION, and its
        registers are small.
        """
        if not (viewer.is_mentee and connection.features.supports_slicing_ordering_in_compound):
            return self
        base = self.order_by().values("pk")
        trusts = sorted((viewer.region_trust_ids | {viewer.trust_id}) if viewer.trust_id else ())
        groups = [Q(trust_id=pk) for pk in trusts]
        if viewer.school_id:
            school = Q(school_id=viewer.school_id)
            groups += [school, *(school & group for group in groups)]
        firsts = [
            base.filter(group).order_by("is_paused", "last_name", "first_name", "id")[:count]
            for group in groups
        ]
        firsts += [
            base.filter(is_paused=paused).order_by("last_name", "first_name", "id")[:count]
            for paused in (False, True)
        ]
        return self.filter(pk__in=firsts[0].union(*firsts[1:], all=True))


def mentors() -> MentorQuerySet:
    return MentorQuerySet(model=MentorProfile)


class Order:
    RELEVANCE = "relevance"
    SUGGESTED = "suggested"
    NAME = "name"


def order_for(filters: MentorFilters, viewer: Viewer) -> str:
    """Best match first for free text (PostgreSQL), else suggestions for mentees, else name."""
    if filters.q and connection.vendor == "postgresql":
        return Order.RELEVANCE
    return Order.SUGGESTED if viewer.is_mentee else Order.NAME


def search_mentors(filters: MentorFilters, viewer: Viewer) -> MentorQuerySet:
    """Listed mentors meeting every filter, never the viewer, in suggested order for
    mentees and by name for others (best_matches_first ranks them by the words)."""
    return (
        mentors().listed().matching(filters).exclude(user_id=viewer.user_id).suggested_for(viewer)
    )


def first_matches(found: MentorQuerySet, bound: int) -> QuerySet[MentorProfile, Any]:
    """The ids of at most `bound` + 1 of the mentors `found` holds: what is counted."""
    return found.order_by().values("pk")[: bound + 1]


def bounded_count(found: MentorQuerySet, bound: int | None = None) -> int:
    """How many mentors `found` holds, counted up to `bound` (COUNT_LIMIT) + 1."""
    return first_matches(found, COUNT_LIMIT if bound is None else bound).count()


@dataclass(frozen=True)
class Search:
    """The mentors a search finds, in the order they are shown, and that order's name."""

    found: MentorQuerySet
    order: str
    # Words were given, but too many mentors match them to rank them all.
    too_many_to_rank: bool = False
    count: int | None = None  # already counted (up to COUNT_LIMIT + 1)


def search(filters: MentorFilters, viewer: Viewer) -> Search:
    """The search, ranked by the words when at most COUNT_LIMIT mentors match them.

    Ranking scores every match and no index gives that order: measured at 100,000
    mentors, searches with common words took p95 163-211 ms against 13 ms at 1,000.
    Beyond COUNT_LIMIT matches they are listed by name, read from the name index until
    a page is full, and the page says so; the bounded count that decides costs 0.4 ms.
    (Suggestions read a few from each of up to 16 groups: with words, each group is
    a bitmap of the words' index and the group's, 50-150 ms in all at 100,000 mentors.)
    """
    found = search_mentors(filters, viewer)
    order = order_for(filters, viewer)
    if order != Order.RELEVANCE:
        return Search(found, order)
    count = bounded_count(found)
    if count > COUNT_LIMIT:
        by_name = found.order_by("last_name", "first_name", "id")
        return Search(by_name, Order.NAME, too_many_to_rank=True, count=count)
    return Search(found.best_matches_first(filters.q), order, count=count)


# What a card shows (requests_app.presenters), read with the page of mentors.
CARD_FIELDS = (
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
    "grade",
    "school",
    "trust",
    "organisation",
    "nation",
    "expertise",
)


class CountOf(Subquery):
    """How many rows a queryset has, as a column: read once per statement, not per row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


@dataclass(frozen=True)
class ResultPage:
    page: Page
    more_than: int | None  # the count stopped here: there are more matches than this


def _page_of(
    found: MentorQuerySet, number: int, viewer: Viewer, order: str, counted: int | None
) -> tuple[list, int, int]:
    """The mentors on page `number`, how many match (counted up to `bound` + 1), and `bound`.

    One statement: the bounded count rides along as a column of each row, unless
    `counted` (up to COUNT_LIMIT + 1) already says, for a page within it.
    """
    bound = max(COUNT_LIMIT, number * PAGE_SIZE)
    start = (number - 1) * PAGE_SIZE
    known = counted if counted is not None and bound == COUNT_LIMIT else None
    shown = found
    if order == Order.SUGGESTED:
        shown = found.among_first_suggestions(viewer, start + PAGE_SIZE)
    shown = shown.with_places_taken(for_mentee=viewer.user_id if viewer.is_mentee else None)
    if known is None:
        shown = shown.annotate(matches=CountOf(first_matches(found, bound)))
    rows = list(
        shown.only(*CARD_FIELDS).prefetch_related("virtual_platforms")[start : start + PAGE_SIZE]
    )
    if known is not None:
        return rows, known, bound
    if rows:
        first: Any = rows[0]  # with its `matches` annotation
        return rows, first.matches, bound
    # Past the end (an old link): count apart, then show the last page.
    return rows, bounded_count(found, bound), bound


def result_page(searched: Search, requested: str | None, viewer: Viewer) -> ResultPage:
    """One page of mentors with their places taken and platforms (prefetched), and how
    many match: at most COUNT_LIMIT, or past the page asked for, are counted.

    A page past the end (an old link) falls back to the last page.
    """
    try:
        number = min(max(int(requested or 1), 1), MAX_PAGE)
    except ValueError:
        number = 1
    found, order = searched.found, searched.order
    rows, count, bound = _page_of(found, number, viewer, order, searched.count)
    if not rows and count:
        number = ceil(count / PAGE_SIZE)
        rows, count, bound = _page_of(found, number, viewer, order, searched.count)
    paginator = Paginator((), PAGE_SIZE)
    paginator.count = count  # known already: no COUNT(*) query
    return ResultPage(
        Page(rows, max(number, 1), paginator), more_than=bound if count > bound else None
    )
