"""Addresses of our pages to share outside the service (posters, blurbs, messages)."""

from django.conf import settings
from django.urls import reverse


def signup_address() -> str:
    """The sign-up page's full address, as the public reach it (SITE_URL)."""
    return settings.SITE_URL + reverse("account_signup")
