"""History lists 20 rows a page, with the NHS.UK pagination, at a fixed number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app.models import RequestState
from tests.factories import MenteeFactory, MentoringRequestFactory


def mentee_history(mentee, count: int) -> list[int]:
    """`count` declined requests, newest first (the order the page lists them in)."""
    start = timezone.now() - datetime.timedelta(days=count + 1)
    made = [
        MentoringRequestFactory(
            mentee=mentee,
            state=RequestState.REJECTED,
            created_at=start + datetime.timedelta(days=n),
        )
        for n in range(count)
    ]
    return [r.pk for r in reversed(made)]


def mentor_history(mentor, count: int) -> list[int]:
    """`count` answered requests to the mentor, in the page's order (by answer deadline)."""
    start = timezone.now() - datetime.timedelta(days=count + 10)
    profile = mentor.mentor_profile
    return [
        MentoringRequestFactory(
            mentor=profile,
            mentee=MenteeFactory(),
            state=RequestState.REJECTED,
            created_at=start + datetime.timedelta(days=n),
        ).pk
        for n in range(count)
    ]


def listed(html: str, url_name: str) -> list[int]:
    prefix = re.escape(reverse(url_name, args=[0])[: -len("0/")])
    return [int(pk) for pk in re.findall(rf'href="{prefix}(\d+)/"', html)]


LISTS = {
    # persona, list URL, row link, history maker
    "mentee": ("requests:mine", "requests:mentee_detail", mentee_history),
    "mentor": ("requests:incoming", "requests:decide", mentor_history),
}


@pytest.mark.parametrize("persona", LISTS)
def test_a_long_history_is_shown_20_rows_a_page(client, db, request, persona):
    user = request.getfixturevalue(persona)
    url_name, row_name, make = LISTS[persona]
    history = make(user, 25)
    client.force_login(user)

    first = client.get(reverse(url_name)).content.decode()
    second = client.get(reverse(url_name), {"page": 2}).content.decode()

    assert listed(first, row_name) == history[:20]
    assert listed(second, row_name) == history[20:]
    assert 'class="nhsuk-pagination' in first
    assert 'href="?page=2"' in first
    assert 'href="?page=1"' not in second  # page 1 is the bare address
    assert 'href="?"' in second


@pytest.mark.parametrize("persona", LISTS)
@pytest.mark.parametrize("page", ["99", "0", "-1", "two", ""])
def test_a_page_out_of_range_shows_a_page_not_an_error(client, db, request, persona, page):
    user = request.getfixturevalue(persona)
    url_name, row_name, make = LISTS[persona]
    history = make(user, 21)
    client.force_login(user)

    response = client.get(reverse(url_name), {"page": page})

    assert response.status_code == 200
    rows = listed(response.content.decode(), row_name)
    assert rows in (history[:20], history[20:])  # the first or the last page


@pytest.mark.parametrize("persona", LISTS)
def test_a_short_history_has_no_page_links(client, db, request, persona):
    user = request.getfixturevalue(persona)
    url_name, row_name, make = LISTS[persona]
    history = make(user, 20)
    client.force_login(user)

    html = client.get(reverse(url_name)).content.decode()

    assert listed(html, row_name) == history
    assert "nhsuk-pagination" not in html


@pytest.mark.parametrize("persona", LISTS)
def test_the_number_of_queries_does_not_grow_with_the_history(client, db, request, persona):
    user = request.getfixturevalue(persona)
    url_name, _, make = LISTS[persona]
    client.force_login(user)
    counts = []
    for size in (3, 60):
        make(user, size - ((counts and 3) or 0))
        client.get(reverse(url_name))  # the session's own save, once a minute, is not counted
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name), {"page": 2 if size > 20 else 1}).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1], counts
