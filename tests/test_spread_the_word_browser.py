"""The kit for spreading the word in Chromium: axe finds nothing, a copy button puts the
blurb on the clipboard and says so, the QR code on the page scans to the sign-up page,
and printed, the poster and the leaflet each take exactly one A4 page."""

import io
import re

import pytest
import zxingcpp
from django.conf import settings
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from scheme.texts import ensure_default_texts
from tests.axe import assert_no_axe_violations
from tests.factories import give_two_factor
from tests.test_accessibility_walk import ESCAPED_MARKUP, REFLOW_WIDTH

pytestmark = pytest.mark.browser

# A4 in CSS pixels (96 per inch): 210 mm x 297 mm.
A4_WIDTH_PX, A4_HEIGHT_PX = 794, 1123


def open_as_team(page, live_server, client, scheme_admin, name: str) -> None:
    ensure_default_texts()
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
    page.goto(reverse(name))


def signup_address() -> str:
    return settings.SITE_URL + reverse("account_signup")


def copy_button(page, box_id: str):
    """The button that copies a box, whatever its words say at the moment."""
    return page.locator(".app-copy", has=page.locator(f"#{box_id}")).get_by_role("button")


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF as Chromium writes it: one "/Type /Page" object per page (its
    page tree is "/Type /Pages")."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_the_kit_passes_axe_and_a_button_copies_a_blurb(page, live_server, client, scheme_admin):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_as_team(page, live_server, client, scheme_admin, "kit:index")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spread the word")
    expect(page.get_by_role("button", name="Copy plain text for a website")).to_be_visible()
    button = copy_button(page, "kit-website-text")
    assert_no_axe_violations(page)

    button.click()

    expect(button).to_have_text(re.compile(r"^Copied"))
    expect(page.get_by_role("status")).to_have_text("Copied: Plain text for a website.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#kit-website-text").input_value()
    assert copied.startswith("Would you like to talk to a peer?")
    assert signup_address() in copied
    assert_no_axe_violations(page)

    # Another button: the first one goes back to its words.
    page.get_by_role("button", name="Copy HTML for a newsletter").click()
    other = copy_button(page, "kit-newsletter-html")
    expect(other).to_have_text(re.compile(r"^Copied"))
    expect(button).to_have_text(re.compile(r"^Copy plain text"))
    assert page.evaluate("navigator.clipboard.readText()").startswith("<h2>")


def test_without_javascript_the_blurbs_are_in_boxes_to_select(
    browser, live_server, client, scheme_admin
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        open_as_team(page, live_server, client, scheme_admin, "kit:index")
        expect(page.get_by_label("Plain text for a website")).to_have_attribute("readonly", "")
        expect(page.get_by_role("button", name=re.compile("^Copy"))).to_have_count(0)
    finally:
        context.close()


@pytest.mark.parametrize("name", ["kit:poster", "kit:leaflet"])
def test_the_print_pieces_scan_pass_axe_and_print_on_one_a4_page(
    page, live_server, client, scheme_admin, name
):
    open_as_team(page, live_server, client, scheme_admin, name)
    print_button = page.get_by_role("button", name=f"Print the {name.split(':')[1]}")
    expect(print_button).to_be_visible()
    assert_no_axe_violations(page)
    shot = page.locator("svg.app-qr").screenshot()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)).convert("L"))
    assert [code.text for code in found] == [signup_address()]

    page.emulate_media(media="print")
    expect(page.locator(".nhsuk-header")).to_be_hidden()
    expect(page.locator(".app-print-hide")).to_be_hidden()
    expect(print_button).to_be_hidden()
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": A4_HEIGHT_PX})
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf_pages(pdf) == 1
    # The page is A4 (595 x 842 points), as the style sheet's @page asks.
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45]\.\d* 84[12]\.\d*", pdf)
    # The QR code prints large enough to scan from a little way off (at least 35 mm).
    qr_width_px = page.locator("svg.app-qr").bounding_box()["width"]
    assert qr_width_px >= 35 / 25.4 * 96


def test_the_mentor_copies_the_sign_up_link_from_the_dashboard(page, live_server, client, mentor):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    client.force_login(mentor)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(reverse("dashboard"))
    page.get_by_role("button", name="Copy the link to the sign-up page").click()
    assert page.evaluate("navigator.clipboard.readText()") == signup_address()
    assert_no_axe_violations(page)


@pytest.mark.parametrize("name", ["kit:index", "kit:poster", "kit:leaflet"])
def test_the_kit_reflows_at_320_px_and_shows_no_markup_as_text(
    page, live_server, client, scheme_admin, name
):
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 800})
    open_as_team(page, live_server, client, scheme_admin, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= REFLOW_WIDTH
    assert page.evaluate(ESCAPED_MARKUP) == []  # the HTML to copy is in its box, as text
