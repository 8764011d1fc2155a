"""Throughput and latency of the register search, against the home page of the same server.

    .venv/bin/python bench/search.py [--mentors 10000] [--threads 2] [--seconds 15] [--fresh]

Uses PostgreSQL: DATABASE_URL, or postgres://postgres@127.0.0.1:5432/mentoring_bench, which
is created if missing and kept for the next run (--fresh drops it first). The script
migrates, runs `seed_demo --mentors N` (idempotent, so a second run is quick) and VACUUM
ANALYZE (what autovacuum does in time on a live database), serves the
app with gunicorn (2 workers, DEBUG=false, production settings over plain http), logs in
as the demo mentee, warms up, then loads the search page (a mix of 10 URLs: free text and
filters) and the home page with the same number of threads for the same time, and prints
requests per second, p50 and p95 latency of each, and the ratio of their throughputs.
Target: the search serves at least 50 % of the home page's throughput, with p95 <= 50 ms.

Each thread sends its next request as soon as the last one is answered. The default of
two threads, one per gunicorn worker, gives each worker one request at a time: latency
is then what a page costs. More threads than workers add little throughput on a two-core
machine (the client, gunicorn and PostgreSQL share the cores); the extra requests wait in
gunicorn's backlog, so latency grows with the number of threads divided by the throughput
(Little's law) whatever the page costs: with 8 threads even the home page's p95 is about
50 ms.
"""

import argparse
import http.client
import itertools
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mentoring_bench"
MENTEE_EMAIL = "mentee@example.nhs.uk"
WARM_UP_SECONDS = 3
TARGET_RATIO = 0.5
TARGET_P95_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_database(database_url, fresh=args.fresh)
    env = server_environment(database_url)
    manage = [str(BIN / "python"), str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    print(f"Seeding {args.mentors:,} mentors (quick when they are there already)...", flush=True)
    subprocess.run(
        [*manage, "seed_demo", "--mentors", str(args.mentors)], env=env, check=True, cwd=ROOT
    )
    vacuum_analyze(database_url)
    os.environ.update(env)
    search_urls = build_search_urls()

    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "mentoring.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_up(port)
        cookie = log_in(port)
        for url in search_urls:
            check_page(port, cookie, url, "found")
        check_page(port, cookie, "/", "<h1>")
        print(
            f"\n{args.threads} threads, {args.seconds:g} s each after a "
            f"{WARM_UP_SECONDS} s warm-up; gunicorn with 2 workers on 127.0.0.1:{port}",
            flush=True,
        )
        home = measure(port, cookie, ["/"], args.threads, args.seconds)
        search = measure(port, cookie, search_urls, args.threads, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(home, search)


# --- Setting up ------------------------------------------------------------------------------


def ensure_database(url: str, *, fresh: bool) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"Created the database {name}.", flush=True)


def vacuum_analyze(url: str) -> None:
    """Fresh statistics and visibility map after the bulk seed, as autovacuum would leave them."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def server_environment(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off), over plain http on this machine."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DEBUG", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "mentoring.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            "HTTPS_ONLY": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # No collectstatic here: WhiteNoise serves the files from static/ as they are.
            "STATIC_MANIFEST": "false",
            "MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"),
            "EMAIL_BACKEND": "console",
            "LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore:No directory at:UserWarning",  # no collectstatic here
        }
    )
    return env


def build_search_urls() -> list[str]:
    """Ten searches a mentee might make: words, filters, both, and a deep page."""
    import django

    django.setup()
    from register.models import School, Trust, VirtualPlatform

    def pk(model, name: str) -> int:
        return model.objects.get(name=name).pk

    surgery = pk(School, "School of Surgery")
    medicine = pk(School, "School of Medicine")
    sheffield = pk(Trust, "Sheffield Teaching Hospitals NHS Foundation Trust")
    zoom = pk(VirtualPlatform, "Zoom")
    return [
        "/mentors/",
        "/mentors/?q=parental+leave",
        "/mentors/?q=research&school=" + str(medicine),
        "/mentors/?q=running&days=32&days=64",
        f"/mentors/?school={surgery}&times=4",
        "/mentors/?meeting=face_to_face&location=leeds",
        f"/mentors/?meeting=virtual&platform={zoom}&gender=woman",
        "/mentors/?not_my_trust=on&q=baking+OR+cooking",
        f"/mentors/?trust={sheffield}&page=2",
        "/mentors/?page=40",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _, _ = request(port, "GET", "/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def request(port: int, method: str, path: str, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _cookies(headers) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key] = rest.split(";", 1)[0]
    return found


def log_in(port: int) -> str:
    """Log in as the demo mentee through allauth's form (with its CSRF token)."""
    from register.demo import DEMO_PASSWORD

    status, headers, body = request(port, "GET", "/accounts/login/")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token or "csrftoken" not in cookies:
        raise SystemExit(f"Could not open the login page ({status}).")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "login": MENTEE_EMAIL,
            "password": DEMO_PASSWORD,
        }
    )
    status, headers, _ = request(
        port,
        "POST",
        "/accounts/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
        body=form,
    )
    cookies.update(_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"Logging in as {MENTEE_EMAIL} failed ({status}).")
    return "; ".join(f"{key}={value}" for key, value in cookies.items())


def check_page(port: int, cookie: str, path: str, expected: str) -> None:
    status, _, body = request(port, "GET", path, headers={"Cookie": cookie})
    if status != 200 or expected.encode() not in body:
        raise SystemExit(f"{path} answered {status} without {expected!r}.")


# --- Measuring -------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[p - 1]


def _load(port, cookie, urls, until: float, latencies: list[float], errors: list[int], offset):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie}
    for path in itertools.islice(itertools.cycle(urls), offset, None):
        started = time.perf_counter()
        if started >= until:
            break
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            connection.close()  # gunicorn's sync workers close after each response
            ok = False
        latencies.append((time.perf_counter() - started) * 1000)
        if not ok:
            errors.append(1)
    connection.close()


def _run(port, cookie, urls, threads: int, seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    until = started + seconds
    workers = [
        threading.Thread(target=_load, args=(port, cookie, urls, until, latencies, errors, n))
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, len(errors), time.perf_counter() - started


def measure(port: int, cookie: str, urls: list[str], threads: int, seconds: float) -> Result:
    name = "home page" if urls == ["/"] else f"search ({len(urls)} URLs)"
    print(f"Measuring the {name}...", flush=True)
    _run(port, cookie, urls, threads, WARM_UP_SECONDS)
    latencies, errors, elapsed = _run(port, cookie, urls, threads, seconds)
    return Result(name, len(latencies), elapsed, latencies, errors)


def report(home: Result, search: Result) -> None:
    print()
    print(f"{'page':<22} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for result in (home, search):
        print(
            f"{result.name:<22} {result.requests:>9} {result.per_second:>8.1f} "
            f"{result.percentile(50):>8.1f} {result.percentile(95):>8.1f} {result.errors:>7}"
        )
    ratio = search.per_second / home.per_second
    p95 = search.percentile(95)
    print()
    print(f"search / home throughput: {ratio:.0%} (target at least {TARGET_RATIO:.0%})")
    print(f"search p95: {p95:.1f} ms (target at most {TARGET_P95_MS:g} ms)")
    met = ratio >= TARGET_RATIO and p95 <= TARGET_P95_MS and not (home.errors or search.errors)
    print("Target met." if met else "Target missed.")


if __name__ == "__main__":
    main()
