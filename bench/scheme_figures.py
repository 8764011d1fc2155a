"""The scheme dashboard at scale: its render time beside a trivial page's, in the same run.

    .venv/bin/python bench/scheme_figures.py [--quick] [--rounds 20] [--per-round 3]
                                             [--period year] [--fresh]

A PostgreSQL database, mentoring_bench_figures (created on the first run and kept;
--fresh drops it), holds 10,000 published mentors and 100,000 requests made with
bulk_create over the two years before today: 25,000 mentees with four requests each
(the last one of some still waiting), a partnership from every accepted request
(completed, ended early or, for each mentee's last, active), meetings held, cancelled
and planned, and mid-point and end feedback from both sides, most of it returned.

The dashboard (reports:dashboard, ?period=year by default: the widest standard period)
and the home page are rendered in-process by Django's test client, as a scheme admin
with two-factor authentication, with production settings (DEBUG off, the Redis cache;
static files by name, not from the manifest, which only changes URLs). The dashboard
is rendered two ways: "worked out", its figures asked of the database on each render
(the kept figures are deleted before each, outside the timing), as on the first look at
a period nobody looked at in the last two minutes (a range of dates of one's own, or
"Work the figures out again"); and "ready", the standard period's figures as the
worker's every-minute job left them (the bench runs that job at the start of each
round, outside the timing), as on any look at this month, quarter or year and on every
move through the page's tables. Rounds rotate the order of the three pages so load from
elsewhere on the machine falls on each. It prints the median and p95 of each page, the
ratio of each dashboard's median to the home page's with its spread over the rounds
(target: within 10 x the home page), and the dashboard's number of queries.

Measuring stops starting new rounds after --budget seconds (240; at least 3 rounds), so a
run stays within about 5 minutes whatever the dashboard costs. --quick: 5 rounds of 2
renders, a 60 s budget. The database is the same for both; the first run spends two or
three minutes making it.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE = "mentoring_bench_figures"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
MENTORS = 10_000
REQUESTS = 100_000
REQUESTS_PER_MENTEE = 4
ADMIN_EMAIL = "figures-admin@example.nhs.uk"
TARGET_RATIO = 10.0
STATIC_ROOT = ROOT / "var" / "bench" / "figures-static"  # empty: pages are rendered, not served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute")
    parser.add_argument("--rounds", type=int, help="rounds of both pages (20)")
    parser.add_argument("--per-round", type=int, help="renders of each page per round (3)")
    parser.add_argument(
        "--period", default="year", help="the dashboard's ?period= (month, quarter, year)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds of measuring after which no new round starts, at least 3 rounds (240)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 5 if args.quick else 20
    if args.per_round is None:
        args.per_round = 2 if args.quick else 3
    if args.budget is None:
        args.budget = 60.0 if args.quick else 240.0

    prepare_database(fresh=args.fresh)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    populate()
    client = logged_in_client()
    measure(client, args)


# --- The database ----------------------------------------------------------------------------


def _sql(url: str, statement: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []


def prepare_database(*, fresh: bool) -> None:
    names = {name for (name,) in _sql(ADMIN_DATABASE_URL, "SELECT datname FROM pg_database")}
    if fresh and DATABASE in names:
        _sql(ADMIN_DATABASE_URL, f'DROP DATABASE "{DATABASE}"')
        names.discard(DATABASE)
    if DATABASE not in names:
        _sql(ADMIN_DATABASE_URL, f'CREATE DATABASE "{DATABASE}"')
        print(f"Created the database {DATABASE}.", flush=True)


def setup_django() -> None:
    """Production settings (DEBUG off) over plain http, in this process."""
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
    for key in ("DEBUG", "CELERY_TASK_ALWAYS_EAGER"):
        os.environ.pop(key, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "mentoring.settings",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": "benchfigures",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            "HTTPS_ONLY": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "STATIC_MANIFEST": "false",
            "MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"),
            "STATIC_ROOT": str(STATIC_ROOT),
            "EMAIL_BACKEND": "console",
            "LOG_LEVEL": "WARNING",
        }
    )
    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)  # production templates log each blank they render


def populate() -> None:
    """The scheme's history, once: every row made by bulk_create, then VACUUM ANALYZE."""
    from django.db import connection

    from requests_app.models import MentoringRequest

    have = MentoringRequest.objects.count()
    if have == REQUESTS:
        return
    if have:
        raise SystemExit(f"{DATABASE} has {have:,} requests, not {REQUESTS:,}: use --fresh.")
    started = time.perf_counter()
    print(
        f"Making {MENTORS:,} mentors and {REQUESTS:,} requests with their partnerships, "
        "meetings and feedback...",
        flush=True,
    )
    History(random.Random(16)).make()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Made the scheme's history in {time.perf_counter() - started:.0f} s.", flush=True)


