"""A partnership in a real browser, from acceptance to completion, checked with axe.

The live server runs in a thread of this process, so time_machine moves its clock
too: each step happens at its own date. Sessions are made long enough to last the
weeks the test travels through.
"""

import json
import re

import pytest
from django.apps import apps
from django.core import mail
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from requests_app import workflow
from requests_app.availability import mentor_load
from requests_app.models import (
    Feedback,
    Meeting,
    MeetingState,
    MentorNote,
    Partnership,
    PartnershipState,
)
from requests_app.partnership_summary import dashboard_context
from scheme.models import SchemeSettings
from tests.axe import assert_no_axe_violations
from tests.conftest import PAGE_TIMEOUT_MS
from tests.factories import TEST_PASSWORD
from tests.test_partnerships import at

pytestmark = pytest.mark.browser

DASHBOARD_PART = """{% extends "layouts/base.jinja" %}
{% block title %}Your dashboard{% endblock %}
{% block page %}<h1>Your dashboard</h1>{% include "accounts/dashboard/_partnerships.jinja" %}
{% endblock %}"""


@pytest.fixture(autouse=True)
def _sessions_that_last(settings):
    settings.SESSION_COOKIE_AGE = 400 * 24 * 3600


def log_in(page, email: str) -> None:
    page.goto(reverse("account_login"))
    page.locator("[name='login']").fill(email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='login']) [type='submit']").click()
    page.wait_for_url("**/dashboard/")


def check_dashboard_part(page, user) -> str:
    """The dashboard partial inside our layout, checked with axe. accounts/dashboard.jinja
    includes it once merged; until then it is shown here on its own."""
    request = RequestFactory().get("/dashboard/")
    request.user = user
    html = engines["jinja2"].from_string(DASHBOARD_PART).render(dashboard_context(user), request)
    page.set_content(html)
    assert_no_axe_violations(page)
    return page.locator("main").inner_text()


def plan(page, partnership, date: str, time: str) -> None:
    page.goto(reverse("requests:plan_meeting", args=[partnership.pk]))
    page.get_by_label("Date").fill(date)
    page.get_by_label("Start time (UK time)").fill(time)
    page.get_by_label("Length").select_option("60")
    page.get_by_label("Video call").check()
    page.get_by_role("button", name="Plan the meeting").click()
    expect(page.locator(".nhsuk-table")).to_be_visible()


def mark_held(page, partnership) -> None:
    page.goto(reverse("requests:partnership", args=[partnership.pk]))
    page.get_by_role("button", name=re.compile("It took place")).click()
    expect(page.locator("main")).to_contain_text("Meeting recorded")


def give_feedback(page, survey) -> None:
    page.goto(reverse("requests:feedback", args=[survey.pk]))
    for question in (
        "How useful has peer mentoring been for you?",
        "How well did you feel listened to?",
        "Would you recommend the scheme to a colleague?",
    ):
        page.get_by_role("group", name=question).get_by_label("4").check()
    page.get_by_label("Anything else you would like the scheme team to know").fill("Kind")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator("main")).to_contain_text("You sent this feedback on")


def everything_stored() -> str:
    rows = []
    for app in ("accounts", "register", "requests_app"):
        for model in apps.get_app_config(app).get_models():
            rows += [
                json.dumps(
                    row,
                    default=lambda v: (
                        bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    ),
                )
                for row in model.objects.values()
            ]
    return "\n".join(rows)


