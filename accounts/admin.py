"""Accounts in admin.

Only superusers manage staff and credentials. The scheme team (staff in the scheme
admins group) sees every account, may correct the names of mentees and mentors and
switch their logins off or on, and can email a person a link to reset their own
password; it never sets a password, never changes an email address (the person
does that on their own account page, where the new address is verified), and never
touches flags, groups or permissions. Changing an address and then resetting the
password would otherwise hand the account to whoever typed the new address.
"""

from typing import Any

from allauth.account.forms import ResetPasswordForm
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts.models import DataEvent, MenteeProfile, User
from scheme.profiles import current_profile


def _is_staff_account(user: User) -> bool:
    return user.is_staff or user.is_superuser


class SchemeTeamUserForm(forms.ModelForm):
    """The account form the scheme team gets: names and whether the login works."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "is_active"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    # What the scheme team gets: no password, no flags but "active", no groups.
    scheme_team_fieldsets = [
        (None, {"fields": ["email"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        (
            "Access",
            {
                "fields": ["is_active"],
                "description": (
                    "Untick to stop this person logging in (a mentor leaving the scheme, "
                    "say) without deleting their data. A person changes their own email "
                    'address; if they cannot log in, use the action "Email a password '
                    'reset link" on the account list.'
                ),
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups", "user_permissions"]
    actions = ["email_password_reset_link"]

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):
        if obj is not None and not request.user.is_superuser:
            return self.scheme_team_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs: Any
    ):
        if obj is not None and not request.user.is_superuser:
            kwargs["form"] = SchemeTeamUserForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None):
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "email"]

    # Only superusers add accounts, delete them from here, or change staff accounts
    # (the scheme team's own included). Mentors get their logins by invitation.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and _is_staff_account(obj) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied("Only a superuser sets passwords here.")
        return super().user_change_password(request, id, form_url)

    @admin.action(description="Email a password reset link", permissions=["change"])
    def email_password_reset_link(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """allauth's own reset email, to the account's own address, through the outbox.

        The link is in the email only: neither this page nor the outbox shows it.
        """
        sent, skipped = 0, []
        for user in queryset.order_by("email"):
            if not user.is_active or (_is_staff_account(user) and not request.user.is_superuser):
                skipped.append(user.email)
                continue
            form = ResetPasswordForm(data={"email": user.email})
            if form.is_valid() and user in form.users:
                form.users = [user]
                form.save(request)
                sent += 1
            else:
                skipped.append(user.email)
        if sent:
            self.message_user(
                request,
                f"A password reset link was emailed to {sent} "
                f"{'person' if sent == 1 else 'people'}, at their own address.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                "Not sent to " + ", ".join(skipped) + ": their login is switched off, or it "
                "is a staff account (only a superuser helps staff).",
                messages.WARNING,
            )


@admin.register(MenteeProfile)
class MenteeProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "training_status", "grade", "school", "trust", "created_at"]
    list_filter = ["training_status", "school", "grade"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "grade", "school", "trust"]
    autocomplete_fields = ["user"]
    readonly_fields = ["privacy_consent_at", "created_at", "updated_at"]

    # --- Only what the scheme's profile asks mentees (scheme.profiles) ---

    def _unasked(self) -> set[str]:
        profile = current_profile()
        unasked = set(profile.hidden_mentee_fields)
        if not profile.asks_training_status:
            unasked |= {"training_status", "absence_form_completed_on"}
        return unasked

    def get_list_display(self, request: HttpRequest):
        unasked = self._unasked()
        shown = [name for name in super().get_list_display(request) if name not in unasked]
        extra = [name for name in ("organisation", "nation") if name not in unasked]
        return [*shown[:-1], *extra, shown[-1]]

    def get_list_filter(self, request: HttpRequest):
        unasked = self._unasked()
        shown = [name for name in super().get_list_filter(request) if name not in unasked]
        return [*shown, *(["nation"] if "nation" not in unasked else [])]

    def get_search_fields(self, request: HttpRequest):
        fields = list(super().get_search_fields(request))
        return [*fields, "organisation"] if "organisation" not in self._unasked() else fields

    def get_exclude(self, request: HttpRequest, obj: MenteeProfile | None = None):
        return [*(super().get_exclude(request, obj) or []), *sorted(self._unasked())]

    def get_readonly_fields(self, request: HttpRequest, obj: MenteeProfile | None = None):
        # Moving a profile to another account would hand that account the mentee's role.
        if request.user.is_superuser:
            return self.readonly_fields
        return ["user", *self.readonly_fields]


@admin.register(DataEvent)
class DataEventAdmin(admin.ModelAdmin):
    list_display = ["user_label", "kind", "at"]
    list_filter = ["kind"]
    readonly_fields = ["user", "user_label", "kind", "at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.site_header = f"{settings.SERVICE_NAME}: scheme administration"
admin.site.site_title = "Scheme administration"
admin.site.index_title = "Run the scheme"
admin.site.index_template = "admin/scheme_index.html"  # links to the scheme figures
