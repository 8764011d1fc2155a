from collections.abc import Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from scheme.models import Grade, HelpContact, SchemeSettings, SchemeText, School, Trust
from scheme.profiles import (
    FIELD_LABELS,
    PROFILE_BIO_FIELDS,
    PROFILE_MENTEE_FIELDS,
    PROFILE_TEXT_SLUGS,
    PROFILES,
    Profile,
    profile_of,
)
from scheme.services import apply_profile


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
                    "first_meeting_checklist",
                    "extensions_allowed",
                    "extension_sessions",
                    "cancellation_notice_hours",
                    "meeting_reminders",
                    "feedback_midpoint",
                    "feedback_end",
                ]
            },
        ),
        ("Mentees waiting", {"fields": ["mentee_reminder_days", "mentee_check_in_days"]}),
        (
            "Register",
            {
                "fields": [
                    "bio_submission_deadline",
                    "bio_changes_need_review",
                    "training_required_to_publish",
                ]
            },
        ),
        ("Figures", {"fields": ["quiet_partnership_weeks", "monthly_summary_email"]}),
        ("Personal data", {"fields": ["data_retention_months"]}),
    ]

    # The kind of scheme changes only with its preset: "Apply a scheme profile".
    readonly_fields = ["profile"]

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "apply-profile/",
                self.admin_site.admin_view(self.apply_profile_view),
                name="scheme_schemesettings_apply_profile",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _changes(scheme: SchemeSettings, key: str) -> list[dict[str, Any]]:
        """Each setting of the profile's preset: its name, the value now and the new one."""
        rows = []
        for name, value in PROFILES[key].settings.items():
            field = SchemeSettings._meta.get_field(name)
            if not isinstance(field, models.Field):
                raise TypeError(f"{name} is not a setting.")
            shown = dict(field.flatchoices).get(value, value) if field.choices else value
            now = (
                getattr(scheme, f"get_{name}_display")() if field.choices else getattr(scheme, name)
            )
            rows.append(
                {
                    "label": str(field.verbose_name).capitalize(),
                    "now": _yes_no(now),
                    "new": _yes_no(shown),
                    "changes": getattr(scheme, name) != value,
                }
            )
        return rows

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def apply_profile_view(self, request: HttpRequest) -> HttpResponse:
        """Choose a profile, see every setting and text it changes, then confirm (POST)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        scheme = SchemeSettings.load()
        key = (request.POST if request.method == "POST" else request.GET).get("profile", "")
        if key and key not in PROFILES:
            key = ""
        if request.method == "POST" and key:
            if isinstance(request.user, AnonymousUser):  # admin_view has let in staff only
                raise PermissionDenied
            apply_profile(key=key, by=request.user)
            self.message_user(
                request,
                f"The scheme now runs as “{PROFILES[key].label}”: its settings and texts "
                "are in place.",
                messages.SUCCESS,
            )
            return redirect(reverse("admin:scheme_schemesettings_change", args=[scheme.pk]))
        texts = {
            text.slug: text.title for text in SchemeText.objects.filter(slug__in=PROFILE_TEXT_SLUGS)
        }
        return TemplateResponse(
            request,
            "admin/scheme/schemesettings/apply_profile.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Apply a scheme profile",
                "current": profile_of(scheme),
                "profiles": list(PROFILES.values()),
                "chosen": PROFILES[key] if key else None,
                "changes": self._changes(scheme, key) if key else [],
                "texts": [texts.get(slug, slug) for slug in PROFILE_TEXT_SLUGS],
                "fields": _field_lists(PROFILES[key]) if key else {},
            },
        )

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


def _field_lists(profile: Profile) -> dict[str, list[str]]:
    def labels(names: Iterable[str]) -> list[str]:
        return [FIELD_LABELS[name] for name in names]

    return {
        "mentors_asked": labels(profile.bio_fields),
        "mentors_hidden": labels(n for n in PROFILE_BIO_FIELDS if n in profile.hidden_bio_fields),
        "mentees_asked": labels(profile.mentee_fields),
        "mentees_hidden": labels(
            n for n in PROFILE_MENTEE_FIELDS if n in profile.hidden_mentee_fields
        ),
    }


def _yes_no(value: Any) -> Any:
    return {True: "Yes", False: "No"}.get(value, value) if isinstance(value, bool) else value


@admin.register(SchemeText)
class SchemeTextAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    readonly_fields = ["slug"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


@admin.register(HelpContact)
class HelpContactAdmin(admin.ModelAdmin):
    """The "Get help now" page's list, which every partnership page links to."""

    list_display = ["name", "phone", "web_address", "position"]
    list_editable = ["position"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


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
