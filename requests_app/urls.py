from django.urls import path

from requests_app import views

app_name = "requests"
urlpatterns = [
    path("mentors/<int:mentor_id>/request/", views.send_request, name="send"),
    path("requests/", views.mentee_requests, name="mine"),
    path("requests/<int:pk>/", views.mentee_request_detail, name="mentee_detail"),
    path("requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("mentor/requests/", views.mentor_requests, name="incoming"),
    path("mentor/requests/<int:pk>/", views.decide, name="decide"),
    path("mentor/requests/<int:pk>/accept/", views.accept, name="accept"),
    path("mentor/requests/<int:pk>/decline/", views.decline, name="decline"),
    path("r/<str:token>/", views.email_link, name="email_link"),
]
