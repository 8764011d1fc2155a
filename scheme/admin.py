from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from scheme.models import Grade, SchemeSettings, SchemeText, School, Trust


@admin.register(SchemeSettings)
class SchemeSettingsAdmin(admin.ModelAdmin):
    """One row: the list page goes straight to it."""

    fieldsets = [
        ("Scheme", {"fields": ["scheme_name", "profile", "inbox_email"]}),
        ("Matching", {"fields": ["matching_mode", "register_open_to_mentees"]}),
        (
            "Requests",
            {
                "fields": [
                    "response_working_days",
                    "reminder_working_days_left",
                    "pending_requests_per_mentee",
                    "default_mentor_capacity",
                ]
            },
        ),
        (
            "Partnerships",
            {
                "fields": [
                    "sessions_per_partnership",
                    "partnership_months",
                    "meetings_planned_by",
                    "extensions_allowed",
                    "extension_sessions",
                    "cancellation_notice_hours",
                    "feedback_midpoint",
                    "feedback_end",
                ]
            },
        ),
        ("Register", {"fields": ["bio_submission_deadline", "bio_changes_need_review"]}),
        ("Personal data", {"fields": ["data_retention_months"]}),
    ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        settings_row = SchemeSettings.load()
        return redirect(reverse("admin:scheme_schemesettings_change", args=[settings_row.pk]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: SchemeSettings | None = None
    ) -> bool:
        return False


@admin.register(SchemeText)
class SchemeTextAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    readonly_fields = ["slug"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


class ReferenceDataAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["name"]


admin.site.register(Grade, ReferenceDataAdmin)
admin.site.register(School, ReferenceDataAdmin)


@admin.register(Trust)
class TrustAdmin(ReferenceDataAdmin):
    list_display = ["name", "region", "is_active", "position"]
    list_filter = ["region"]
