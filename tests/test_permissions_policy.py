"""Browser features the service never uses (camera, microphone, location, payment…) are
switched off by a Permissions-Policy header on every response."""

import pytest
from django.urls import reverse

DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "midi"]


def policy_of(response) -> dict[str, str]:
    return dict(
        directive.strip().split("=", 1) for directive in response["Permissions-Policy"].split(",")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("account_login"),
        "/static/js/init.js",  # WhiteNoise's answer
        "/no-such-page/",
    ],
)
def test_every_response_denies_the_features_the_service_does_not_use(client, url):
    policy = policy_of(client.get(url))

    for feature in DENIED:
        assert policy[feature] == "()"


def test_a_signed_in_page_denies_them_too(client, mentee):
    client.force_login(mentee)

    response = client.get(reverse("requests:mine"))

    assert response.status_code == 200
    assert policy_of(response)["camera"] == "()"


@pytest.mark.browser
def test_chromium_reads_the_policy_without_complaint(page):
    """Chromium reports a feature it does not know on the console: every one is known,
    and the page's scripts cannot use the camera or the location."""
    complaints: list[str] = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text) if "Permissions-Policy" in message.text else None
        ),
    )

    page.goto("/")

    assert complaints == []
    allowed = page.evaluate(
        "['camera', 'geolocation', 'payment'].map("
        "f => (document.permissionsPolicy || document.featurePolicy).allowsFeature(f))"
    )
    assert allowed == [False, False, False]
