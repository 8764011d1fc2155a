"""Logging in with two-factor authentication: the code step answers every post with the page."""

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD, SchemeAdminFactory, give_two_factor


@pytest.fixture
def scheme_admin(db):
    return SchemeAdminFactory(verified=True)


def reach_the_code_step(client, user):
    give_two_factor(user)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")


def test_a_wrong_code_is_refused_on_the_page(client, scheme_admin):
    reach_the_code_step(client, scheme_admin)

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_post_without_the_code_field_asks_for_the_code(client, scheme_admin):
    """The form always sends the field; a post without it is treated as an empty code
    (allauth would take it for a security key's answer, which this service does not use)."""
    reach_the_code_step(client, scheme_admin)

    response = client.post(reverse("mfa_authenticate"), {})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="code"' in html
    assert "There is a problem" in html
    assert "_auth_user_id" not in client.session
