"""Signing up, confirming an address and logging in, in a real browser, checked with axe."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

PASSWORD = "a-Long-and-unusual-passphrase-42"
CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+")


def submit(page, field_name: str) -> None:
    """Press the submit button of the form that holds the named field."""
    page.locator(f"form:has([name='{field_name}']) [type='submit']").click()


def confirmation_path(message) -> str:
    match = CONFIRMATION_LINK.search(message.body)
    assert match, f"no confirmation link in the email:\n{message.body}"
    url = urlsplit(match.group(0))
    return f"{url.path}?{url.query}" if url.query else url.path


def test_home_page_has_no_accessibility_problems(page):
    page.goto("/")

    expect(page).to_have_title(re.compile(r"– NHS$"))
    assert_no_axe_violations(page)


def test_someone_new_can_sign_up_confirm_their_email_and_reach_their_dashboard(
    page, browser, live_server
):
    email = "new.trainee@example.nhs.uk"

    # Sign-up asks whether the person can take part first.
    page.goto("/accounts/signup/")
    expect(page).to_have_url(re.compile(r"/mentee/eligibility/$"))
    page.get_by_label("I am out of training now").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    assert_no_axe_violations(page)

    # Sending the empty form shows the errors, in an accessible way.
    submit(page, "password1")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_no_axe_violations(page)

    page.locator("[name='email']").fill(email)
    page.locator("[name='password1']").fill(PASSWORD)
    page.locator("[name='password2']").fill(PASSWORD)
    submit(page, "password1")
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    assert_no_axe_violations(page)

    # Celery runs eagerly and the live server runs in a thread of this process, so
    # the message its thread sent is in this thread's outbox.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [email]

    page.goto(confirmation_path(message))
    # ACCOUNT_CONFIRM_EMAIL_ON_GET is off: opening the link only asks to confirm.
    expect(page.get_by_text(email).first).to_be_visible()
    assert_no_axe_violations(page)
    page.locator("form[action*='/accounts/confirm-email/'] [type='submit']").click()

    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: confirming in the same browser logs in,
    # and the next step is the mentee's short profile.
    expect(page).to_have_url(re.compile(r"/mentee/profile/$"))
    page.goto("/dashboard/")
    expect(page.get_by_text(f"You are logged in as {email}")).to_be_visible()
    assert_no_axe_violations(page)

    # And the password works from another browser.
    other = browser.new_context(base_url=live_server.url)
    try:
        other_page = other.new_page()
        other_page.goto("/accounts/login/")
        other_page.locator("[name='login']").fill(email)
        other_page.locator("[name='password']").fill(PASSWORD)
        submit(other_page, "password")
        expect(other_page).to_have_url(re.compile(r"/dashboard/$"))
        expect(other_page.get_by_text(f"You are logged in as {email}")).to_be_visible()
    finally:
        other.close()


def test_login_page_has_no_accessibility_problems(page):
    page.goto("/accounts/login/")

    expect(page.locator("[name='password']")).to_be_visible()
    assert_no_axe_violations(page)


def test_a_wrong_password_shows_the_error_summary(page, mentee):
    page.goto("/accounts/login/")
    page.locator("[name='login']").fill(mentee.email)
    page.locator("[name='password']").fill("not-the-password")
    submit(page, "password")

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_no_axe_violations(page)


def test_the_right_password_logs_in_to_the_dashboard(page, mentee):
    page.goto("/accounts/login/?next=/dashboard/")
    page.locator("[name='login']").fill(mentee.email)
    page.locator("[name='password']").fill("test-password-123")
    submit(page, "password")

    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_text(f"You are logged in as {mentee.email}")).to_be_visible()
