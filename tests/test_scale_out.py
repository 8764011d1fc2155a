"""Several machines: two web processes and two workers on one PostgreSQL and one Redis.

The production build as docker-compose runs it (scripts/serve: collectstatic with the
manifest storage, migrate, then web, worker and beat; DEBUG off), scaled out: two
`scripts/serve web` on two ports (2 gunicorn workers each, as two machines behind a
load balancer would be), two `scripts/serve worker` and one beat, sharing a PostgreSQL
database and a redis-server of this test's own. Emails leave by SMTP to a sink this
test runs, which records each message's recipients, subject and Message-ID.

People act through both web processes at once over plain HTTP (log-in through
allauth's page, CSRF tokens from the forms), and every figure is counted exactly:
rows in the database, answers of both web processes, messages at the sink.
"""

import contextlib
import email
import email.policy
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import psycopg
import pytest
import requests
from aiosmtpd.controller import Controller
from celery import Celery
from django.conf import settings

from tests.local_servers import free_port, redis_server
from tests.production_stack import (
    Stack,
    health_answers,
    postgres_database,
    production_environment,
)

WAIT_SECONDS = 30
PASSWORD = "scale-out-password-123"
DOMAIN = "scale.example.nhs.uk"
INBOX = settings.SCHEME_INBOX_EMAIL  # the scheme inbox until admins set one
EXPIRING = 30
ALREADY_PENDING = "already have a request waiting"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# gunicorn's access log: 127.0.0.1 - - [date] "POST /path HTTP/1.1" 302 0 "-" "agent"
ACCESS = re.compile(r'"(GET|POST|HEAD) (\S+) HTTP/[\d.]+" (\d{3}) ')
EXPIRY_TASK = "requests_app.tasks.expire_overdue_requests"
EXPIRY_DONE = re.compile(re.escape(EXPIRY_TASK) + r"\[[\w-]+\] succeeded in [\d.e-]+s: (\d+)")


def address(name: str) -> str:
    return f"{name}@{DOMAIN}"


# Who the run needs; every name is an address at DOMAIN, every mentor's capacity given.
# Only the 30 requests that will expire are made in the database; the others are sent
# through the web processes. A pending request takes none of a mentor's places.
MENTORS = {
    **{f"mentor-{i}": 2 for i in range(5)},  # 10 mentees ask them, 2 each
    "pair-a": 2,  # the same mentee asks them twice at once
    "pair-b": 2,
    "full": 1,  # one place left
    **{f"expiry-mentor-{i}": 2 for i in range(3)},
}
MENTEES = [
    *(f"mentee-{i}" for i in range(10)),
    *(f"double-{i}" for i in range(4)),
    "racer-0",
    "racer-1",
    *(f"expiry-mentee-{i}" for i in range(EXPIRING)),
]
PENDING = {f"expiry-mentee-{i}": f"expiry-mentor-{i % 3}" for i in range(EXPIRING)}

SEED = """
import json, os
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from accounts.models import User
from tests.factories import MenteeFactory, MentoringRequestFactory, MentorProfileFactory

plan = json.loads(os.environ["SEED_PLAN"])
domain = plan["domain"]
# One real password hash for everyone (each one costs a third of a second).
with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
    mentors = {
        name: MentorProfileFactory(with_login=True, email=f"{name}@{domain}", capacity=capacity)
        for name, capacity in plan["mentors"].items()
    }
    mentees = {
        name: MenteeFactory(verified=True, email=f"{name}@{domain}") for name in plan["mentees"]
    }
for mentee, mentor in plan["pending"].items():
    MentoringRequestFactory(mentee=mentees[mentee], mentor=mentors[mentor])
User.objects.update(password=make_password(plan["password"]))
"""


# --- The SMTP sink -------------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    recipients: tuple[str, ...]
    subject: str
    message_id: str


