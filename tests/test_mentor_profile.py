"""A mentor's profile page: who sees it, what they see, and when contact details show."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils.html import escape
from playwright.sync_api import expect

from register.models import MentorProfile, MentorStatus, TimeOfDay, Weekday
from requests_app.models import PartnershipState, RequestState
from tests.axe import assert_no_axe_violations
from tests.factories import (
    TEST_PASSWORD,
    MenteeProfileFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    UserFactory,
    VirtualPlatformFactory,
    give_two_factor,
)
from tests.test_mentor_self_service import give_photo

LOGIN_URL = "/accounts/login/"
CONTACT_EMAIL = "reach.me@example.nhs.uk"
CONTACT_PHONE = "07700 900123"


@pytest.fixture
def bio(mentor) -> MentorProfile:
    """The mentor persona's published bio, with contact details and a full week."""
    profile = mentor.mentor_profile
    profile.contact_email = CONTACT_EMAIL
    profile.contact_phone = CONTACT_PHONE
    profile.contact_notes = "Email me first"
    profile.pronouns = "they/them"
    profile.interests = "Wild swimming"
    profile.available_days = Weekday.MONDAY | Weekday.TUESDAY | Weekday.FRIDAY
    profile.available_times = TimeOfDay.MORNING | TimeOfDay.EVENING
    profile.meets_face_to_face = True
    profile.face_to_face_location = "St James's Hospital, Leeds"
    profile.save()
    profile.virtual_platforms.add(VirtualPlatformFactory(name="Zoom"))
    return profile


def profile_url(profile: MentorProfile) -> str:
    return reverse("mentor_profile", args=[profile.pk])


def set_status(profile: MentorProfile, status: str) -> None:
    MentorProfile.objects.filter(pk=profile.pk).update(status=status)


def has_contact_details(content: str) -> bool:
    return CONTACT_EMAIL in content or CONTACT_PHONE in content


# --- Who may see it ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, bio):
    response = client.get(profile_url(bio))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={profile_url(bio)}"


def test_a_mentee_sees_a_published_bio(client, mentee, bio):
    client.force_login(mentee)

    response = client.get(profile_url(bio))

    assert response.status_code == 200
    assert escape(bio.full_name) in response.content.decode()


@pytest.mark.parametrize("status", [MentorStatus.DRAFT, MentorStatus.SUBMITTED, "retired"])
def test_a_mentee_cannot_see_a_bio_that_is_not_published(client, mentee, bio, status):
    set_status(bio, status)
    client.force_login(mentee)

    assert client.get(profile_url(bio)).status_code == 404


def test_another_mentor_cannot_see_an_unpublished_bio(client, other_mentor, bio):
    set_status(bio, MentorStatus.DRAFT)
    client.force_login(other_mentor)

    assert client.get(profile_url(bio)).status_code == 404


def test_another_mentor_who_is_not_a_mentee_cannot_see_a_published_bio_either(
    client, other_mentor, bio
):
    client.force_login(other_mentor)

    assert client.get(profile_url(bio)).status_code == 404


def test_a_user_with_no_role_cannot_see_a_bio(client, bio):
    client.force_login(UserFactory(verified=True))

    assert client.get(profile_url(bio)).status_code == 404


def test_an_unknown_mentor_is_not_found(client, mentee):
    client.force_login(mentee)

    assert client.get(reverse("mentor_profile", args=[999_999])).status_code == 404


@pytest.mark.parametrize("status", [MentorStatus.DRAFT, MentorStatus.SUBMITTED, "published"])
def test_a_scheme_admin_sees_a_bio_in_any_status_with_a_link_to_admin(
    client, scheme_admin, bio, status
):
    set_status(bio, status)
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)

    response = client.get(profile_url(bio))

    assert response.status_code == 200
    content = response.content.decode()
    assert f"/admin/register/mentorprofile/{bio.pk}/change/" in content
    assert reverse("requests:send", args=[bio.pk]) not in content


