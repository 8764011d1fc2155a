"""The UK Public Health Network's way of mentoring, end to end in a real browser, checked
with axe: a mentee applies; the scheme team proposes a mentor, who says "not this time";
the next proposal is accepted by both; both sign the agreement, which reaches the scheme
inbox; the first meeting's checklist; six monthly meetings planned by the mentee with
their agenda; mid-point and end feedback; completion.

The live server runs in a thread of this process, so time_machine moves its clock too.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from register.models import MentorStatus
from requests_app.models import (
    ApplicationState,
    Feedback,
    MatchApplication,
    Meeting,
    MeetingState,
    Partnership,
    PartnershipState,
)
from scheme.models import SchemeSettings
from tests.axe import assert_no_axe_violations
from tests.conftest import PAGE_TIMEOUT_MS
from tests.factories import TEST_PASSWORD, MenteeProfileFactory, MentorProfileFactory, UserFactory
from tests.test_first_meeting_browser import plan, tick_confidentiality
from tests.test_partnership_browser import give_feedback, log_in, mark_held
from tests.test_partnerships import at

pytestmark = pytest.mark.browser

AIMS = "To move from health improvement into health protection within two years"
# Monthly meetings: the mentee plans each a few days ahead, with what they want to focus on.
MEETINGS = [
    ("2027-01-18", (1, 12), (1, 18), "Which health protection roles suit my experience"),
    ("2027-02-15", (2, 1), (2, 15), "My development plan"),
    ("2027-03-15", (3, 1), (3, 15), "Preparing for the outbreak exercise"),
    ("2027-04-12", (4, 1), (4, 12), "Feedback from the exercise"),
    ("2027-05-17", (5, 3), (5, 17), "An application for a secondment"),
    ("2027-06-14", (6, 1), (6, 14), "Where I go from here"),
]


@pytest.fixture(autouse=True)
def _sessions_that_last(settings):
    settings.SESSION_COOKIE_AGE = 400 * 24 * 3600
    settings.ADMIN_REQUIRE_MFA = False  # the log-in form, without an authenticator code


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context.new_page()


def answer(page, proposal_url: str, go_ahead: bool, reason: str = "") -> None:
    page.goto(proposal_url)
    assert_no_axe_violations(page)
    if go_ahead:
        page.get_by_label("Yes, let's go ahead").check()
    else:
        page.get_by_label("No, not this time").check()
        page.get_by_label(reason).check()
    page.get_by_role("button", name="Send my answer").click()


def give_mentors_feedback(page, survey) -> None:
    page.goto(reverse("requests:feedback", args=[survey.pk]))
    for group in page.get_by_role("group").all():
        group.get_by_label("5").check()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator("main")).to_contain_text("You sent this feedback on")


def propose(admin_page, application, mentor_name: str) -> None:
    admin_page.goto(reverse("admin:requests_app_matchapplication_change", args=[application.pk]))
    expect(admin_page.locator("#content")).to_contain_text(AIMS)
    assert_no_axe_violations(admin_page)
    admin_page.get_by_role("button", name=f"Propose this match with {mentor_name}").click()
    expect(admin_page.locator(".messagelist")).to_contain_text(mentor_name)


def test_the_public_health_network_journey(page, browser, live_server, db):
    scheme_admin = UserFactory(
        verified=True, is_staff=True, is_superuser=True, email="network.team@example.org"
    )
    inbox = SchemeSettings.load().inbox_email
    mentee = UserFactory(verified=True, email="amira.khan@example.org", first_name="Amira")
    mentee.last_name = "Khan"
    mentee.save()
    MenteeProfileFactory(user=mentee, organisation="UK Health Security Agency")
    first, second = (
        MentorProfileFactory(
            with_login=True,
            status=MentorStatus.PUBLISHED,
            first_name=first_name,
            last_name=last_name,
            email=email,
            capacity=1,
            meets_virtually=True,
            organisation=organisation,
        )
        for first_name, last_name, email, organisation in (
            ("Priya", "Shah", "priya.shah@example.org", "Public Health Scotland"),
            ("Tom", "Reid", "tom.reid@example.org", "Public Health Wales"),
        )
    )
    admin_page = new_page(browser, live_server)
    first_page = new_page(browser, live_server)
    mentor_page = new_page(browser, live_server)

    # The scheme team makes the scheme a public health network, from the settings page.
    with at(1, 4, 8):
        admin_page.goto(
            "/accounts/login/?next=" + reverse("admin:scheme_schemesettings_changelist")
        )
        admin_page.locator("[name='login']").fill(scheme_admin.email)
        admin_page.locator("[name='password']").fill(TEST_PASSWORD)
        admin_page.locator("form:has([name='password']) [type='submit']").click()
        admin_page.get_by_role("link", name="Apply a scheme profile").click()
        assert_no_axe_violations(admin_page)
        admin_page.get_by_role("link", name="Public health network").click()
        expect(admin_page.locator("#content")).to_contain_text("will be replaced")
        assert_no_axe_violations(admin_page)
        admin_page.get_by_role("button", name=re.compile("Apply")).click()
        scheme = SchemeSettings.load()
        assert scheme.profile == "public_health"
        assert not scheme.mentees_choose

    # Monday 4 January: the mentee applies from the dashboard.
    with at(1, 4, 9):
        log_in(page, mentee.email)
        page.get_by_role("link", name="Apply to be matched with a peer mentor").click()
        assert_no_axe_violations(page)
        page.get_by_role("button", name="Send my application").click()  # nothing filled
        expect(page).to_have_title(re.compile(r"^Error:"))
        assert_no_axe_violations(page)
        page.get_by_label("What would you like from mentoring?").fill(AIMS)
        page.get_by_label("Which areas would you like help with?").fill("Outbreak management")
        page.get_by_label("Video call").check()
        page.get_by_label("When are you usually free?").fill("Monday evenings")
        page.get_by_role("button", name="Send my application").click()
        expect(page.locator("main")).to_contain_text("your application is with the scheme team")
        assert_no_axe_violations(page)
        application = MatchApplication.objects.get(mentee=mentee)
        assert any(m.to == [inbox] for m in mail.outbox)
        # No register to choose from, and no request to send, in this scheme.
        expect(page.get_by_role("link", name="Find a peer mentor")).to_have_count(0)

    # The scheme team proposes the first mentor from the matching queue.
    with at(1, 4, 11):
        admin_page.goto(reverse("admin:requests_app_matchapplication_changelist"))
        assert_no_axe_violations(admin_page)  # the matching queue
        admin_page.get_by_role("link", name=re.compile(str(application.pk))).first.click()
        propose(admin_page, application, "Priya Shah")

    # The first mentor talks with the mentee and says "not this time".
    with at(1, 5, 10):
        log_in(first_page, first.email)
        first_page.get_by_role("link", name="tell us whether you would like to go ahead").click()
        expect(first_page.locator("main")).to_contain_text(AIMS)
        proposal_url = first_page.url
        answer(first_page, proposal_url, go_ahead=False, reason="Our availability does not fit")
        expect(first_page.locator("main")).to_contain_text("will not go ahead")
        assert_no_axe_violations(first_page)

        page.goto(reverse("dashboard"))
        expect(page.locator("main")).to_contain_text("looking for a mentor who suits you")
        application.refresh_from_db()
        assert application.state == ApplicationState.WAITING

    # The scheme team proposes the second mentor; the first is not suggested again.
    with at(1, 6, 9):
        admin_page.goto(
            reverse("admin:requests_app_matchapplication_change", args=[application.pk])
        )
        expect(
            admin_page.get_by_role("button", name="Propose this match with Priya Shah")
        ).to_have_count(0)
        propose(admin_page, application, "Tom Reid")

    # Both say "let's go ahead", then both confirm the agreement.
    with at(1, 7, 12):
        page.goto(reverse("dashboard"))
        page.get_by_role("link", name="tell us whether you would like to go ahead").click()
        expect(page.locator("main")).to_contain_text("Tom Reid")
        answer(page, page.url, go_ahead=True)
        expect(page.locator("main")).to_contain_text("when the other side has answered")

        log_in(mentor_page, second.email)
        mentor_page.get_by_role("link", name="tell us whether you would like to go ahead").click()
        answer(mentor_page, mentor_page.url, go_ahead=True)
        expect(mentor_page.locator("main")).to_contain_text("You have both said yes")
        partnership = Partnership.objects.get(mentee=mentee)
        assert partnership.sessions_allowed == 6
        assert_no_axe_violations(mentor_page)
        mentor_page.get_by_label("How long will your meetings usually last?").select_option("60")
        mentor_page.get_by_label("How often do you plan to meet?").fill("Monthly")
        mentor_page.get_by_label("Video call").check()
        mentor_page.get_by_label("We have talked these points through").check()
        mentor_page.get_by_role("button", name="Confirm the agreement").click()
        expect(mentor_page.locator("main")).to_contain_text("We have asked")

        mail.outbox.clear()
        page.goto(reverse("requests:partnership_agreement", args=[partnership.pk]))
        page.get_by_label("We have talked these points through").check()
        page.get_by_role("button", name="Confirm the agreement").click()
        expect(page.locator("main")).to_contain_text("You have both confirmed the agreement")
        (record,) = [m for m in mail.outbox if m.to == [inbox]]
        assert "Amira Khan" in record.body
        assert "Tom Reid" in record.body
        assert "Monthly" not in record.body  # names and dates only
        partnership.refresh_from_db()
        assert partnership.state == PartnershipState.ACTIVE
        assert partnership.agreement_record.mentor_name == "Tom Reid"
        assert "Monthly" in partnership.agreement_record.arrangements

    # Six monthly meetings, each planned by the mentee with their agenda; the mentor
    # plans none. After the first, both tick that they discussed confidentiality.
    for number, (date, planned_on, held_on, agenda) in enumerate(MEETINGS, start=1):
        with at(*planned_on, 9):
            plan(page, partnership, date, agenda)
            expect(page.locator("main")).to_contain_text("Meeting planned")
            if number == 1:
                assert_no_axe_violations(page)
                mentor_page.goto(reverse("requests:partnership", args=[partnership.pk]))
                expect(mentor_page.locator("main")).to_contain_text("Your first meeting")
                expect(mentor_page.get_by_role("button", name="Plan a meeting")).to_have_count(0)
                assert_no_axe_violations(mentor_page)
        with at(*held_on, 19):
            mentor_page.goto(reverse("requests:partnership", args=[partnership.pk]))
            mentor_page.get_by_text("What Amira Khan would like to focus on").first.click()
            expect(mentor_page.locator("main")).to_contain_text(agenda)
            mark_held(mentor_page, partnership)
            if number == 1:
                tick_confidentiality(page, partnership)
                tick_confidentiality(mentor_page, partnership)
            if number == 3:  # half of the six: both are asked for mid-point feedback
                give_feedback(page, Feedback.objects.get(respondent=mentee, stage="midpoint"))
                give_mentors_feedback(
                    mentor_page, Feedback.objects.get(respondent=second.user, stage="midpoint")
                )

    # The sixth meeting completes the partnership; the scheme's part ends there.
    partnership.refresh_from_db()
    assert partnership.state == PartnershipState.COMPLETED
    assert Meeting.objects.filter(partnership=partnership, state=MeetingState.HELD).count() == 6
    assert sorted(
        Meeting.objects.filter(partnership=partnership).values_list("agenda", flat=True)
    ) == sorted(agenda for *_, agenda in MEETINGS)
    with at(6, 15, 9):
        page.goto(reverse("requests:partnership", args=[partnership.pk]))
        expect(page.locator("main")).to_contain_text("that is your own arrangement")
        assert_no_axe_violations(page)
        give_feedback(page, Feedback.objects.get(respondent=mentee, stage="end"))
        give_mentors_feedback(
            mentor_page, Feedback.objects.get(respondent=second.user, stage="end")
        )
    assert Feedback.objects.filter(submitted_at__isnull=False).count() == 4
    for context_page in (admin_page, first_page, mentor_page):
        context_page.context.close()
