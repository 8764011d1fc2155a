"""The request a view gets once LoginRequiredMiddleware has let it through."""

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For annotations only (Django builds the request): every view not marked
    login_not_required is reached by a logged-in person, so request.user is a User."""

    user: User
