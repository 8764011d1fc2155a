"""Searching the register (mentees and scheme admins)."""

from django.urls import path

from requests_app import search_views

urlpatterns = [
    path("mentors/", search_views.mentor_search, name="mentor_search"),
]
