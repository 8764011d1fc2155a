"""Your data: include with path("", include("privacy.urls"))."""

from django.urls import path

from privacy import views as data_views

urlpatterns = [
    path("my-data/", data_views.my_data, name="my_data"),
    path("my-data/download/", data_views.my_data_download, name="my_data_download"),
    path("my-data/delete/", data_views.delete_account, name="delete_account"),
]
