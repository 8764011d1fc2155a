"""The scheme's figures, charts and exports (reports.access.scheme_team_only on each)."""

from django.urls import path

from reports import dashboard, export_views

app_name = "reports"
urlpatterns: list = [
    path("", dashboard.dashboard, name="dashboard"),
]
urlpatterns += [
    path(
        "exports/admin/<slug:list_name>.<slug:fmt>",
        export_views.admin_list_export,
        name="admin_list_export",
    ),
    path("exports/<slug:kind>.<slug:fmt>", export_views.export, name="export"),
]
