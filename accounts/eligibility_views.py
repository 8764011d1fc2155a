"""Becoming a mentee: who can take part, and the short profile (see accounts/signup.py)."""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms import (
    MenteeProfileForm,
    Situation,
    eligibility_form_class,
    profile_change_form_class,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.models import MenteeProfile, TrainingStatus
from accounts.rules import is_mentee
from accounts.signup import (
    create_mentee_profile,
    eligibility_from_session,
    forget_eligibility,
    not_eligible_reason,
    remember_eligibility,
    remember_not_eligible,
    update_mentee_profile,
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


# Why an answer that sign-up turns away cannot be saved either. The mentee keeps their
# account and their details as they were: their situation is the scheme team's to discuss.
_NOT_ELIGIBLE_CHANGE = {
    Situation.PLANNING_NO_FORM: (
        "You can take part while planning time out once your absence planning form is "
        "completed. We have not changed your details."
    ),
    Situation.NEITHER: (
        "Peer mentoring is for doctors in training who are out of training now, or planning "
        "time out with their absence planning form completed. We have not changed your details."
    ),
}
_NOT_IN_PUBLIC_HEALTH = (
    "This scheme is for people working in public health in the UK. "
    "We have not changed your details."
)


@require_http_methods(["GET", "POST"])
def mentee_profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A mentee changes what they told us at sign-up, with the same questions and checks."""
    user = request.user
    if not is_mentee(user):
        raise PermissionDenied
    mentee = user.mentee_profile
    profile = current_profile()
    form = profile_change_form_class(profile)(
        request.POST if request.method == "POST" else None,
        initial=_current_answers(user, mentee),
        profile=profile,
    )
    not_eligible = False
    if request.method == "POST" and form.is_valid():
        if form.is_eligible:
            data = form.cleaned_data
            update_mentee_profile(
                user=user,
                eligibility=form.eligibility(),
                first_name=data["first_name"],
                last_name=data["last_name"],
                pronouns=data["pronouns"],
                grade=data.get("grade"),
                school=data.get("school"),
                trust=data.get("trust"),
                organisation=data.get("organisation"),
                area_of_work=data.get("area_of_work"),
                nation=data.get("nation"),
            )
            messages.success(request, "Your details have been updated.")
            return redirect("dashboard")
        not_eligible = True
        form.add_error(
            "situation",
            _NOT_ELIGIBLE_CHANGE[form.cleaned_data["situation"]]
            if profile.asks_training_status
            else _NOT_IN_PUBLIC_HEALTH,
        )
    return render(
        request,
        "accounts/mentee_profile_edit.jinja",
        {
            "form": form,
            "public_health": not profile.asks_training_status,
            "not_eligible": not_eligible,
            "inbox": SchemeSettings.cached().inbox_email if not_eligible else "",
        },
    )


def _current_answers(user, mentee: MenteeProfile) -> dict:
    """The profile as it is, in the form's terms."""
    if mentee.training_status == TrainingStatus.PLANNING:
        situation = Situation.PLANNING
    elif mentee.training_status == TrainingStatus.OUT_OF_TRAINING:
        situation = Situation.OUT
    else:
        situation = Situation.PUBLIC_HEALTH
    return {
        "situation": situation,
        "absence_form_completed_on": mentee.absence_form_completed_on,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "pronouns": mentee.pronouns,
        "grade": mentee.grade_id,
        "school": mentee.school_id,
        "trust": mentee.trust_id,
        "organisation": mentee.organisation,
        "area_of_work": mentee.area_of_work,
        "nation": mentee.nation,
    }
