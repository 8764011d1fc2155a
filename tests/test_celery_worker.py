"""End to end through a real Celery worker and broker (Redis in CI), not eager mode."""

import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from mentoring import celery_app
from requests_app import tasks
from requests_app.models import RequestState
from tests.factories import MentoringRequestFactory


@pytest.fixture
def real_worker(settings):
    """A worker thread consuming from the configured broker (Redis when REDIS_URL is set)."""
    celery_app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    if not settings.REDIS_URL:
        pytest.skip("The worker test runs against Redis: set REDIS_URL (CI does).")
    broker = settings.CELERY_BROKER_URL
    saved = (celery_app.conf.broker_url, celery_app.conf.result_backend)
    celery_app.conf.broker_url = broker
    celery_app.conf.result_backend = "cache+memory://"  # shared by this process's threads
    _forget_backend()
    celery_app.close()  # drop connection pools made for another broker by earlier tests
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield broker
    celery_app.conf.broker_url, celery_app.conf.result_backend = saved
    _forget_backend()
    celery_app.close()


def _forget_backend() -> None:
    """Celery caches its result backend object; drop it so the new setting applies."""
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


@pytest.mark.django_db(transaction=True)
def test_an_overdue_request_is_expired_by_the_task_on_a_real_worker(real_worker, mentee, mentor):
    request = MentoringRequestFactory(
        mentee=mentee,
        mentor=mentor.mentor_profile,
        response_deadline=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1),
    )
    mail.outbox.clear()

    result = tasks.expire_overdue_requests.apply_async(ignore_result=False)

    assert result.get(timeout=30) == 1
    request.refresh_from_db()
    assert request.state == RequestState.EXPIRED
    assert real_worker.startswith("redis://")
