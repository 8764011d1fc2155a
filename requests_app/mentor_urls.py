"""A mentor's pages that show requests, partnerships or the waiting list (their URL
names are not namespaced, as the register's other mentor pages)."""

from django.urls import path

from requests_app import mentor_views

urlpatterns = [
    path("mentors/<int:pk>/", mentor_views.mentor_profile, name="mentor_profile"),
    path("my-bio/preview/", mentor_views.my_bio_preview, name="my_bio_preview"),
    path("my-bio/capacity/", mentor_views.my_bio_capacity, name="my_bio_capacity"),
]
