"""The search page costs the same on a register of any size: a bounded count, a fixed
number of queries, and nothing that reads every match."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register.models import MentorFilters
from requests_app import search
from tests.factories import (
    MentorProfileFactory,
    PartnershipFactory,
    SchoolFactory,
    TrustFactory,
    VirtualPlatformFactory,
    give_two_factor,
)

SEARCH = "/mentors/"
CARD_NAME = re.compile(r'<a class="nhsuk-card__link" href="[^"]*">([^<]+)</a>')
# Besides the session's own: the user and their role (an admin's two-factor too), the
# page of mentors with the count, and their platforms.
QUERY_BUDGET = 6


def names(response) -> list[str]:
    assert response.status_code == 200
    return [unescape(name) for name in CARD_NAME.findall(response.content.decode())]


def page_queries(client, params: dict) -> list[str]:
    """The statements of one search page, less those that read or save the session."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if "django_session" not in q["sql"]]


@pytest.mark.parametrize("persona", ["mentee", "scheme_admin"])
def test_the_search_makes_a_fixed_number_of_queries_whatever_the_register_size(
    client, request, persona
):
    user = request.getfixturevalue(persona)
    if persona == "scheme_admin":
        give_two_factor(user)
    client.force_login(user)
    zoom = VirtualPlatformFactory(name="Zoom")
    params = {"q": "leave", "days": ["1", "4"], "meeting": "virtual", "platform": zoom.pk}

    def add(count: int) -> None:
        for _ in range(count):
            m = MentorProfileFactory(
                supportt_experience="After parental leave I came back part time.",
                virtual_platforms=[zoom, VirtualPlatformFactory()],
            )
            PartnershipFactory(mentor=m, request__mentor=m)

    add(3)
    client.get(SEARCH)  # the reference lists are cached from here on
    small = page_queries(client, params)
    add(30)
    large = page_queries(client, params)

    assert len(small) == len(large) <= QUERY_BUDGET
    # No statement reads every match to count them or to number the rows.
    assert not any("OVER" in sql.upper() for sql in large)


def test_a_large_register_is_counted_up_to_a_limit(client, mentee, monkeypatch):
    monkeypatch.setattr(search, "COUNT_LIMIT", search.PAGE_SIZE + 1)
    for n in range(search.PAGE_SIZE + 3):
        MentorProfileFactory(first_name=f"M{n:02d}", last_name="Mentor")
    client.force_login(mentee)

    with CaptureQueriesContext(connection) as queries:
        first = client.get(SEARCH).content.decode()
    statements = [q["sql"] for q in queries.captured_queries]
    second = client.get(SEARCH, {"page": "2"}).content.decode()

    # The first page stops counting one past the limit; a later page counts past itself.
    assert "More than 21 mentors found" in first
    assert any("LIMIT 22" in sql for sql in statements)
    assert len(CARD_NAME.findall(first)) == search.PAGE_SIZE
    assert "23 mentors found" in second
    assert len(CARD_NAME.findall(second)) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="words are ranked on PostgreSQL only")
@pytest.mark.parametrize("persona", ["mentee", "scheme_admin"])
def test_words_matching_too_many_mentors_are_not_ranked(client, request, persona, monkeypatch):
    """Ranking scores every match: past COUNT_LIMIT the index's order is kept, and said."""
    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    user = request.getfixturevalue(persona)
    if persona == "scheme_admin":
        give_two_factor(user)
    client.force_login(user)
    # By name, the weakest match comes first; by rank, the strongest.
    for last_name, words in [("Adams", "leave"), ("Baker", "leave leave leave")]:
        MentorProfileFactory(last_name=last_name, supportt_experience=words)
    ranked = client.get(SEARCH, {"q": "leave"}).content.decode()
    assert "Best matches for your words come first" in ranked
    assert [n.split()[-1] for n in CARD_NAME.findall(ranked)] == ["Baker", "Adams"]

    for n in range(3):
        MentorProfileFactory(last_name=f"Carter{n}", supportt_experience="parental leave")
    with CaptureQueriesContext(connection) as queries:
        unranked = client.get(SEARCH, {"q": "leave"}).content.decode()

    assert "Too many mentors match your words" in unranked
    assert "Best matches" not in unranked
    assert [n.split()[-1] for n in CARD_NAME.findall(unranked)][:2] == ["Adams", "Baker"]
    assert not any("ts_rank" in q["sql"] for q in queries.captured_queries)


def test_suggestions_read_a_few_mentors_of_each_group_yet_keep_the_order(client, mentee):
    """Each page lists exactly what sorting every mentor would list (see
    MentorQuerySet.among_first_suggestions), for mentors spread over every group."""
    profile = mentee.mentee_profile
    region = TrustFactory(name="Same region", region=profile.trust.region)
    elsewhere = TrustFactory(name="Elsewhere", region="Elsewhere")
    schools = [profile.school, SchoolFactory(name="Other school")]
    for n in range(3 * search.PAGE_SIZE):
        MentorProfileFactory(
            first_name=f"F{n:02d}",
            last_name=f"L{(n * 7) % 13:02d}",
            school=schools[n % 2],
            trust=[profile.trust, region, elsewhere][n % 3],
            is_paused=n % 5 == 0,
        )
    client.force_login(mentee)
    viewer = search.viewer_for(mentee, search.reference_data())
    everyone = search.search_mentors(MentorFilters(), viewer)
    expected = [m.full_name for m in everyone]

    shown = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            shown += names(client.get(SEARCH, {"page": number}))
        if connection.vendor == "postgresql":
            assert any("UNION ALL" in q["sql"] for q in queries.captured_queries)

    assert shown == expected


def test_a_mentor_sharing_everything_comes_first_however_crowded_each_group_is(client, mentee):
    """Each group that reads a few mentors ahead holds only mentors who share at least as
    much as the one it is there for: here both the school and the trust are crowded with
    mentors who share less, and whose names come first."""
    elsewhere = TrustFactory(name="Elsewhere", region="Elsewhere")
    other_school = SchoolFactory(name="Other school")
    for n in range(search.PAGE_SIZE + 5):
        MentorProfileFactory(first_name=f"A{n:02d}", last_name="School", trust=elsewhere)
        MentorProfileFactory(first_name=f"B{n:02d}", last_name="Trust", school=other_school)
    MentorProfileFactory(first_name="Zed", last_name="Zulu")  # the mentee's school and trust
    client.force_login(mentee)

    assert names(client.get(SEARCH))[0] == "Zed Zulu"