class SmtpSink:
    """aiosmtpd's handler: keeps what each accepted message was (not its body)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[Delivered] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's name
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self._messages.append(
                Delivered(
                    recipients=tuple(envelope.rcpt_tos),
                    subject=str(message["Subject"]),
                    message_id=str(message["Message-ID"]),
                )
            )
        return "250 Message accepted for delivery"

    def messages(self) -> list[Delivered]:
        with self._lock:
            return list(self._messages)

    def count_to(self, people: set[str]) -> Counter:
        """Messages per recipient, for these recipients."""
        return Counter(
            to for message in self.messages() for to in message.recipients if to in people
        )


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()  # a thread of this process; returns once it answers
    try:
        yield sink, port
    finally:
        controller.stop()


# --- The stack -------------------------------------------------------------------------


@dataclass
class ScaleOut:
    webs: dict[str, str]  # name -> URL
    stack: Stack
    sink: SmtpSink
    db: psycopg.Connection
    database_url: str
    broker_url: str
    answers: list[tuple[int, str, str]] = field(default_factory=list)

    def query(self, sql: str, *params) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    def value(self, sql: str, *params):
        return self.query(sql, *params)[0][0]

    def mentor_id(self, name: str) -> int:
        return self.value("SELECT id FROM register_mentorprofile WHERE email = %s", address(name))

    def browser(self) -> requests.Session:
        """A browser of its own (cookies, CSRF token) whose every answer is recorded."""
        session = requests.Session()
        session.hooks["response"].append(
            lambda r, *args, **kwargs: self.answers.append((r.status_code, r.request.method, r.url))
        )
        return session

    def access_log(self, web: str) -> list[tuple[str, str, int]]:
        return [
            (method, path, int(status))
            for method, path, status in ACCESS.findall(self.stack.log(web))
        ]

    def check_every_answer_and_every_email(self) -> None:
        """Nothing either web process answered was a server error (its own access log
        says so), every email sent went once, from exactly one outbox row, and no
        process of the stack logged a traceback."""
        for web in self.webs:
            statuses = Counter(status for _, _, status in self.access_log(web))
            assert all(status < 500 for status in statuses), (web, statuses)
        assert all(status in (200, 302) for status, _, _ in self.answers), self.answers
        wait_for(lambda: not self.unsent(), "the outbox to be empty")
        messages = self.sink.messages()
        ids = Counter(message.message_id for message in messages)
        assert [mid for mid, n in ids.items() if n > 1] == []
        rows = self.value("SELECT count(*) FROM outbox_email WHERE state = 'sent'")
        assert len(messages) == rows
        assert {outbox_row(message) for message in messages} == {
            pk for (pk,) in self.query("SELECT id FROM outbox_email WHERE state = 'sent'")
        }
        for name in self.stack.services:
            assert "Traceback" not in self.stack.log(name), self.stack.log(name)[-3000:]

    def expiries_waiting(self) -> int:
        """Connections whose expiry UPDATE waits for a row lock."""
        return self.value(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
            AND query LIKE 'UPDATE "requests_app_mentoringrequest"%%'
            """
        )

    def unsent(self) -> int:
        return self.value(
            "SELECT count(*) FROM outbox_email WHERE state IN ('queued', 'sending', 'failed')"
        )


def outbox_row(message: Delivered) -> int:
    """The outbox row a message came from: its Message-ID names it (<email-12.…@host>)."""
    found = re.match(r"<email-(\d+)\D", message.message_id)
    assert found, message.message_id
    return int(found[1])


def distinct_free_ports(how_many: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < how_many:
        ports.add(free_port())
    return sorted(ports)


@pytest.fixture(scope="module")
def scale_out(tmp_path_factory) -> Iterator[ScaleOut]:
    folder = tmp_path_factory.mktemp("scale_out")
    with (
        postgres_database("mentoring_scale_out") as database_url,
        redis_server(folder) as redis_url,
        smtp_sink() as (sink, smtp_port),
        psycopg.connect(database_url, autocommit=True) as db,
    ):
        ports = distinct_free_ports(2)
        webs = {f"web-{x}": f"http://127.0.0.1:{port}" for x, port in zip("ab", ports, strict=True)}
        env = production_environment(
            folder, database_url=database_url, redis_url=redis_url, port=ports[0]
        )
        env |= {
            # Both machines take forms; links in emails name the first (a load
            # balancer's one address in real life).
            "CSRF_TRUSTED_ORIGINS": ",".join(webs.values()),
            "EMAIL_BACKEND": "smtp",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
        }
        stack = Stack(folder, env)
        try:
            stack.release()
            for (name, _), port in zip(webs.items(), ports, strict=True):
                stack.serve("web", name=name, PORT=str(port))
            stack.serve("worker", name="worker-1")
            stack.serve("worker", name="worker-2")
            stack.serve("beat")
            plan = {
                "domain": DOMAIN,
                "password": PASSWORD,
                "mentors": MENTORS,
                "mentees": MENTEES,
                "pending": PENDING,
            }
            stack.start(
                "seed",
                ["python", "manage.py", "shell", "-c", SEED],
                SEED_PLAN=json.dumps(plan),
            )
            stack.finish("seed")
            for name, url in webs.items():
                stack.wait_until(lambda url=url: health_answers(url), name)
            for name in ("worker-1", "worker-2"):
                stack.wait_until(lambda name=name: " ready." in stack.log(name), name)
            stack.wait_until(lambda: "beat: Starting..." in stack.log("beat"), "beat")
            yield ScaleOut(
                webs=webs,
                stack=stack,
                sink=sink,
                db=db,
                database_url=database_url,
                broker_url=redis_url,
            )
        finally:
            stack.stop()


# --- Acting as people ------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll for what other processes bring about (bounded; not a fixed sleep)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}", pytrace=False)
        time.sleep(0.05)


def run_together(*functions: Callable[[], object]) -> list:
    """Call each function in a thread of its own, released at the same instant;
    their results in order (the first error is raised)."""
    start = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    errors: list[BaseException] = []

    def run(index: int, function: Callable[[], object]) -> None:
        try:
            start.wait()
            results[index] = function()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    if errors:
        raise errors[0]
    return results


def csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=WAIT_SECONDS)
    assert page.status_code == 200, (url, page.status_code)
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {url}"
    return found[1]


