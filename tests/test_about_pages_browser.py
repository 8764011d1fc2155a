"""Someone who is not logged in finds every public page from the home page by following
links alone, and each page passes axe-core and reflows at 320 px; while submissions are
open, becoming a mentor leads on to the bio form."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from scheme.models import HelpContact, SchemeSettings
from scheme.texts import PUBLIC_PAGES
from tests.axe import assert_no_axe_violations

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

REFLOW_WIDTH = 320


def public_pages() -> set[str]:
    return {reverse("scheme_page", args=[slug]) for slug in PUBLIC_PAGES} | {
        reverse("become_a_mentor"),
        reverse("help_now"),
    }


def assert_reflows(page) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"]})
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size(size)
    assert width <= REFLOW_WIDTH, f"{page.url} is {width} px wide at {REFLOW_WIDTH} px"


def path_of(page, live_server) -> str:
    return page.url.removeprefix(live_server.url)


def test_every_public_page_is_reached_from_the_home_page_by_links(page, live_server):
    scheme = SchemeSettings.load()
    scheme.bio_submission_deadline = timezone.localdate() + datetime.timedelta(days=10)
    scheme.save()
    HelpContact.objects.create(
        name="Samaritans",
        description="Someone to talk to, day or night.",
        phone="116 123",
        web_address="https://www.samaritans.org/",
    )
    wanted = public_pages()

    page.goto("/")  # the only address typed
    assert_no_axe_violations(page)
    home_links = page.locator("main a[href^='/'], footer a[href^='/']")
    paths = [home_links.nth(i).get_attribute("href") for i in range(home_links.count())]
    reached: set[str] = set()
    for index, path in enumerate(paths):
        if path not in wanted or path in reached:
            continue
        # Click the home page's own link, then come back by the header's.
        page.locator("main a[href^='/'], footer a[href^='/']").nth(index).click()
        page.wait_for_load_state("load")
        assert path_of(page, live_server) == path
        expect(page.locator("h1")).to_be_visible()
        assert_no_axe_violations(page)
        assert_reflows(page)
        reached.add(path)
        page.locator("header a.nhsuk-header__service-name, header a[href='/']").first.click()
        page.wait_for_load_state("load")
        assert path_of(page, live_server) == "/"

    assert sorted(wanted - reached) == []

    # Becoming a mentor leads on to the bio form while it is open.
    page.get_by_role("link", name="Becoming a peer mentor").first.click()
    expect(page.get_by_text("The bio form is open until the end of")).to_be_visible()
    # An NHS.UK button: a link that looks and is announced as a button.
    page.get_by_role("button", name="Send us your bio").click()
    expect(page.locator("h1")).to_have_text("Send us your peer mentor bio")
    assert path_of(page, live_server) == reverse("submit_bio")
    assert_no_axe_violations(page)
    assert_reflows(page)
