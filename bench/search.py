"""The register search on real traffic: throughput, latency, growth, memory and page weight.

    .venv/bin/python bench/search.py [--quick] [--mentors 10000] [--small 1000] [--large 100000]
                                     [--rounds 20] [--slice 1.5] [--clients 2] [--searches 10000]

Every search sends a query string never sent before, drawn from a realistic mix: words
from the mentors' bios, the schools' names and the places where they meet (none, one, two
or three of them), none, one or two filters, and pages 1 to 3. So no cache can answer a
repeated address, as a cache keyed on the URL would in a benchmark that repeats a few.

It serves the app as production does (scripts/serve web: gunicorn, DEBUG off, collected,
hashed and compressed static files, the Redis cache), 2 workers per server, one PostgreSQL
database per size: mentoring_bench_<N>, created on the first run and kept (--fresh drops
them). The first holds `seed_demo --mentors 1000` (the demo logins and headshots); the
others start as copies of it and grow by INSERT ... SELECT of its mentors under new
addresses (100,000 in a few seconds), then VACUUM ANALYZE.

It prints:
1. At --mentors (10,000): the search and the home page, both as the demo mentee, in short
   slices that alternate (search, home, home, search, ...) so that load from elsewhere on the
   machine falls on both: requests/s of each, their ratio per pair of slices (median,
   quartiles, min-max; target at least 60 %) and latency percentiles (search p95 target
   at most 50 ms), then p95 by kind of search.
2. At --small and --large (1,000 and 100,000): search p95 on two servers, slices alternating
   the same way; the ratio large / small (target at most 1.5), with EXPLAIN ANALYZE of the
   page's slowest statement on the mentors at --large for two searches.
3. Each worker's resident memory after --searches distinct searches (target at most 150 MB).
4. A mentee's first view of the search page as a browser fetches it (HTML, CSS, JavaScript
   and its imports, the thumbnails), bytes on the wire with compression accepted (target at
   most 300 KB).

--quick is a smoke run: 1,000 / 2,000 / 5,000 mentors, 3 rounds of 1 s, 500 searches.

Each client sends its next request as soon as the last one is answered; two clients for
two workers give each worker one request at a time, so latency is what a page costs.
"""

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
ADMIN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "mentoring_bench_"
SEEDED_MENTORS = 1000  # made by seed_demo; larger registers copy them
COPY_PREFIX = "bench-copy-"
# Redis database for the servers' cache; each size has its own key prefix.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
MENTEE_EMAIL = "mentee@example.nhs.uk"
MENTEE_PASSWORD = "bench-password-0123"  # noqa: S105 - set on the bench databases only
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br", "Accept": "text/html,*/*"}
TARGET_RATIO = 0.60
TARGET_P95_MS = 50.0
TARGET_GROWTH = 1.5
TARGET_RSS_MB = 150
TARGET_FIRST_VIEW_KB = 300
STOP_WORDS = frozenset(
    """about after again also always among and any are around back been before being both but
    came can come could did does doing done down during each even ever every few find for from
    get gets getting give going good got had has have having her here hers him his how into
    its just keep know like made make many more most much need never next not now off once
    one only other our out over own really same she should since some still such take than
    that the their them then there these they thing things this those though through time
    too under until very want was way well were what when where which while who why will
    with would year years you your yours""".split()  # noqa: SIM905
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute")
    parser.add_argument("--mentors", type=int, help="register size for 1, 3 and 4 (10,000)")
    parser.add_argument("--small", type=int, help="the smaller register of 2 (1,000)")
    parser.add_argument("--large", type=int, help="the larger register of 2 (100,000)")
    parser.add_argument("--rounds", type=int, help="pairs of slices for 1 and for 2 (20)")
    parser.add_argument("--slice", type=float, help="seconds of each slice (1.5)")
    parser.add_argument("--searches", type=int, help="distinct searches before RSS (10,000)")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="drop the bench databases first")
    args = parser.parse_args()
    defaults = (
        {"mentors": 2000, "small": 1000, "large": 5000, "rounds": 3, "slice": 1.0, "searches": 500}
        if args.quick
        else {
            "mentors": 10_000,
            "small": 1000,
            "large": 100_000,
            "rounds": 20,
            "slice": 1.5,
            "searches": 10_000,
        }
    )
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.mentors, args.small, args.large) < SEEDED_MENTORS:
        parser.error(f"every register size must be at least {SEEDED_MENTORS:,}")

    sizes = sorted({args.small, args.mentors, args.large})
    prepare_databases(sizes, fresh=args.fresh)
    static_root = collect_static()
    vocabulary = Vocabulary.read(database_url(SEEDED_MENTORS))
    searches = SearchMix(vocabulary, random.Random(14))

    servers = {size: Server.start(size, static_root) for size in sizes}
    try:
        for server in servers.values():
            server.log_in()
        main_server = servers[args.mentors]
        for server in servers.values():  # warm up: imports, connections, templates
            Load(server, searches.next_url, args.clients).run(2.0)
            Load(server, lambda: "/", args.clients).run(1.0)
        throughput(main_server, searches, args)
        growth(servers[args.small], servers[args.large], searches, args)
        memory(main_server, searches, args)
        first_view(main_server)
    finally:
        for server in servers.values():
            server.stop()
    explain(args.large, searches)


# --- Databases ---------------------------------------------------------------------------


def database_url(size: int) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{DATABASE_PREFIX}{size}"


def _sql(url: str, statement: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _manage(size: int, *command: str) -> None:
    env = server_environment(size, Path("unused"))
    subprocess.run(
        [str(BIN / "python"), str(ROOT / "manage.py"), *command], env=env, check=True, cwd=ROOT
    )


def prepare_databases(sizes: list[int], *, fresh: bool) -> None:
    """The seeded register first; each larger one is a copy of it, grown to its size."""
    names = {name for (name,) in _sql(ADMIN_DATABASE_URL, "SELECT datname FROM pg_database")}
    base = f"{DATABASE_PREFIX}{SEEDED_MENTORS}"
    for size in sorted({SEEDED_MENTORS, *sizes}):
        name = f"{DATABASE_PREFIX}{size}"
        if fresh and name in names:
            _sql(ADMIN_DATABASE_URL, f'DROP DATABASE "{name}"')
            names.discard(name)
        if name not in names:
            template = f' TEMPLATE "{base}"' if size != SEEDED_MENTORS else ""
            _sql(ADMIN_DATABASE_URL, f'CREATE DATABASE "{name}"{template}')
            print(f"Created the database {name}.", flush=True)
        _manage(size, "migrate", "--noinput", "-v", "0")
        if size == SEEDED_MENTORS:
            print(f"Seeding {SEEDED_MENTORS:,} mentors with seed_demo...", flush=True)
            _manage(size, "seed_demo", "--mentors", str(SEEDED_MENTORS))
            _manage(
                size,
                "shell",
                "-c",
                "from accounts.models import User; u = User.objects.get(email="
                f"{MENTEE_EMAIL!r}); u.set_password({MENTEE_PASSWORD!r}); u.save()",
            )
        else:
            grow(database_url(size), size)


def grow(url: str, size: int) -> None:
    """Copies of the seeded mentors up to `size` published ones, in two statements.

    Each copy takes its bio, photos, availability and places from one seeded mentor, its
    first and last names from two others (so names do not repeat in step), and its
    platforms from the first; the search columns are generated by the database.
    """
    import psycopg

    mentors = "register_mentorprofile"
    platforms = "register_mentorprofile_virtual_platforms"
    with psycopg.connect(url, autocommit=True) as connection:
        have = connection.execute(
            f"SELECT count(*) FROM {mentors} WHERE status = 'published'"  # noqa: S608
        ).fetchone()[0]
        if have > size:
            raise SystemExit(f"{url} has {have:,} mentors, more than {size:,}: use --fresh.")
        if have == size:
            return
        started = time.perf_counter()
        columns = [
            name
            for (name,) in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND is_generated = 'NEVER' AND column_name <> 'id' ORDER BY ordinal_position",
                [mentors],
            )
        ]
        override = {
            "email": f"'{COPY_PREFIX}' || g || '.' || s.id || '@example.nhs.uk'",
            "user_id": "NULL",
            "first_name": "f.first_name",
            "last_name": "l.last_name",
            "created_at": "now()",
            "updated_at": "now()",
        }
        values = ", ".join(override.get(name, f"s.{name}") for name in columns)
        last_id = connection.execute(f"SELECT coalesce(max(id), 0) FROM {mentors}").fetchone()[0]  # noqa: S608
        with connection.transaction():
            # The seeded mentors numbered 0..n-1, in a table of their own so that
            # each copy finds its three by key.
            connection.execute(
                f"""
                CREATE TEMPORARY TABLE seeded ON COMMIT DROP AS
                SELECT row_number() OVER (ORDER BY id) - 1 AS k, *
                FROM {mentors}
                WHERE status = 'published' AND email NOT LIKE '{COPY_PREFIX}%%'
                """  # noqa: S608
            )
            connection.execute("ALTER TABLE seeded ADD PRIMARY KEY (k)")
            connection.execute("ANALYZE seeded")
            connection.execute(
                f"""
                WITH copies AS (
                    SELECT g, g %% n AS ks, (g * 7 + g / n) %% n AS kf,
                        (g * 13 + g / n * 31) %% n AS kl
                    FROM generate_series(%s::int, %s::int) g, (SELECT count(*) AS n FROM seeded) c
                )
                INSERT INTO {mentors} ({", ".join(columns)})
                SELECT {values}
                FROM copies
                JOIN seeded s ON s.k = copies.ks
                JOIN seeded f ON f.k = copies.kf
                JOIN seeded l ON l.k = copies.kl
                """,  # noqa: S608 - names come from the catalogue, values are parameters
                [have, size - 1],
            )
            connection.execute(
                f"""
                INSERT INTO {platforms} (mentorprofile_id, virtualplatform_id)
                SELECT m.id, p.virtualplatform_id
                FROM {mentors} m
                JOIN {platforms} p ON p.mentorprofile_id =
                    split_part(split_part(m.email, '@', 1), '.', 2)::int
                WHERE m.id > %s
                """,  # noqa: S608
                [last_id],
            )
        connection.execute("VACUUM ANALYZE")
        print(
            f"Grew {url.rsplit('/', 1)[1]} from {have:,} to {size:,} mentors "
            f"in {time.perf_counter() - started:.1f} s.",
            flush=True,
        )


def collect_static() -> Path:
    """Hashed, compressed static files, as scripts/serve collectstatic makes them."""
    static_root = ROOT / "var" / "bench" / "static"
    env = server_environment(SEEDED_MENTORS, static_root)
    print("Collecting static files...", flush=True)
    subprocess.run(
        [str(BIN / "python"), str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    return static_root


def server_environment(size: int, static_root: Path) -> dict[str, str]:
    """Production settings (DEBUG off) over plain http on this machine."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "CELERY_TASK_ALWAYS_EAGER", "STATIC_MANIFEST"}
    }
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "mentoring.settings",
            "DATABASE_URL": database_url(size),
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": f"bench{size}",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            "HTTPS_ONLY": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(static_root),
            "WHITENOISE_USE_FINDERS": "false",
            "MEDIA_ROOT": str(ROOT / "var" / "bench" / "media"),
            "EMAIL_BACKEND": "console",
            "LOG_LEVEL": "WARNING",
            "WEB_HOST": "127.0.0.1",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_CMD_ARGS": "--log-level warning",
        }
    )
    return env


# --- The searches --------------------------------------------------------------------------


@dataclass
class Vocabulary:
    """What mentees look for and filter on, read from the seeded register."""

    bio_words: list[str]
    bio_weights: list[float]
    specialty_words: list[str]
    places: list[str]
    schools: list[int]
    grades: list[int]
    trusts: list[int]
    platforms: list[int]

    @classmethod
    def read(cls, url: str) -> "Vocabulary":
        rows = _sql(
            url,
            "SELECT concat_ws(' ', supportt_experience, time_away_experience, motivation, "
            "interests), face_to_face_location FROM register_mentorprofile "
            "WHERE status = 'published'",
        )
        documents = Counter()
        places = Counter()
        for text, location in rows:
            documents.update(
                {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in STOP_WORDS}
            )
            for part in re.split(r",| or | near ", location or ""):
                words = [
                    w
                    for w in re.findall(r"[A-Z][a-z]{3,}", part)
                    if w.lower()
                    not in {"hospital", "general", "royal", "the", "infirmary", "district"}
                ]
                places.update(words[-1:])
        common = [(w, n) for w, n in documents.items() if n >= 3]

        def ids(table: str) -> list[int]:
            return [pk for (pk,) in _sql(url, f"SELECT id FROM {table} WHERE is_active")]  # noqa: S608

        schools = _sql(url, "SELECT name FROM register_school WHERE is_active")
        return cls(
            bio_words=[w for w, _ in common],
            bio_weights=[n**0.5 for _, n in common],
            specialty_words=sorted(
                {w.lower() for (name,) in schools for w in re.findall(r"[A-Za-z]{5,}", name)}
                - {"school"}
            ),
            places=[p for p, _ in places.most_common(40)],
            schools=ids("register_school"),
            grades=ids("register_grade"),
            trusts=ids("register_trust"),
            platforms=ids("register_virtualplatform"),
        )


class SearchMix:
    """Search addresses never sent before, each with its kind (for latency by kind)."""

    def __init__(self, vocabulary: Vocabulary, rng: random.Random):
        self.words = vocabulary
        self.rng = rng
        self.sent: set[str] = set()
        self.kinds: dict[str, str] = {}
        self.lock = threading.Lock()

    def _word(self) -> str:
        rng, v = self.rng, self.words
        source = rng.random()
        if source < 0.6:
            return rng.choices(v.bio_words, v.bio_weights)[0]
        if source < 0.8:
            return rng.choice(v.specialty_words)
        return rng.choice(v.places).lower()

    def _filter(self) -> tuple[str, list[tuple[str, str]]]:
        rng, v = self.rng, self.words
        name = rng.choice(
            [
                "school",
                "grade",
                "trust",
                "gender",
                "meeting",
                "location",
                "platform",
                "days",
                "times",
                "not_my_trust",
            ]
        )
        match name:
            case "school" | "grade" | "trust" | "platform":
                pool = getattr(v, f"{name}s")
                return name, [(name, str(rng.choice(pool)))]
            case "gender":
                return name, [(name, rng.choice(["woman", "man", "non_binary"]))]
            case "meeting":
                return name, [(name, rng.choice(["face_to_face", "virtual"]))]
            case "location":
                return name, [(name, rng.choice(v.places))]
            case "days":
                days = rng.sample([1, 2, 4, 8, 16, 32, 64], rng.choice([1, 2]))
                return name, [("days", str(d)) for d in days]
            case "times":
                return name, [("times", str(rng.choice([1, 2, 4])))]
        return name, [("not_my_trust", "on")]

    def _candidate(self, *, words: int) -> tuple[str, str]:
        rng = self.rng
        params: list[tuple[str, str]] = []
        if words:
            params.append(("q", " ".join(self._word() for _ in range(words))))
        chosen: dict[str, list] = {}
        for _ in range(rng.choices([0, 1, 2], [0.35, 0.35, 0.3])[0]):
            name, values = self._filter()
            chosen[name] = values
        for values in chosen.values():
            params += values
        page = rng.choices([1, 2, 3], [0.7, 0.2, 0.1])[0]
        if page > 1:
            params.append(("page", str(page)))
        kind = f"{'text' if words else 'no text'}, {len(chosen)} filter{'s' * (len(chosen) != 1)}"
        query = urllib.parse.urlencode(params)
        return (f"/mentors/?{query}" if query else "/mentors/"), kind

    def next_url(self) -> str:
        with self.lock:
            for attempt in range(100):
                words = self.rng.choices([0, 1, 2, 3], [0.25, 0.35, 0.3, 0.1])[0]
                url, kind = self._candidate(words=max(words, attempt // 20))
                if url not in self.sent:
                    self.sent.add(url)
                    self.kinds[url] = kind
                    return url
            raise RuntimeError("no new search address after 100 tries")


# --- Servers and load ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, path: str, headers=None, method: str = "GET", body=None):
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


@dataclass
class Server:
    size: int
    port: int
    process: subprocess.Popen
    cookie: str = ""
    searches: int = 0

    @classmethod
    def start(cls, size: int, static_root: Path) -> "Server":
        port = free_port()
        env = server_environment(size, static_root) | {"PORT": str(port)}
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve"), "web"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,  # the access log
        )
        server = cls(size, port, process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if request(port, "/health/")[0] == 200:
                    return server
            except OSError:
                pass
            time.sleep(0.2)
        process.terminate()
        raise SystemExit(f"The server for {size:,} mentors did not start.")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def log_in(self) -> None:
        """As the demo mentee, through allauth's form with its CSRF token."""
        status, headers, body = request(self.port, "/accounts/login/")
        cookies = _cookies(headers)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not token or "csrftoken" not in cookies:
            raise SystemExit(f"Could not open the login page ({status}).")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "login": MENTEE_EMAIL,
                "password": MENTEE_PASSWORD,
            }
        )
        status, headers, _ = request(
            self.port,
            "/accounts/login/",
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken']}",
                "Referer": f"http://127.0.0.1:{self.port}/accounts/login/",
            },
            body=form,
        )
        cookies.update(_cookies(headers))
        if status != 302 or "sessionid" not in cookies:
            raise SystemExit(f"Logging in as {MENTEE_EMAIL} failed ({status}).")
        self.cookie = "; ".join(f"{key}={value}" for key, value in cookies.items())
        for path, expected in (("/mentors/", b"found"), ("/", b"<h1")):
            status, _, body = request(self.port, path, headers={"Cookie": self.cookie})
            if status != 200 or expected not in body:
                raise SystemExit(f"{path} answered {status} without {expected!r}.")

    def worker_rss_mb(self) -> list[float]:
        pid = self.process.pid  # scripts/serve execs gunicorn: this is its master
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        sizes = []
        for child in children:
            status = Path(f"/proc/{child}/status").read_text()
            kilobytes = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
            sizes.append(kilobytes / 1024)
        return sorted(sizes)


@dataclass
class Slice:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    errors: int = 0

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds


@dataclass
class Load:
    """`clients` threads asking `server` for next_path() in turn until time is up."""

    server: Server
    next_path: Callable[[], str]
    clients: int
    kind_of: Callable[[str], str] = lambda path: ""

    def _client(self, until: float, result: Slice, lock: threading.Lock) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = BROWSER_HEADERS | {"Cookie": self.server.cookie}
        while (started := time.perf_counter()) < until:
            path = self.next_path()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                result.latencies_ms.append(elapsed)
                result.kinds.append(self.kind_of(path))
                result.errors += not ok
        connection.close()

    def run(self, seconds: float) -> Slice:
        lock = threading.Lock()
        started = time.perf_counter()
        result = Slice(seconds)
        threads = [
            threading.Thread(target=self._client, args=(started + seconds, result, lock))
            for _ in range(self.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result.seconds = time.perf_counter() - started
        if self.next_path != _home:
            self.server.searches += len(result.latencies_ms)
        return result


def _home() -> str:
    return "/"


def alternate(loads: dict[str, Load], rounds: int, seconds: float) -> dict[str, list[Slice]]:
    """Slices of each load in turn, the order flipping every round (A B, B A, A B...)."""
    names = list(loads)
    slices: dict[str, list[Slice]] = {name: [] for name in names}
    for number in range(rounds):
        for name in names if number % 2 == 0 else reversed(names):
            slices[name].append(loads[name].run(seconds))
    return slices


# --- Figures -------------------------------------------------------------------------------


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[p - 1]


def spread(values: list[float], fmt: str) -> str:
    """Median (quartiles; min-max) of per-round figures."""
    if len(values) < 4:
        low, high = format(min(values), fmt), format(max(values), fmt)
        return f"{format(statistics.median(values), fmt)} median (min-max {low}-{high})"
    q1, median, q3 = statistics.quantiles(values, n=4)
    return (
        f"{format(median, fmt)} median (IQR {format(q1, fmt)}-{format(q3, fmt)}; "
        f"min-max {format(min(values), fmt)}-{format(max(values), fmt)}; {len(values)} rounds)"
    )


def _row(name: str, slices: list[Slice]) -> str:
    latencies = [ms for s in slices for ms in s.latencies_ms]
    seconds = sum(s.seconds for s in slices)
    errors = sum(s.errors for s in slices)
    return (
        f"  {name:<14} {len(latencies):>8} {len(latencies) / seconds:>8.1f} "
        f"{percentile(latencies, 50):>8.1f} {percentile(latencies, 95):>8.1f} "
        f"{percentile(latencies, 99):>8.1f} {errors:>7}"
    )


def _header() -> str:
    columns = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms")
    return f"  {'':<14} " + " ".join(f"{c:>8}" for c in columns) + f" {'errors':>7}"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def throughput(server: Server, searches: SearchMix, args) -> None:
    print(
        f"\n== 1. Search against the home page at {server.size:,} mentors: {args.clients} "
        f"clients, {args.rounds} rounds of {args.slice:g} s slices, alternating",
        flush=True,
    )
    kind = searches.kinds.__getitem__
    slices = alternate(
        {
            "search": Load(server, searches.next_url, args.clients, kind),
            "home page": Load(server, _home, args.clients),
        },
        args.rounds,
        args.slice,
    )
    print(_header())
    for name, measured in slices.items():
        print(_row(name, measured))
    ratios = [
        s.per_second / h.per_second
        for s, h in zip(slices["search"], slices["home page"], strict=True)
    ]
    search_ms = [ms for s in slices["search"] for ms in s.latencies_ms]
    slice_p95 = [percentile(s.latencies_ms, 95) for s in slices["search"]]
    ratio, p95 = statistics.median(ratios), percentile(search_ms, 95)
    print(f"  search / home requests/s per round: {spread([r * 100 for r in ratios], '.0f')} %")
    print(f"    target at least {TARGET_RATIO:.0%}: {_verdict(ratio >= TARGET_RATIO)}")
    print(f"  search p95 over all slices: {p95:.1f} ms; per slice: {spread(slice_p95, '.1f')} ms")
    print(f"    target at most {TARGET_P95_MS:g} ms: {_verdict(p95 <= TARGET_P95_MS)}")
    by_kind: dict[str, list[float]] = defaultdict(list)
    for measured in slices["search"]:
        for name, ms in zip(measured.kinds, measured.latencies_ms, strict=True):
            by_kind[name].append(ms)
    print("  search latency by kind:")
    for name in sorted(by_kind):
        values = by_kind[name]
        print(
            f"    {name:<22} {len(values):>6} searches, p50 {percentile(values, 50):6.1f} ms, "
            f"p95 {percentile(values, 95):6.1f} ms"
        )


def growth(small: Server, large: Server, searches: SearchMix, args) -> None:
    print(
        f"\n== 2. Search p95 at {small.size:,} and {large.size:,} mentors: two servers, "
        f"{args.rounds} rounds of {args.slice:g} s slices, alternating",
        flush=True,
    )
    slices = alternate(
        {
            f"{small.size:,}": Load(small, searches.next_url, args.clients),
            f"{large.size:,}": Load(large, searches.next_url, args.clients),
        },
        args.rounds,
        args.slice,
    )
    print(_header())
    for name, measured in slices.items():
        print(_row(f"{name} mentors", measured))
    small_slices, large_slices = slices.values()
    small_ms = [ms for s in small_slices for ms in s.latencies_ms]
    large_ms = [ms for s in large_slices for ms in s.latencies_ms]
    ratio = percentile(large_ms, 95) / percentile(small_ms, 95)
    per_round = [
        percentile(b.latencies_ms, 95) / percentile(a.latencies_ms, 95)
        for a, b in zip(small_slices, large_slices, strict=True)
    ]
    print(f"  p95 {large.size:,} / {small.size:,}: {ratio:.2f} x over all slices")
    print(f"    per round: {spread(per_round, '.2f')} x")
    print(f"    target at most {TARGET_GROWTH:g} x: {_verdict(ratio <= TARGET_GROWTH)}")


def memory(server: Server, searches: SearchMix, args) -> None:
    print(
        f"\n== 3. Worker memory at {server.size:,} mentors after {args.searches:,} distinct "
        "searches",
        flush=True,
    )
    before = server.worker_rss_mb()
    done_before = server.searches
    load = Load(server, searches.next_url, args.clients)
    while server.searches < args.searches:
        load.run(5.0)
    after = server.worker_rss_mb()
    print(
        f"  {server.searches:,} searches served by the 2 workers "
        f"({server.searches - done_before:,} in this step)"
    )
    print(f"  RSS per worker before this step: {', '.join(f'{mb:.0f}' for mb in before)} MB")
    print(f"  RSS per worker after:            {', '.join(f'{mb:.0f}' for mb in after)} MB")
    print(f"    target at most {TARGET_RSS_MB} MB: {_verdict(max(after) <= TARGET_RSS_MB)}")


def first_view(server: Server) -> None:
    """Every response a browser needs for its first view, with compression accepted."""
    print(
        f"\n== 4. A mentee's first view of the search page at {server.size:,} mentors", flush=True
    )
    headers = BROWSER_HEADERS | {"Cookie": server.cookie}
    fetched: dict[str, tuple[str, int, int, str]] = {}

    def fetch(path: str, kind: str) -> bytes:
        status, response_headers, body = request(server.port, path, headers=headers)
        if status != 200:
            raise SystemExit(f"{path} answered {status}.")
        head = sum(len(name) + len(value) + 4 for name, value in response_headers) + 17
        encoding = {k.lower(): v for k, v in response_headers}.get("content-encoding", "")
        fetched[path] = (kind, head, len(body), encoding)
        return body

    def decoded(path: str, body: bytes) -> str:
        encoding = fetched[path][3]
        if encoding == "gzip":
            import gzip

            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        return body.decode()

    html = decoded("/mentors/", fetch("/mentors/", "HTML"))
    same_site = r'"(/[^"/][^"]*)"'
    for tag, attribute, kind in (
        (r"<link[^>]*rel=\"stylesheet\"[^>]*>", "href", "CSS"),
        (r"<script[^>]*src=[^>]*>", "src", "JavaScript"),
        (r"<img[^>]*>", "src", "thumbnails"),
    ):
        for element in re.findall(tag, html):
            found = re.search(rf"{attribute}={same_site}", element)
            if found:
                path = found.group(1).replace("&amp;", "&")
                body = fetch(path, kind)
                if kind == "JavaScript":
                    for imported in re.findall(
                        r"""(?:from|import)\s*["'](/[^"']+)["']""", decoded(path, body)
                    ):
                        if imported not in fetched:
                            fetch(imported, kind)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for kind, head, body, _ in fetched.values():
        totals[kind][0] += 1
        totals[kind][1] += head
        totals[kind][2] += body
    print(f"  {'':<12} {'files':>6} {'headers':>9} {'bodies':>9}  compressed")
    for kind, (count, head, body) in totals.items():
        encodings = sorted({e or "none" for k, _, _, e in fetched.values() if k == kind})
        print(f"  {kind:<12} {count:>6} {head:>9,} {body:>9,}  {', '.join(encodings)}")
    total = sum(head + body for _, head, body in totals.values())
    print(f"  on the wire: {total / 1024:.0f} KB (HTML uncompressed: {len(html.encode()):,} bytes)")
    print(
        f"    target at most {TARGET_FIRST_VIEW_KB} KB: "
        f"{_verdict(total <= TARGET_FIRST_VIEW_KB * 1024)}"
    )


def explain(size: int, searches: SearchMix, *, tries: int = 30) -> None:
    """EXPLAIN ANALYZE of the search's main statement: the slowest statement on the mentors'
    table, for the page with no filter and for the slowest of `tries` distinct searches.

    Pages are asked for through Django's test client by their URL, like a browser, so this
    reads whatever statements the search makes today.
    """
    print(f"\n== EXPLAIN ANALYZE at {size:,} mentors", flush=True)
    os.environ.update(server_environment(size, ROOT / "var" / "bench" / "static"))
    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)  # production templates log each blank they render
    from django.db import connection
    from django.test import Client

    from accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=MENTEE_EMAIL))

    def slowest_on_mentors(path: str) -> tuple[float, str, str, tuple]:
        statements: list[tuple[float, str, str, tuple]] = []

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - started, path, sql, params))

        with connection.execute_wrapper(timed):
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return max(s for s in statements if "register_mentorprofile" in s[2])

    first = slowest_on_mentors("/mentors/")
    others = sorted(slowest_on_mentors(searches.next_url()) for _ in range(tries))
    print(
        f"  slowest statement on the mentors per page, {tries} distinct searches: median "
        f"{statistics.median(o[0] for o in others) * 1000:.1f} ms, "
        f"max {others[-1][0] * 1000:.1f} ms ({others[-1][1]})"
    )
    for label, (_, path, sql, params) in (
        ("the first view", first),
        ("the slowest search", others[-1]),
    ):
        print(f"\n{label}, {path}:\n  {' '.join(sql.split())}\n  params: {params}")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            for (line,) in cursor.fetchall():
                print(f"  {line}")


if __name__ == "__main__":
    main()
