"""The first meeting and the mentee's agenda in a real browser, checked with axe: a scheme
where only the mentee plans meetings and both tick that they discussed confidentiality
before the second meeting."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from requests_app.models import Meeting, MeetingState
from scheme.models import MeetingPlanner, SchemeSettings
from tests.axe import assert_no_axe_violations
from tests.conftest import PAGE_TIMEOUT_MS
from tests.test_partnership_browser import log_in, mark_held
from tests.test_partnerships import at, make_partnership

pytestmark = pytest.mark.browser

AGENDA = "How to lead a team I used to be part of"


@pytest.fixture(autouse=True)
def _sessions_that_last(settings):
    settings.SESSION_COOKIE_AGE = 400 * 24 * 3600


@pytest.fixture
def public_health_settings():
    scheme = SchemeSettings.load()
    scheme.meetings_planned_by = MeetingPlanner.MENTEE
    scheme.first_meeting_checklist = True
    scheme.extensions_allowed = False
    scheme.save()
    return scheme


def plan(page, partnership, date: str, agenda: str = "") -> None:
    page.goto(reverse("requests:plan_meeting", args=[partnership.pk]))
    page.get_by_label("Date").fill(date)
    page.get_by_label("Start time (UK time)").fill("18:00")
    page.get_by_label("Length").select_option("60")
    page.get_by_label("Video call").check()
    if agenda:
        page.get_by_label("What would you like to focus on? (optional)").fill(agenda)
    page.get_by_role("button", name="Plan the meeting").click()


def tick_confidentiality(page, partnership) -> None:
    page.goto(reverse("requests:partnership", args=[partnership.pk]))
    page.get_by_label("We talked about confidentiality, as our agreement describes").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Thank you.")


def test_the_first_meeting_and_the_agenda(
    page, browser, live_server, public_health_settings, mentee, mentor
):
    partnership = make_partnership(mentee, mentor)
    mentor_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    mentor_context.set_default_timeout(PAGE_TIMEOUT_MS)
    mentor_page = mentor_context.new_page()

    # Tuesday 5 January: both read the first meeting's checklist; the mentee plans the
    # first meeting with what they would like to focus on.
    with at(1, 5, 12):
        log_in(mentor_page, mentor.email)
        mentor_page.goto(reverse("requests:partnership", args=[partnership.pk]))
        main = mentor_page.locator("main")
        expect(main).to_contain_text("Your first meeting")
        expect(main).to_contain_text("sets up the meetings and what each is about")
        expect(mentor_page.get_by_role("button", name="Plan a meeting")).to_have_count(0)
        mentor_page.get_by_text("Roles and responsibilities").click()
        expect(main).to_contain_text("treat each other as equals")
        assert_no_axe_violations(mentor_page)
        mentor_page.get_by_role("link", name="How a peer mentor works").click()
        expect(mentor_page.locator("h1")).to_have_text("How a peer mentor works")
        assert_no_axe_violations(mentor_page)

        log_in(page, mentee.email)
        plan(page, partnership, "2027-01-11", AGENDA)
        expect(page.locator("main")).to_contain_text("Meeting planned")
        expect(page.locator("main")).to_contain_text(AGENDA)
        assert_no_axe_violations(page)

    # The mentor reads the agenda; the meeting takes place.
    with at(1, 11, 19):
        mentor_page.goto(reverse("requests:partnership", args=[partnership.pk]))
        mentor_page.get_by_text(f"What {mentee.get_full_name()} would like to focus on").click()
        expect(mentor_page.locator("main")).to_contain_text(AGENDA)
        mark_held(mentor_page, partnership)

    # The second meeting waits for both ticks.
    with at(1, 12, 9):
        page.goto(reverse("requests:partnership", args=[partnership.pk]))
        expect(page.locator("main")).to_contain_text("you both need to tick")
        page.goto(reverse("requests:partnership_first_meeting", args=[partnership.pk]))
        page.get_by_role("button", name="Save").click()  # not ticked
        expect(page).to_have_title(re.compile(r"^Error:"))
        assert_no_axe_violations(page)
        tick_confidentiality(page, partnership)
        tick_confidentiality(mentor_page, partnership)
        expect(mentor_page.locator("main")).to_contain_text("You have both ticked")
        expect(mentor_page.locator("main")).not_to_contain_text("Your first meeting")

        plan(page, partnership, "2027-02-08")
        expect(page.locator("main")).to_contain_text("Meeting planned")
        second = Meeting.objects.get(state=MeetingState.PLANNED)
        page.get_by_role("link", name=re.compile("Say what you would like to focus on")).click()
        assert_no_axe_violations(page)
        page.get_by_label("What would you like to focus on?").fill("Saying no to extra work")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("main")).to_contain_text("Saying no to extra work")
        second.refresh_from_db()
        assert second.agenda == "Saying no to extra work"
    mentor_context.close()
