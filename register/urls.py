"""The register's pages: mentor bios and profiles (register/mentor_urls.py)."""

from django.urls import include, path

urlpatterns = [
    path("", include("register.mentor_urls")),
]
