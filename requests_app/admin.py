from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from accounts.models import MenteeProfile
from mentoring.formatting import long_date
from register.admin import MentorProfileAdmin as RegisterMentorProfileAdmin
from register.models import MentorProfile
from requests_app import feedback_summary, matching, workflow
from requests_app.forms import CancelForm
from requests_app.models import (
    OPEN_PARTNERSHIP_STATES,
    ApplicationState,
    ExtensionRequest,
    Feedback,
    MatchApplication,
    Meeting,
    MeetingState,
    MentoringRequest,
    NonWorkingDay,
    Partnership,
    RequestState,
    Transition,
    WaitingListEntry,
)
from requests_app.working_days import annotate_working_days_left
from scheme.models import SchemeSettings

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _MeetingCounts(TypedDict):
    """What PartnershipAdmin's queryset annotates on each partnership."""

    held: int
    planned: int
    cancelled: int
    cancelled_late: int


class _SessionsUsed(TypedDict):
    """What ExtensionRequestAdmin's queryset annotates on each request."""

    used: int


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    list_display = ["date", "description"]
    date_hierarchy = "date"


class TransitionInline(admin.TabularInline):
    model = Transition
    template = "admin/edit_inline/tabular_named.html"
    readonly_fields = ("at", "from_state", "to_state", "actor", "reason")
    fields = readonly_fields
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


class RequestChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        pending = [r for r in self.result_list if r.state == RequestState.PENDING]
        annotate_working_days_left(pending, timezone.now())


class OverdueFilter(admin.SimpleListFilter):
    title = "deadline"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", "Pending and past the deadline"), ("open", "Pending, still in time")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.pending().overdue(now)
        if self.value() == "open":
            return queryset.pending().filter(response_deadline__gte=now)
        return queryset


class ApplicationTransitionInline(TransitionInline):
    fk_name = "application"