def log_in(browser: requests.Session, web: str, name: str) -> None:
    """Through allauth's log-in page, as a browser would."""
    url = f"{web}/accounts/login/"
    answer = browser.post(
        url,
        {
            "login": address(name),
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(browser, url),
        },
        allow_redirects=False,
        timeout=WAIT_SECONDS,
    )
    assert answer.status_code == 302, (name, answer.status_code, answer.text[-500:])


def same_person_elsewhere(scale_out: ScaleOut, browser: requests.Session) -> requests.Session:
    """The same logged-in person in a second tab: the session cookie, not the log-in."""
    other = scale_out.browser()
    other.cookies.update(browser.cookies)
    return other


def post_form(browser: requests.Session, url: str, data: dict, token: str) -> requests.Response:
    return browser.post(
        url, {**data, "csrfmiddlewaretoken": token}, allow_redirects=False, timeout=WAIT_SECONDS
    )


def pending_requests_of(scale_out: ScaleOut, mentee: str) -> list[tuple[int, str]]:
    """(request id, mentor's address) of the mentee's pending requests."""
    return scale_out.query(
        """
        SELECT r.id, m.email FROM requests_app_mentoringrequest r
        JOIN accounts_user u ON u.id = r.mentee_id
        JOIN register_mentorprofile m ON m.id = r.mentor_id
        WHERE u.email = %s AND r.state = 'pending'
        """,
        address(mentee),
    )


# --- The tests -------------------------------------------------------------------------


def test_ten_mentees_sending_requests_through_both_web_processes_at_once(scale_out):
    mentees = [f"mentee-{i}" for i in range(10)]
    mentors = [f"mentor-{i % 5}" for i in range(10)]
    mentor_ids = [scale_out.mentor_id(name) for name in mentors]
    webs = list(scale_out.webs.values())

    def send(i: int) -> tuple[int, str]:
        browser = scale_out.browser()
        web = webs[i % 2]  # half through each machine
        log_in(browser, web, mentees[i])
        url = f"{web}/mentors/{mentor_ids[i]}/request/"
        answer = post_form(browser, url, {"message": "Back in May"}, csrf_token(browser, url))
        assert answer.status_code == 302, (mentees[i], answer.status_code)
        # The page after the redirect comes from the other machine: the session and
        # the flashed message travel with the person.
        following = browser.get(webs[(i + 1) % 2] + answer.headers["Location"])
        return answer.status_code, following.text

    results = run_together(*(partial(send, i) for i in range(10)))

    assert [status for status, _ in results] == [302] * 10
    assert all("Request sent to" in page for _, page in results)
    for mentee, mentor in zip(mentees, mentors, strict=True):
        asked = [mentor_address for _, mentor_address in pending_requests_of(scale_out, mentee)]
        assert asked == [address(mentor)]
    history = scale_out.value(
        """
        SELECT count(*) FROM requests_app_transition t
        JOIN requests_app_mentoringrequest r ON r.id = t.request_id
        JOIN register_mentorprofile m ON m.id = r.mentor_id
        WHERE t.to_state = 'pending' AND m.email LIKE 'mentor-%%'
        """
    )
    assert history == 10
    # Each mentor is told of each request once, by a worker, by SMTP.
    people = {address(m) for m in mentors}
    wait_for(lambda: sum(scale_out.sink.count_to(people).values()) >= 10, "10 emails")
    assert scale_out.sink.count_to(people) == Counter({address(f"mentor-{i}"): 2 for i in range(5)})
    sent_kinds = scale_out.query(
        "SELECT kind, count(*) FROM outbox_email WHERE recipient LIKE 'mentor-%%' GROUP BY kind"
    )
    assert sent_kinds == [("request_received_mentor", 10)]
    # Both machines took their share of the posts.
    for web in scale_out.webs:
        posts = [p for m, p, _ in scale_out.access_log(web) if m == "POST" and "/request/" in p]
        assert len(posts) == 5, web
    scale_out.check_every_answer_and_every_email()


