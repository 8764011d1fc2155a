"""The request journey in a real browser: ask, answer, and see each other's details."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.axe import assert_no_axe_violations
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, email: str) -> None:
    page.goto(reverse("account_login"))
    page.locator("[name='login']").fill(email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='login']) [type='submit']").click()
    page.wait_for_url("**/dashboard/")


def test_mentee_requests_and_mentor_accepts_then_both_see_contact_details(
    page, browser, live_server, mentee, mentor
):
    profile = mentor.mentor_profile
    profile.contact_phone = "07700 900456"
    profile.save()

    log_in(page, mentee.email)
    page.goto(reverse("requests:send", args=[profile.pk]))
    assert_no_axe_violations(page)
    page.get_by_label("What would you like to talk about?").fill("Returning after a year out")
    page.get_by_label("Video call").check()
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/requests/*/")
    assert "The answer is due by" in page.content()
    assert "07700 900456" not in page.content()
    assert_no_axe_violations(page)

    mentor_context = browser.new_context(base_url=live_server.url)
    mentor_page = mentor_context.new_page()
    log_in(mentor_page, mentor.email)
    mentor_page.goto(reverse("requests:incoming"))
    assert_no_axe_violations(mentor_page)
    mentor_page.get_by_role("link", name=mentee.get_full_name()).click()
    expect(mentor_page.locator("main")).to_contain_text("Returning after a year out")
    assert_no_axe_violations(mentor_page)

    mentor_page.get_by_role("button", name="Decline this request").click()  # no reason yet
    expect(mentor_page).to_have_title(re.compile(r"^Error:"))
    assert_no_axe_violations(mentor_page)

    mentor_page.get_by_label("A note to your new mentee").fill("Evenings suit me best")
    mentor_page.get_by_role("button", name="Accept and become their mentor").click()
    expect(mentor_page.locator("main")).to_contain_text(mentee.email)
    assert_no_axe_violations(mentor_page)
    mentor_context.close()

    page.reload()
    expect(page.locator("main")).to_contain_text("07700 900456")
    expect(page.locator("main")).to_contain_text("Evenings suit me best")
    assert_no_axe_violations(page)


def test_my_requests_and_a_broken_email_link_pass_accessibility_checks(page, mentee, mentor):
    log_in(page, mentee.email)
    page.goto(reverse("requests:mine"))
    assert_no_axe_violations(page)

    page.goto("/r/not-a-real-token/")
    expect(page.locator("h1")).to_have_text("This link does not work")
    assert_no_axe_violations(page)
