"""The scheme figures page shows a period's figures worked out at most two minutes
before: the worker works out the standard periods' every minute, and moving through the
page's tables (a page of mentors, another order, a page of comments) reads them back
rather than asking the database again; "Work the figures out again" asks now; after
two minutes, the next view asks."""

import datetime

import pytest
import time_machine
from celery.schedules import crontab
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring import celery_app
from register.models import MentorStatus
from reports.tasks import refresh_scheme_figures
from tests.factories import MentorProfileFactory, give_two_factor

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 15, 10, 4, tzinfo=datetime.UTC)
PAGE = reverse("reports:dashboard")
BIOS_WAITING = "Bios waiting for review"


def bios_waiting(response) -> str:
    """The number beside "Bios waiting for review" in the page's first table."""
    html = response.content.decode()
    start = html.index(BIOS_WAITING)
    cell = html.index("<td", start)
    return html[html.index(">", cell) + 1 : html.index("</td>", cell)].strip()


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin_client(client, scheme_admin):
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)
    return client


def test_figures_are_kept_for_two_minutes_then_worked_out_again(admin_client, clock):
    MentorProfileFactory(status=MentorStatus.SUBMITTED)
    first = admin_client.get(PAGE)
    assert bios_waiting(first) == "1"
    assert "Worked out at 10:04 on Tuesday 15 December 2026:" in first.content.decode()

    MentorProfileFactory(status=MentorStatus.SUBMITTED)
    clock.shift(datetime.timedelta(seconds=119))
    assert bios_waiting(admin_client.get(PAGE + "?sort=median")) == "1"  # kept

    clock.shift(datetime.timedelta(seconds=2))
    later = admin_client.get(PAGE)
    assert bios_waiting(later) == "2"  # two minutes passed: asked again
    assert "Worked out at 10:06" in later.content.decode()


def test_work_the_figures_out_again_asks_now_and_keeps_the_page_address(admin_client):
    MentorProfileFactory(status=MentorStatus.SUBMITTED)
    page = admin_client.get(PAGE + "?period=month&sort=p90")
    assert bios_waiting(page) == "1"
    html = page.content.decode()
    assert 'href="/scheme-figures/?period=month&amp;sort=p90&amp;fresh=1"' in html

    MentorProfileFactory(status=MentorStatus.SUBMITTED)
    again = admin_client.get(PAGE + "?period=month&sort=p90&fresh=1")
    assert again.status_code == 303
    assert again["Location"] == "/scheme-figures/?period=month&sort=p90"
    assert bios_waiting(admin_client.get(again["Location"])) == "2"


def test_each_period_is_kept_apart(admin_client):
    MentorProfileFactory(status=MentorStatus.SUBMITTED)
    assert bios_waiting(admin_client.get(PAGE + "?period=month")) == "1"
    MentorProfileFactory(status=MentorStatus.SUBMITTED)
    assert bios_waiting(admin_client.get(PAGE + "?period=year")) == "2"
    assert bios_waiting(admin_client.get(PAGE + "?period=month")) == "1"


def test_a_kept_page_asks_the_database_only_for_the_log_in_and_the_comments(admin_client):
    with CaptureQueriesContext(connection) as worked_out:
        admin_client.get(PAGE)
    with CaptureQueriesContext(connection) as kept:
        response = admin_client.get(PAGE + "?sort=expired")
    assert response.status_code == 200
    figures = [q["sql"] for q in kept.captured_queries if "requests_app" in q["sql"]]
    # The comments are read a page at a time, from the database, on every view.
    assert all("requests_app_feedback" in sql for sql in figures), figures
    assert len(kept) <= 6 < 30 <= len(worked_out)


def test_the_worker_works_out_the_standard_periods_for_the_page(admin_client, clock):
    MentorProfileFactory(status=MentorStatus.SUBMITTED)
    assert refresh_scheme_figures.delay().get() == 3  # month, quarter, year
    MentorProfileFactory(status=MentorStatus.SUBMITTED)

    for period in ("month", "quarter", "year"):
        with CaptureQueriesContext(connection) as page:
            response = admin_client.get(f"{PAGE}?period={period}")
        assert bios_waiting(response) == "1", period  # as the worker found them
        assert len(page) <= 6, period

    clock.shift(datetime.timedelta(minutes=1))
    refresh_scheme_figures.delay()
    assert bios_waiting(admin_client.get(PAGE)) == "2"


def test_the_figures_are_worked_out_every_minute():
    entry = celery_app.conf.beat_schedule["refresh-scheme-figures"]
    assert entry["task"] == "reports.tasks.refresh_scheme_figures"
    assert entry["schedule"] == crontab(minute="*")
    assert entry["options"] == {"expires": 55}  # never a backlog after downtime
