"""The scheme's figures, charts and exports (reports.access.scheme_team_only on each)."""

from django.urls import path  # noqa: F401 - paths are added below

app_name = "reports"
urlpatterns: list = []
