"""Requests: the mentee asks, the mentor answers. Every change goes through workflow."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.rules import is_mentee, is_mentor
from mentoring.pagination import paginate, pagination_links
from register.access import framework_redirect
from register.models import MentorProfile
from requests_app import workflow
from requests_app.access import get_request_for_mentee, get_request_for_mentor
from requests_app.availability import mentor_availability
from requests_app.forms import AcceptForm, DeclineForm, SendRequestForm
from requests_app.models import MentoringRequest, RequestState, WaitingListEntry
from requests_app.working_days import annotate_working_days_left, working_days_left
from scheme.models import SchemeSettings


def _require_mentee(request: HttpRequest) -> None:
    if not is_mentee(request.user):
        raise PermissionDenied


def _mentor_gate(request: HttpRequest) -> HttpResponse | None:
    """Mentors confirm the ethical framework before they see requests."""
    if not is_mentor(request.user):
        raise PermissionDenied
    return framework_redirect(request)


# --- Mentee -------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def send_request(request: HttpRequest, mentor_id: int) -> HttpResponse:
    _require_mentee(request)
    scheme = SchemeSettings.cached()
    if not scheme.mentees_choose:
        messages.info(request, workflow.SCHEME_MATCHES)
        return redirect("dashboard")
    mentor = get_object_or_404(
        MentorProfile.objects.published().select_related("grade", "school", "trust"),
        pk=mentor_id,
    )
    refusal = ""
    if mentor.user_id == request.user.pk:
        refusal = "You cannot send a request to yourself."
    elif not (availability := mentor_availability(mentor, for_mentee=request.user)).taking_requests:
        refusal = availability.reason
    form = SendRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            sent = workflow.send_request(
                mentee=request.user,
                mentor_id=mentor.pk,
                message=form.cleaned_data["message"],
                preferred_mode=form.cleaned_data["preferred_mode"],
            )
        except workflow.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Request sent to {mentor.full_name}. "
                "We have emailed them and will tell you when they answer.",
            )
            return redirect("requests:mentee_detail", sent.pk)
    return render(
        request,
        "requests/send.jinja",
        {
            "mentor": mentor,
            "form": form,
            "refusal": refusal,
            "answer_days": scheme.response_working_days,
        },
    )


@require_safe
def mentee_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_mentee(request)
    requests = paginate(
        request,
        MentoringRequest.objects.filter(mentee=request.user)
        .select_related("mentor")
        .order_by("-created_at", "-pk"),
    )
    waiting = list(
        WaitingListEntry.objects.active().filter(mentee=request.user).select_related("mentor")
    )
    for entry in waiting:
        entry.position = workflow.position_in_line(entry)
    return render(
        request,
        "requests/mine.jinja",
        {
            "requests": requests,
            "pagination": pagination_links(request, requests),
            "waiting": waiting,
        },
    )


@require_safe
def mentee_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_mentee(request)
    mentoring_request = get_request_for_mentee(request.user, pk)
    if mentoring_request.application_id is not None:
        return redirect("requests:proposal", mentoring_request.pk)
    return render(
        request,
        "requests/mentee_detail.jinja",
        {"r": mentoring_request, "mentees_choose": SchemeSettings.cached().mentees_choose},
    )


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _require_mentee(request)
    mentoring_request = get_request_for_mentee(request.user, pk)
    try:
        workflow.withdraw_request(request_id=mentoring_request.pk, mentee=request.user)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Your request has been withdrawn."
            + (" You can choose another mentor." if SchemeSettings.cached().mentees_choose else ""),
        )
    return redirect("requests:mentee_detail", mentoring_request.pk)


# --- Waiting lists ------------------------------------------------------------


@require_POST
def join_waiting_list(request: HttpRequest, mentor_id: int) -> HttpResponse:
    _require_mentee(request)
    mentor = get_object_or_404(MentorProfile.objects.published(), pk=mentor_id)
    try:
        entry = workflow.join_waiting_list(mentee=request.user, mentor_id=mentor.pk)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"You are on {mentor.full_name}'s waiting list, number "
            f"{workflow.position_in_line(entry)} in line. We will email you when a place is "
            "free, and keep it for you for a few working days.",
        )
    return redirect("mentor_profile", mentor.pk)


@require_POST
def leave_waiting_list(request: HttpRequest, pk: int) -> HttpResponse:
    _require_mentee(request)
    entry = get_object_or_404(
        WaitingListEntry.objects.select_related("mentor"), pk=pk, mentee=request.user
    )
    try:
        workflow.leave_waiting_list(entry_id=entry.pk, mentee=request.user)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"You have left {entry.mentor.full_name}'s waiting list.")
    if request.POST.get("back") == "requests":
        return redirect("requests:mine")
    return redirect("mentor_profile", entry.mentor_id)


# --- Mentor -------------------------------------------------------------------


@require_safe
def mentor_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    if gate := _mentor_gate(request):
        return gate
    now = timezone.now()
    incoming = MentoringRequest.objects.filter(mentor__user=request.user).select_related("mentee")
    # Pending requests are few (each is answered or expires within days): all of them.
    pending = list(incoming.filter(state=RequestState.PENDING).order_by("response_deadline"))
    annotate_working_days_left(pending, now)
    answered = paginate(
        request,
        incoming.exclude(state=RequestState.PENDING).order_by("response_deadline", "pk"),
    )
    return render(
        request,
        "requests/incoming.jinja",
        {
            "pending": pending,
            "answered": answered,
            "pagination": pagination_links(request, answered),
        },
    )


def _decision_page(request: HttpRequest, mentoring_request, **forms) -> HttpResponse:
    days_left = None
    if mentoring_request.state == RequestState.PENDING:
        days_left = working_days_left(mentoring_request.response_deadline, timezone.now())
    context = {
        "r": mentoring_request,
        "days_left": days_left,
        "accept_form": forms.get("accept_form") or AcceptForm(),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "form": forms.get("accept_form") or forms.get("decline_form"),
    }
    return render(request, "requests/decide.jinja", context)


@require_safe
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    if gate := _mentor_gate(request):
        return gate
    mentoring_request = get_request_for_mentor(request.user, pk)
    if mentoring_request.application_id is not None:
        return redirect("requests:proposal", mentoring_request.pk)
    return _decision_page(request, mentoring_request)


def _answer(request: HttpRequest, pk: int, form_class, form_name: str, act, success: str):
    """Check the form, call the workflow, then go back with a message or the errors."""
    if gate := _mentor_gate(request):
        return gate
    mentoring_request = get_request_for_mentor(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _decision_page(request, mentoring_request, **{form_name: form})
    try:
        act(mentoring_request, form.cleaned_data)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("requests:decide", mentoring_request.pk)


@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        AcceptForm,
        "accept_form",
        lambda r, data: workflow.accept_request(
            request_id=r.pk, mentor_user=request.user, message=data["message"]
        ),
        "You are now their mentor. Their contact details are below.",
    )


@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(
        request,
        pk,
        DeclineForm,
        "decline_form",
        lambda r, data: workflow.reject_request(
            request_id=r.pk,
            mentor_user=request.user,
            reason=data["reason"],
            message=data["message"],
        ),
        "Request declined. We have let the mentee know.",
    )


@require_safe
def email_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a mentor's email: checked, then on to the decision page."""
    try:
        data = signing.loads(
            token,
            salt=workflow.DECISION_LINK_SALT,
            max_age=workflow.DECISION_LINK_MAX_AGE,
        )
    except signing.SignatureExpired:
        return render(request, "requests/link_problem.jinja", {"expired": True}, status=410)
    except signing.BadSignature:
        return render(request, "requests/link_problem.jinja", {"expired": False}, status=404)
    return redirect(reverse("requests:decide", args=[data["request"]]))
