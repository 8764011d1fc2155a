"""The register's pages: mentor bios and profiles (register/mentor_urls.py) and search."""

from django.urls import include, path

urlpatterns = [
    path("", include("register.mentor_urls")),
    path("", include("register.search_urls")),
]
