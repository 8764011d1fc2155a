"""A mentor's pages that show requests, partnerships or the waiting list: their profile
as others see it (and its preview for the mentor), and their capacity.

The rest of a mentor's own pages are register.mentor_views.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.rules import is_mentee, is_scheme_admin
from register.access import framework_redirect, get_mentor_profile_for_viewer, mentor_page
from register.fields import flags_labels
from register.forms import CapacityForm
from register.models import MentorProfile, TimeOfDay, Weekday
from register.services import set_capacity
from requests_app.availability import mentor_availability, mentor_load
from requests_app.models import MentoringRequest, Partnership, WaitingListEntry
from requests_app.search import register_shown_to
from requests_app.workflow import position_in_line
from scheme.models import SchemeSettings
from scheme.profiles import profile_of


def _in_words(labels: list[str]) -> str:
    """["Monday", "Tuesday", "Friday"] -> "Monday, Tuesday and Friday"."""
    if len(labels) < 2:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} and {labels[-1]}"


def _profile_context(
    request: AuthenticatedHttpRequest, profile: MentorProfile, scheme: SchemeSettings
) -> dict:
    """What the profile page shows to this viewer."""
    user = request.user
    is_own = profile.user_id == user.pk
    as_mentee = is_mentee(user) and not is_own
    # When the scheme team makes every match, a mentee reads bios without asking anyone.
    requests_open = scheme.mentees_choose
    has_partnership = as_mentee and Partnership.objects.filter(mentee=user, mentor=profile).exists()
    waiting = (
        WaitingListEntry.objects.active().filter(mentee=user, mentor=profile).first()
        if as_mentee
        else None
    )
    return {
        "profile": profile,
        "is_own": is_own,
        "as_admin": not is_own and is_scheme_admin(user),
        "as_mentee": as_mentee,
        # Contact details: the mentor themself, the scheme team, and a mentee whose
        # request this mentor accepted (an open or past partnership between them).
        "show_contact": not as_mentee or has_partnership,
        "availability": (
            mentor_availability(profile, for_mentee=user) if as_mentee and requests_open else None
        ),
        "requests_open": requests_open,
        "waiting": waiting,
        "position": position_in_line(waiting) if waiting else None,
        "days": _in_words(flags_labels(profile.available_days, Weekday.choices)),
        "times": _in_words(
            [label.lower() for label in flags_labels(profile.available_times, TimeOfDay.choices)]
        ),
        "platforms": _in_words([p.name for p in profile.virtual_platforms.all()]),
        "contact_email": profile.contact_email or profile.email,
        "scheme_profile": profile_of(scheme),  # which bio fields the page shows
    }


@require_safe
def mentor_profile(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A mentor's profile: for mentees (published bios), scheme admins, and the mentor."""
    profile = get_mentor_profile_for_viewer(request.user, pk)
    if profile.user_id == request.user.pk and (gate := framework_redirect(request)):
        return gate
    scheme = SchemeSettings.cached()
    if (
        profile.user_id != request.user.pk
        and not register_shown_to(request.user, scheme)
        # Someone the mentee was matched with or asked: their bio stays readable.
        and not MentoringRequest.objects.filter(mentee=request.user, mentor=profile).exists()
    ):
        return render(request, "register/matched_by_team.jinja")
    return render(
        request, "register/mentor_profile.jinja", _profile_context(request, profile, scheme)
    )


@require_safe
@mentor_page
def my_bio_preview(request: AuthenticatedHttpRequest, profile: MentorProfile) -> HttpResponse:
    return render(
        request,
        "register/mentor_profile.jinja",
        _profile_context(request, profile, SchemeSettings.cached()),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@mentor_page
def my_bio_capacity(request: HttpRequest, profile: MentorProfile) -> HttpResponse:
    load = mentor_load(profile)
    if request.method == "POST":
        form = CapacityForm(request.POST)
        if form.is_valid():
            capacity = form.cleaned_data["capacity"]
            set_capacity(bio=profile, by=request.user, capacity=capacity)
            if load >= capacity:
                messages.success(
                    request,
                    f"Your capacity is now {capacity}. You have {load} mentees at the moment, "
                    "so you will not get new requests until a partnership ends.",
                )
            else:
                messages.success(request, f"Your capacity is now {capacity}.")
            return redirect("dashboard")
    else:
        form = CapacityForm(initial={"capacity": profile.capacity})
    waiting = WaitingListEntry.objects.in_line().filter(mentor=profile).count()
    return render(
        request,
        "register/mentor_capacity.jinja",
        {"form": form, "load": load, "waiting": waiting},
    )
