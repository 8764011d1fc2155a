"""The code step of logging in with two-factor authentication.

allauth's step takes a post without a `code` field for a security key's answer
(WebAuthn), which this service does not offer (MFA_SUPPORTED_TYPES), and then draws
the page with no code form at all. Our page always sends the field, so a post without
it is treated as an empty code: the page asks for the code again, with the error.
"""

from allauth.mfa.base import views as mfa_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse


@login_not_required
def authenticate(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "code" not in request.POST:
        posted = request.POST.copy()
        posted["code"] = ""
        request.POST = posted  # type: ignore[assignment]
    return mfa_views.authenticate(request)
