"""The dashboard: where everyone lands after logging in, with what they can do next.

It lives with the requests because it shows them (places kept on waiting lists,
partnerships); the accounts app only says who is who.
"""

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.links import signup_address
from accounts.rules import admin_needs_two_factor, is_mentee, is_mentor, is_scheme_team
from register.access import framework_redirect
from requests_app.models import MatchApplication, MentoringRequest, WaitingListEntry
from requests_app.partnership_summary import dashboard_context
from requests_app.working_days import with_working_days_left
from scheme.models import SchemeSettings


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """What each person can do next, by role."""
    if gate := framework_redirect(request):
        return gate
    user = request.user
    mentee = is_mentee(user)
    scheme = SchemeSettings.cached()
    return render(
        request,
        "accounts/dashboard.jinja",
        {
            "is_mentee": mentee,
            # Places kept for them on a waiting list: the first thing to act on.
            "places_kept": list(
                WaitingListEntry.objects.offered().filter(mentee=user).select_related("mentor")
            )
            if mentee and scheme.mentees_choose
            else [],
            "is_mentor": is_mentor(user),
            # Requests to this mentor waiting for their answer, the nearest deadline first.
            "waiting_requests": _waiting_requests(user) if is_mentor(user) else [],
            # The way into admin, which asks for two-factor authentication first if needed.
            "is_scheme_admin": is_scheme_team(user),
            "needs_two_factor": admin_needs_two_factor(user),
            "mentor_profile": getattr(user, "mentor_profile", None),
            # Mentors are the scheme's ambassadors: the link they pass on.
            "signup_address": signup_address(),
            "scheme": scheme,
            **_matching_context(user, mentee, scheme),
            **dashboard_context(user, request),
        },
    )


def _waiting_requests(user) -> list[MentoringRequest]:
    """Mentees' own requests to this mentor (proposed matches are listed with matching),
    each with its working days left: one query whatever their number."""
    return with_working_days_left(
        MentoringRequest.objects.pending()
        .own_requests()
        .filter(mentor__user=user)
        .select_related("mentee")
        .order_by("response_deadline", "pk"),
        timezone.now(),
    )


def _matching_context(user, mentee: bool, scheme: SchemeSettings) -> dict:
    """Where matching by the scheme team stands for this person: their application,
    and the proposed matches waiting for their answer. Nothing is read where mentees
    only choose their mentor."""
    if not scheme.scheme_proposes:
        return {"scheme_proposes": False, "application": None, "proposals": []}
    proposals = list(
        MentoringRequest.objects.proposals()
        .pending()
        .filter(Q(mentee=user) | Q(mentor__user=user))
        .select_related("mentee", "mentor")
        .order_by("response_deadline")
    )
    for proposal in proposals:
        proposal.role = "mentee" if proposal.mentee_id == user.pk else "mentor"
        proposal.answered = getattr(proposal, f"{proposal.role}_agreed_at") is not None
    return {
        "scheme_proposes": True,
        "application": MatchApplication.objects.open().filter(mentee=user).first()
        if mentee
        else None,
        "proposals": proposals,
    }
