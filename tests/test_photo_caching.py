"""Mentor photos: an address per upload, kept by the browser for a year, no session write."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TEST_PASSWORD
from tests.test_mentor_self_service import bio_data, photo_upload, set_review
from tests.test_pages import LOGIN_URL, login_redirect
from tests.test_session_refresh import session_writes

YEAR = 365 * 24 * 3600
THUMBNAIL = re.compile(r'<img class="app-mentor-card__photo" src="([^"]+)"')


def upload_photo(client, mentor) -> None:
    client.force_login(mentor)
    response = client.post(
        reverse("my_bio_edit"), {**bio_data(mentor.mentor_profile), "photo": photo_upload()}
    )
    assert response.status_code == 302
    mentor.mentor_profile.refresh_from_db()


def thumbnail_on_search_page(client, mentee) -> str:
    client.force_login(mentee)
    (src,) = THUMBNAIL.findall(client.get(reverse("mentor_search")).content.decode())
    return src.replace("&amp;", "&")


@pytest.fixture
def photographed(client, mentor, settings):
    set_review(False)
    upload_photo(client, mentor)
    return mentor


def test_a_new_photo_has_a_new_address_everywhere_it_is_shown(client, mentee, photographed):
    profile = photographed.mentor_profile
    first = thumbnail_on_search_page(client, mentee)
    first_large = profile.photo_url("large")

    upload_photo(client, photographed)
    second = thumbnail_on_search_page(client, mentee)

    assert first.startswith(reverse("mentor_photo", args=[profile.pk, "small"]) + "?v=")
    assert second != first
    assert second == profile.photo_url("small")
    assert profile.photo_url("large") != first_large
    client.force_login(mentee)
    assert (
        profile.photo_url("large")
        in client.get(reverse("mentor_profile", args=[profile.pk])).content.decode()
    )
    client.force_login(photographed)
    assert second in client.get(reverse("my_bio_edit")).content.decode().replace("&amp;", "&")


@pytest.mark.parametrize("size", ["small", "large"])
def test_a_photo_at_its_address_is_kept_by_the_browser_for_a_year(
    client, mentee, photographed, size
):
    client.force_login(mentee)

    response = client.get(photographed.mentor_profile.photo_url(size))

    assert response.status_code == 200
    assert response["Cache-Control"] == f"private, max-age={YEAR}, immutable"


def test_an_old_or_unversioned_address_is_checked_every_time(client, mentee, photographed):
    profile = photographed.mentor_profile
    old = profile.photo_url("small")
    upload_photo(client, photographed)
    client.force_login(mentee)

    for address in (old, reverse("mentor_photo", args=[profile.pk, "small"])):
        response = client.get(address)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-cache"


def test_photos_never_write_the_session(client, mentee, photographed):
    address = photographed.mentor_profile.photo_url("small")
    client.logout()
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)) as clock:
        client.post(LOGIN_URL, {"login": mentee.email, "password": TEST_PASSWORD})
        assert client.session["_auth_user_id"] == str(mentee.pk)
        clock.shift(datetime.timedelta(minutes=5))  # a page now would save the session

        with CaptureQueriesContext(connection) as queries:
            response = client.get(address)

    assert response.status_code == 200
    assert session_writes(queries) == []
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_photos_are_still_for_logged_in_people_only(client, photographed):
    client.logout()
    address = photographed.mentor_profile.photo_url("small")

    response = client.get(address)

    assert login_redirect(response)[0] == LOGIN_URL
    assert "immutable" not in response.get("Cache-Control", "")
