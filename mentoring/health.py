"""GET /health/ for load balancers and container health checks.

200 when this process can reach the database and the Celery broker, 503 naming
what it cannot reach. It answers from a middleware placed before every other
one, so a probe is never redirected to HTTPS (load balancers probe over plain
http), never asked to log in, and never refused for its Host header (probes use
the machine's own address, which is rarely in ALLOWED_HOSTS). The body holds
nothing but the names of the checks.
"""

import os
from collections.abc import Callable
from pathlib import Path

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

HEALTH_PATH = "/health/"
# A probe must answer before the load balancer's own timeout (often 5 s), even when
# a service is down in the worst way (packets dropped rather than refused).
TIMEOUT_SECONDS = 2


def database_reachable() -> bool:
    """A fresh connection (with a connect timeout) runs SELECT 1, then closes.

    The request's own connection is left alone: it has no connect timeout, and a
    probe must not hold a connection open between checks.
    """
    connection = connections.create_connection(DEFAULT_DB_ALIAS)
    if connection.vendor == "postgresql":
        options = {**connection.settings_dict["OPTIONS"], "connect_timeout": TIMEOUT_SECONDS}
        connection.settings_dict = {**connection.settings_dict, "OPTIONS": options}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    finally:
        connection.close()
    return True


def broker_reachable() -> bool:
    """Redis answers PING; or the filesystem broker's queue folder can be written to.

    The settings make only these two kinds of broker.
    """
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    return folder.is_dir() and os.access(folder, os.W_OK)


CHECKS: dict[str, Callable[[], bool]] = {
    "database": database_reachable,
    "broker": broker_reachable,
}


def health(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    results = {name: "ok" if check() else "unreachable" for name, check in CHECKS.items()}
    healthy = all(result == "ok" for result in results.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "unavailable", **results},
        status=200 if healthy else 503,
    )
    add_never_cache_headers(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthCheckMiddleware:
    """Answers HEALTH_PATH itself; first in MIDDLEWARE (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH:
            return health(request)
        return self.get_response(request)
