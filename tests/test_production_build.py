"""The production build, run the way docker-compose runs it, walked in Chromium.

Static files collected with the manifest storage and served only from there
(WHITENOISE_USE_FINDERS=false), DEBUG off, two-factor authentication required for
admin, a PostgreSQL database of its own, and gunicorn, a Celery worker and Celery
beat on a redis-server of its own. Every one of those commands is started through
scripts/serve, exactly as the Dockerfile and docker-compose.yml start them; only
the demo data and the admin's authenticator are added, as an operator would.
"""

import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from playwright.sync_api import Page, expect

from tests.axe import assert_no_axe_violations
from tests.conftest import PAGE_TIMEOUT_MS
from tests.local_servers import free_port, redis_server
from tests.production_stack import (
    BASE_DIR,
    SERVE,
    Stack,
    health_answers,
    postgres_database,
    production_environment,
)

# WhiteNoise's manifest storage puts 12 hex digits of the content's hash in the name:
# main.9969c3cac4f5.css
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
DEMO_PASSWORD = "demo-password-123"  # printed by seed_demo
MENTEE, MENTOR, ADMIN = "mentee@example.nhs.uk", "mentor@example.nhs.uk", "admin@example.nhs.uk"
TOTP_PERIOD_SECONDS = 30  # allauth's default, which the settings keep


@dataclass
class Production:
    url: str
    totp_secret: str
    env: dict[str, str]
    logs: dict[str, Path] = field(default_factory=dict)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


# --- The stack ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> Iterator[Production]:
    folder = tmp_path_factory.mktemp("production")
    with postgres_database() as database_url, redis_server(folder) as redis_url:
        port = free_port()
        env = production_environment(
            folder, database_url=database_url, redis_url=redis_url, port=port
        )
        built = Production(
            url=f"http://127.0.0.1:{port}", totp_secret=generate_totp_secret(), env=env
        )
        stack = Stack(folder, env)
        try:
            stack.release()
            for role in ("web", "worker", "beat"):
                stack.serve(role)
            # Meanwhile, as an operator would: demo data, and the demo admin sets up an
            # authenticator app (through allauth's own API).
            stack.start(
                "seed",
                ["python", "manage.py", "shell", "-c", SEED_AND_ACTIVATE_TOTP],
                TOTP_SECRET=built.totp_secret,
            )
            stack.finish("seed")
            stack.wait_until(lambda: health_answers(built.url), "web")
            stack.wait_until(lambda: " ready." in stack.log("worker"), "worker")
            stack.wait_until(lambda: "beat: Starting..." in stack.log("beat"), "beat")
            built.logs = stack.logs
            yield built
        finally:
            stack.stop()


SEED_AND_ACTIVATE_TOTP = """
import os
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.core.management import call_command
call_command("seed_demo", mentors=6)
TOTP.activate(get_user_model().objects.get(email="admin@example.nhs.uk"), os.environ["TOTP_SECRET"])
"""


# --- The browser -------------------------------------------------------------------


@dataclass
class Visit:
    page: Page
    problems: list[str]
    static_urls: set[str] = field(default_factory=set)

    def open(self, path: str, *, axe: bool = True) -> None:
        """Open a page: 200, every static file under a hashed name, no axe violation."""
        response = self.page.goto(path)
        assert response is not None
        assert response.status == 200, f"{path} answered {response.status}"
        self.check_static(path)
        if axe:
            assert_no_axe_violations(self.page)

    def check_static(self, path: str) -> None:
        references = self.page.eval_on_selector_all(
            "link[href], script[src]",
            "elements => elements.map(e => e.getAttribute('href') || e.getAttribute('src'))",
        )
        static = [ref for ref in references if ref.startswith("/static/")]
        assert any("/css/" in ref for ref in static), f"{path}: no stylesheet"
        unhashed = [ref for ref in static if not HASHED_NAME.search(ref)]
        assert unhashed == [], f"{path}: static files without a hashed name: {unhashed}"
        self.static_urls.update(static)

    def log_in(self, email: str, path: str = "/dashboard/") -> None:
        response = self.page.goto(f"/accounts/login/?next={path}")
        assert response is not None
        assert response.status == 200, f"the log-in page answered {response.status}"
        self.page.locator("[name='login']").fill(email)
        self.page.locator("[name='password']").fill(DEMO_PASSWORD)
        submit(self.page, "password")


def submit(page: Page, field_name: str) -> None:
    page.locator(f"form:has([name='{field_name}']) [type='submit']").click()


@pytest.fixture
def visit(browser, production) -> Iterator[Visit]:
    context = browser.new_context(base_url=production.url, locale="en-GB")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    # The NHS font's host is unreachable here: refuse it at once.
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
    problems: list[str] = []
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
    visit = Visit(page, problems)
    yield visit
    try:
        for url in sorted(visit.static_urls):
            status = context.request.get(url).status
            if status != 200:
                problems.append(f"{status} {url}")
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


# --- The walk ----------------------------------------------------------------------


