from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from accounts.rules import admin_needs_two_factor


class AdminTwoFactorMiddleware:
    """Send staff without two-factor authentication to set it up before admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith(reverse("admin:index"))
            and request.user.is_authenticated
            and admin_needs_two_factor(request.user)
        ):
            messages.info(request, "Set up two-factor authentication before using the admin site.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)
