"""The main journeys by keyboard alone (Tab, Enter, Space), with focus always visible.

Log in, go from the dashboard to a form, send it with a mistake: the skip link is the
first stop on every page, every stop shows where the focus is, and after the error
the error summary has the focus.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.axe import assert_no_axe_violations
from tests.factories import TEST_PASSWORD
from tests.test_accessibility_walk import block_outside_requests

pytestmark = pytest.mark.browser

MAX_TABS = 80

FOCUS_IS_VISIBLE = """
() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== "none";
    return outline || shadow;
}
"""
DESCRIBE_FOCUS = """
() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()} ${(el.innerText || el.name || el.id || "").trim()
        .slice(0, 60)}` : "nothing";
}
"""


def focused(page, selector: str) -> bool:
    return page.evaluate(
        "(selector) => document.activeElement && document.activeElement.matches(selector)",
        selector,
    )


def tab_to(page, selector: str) -> None:
    """Press Tab until the focus is on an element matching selector, checking at every
    stop that the focus can be seen."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        where = page.evaluate(DESCRIBE_FOCUS)
        assert page.evaluate(FOCUS_IS_VISIBLE), f"no visible focus on {where} at {page.url}"
        if focused(page, selector):
            return
    pytest.fail(f"{selector} cannot be reached with Tab on {page.url}")


def first_stop_is_the_skip_link(page) -> None:
    page.keyboard.press("Tab")
    assert focused(page, "a.nhsuk-skip-link"), page.evaluate(DESCRIBE_FOCUS)
    assert page.evaluate(FOCUS_IS_VISIBLE), "the skip link shows no focus"


def log_in_by_keyboard(page, email: str) -> None:
    page.goto(reverse("account_login"))
    first_stop_is_the_skip_link(page)
    tab_to(page, "[name='login']")
    page.keyboard.type(email)
    tab_to(page, "[name='password']")
    page.keyboard.type(TEST_PASSWORD)
    tab_to(page, "form:has([name='login']) [type='submit']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")


def test_mentor_changes_capacity_by_keyboard_and_lands_on_the_error_summary(page, mentor):
    block_outside_requests(page)
    log_in_by_keyboard(page, mentor.email)

    first_stop_is_the_skip_link(page)
    page.keyboard.press("Enter")  # the skip link moves the focus to the main content
    tab_to(page, f"a[href='{reverse('my_bio_capacity')}']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/my-bio/capacity/")

    first_stop_is_the_skip_link(page)
    tab_to(page, "[name='capacity']")
    page.keyboard.press("Control+A")
    page.keyboard.type("99")
    tab_to(page, "form [type='submit']")
    page.keyboard.press("Space")

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    assert page.evaluate(FOCUS_IS_VISIBLE), "the error summary shows no focus"
    # From the summary, the link takes the focus to the field in error.
    tab_to(page, ".nhsuk-error-summary a")
    page.keyboard.press("Enter")
    expect(page.locator("[name='capacity']")).to_be_focused()
    mentor.mentor_profile.refresh_from_db()
    assert mentor.mentor_profile.capacity == 2


def test_mentee_reaches_account_deletion_by_keyboard_and_a_wrong_password_is_reported(page, mentee):
    block_outside_requests(page)
    log_in_by_keyboard(page, mentee.email)
    page.goto(reverse("my_data"))
    assert_no_axe_violations(page)

    first_stop_is_the_skip_link(page)
    tab_to(page, f"main a[href='{reverse('delete_account')}']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/my-data/delete/")
    assert_no_axe_violations(page)
    tab_to(page, "[name='password']")
    page.keyboard.type("not-my-password")
    tab_to(page, "[name='confirm']")
    page.keyboard.press("Space")
    expect(page.locator("[name='confirm']")).to_be_checked()
    tab_to(page, "form [type='submit']")
    page.keyboard.press("Enter")

    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The password is not right")
    assert_no_axe_violations(page)
    mentee.refresh_from_db()
    assert mentee.is_active


def test_without_javascript_the_error_summary_is_the_first_thing_in_main(
    browser, live_server, mentor
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        block_outside_requests(page)
        page.goto(reverse("account_login"))
        page.locator("[name='login']").fill(mentor.email)
        page.locator("[name='password']").fill(TEST_PASSWORD)
        page.locator("form:has([name='login']) [type='submit']").click()
        page.wait_for_url("**/dashboard/")
        page.goto(reverse("my_bio_capacity"))
        page.locator("[name='capacity']").fill("99")
        page.locator("form [type='submit']").click()

        expect(page).to_have_title(re.compile(r"^Error: "))
        first_content = page.evaluate(
            """() => [...document.querySelectorAll('main *')]
                   .find(el => el.matches('.nhsuk-error-summary, h1, form, input'))
                   .className"""
        )
        assert "nhsuk-error-summary" in first_content
    finally:
        context.close()
