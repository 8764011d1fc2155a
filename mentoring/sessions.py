"""The idle time-out, with the session written at most once a minute.

A session lives SESSION_COOKIE_AGE (SESSION_IDLE_MINUTES) from its last save: the
database row's expiry date and the cookie's both count from then. Saving it on every
request (SESSION_SAVE_EVERY_REQUEST) made it an exact idle time-out at the price of a
write on every page and every thumbnail. This middleware saves a session only when its
last save is REFRESH_SECONDS old or more, so a person who keeps using the service stays
logged in and one who leaves it is logged out SESSION_IDLE_MINUTES after their last
request, up to a minute sooner.

django-session-timeout (the package that does this, unreleased since 2020) keeps a
second clock in the session beside Django's and redirects to log in when it runs out;
here Django's own expiry is the only clock, and this decides only when to save.
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

REFRESH_SECONDS = 60
SAVED_AT_KEY = "_saved_at"  # seconds since the epoch of the session's last save


def stamp_log_in(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """user_logged_in: a log-in saves the session, so the minute counts from it."""
    if request is not None and hasattr(request, "session"):
        request.session[SAVED_AT_KEY] = int(time.time())


def session_not_refreshed(view: Callable) -> Callable:
    """Mark a view whose requests never save the session (photos: many per page)."""
    view.session_not_refreshed = True  # type: ignore[attr-defined]
    return view


class SessionRefreshMiddleware:
    """Mark the session for saving when its last save is a minute old or more.

    Goes just after SessionMiddleware, which saves a session marked modified on the way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if session.is_empty():  # anonymous without data, or just logged out (flushed)
            return response
        match = request.resolver_match
        if match is not None and getattr(match.func, "session_not_refreshed", False):
            return response
        now = int(time.time())
        age = now - session.get(SAVED_AT_KEY, 0)
        if session.modified or not 0 <= age < REFRESH_SECONDS:  # (< 0: the clock went back)
            session[SAVED_AT_KEY] = now  # marks it modified: SessionMiddleware saves it
        return response