def test_the_same_mentee_sending_twice_through_both_web_processes_gets_one_request(scale_out):
    """Rounds 0 and 1: the same mentor twice (a double click on two machines); rounds 2
    and 3: two mentors (two tabs), where the database's one-pending-request rule refuses
    the second insert."""
    web_a, web_b = scale_out.webs.values()
    winners: list[str] = []
    for round_ in range(4):
        mentee = f"double-{round_}"
        here = scale_out.browser()
        log_in(here, web_a, mentee)
        there = same_person_elsewhere(scale_out, here)
        second_mentor = "pair-a" if round_ < 2 else "pair-b"
        url_a = f"{web_a}/mentors/{scale_out.mentor_id('pair-a')}/request/"
        url_b = f"{web_b}/mentors/{scale_out.mentor_id(second_mentor)}/request/"
        token_a, token_b = csrf_token(here, url_a), csrf_token(there, url_b)

        answers = run_together(
            partial(post_form, here, url_a, {"message": "Hello"}, token_a),
            partial(post_form, there, url_b, {"message": "Hello"}, token_b),
        )

        assert sorted(answer.status_code for answer in answers) == [200, 302], round_
        refusal = next(answer for answer in answers if answer.status_code == 200)
        assert ALREADY_PENDING in refusal.text
        pending = pending_requests_of(scale_out, mentee)
        assert len(pending) == 1, (round_, pending)
        winners.append(pending[0][1])

    people = {address("pair-a"), address("pair-b")}
    wait_for(lambda: sum(scale_out.sink.count_to(people).values()) >= 4, "4 emails")
    assert scale_out.sink.count_to(people) == Counter(winners)
    scale_out.check_every_answer_and_every_email()


def test_two_mentees_and_the_last_place_of_a_mentor_one_partnership(scale_out):
    """A request takes no place: both mentees' requests go in. The place goes when the
    mentor accepts, and the mentor accepting both at once (on two machines) fills it
    once: one partnership, one refusal, one acceptance email."""
    web_a, web_b = scale_out.webs.values()
    full = scale_out.mentor_id("full")
    racers = [scale_out.browser(), scale_out.browser()]
    tokens = []
    for racer, name, web in zip(racers, ["racer-0", "racer-1"], [web_a, web_b], strict=True):
        log_in(racer, web, name)
        tokens.append(csrf_token(racer, f"{web}/mentors/{full}/request/"))
    sent = run_together(
        *(
            partial(post_form, racer, f"{web}/mentors/{full}/request/", {"message": "Hi"}, token)
            for racer, web, token in zip(racers, [web_a, web_b], tokens, strict=True)
        )
    )
    assert [answer.status_code for answer in sent] == [302, 302]
    requests_ = [pending_requests_of(scale_out, name)[0][0] for name in ("racer-0", "racer-1")]

    mentor_a, mentor_b = scale_out.browser(), scale_out.browser()
    log_in(mentor_a, web_a, "full")
    log_in(mentor_b, web_b, "full")
    decisions = [
        (browser, f"{web}/mentor/requests/{request_id}/")
        for browser, web, request_id in zip(
            [mentor_a, mentor_b], [web_a, web_b], requests_, strict=True
        )
    ]
    tokens = [csrf_token(browser, url) for browser, url in decisions]
    accepted = run_together(
        *(
            partial(post_form, browser, f"{url}accept/", {"message": "Welcome"}, token)
            for (browser, url), token in zip(decisions, tokens, strict=True)
        )
    )

    assert [answer.status_code for answer in accepted] == [302, 302]
    pages = [browser.get(url).text for browser, url in decisions]
    told = sorted(
        "won" if "You are now their mentor" in page else "full" if "at capacity" in page else "?"
        for page in pages
    )
    assert told == ["full", "won"]
    partnerships = scale_out.query(
        "SELECT request_id FROM requests_app_partnership WHERE mentor_id = %s", full
    )
    assert len(partnerships) == 1
    (winner,) = partnerships[0]
    states = dict(
        scale_out.query(
            "SELECT id, state FROM requests_app_mentoringrequest WHERE id = ANY(%s)", requests_
        )
    )
    assert sorted(states.values()) == ["accepted", "pending"]
    assert states[winner] == "accepted"
    winning_mentee = f"racer-{requests_.index(winner)}"
    people = {address("full"), address("racer-0"), address("racer-1")}
    wait_for(lambda: sum(scale_out.sink.count_to(people).values()) >= 3, "3 emails")
    assert scale_out.sink.count_to(people) == Counter(
        {address("full"): 2, address(winning_mentee): 1}
    )
    scale_out.check_every_answer_and_every_email()


