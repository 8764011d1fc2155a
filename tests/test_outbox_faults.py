"""Faults, for real: Celery workers as processes of their own on a redis-server of the
test's own, killed with SIGKILL, the broker stopped and emptied. Every owed email is
counted at the provider (one file per accepted message, tests/email_backends.py).

Needs PostgreSQL (the workers are other processes and must see the test's rows).
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
import time_machine
from django.db import connection
from django.utils import timezone

from mentoring import celery_app
from mentoring.outbox import services as outbox
from mentoring.outbox import tasks as outbox_tasks
from mentoring.outbox.models import Email, EmailState
from requests_app import tasks
from requests_app.models import MentoringRequest, RequestState
from tests.email_backends import received
from tests.factories import MenteeFactory, MentoringRequestFactory
from tests.local_servers import redis_server, stop_process_group

ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 60
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("Workers in other processes need PostgreSQL: set DATABASE_URL (CI does).")


@pytest.fixture(autouse=True)
def _restore_celery():
    conf = celery_app.conf
    keys = ("broker_url", "broker_connection_timeout", "broker_transport_options")
    saved = {key: conf[key] for key in keys}
    yield
    conf.update(saved)
    conf.task_always_eager = True
    forget_connections()


@pytest.fixture
def broker(settings, tmp_path):
    """A redis-server of this test's own, as the Celery broker of this process."""
    with redis_server(tmp_path) as url:
        use_broker(settings, url)
        yield url


