"""The idle time-out, with the session written at most once a minute (mentoring.sessions)."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TEST_PASSWORD
from tests.test_pages import LOGIN_URL, login_redirect

START = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
IDLE = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)  # SESSION_IDLE_MINUTES


def session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


@pytest.fixture
def clock(db):
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def logged_in(client, mentee, clock):
    response = client.post(LOGIN_URL, {"login": mentee.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def test_someone_active_every_59_seconds_for_two_hours_stays_logged_in(logged_in, clock):
    dashboard = reverse("dashboard")
    active = datetime.timedelta()
    while active < datetime.timedelta(hours=2):
        clock.shift(datetime.timedelta(seconds=59))
        active += datetime.timedelta(seconds=59)
        assert logged_in.get(dashboard).status_code == 200, f"logged out after {active}"


def test_someone_idle_for_the_idle_time_and_a_minute_is_logged_out(logged_in, clock):
    dashboard = reverse("dashboard")
    clock.shift(datetime.timedelta(seconds=30))
    assert logged_in.get(dashboard).status_code == 200  # within the minute: no save

    clock.shift(IDLE + datetime.timedelta(minutes=1))
    response = logged_in.get(dashboard)

    assert login_redirect(response) == (LOGIN_URL, {"next": [dashboard]})


def test_someone_idle_for_a_minute_less_than_the_idle_time_stays_logged_in(logged_in, clock):
    """The other side of the deadline: a session lives the idle time from its last save."""
    dashboard = reverse("dashboard")
    clock.shift(datetime.timedelta(seconds=59))
    assert logged_in.get(dashboard).status_code == 200  # no save: the last one is 59 s old

    clock.shift(IDLE - datetime.timedelta(minutes=1) - datetime.timedelta(seconds=1))

    assert logged_in.get(dashboard).status_code == 200


def test_a_page_within_the_minute_after_a_save_writes_no_session(logged_in, clock):
    dashboard = reverse("dashboard")
    clock.shift(datetime.timedelta(seconds=59))
    with CaptureQueriesContext(connection) as queries:
        assert logged_in.get(dashboard).status_code == 200

    assert session_writes(queries) == []
    assert settings.SESSION_COOKIE_NAME not in logged_in.get(dashboard).cookies  # not re-sent


def test_a_page_a_minute_after_the_last_save_writes_the_session_once(logged_in, clock):
    dashboard = reverse("dashboard")
    clock.shift(datetime.timedelta(seconds=60))
    with CaptureQueriesContext(connection) as queries:
        response = logged_in.get(dashboard)

    assert response.status_code == 200
    assert len([sql for sql in session_writes(queries) if "UPDATE" in sql.upper()]) == 1
    session = Session.objects.get(session_key=response.cookies[settings.SESSION_COOKIE_NAME].value)
    assert session.expire_date == START + datetime.timedelta(seconds=60) + IDLE

    clock.shift(datetime.timedelta(seconds=59))
    with CaptureQueriesContext(connection) as queries:
        logged_in.get(dashboard)
    assert session_writes(queries) == []  # counted from the new save


def test_an_anonymous_visitor_gets_no_session(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))

    assert session_writes(queries) == []
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_logging_out_ends_the_session_for_good(logged_in, clock):
    clock.shift(datetime.timedelta(minutes=5))
    logged_in.post(reverse("account_logout"))

    response = logged_in.get(reverse("dashboard"))

    assert response.status_code == 302
