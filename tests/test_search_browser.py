"""A new mentee's whole way in, and searching the register, in a real browser with axe."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import MenteeProfile, TrainingStatus, User
from register.models import Weekday
from tests.axe import assert_no_axe_violations
from tests.factories import (
    TEST_PASSWORD,
    GradeFactory,
    MentorProfileFactory,
    SchemeAdminFactory,
    SchoolFactory,
    TrustFactory,
)
from tests.test_pages import give_photo

pytestmark = pytest.mark.browser

PASSWORD = "a-Long-and-unusual-passphrase-42"
CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+")


def confirmation_path(message) -> str:
    match = CONFIRMATION_LINK.search(message.body)
    assert match, f"no confirmation link in the email:\n{message.body}"
    url = urlsplit(match.group(0))
    return url.path


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.fixture
def register_with_mentors(db):
    """Reference data and a few published mentors, two of them in surgery on Fridays."""
    surgery = SchoolFactory(name="School of Surgery")
    medicine = SchoolFactory(name="School of Medicine")
    GradeFactory(name="ST3")
    leeds = TrustFactory(name="Leeds Teaching Hospitals NHS Trust", region="West Yorkshire")
    hull = TrustFactory(name="Hull University Teaching Hospitals NHS Trust", region="Humber")
    mentors = {
        "climber": MentorProfileFactory(
            first_name="Aisha",
            last_name="Rahman",
            school=surgery,
            trust=hull,
            available_days=Weekday.FRIDAY,
            interests="Bouldering, climbing walls and long walks.",
        ),
        "surgeon": MentorProfileFactory(
            first_name="Ben",
            last_name="Carter",
            school=surgery,
            trust=leeds,
            available_days=Weekday.FRIDAY | Weekday.MONDAY,
            interests="Cooking for friends.",
        ),
        "physician": MentorProfileFactory(
            first_name="Chloe",
            last_name="Evans",
            school=medicine,
            trust=leeds,
            available_days=Weekday.FRIDAY,
            interests="Climbing in the Peak District.",
            is_paused=True,
        ),
    }
    for profile in mentors.values():
        give_photo(profile)
    return mentors


def test_a_new_mentee_signs_up_sets_up_their_profile_and_finds_a_mentor(
    page, register_with_mentors
):
    email = "new.returner@example.nhs.uk"
    climber = register_with_mentors["climber"]

    # The home page's sign-up button asks the eligibility question first.
    page.goto("/")
    page.get_by_role("button", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/mentee/eligibility/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check you can take part")
    assert_no_axe_violations(page)

    # No answer, then a planned absence without a date: errors, accessibly.
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select the answer")
    assert_no_axe_violations(page)
    page.get_by_label("I am planning time out of training and have completed").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the date")
    assert_no_axe_violations(page)
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Continue").click()

    # allauth's sign-up, then the confirmation email.
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    page.locator("[name='email']").fill(email)
    page.locator("[name='password1']").fill(PASSWORD)
    page.locator("[name='password2']").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    assert User.objects.filter(email=email).exists()
    assert not MenteeProfile.objects.exists()

    assert len(mail.outbox) == 1
    page.goto(confirmation_path(mail.outbox[0]))
    page.locator("form[action*='/accounts/confirm-email/'] [type='submit']").click()

    # Confirming logs in and goes straight on to the profile.
    expect(page).to_have_url(re.compile(r"/mentee/profile/$"))
    expect(page.get_by_text("completed your absence planning form on")).to_be_visible()
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("privacy notice")
    assert_no_axe_violations(page)
    expect(page.get_by_role("link", name="privacy notice", exact=True)).to_have_attribute(
        "href", "/about/privacy/"
    )
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Mensah")
    page.get_by_label("Grade").select_option(label="ST3")
    page.get_by_label("School", exact=True).select_option(label="School of Medicine")
    page.get_by_label("Trust", exact=True).select_option(label="Leeds Teaching Hospitals NHS Trust")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Save and continue").click()

    # The new mentee lands on the register, suggestions first.
    expect(page).to_have_url(re.compile(r"/mentors/$"))
    expect(page.get_by_role("heading", name="3 mentors found")).to_be_visible()
    profile = MenteeProfile.objects.get(user__email=email)
    assert profile.training_status == TrainingStatus.PLANNING
    assert profile.absence_form_completed_on.isoformat() == "2025-02-03"
    assert profile.privacy_consent_at is not None
    expect(page.get_by_role("img", name="Photo of Aisha Rahman")).to_be_visible()
    paused = page.locator(f"#mentor-{register_with_mentors['physician'].pk}")
    expect(paused).to_contain_text("Not taking requests")
    expect(paused).to_contain_text("Same school")
    assert_no_axe_violations(page)

    # Words and two filters, all in the address.
    page.get_by_label("Words to look for").fill("climbing")
    page.get_by_label("School", exact=True).select_option(label="School of Surgery")
    page.get_by_label("Friday").check()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 mentor found")).to_be_visible()
    assert query_of(page)["q"] == ["climbing"]
    assert query_of(page)["days"] == [str(Weekday.FRIDAY.value)]
    expect(page.locator(".nhsuk-card__link")).to_have_text(["Aisha Rahman"])
    assert_no_axe_violations(page)

    # Too narrow: the empty state offers to remove each filter.
    page.get_by_label("Monday").check()
    page.get_by_label("Friday").uncheck()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No mentors found")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Remove words “climbing”").click()
    expect(page.get_by_role("heading", name="1 mentor found")).to_be_visible()
    expect(page.locator(".nhsuk-card__link")).to_have_text(["Ben Carter"])

    # The back button returns to the earlier search, filters and all.
    page.go_back()
    expect(page.get_by_role("heading", name="No mentors found")).to_be_visible()
    expect(page.get_by_label("Words to look for")).to_have_value("climbing")
    page.go_back()
    expect(page.get_by_role("heading", name="1 mentor found")).to_be_visible()

    # Opening a card goes to the mentor's profile page.
    page.get_by_role("link", name="Aisha Rahman").click()
    expect(page).to_have_url(re.compile(rf"/mentors/{climber.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aisha Rahman")


def test_someone_who_cannot_take_part_is_turned_away_kindly_and_nothing_is_kept(page, db):
    page.goto("/accounts/signup/")
    expect(page).to_have_url(re.compile(r"/mentee/eligibility/$"))

    page.get_by_label("but have not completed my absence planning form yet").check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(r"/mentee/not-eligible/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Complete your absence planning form first"
    )
    expect(page.get_by_role("link", name=re.compile("@"))).to_be_visible()
    assert_no_axe_violations(page)
    assert not User.objects.exists()

    # Trying the sign-up page again leads back to the question.
    page.goto("/accounts/signup/")
    expect(page).to_have_url(re.compile(r"/mentee/eligibility/$"))
    assert not User.objects.exists()


def test_a_scheme_admin_searches_by_name_with_numbered_pages(page, db, settings):
    settings.ADMIN_REQUIRE_MFA = False  # the log-in form, without an authenticator code
    scheme_admin = SchemeAdminFactory(verified=True)
    for n in range(23):
        MentorProfileFactory(first_name="Mentor", last_name=f"Number{n:02d}")

    page.goto("/accounts/login/?next=/mentors/")
    page.locator("[name='login']").fill(scheme_admin.email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='password']) [type='submit']").click()

    expect(page.get_by_role("heading", name="23 mentors found")).to_be_visible()
    expect(page.locator(".nhsuk-card__link").first).to_have_text("Mentor Number00")
    page.get_by_role("link", name="Page 2").click()
    expect(page.locator(".nhsuk-card__link")).to_have_count(3)
    expect(page.locator(".nhsuk-card__link").first).to_have_text("Mentor Number20")
    assert_no_axe_violations(page)
