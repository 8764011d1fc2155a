"""The register search page: mentees choose a mentor; scheme admins look after the register."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from register.search import (
    MentorSearchForm,
    active_filters,
    can_search_register,
    card_html,
    filter_panel_html,
    filter_values,
    mentor_cards,
    order_for,
    pagination,
    reference_data,
    result_page,
    search_mentors,
    viewer_for,
)


@require_safe
def mentor_search(request: HttpRequest) -> HttpResponse:
    """Every filter lives in the query string, so a search can be bookmarked and shared."""
    if not can_search_register(request.user):
        raise PermissionDenied("Only mentees and the scheme team can search the register.")
    reference = reference_data()
    viewer = viewer_for(request.user, reference)
    form = MentorSearchForm(request.GET, choices=reference, offer_own_trust=viewer.offer_own_trust)
    filters = form.filters()
    page = result_page(search_mentors(filters, viewer), request.GET.get("page"))
    cards = mentor_cards(list(page.object_list), viewer, reference)
    return render(
        request,
        "register/search.jinja",
        {
            "form": form,
            "filter_panel": filter_panel_html(
                filter_values(request.GET), viewer.offer_own_trust, reference
            ),
            "page": page,
            "cards": [card_html(card) for card in cards],
            "order": order_for(filters, viewer),
            "active_filters": active_filters(form, filters, request.GET),
            "pagination": pagination(page, request.GET),
        },
    )