@pytest.mark.browser
def test_static_files_come_from_the_manifest_under_hashed_names(visit, production):
    loaded: list[tuple[str, int]] = []
    visit.page.on("response", lambda r: loaded.append((urlsplit(r.url).path, r.status)))

    visit.open("/")
    visit.page.wait_for_load_state("networkidle")

    static = [(path, status) for path, status in loaded if path.startswith("/static/")]
    stylesheet = [(p, s) for p, s in static if re.fullmatch(r"/static/dist/css/main\.\w+\.css", p)]
    assert len(stylesheet) == 1, static
    path, status = stylesheet[0]
    assert status == 200
    assert HASHED_NAME.search(path)
    # init.js imports the NHS.UK bundle: the import, too, names the hashed file.
    scripts = sorted(path for path, _ in static if path.endswith(".js"))
    assert [re.sub(r"\.[0-9a-f]{12}\.js$", ".js", p) for p in scripts] == [
        "/static/dist/js/nhsuk-frontend.min.js",
        "/static/js/init.js",
    ]
    assert all(HASHED_NAME.search(path) and status == 200 for path, status in static), static
    # The stylesheet applies (the NHS font stack), and the NHS.UK script has run.
    font = visit.page.evaluate("getComputedStyle(document.documentElement).fontFamily")
    assert "Frutiger" in font
    expect(visit.page.locator("body.nhsuk-frontend-supported")).to_have_count(1)


@pytest.mark.browser
def test_public_pages(visit):
    for path in (
        "/",
        "/about/privacy/",
        "/about/accessibility/",
        "/about/cookies/",
        "/about/contact/",
        "/accounts/login/",
        "/mentee/eligibility/",
    ):
        visit.open(path)


@pytest.mark.browser
def test_mentee_pages_and_a_request_handled_by_the_worker(visit, production):
    visit.log_in(MENTEE)
    expect(visit.page).to_have_url(re.compile(r"/dashboard/$"))
    visit.open("/dashboard/")
    visit.open("/mentors/")
    profiles = visit.page.eval_on_selector_all(
        "a.nhsuk-card__link", "links => links.map(a => a.getAttribute('href'))"
    )
    assert profiles, "the register shows no mentor"
    for profile in profiles:
        visit.open(profile, axe=False)
        send = visit.page.get_by_role("button", name=re.compile(r"^Send .+ a request$"))
        if send.count():
            break
    else:
        pytest.fail("no mentor on the first page of the register takes requests")
    assert_no_axe_violations(visit.page)  # a mentor's profile, as a mentee sees it
    send.click()
    visit.page.get_by_label("What would you like to talk about?").fill("Coming back after a year")
    visit.page.get_by_label("Video call").check()
    visit.page.get_by_role("button", name="Send request").click()
    expect(visit.page.get_by_text("Request sent to")).to_be_visible()
    visit.check_static(visit.page.url)
    visit.open("/requests/")

    # The request's work went through Redis to the worker, which ran it.
    deadline = time.monotonic() + 15
    while " succeeded in " not in production.log("worker"):
        assert time.monotonic() < deadline, production.log("worker")[-3000:]
        time.sleep(0.1)


@pytest.mark.browser
def test_mentor_pages(visit):
    visit.log_in(MENTOR)
    expect(visit.page).to_have_url(re.compile(r"/dashboard/$"))
    for path in (
        "/dashboard/",
        "/my-bio/preview/",
        "/my-bio/edit/",
        "/my-bio/capacity/",
        "/mentor/requests/",
    ):
        visit.open(path)


@pytest.mark.browser
def test_scheme_admin_pages_behind_two_factor_authentication(visit, production):
    visit.log_in(ADMIN, "/admin/")
    expect(visit.page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    for _ in range(2):  # a second try if the 30-second period turned between code and click
        visit.page.locator("[name='code']").fill(totp_code(production.totp_secret))
        visit.page.get_by_role("button", name="Continue").click()
        visit.page.wait_for_load_state("load")
        if "/2fa/" not in visit.page.url:
            break
    expect(visit.page).to_have_url(re.compile(r"/admin/$"))
    # Django admin's markup is Django's own: no axe here (the accessibility walk agrees).
    for path in (
        "/admin/",
        "/admin/register/mentorprofile/",
        "/admin/requests_app/mentoringrequest/",
    ):
        visit.open(path, axe=False)
    visit.open("/dashboard/")


def totp_code(secret: str) -> str:
    """What the admin's authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD_SECONDS))


def test_the_health_check_compose_runs_passes(production):
    result = subprocess.run(
        [str(SERVE), "healthcheck"], env=production.env, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr


def test_no_page_walked_met_an_undefined_name_or_an_error(production):
    """Production renders a blank for an undefined name and logs it: the walk above
    must have logged none, and no process an error."""
    for process in ("web", "worker", "beat"):
        log = production.log(process)
        assert "Undefined in a template" not in log, log[-3000:]
        assert "Traceback" not in log, log[-3000:]


def test_docker_compose_runs_the_same_script():
    """The services above are docker-compose's, started by the same commands."""
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    commands = {
        name: service.get("command")
        for name, service in compose["services"].items()
        if service.get("image") == "peer-mentoring:latest"
    }
    assert commands == {
        "migrate": ["scripts/serve", "migrate"],
        "web": ["scripts/serve", "web"],
        "worker": ["scripts/serve", "worker"],
        "beat": ["scripts/serve", "beat"],
    }
    assert compose["services"]["web"]["healthcheck"]["test"] == [
        "CMD",
        "scripts/serve",
        "healthcheck",
    ]
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert 'CMD ["scripts/serve", "web"]' in dockerfile
    assert "scripts/serve collectstatic" in dockerfile
