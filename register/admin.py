from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from register import bulk_import, invitations, services
from register.admin_forms import BulkUploadForm, MentorProfileAdminForm
from register.fields import FlagsField
from register.models import (
    MentorProfile,
    SupervisionArrangement,
    TimeOfDay,
    TrainingRecord,
    TrainingState,
    VirtualPlatform,
    Weekday,
)
from scheme.admin import ReferenceDataAdmin
from scheme.models import Grade, ReferenceData, SchemeSettings, School, Trust
from scheme.profiles import current_profile

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


admin.site.register(VirtualPlatform, ReferenceDataAdmin)


# --- Mentor list filters ----------------------------------------------------------------


REFERENCE_LISTS: tuple[type[ReferenceData], ...] = (Grade, School, Trust, VirtualPlatform)


def reference_choices(request: HttpRequest) -> dict[type[ReferenceData], list[tuple[int, str]]]:
    """Every reference list's (pk, name) choices, in their order, read in one query
    and kept on the request for the page's other filters."""
    cached = getattr(request, "_reference_choices", None)
    if cached is None:
        parts = [
            model.objects.order_by()
            .annotate(kind=Value(n, output_field=IntegerField()))
            .values_list("kind", "pk", "name", "position")
            for n, model in enumerate(REFERENCE_LISTS)
        ]
        rows = parts[0].union(*parts[1:], all=True).order_by("kind", "position", "name")
        cached = {model: [] for model in REFERENCE_LISTS}
        for kind, pk, name, _ in rows:
            cached[REFERENCE_LISTS[kind]].append((pk, name))
        request._reference_choices = cached  # type: ignore[attr-defined]
    return cached


class ReferenceFilter(admin.RelatedFieldListFilter):
    """A reference list's filter (grade, school, trust, virtual platform): the four lists'
    choices come in one query for the page, rather than one query each."""

    def field_choices(self, field, request, model_admin):
        return reference_choices(request)[field.related_model]


class LoginStateFilter(admin.SimpleListFilter):
    title = "login"
    parameter_name = "login"

    def lookups(self, request, model_admin):
        return [
            ("none", "None"),
            ("invited", "Invited, not logged in yet"),
            ("active", "Active (has logged in)"),
        ]

    def queryset(self, request, queryset):
        active = Q(user__isnull=False, user__last_login__isnull=False)
        if self.value() == "active":
            return queryset.filter(active)
        if self.value() == "invited":
            return queryset.filter(~active, invited_at__isnull=False)
        if self.value() == "none":
            return queryset.filter(~active, invited_at__isnull=True)
        return queryset


class FlagsFilter(admin.SimpleListFilter):
    """Mentors who offer this day (or time): a bit mask test, the same on every database."""

    field_name = ""
    flag_choices: list = []

    def lookups(self, request, model_admin):
        return [(str(bit), label) for bit, label in self.flag_choices]

    def queryset(self, request, queryset):
        value = self.value()
        if not value or not value.isdigit():
            return queryset
        bit = int(value)
        return queryset.alias(_flag=F(self.field_name).bitand(bit)).filter(_flag=bit)


class AvailableDayFilter(FlagsFilter):
    title = "available on"
    parameter_name = "day"
    field_name = "available_days"
    flag_choices = Weekday.choices


class AvailableTimeFilter(FlagsFilter):
    title = "available at"
    parameter_name = "time"
    field_name = "available_times"
    flag_choices = TimeOfDay.choices


