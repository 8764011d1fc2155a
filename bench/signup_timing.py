"""Does sign-up take longer for a new address than for one that already has an account?

    .venv/bin/python bench/signup_timing.py [--rounds 20]

A difference tells anyone who tries an address whether its owner has an account here.
The script runs the app in this process with production settings (DEBUG off, the real
PBKDF2 password hasher the tests swap for MD5), against a fresh SQLite database in a
temporary folder (or DATABASE_URL, whose tables it migrates), with emails sent at once to
memory. Each round signs up once with a new address and once with the address of an
existing account, in alternating order, each from a fresh browser session that has
answered the eligibility question; each round's existing account is a different one, so
allauth's per-address email limit does not hold back its email. Only the sign-up POST is
timed. It prints the median,
the spread (min, quartiles, max) of each path and the difference of the medians; the
target is a difference of the medians within the spread of either path's quartiles.

Measured on two shared cores, 20 rounds, SQLite. Before (only a new account hashed its
password): new address median 359 ms (q1 319, q3 443), existing account 20 ms (q1 17,
q3 28). After: 377 ms (q1 233, q3 731) and 372 ms (q1 230, q3 713), +4 ms apart.
On PostgreSQL, 40 rounds: 443 ms and 504 ms, medians -61 ms apart; fastest 258 and 228 ms.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "a-Long-and-unusual-passphrase-42"  # noqa: S105 (a made-up sign-up)


def configure(folder: Path) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "mentoring.settings",
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "DEBUG": "false",
            "HTTPS_ONLY": "false",
            "STATIC_MANIFEST": "false",
            "ALLOWED_HOSTS": "testserver",
            "EMAIL_BACKEND": "locmem",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "MEDIA_ROOT": str(folder / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )


def sign_up_once(email: str) -> tuple[float, int, str, list[str]]:
    """Seconds the sign-up POST took, its status, where it redirects and who was mailed."""
    from django.core import mail
    from django.test import Client

    client = Client()
    client.post("/mentee/eligibility/", {"situation": "out"})
    mail.outbox = []
    started = time.perf_counter()
    response = client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    elapsed = time.perf_counter() - started
    return (
        elapsed,
        response.status_code,
        response.get("Location", ""),
        [address for message in mail.outbox for address in message.to],
    )


def describe(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    q1, median, q3 = statistics.quantiles(ms, n=4)
    return (
        f"{name:<16} median {median:7.1f} ms   min {ms[0]:7.1f}   q1 {q1:7.1f}   "
        f"q3 {q3:7.1f}   max {ms[-1]:7.1f}   (n={len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        configure(Path(folder))
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth.hashers import get_hasher
        from django.core.management import call_command
        from django.test.utils import override_settings, setup_test_environment

        from tests.factories import UserFactory

        setup_test_environment()  # mail.outbox, and the test client's host
        call_command("migrate", verbosity=0)
        hasher = get_hasher()
        print(f"password hasher: {hasher.algorithm}, {getattr(hasher, 'iterations', '')} rounds")
        # One person may sign up many times here: the per-address limits stay, the
        # per-address and per-IP sign-up limit does not.
        limits = {**settings.ACCOUNT_RATE_LIMITS, "signup": False}
        with override_settings(ACCOUNT_RATE_LIMITS=limits):
            run = time.monotonic_ns()  # addresses of their own if DATABASE_URL is kept
            existing = [
                UserFactory(email=f"registered.{round_}.{run}@example.nhs.uk", verified=True).email
                for round_ in range(args.rounds)
            ]
            timings: dict[str, list[float]] = {"new address": [], "existing account": []}
            outcomes: dict[str, set] = {"new address": set(), "existing account": set()}
            sign_up_once(f"warm.up.{time.monotonic_ns()}@example.nhs.uk")
            for round_ in range(args.rounds):
                new = f"new.trainee.{round_}.{time.monotonic_ns()}@example.nhs.uk"
                order = [("new address", new), ("existing account", existing[round_])]
                for name, email in order if round_ % 2 == 0 else reversed(order):
                    elapsed, status, location, mailed = sign_up_once(email)
                    timings[name].append(elapsed)
                    outcomes[name].add((status, location, len(mailed)))

    for name, seconds in timings.items():
        print(describe(name, seconds))
    for name, seen in outcomes.items():
        print(f"{name:<16} answered (status, redirect, emails): {sorted(seen)}")
    difference = statistics.median(timings["new address"]) - statistics.median(
        timings["existing account"]
    )
    print(f"difference of the medians (new - existing): {difference * 1000:+.1f} ms")


if __name__ == "__main__":
    main()
