"""Log-in limits per address count the client's address, not the proxy's, and only
trust X-Forwarded-For as far as the scheme's own proxies write it."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.adapter import AccountAdapter
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "192.0.2.10"  # the TLS proxy, as gunicorn sees it
TOO_MANY = escape(AccountAdapter.error_messages["too_many_login_attempts"])
FAILURES_PER_ADDRESS = 10


@pytest.fixture(autouse=True)
def _limit_per_address(settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"].startswith(f"{FAILURES_PER_ADDRESS}/m/ip,")


def behind_proxy(**headers: str) -> Client:
    return Client(REMOTE_ADDR=PROXY, headers=headers)


def fail_to_the_limit(client: Client) -> None:
    """As many failed log-ins as one address may have, each for another account."""
    for n in range(FAILURES_PER_ADDRESS):
        response = log_in(client, f"nobody.{n}@example.nhs.uk", "not-the-password")
        assert TOO_MANY not in response.content.decode()


def log_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_by_default_the_connecting_address_counts_and_a_forged_header_does_not_escape(
    settings, mentee
):
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    fail_to_the_limit(behind_proxy(x_forwarded_for="198.51.100.7"))

    response = log_in(behind_proxy(x_forwarded_for="198.51.100.8"), mentee.email, TEST_PASSWORD)

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()


def test_with_one_trusted_proxy_two_people_behind_it_are_limited_separately(settings, mentee):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    fail_to_the_limit(behind_proxy(x_forwarded_for="198.51.100.7"))

    blocked = log_in(behind_proxy(x_forwarded_for="198.51.100.7"), mentee.email, TEST_PASSWORD)
    other = log_in(behind_proxy(x_forwarded_for="198.51.100.8"), mentee.email, TEST_PASSWORD)

    assert TOO_MANY in blocked.content.decode()
    assert other.status_code == 302
    assert other["Location"] == reverse("dashboard")


def test_with_one_trusted_proxy_only_the_address_it_appended_counts(settings, mentee):
    """A client may send its own X-Forwarded-For; the proxy appends the real address."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    fail_to_the_limit(behind_proxy(x_forwarded_for="198.51.100.7"))

    forged = behind_proxy(x_forwarded_for="203.0.113.99, 198.51.100.7")
    response = log_in(forged, mentee.email, TEST_PASSWORD)

    assert TOO_MANY in response.content.decode()


def test_a_client_address_header_set_by_the_proxy_counts_instead(settings, mentee):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    fail_to_the_limit(behind_proxy(x_real_ip="198.51.100.7", x_forwarded_for="198.51.100.8"))

    blocked = log_in(behind_proxy(x_real_ip="198.51.100.7"), mentee.email, TEST_PASSWORD)
    other = log_in(behind_proxy(x_real_ip="198.51.100.8"), mentee.email, TEST_PASSWORD)

    assert TOO_MANY in blocked.content.decode()
    assert other.status_code == 302
