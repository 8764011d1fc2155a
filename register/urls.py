"""The register's pages: mentor bios and profiles (register/mentor_urls.py), and the
page a mentor's invitation email links to."""

from django.urls import include, path

from register import invitation_views

urlpatterns = [
    path("", include("register.mentor_urls")),
    path(
        "accounts/invitation/<str:token>/",
        invitation_views.accept_mentor_invitation,
        name="mentor_invitation",
    ),
]
