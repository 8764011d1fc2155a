"""Becoming a mentee: who can take part, and the short profile (see accounts/signup.py)."""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms import MenteeProfileForm, Situation, eligibility_form_class
from accounts.http import AuthenticatedHttpRequest
from accounts.rules import is_mentee
from accounts.signup import (
    create_mentee_profile,
    eligibility_from_session,
    forget_eligibility,
    not_eligible_reason,
    remember_eligibility,
    remember_not_eligible,
)
from scheme.models import SchemeSettings
from scheme.profiles import current_profile

ALREADY_A_MENTEE = "You have already set up your mentee account."


@login_not_required
@require_http_methods(["GET", "POST"])
def eligibility(request: HttpRequest) -> HttpResponse:
    """The questions asked before anyone creates an account (or, logged in, a mentee profile)."""
    if is_mentee(request.user):
        messages.info(request, ALREADY_A_MENTEE)
        return redirect("dashboard")
    data = request.POST if request.method == "POST" else None
    profile = current_profile()
    form = eligibility_form_class(profile)(data, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        if not form.is_eligible:
            remember_not_eligible(request.session, form.cleaned_data["situation"])
            return redirect("mentee_not_eligible")
        remember_eligibility(request.session, form.eligibility())
        if request.user.is_authenticated:
            return redirect("mentee_profile")
        return redirect("account_signup")
    return render(
        request,
        "accounts/eligibility.jinja",
        {"form": form, "public_health": not profile.asks_training_status},
    )


def _initial(request: HttpRequest) -> dict:
    """The answer given earlier in this session, so changing it starts from there."""
    answer = eligibility_from_session(request.session)
    if answer is None:
        return {}
    if answer.works_in_public_health:
        return {"situation": Situation.PUBLIC_HEALTH}
    situation = Situation.PLANNING if answer.absence_form_completed_on else Situation.OUT
    return {"situation": situation, "absence_form_completed_on": answer.absence_form_completed_on}


@login_not_required
@require_safe
def not_eligible(request: HttpRequest) -> HttpResponse:
    """Why the scheme cannot take someone on, and who can help instead."""
    reason = not_eligible_reason(request.session)
    if reason not in Situation.NOT_ELIGIBLE:
        return redirect("mentee_eligibility")
    return render(
        request,
        "accounts/eligibility_not_eligible.jinja",
        {
            "needs_absence_form": reason == Situation.PLANNING_NO_FORM,
            "public_health": not current_profile().asks_training_status,
            "inbox": SchemeSettings.load().inbox_email,
        },
    )


@require_http_methods(["GET", "POST"])
def mentee_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The last step: a few details about you, and agreeing to the privacy notice."""
    user = request.user
    if is_mentee(user):
        messages.info(request, ALREADY_A_MENTEE)
        return redirect("dashboard")
    answer = eligibility_from_session(request.session)
    if answer is None:
        messages.info(request, "First, check that you can take part.")
        return redirect("mentee_eligibility")
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        messages.info(request, "Confirm your email address first: we have sent you a link.")
        return redirect("account_email")
    form = MenteeProfileForm(
        request.POST if request.method == "POST" else None,
        initial={"first_name": user.first_name, "last_name": user.last_name},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        create_mentee_profile(
            user=user,
            eligibility=answer,
            first_name=data["first_name"],
            last_name=data["last_name"],
            grade=data.get("grade"),
            school=data.get("school"),
            trust=data.get("trust"),
            organisation=data.get("organisation", ""),
            area_of_work=data.get("area_of_work", ""),
            nation=data.get("nation", ""),
            pronouns=data["pronouns"],
        )
        forget_eligibility(request.session)
        if not SchemeSettings.cached().mentees_choose:
            # The scheme team proposes every match: the next step is applying for one.
            messages.success(
                request,
                "Your account is ready. Next, tell us what you would like from mentoring, "
                "and the scheme team will find you a peer mentor.",
            )
            return redirect("requests:apply")
        messages.success(request, "Your account is ready. You can now look for a peer mentor.")
        return redirect("mentor_search")
    return render(request, "accounts/mentee_profile.jinja", {"form": form, "answer": answer})
