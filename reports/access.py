"""Who may see the scheme's figures and exports: the scheme team, with two-factor
authentication as admin asks (accounts.rules.is_scheme_admin). Anyone else gets the
log-in page (not logged in) or a 404 (logged in): the pages are not advertised."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from accounts.rules import is_scheme_admin


def scheme_team_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_scheme_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return checked
