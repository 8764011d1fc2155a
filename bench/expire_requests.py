"""Time the expiry job over many overdue requests against raw SQL writing the same rows.

    .venv/bin/python bench/expire_requests.py [--rows 100000] [--rounds 5]

The job changes each request, writes its history row and queues three emails (the
mentee, the mentor and the scheme inbox) in the outbox, all in one transaction. The
baseline is hand-written SQL doing the same in one transaction: one UPDATE and one
INSERT ... SELECT each for the history and the emails. The two phases alternate
(job, baseline, then baseline, job...) so that load from elsewhere on the machine
falls on both; every round is printed, then the medians and the spread of the ratio.

Uses PostgreSQL: DATABASE_URL, or a throwaway database `mentoring_bench_expiry` on
127.0.0.1 that is created and dropped.
"""

import argparse
import datetime
import os
import statistics
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
    parser.add_argument("--rounds", type=int, default=5)
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
        run(args.rows, args.rounds)
    finally:
        if own_database:
            from django.db import connections

            connections.close_all()
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DB], check=True)


def run(rows: int, rounds: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from mentoring import celery_app
    from mentoring.outbox.models import Email
    from register.models import MentorProfile, MentorStatus
    from requests_app import workflow
    from requests_app.models import MentoringRequest, Transition
    from scheme.models import Grade, SchemeSettings, School, Trust

    # "Send now" messages go to an in-memory broker: the job's own cost, without a worker.
    celery_app.conf.broker_url = "memory://"
    call_command("migrate", verbosity=0)
    print(f"Seeding {rows:,} overdue pending requests...", flush=True)
    mentor_user = User.objects.create(email="bench.mentor@example.nhs.uk", password="!")
    mentor = MentorProfile.objects.create(
        user=mentor_user,
        first_name="Bench",
        last_name="Mentor",
        email="bench.mentor@example.nhs.uk",
        grade=Grade.objects.create(name="ST3"),
        school=School.objects.create(name="Surgery"),
        trust=Trust.objects.create(name="Bench Trust"),
        status=MentorStatus.PUBLISHED,
        capacity=10,
    )
    inbox = SchemeSettings.load().inbox_email
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
    requests_table = MentoringRequest._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {requests_table}")

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Transition._meta.db_table}, {Email._meta.db_table}")
            cursor.execute(
                f"UPDATE {requests_table} SET state = 'pending', answered_at = NULL"  # noqa: S608
            )
            cursor.execute(f"VACUUM ANALYZE {requests_table}")
        connection.close()

    def job() -> float:
        started = time.perf_counter()
        with transaction.atomic():
            expired = workflow.expire_overdue_requests()
        seconds = time.perf_counter() - started
        assert expired == rows, expired
        return seconds

    def baseline() -> float:
        email = (
            f"INSERT INTO {Email._meta.db_table} (kind, recipient, subject, body, html, "  # noqa: S608
            "attachments, context, state, attempts, created_at, next_attempt_at, claim, "
            "last_error) SELECT %s, {recipient}, '', '', '', '', "
            "'{{\"request\": {{\"pk\": ' || r.id || '}}}}', 'queued', 0, now(), now(), '', '' "
            f"FROM {requests_table} r JOIN accounts_user u ON u.id = r.mentee_id "
            "WHERE r.state = 'expired' AND r.answered_at = %s"
        )
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            at = datetime.datetime.now(datetime.UTC)
            cursor.execute(
                f"UPDATE {requests_table} SET state = 'expired', answered_at = %s "  # noqa: S608
                "WHERE state = 'pending' AND response_deadline < %s",
                [at, at],
            )
            assert cursor.rowcount == rows, cursor.rowcount
            cursor.execute(
                f"INSERT INTO {Transition._meta.db_table} "  # noqa: S608
                "(request_id, from_state, to_state, at, reason) "
                f"SELECT id, 'pending', 'expired', %s, 'No answer by the deadline' "
                f"FROM {requests_table} WHERE state = 'expired' AND answered_at = %s",
                [at, at],
            )
            for kind, recipient in (
                ("request_expired_mentee", "u.email"),
                ("request_expired_mentor", "%s"),
                ("request_expired_team", "%s"),
            ):
                params = [kind] + ([] if recipient == "u.email" else [mentor.email])
                if kind == "request_expired_team":
                    params = [kind, inbox]
                cursor.execute(email.format(recipient=recipient), [*params, at])
                assert cursor.rowcount == rows, cursor.rowcount
        return time.perf_counter() - started

    timings: dict[str, list[float]] = {"job": [], "baseline": []}
    for round_number in range(rounds):
        order = (job, baseline) if round_number % 2 == 0 else (baseline, job)
        for phase in order:
            reset()
            timings[phase.__name__].append(phase())
        assert Transition.objects.count() == rows
        assert Email.objects.count() == 3 * rows
        print(
            f"round {round_number + 1}: job {timings['job'][-1]:.3f} s, "
            f"baseline {timings['baseline'][-1]:.3f} s, "
            f"ratio {timings['job'][-1] / timings['baseline'][-1]:.2f} x",
            flush=True,
        )

    ratios = sorted(j / b for j, b in zip(timings["job"], timings["baseline"], strict=True))
    job_median = statistics.median(timings["job"])
    baseline_median = statistics.median(timings["baseline"])
    print(f"rows                          {rows:>10,} (and {3 * rows:,} emails)")
    print(
        f"expire_overdue_requests       {job_median:>10.3f} s median "
        "(update, history, outbox rows, in one transaction)"
    )
    print(f"raw SQL UPDATE + INSERTs      {baseline_median:>10.3f} s median")
    print(
        f"ratio job / raw SQL           {job_median / baseline_median:>10.2f} x median "
        f"(per round: min {ratios[0]:.2f}, max {ratios[-1]:.2f}; target at most 2)"
    )


if __name__ == "__main__":
    main()
