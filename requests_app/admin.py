from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from requests_app.models import (
    ExtensionRequest,
    Feedback,
    Meeting,
    MentoringRequest,
    NonWorkingDay,
    Partnership,
    SchemeSettings,
    SchemeText,
    Transition,
)


@admin.register(SchemeSettings)
class SchemeSettingsAdmin(admin.ModelAdmin):
    """One row: the list page goes straight to it."""

    fieldsets = [
        ("Scheme", {"fields": ["scheme_name", "inbox_email", "matching_mode"]}),
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

    def changelist_view(self, request, extra_context=None):
        settings_row = SchemeSettings.load()
        return redirect(reverse("admin:requests_app_schemesettings_change", args=[settings_row.pk]))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SchemeText)
class SchemeTextAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    readonly_fields = ["slug"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    list_display = ["date", "description"]
    date_hierarchy = "date"


class TransitionInline(admin.TabularInline):
    model = Transition
    fields = ["at", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """States change only through the workflow, never by editing a row."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MentoringRequest)
class MentoringRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "mentee", "mentor", "state", "created_at", "response_deadline"]
    list_filter = ["state"]
    list_select_related = ["mentee", "mentor"]
    search_fields = ["mentee__email", "mentor__last_name", "mentor__email"]
    date_hierarchy = "created_at"
    exclude = ["message", "response_message"]
    inlines = [TransitionInline]


@admin.register(Partnership)
class PartnershipAdmin(ReadOnlyAdmin):
    """Dates and counts only: what is said in mentoring stays out of admin."""

    list_display = [
        "pk",
        "mentee",
        "mentor",
        "state",
        "started_at",
        "window_ends_on",
        "sessions_allowed",
    ]
    list_filter = ["state"]
    list_select_related = ["mentee", "mentor"]
    fields = [
        "request",
        "mentee",
        "mentor",
        "state",
        "started_at",
        "window_ends_on",
        "sessions_allowed",
        "mentee_confirmed_at",
        "mentor_confirmed_at",
        "ended_at",
        "end_reason",
        "end_note",
    ]
    inlines = [TransitionInline]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["pk", "partnership", "starts_at", "duration_minutes", "state", "cancelled_late"]
    list_filter = ["state", "cancelled_late", "mode"]
    fields = [
        "partnership",
        "starts_at",
        "duration_minutes",
        "mode",
        "state",
        "cancelled_at",
        "cancelled_late",
    ]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "partnership", "state", "created_at", "decided_at"]
    list_filter = ["state"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["partnership", "respondent_role", "stage", "submitted_at", "rating_overall"]
    list_filter = ["stage", "respondent_role"]
    exclude = ["respondent"]
