"""GET /health/: what a load balancer asks before sending traffic to a machine."""

import time

import pytest
from django.db import connections

from tests.local_servers import free_port, redis_server

OK = {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthy_anonymous_plain_http_probe_from_an_unknown_host(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True  # HTTPS_ONLY in production
    settings.ALLOWED_HOSTS = ["mentoring.example.nhs.uk"]

    response = client.get("/health/", HTTP_HOST="10.0.4.17:8000")

    assert response.status_code == 200
    assert response.json() == OK
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


def test_healthy_with_redis_then_unavailable_once_it_stops(client, db, settings, tmp_path):
    with redis_server(tmp_path) as url:
        settings.CELERY_BROKER_URL = url
        assert client.get("/health/").json() == OK

    started = time.monotonic()
    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unreachable"}
    assert time.monotonic() - started < 2


def test_unavailable_when_nothing_listens_on_the_redis_port(client, db, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"


def test_unavailable_when_the_filesystem_broker_folder_is_missing(client, db, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}

    assert client.get("/health/").status_code == 503

    (tmp_path / "gone").mkdir()
    assert client.get("/health/").json() == OK


def test_unavailable_when_the_database_is_unreachable(client, db, monkeypatch, tmp_path):
    default = connections.settings["default"]
    if default["ENGINE"].endswith("sqlite3"):
        broken = {**default, "NAME": str(tmp_path / "no-such-folder" / "db.sqlite3")}
    else:
        broken = {**default, "HOST": "127.0.0.1", "PORT": str(free_port())}
    monkeypatch.setitem(connections.settings, "default", broken)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable", "broker": "ok"}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get_and_head(client, db, method):
    assert getattr(client, method)("/health/").status_code == 405
    assert client.head("/health/").status_code == 200
