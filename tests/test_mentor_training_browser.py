"""The mentor's training and supervision on their dashboard, in a real browser."""

import datetime
import os

import pytest
from django.utils import timezone

from register import services
from register.models import SupervisionArrangement, SupervisionFrequency, TrainingRecord
from tests.axe import assert_no_axe_violations
from tests.test_partnership_browser import log_in

pytestmark = pytest.mark.browser


def test_the_dashboards_training_and_supervision_pass_axe_and_reflow(page, mentor):
    profile = mentor.mentor_profile
    today = timezone.localdate()
    services.record_training(
        record=TrainingRecord(
            mentor=profile,
            course="Peer mentor training (two days)",
            completed_on=today - datetime.timedelta(days=30),
        ),
        by=None,
    )
    services.record_supervision(
        arrangement=SupervisionArrangement(
            mentor=profile,
            supervisor="North peer supervision group",
            frequency=SupervisionFrequency.SIX_WEEKLY,
            starts_on=today - datetime.timedelta(days=10),
        ),
        by=None,
    )

    log_in(page, mentor.email)

    card = page.locator(".nhsuk-summary-list").first
    assert "Completed Peer mentor training (two days) on" in card.inner_text()
    assert "North peer supervision group, every six weeks, from" in card.inner_text()
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if shot := os.environ.get("SCREENSHOT_TO"):
        page.screenshot(path=shot, full_page=True)
