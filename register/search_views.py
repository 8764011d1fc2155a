"""The register search page: mentees choose a mentor; scheme admins look after the register."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from register.search import (
    can_search_register,
    card_html,
    filter_panel_html,
    filter_values,
    mentor_cards,
    order_for,
    pagination,
    read_search,
    reference_data,
    result_page,
    search_mentors,
    search_values,
    viewer_for,
)


@require_safe
def mentor_search(request: HttpRequest) -> HttpResponse:
    """Every filter lives in the query string, so a search can be bookmarked and shared."""
    if not can_search_register(request.user):
        raise PermissionDenied("Only mentees and the scheme team can search the register.")
    reference = reference_data()
    viewer = viewer_for(request.user, reference)
    terms = read_search(search_values(request.GET), viewer.offer_own_trust, reference)
    page = result_page(search_mentors(terms.filters, viewer), request.GET.get("page"))
    cards = mentor_cards(page.object_list, viewer, reference)
    return render(
        request,
        "register/search.jinja",
        {
            "errors": terms.errors,
            "filter_panel": filter_panel_html(
                filter_values(request.GET), viewer.offer_own_trust, reference
            ),
            "page": page,
            "cards": [card_html(card) for card in cards],
            "order": order_for(terms.filters, viewer),
            "active_filters": terms.active_filters,
            "pagination": pagination(page, request.GET),
        },
    )
