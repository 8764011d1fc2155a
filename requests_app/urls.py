from django.urls import path

from requests_app import views

app_name = "requests"
urlpatterns = [
    path("mentors/<int:mentor_id>/request/", views.send_request, name="send"),
]