@pytest.mark.parametrize("status", [MentorStatus.DRAFT, MentorStatus.SUBMITTED, "published"])
def test_the_mentor_previews_their_own_bio_in_any_status(client, mentor, bio, status):
    set_status(bio, status)
    client.force_login(mentor)

    for url in (profile_url(bio), reverse("my_bio_preview")):
        response = client.get(url)
        assert response.status_code == 200
        content = response.content.decode()
        assert "This is how mentees see your bio" in content
        assert reverse("requests:send", args=[bio.pk]) not in content
        assert CONTACT_EMAIL in content  # their own details, with who sees them
        assert "Mentees see these only after you accept their request" in content


def test_preview_ladder(client, mentee, mentor):
    url = reverse("my_bio_preview")
    assert client.get(url)["Location"].startswith(LOGIN_URL)
    client.force_login(mentee)
    assert client.get(url).status_code == 404
    client.force_login(mentor)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_the_profile_only_answers_reads(client, mentee, bio):
    client.force_login(mentee)

    assert client.post(profile_url(bio)).status_code == 405


# --- Contact details ------------------------------------------------------------------------


def test_a_mentee_does_not_see_contact_details_before_a_request_is_accepted(client, mentee, bio):
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert not has_contact_details(content)
    assert f"You will see {bio.first_name}'s contact details once" in content.replace("&#39;", "'")


@pytest.mark.parametrize(
    "state", [RequestState.PENDING, RequestState.REJECTED, RequestState.EXPIRED]
)
def test_a_request_that_was_not_accepted_does_not_show_contact_details(client, mentee, bio, state):
    MentoringRequestFactory(mentee=mentee, mentor=bio, state=state)
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert not has_contact_details(content)


@pytest.mark.parametrize(
    "state", [PartnershipState.AGREEMENT_PENDING, PartnershipState.ACTIVE, "completed"]
)
def test_a_mentee_whose_request_was_accepted_sees_contact_details(client, mentee, bio, state):
    PartnershipFactory(request__mentee=mentee, request__mentor=bio, state=state)
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert f'href="mailto:{CONTACT_EMAIL}"' in content
    assert CONTACT_PHONE in content
    assert "Email me first" in content


def test_another_mentees_accepted_request_does_not_show_contact_details(
    client, mentee, other_mentee, bio
):
    PartnershipFactory(request__mentee=other_mentee, request__mentor=bio)
    client.force_login(mentee)

    assert not has_contact_details(client.get(profile_url(bio)).content.decode())


def test_contact_email_falls_back_to_the_scheme_email(client, mentee, bio):
    MentorProfile.objects.filter(pk=bio.pk).update(contact_email="")
    PartnershipFactory(request__mentee=mentee, request__mentor=bio)
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert f'href="mailto:{bio.email}"' in content


# --- What the profile shows ----------------------------------------------------------------


def test_the_profile_shows_the_bio_in_words(client, mentee, bio):
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode().replace("&#39;", "'")

    for text in (
        bio.grade.name,
        bio.school.name,
        bio.trust.name,
        "they/them",
        bio.supportt_experience,
        bio.motivation,
        "Wild swimming",
        "Monday, Tuesday and Friday",
        "Mornings and evenings",
        "St James's Hospital, Leeds",
        "Microsoft Teams and Zoom",
    ):
        assert text in content, text


def test_the_photo_is_shown_from_the_photo_address_with_alt_text(client, mentee, bio):
    give_photo(bio)
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert f'src="{bio.photo_url("large")}"' in content
    assert f'alt="Photo of {escape(bio.full_name)}"' in content


def test_without_a_photo_there_is_no_image(client, mentee, bio):
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert reverse("mentor_photo", args=[bio.pk, "large"]) not in content


def test_the_profile_loads_in_a_few_queries(client, mentee, bio, django_assert_max_num_queries):
    client.force_login(mentee)

    with django_assert_max_num_queries(11):
        assert client.get(profile_url(bio)).status_code == 200


