"""Signing up with an address that already has an account looks, and costs, the same as
signing up with a new one: the same page, the same redirect, one email to that address,
and the same password hashing (its time would otherwise tell who has an account)."""

import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail

from accounts.models import User
from tests.factories import UserFactory

ELIGIBILITY = "/mentee/eligibility/"
SIGNUP = "/accounts/signup/"
PASSWORD = "a-Long-and-unusual-passphrase-42"
pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """The tests' fast hasher, counting how many passwords it hashes."""

    algorithm = "counting_md5"
    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = 0
    return CountingHasher


def without_nonce(page) -> str:
    """The page's text less its per-response script nonce."""
    return re.sub(r'nonce="[^"]+"', 'nonce=""', page.content.decode())


def sign_up(client, committed, email: str):
    """Answer the eligibility question, then sign up; the emails go after commit."""
    client.post(ELIGIBILITY, {"situation": "out"})
    with committed():
        response = client.post(
            SIGNUP, {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        )
    return response


def test_a_registered_address_gets_the_same_answer_and_an_email_saying_so(
    client, committed, counting_hasher
):
    registered = UserFactory(email="registered@example.nhs.uk", verified=True)
    password_before = registered.password
    counting_hasher.hashed = 0

    new = sign_up(client, committed, "new.trainee@example.nhs.uk")
    hashed_for_new = counting_hasher.hashed
    new_page = client.get(new["Location"])
    client.logout()
    counting_hasher.hashed = 0
    again = sign_up(client, committed, "registered@example.nhs.uk")
    hashed_for_registered = counting_hasher.hashed
    again_page = client.get(again["Location"])

    assert new.status_code == again.status_code == 302
    assert new["Location"] == again["Location"] == "/accounts/confirm-email/"
    assert new_page.status_code == again_page.status_code == 200
    assert without_nonce(new_page).replace("new.trainee", "registered") == without_nonce(again_page)
    assert hashed_for_new == hashed_for_registered == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["new.trainee@example.nhs.uk"], "Confirm your email address"),
        (["registered@example.nhs.uk"], "You already have an account"),
    ]
    assert "/accounts/password/reset/" in mail.outbox[1].body
    assert User.objects.filter(email__iexact="registered@example.nhs.uk").count() == 1
    registered.refresh_from_db()
    assert registered.password == password_before
