"""History lists a page at a time, with the NHS.UK pagination component's links.

A list that grows with use (requests, meetings, past partnerships) is shown PER_PAGE
rows at a time: a COUNT and one slice, whatever its length. A page number that is not
a number, or past the end, shows the last page (Paginator.get_page) rather than an error.
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 20


def paginate(
    request: HttpRequest,
    items: Sequence[Any] | QuerySet[Any],
    *,
    param: str = "page",
    per_page: int = PER_PAGE,
) -> Page:
    """The page of `items` (an ordered QuerySet or list) that ?<param>= asks for."""
    return Paginator(items, per_page).get_page(request.GET.get(param))


def pagination_links(request: HttpRequest, page: Page, *, param: str = "page") -> dict | None:
    """The NHS.UK pagination macro's parameters (previous, next, the first and last pages
    and two either side of this one), or None when everything fits on one page.

    Other query values are kept, so two lists on one page page through apart."""
    last = page.paginator.num_pages
    if last < 2:
        return None
    kept = [(k, v) for k, values in request.GET.lists() for v in values if k != param]

    def href(number: int) -> str:
        query = urlencode([*kept, (param, str(number))] if number > 1 else kept)
        return f"?{query}" if query else "?"

    items: list[dict] = []
    previous = 0
    for n in sorted(
        n for n in {1, last, *range(page.number - 2, page.number + 3)} if 1 <= n <= last
    ):
        if n - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": href(n), "current": n == page.number})
        previous = n
    return {
        "previous": {"href": href(page.number - 1)} if page.has_previous() else None,
        "next": {"href": href(page.number + 1)} if page.has_next() else None,
        "items": items,
    }
