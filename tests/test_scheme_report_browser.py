"""The scheme figures page in Chromium, full of a quarter's figures: axe finds nothing,
nothing scrolls sideways at 320 px, and the period can be changed with the form."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.axe import assert_no_axe_violations
from tests.factories import give_two_factor
from tests.test_scheme_report import Q4_QUERY, clock, history  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def open_as_team(page, live_server, client, scheme_admin, query: str = "") -> None:
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)
    page.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), lambda route: route.abort())
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(reverse("reports:dashboard") + query)


def test_the_page_passes_axe_and_the_period_changes(
    page,
    live_server,
    client,
    scheme_admin,
    history,  # noqa: F811
):
    open_as_team(page, live_server, client, scheme_admin, Q4_QUERY)
    expect(page.get_by_role("heading", level=1)).to_have_text("Scheme figures")
    expect(page.locator(".nhsuk-lede-text")).to_contain_text("1 October 2026 to 31 December 2026")
    expect(
        page.get_by_role("img", name="Requests and their outcomes, month by month")
    ).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_label("This month").check()
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".nhsuk-lede-text")).to_contain_text("January 2027")

    page.get_by_label("Choose dates").check()
    page.get_by_label("Start date", exact=True).fill("2026-12-26")
    page.get_by_label("End date", exact=True).fill("2026-12-31")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".nhsuk-lede-text")).to_contain_text("26 December 2026 to 31 December 2026")
    expect(page.locator("#requests-table")).to_contain_text("Accepted")

    page.get_by_label("Start date", exact=True).fill("2026-12-31")
    page.get_by_label("End date", exact=True).fill("2026-12-01")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "The end date must be the same as or after the start date"
    )
    assert page.title().startswith("Error: ")
    assert_no_axe_violations(page)


def test_the_page_reflows_at_320_px(page, live_server, client, scheme_admin, history):  # noqa: F811
    page.set_viewport_size({"width": 320, "height": 800})
    open_as_team(page, live_server, client, scheme_admin, Q4_QUERY)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
