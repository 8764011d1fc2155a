"""The kit for spreading the word (reports.kit, scheme team only)."""

from django.urls import path

from reports import kit

app_name = "kit"
urlpatterns = [
    path("", kit.kit, name="index"),
    path("poster/", kit.poster, name="poster"),
    path("leaflet/", kit.leaflet, name="leaflet"),
]
