"""The waiting list in a real browser: join a full mentor's list, see the place in line,
be offered the place, leave. Every page passes the accessibility check."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from requests_app import workflow
from requests_app.models import PartnershipState, WaitingListEntry
from tests.axe import assert_no_axe_violations
from tests.factories import PartnershipFactory
from tests.test_requests_browser import log_in

pytestmark = pytest.mark.browser


def test_a_mentee_joins_a_full_mentors_list_is_offered_the_place_and_leaves(page, mentee, mentor):
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    partnership = PartnershipFactory(request__mentor=profile, state=PartnershipState.ACTIVE)
    profile_url = reverse("mentor_profile", args=[profile.pk])

    log_in(page, mentee.email)
    page.goto(profile_url)
    expect(page.locator("main")).to_contain_text("You can join the waiting list")
    expect(page.get_by_role("button", name=f"Send {profile.first_name} a request")).to_have_count(0)
    assert_no_axe_violations(page)

    page.get_by_role("button", name=f"Join {profile.first_name}'s waiting list").click()
    expect(page.locator("main")).to_contain_text("number 1 in line")
    expect(page.get_by_role("heading", name="You are on the waiting list")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto(reverse("requests:mine"))
    expect(page.locator("main")).to_contain_text("Number 1 in line")
    assert_no_axe_violations(page)

    # The mentee in the place moves on: the place is offered and kept.
    workflow.end_partnership_early(partnership_id=partnership.pk, user=mentor, reason="other")
    workflow.offer_free_places()
    page.goto(profile_url)
    expect(page.locator("main")).to_contain_text("is being kept for you until")
    expect(page.get_by_role("button", name=f"Send {profile.first_name} a request")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(reverse("dashboard"))
    expect(page.locator("main")).to_contain_text("is free and kept for you until")
    assert_no_axe_violations(page)
    page.goto(reverse("requests:mine"))
    expect(page.locator("main")).to_contain_text("Place kept for you")
    assert_no_axe_violations(page)

    page.get_by_role("button", name=f"Leave {profile.full_name}'s waiting list").click()
    page.wait_for_url("**/requests/")
    expect(page.locator("main")).to_contain_text(
        f"You have left {profile.full_name}'s waiting list."
    )
    assert_no_axe_violations(page)
    assert not WaitingListEntry.objects.active().exists()
