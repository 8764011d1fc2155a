"""The scheme figures page in Chromium, full of a quarter's figures: axe finds nothing,
nothing scrolls sideways at 320 px, and the period can be changed with the form."""

import datetime
import pathlib
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


def test_each_export_downloads_from_the_page_with_its_rows(
    page,
    live_server,
    client,
    scheme_admin,
    history,  # noqa: F811
):
    """Every link under "Download", in both formats: the file holds the same rows as
    the export made directly for the period."""
    import csv
    import io

    import openpyxl

    from reports.exports import dataset
    from reports.models import ExportRecord
    from reports.periods import Period

    period = Period(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    open_as_team(page, live_server, client, scheme_admin, Q4_QUERY)
    downloads = page.locator("#downloads + p + ul a")
    expect(downloads).to_have_count(10)
    for index in range(10):
        link = downloads.nth(index)
        kind = re.search(r"/exports/(\w+)\.(csv|xlsx)", link.get_attribute("href"))
        with page.expect_download() as info:
            link.click()
        content = pathlib.Path(info.value.path()).read_bytes()
        expected = dataset(kind[1], period)
        if kind[2] == "csv":
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == list(expected.headers), kind[0]
        assert expected.height > 0, kind[0]  # the quarter has something of each kind
        assert len(rows) - 1 == expected.height, kind[0]
    assert ExportRecord.objects.count() == 10
