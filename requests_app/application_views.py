"""Matching by the scheme team: a mentee applies, and both sides answer a proposal.

Every change goes through requests_app.workflow.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.rules import is_mentee
from requests_app import workflow
from requests_app.forms import ApplicationForm, ProposalAnswerForm
from requests_app.models import (
    MatchApplication,
    MentoringRequest,
    NudgeAnswer,
    WaitingListEntry,
)
from requests_app.working_days import working_days_left
from scheme.models import SchemeSettings


def _require_mentee(request: AuthenticatedHttpRequest) -> None:
    if not is_mentee(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Apply to be matched, or change the application while it is open."""
    _require_mentee(request)
    scheme = SchemeSettings.load()
    application = MatchApplication.objects.open().filter(mentee=request.user).first()
    if application is None and not scheme.scheme_proposes:
        return render(request, "requests/apply_closed.jinja", {}, status=404)
    initial = vars(workflow.Wishes.of(application)) if application is not None else None
    form = ApplicationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        wishes = workflow.Wishes(**form.cleaned_data)
        try:
            if application is None:
                workflow.apply_to_be_matched(mentee=request.user, wishes=wishes)
                done = (
                    "Thank you: your application is with the scheme team. We will email you "
                    "when they suggest a mentor."
                )
            else:
                workflow.change_application(
                    application_id=application.pk, mentee=request.user, wishes=wishes
                )
                done = "Your application has been updated."
        except workflow.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect("dashboard")
    return render(
        request,
        "requests/apply.jinja",
        {"form": form, "application": application},
    )


@require_POST
def withdraw_application(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_mentee(request)
    application = MatchApplication.objects.open().filter(mentee=request.user).first()
    if application is None:
        messages.error(request, "You have no application to withdraw.")
        return redirect("dashboard")
    try:
        workflow.withdraw_application(application_id=application.pk, mentee=request.user)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Your application has been withdrawn. You can apply again at any time."
        )
    return redirect("dashboard")


def _proposal_for(user, pk: int) -> MentoringRequest:
    """A proposal, for its mentee or its mentor only: 404 for anyone else."""
    proposal = get_object_or_404(
        MentoringRequest.objects.proposals().select_related(
            "application",
            "mentee__mentee_profile",
            "mentor__user",
            "mentor__grade",
            "mentor__school",
            "mentor__trust",
        ),
        pk=pk,
    )
    try:
        workflow.proposal_role(proposal, user)
    except workflow.WorkflowError:
        raise Http404 from None
    return proposal


@require_http_methods(["GET", "HEAD", "POST"])
def proposal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A proposed match: what the other side shared, and this side's answer."""
    found = _proposal_for(request.user, pk)
    role = workflow.proposal_role(found, request.user)
    form = ProposalAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        go_ahead = form.cleaned_data["answer"] == "go_ahead"
        try:
            answered = workflow.answer_proposal(
                request_id=found.pk,
                user=request.user,
                go_ahead=go_ahead,
                reason=form.cleaned_data["reason"] if not go_ahead else "",
            )
        except workflow.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            if hasattr(answered, "partnership"):
                messages.success(
                    request, "You have both said yes. Next, confirm your mentoring agreement."
                )
                return redirect("requests:partnership_agreement", answered.partnership.pk)
            if go_ahead:
                messages.success(
                    request, "Thank you. We will tell you both when the other side has answered."
                )
            else:
                messages.success(
                    request,
                    "Thank you for letting us know. This pairing will not go ahead, "
                    "and the other person is not told why.",
                )
            return redirect("requests:proposal", found.pk)
    mine_agreed = getattr(found, f"{role}_agreed_at")
    return render(
        request,
        "requests/proposal.jinja",
        {
            "p": found,
            "role": role,
            "application": found.application,
            "mentor": found.mentor,
            "form": form,
            "answered": mine_agreed is not None,
            "days_left": working_days_left(found.response_deadline, timezone.now())
            if found.state == "pending"
            else None,
        },
    )


# --- Still looking for a mentor? -------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def still_looking(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The mentee says whether they still want a mentor: the check-in email's two links
    (?answer=keep_looking or ?answer=stopped) come here, and the page answers only on
    POST. After "no", it is the polite confirmation, with how to start again."""
    _require_mentee(request)
    if request.method == "POST":
        answer = request.POST.get("answer", "")
        if answer not in NudgeAnswer.values:
            messages.error(request, "Choose one of the two answers.")
            return redirect("requests:still_looking")
        try:
            workflow.answer_check_in(
                mentee=request.user, still_looking=answer == NudgeAnswer.KEEP_LOOKING
            )
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect("dashboard")
        if answer == NudgeAnswer.KEEP_LOOKING:
            messages.success(request, "Thank you: we will not ask you again.")
            return redirect("dashboard")
        return redirect("requests:still_looking")
    nudge = workflow.still_looking_answer(request.user)
    searching = (
        MentoringRequest.objects.pending().filter(mentee=request.user).exists()
        or WaitingListEntry.objects.active().filter(mentee=request.user).exists()
        or MatchApplication.objects.open().filter(mentee=request.user).exists()
    )
    chosen = request.GET.get("answer", "")
    return render(
        request,
        "requests/still_looking.jinja",
        {
            # Closed, unless they have started again since.
            "closed": nudge is not None and nudge.answer == NudgeAnswer.STOPPED and not searching,
            "answer": nudge.answer if nudge is not None else "",
            "answered_at": nudge.answered_at if nudge is not None else None,
            "chosen": chosen if chosen in NudgeAnswer.values else "",
            "scheme": SchemeSettings.cached(),
        },
    )