@admin.register(MatchApplication)
class MatchApplicationAdmin(ReadOnlyAdmin):
    """The matching queue: applications waiting for a proposed match, oldest first.

    The application is the mentee's own words, so it is never edited here. Its page
    suggests mentors (requests_app.matching) and proposes one (workflow.propose_match,
    for those with the change permission), with the proposals made to this mentee before.
    """

    list_display = ["pk", "mentee_name", "state", "waiting_since", "proposals_so_far"]
    list_filter = ["state"]
    list_select_related = ["mentee"]
    search_fields = ["mentee__email", "mentee__last_name"]
    show_full_result_count = False
    fields = [
        "mentee",
        "about_the_mentee",
        "state",
        "created_at",
        "updated_at",
        "aims",
        "help_areas",
        "preferred_mode",
        "availability",
        "mentor_wishes",
        "avoid_own_workplace",
        "avoid",
        "closed_at",
    ]
    readonly_fields = ["about_the_mentee"]
    inlines = [ApplicationTransitionInline]
    change_form_template = "admin/requests_app/matchapplication/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatchApplication]:
        proposals = (
            MentoringRequest.objects.proposals()
            .filter(application__mentee=OuterRef("mentee"))
            .order_by()
            .values("mentee")
            .annotate(n=Count("pk"))
            .values("n")
        )
        # Not super(): it orders by get_ordering() before these annotations exist.
        return (
            MatchApplication.objects.annotate(
                # Waiting first, then those with a proposal out, then the closed ones.
                queue_order=Case(
                    When(state=ApplicationState.WAITING, then=Value(0)),
                    When(state=ApplicationState.PROPOSED, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                ),
                proposal_count=Coalesce(Subquery(proposals, output_field=IntegerField()), 0),
            )
        ).order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        return ("queue_order", "created_at", "pk")

    @admin.display(description="mentee")
    def mentee_name(self, obj: MatchApplication) -> str:
        return obj.mentee.get_full_name() or obj.mentee.email

    @admin.display(description="waiting since", ordering="created_at")
    def waiting_since(self, obj: MatchApplication) -> str:
        return long_date(obj.created_at)

    @admin.display(description="proposals so far")
    def proposals_so_far(self, obj: MatchApplication) -> int:
        return getattr(obj, "proposal_count", 0)

    @admin.display(description="about the mentee")
    def about_the_mentee(self, obj: MatchApplication) -> str:
        profile = (
            MenteeProfile.objects.select_related("grade", "school", "trust")
            .filter(user_id=obj.mentee_id)
            .first()
        )
        if profile is None:
            return "–"
        facts = [
            profile.grade.name if profile.grade else "",
            profile.school.name if profile.school else "",
            f"{profile.trust.name} ({profile.trust.region})"
            if profile.trust and profile.trust.region
            else (profile.trust.name if profile.trust else ""),
            profile.organisation,
            profile.get_nation_display() if profile.nation else "",
        ]
        return "; ".join(fact for fact in facts if fact) or "–"

    def has_propose_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("requests_app.change_matchapplication")

    def get_urls(self):
        return [
            path(
                "<path:object_id>/propose/",
                self.admin_site.admin_view(self.propose_view),
                name="requests_app_matchapplication_propose",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if application is not None:
            scheme = SchemeSettings.cached()
            waiting = application.state == ApplicationState.WAITING
            extra.update(
                scheme_proposes=scheme.scheme_proposes,
                can_propose=(
                    waiting and scheme.scheme_proposes and self.has_propose_permission(request)
                ),
                suggestions=matching.suggested_mentors(application) if waiting else [],
                earlier_proposals=matching.proposals_to(application.mentee_id),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    @method_decorator(require_POST)
    def propose_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Propose the mentor chosen on the application's page; a refusal is a message."""
        if not self.has_propose_permission(request):
            raise PermissionDenied
        application = self.get_object(request, unquote(object_id))
        if application is None:
            raise Http404("No such application.")
        back = redirect("admin:requests_app_matchapplication_change", application.pk)
        try:
            mentor_id = int(request.POST.get("mentor", ""))
        except ValueError:
            messages.error(request, "Choose a mentor to propose.")
            return back
        try:
            proposal = workflow.propose_match(
                application_id=application.pk, mentor_id=mentor_id, admin_user=request.user
            )
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return back
        messages.success(
            request,
            f"Proposed {proposal.mentor.full_name} to {self.mentee_name(application)}. "
            "Both have been emailed and asked to answer by "
            f"{long_date(proposal.response_deadline)}.",
        )
        return back


@admin.register(MentoringRequest)
class MentoringRequestAdmin(ReadOnlyAdmin):
    """Who asked whom and when; what they wrote stays between them."""

    list_display = [
        "pk",
        "mentee",
        "mentor",
        "state",
        "created_at",
        "response_deadline",
        "days_left",
    ]
    # Sent when: today, the past 7 days, this month or this year. A filter rather than a
    # date hierarchy, which reads the table's date range and days on every page.
    list_filter = ["state", OverdueFilter, ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["mentee", "mentor"]
    # No second COUNT of the whole table on every filtered page.
    show_full_result_count = False
    search_fields = ["mentee__email", "mentor__last_name", "mentor__email"]
    fields = [
        "mentee",
        "mentor",
        "state",
        "created_at",
        "response_deadline",
        "reminder_sent_at",
        "answered_at",
        "answered_by",
        "decline_reason",
    ]
    inlines = [TransitionInline]
    actions = ["cancel_requests"]

    def get_changelist(self, request, **kwargs):
        return RequestChangeList

    @admin.display(description="working days left")
    def days_left(self, obj: MentoringRequest) -> str:
        if obj.state != RequestState.PENDING:
            return "–"
        if obj.response_deadline < timezone.now():
            return "overdue"
        return str(getattr(obj, "days_left", ""))

    def has_change_permission(self, request, obj=None) -> bool:
        # Needed for the cancel action; the form itself stays read-only.
        return request.user.has_perm("requests_app.change_mentoringrequest")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.action(description="Cancel selected pending requests (both sides are emailed)")
    def cancel_requests(self, request, queryset):
        pending = queryset.filter(state=RequestState.PENDING)
        if "apply" in request.POST:
            form = CancelForm(request.POST)
            if form.is_valid():
                cancelled, refused = 0, []
                for pk in pending.values_list("pk", flat=True):
                    try:
                        workflow.cancel_request(
                            request_id=pk,
                            admin_user=request.user,
                            reason=form.cleaned_data["reason"],
                        )
                        cancelled += 1
                    except workflow.WorkflowError as error:
                        refused.append(f"#{pk}: {error}")
                self.message_user(request, f"Cancelled {cancelled} request(s).", messages.SUCCESS)
                for line in refused:
                    self.message_user(request, line, messages.WARNING)
                return None
        else:
            form = CancelForm()
        if not pending.exists():
            self.message_user(
                request, "None of the selected requests is pending.", messages.WARNING
            )
            return None
        return TemplateResponse(
            request,
            "admin/requests_app/cancel_requests.html",
            {
                **self.admin_site.each_context(request),
                "title": "Cancel requests",
                "requests": pending.select_related("mentee", "mentor"),
                "form": form,
                "action": "cancel_requests",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


class MeetingInline(admin.TabularInline):
    """When the meetings were and what became of them; nothing said in them."""

    model = Meeting
    readonly_fields = (
        "starts_at",
        "duration_minutes",
        "state",
        "held_at",
        "cancelled_at",
        "cancelled_late",
    )
    fields = readonly_fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


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
        "sessions",
        "ended_at",
    ]
    list_filter = ["state", "end_reason", ("started_at", admin.DateFieldListFilter)]
    list_select_related = ["mentee", "mentor"]
    show_full_result_count = False
    fields = [
        "request",
        "mentee",
        "mentor",
        "state",
        "started_at",
        "window_ends_on",
        "sessions",
        "mentee_confirmed_at",
        "mentor_confirmed_at",
        "mentee_confidentiality_at",
        "mentor_confidentiality_at",
        "ended_at",
        "end_reason",
        "end_note",
    ]
    readonly_fields = ["sessions"]
    inlines = [MeetingInline, TransitionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                held=Count("meetings", filter=Q(meetings__state=MeetingState.HELD)),
                planned=Count("meetings", filter=Q(meetings__state=MeetingState.PLANNED)),
                cancelled=Count("meetings", filter=Q(meetings__state=MeetingState.CANCELLED)),
                cancelled_late=Count("meetings", filter=Q(meetings__cancelled_late=True)),
            )
        )

    @admin.display(description="sessions")
    def sessions(self, obj: "WithAnnotations[Partnership, _MeetingCounts]") -> str:
        text = f"{obj.held} held, {obj.planned} planned of {obj.sessions_allowed}"
        if obj.cancelled:
            text += f"; {obj.cancelled} cancelled ({obj.cancelled_late} late)"
        return text


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["pk", "partnership", "starts_at", "duration_minutes", "state", "cancelled_late"]
    list_filter = ["state", "cancelled_late", "mode"]
    date_hierarchy = "starts_at"
    fields = [
        "partnership",
        "starts_at",
        "duration_minutes",
        "mode",
        "state",
        "held_at",
        "cancelled_at",
        "cancelled_late",
    ]
    inlines = [TransitionInline]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    """Requests for more sessions: approve or decline them with the actions."""

    list_display = [
        "pk",
        "partnership",
        "state",
        "created_at",
        "sessions_used",
        "decided_at",
        "sessions_added",
    ]
    list_filter = ["state"]
    list_select_related = ["partnership__mentee", "partnership__mentor"]
    fields = [
        "partnership",
        "requested_by",
        "reason",
        "state",
        "created_at",
        "decided_at",
        "decided_by",
        "sessions_added",
    ]
    actions = ["approve_extensions", "decline_extensions"]

    def get_queryset(self, request):
        used = Count(
            "partnership__meetings",
            filter=Q(partnership__meetings__state__in=workflow.USES_ALLOWANCE),
        )
        return super().get_queryset(request).annotate(used=used)

    @admin.display(description="sessions used")
    def sessions_used(self, obj: "WithAnnotations[ExtensionRequest, _SessionsUsed]") -> str:
        return f"{obj.used} of {obj.partnership.sessions_allowed}"

    def has_change_permission(self, request, obj=None) -> bool:
        # Needed for the actions; the form itself stays read-only.
        return request.user.has_perm("requests_app.change_extensionrequest")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def _decide(self, request, queryset, decide, done: str) -> None:
        decided, refused = 0, []
        for pk in queryset.values_list("pk", flat=True):
            try:
                decide(extension_id=pk, admin_user=request.user)
                decided += 1
            except workflow.WorkflowError as error:
                refused.append(f"#{pk}: {error}")
        self.message_user(request, f"{done} {decided} request(s); both sides emailed.")
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(
        description="Approve more sessions for the selected requests",
        permissions=["change"],
    )
    def approve_extensions(self, request, queryset):
        self._decide(request, queryset, workflow.approve_extension, "Approved")

    @admin.action(description="Decline the selected requests", permissions=["change"])
    def decline_extensions(self, request, queryset):
        self._decide(request, queryset, workflow.decline_extension, "Declined")


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    """Feedback without names: figures and comments per quarter (feedback_summary.py).

    The list is replaced by that summary and there is no page per answer, so no
    answer is ever shown beside a partnership, a person, a role or a date.
    """

    def get_urls(self):
        return [
            path(
                "",
                self.admin_site.admin_view(self.summary_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_changelist",
            )
        ]

    def summary_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/requests_app/feedback_summary.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Feedback, by quarter",
                "quarters": feedback_summary.feedback_by_quarter(),
                "min_responses": feedback_summary.MIN_RESPONSES,
            },
        )


class WaitingFilter(admin.SimpleListFilter):
    title = "place in line"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [
            ("in_line", "In line"),
            ("offered", "Offered a place"),
            ("left", "No longer on the list"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "in_line":
            return queryset.in_line()
        if self.value() == "offered":
            return queryset.offered()
        if self.value() == "left":
            return queryset.filter(left_at__isnull=False)
        return queryset


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(ReadOnlyAdmin):
    """Who waits for which full mentor, in order; places offered and how each ended."""

    list_display = ["mentor", "mentee", "joined_at", "where", "offer_expires_at", "outcome"]
    list_filter = [WaitingFilter, "outcome"]
    list_select_related = ["mentee", "mentor"]
    search_fields = ["mentee__email", "mentor__last_name", "mentor__email"]
    ordering = ["mentor__last_name", "mentor_id", "joined_at", "pk"]
    fields = [
        "mentor",
        "mentee",
        "joined_at",
        "offered_at",
        "offer_expires_at",
        "left_at",
        "outcome",
        "request",
    ]
    actions = ["remove_from_list"]

    @admin.display(description="where")
    def where(self, obj: WaitingListEntry) -> str:
        if obj.left_at is not None:
            return "Off the list"
        return "Place offered" if obj.offered_at else "In line"

    def has_change_permission(self, request, obj=None) -> bool:
        # Needed for the action; the form itself stays read-only.
        return request.user.has_perm("requests_app.change_waitinglistentry")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.action(
        description="Take the selected mentees off the waiting list", permissions=["change"]
    )
    def remove_from_list(self, request, queryset):
        removed = 0
        for pk in queryset.active().values_list("pk", flat=True):
            try:
                workflow.leave_waiting_list(entry_id=pk, admin_user=request.user)
                removed += 1
            except workflow.WorkflowError as error:
                self.message_user(request, f"#{pk}: {error}", messages.WARNING)
        self.message_user(
            request,
            f"Took {removed} mentee(s) off the waiting list. "
            "A place kept for any of them goes to the next in line.",
        )


# --- Mentor bios -----------------------------------------------------------------------


@admin.register(MentorProfile)
class MentorProfileAdmin(RegisterMentorProfileAdmin):
    """The register's bio admin with each mentor's current load: open partnerships."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[MentorProfile]:
        # Open partnerships per mentor as a subquery: one query for the whole page.
        open_partnerships = (
            Partnership.objects.filter(mentor=OuterRef("pk"), state__in=OPEN_PARTNERSHIP_STATES)
            .order_by()
            .values("mentor")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_load=Coalesce(
                    Subquery(open_partnerships, output_field=IntegerField()), Value(0)
                )
            )
        )

    @admin.display(description="current load", ordering="open_load")
    def current_load(self, obj: MentorProfile) -> int:
        return getattr(obj, "open_load", 0)