# --- Requesting this mentor -----------------------------------------------------------------


def test_a_mentee_can_ask_a_mentor_who_takes_requests(client, mentee, bio):
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert f'href="{reverse("requests:send", args=[bio.pk])}"' in content
    assert f"{bio.first_name} is taking requests" in content


def test_a_paused_mentor_has_no_request_button_and_says_why(client, mentee, bio):
    MentorProfile.objects.filter(pk=bio.pk).update(is_paused=True)
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert reverse("requests:send", args=[bio.pk]) not in content
    assert "This mentor has paused taking requests." in content


def test_a_full_mentor_has_no_request_button_and_says_why(client, mentee, other_mentee, bio):
    MentorProfile.objects.filter(pk=bio.pk).update(capacity=1)
    PartnershipFactory(request__mentee=other_mentee, request__mentor=bio)
    client.force_login(mentee)

    content = client.get(profile_url(bio)).content.decode()

    assert reverse("requests:send", args=[bio.pk]) not in content
    assert "no space for another mentee" in content


def test_a_mentor_who_is_also_a_mentee_never_gets_a_button_on_their_own_profile(
    client, mentor, bio
):
    MenteeProfileFactory(user=mentor)
    client.force_login(mentor)

    content = client.get(profile_url(bio)).content.decode()

    assert reverse("requests:send", args=[bio.pk]) not in content
    assert "This is how mentees see your bio" in content


def test_a_mentor_who_is_also_a_mentee_can_ask_another_mentor(client, mentor, other_mentor):
    MenteeProfileFactory(user=mentor)
    other = other_mentor.mentor_profile
    client.force_login(mentor)

    content = client.get(profile_url(other)).content.decode()

    assert f'href="{reverse("requests:send", args=[other.pk])}"' in content
    assert other.email not in content


# --- In a browser ---------------------------------------------------------------------------


def log_in(page, user) -> None:
    page.goto(LOGIN_URL)
    page.locator("[name='login']").fill(user.email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='password']) [type='submit']").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


@pytest.mark.browser
def test_a_mentee_sees_a_profile_without_then_with_contact_details(page, mentee, bio):
    give_photo(bio)
    paused = MentorProfileFactory(is_paused=True)
    log_in(page, mentee)

    page.goto(profile_url(bio))
    expect(page.get_by_role("img", name=f"Photo of {bio.full_name}")).to_be_visible()
    expect(page.get_by_role("button", name=f"Send {bio.first_name} a request")).to_be_visible()
    expect(page.get_by_text(CONTACT_EMAIL)).to_have_count(0)
    assert_no_axe_violations(page)

    page.goto(profile_url(paused))
    expect(page.get_by_text("This mentor has paused taking requests.")).to_be_visible()
    assert_no_axe_violations(page)

    PartnershipFactory(request__mentee=mentee, request__mentor=bio)
    page.goto(profile_url(bio))
    expect(page.get_by_role("link", name=CONTACT_EMAIL)).to_be_visible()
    expect(page.get_by_text(CONTACT_PHONE)).to_be_visible()
    assert_no_axe_violations(page)


@pytest.mark.browser
def test_the_mentor_preview_and_the_admin_view_have_no_accessibility_problems(
    page, mentor, scheme_admin, bio, settings
):
    settings.ADMIN_REQUIRE_MFA = False
    EmailAddress.objects.create(
        user=scheme_admin, email=scheme_admin.email, verified=True, primary=True
    )
    set_status(bio, MentorStatus.SUBMITTED)
    log_in(page, mentor)
    page.goto(reverse("my_bio_preview"))
    expect(page.get_by_text("This is how mentees see your bio")).to_be_visible()
    assert_no_axe_violations(page)

    page.context.clear_cookies()
    log_in(page, scheme_admin)
    page.goto(profile_url(bio))
    expect(page.get_by_role("link", name="Open this bio in admin")).to_be_visible()
    assert_no_axe_violations(page)