def test_expiry_run_by_both_workers_at_once_sends_each_email_once(scale_out):
    overdue = scale_out.query(
        """
        UPDATE requests_app_mentoringrequest SET response_deadline = now() - interval '1 day'
        WHERE state = 'pending'
        AND mentee_id IN (SELECT id FROM accounts_user WHERE email LIKE 'expiry-mentee-%%')
        RETURNING id
        """
    )
    assert len(overdue) == EXPIRING
    still_pending = scale_out.value(
        "SELECT count(*) FROM requests_app_mentoringrequest WHERE state = 'pending'"
    )

    workers = ("worker-1", "worker-2")
    earlier = {worker: len(expiry_runs(scale_out, worker)) for worker in workers}

    # Published twice at once, as two beats (or an operator's retry) would. The test
    # holds the overdue rows locked until both workers' UPDATEs wait on them: then
    # both runs are in flight together, on the same rows, before either can finish.
    with psycopg.connect(scale_out.database_url) as holder:
        holder.execute(
            "SELECT id FROM requests_app_mentoringrequest WHERE id = ANY(%s) FOR UPDATE",
            [[pk for (pk,) in overdue]],
        )
        app = Celery(broker=scale_out.broker_url)
        try:
            run_together(*(partial(app.send_task, EXPIRY_TASK) for _ in range(2)))
        finally:
            app.close()
        wait_for(lambda: scale_out.expiries_waiting() >= 2, "both workers to wait on the rows")
        holder.rollback()

    def runs() -> dict[str, list[int]]:
        """What each worker's expiry runs since the publishing returned (requests expired)."""
        return {worker: expiry_runs(scale_out, worker)[earlier[worker] :] for worker in workers}

    wait_for(lambda: sum(len(done) for done in runs().values()) >= 2, "both expiry runs")
    assert all(len(done) == 1 for done in runs().values()), runs()
    assert sum(sum(done) for done in runs().values()) == EXPIRING
    expired = scale_out.query(
        "SELECT id FROM requests_app_mentoringrequest WHERE state = 'expired'"
    )
    assert sorted(expired) == sorted(overdue)
    assert (
        scale_out.value(
            "SELECT count(*) FROM requests_app_mentoringrequest WHERE state = 'pending'"
        )
        == still_pending - EXPIRING
    )
    history = scale_out.query(
        "SELECT request_id FROM requests_app_transition WHERE to_state = 'expired'"
    )
    assert sorted(history) == sorted(overdue)
    mentees = {address(name) for name in PENDING}
    mentors = {address(name) for name in set(PENDING.values())}
    people = mentees | mentors | {INBOX}
    wait_for(
        lambda: sum(scale_out.sink.count_to(people).values()) >= 3 * EXPIRING,
        f"{3 * EXPIRING} emails",
    )
    assert scale_out.sink.count_to(people) == Counter(
        {**dict.fromkeys(mentees, 1), **dict.fromkeys(mentors, EXPIRING // 3), INBOX: EXPIRING}
    )
    kinds = scale_out.query(
        "SELECT kind, count(*) FROM outbox_email WHERE kind LIKE 'request_expired%%' "
        "GROUP BY kind ORDER BY kind"
    )
    assert kinds == [
        ("request_expired_mentee", EXPIRING),
        ("request_expired_mentor", EXPIRING),
        ("request_expired_team", EXPIRING),
    ]
    scale_out.check_every_answer_and_every_email()


def expiry_runs(scale_out: ScaleOut, worker: str) -> list[int]:
    """How many requests each run of the expiry job in this worker expired, in order."""
    return [int(n) for n in EXPIRY_DONE.findall(scale_out.stack.log(worker))]