class History:
    """Two years of a busy scheme, ending now."""

    def __init__(self, rng: random.Random) -> None:
        from django.utils import timezone

        self.rng = rng
        self.now = timezone.now()
        self.first_day = self.now - datetime.timedelta(days=730)

    def moment(self, after: datetime.datetime, days: float) -> datetime.datetime:
        return after + datetime.timedelta(seconds=self.rng.uniform(0, days * 86400))

    def make(self) -> None:
        from django.db import transaction

        with transaction.atomic():
            self.reference_data()
            mentors = self.mentors()
            mentees = self.mentees()
            requests = self.requests(mentees, mentors)
            partnerships = self.partnerships(requests)
            self.meetings(partnerships)
            self.feedback(partnerships)

    def reference_data(self) -> None:
        from register.models import Grade, School, Trust

        self.grades = [Grade.objects.get_or_create(name=f"ST{n}")[0] for n in range(1, 9)]
        self.schools = [
            School.objects.get_or_create(name=name)[0]
            for name in (
                "School of Medicine",
                "School of Surgery",
                "School of Anaesthesia",
                "School of Paediatrics",
                "School of Psychiatry",
                "School of General Practice",
                "School of Obstetrics and Gynaecology",
                "School of Radiology",
            )
        ]
        self.trusts = [
            Trust.objects.get_or_create(
                name=f"Bench Trust {n} NHS Foundation Trust",
                defaults={"region": ("West Yorkshire", "South Yorkshire", "Humber")[n % 3]},
            )[0]
            for n in range(1, 21)
        ]

    def mentors(self) -> list:
        from register.models import Gender, MentorProfile, MentorStatus, TimeOfDay, Weekday

        rng = self.rng
        profiles = []
        for n in range(MENTORS):
            joined = self.moment(self.first_day - datetime.timedelta(days=90), 90)
            profiles.append(
                MentorProfile(
                    status=MentorStatus.PUBLISHED,
                    first_name=f"Mentor{n}",
                    last_name=f"Bench{n}",
                    email=f"bench-mentor{n}@example.nhs.uk",
                    grade=rng.choice(self.grades),
                    school=rng.choice(self.schools),
                    trust=rng.choice(self.trusts),
                    gender=rng.choice(list(Gender.values)),
                    supportt_experience="I came back after a year of parental leave.",
                    motivation="I would like to help others return.",
                    available_days=Weekday.MONDAY | Weekday.WEDNESDAY,
                    available_times=TimeOfDay.EVENING,
                    meets_virtually=True,
                    capacity=rng.choice((1, 2, 2, 3)),
                    register_consent_at=joined,
                    published_at=joined,
                    invited_at=joined if n % 10 == 0 else None,
                )
            )
        return MentorProfile.objects.bulk_create(profiles, batch_size=2000)

    def mentees(self) -> list:
        from accounts.models import MenteeProfile, TrainingStatus, User

        rng = self.rng
        count = REQUESTS // REQUESTS_PER_MENTEE
        users = User.objects.bulk_create(
            [
                User(
                    email=f"bench-mentee{n}@example.nhs.uk",
                    first_name=f"Mentee{n}",
                    last_name=f"Bench{n}",
                    password="!bench",
                    date_joined=self.moment(self.first_day - datetime.timedelta(days=30), 600),
                )
                for n in range(count)
            ],
            batch_size=5000,
        )
        MenteeProfile.objects.bulk_create(
            [
                MenteeProfile(
                    user=user,
                    training_status=(status := rng.choice(list(TrainingStatus.values))),
                    absence_form_completed_on=(
                        user.date_joined.date() if status == TrainingStatus.PLANNING else None
                    ),
                    grade=rng.choice(self.grades),
                    school=rng.choice(self.schools),
                    trust=rng.choice(self.trusts),
                    privacy_consent_at=user.date_joined,
                )
                for user in users
            ],
            batch_size=5000,
        )
        return users

    def requests(self, mentees: list, mentors: list) -> list:
        """Four requests a mentee, one after another: rejected, expired or withdrawn ones
        before an accepted one; some mentees' last request is still waiting."""
        from requests_app.models import DeclineReason, MentoringRequest, RequestState

        rng = self.rng
        made = []
        for mentee in mentees:
            at = max(mentee.date_joined, self.first_day) + datetime.timedelta(days=1)
            for k in range(REQUESTS_PER_MENTEE):
                at = self.moment(at, 40)
                if at > self.now:
                    at = self.now - datetime.timedelta(hours=rng.uniform(1, 200))
                last = k == REQUESTS_PER_MENTEE - 1
                deadline = at + datetime.timedelta(days=7)
                if last and deadline > self.now:
                    state = RequestState.PENDING
                else:
                    state = rng.choices(
                        (
                            RequestState.ACCEPTED,
                            RequestState.REJECTED,
                            RequestState.EXPIRED,
                            RequestState.WITHDRAWN,
                            RequestState.CANCELLED,
                        ),
                        weights=(30, 30, 20 if deadline < self.now else 0, 15, 5),
                    )[0]
                answered = {
                    RequestState.PENDING: None,
                    RequestState.EXPIRED: deadline,
                }.get(state, self.moment(at, 6))
                made.append(
                    MentoringRequest(
                        mentee=mentee,
                        mentor=rng.choice(mentors),
                        state=state,
                        message="I'd like to talk about coming back after parental leave.",
                        created_at=at,
                        response_deadline=deadline,
                        answered_at=answered,
                        decline_reason=(
                            rng.choice(list(DeclineReason.values))
                            if state == RequestState.REJECTED
                            else ""
                        ),
                    )
                )
                at = answered or at
        return MentoringRequest.objects.bulk_create(made, batch_size=5000)

    def partnerships(self, requests: list) -> list:
        """One from every accepted request: the mentee's latest may be active, the rest
        have ended (most completed)."""
        from requests_app.models import (
            EndReason,
            MentoringRequest,
            Partnership,
            PartnershipState,
            RequestState,
        )

        rng = self.rng
        accepted: list[MentoringRequest] = [r for r in requests if r.state == RequestState.ACCEPTED]
        latest = {}
        for request in accepted:
            if (
                request.mentee_id not in latest
                or request.created_at > latest[request.mentee_id].created_at
            ):
                latest[request.mentee_id] = request
        made = []
        for request in accepted:
            started = request.answered_at
            window_ends = started + datetime.timedelta(days=183)
            if latest[request.mentee_id] is request and window_ends > self.now:
                state, ended, reason = PartnershipState.ACTIVE, None, ""
            elif rng.random() < 0.8:
                state = PartnershipState.COMPLETED
                ended, reason = min(window_ends, self.now), ""
            else:
                state = PartnershipState.ENDED_EARLY
                ended = min(self.moment(started, 120), self.now)
                reason = rng.choice(list(EndReason.values))
            made.append(
                Partnership(
                    request=request,
                    mentee_id=request.mentee_id,
                    mentor_id=request.mentor_id,
                    state=state,
                    started_at=started,
                    window_ends_on=window_ends.date(),
                    sessions_allowed=4,
                    mentee_confirmed_at=started,
                    mentor_confirmed_at=started,
                    ended_at=ended,
                    end_reason=reason,
                )
            )
        return Partnership.objects.bulk_create(made, batch_size=5000)

    def meetings(self, partnerships: list) -> None:
        from requests_app.models import Meeting, MeetingMode, MeetingState

        rng = self.rng
        made = []
        for partnership in partnerships:
            at = partnership.started_at
            end = partnership.ended_at or self.now + datetime.timedelta(days=30)
            for _ in range(rng.randint(1, 5)):
                at = self.moment(at + datetime.timedelta(days=14), 30)
                if at > end:
                    break
                past = at < self.now
                state = (
                    (MeetingState.HELD if rng.random() < 0.85 else MeetingState.CANCELLED)
                    if past
                    else MeetingState.PLANNED
                )
                cancelled = state == MeetingState.CANCELLED
                made.append(
                    Meeting(
                        partnership=partnership,
                        state=state,
                        starts_at=at,
                        duration_minutes=60,
                        mode=MeetingMode.VIDEO,
                        planned_by_id=partnership.mentee_id,
                        planned_at=at - datetime.timedelta(days=7),
                        held_at=at if state == MeetingState.HELD else None,
                        cancelled_at=at - datetime.timedelta(hours=rng.uniform(1, 72))
                        if cancelled
                        else None,
                        cancelled_late=cancelled and rng.random() < 0.3,
                    )
                )
        Meeting.objects.bulk_create(made, batch_size=5000)

    def feedback(self, partnerships: list) -> None:
        """Mid-point surveys to both sides of each partnership past half its window, end
        surveys once it has ended; three in four returned."""
        from requests_app.models import Feedback, FeedbackStage

        rng = self.rng
        made = []
        for partnership in partnerships:
            midpoint = partnership.started_at + datetime.timedelta(days=91)
            stages = []
            if midpoint < (partnership.ended_at or self.now):
                stages.append((FeedbackStage.MIDPOINT, midpoint))
            if partnership.ended_at:
                stages.append((FeedbackStage.END, partnership.ended_at))
            for stage, asked in stages:
                for role, respondent in (
                    ("mentee", partnership.mentee_id),
                    ("mentor", None),
                ):
                    returned = rng.random() < 0.75
                    made.append(
                        Feedback(
                            partnership=partnership,
                            respondent_id=respondent,
                            respondent_role=role,
                            stage=stage,
                            requested_at=asked,
                            submitted_at=self.moment(asked, 10) if returned else None,
                            rating_overall=rng.randint(2, 5) if returned else None,
                            rating_felt_heard=rng.randint(2, 5) if returned else None,
                            rating_would_recommend=rng.randint(1, 5) if returned else None,
                        )
                    )
        Feedback.objects.bulk_create(made, batch_size=5000)


