"""Pages go out compressed to browsers that accept it; photos and BREACH's ingredients do not."""

import gzip
import re

from django.conf import settings
from django.urls import reverse

from tests.test_pages import give_photo

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_page_is_compressed_for_a_browser_that_accepts_gzip(client, mentee):
    client.force_login(mentee)

    response = client.get(reverse("mentor_search"), **GZIP)

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "</html>" in html
    assert len(response.content) < len(html.encode()) / 3


def test_a_page_is_plain_for_a_client_that_does_not_ask(client, mentee):
    client.force_login(mentee)

    response = client.get(reverse("mentor_search"))

    assert not response.has_header("Content-Encoding")
    assert b"</html>" in response.content


def test_photos_are_not_compressed_again(client, mentee, mentor):
    give_photo(mentor.mentor_profile)
    client.force_login(mentee)

    response = client.get(reverse("mentor_photo", args=[mentor.mentor_profile.pk, "small"]), **GZIP)

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG as stored


def test_the_csrf_token_of_a_compressed_page_differs_in_every_response(client, db):
    """BREACH guesses a secret that repeats from response to response: the token does not."""
    url = reverse("account_login")

    pages = [gzip.decompress(client.get(url, **GZIP).content).decode() for _ in range(3)]

    assert len({csrf_token(html) for html in pages}) == 3
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
