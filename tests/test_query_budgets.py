"""Query budgets: each page reads at most PAGE_BUDGET queries besides the session's own,
and as many with a long history as with a short one.

Each page is measured twice as its data grows from FEW to MANY rows (mentors, requests,
partnerships, meetings); the search page has its own budget test (tests/test_search.py).
The session's own queries are what every logged-in request pays before the page starts:
reading the session and the user it names, and, at most once a minute, saving it (a first
request before each measure makes that save, so the measure reads only the page).
"""

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from register.models import MentorStatus
from requests_app.models import MeetingState, PartnershipState, RequestState
from tests.factories import (
    MeetingFactory,
    MenteeFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    give_two_factor,
)

PAGE_BUDGET = 6
# The mentor's dashboard also reads their own training records and supervision
# arrangement, one query each, whatever else the page shows.
MENTOR_DASHBOARD_BUDGET = PAGE_BUDGET + 2
FEW, MANY = 2, 30


class OverBudget(AssertionError):
    """More queries than the budget, though as many with MANY rows as with FEW."""


def is_the_sessions_own(sql: str) -> bool:
    """The session's row, or its user read by primary key (AuthenticationMiddleware)."""
    return '"django_session"' in sql or (
        sql.startswith('SELECT "accounts_user"."id"') and 'WHERE "accounts_user"."id" =' in sql
    )


def page_queries(client, url: str) -> list[str]:
    """The SQL a GET of `url` runs, leaving out the session's own."""
    assert client.get(url).status_code == 200  # the session's save, if one is due
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries if not is_the_sessions_own(q["sql"])]


def assert_within_budget(
    client, url: str, grow: Callable[[int], None], *, budget: int = PAGE_BUDGET
) -> None:
    """Grow the data to FEW, measure, grow it to MANY, measure: both within the budget."""
    counts = []
    for size in (FEW, MANY):
        grow(size)
        queries = page_queries(client, url)
        counts.append(len(queries))
    listed = "\n".join(queries)
    assert counts[0] == counts[1], f"{url}: {counts} queries with {FEW} and {MANY}:\n{listed}"
    if counts[1] > budget:
        raise OverBudget(f"{url}: {counts[1]} queries, budget {budget}:\n{listed}")


def growing(make: Callable[[], object]) -> Callable[[int], None]:
    """A grow(size) that calls make() until it has made `size` in all."""
    made = []

    def grow(size: int) -> None:
        while len(made) < size:
            made.append(make())

    return grow


def ended_partnership(**kwargs):
    return PartnershipFactory(
        state=PartnershipState.COMPLETED, request__state=RequestState.ACCEPTED, **kwargs
    )


# --- Pages for mentees and mentors ---------------------------------------------------------


@pytest.mark.parametrize("persona", ["mentee", "mentor"])
def test_the_sessions_user_comes_with_both_profiles(db, client, request, persona):
    """Whether the user is a mentee or a mentor is read with the user, not asked again."""
    client.force_login(request.getfixturevalue(persona))
    queries = page_queries(client, reverse("dashboard"))
    assert not [
        q
        for q in queries
        if q.startswith(('SELECT "accounts_menteeprofile"', 'SELECT "register_mentorprofile"'))
    ]


def test_mentor_profile(client, mentee, mentor):
    """A mentee reads a mentor's bio: the mentor's past mentees and the mentee's own past
    requests do not add queries."""
    profile = mentor.mentor_profile
    client.force_login(mentee)

    def make():
        ended_partnership(request__mentor=profile)
        MentoringRequestFactory(mentee=mentee, state=RequestState.REJECTED)

    assert_within_budget(client, reverse("mentor_profile", args=[profile.pk]), growing(make))


def test_mentee_dashboard(client, mentee):
    """One pending request and one open partnership at a time; a history of the rest."""
    PartnershipFactory(request__mentee=mentee, state=PartnershipState.ACTIVE)
    MentoringRequestFactory(mentee=mentee, state=RequestState.PENDING)

    def make():
        partnership = ended_partnership(request__mentee=mentee)
        MeetingFactory(partnership=partnership, state=MeetingState.HELD)
        MentoringRequestFactory(mentee=mentee, state=RequestState.EXPIRED)

    client.force_login(mentee)
    assert_within_budget(client, reverse("dashboard"), growing(make))


def test_mentor_dashboard(client, mentor):
    profile = mentor.mentor_profile
    profile.capacity = 10
    profile.save()

    def make():
        """Open partnerships up to the mentor's capacity, then ended ones."""
        if len(made) < profile.capacity:
            partnership = PartnershipFactory(request__mentor=profile, state=PartnershipState.ACTIVE)
            MeetingFactory(partnership=partnership, state=MeetingState.PLANNED)
        else:
            partnership = ended_partnership(request__mentor=profile)
            MeetingFactory(partnership=partnership, state=MeetingState.HELD)
        MentoringRequestFactory(mentor=profile, state=RequestState.PENDING)
        made.append(partnership)

    made: list = []
    ended_partnership(request__mentor=profile)  # so both sizes have a page of past ones
    client.force_login(mentor)
    assert_within_budget(
        client, reverse("dashboard"), growing(make), budget=MENTOR_DASHBOARD_BUDGET
    )


def test_partnership_page(client, mentee, mentor):
    partnership = PartnershipFactory(
        request__mentee=mentee, request__mentor=mentor.mentor_profile, state=PartnershipState.ACTIVE
    )
    start = datetime.datetime(2026, 1, 5, 18, tzinfo=datetime.UTC)
    made = []

    def make():
        MeetingFactory(
            partnership=partnership,
            starts_at=start + datetime.timedelta(days=7 * len(made)),
            state=MeetingState.HELD,
        )
        made.append(1)

    client.force_login(mentee)
    url = reverse("requests:partnership", args=[partnership.pk])
    assert_within_budget(client, url, lambda size: [make() for _ in range(size - len(made))])


# --- Admin lists -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, scheme_admin, settings):
    """A scheme admin with two-factor authentication, as production requires."""
    settings.ADMIN_REQUIRE_MFA = True
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)
    return client


# Django admin's own reads come first on every list: two-factor (ADMIN_REQUIRE_MFA) and the
# user's permissions (one query for their own and their groups'), then the count and the
# rows. On top: the bios' four reference-list filters read together (one query), and the
# date hierarchy of requests and partnerships (its range and its days: two).


def test_admin_list_of_mentor_bios(admin_client):
    def make():
        MentorProfileFactory(with_login=True, status=MentorStatus.PUBLISHED)

    assert_within_budget(admin_client, "/admin/register/mentorprofile/", growing(make))


def test_admin_list_of_requests(admin_client):
    def make():
        MentoringRequestFactory(mentee=MenteeFactory(), mentor=MentorProfileFactory())

    assert_within_budget(admin_client, "/admin/requests_app/mentoringrequest/", growing(make))


def test_admin_list_of_partnerships(admin_client):
    def make():
        MeetingFactory(partnership=PartnershipFactory(state=PartnershipState.ACTIVE))

    assert_within_budget(admin_client, "/admin/requests_app/partnership/", growing(make))
