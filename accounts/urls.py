"""Our stand-ins for allauth's pages: include with path("accounts/", include("accounts.urls"))
before allauth's own."""

from django.urls import path

from accounts import two_factor_views

urlpatterns = [
    path("2fa/authenticate/", two_factor_views.authenticate, name="mfa_authenticate"),
]
