"""The only ways a view loads a mentor bio: scoped by who is asking, 404 otherwise."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.rules import is_mentee, is_scheme_admin
from register.models import MentorProfile, MentorStatus

_RELATED = ("grade", "school", "trust", "user")


def get_own_mentor_profile(user) -> MentorProfile:
    """The bio of the logged-in mentor, whatever its status; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404("No mentor bio.")
    profile = MentorProfile.objects.select_related(*_RELATED).filter(user=user).first()
    if profile is None:
        raise Http404("No mentor bio.")
    return profile


def get_mentor_profile_for_viewer(user, pk: int) -> MentorProfile:
    """A bio as a page may show it.

    The mentor themself and scheme admins see any status; a mentee sees
    published bios only. Everyone else (another mentor who is not a mentee,
    a user with no role) gets a 404, so unpublished bios stay invisible.
    """
    profile = MentorProfile.objects.select_related(*_RELATED).filter(pk=pk).first()
    if profile is None or not user.is_authenticated:
        raise Http404("No such mentor.")
    if profile.user_id is not None and profile.user_id == user.pk:
        return profile
    if is_scheme_admin(user):
        return profile
    if is_mentee(user) and profile.status == MentorStatus.PUBLISHED:
        return profile
    raise Http404("No such mentor.")


FRAMEWORK_FIRST = (
    "Before you use the mentor pages, please read the ethical framework and confirm "
    "you will follow it."
)


def framework_redirect(request: HttpRequest) -> HttpResponse | None:
    """Send a mentor who has not confirmed the ethical framework to do so.

    Returns None for everyone else, so any page (the dashboard too) can call it.
    """
    profile = getattr(request.user, "mentor_profile", None)
    if profile is None or profile.framework_confirmed_at is not None:
        return None
    messages.info(request, FRAMEWORK_FIRST)
    return redirect("framework_confirm")


def mentor_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the mentor's own pages: loads their bio (404 for anyone else), passes it
    as the second argument, and sends them to the ethical framework first if they
    have not yet confirmed it.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        profile = get_own_mentor_profile(request.user)
        if profile.framework_confirmed_at is None:
            messages.info(request, FRAMEWORK_FIRST)
            return redirect("framework_confirm")
        return view(request, profile, *args, **kwargs)

    return wrapper
