"""Time the expiry job over many overdue requests against one raw SQL UPDATE of the same rows.

    .venv/bin/python bench/expire_requests.py [--rows 100000]

Uses PostgreSQL: DATABASE_URL, or a throwaway database `mentoring_bench_expiry` on
127.0.0.1 that is created and dropped. Prints both timings and their ratio.
"""

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "mentoring_bench_expiry"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    own_database = "DATABASE_URL" not in os.environ
    if own_database:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", BENCH_DB], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DB], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")
    os.environ.pop("REDIS_URL", None)
    try:
        run(args.rows)
    finally:
        if own_database:
            from django.db import connections

            connections.close_all()
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DB], check=True)


def run(rows: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from mentoring import celery_app
    from register.models import Grade, MentorProfile, MentorStatus, School, Trust
    from requests_app import workflow
    from requests_app.models import MentoringRequest, Transition

    # Emails are queued to an in-memory broker: the job's own cost, without a worker.
    celery_app.conf.broker_url = "memory://"
    call_command("migrate", verbosity=0)
    print(f"Seeding {rows:,} overdue pending requests...", flush=True)
    mentor = MentorProfile.objects.create(
        first_name="Bench",
        last_name="Mentor",
        email="bench.mentor@example.nhs.uk",
        grade=Grade.objects.create(name="ST3"),
        school=School.objects.create(name="Surgery"),
        trust=Trust.objects.create(name="Bench Trust"),
        status=MentorStatus.PUBLISHED,
        capacity=10,
    )
    now = datetime.datetime.now(datetime.UTC)
    deadline = now - datetime.timedelta(days=1)
    users = User.objects.bulk_create(
        (User(email=f"mentee{n}@example.nhs.uk", password="!") for n in range(rows)),
        batch_size=5000,
    )
    MentoringRequest.objects.bulk_create(
        (
            MentoringRequest(
                mentee=user,
                mentor=mentor,
                created_at=deadline - datetime.timedelta(days=7),
                response_deadline=deadline,
            )
            for user in users
        ),
        batch_size=5000,
    )

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM requests_app_transition")
            cursor.execute(
                "UPDATE requests_app_mentoringrequest SET state = 'pending', answered_at = NULL"
            )
        connection.close()

    reset()
    started = time.perf_counter()
    with transaction.atomic():
        expired = workflow.expire_overdue_requests()
    job_seconds = time.perf_counter() - started
    assert expired == rows, expired
    assert Transition.objects.filter(to_state="expired").count() == rows

    reset()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE requests_app_mentoringrequest SET state = 'expired', answered_at = now() "
            "WHERE state = 'pending' AND response_deadline < now()"
        )
        assert cursor.rowcount == rows, cursor.rowcount
    sql_seconds = time.perf_counter() - started

    print(f"rows                         {rows:>10,}")
    print(f"expire_overdue_requests      {job_seconds:>10.3f} s  (update, history, emails queued)")
    print(f"raw SQL UPDATE               {sql_seconds:>10.3f} s")
    print(f"ratio job / raw UPDATE       {job_seconds / sql_seconds:>10.1f} x")


if __name__ == "__main__":
    main()
