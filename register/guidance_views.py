"""Guidance for mentors: how a peer mentor works, in the scheme's own wording."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from register.access import mentor_page
from register.models import MentorProfile
from scheme.texts import PEER_MENTOR_ROLE, get_scheme_text


@require_safe
@mentor_page
def peer_mentor_role(request: HttpRequest, profile: MentorProfile) -> HttpResponse:
    """For mentors only (404 for anyone else): the scheme text on the peer mentor's way
    of working, linked from their dashboard and from the first meeting."""
    return render(
        request, "register/peer_mentor_role.jinja", {"text": get_scheme_text(PEER_MENTOR_ROLE)}
    )
