"""A mentee closes their search for a mentor from the check-in email's "no" link, in a real
browser: the question and the polite confirmation pass axe-core and reflow at 320 px."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from requests_app.models import MentoringRequest, RequestState
from tests.axe import assert_no_axe_violations
from tests.factories import MentoringRequestFactory
from tests.test_partnership_browser import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

REFLOW_WIDTH = 320  # WCAG 1.4.10


def assert_reflows(page) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"]})
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size(size)
    assert width <= REFLOW_WIDTH, f"{page.url} is {width} px wide at {REFLOW_WIDTH} px"


def test_a_mentee_closes_their_search_from_the_check_in(page, live_server, mentee):
    waiting = MentoringRequestFactory(mentee=mentee)
    log_in(page, mentee.email)

    page.goto(reverse("requests:still_looking") + "?answer=stopped")
    expect(page.locator("h1")).to_have_text("Do you still want a mentor?")
    assert_no_axe_violations(page)
    assert_reflows(page)
    page.get_by_role("button", name="No, I no longer need a mentor").click()

    expect(page.locator("h1")).to_have_text("Your search for a mentor is closed")
    expect(page.locator("main")).to_contain_text("If you want a mentor later")
    assert_no_axe_violations(page)
    assert_reflows(page)
    assert MentoringRequest.objects.get(pk=waiting.pk).state == RequestState.WITHDRAWN
