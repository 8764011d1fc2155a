"""A public health network's own questions in a real browser, checked with axe: the
eligibility question, the mentee's details (with their errors), the mentor's bio form
and profile page."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import MenteeProfile
from register.models import MentorStatus
from scheme.models import SchemeProfile
from scheme.services import apply_profile
from tests.axe import assert_no_axe_violations
from tests.factories import MentorProfileFactory, SchemeAdminFactory, UserFactory
from tests.test_partnership_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def public_health(db):
    return apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=SchemeAdminFactory())


def test_a_public_health_mentee_signs_up_with_their_work(page, live_server):
    user = UserFactory(verified=True, email="ailsa.reid@example.org")
    log_in(page, user.email)

    page.goto(reverse("mentee_eligibility"))
    assert_no_axe_violations(page)
    page.get_by_label("Yes, I work in public health in the UK").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**{reverse('mentee_profile')}")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Save and continue").click()  # nothing filled
    expect(page).to_have_title(re.compile(r"^Error:"))
    assert_no_axe_violations(page)

    page.get_by_label("First name").fill("Ailsa")
    page.get_by_label("Last name").fill("Reid")
    page.get_by_label("Your organisation").fill("NHS Lothian")
    page.get_by_label("Your area of work").fill("Health protection")
    page.get_by_label("Scotland").check()
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(f"**{reverse('requests:apply')}")

    assert MenteeProfile.objects.get(user=user).organisation == "NHS Lothian"


def test_a_public_health_mentors_bio_form_and_page(page, live_server):
    bio = MentorProfileFactory(
        with_login=True,
        status=MentorStatus.PUBLISHED,
        organisation="Public Health Wales",
        expertise="Screening and immunisation.",
        nation="wales",
    )
    log_in(page, bio.email)

    page.goto(reverse("my_bio_edit"))
    assert_no_axe_violations(page)
    expect(page.get_by_label("Your organisation")).to_have_value("Public Health Wales")
    expect(page.get_by_label("Specialty school")).to_have_count(0)

    page.goto(reverse("mentor_profile", args=[bio.pk]))
    assert_no_axe_violations(page)
    expect(page.locator("main")).to_contain_text("Screening and immunisation.")
    expect(page.locator("main")).to_contain_text("Wales")
