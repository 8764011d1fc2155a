"""Becoming a mentee: include with path("", include("accounts.mentee_urls"))."""

from django.urls import path

from accounts import eligibility_views

urlpatterns = [
    path("mentee/eligibility/", eligibility_views.eligibility, name="mentee_eligibility"),
    path("mentee/not-eligible/", eligibility_views.not_eligible, name="mentee_not_eligible"),
    path("mentee/profile/", eligibility_views.mentee_profile, name="mentee_profile"),
    path("mentee/profile/edit/", eligibility_views.mentee_profile_edit, name="mentee_profile_edit"),
]
