from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import include, path

from accounts import views as account_views
from register import views as register_views


@login_not_required
def admin_login(request):
    """Admin logs in through the same page as everyone (rate limits, two-factor)."""
    target = request.GET.get("next", "/admin/")
    return redirect(
        f"/accounts/login/?next={target}" if target.startswith("/") else "/accounts/login/"
    )


urlpatterns = [
    path("", register_views.home, name="home"),
    path("dashboard/", account_views.dashboard, name="dashboard"),
    path("photos/<int:pk>/<str:size>/", register_views.photo, name="mentor_photo"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
]

handler404 = "register.views.page_not_found"
handler403 = "register.views.permission_denied"
handler500 = "register.views.server_error"