def logged_in_client():
    """A scheme admin with an authenticator app, logged in."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.test import Client

    from accounts.models import User
    from accounts.roles import ensure_scheme_admin_group

    admin, _ = User.objects.get_or_create(
        email=ADMIN_EMAIL,
        defaults={"first_name": "Scheme", "last_name": "Admin", "is_staff": True},
    )
    admin.groups.add(ensure_scheme_admin_group())
    if not Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(admin, generate_totp_secret())
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    return client


# --- Measuring -------------------------------------------------------------------------------


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def spread(values: list[float], fmt: str) -> str:
    """Median (quartiles; min-max) of per-round figures."""
    if len(values) < 4:
        low, high = format(min(values), fmt), format(max(values), fmt)
        return f"{format(statistics.median(values), fmt)} median (min-max {low}-{high})"
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (
        f"{format(median, fmt)} median (IQR {format(q1, fmt)}-{format(q3, fmt)}; "
        f"min-max {format(min(values), fmt)}-{format(max(values), fmt)}; {len(values)} rounds)"
    )


def measure(client, args) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from reports.figures import recent_figures_key, refresh_standard_figures
    from reports.periods import period_from_query
    from requests_app.models import Feedback, Meeting, MentoringRequest, Partnership

    dashboard_path = f"{reverse('reports:dashboard')}?period={args.period}"
    pages = {
        # Each render works the figures out: the first look at a period.
        "worked out": dashboard_path,
        # The figures the worker keeps ready: any look at a standard period.
        "ready": dashboard_path,
        "home page": reverse("home"),
    }
    period, _ = period_from_query({"period": args.period})
    key = recent_figures_key(period)

    sizes: dict[str, int] = {}

    def render(name: str) -> float:
        path = pages[name]
        if name == "worked out":
            cache.delete(key)
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}.")
        sizes[name] = len(response.content)
        return elapsed

    # Warm up (imports, connections, templates, the cache), counting the dashboard's queries.
    render("home page")
    with CaptureQueriesContext(connection) as queries:
        render("worked out")
    dashboard_queries = len(queries)
    refresh_standard_figures()
    with CaptureQueriesContext(connection) as queries:
        render("ready")
    ready_queries = len(queries)

    from register.models import MentorProfile

    print(
        f"\n== The scheme dashboard ({dashboard_path}) against the home page, "
        f"as a scheme admin, in-process"
    )
    print(
        f"  {MentorProfile.objects.count():,} mentors, {User.objects.count():,} accounts, "
        f"{MentoringRequest.objects.count():,} requests, {Partnership.objects.count():,} "
        f"partnerships, {Meeting.objects.count():,} meetings, {Feedback.objects.count():,} "
        "feedback surveys"
    )
    print(
        f"  {args.rounds} rounds of {args.per_round} renders of each page, the order "
        "rotating every round",
        flush=True,
    )
    times: dict[str, list[list[float]]] = {name: [] for name in pages}
    names = list(pages)
    started = time.perf_counter()
    for number in range(args.rounds):
        if number >= 3 and time.perf_counter() - started > args.budget:
            print(f"  stopped after {number} rounds: past the {args.budget:g} s budget")
            break
        refresh_standard_figures()  # the worker's job, once a minute in production
        for name in names[number % len(names) :] + names[: number % len(names)]:
            times[name].append([render(name) for _ in range(args.per_round)])

    print(f"  {'':<12} {'renders':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'HTML KB':>8}")
    for name, rounds in times.items():
        flat = [ms for r in rounds for ms in r]
        print(
            f"  {name:<12} {len(flat):>8} {percentile(flat, 50):>8.1f} "
            f"{percentile(flat, 95):>8.1f} {max(flat):>8.1f} {sizes[name] / 1024:>8,.0f}"
        )
    home = [ms for r in times["home page"] for ms in r]
    for name in ("worked out", "ready"):
        dashboard = [ms for r in times[name] for ms in r]
        ratio = statistics.median(dashboard) / statistics.median(home)
        per_round = [
            statistics.median(d) / statistics.median(h)
            for d, h in zip(times[name], times["home page"], strict=True)
        ]
        print(f"  dashboard {name} / home page, medians: {ratio:.1f} x")
        print(f"    per round: {spread(per_round, '.1f')} x")
        print(
            f"    p95 / p95: {percentile(dashboard, 95) / percentile(home, 95):.1f} x; "
            f"target at most {TARGET_RATIO:g} x (medians): "
            f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}"
        )
    print(f"  queries per dashboard: {dashboard_queries} worked out, {ready_queries} ready")


if __name__ == "__main__":
    main()
