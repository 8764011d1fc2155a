"""With Redis gone, pages render, log-in works and keeps its rate limits, requests go
through; with Redis back, the cache is Redis again.

Each test runs its own redis-server on a free port (never the shared one) with the
cache and Celery settings that production derives from REDIS_URL, stops it by its
pid, and starts it again on the same port.
"""

import datetime
import logging
import runpy
import shutil
import socket
import subprocess
import time

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.urls import reverse
from django.utils.html import escape

from accounts.adapter import AccountAdapter
from mentoring import cache as fallback_cache
from mentoring import celery_app
from mentoring.queueing import enqueue
from requests_app import tasks
from requests_app.models import MentoringRequest, RequestState
from requests_app.search import REFERENCE_CACHE_KEY
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

MISMATCH = AccountAdapter.error_messages["email_password_mismatch"]
TOO_MANY = AccountAdapter.error_messages["too_many_login_attempts"]
START = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
CELERY_KEYS = (
    "broker_url",
    "broker_transport_options",
    "broker_connection_timeout",
    "task_publish_retry_policy",
    "task_always_eager",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server process of this test's own, without persistence."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.skip("These tests start their own redis-server: apt-get install redis-server")
        self.process = subprocess.Popen(
            [
                executable,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:  # wait for the new process to listen
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


@pytest.fixture
def own_redis():
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def on_own_redis(own_redis, settings, monkeypatch):
    """The cache and the Celery broker as production sets them for this REDIS_URL."""
    monkeypatch.setenv("REDIS_URL", own_redis.url)
    production = runpy.run_path(str(django_settings.BASE_DIR / "mentoring" / "settings.py"))
    assert production["CACHES"]["default"]["BACKEND"] == "mentoring.cache.FallbackRedisCache"
    # Saved first: the Celery app reads what it was not told from Django's settings.
    saved = {key: celery_app.conf[key] for key in CELERY_KEYS}
    settings.REDIS_URL = own_redis.url
    settings.CACHES = production["CACHES"]
    settings.CELERY_BROKER_URL = production["CELERY_BROKER_URL"]
    caches.close_all()  # the settings signal dropped the old cache objects; no sockets left
    use_broker(
        broker_url=production["CELERY_BROKER_URL"],
        broker_transport_options=production["CELERY_BROKER_TRANSPORT_OPTIONS"],
        broker_connection_timeout=production["CELERY_BROKER_CONNECTION_TIMEOUT"],
        task_publish_retry_policy=production["CELERY_TASK_PUBLISH_RETRY_POLICY"],
        task_always_eager=False,
    )
    yield own_redis
    use_broker(**saved)


def use_broker(**conf) -> None:
    celery_app.conf.update(conf)
    # Both pools are keyed by the broker they were made for: make them again.
    celery_app.amqp._producer_pool = None
    celery_app._pool = None


def queued(server: RedisServer) -> int:
    return server.client().llen("celery")


def in_redis(server: RedisServer, key: str) -> bool:
    return bool(server.client().exists(cache.make_key(key)))


def log_in(client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_the_settings_take_the_fallback_cache(on_own_redis):
    cache.set("probe", 1)

    assert type(caches["default"]) is fallback_cache.FallbackRedisCache
    assert in_redis(on_own_redis, "probe")


def test_with_redis_stopped_search_log_in_and_requests_work_and_redis_is_used_again_once_back(
    on_own_redis, client, mentee, other_mentee, mentor, other_mentor, committed, caplog
):
    server = on_own_redis
    caplog.set_level(logging.INFO, logger="mentoring")
    with time_machine.travel(START, tick=True) as clock:
        client.force_login(mentee)
        assert client.get("/mentors/").status_code == 200
        assert in_redis(server, REFERENCE_CACHE_KEY)  # Redis is the cache while it is up

        server.stop()

        # The search page renders, its lists read through to the local cache.
        page = client.get("/mentors/")
        assert page.status_code == 200
        assert (
            reverse("mentor_profile", args=[other_mentor.mentor_profile.pk])
            in page.content.decode()
        )
        assert caches["default"]._local.get(REFERENCE_CACHE_KEY) is not None

        # Sending a request: the usual message, and the request is saved.
        with committed():
            response = client.post(
                reverse("requests:send", args=[mentor.mentor_profile.pk]),
                {"message": "Back from parental leave in March", "preferred_mode": "video"},
                follow=True,
            )
        request = MentoringRequest.objects.get(mentee=mentee)
        assert response.status_code == 200
        sent = f"Request sent to {escape(mentor.mentor_profile.full_name)}."
        assert sent in response.content.decode()
        assert request.state == RequestState.PENDING

        # Withdrawing queues the waiting-list job; without a broker the page still answers.
        started = time.perf_counter()
        with committed():
            response = client.post(reverse("requests:withdraw", args=[request.pk]), follow=True)
        assert time.perf_counter() - started < 2  # kombu's defaults took 6 s here
        assert "Your request has been withdrawn." in response.content.decode()
        request.refresh_from_db()
        assert request.state == RequestState.WITHDRAWN

        # Log-in through allauth's page works for the right password...
        other_client = type(client)()
        response = log_in(other_client, other_mentee.email, TEST_PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard")
        # ...and its limit of 5 failures per address still holds, kept locally.
        client.logout()
        for _ in range(5):
            response = log_in(client, mentee.email, "not-the-password")
            assert escape(MISMATCH) in response.content.decode()
        response = log_in(client, mentee.email, TEST_PASSWORD)
        assert response.status_code == 200
        assert escape(TOO_MANY) in response.content.decode()

        outage_warnings = [
            r for r in caplog.records if r.levelno == logging.WARNING and "unreachable" in r.message
        ]
        assert len(outage_warnings) == 1  # once for the outage, not once per call

        server.start()
        clock.shift(datetime.timedelta(seconds=fallback_cache.RETRY_SECONDS + 1))
        caplog.clear()

        cache.set("probe", "back")
        assert in_redis(server, "probe")
        assert [r.message for r in caplog.records if "reachable again" in r.message] == [
            f"Redis cache at {server.url} reachable again."
        ]
        assert enqueue(tasks.offer_waiting_list_places, [mentor.mentor_profile.pk]) is True
        assert queued(server) == 1


def test_enqueue_returns_false_within_a_second_when_the_broker_is_down(on_own_redis, caplog):
    on_own_redis.stop()

    started = time.perf_counter()
    assert enqueue(tasks.offer_waiting_list_places, [1]) is False
    assert time.perf_counter() - started < 1

    assert [r.levelno for r in caplog.records if "Could not queue" in r.message] == [
        logging.WARNING
    ]

    on_own_redis.start()
    assert enqueue(tasks.offer_waiting_list_places, [1]) is True
    assert queued(on_own_redis) == 1
