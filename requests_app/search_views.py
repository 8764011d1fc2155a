"""The register search page: mentees choose a mentor (or, when the scheme team matches
them, may browse if the scheme lets them); scheme admins look after the register."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from mentoring.pagination import pagination_links
from requests_app.presenters import mentor_card
from requests_app.search import (
    can_search_register,
    reference_data,
    register_shown_to,
    result_page,
    search,
    viewer_for,
)
from requests_app.search_forms import MentorSearchForm, active_filters
from scheme.models import SchemeSettings
from scheme.profiles import profile_of


@require_safe
def mentor_search(request: HttpRequest) -> HttpResponse:
    """Every filter lives in the query string, so a search can be bookmarked and shared."""
    if not can_search_register(request.user):
        raise PermissionDenied("Only mentees and the scheme team can search the register.")
    scheme = SchemeSettings.cached()
    if not register_shown_to(request.user, scheme):
        return render(request, "register/matched_by_team.jinja")
    reference = reference_data()
    viewer = viewer_for(request.user, reference)
    form = MentorSearchForm(
        request.GET,
        choices=reference,
        own_trust=viewer.trust_id if viewer.offer_own_trust else None,
        profile=profile_of(scheme),
    )
    filters = form.filters()
    searched = search(filters, viewer)
    results = result_page(searched, request.GET.get("page"), viewer)
    return render(
        request,
        "register/search.jinja",
        {
            "form": form,
            "page": results.page,
            "more_than": results.more_than,
            "cards": [
                mentor_card(
                    mentor,
                    viewer,
                    reference,
                    requests_open=scheme.mentees_choose,
                    profile=profile_of(scheme),
                )
                for mentor in results.page
            ],
            # Browsing only: the scheme team matches mentees, who cannot ask a mentor.
            "browsing_only": viewer.is_mentee and not scheme.mentees_choose,
            "order": searched.order,
            "too_many_to_rank": searched.too_many_to_rank,
            "active_filters": active_filters(form, filters),
            "pagination": pagination_links(request, results.page),
        },
    )
