"""Pages through Django's test client: who may see what."""

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from register.models import MentorStatus
from tests.factories import TEST_PASSWORD

LOGIN_URL = "/accounts/login/"


def page_title(response) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.DOTALL)
    assert match, "the page has no <title>"
    return " ".join(match.group(1).split())


def small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 94, 184)).save(buffer, format="JPEG")
    return buffer.getvalue()


def give_photo(profile) -> None:
    profile.photo.save("photo.jpg", ContentFile(small_jpeg()), save=False)
    profile.photo_thumbnail.save("photo-small.jpg", ContentFile(small_jpeg()), save=False)
    profile.save()


# --- Public and private pages ---------------------------------------------------


def test_home_page_is_public_and_invites_people_to_sign_up(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert settings.SERVICE_NAME in content
    assert f'href="{reverse("account_signup")}"' in content
    assert page_title(response).endswith("– NHS")


def test_login_required_middleware_denies_by_default():
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in settings.MIDDLEWARE


@pytest.mark.parametrize(
    "url_name", ["home", "account_login", "mentee_eligibility", "account_reset_password"]
)
def test_pages_meant_for_everyone_are_public(client, db, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200


def test_dashboard_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/dashboard/"


@pytest.mark.parametrize("persona", ["mentee", "other_mentee", "mentor", "scheme_admin"])
def test_everyone_logged_in_can_see_their_dashboard(client, db, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert user.email in response.content.decode()
    assert page_title(response).startswith("Your dashboard")


def test_dashboard_shows_each_role_its_own_next_step(client, mentee, mentor, scheme_admin):
    client.force_login(mentee)
    assert "Find a peer mentor" in client.get(reverse("dashboard")).content.decode()

    client.force_login(mentor)
    assert "Your mentor bio" in client.get(reverse("dashboard")).content.decode()

    client.force_login(scheme_admin)
    assert "Scheme administration" in client.get(reverse("dashboard")).content.decode()


# --- Admin ---------------------------------------------------------------------


def test_admin_sends_anonymous_visitors_to_our_log_in_page(client, db):
    response = client.get("/admin/", follow=True)

    assert response.status_code == 200
    last = urlsplit(response.redirect_chain[-1][0])
    assert (last.path, parse_qs(last.query)) == (LOGIN_URL, {"next": ["/admin/"]})


def test_admin_turns_away_a_mentee(client, mentee):
    client.force_login(mentee)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(("/admin/login/", LOGIN_URL))


def test_admin_does_not_send_a_logged_in_mentee_round_in_circles(client, mentee):
    client.force_login(mentee)

    response = client.get("/admin/", follow=True)

    assert response.status_code in {200, 403}


def test_scheme_admin_reaches_admin_when_two_factor_is_not_required(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)

    response = client.get("/admin/")

    assert response.status_code == 200


def test_scheme_admin_must_set_up_two_factor_before_admin(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = True
    client.force_login(scheme_admin)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def login_redirect(response) -> tuple[str, dict[str, list[str]]]:
    """The path and query of a redirect, the query decoded."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    return location.path, parse_qs(location.query)


def test_admin_login_page_is_the_accounts_login_page(client, db):
    response = client.get("/admin/login/", {"next": "/admin/register/"})

    assert login_redirect(response) == (LOGIN_URL, {"next": ["/admin/register/"]})


def test_admin_login_does_not_pass_on_a_next_address_elsewhere(client, db):
    response = client.get("/admin/login/", {"next": "https://evil.example/"})

    path, query = login_redirect(response)
    assert path == LOGIN_URL
    assert "evil.example" not in "".join(query.get("next", []))


def test_logging_in_never_follows_a_next_address_to_another_site(client, mentee):
    # admin_login passes "//evil.example/" on (it starts with "/"); allauth must refuse it.
    response = client.post(
        "/accounts/login/?next=//evil.example/",
        {"login": mentee.email, "password": TEST_PASSWORD, "next": "//evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_admin_login_keeps_the_whole_next_address(client, db):
    target = "/admin/requests_app/mentoringrequest/?state=pending&o=1"

    response = client.get("/admin/login/", {"next": target})

    assert login_redirect(response) == (LOGIN_URL, {"next": [target]})


# --- Photos --------------------------------------------------------------------


@pytest.fixture
def mentor_photo_url(mentor):
    give_photo(mentor.mentor_profile)
    return reverse("mentor_photo", args=[mentor.mentor_profile.pk, "small"])


def test_photo_sends_anonymous_visitors_to_log_in(client, mentor_photo_url):
    response = client.get(mentor_photo_url)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_photo_is_shown_to_a_mentee_when_the_mentor_is_published(client, mentee, mentor_photo_url):
    client.force_login(mentee)

    response = client.get(mentor_photo_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == small_jpeg()
    assert "private" in response["Cache-Control"]


def test_photo_is_hidden_from_a_mentee_when_the_mentor_is_not_published(
    client, mentee, mentor, mentor_photo_url
):
    profile = mentor.mentor_profile
    profile.status = MentorStatus.SUBMITTED
    profile.save()
    client.force_login(mentee)

    response = client.get(mentor_photo_url)

    assert response.status_code == 404


def test_photo_is_hidden_from_another_mentor(client, other_mentor, mentor_photo_url):
    client.force_login(other_mentor)

    response = client.get(mentor_photo_url)

    assert response.status_code == 404


def test_mentor_sees_their_own_photo(client, mentor, mentor_photo_url):
    client.force_login(mentor)

    response = client.get(mentor_photo_url)

    assert response.status_code == 200


def test_photo_of_an_unknown_size_or_mentor_is_not_found(client, mentee, mentor, mentor_photo_url):
    client.force_login(mentee)
    pk = mentor.mentor_profile.pk

    assert client.get(reverse("mentor_photo", args=[pk, "huge"])).status_code == 404
    assert client.get(reverse("mentor_photo", args=[pk + 1000, "small"])).status_code == 404


def test_photo_is_not_found_when_the_mentor_has_none(client, mentee, mentor):
    client.force_login(mentee)

    response = client.get(reverse("mentor_photo", args=[mentor.mentor_profile.pk, "small"]))

    assert response.status_code == 404


# --- Errors and methods --------------------------------------------------------


def test_unknown_address_shows_our_page_not_found(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert page_title(response) == f"Page not found – {settings.SERVICE_NAME} – NHS"


def test_unknown_address_shows_our_page_not_found_when_logged_in(client, mentee):
    client.force_login(mentee)

    response = client.get("/accounts/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_posting_to_a_page_that_only_reads_is_not_allowed(client, mentee):
    client.force_login(mentee)

    assert client.post(reverse("home")).status_code == 405
    response = client.post(reverse("dashboard"))
    assert response.status_code == 405
    allowed = {method.strip() for method in response["Allow"].split(",")}
    assert "GET" in allowed
    assert "POST" not in allowed


def test_getting_the_log_out_address_does_not_log_out(client, mentee):
    client.force_login(mentee)

    response = client.get(reverse("account_logout"))

    assert response.status_code in {200, 302}
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_dashboard_title_is_plain_text(client, mentee):
    client.force_login(mentee)

    response = client.get(reverse("dashboard"))

    assert page_title(response).startswith("Your dashboard –")
    assert "<" not in page_title(response)


def test_the_dashboard_offers_the_data_page_once(client, mentee):
    client.force_login(mentee)

    response = client.get(reverse("dashboard"))

    assert response.content.decode().count(reverse("my_data")) == 1