class PhotoFilter(admin.SimpleListFilter):
    title = "photo"
    parameter_name = "photo"

    def lookups(self, request, model_admin):
        return [("yes", "Has a photo"), ("no", "No photo")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(photo="")
        if self.value() == "no":
            return queryset.filter(photo="")
        return queryset


def _delete_stored(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _short_date(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


def _long_day(day) -> str:
    return f"{day.day} {day:%B %Y}"


def _mentors(count: int) -> str:
    return f"{count} mentor" if count == 1 else f"{count} mentors"


def _bios(count: int) -> str:
    return f"{count} bio" if count == 1 else f"{count} bios"


# --- Training and supervision, kept on the bio's page ------------------------------------


class TrainingFilter(admin.SimpleListFilter):
    title = "training"
    parameter_name = "trained"

    def lookups(self, request, model_admin):
        return [("yes", "Training completed"), ("no", "No training recorded")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.trained(on=today)
        if self.value() == "no":
            return queryset.untrained(on=today)
        return queryset


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    fields = ["course", "completed_on", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]
    extra = 0
    verbose_name = "training completed"
    verbose_name_plural = "Training completed"


class SupervisionInline(admin.TabularInline):
    model = SupervisionArrangement
    fields = ["supervisor", "frequency", "starts_on", "ends_on", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]
    extra = 0
    verbose_name_plural = "Supervision (the arrangement only: nothing said in supervision)"


# --- Mentors ------------------------------------------------------------------------------


# Written only through register.services, never by the change form's save.
SERVICE_COLUMNS = {
    "status",
    "is_paused",
    "capacity",
    "submitted_at",
    "published_at",
    "framework_confirmed_at",
}


class MentorProfileAdmin(admin.ModelAdmin):
    """The mentor bios' admin. A mentor's current load counts open partnerships, which
    are requests_app's: requests_app.admin registers this admin with that column."""

    form = MentorProfileAdminForm
    formfield_overrides = {
        # Days and times as checkboxes, not admin's default number box for an integer.
        FlagsField: {"widget": forms.CheckboxSelectMultiple},
    }
    list_display = [
        "thumbnail",
        "full_name",
        "grade",
        "school",
        "trust",
        "status",
        "login_state",
        "capacity",
        "current_load",
    ]
    list_display_links = ["full_name"]
    list_filter = [
        "status",
        LoginStateFilter,
        "is_paused",
        TrainingFilter,
        ("grade", ReferenceFilter),
        ("school", ReferenceFilter),
        ("trust", ReferenceFilter),
        "gender",
        AvailableDayFilter,
        AvailableTimeFilter,
        "meets_face_to_face",
        "meets_virtually",
        ("virtual_platforms", ReferenceFilter),
        PhotoFilter,
    ]
    search_fields = [
        "first_name",
        "last_name",
        "email",
        "contact_email",
        "pronouns",
        "grade__name",
        "school__name",
        "trust__name",
        "trust__region",
        "organisation",
        "expertise",
        "face_to_face_location",
        "availability_notes",
        "supportt_experience",
        "time_away_experience",
        "motivation",
        "interests",
    ]
    search_help_text = "Searches names, emails, grade, school, trust, location and the bio texts."
    list_select_related = ["grade", "school", "trust", "user"]
    # No second COUNT of the whole register on every filtered page.
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ["user"]
    filter_horizontal = ["virtual_platforms"]
    actions = ["publish", "unpublish", "retire", "send_login_invitation"]
    inlines = [TrainingInline, SupervisionInline]
    readonly_fields = [
        "status",
        "training_state",
        "supervision_state",
        "current_photo",
        "current_load",
        "login_state",
        "register_consent_at",
        "framework_confirmed_at",
        "invited_at",
        "submitted_at",
        "published_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            "About me",
            {
                "fields": [
                    "first_name",
                    "last_name",
                    "email",
                    "grade",
                    "school",
                    "trust",
                    "organisation",
                    "nation",
                    "gender",
                    "pronouns",
                    "current_photo",
                    "photo_upload",
                    "remove_photo",
                ]
            },
        ),
        (
            "Experience",
            {
                "fields": [
                    "expertise",
                    "supportt_experience",
                    "time_away_experience",
                    "motivation",
                    "interests",
                ]
            },
        ),
        ("Availability", {"fields": ["available_days", "available_times", "availability_notes"]}),
        (
            "How we can meet",
            {
                "fields": [
                    "meets_face_to_face",
                    "face_to_face_location",
                    "meets_virtually",
                    "virtual_platforms",
                ]
            },
        ),
        (
            "Contact",
            {
                "description": "Shown to a mentee only once the mentor accepts their request.",
                "fields": ["contact_email", "contact_phone", "contact_notes"],
            },
        ),
        (
            "On the register",
            {
                "description": (
                    "Publish, unpublish or retire a bio with the actions on the mentor list."
                ),
                "fields": [
                    "status",
                    "training_state",
                    "supervision_state",
                    "capacity",
                    "current_load",
                    "is_paused",
                    "shown_capacity",
                    "shown_paused",
                ],
            },
        ),
        ("Login", {"fields": ["user", "login_state", "invited_at"]}),
        (
            "Dates",
            {
                "classes": ["collapse"],
                "fields": [
                    "register_consent_at",
                    "framework_confirmed_at",
                    "submitted_at",
                    "published_at",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    # --- Only the fields the scheme's profile asks (scheme.profiles) ---

    def get_fieldsets(self, request: HttpRequest, obj: MentorProfile | None = None):
        profile = current_profile()
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        f for f in options["fields"] if not isinstance(f, str) or profile.uses(f)
                    ],
                },
            )
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_list_display(self, request: HttpRequest):
        profile = current_profile()
        shown = [
            name
            for name in super().get_list_display(request)
            if not isinstance(name, str) or profile.uses(name)
        ]
        if profile.uses("organisation"):
            shown.insert(shown.index("full_name") + 1, "organisation")
        return shown

    def get_list_filter(self, request: HttpRequest):
        profile = current_profile()
        filters = [
            spec
            for spec in super().get_list_filter(request)
            if not isinstance(spec, tuple) or profile.uses(str(spec[0]))
        ]
        if profile.uses("nation"):
            filters.insert(filters.index("gender"), "nation")
        return filters

    def get_search_fields(self, request: HttpRequest):
        profile = current_profile()
        return [
            name
            for name in super().get_search_fields(request)
            if profile.uses(name.split("__", 1)[0])
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: MentorProfile | None = None):
        # A bio's login comes from "Send login invitation", to the bio's own address.
        # Pointing a bio at another account would hand that account the mentor's
        # requests, partnerships and private notes, so only a superuser may.
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "user"]

    # --- Columns and read-only fields ---

    @admin.display(description="")
    def thumbnail(self, obj: MentorProfile) -> str:
        if not obj.photo_thumbnail:
            return ""
        return format_html(
            '<img src="{}" width="40" height="40" alt="" loading="lazy">',
            obj.photo_url("small"),
        )

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj: MentorProfile) -> str:
        return obj.full_name

    @admin.display(description="login")
    def login_state(self, obj: MentorProfile) -> str:
        if obj.user is not None and obj.user.last_login:
            return f"Active (last logged in {_short_date(obj.user.last_login)})"
        if obj.invited_at:
            return f"Invited {_short_date(obj.invited_at)}"
        return "None"

    @admin.display(description="current photo")
    def current_photo(self, obj: MentorProfile) -> str:
        if not obj.pk or not obj.photo_thumbnail:
            return "No photo yet."
        return format_html(
            '<img src="{}" width="160" height="160" alt="Current photo of {}">',
            obj.photo_url("small"),
            obj.full_name,
        )

    @staticmethod
    def _kept(obj: MentorProfile) -> TrainingState:
        """The bio's training and supervision, read once for both fields of the page."""
        if not obj.pk:
            return TrainingState(training=[], supervision=None)
        if not hasattr(obj, "_kept"):
            obj._kept = obj.training_and_supervision()  # type: ignore[attr-defined]
        return obj._kept  # type: ignore[attr-defined]

    @admin.display(description="training")
    def training_state(self, obj: MentorProfile) -> str:
        state = self._kept(obj)
        if state.trained:
            return "; ".join(
                f"Completed {record.course} on {_long_day(record.completed_on)}"
                for record in state.training
            )
        if SchemeSettings.read().training_required_to_publish:
            return (
                "No completed training recorded. The scheme's settings ask for training "
                "before a bio is published: record it under Training completed below."
            )
        return "No completed training recorded."

    @admin.display(description="supervision")
    def supervision_state(self, obj: MentorProfile) -> str:
        arrangement = self._kept(obj).supervision
        return arrangement.describe() if arrangement else "No supervision arrangement in place."

    # --- Saving: the one photo upload becomes the two stored photos ---

    def save_model(self, request, obj: MentorProfile, form, change: bool) -> None:
        processed = form.cleaned_data.get("photo_upload")
        remove = form.cleaned_data.get("remove_photo")
        old_files = [name for name in (obj.photo.name, obj.photo_thumbnail.name) if name]
        if processed:
            obj.photo.save(processed.large.name, processed.large, save=False)
            obj.photo_thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
        elif remove:
            obj.photo = ""
            obj.photo_thumbnail = ""
        if change:
            self._save_changed_bio(request, obj, form)
        else:
            super().save_model(request, obj, form, change)
        if (processed or remove) and old_files:
            transaction.on_commit(lambda: _delete_stored(old_files))

    def _save_changed_bio(self, request, obj: MentorProfile, form) -> None:
        """Save the form's other fields; pause and capacity go through the services.

        The columns the services write are left out of the save, so a pause, a
        capacity or a status set by someone else while the form was open is kept.
        """
        obj.save(
            update_fields=[
                field.name
                for field in obj._meta.concrete_fields
                if not field.primary_key and field.name not in SERVICE_COLUMNS
            ]
        )
        shown_paused, shown_capacity = form.shown()
        try:
            if obj.is_paused != shown_paused:
                change = services.pause_bio if obj.is_paused else services.resume_bio
                change(bio=obj, by=request.user)
            if obj.capacity != shown_capacity:
                services.set_capacity(
                    bio=obj, by=request.user, capacity=obj.capacity, expected=shown_capacity
                )
        except services.BioChangeRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)

    def save_formset(self, request, form, formset, change: bool) -> None:
        """Training and supervision records go through register.services (history, lock)."""
        if formset.model not in (TrainingRecord, SupervisionArrangement):
            super().save_formset(request, form, formset, change)
            return
        kept = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, TrainingRecord):
                services.remove_training(record=obj, by=request.user)
            else:
                services.remove_supervision(arrangement=obj, by=request.user)
        for obj in kept:
            if isinstance(obj, TrainingRecord):
                services.record_training(record=obj, by=request.user)
            else:
                services.record_supervision(arrangement=obj, by=request.user)

    # --- Actions ---

    @admin.action(description="Publish on the register", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[MentorProfile]) -> None:
        selected = queryset.count()
        outcome = services.publish_bios(bios=queryset, by=request.user)
        published, refused = len(outcome.published), len(outcome.refused)
        if not refused:
            self._report(request, published, selected, "published", "already published")
            return
        # Some were refused: name both sides, so nobody takes it for all or nothing.
        if published:
            self.message_user(
                request,
                f"{_bios(published)} published: {', '.join(outcome.published)}.",
                messages.SUCCESS,
            )
        self.message_user(
            request,
            f"{_bios(refused)} not published: {', '.join(outcome.refused)}. For "
            f"{'each' if refused > 1 else 'this bio'}, {services.NO_TRAINING}. Record the "
            "training on the bio's page, then publish again.",
            messages.ERROR,
        )
        if selected > published + refused:
            self.message_user(
                request,
                f"{_bios(selected - published - refused)} left as they were (already published).",
                messages.INFO,
            )

    @admin.action(description="Take off the register (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[MentorProfile]) -> None:
        selected = queryset.count()
        changed = services.unpublish_bios(bios=queryset, by=request.user)
        self._report(request, changed, selected, "taken off the register", "not published")

    @admin.action(description="Retire", permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[MentorProfile]) -> None:
        selected = queryset.count()
        changed = services.retire_bios(bios=queryset, by=request.user)
        self._report(request, changed, selected, "retired", "already retired")

    def _report(self, request, changed: int, selected: int, done: str, why_not: str) -> None:
        self.message_user(request, f"{_bios(changed)} {done}.", messages.SUCCESS)
        if selected > changed:
            self.message_user(
                request,
                f"{_bios(selected - changed)} left as they were ({why_not}).",
                messages.INFO,
            )

    @admin.action(description="Send login invitation", permissions=["change"])
    def send_login_invitation(self, request: HttpRequest, queryset: QuerySet[MentorProfile]):
        outcome = invitations.send_invitations(mentors=queryset, by=request.user)
        if outcome.sent:
            linked = f" ({len(outcome.linked)} linked to an account they already had)"
            self.message_user(
                request,
                f"Login invitation sent to {_mentors(len(outcome.sent))}"
                f"{linked if outcome.linked else ''}. The links work for 7 days.",
                messages.SUCCESS,
            )
        for reason, profiles in outcome.skipped.items():
            names = ", ".join(profile.full_name for profile in profiles)
            self.message_user(request, f"Not sent to {names}: {reason}.", messages.WARNING)

    # --- Bulk upload ---

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "bulk-upload/",
                self.admin_site.admin_view(self.bulk_upload_view),
                name=f"{name}_bulk_upload",
            ),
            path(
                "bulk-upload/confirm/",
                self.admin_site.admin_view(self.bulk_confirm_view),
                name=f"{name}_bulk_confirm",
            ),
            path(
                "bulk-upload/cancel/",
                self.admin_site.admin_view(self.bulk_cancel_view),
                name=f"{name}_bulk_cancel",
            ),
            path(
                "bulk-upload/template.csv",
                self.admin_site.admin_view(self.bulk_template_view),
                name=f"{name}_bulk_template",
            ),
            path(
                "bulk-upload/template.xlsx",
                self.admin_site.admin_view(self.bulk_template_xlsx_view),
                name=f"{name}_bulk_template_xlsx",
            ),
            *super().get_urls(),
        ]

    def _check_bulk_permission(self, request: HttpRequest) -> int:
        """Refuse anyone who may not add and change bios; the user's id otherwise."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        if request.user.pk is None:
            raise PermissionDenied
        return request.user.pk

    def _bulk_context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "columns": bulk_import.columns_for(current_profile()),
            **extra,
        }

    def _render_plan(self, request, plan: bulk_import.ImportPlan, signed: str = ""):
        return TemplateResponse(
            request,
            "admin/register/mentorprofile/bulk_preview.html",
            self._bulk_context(
                request,
                "Bulk upload: check before importing",
                plan=plan,
                signed=signed if plan.is_valid else "",
                creates=plan.count(bulk_import.Action.CREATE),
                updates=plan.count(bulk_import.Action.UPDATE),
                unchanged=plan.count(bulk_import.Action.UNCHANGED),
            ),
        )

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def bulk_upload_view(self, request: HttpRequest) -> HttpResponse:
        """Step 1: choose the files. The POST is the dry run: nothing is imported."""
        user_pk = self._check_bulk_permission(request)
        form = BulkUploadForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
        )
        if request.method == "POST" and form.is_valid():
            token, plan = bulk_import.stage_upload(
                csv_file=form.cleaned_data["csv_file"],
                photos_zip=form.cleaned_data.get("photos_zip"),
            )
            if not plan.is_valid:
                bulk_import.discard_staged(token=token)
            return self._render_plan(request, plan, bulk_import.sign_token(token, user_pk=user_pk))
        return TemplateResponse(
            request,
            "admin/register/mentorprofile/bulk_upload.html",
            self._bulk_context(request, "Bulk upload of mentor bios", form=form),
        )

    @method_decorator(require_POST)
    def bulk_confirm_view(self, request: HttpRequest) -> HttpResponse:
        """Step 2: import what the dry run showed, all or nothing, without uploading again."""
        user_pk = self._check_bulk_permission(request)
        upload_url = reverse("admin:register_mentorprofile_bulk_upload")
        try:
            token = bulk_import.read_signed_token(request.POST.get("upload", ""), user_pk=user_pk)
            result = bulk_import.import_staged(token=token, by=request.user)
        except bulk_import.ImportRefused as refused:
            if refused.plan is not None:
                return self._render_plan(request, refused.plan)
            self.message_user(request, str(refused), messages.ERROR)
            return redirect(upload_url)
        self.message_user(
            request,
            f"Bulk upload finished: {_bios(result.created)} created, {result.updated} updated, "
            f"{result.unchanged} unchanged.",
            messages.SUCCESS,
        )
        return redirect(reverse("admin:register_mentorprofile_changelist"))

    @method_decorator(require_POST)
    def bulk_cancel_view(self, request: HttpRequest) -> HttpResponse:
        """Drop a dry run nobody will confirm: its staged files go now, not the next day."""
        user_pk = self._check_bulk_permission(request)
        try:
            token = bulk_import.read_signed_token(request.POST.get("upload", ""), user_pk=user_pk)
        except bulk_import.ImportRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            bulk_import.discard_staged(token=token)
            self.message_user(request, "Bulk upload cancelled: nothing was imported.")
        return redirect(reverse("admin:register_mentorprofile_bulk_upload"))

    @method_decorator(require_GET)
    def bulk_template_view(self, request: HttpRequest) -> HttpResponse:
        self._check_bulk_permission(request)
        response = HttpResponse(bulk_import.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="mentor-bios-template.csv"'
        return response

    @method_decorator(require_GET)
    def bulk_template_xlsx_view(self, request: HttpRequest) -> HttpResponse:
        self._check_bulk_permission(request)
        response = HttpResponse(bulk_import.template_xlsx(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="mentor-bios-template.xlsx"'
        return response