def test_from_acceptance_to_completion(page, browser, live_server, mentee, mentor):
    with at(1, 4, 9):
        request = workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
    mentor_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    mentor_context.set_default_timeout(PAGE_TIMEOUT_MS)
    mentor_page = mentor_context.new_page()

    # Monday 4 January: the mentor accepts and confirms the agreement first.
    with at(1, 4, 10):
        log_in(mentor_page, mentor.email)
        mentor_page.goto(reverse("requests:decide", args=[request.pk]))
        mentor_page.get_by_role("button", name="Accept and become their mentor").click()
        expect(mentor_page.locator("main")).to_contain_text(mentee.email)
        partnership = Partnership.objects.get(request=request)

        mentor_page.goto(reverse("requests:partnership", args=[partnership.pk]))
        expect(mentor_page.locator("main")).to_contain_text(
            "0 of 4 sessions used, until 4 July 2027"
        )
        assert_no_axe_violations(mentor_page)
        mentor_page.get_by_role("button", name="Read and confirm the agreement").click()
        expect(mentor_page.locator("main")).to_contain_text("stays between us")
        assert_no_axe_violations(mentor_page)
        mentor_page.get_by_role("button", name="Confirm the agreement").click()  # nothing filled
        expect(mentor_page).to_have_title(re.compile(r"^Error:"))
        assert_no_axe_violations(mentor_page)
        mentor_page.get_by_label("How long will your meetings usually last?").select_option("60")
        mentor_page.get_by_label("How often do you plan to meet?").fill("Every 2 weeks")
        mentor_page.get_by_label("Video call").check()
        mentor_page.get_by_label("We have talked these points through").check()
        mentor_page.get_by_role("button", name="Confirm the agreement").click()
        expect(mentor_page.locator("main")).to_contain_text("We have asked")

    # The mentee confirms the same arrangements: the partnership is active.
    with at(1, 4, 20):
        log_in(page, mentee.email)
        assert "Talk through and confirm your agreement" in check_dashboard_part(page, mentee)
        page.goto(reverse("requests:partnership_agreement", args=[partnership.pk]))
        expect(page.get_by_label("How often do you plan to meet?")).to_have_value("Every 2 weeks")
        page.get_by_label("We have talked these points through").check()
        page.get_by_role("button", name="Confirm the agreement").click()
        expect(page.locator("main")).to_contain_text("You have both confirmed the agreement")
        assert_no_axe_violations(page)
        partnership.refresh_from_db()
        assert partnership.state == PartnershipState.ACTIVE

    # Meeting 1, planned by the mentee; the mentor gets a calendar invitation.
    with at(1, 5, 12):
        mail.outbox.clear()
        page.goto(reverse("requests:plan_meeting", args=[partnership.pk]))
        assert_no_axe_violations(page)
        page.get_by_role("button", name="Plan the meeting").click()
        expect(page).to_have_title(re.compile(r"^Error:"))
        assert_no_axe_violations(page)
        plan(page, partnership, "2027-01-11", "18:00")
        assert_no_axe_violations(page)
        [invitation] = [m for m in mail.outbox if m.to == [mentor.email]]
        assert invitation.attachments[0][0] == "meeting.ics"
    with at(1, 11, 19):
        mark_held(mentor_page, partnership)
        mentor_page.goto(reverse("requests:partnership_notes", args=[partnership.pk]))
        assert_no_axe_violations(mentor_page)
        mentor_page.get_by_label("New note").fill("Nervous about the first night shift back")
        mentor_page.get_by_role("button", name="Save note").click()
        expect(mentor_page.locator("main")).to_contain_text("Nervous about the first night")
        assert_no_axe_violations(mentor_page)

    # Meeting 2, planned by the mentor, moved half an hour later by the mentee (both get
    # the updated invitation), then cancelled late by the mentee.
    with at(1, 12, 9):
        plan(mentor_page, partnership, "2027-01-25", "18:00")
    with at(1, 13, 9):
        mail.outbox.clear()
        page.goto(reverse("requests:partnership", args=[partnership.pk]))
        page.get_by_role("link", name=re.compile("Move or change the meeting on Monday 25")).click()
        expect(page.get_by_label("Start time (UK time)")).to_have_value("18:00")
        assert_no_axe_violations(page)
        page.get_by_label("Start time (UK time)").fill("18:30")
        page.get_by_label("Date").fill("2027-01-05")
        page.get_by_role("button", name="Move the meeting").click()
        expect(page).to_have_title(re.compile(r"^Error:"))
        expect(page.locator(".nhsuk-error-summary")).to_contain_text("in the future")
        assert_no_axe_violations(page)
        page.get_by_label("Date").fill("2027-01-25")
        page.get_by_role("button", name="Move the meeting").click()
        expect(page.locator("main")).to_contain_text(
            "Meeting changed to Monday 25 January 2027 at 18:30"
        )
        assert_no_axe_violations(page)
        assert [m.to for m in mail.outbox] == [[mentor.email], [mentee.email]]
        assert all("METHOD:REQUEST" in m.attachments[0][1] for m in mail.outbox)
    with at(1, 25, 12):
        mail.outbox.clear()
        page.goto(reverse("requests:partnership", args=[partnership.pk]))
        page.get_by_role("link", name=re.compile("Cancel the meeting on Monday 25")).click()
        expect(page.locator("main")).to_contain_text("This is short notice")
        assert_no_axe_violations(page)
        page.get_by_label("Why are you cancelling?").fill("My child is unwell")
        page.get_by_role("button", name="Cancel the meeting").click()
        expect(page.locator("main")).to_contain_text("recorded as a late cancellation")
        assert_no_axe_violations(page)
        cancelled = Meeting.objects.get(state=MeetingState.CANCELLED)
        assert cancelled.cancelled_late
        assert sorted(m.to[0] for m in mail.outbox) == sorted(
            [mentor.email, mentee.email, SchemeSettings.load().inbox_email]
        )

    # Meeting 2 again: held. Half the sessions are held, so both are asked for feedback.
    with at(1, 26, 9):
        plan(page, partnership, "2027-02-01", "18:00")
    with at(2, 1, 19):
        mark_held(page, partnership)
        survey = Feedback.objects.get(respondent=mentee, stage="midpoint")
        assert "Give your mid-point feedback" in check_dashboard_part(page, mentee)
        page.goto(reverse("requests:feedback", args=[survey.pk]))
        assert_no_axe_violations(page)
        page.get_by_role("button", name="Send feedback").click()
        expect(page).to_have_title(re.compile(r"^Error:"))
        assert_no_axe_violations(page)
        give_feedback(page, survey)
        assert_no_axe_violations(page)

    # Meeting 3; with one session left, more can be asked for.
    with at(2, 2, 9):
        plan(mentor_page, partnership, "2027-02-15", "18:30")
    with at(2, 15, 20):
        mark_held(mentor_page, partnership)
        plan(mentor_page, partnership, "2027-03-01", "18:30")
        expect(mentor_page.locator("main")).to_contain_text("4 of 4 sessions used")
        assert_no_axe_violations(mentor_page)
        for name in ("partnership_extension", "partnership_arrangements", "partnership_end"):
            mentor_page.goto(reverse(f"requests:{name}", args=[partnership.pk]))
            assert_no_axe_violations(mentor_page)
        assert "Monday 1 March 2027 at 18:30" in check_dashboard_part(mentor_page, mentor)
        ciphertext = bytes(MentorNote.objects.get().ciphertext).decode()

    # Meeting 4, the last: held, so the mentoring is complete and the notes are gone.
    with at(3, 1, 20):
        mark_held(page, partnership)
        expect(page.locator("main")).to_contain_text("your mentoring is complete")
        assert_no_axe_violations(page)
        give_feedback(page, Feedback.objects.get(respondent=mentee, stage="end"))
        assert "Past partnerships" in check_dashboard_part(page, mentee)

    partnership.refresh_from_db()
    assert partnership.state == PartnershipState.COMPLETED
    assert Meeting.objects.filter(partnership=partnership, state=MeetingState.HELD).count() == 4
    assert not MentorNote.objects.exists()
    stored = everything_stored()
    assert ciphertext not in stored
    assert "Nervous about the first night" not in stored
    assert mentor_load(mentor.mentor_profile) == 0
    mentor_context.close()


def test_a_mentee_ends_early_and_can_choose_again(page, mentee, mentor):
    from tests.test_partnerships import make_partnership

    partnership = make_partnership(mentee, mentor)
    with at(1, 20, 9):
        log_in(page, mentee.email)
        page.goto(reverse("requests:partnership", args=[partnership.pk]))
        page.get_by_role("link", name="End this partnership").click()
        page.get_by_role("button", name="End the partnership").click()
        expect(page).to_have_title(re.compile(r"^Error:"))
        assert_no_axe_violations(page)
        page.get_by_label("We don't click").check()
        page.get_by_label("Anything the scheme team should know").fill("Different hopes")
        page.get_by_role("button", name="End the partnership").click()
        expect(page.locator("main")).to_contain_text("You can choose another mentor")
        assert_no_axe_violations(page)
        page.get_by_role("link", name="Find a peer mentor").click()
        expect(page).to_have_url(re.compile(r"/mentors/"))

    partnership.refresh_from_db()
    assert partnership.state == PartnershipState.ENDED_EARLY
    assert partnership.end_note == "Different hopes"
