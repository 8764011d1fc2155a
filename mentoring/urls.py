from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from register import views as register_views
from requests_app import dashboard_views


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """Admin logs in through the same page as everyone (rate limits, two-factor)."""
    if request.user.is_authenticated:
        raise PermissionDenied  # logged in but not staff: a 403, not a login loop
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/admin/"
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")


urlpatterns = [
    path("", register_views.home, name="home"),
    path("about/<slug:slug>/", register_views.scheme_page, name="scheme_page"),
    path("get-help-now/", register_views.help_now, name="help_now"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("photos/<int:pk>/<str:size>/", register_views.photo, name="mentor_photo"),
    path("", include("register.urls")),
    path("", include("requests_app.search_urls")),
    path("", include("requests_app.mentor_urls")),
    path("", include("accounts.mentee_urls")),
    path("", include("privacy.urls")),
    path("", include("requests_app.urls")),
    path("scheme-figures/", include("reports.urls")),
    path("spread-the-word/", include("reports.kit_urls")),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),  # before allauth's, which it stands in for
    path("accounts/", include("allauth.urls")),
]

handler404 = "register.views.page_not_found"
handler403 = "register.views.permission_denied"
handler500 = "register.views.server_error"
