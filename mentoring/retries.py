"""How the scheduled jobs retry: one set of Celery task options for every app.

A job that meets a passing database fault (SQLite busy with another writer, a
PostgreSQL restart or fail-over, a dropped connection) runs again a little later
instead of failing until its next turn on the schedule. Every job is safe to run
again: each one finds its work in the database and changes rows with a guard.
"""

from typing import TypedDict

from django.db import InterfaceError, OperationalError

TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)

# Waits of about 2, 4, 8, 16, 32 seconds (with jitter, so several workers do not
# come back at once), capped at 5 minutes: the next run of a job comes after that.


class RetryOptions(TypedDict):
    """The keyword arguments of shared_task that say how a task retries."""

    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


RETRY_ON_DATABASE_ERRORS: RetryOptions = {
    "autoretry_for": TRANSIENT_DATABASE_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}
