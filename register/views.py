from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from accounts.rules import is_mentee, is_scheme_admin
from mentoring.sessions import session_not_refreshed
from register.models import MentorProfile, photo_version
from scheme.models import HelpContact, SchemeSettings
from scheme.texts import GET_HELP, PUBLIC_PAGES, get_scheme_text

PHOTO_CONTENT_TYPE = "image/jpeg"  # every stored photo is re-encoded as JPEG
PHOTO_MAX_AGE = 365 * 24 * 3600  # a year: a new upload has a new file name, so a new address


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "register/home.jinja",
        {
            "scheme_name": SchemeSettings.load().scheme_name,
            "intro": get_scheme_text("home"),
            "how_it_works": get_scheme_text("how-it-works"),
        },
    )


@login_not_required
@require_safe
def scheme_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A public page whose text the scheme team edits in admin."""
    if slug not in PUBLIC_PAGES:
        raise Http404("No such page.")
    inbox = SchemeSettings.load().inbox_email if slug == "contact" else ""
    return render(
        request, "register/scheme_page.jinja", {"text": get_scheme_text(slug), "inbox": inbox}
    )


@login_not_required
@require_safe
def help_now(request: HttpRequest) -> HttpResponse:
    """Where to turn straight away if someone's safety is at risk: every partnership page
    links here. The contacts are the scheme team's to edit; its own inbox comes last."""
    return render(
        request,
        "register/help_now.jinja",
        {
            "text": get_scheme_text(GET_HELP),
            "contacts": HelpContact.objects.in_order(),
            "inbox": SchemeSettings.cached().inbox_email,
        },
    )


@session_not_refreshed  # a page of results asks for 20: they read the session, never write it
@require_safe
def photo(request: HttpRequest, pk: int, size: str) -> FileResponse:
    """A mentor's photo: for logged-in mentees and admins (published bios) and its owner.

    Photos are private data, so they are never served straight from the media folder.
    Asked for by the address that names the upload (MentorProfile.photo_url), the browser
    may keep it for a year without asking again; by any other, it asks every time.
    """
    # Requested once per thumbnail on a search page: read only what is needed here.
    mentor = get_object_or_404(
        MentorProfile.objects.only("pk", "user_id", "status", "photo", "photo_thumbnail"), pk=pk
    )
    user = request.user
    is_own = mentor.user_id is not None and mentor.user_id == user.pk
    may_see = is_own or is_scheme_admin(user) or (is_mentee(user) and mentor.status == "published")
    field = {"small": mentor.photo_thumbnail, "large": mentor.photo}.get(size)
    if not may_see or not field:
        raise Http404("No such photo.")
    response = FileResponse(field.open("rb"), content_type=PHOTO_CONTENT_TYPE)
    if field.name and request.GET.get("v") == photo_version(field.name):
        response["Cache-Control"] = f"private, max-age={PHOTO_MAX_AGE}, immutable"
    else:
        response["Cache-Control"] = "private, no-cache"
    response["Content-Disposition"] = "inline"
    return response


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.jinja", status=404)


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/403.jinja", status=403)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.jinja", status=500)
