from django.urls import path

from accounts import invitation_views

urlpatterns = [
    path(
        "accounts/invitation/<str:token>/",
        invitation_views.accept_mentor_invitation,
        name="mentor_invitation",
    ),
]