def use_broker(settings, url: str) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = url
    # As mentoring/settings.py sets them when REDIS_URL is set.
    celery_app.conf.broker_connection_timeout = 1
    celery_app.conf.broker_transport_options = {
        "max_retries": 0,
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
    forget_connections()


def forget_connections() -> None:
    """Drop the app's connections and producers: they point at an earlier broker."""
    celery_app.close()
    celery_app.amqp._producer_pool = None


@pytest.fixture
def provider(settings, tmp_path):
    """Where every accepted message lands, in this process and in the workers."""
    folder = tmp_path / "sent"
    folder.mkdir()
    settings.EMAIL_BACKEND = "tests.email_backends.FileBackend"
    settings.EMAIL_FILE_PATH = str(folder)
    return folder


class Workers:
    def __init__(self, broker: str, provider: Path, logs: Path):
        self.broker, self.provider, self.logs = broker, provider, logs
        self.started: list[subprocess.Popen] = []

    def start(self, backend: str = "FileBackend", **env) -> subprocess.Popen:
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        log = (self.logs / f"worker-{len(self.started)}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mentoring",
                "worker",
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
                "DATABASE_URL": f"{url}/{db['NAME']}",
                "REDIS_URL": self.broker,
                "TEST_EMAIL_BACKEND": f"tests.email_backends.{backend}",
                "EMAIL_BACKEND": "console",
                "EMAIL_FILE_PATH": str(self.provider),
                "CELERY_TASK_ALWAYS_EAGER": "false",
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            stop_process_group(process)


@pytest.fixture
def workers(broker, provider, tmp_path):
    pool = Workers(broker, provider, tmp_path)
    yield pool
    pool.stop_all()


def wait_for(condition, what: str) -> None:
    """Poll a condition another process brings about (a bounded wait, not a clock)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}", pytrace=False)
        time.sleep(0.05)


def overdue_requests(mentor_profile, how_many: int) -> list[MentoringRequest]:
    yesterday = timezone.now() - datetime.timedelta(days=1)
    return [
        MentoringRequestFactory(
            mentee=MenteeFactory(), mentor=mentor_profile, response_deadline=yesterday
        )
        for _ in range(how_many)
    ]


def owed_emails(requests, inbox: str) -> Counter:
    """Three emails per expired request: the mentee, the mentor and the scheme inbox."""
    owed = Counter()
    for request in requests:
        owed[request.mentee.email] += 1
        owed[request.mentor.email] += 1
        owed[inbox] += 1
    return owed


def delivered(provider: Path) -> Counter:
    return Counter(message["to"][0] for message in received(provider))


def sweep_after_the_lease(provider: Path) -> int:
    """What beat's sweeper does once a dead worker's claim has run out."""
    later = timezone.now() + outbox.CLAIM_LEASE + datetime.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        return outbox.send_owed()


def inbox() -> str:
    from scheme.models import SchemeSettings

    return SchemeSettings.load().inbox_email


def test_a_worker_killed_right_after_the_expiry_commits_loses_no_email(workers, provider, mentor):
    requests = overdue_requests(mentor.mentor_profile, 5)
    owed = owed_emails(requests, inbox())
    doomed = workers.start("KillOnSendBackend")

    tasks.expire_overdue_requests.delay()
    doomed.wait(timeout=WAIT_SECONDS)

    assert doomed.returncode == -signal.SIGKILL
    assert MentoringRequest.objects.filter(state=RequestState.EXPIRED).count() == 5
    assert delivered(provider) == Counter()
    assert Email.objects.owed().count() == 15
    # A run of the job again finds nothing to expire, but the emails are still owed.
    assert tasks.expire_overdue_requests.apply().get() == 0
    assert outbox.send_owed() == 0  # claimed by the dead worker: its lease still runs

    assert sweep_after_the_lease(provider) == 15
    assert delivered(provider) == owed
    assert not Email.objects.owed().exists()


def test_a_worker_killed_in_the_middle_of_a_batch_sends_nobody_the_same_email_twice(
    workers, provider, mentor
):
    requests = overdue_requests(mentor.mentor_profile, 5)
    owed = owed_emails(requests, inbox())
    worker = workers.start("SlowBackend", SLOW_EMAIL_SECONDS="0.5")

    tasks.expire_overdue_requests.delay()
    # Three sent and recorded: the worker is now waiting on the provider for the fourth.
    wait_for(
        lambda: (
            Email.objects.filter(state=EmailState.SENT).count() == 3
            and len(received(provider)) == 3
        ),
        "three emails sent",
    )
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=WAIT_SECONDS)

    assert Email.objects.filter(state=EmailState.SENDING).count() == 12
    assert sweep_after_the_lease(provider) == 12
    assert delivered(provider) == owed
    message_ids = [message["message_id"] for message in received(provider)]
    assert len(set(message_ids)) == 15


def test_emails_survive_the_broker_being_emptied(workers, broker, provider, mentor, client):
    requests = overdue_requests(mentor.mentor_profile, 4)
    owed = owed_emails(requests, inbox())
    tasks.expire_overdue_requests.apply()  # the job ran with no worker listening
    # Waiting in Redis: "send now" for each kind of email, and the waiting-list run.
    assert redis.Redis.from_url(broker).llen("celery") == 4

    redis.Redis.from_url(broker).flushall()  # Redis restarted without persistence
    workers.start()
    outbox_tasks.send_emails.delay()  # beat's next sweep

    wait_for(lambda: not Email.objects.owed().exists(), "the sweeper")
    assert delivered(provider) == owed


def test_with_redis_stopped_a_request_is_sent_and_its_email_goes_once_redis_is_back(
    settings, tmp_path, provider, mentee, mentor, client
):
    with redis_server(tmp_path) as url:
        pass  # started and stopped again: nothing listens on its port now
    use_broker(settings, url)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client.force_login(mentee)

    started = time.monotonic()
    response = client.post(
        f"/mentors/{mentor.mentor_profile.pk}/request/", {"message": "Hello"}, follow=True
    )
    answered_in = time.monotonic() - started

    assert response.status_code == 200
    assert MentoringRequest.objects.filter(mentee=mentee, state=RequestState.PENDING).exists()
    assert answered_in < 5
    assert Email.objects.owed().count() == 1
    assert received(provider) == []

    with redis_server(tmp_path) as url:
        use_broker(settings, url)
        pool = Workers(url, provider, tmp_path)
        try:
            pool.start()
            outbox_tasks.send_emails.delay()  # beat's next sweep
            wait_for(lambda: not Email.objects.owed().exists(), "the sweeper")
        finally:
            pool.stop_all()
    assert delivered(provider) == Counter({mentor.email: 1})


def test_two_workers_running_the_expiry_at_once_send_each_email_once(workers, provider, mentor):
    requests = overdue_requests(mentor.mentor_profile, 40)
    owed = owed_emails(requests, inbox())
    workers.start()
    workers.start()

    for _ in range(2):
        tasks.expire_overdue_requests.delay()
        outbox_tasks.send_emails.delay()
    wait_for(
        lambda: (
            MentoringRequest.objects.filter(state=RequestState.EXPIRED).count() == 40
            and not Email.objects.owed().exists()
        ),
        "both workers",
    )

    assert Email.objects.count() == 120
    assert delivered(provider) == owed
    assert len({m["message_id"] for m in received(provider)}) == 120
