"""Shared fixtures: a quiet, self-contained environment, named people, and a browser.

Every persona's password is tests.factories.TEST_PASSWORD.
"""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Only the live server is reachable: other hosts (the NHS font's) fail at once
    # instead of holding up each page's load event on a closed network.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
PAGE_TIMEOUT_MS = 10_000
STATIC_CSS = Path(__file__).resolve().parent.parent / "static" / "dist" / "css" / "main.css"


@pytest.fixture(scope="session", autouse=True)
def _empty_static_root(tmp_path_factory):
    """An existing STATIC_ROOT, so WhiteNoise does not warn that it is missing.

    Session-wide, because the live server builds its middleware once, before any
    test's own settings apply. Static files come from the finders (static/dist/).
    """
    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("staticfiles")):
        yield


@pytest.fixture(scope="session", autouse=True)
def _strict_django_templates():
    """Our Django templates (allauth pages, admin overrides, emails) fail on an invalid
    variable; Jinja's are strict everywhere (mentoring/jinja2.py)."""
    from django.conf import settings

    from tests.template_checks import strict_templates

    with override_settings(TEMPLATES=strict_templates(settings.TEMPLATES)):
        yield


@pytest.fixture(autouse=True)
def _test_environment(settings, tmp_path, monkeypatch):
    """Eager Celery, mail kept in memory, media in a temporary folder, an empty cache."""
    from mentoring import celery_app
    from tests.template_checks import record_email_renders

    record_email_renders(monkeypatch)

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    # The Celery app read its configuration at import time: switch the app itself.
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True

    # Fast hashing: every factory user has a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # allauth keeps its rate limits in the cache.
    cache.clear()
    yield
    cache.clear()
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


# --- People -------------------------------------------------------------------


@pytest.fixture
def mentee(db):
    """A verified user with a mentee profile."""
    from tests.factories import MenteeProfileFactory, UserFactory

    user = UserFactory(verified=True, email="mentee@example.nhs.uk")
    MenteeProfileFactory(user=user)
    return user


@pytest.fixture
def other_mentee(db):
    from tests.factories import MenteeProfileFactory, UserFactory

    user = UserFactory(verified=True, email="other.mentee@example.nhs.uk")
    MenteeProfileFactory(user=user)
    return user


@pytest.fixture
def mentor(db):
    """A verified user whose mentor bio is published on the register."""
    from register.models import MentorStatus
    from tests.factories import MentorProfileFactory

    profile = MentorProfileFactory(
        with_login=True, email="mentor@example.nhs.uk", status=MentorStatus.PUBLISHED
    )
    return profile.user


@pytest.fixture
def other_mentor(db):
    from register.models import MentorStatus
    from tests.factories import MentorProfileFactory

    profile = MentorProfileFactory(
        with_login=True, email="other.mentor@example.nhs.uk", status=MentorStatus.PUBLISHED
    )
    return profile.user


@pytest.fixture
def full_mentor(mentor):
    """The mentor's bio, with one place and a mentee in it."""
    from requests_app.models import PartnershipState
    from tests.factories import PartnershipFactory

    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    PartnershipFactory(request__mentor=profile, state=PartnershipState.ACTIVE)
    return profile


@pytest.fixture
def scheme_admin(db):
    """Staff in the Scheme admins group."""
    from tests.factories import SchemeAdminFactory

    return SchemeAdminFactory(email="scheme.admin@example.nhs.uk")


# --- Browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = "Browser tests need Debian's Chromium: sudo apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    if not STATIC_CSS.exists():
        pytest.fail(f"{STATIC_CSS} is missing: run npm ci && npm run build", pytrace=False)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context for each test, pointed at the live server."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


# --- CI runs everything ---------------------------------------------------------


def pytest_sessionfinish(session, exitstatus):
    """In CI (CI set) a skipped test fails the run: nothing may be left out there."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) were skipped; failing the run.", red=True)
        session.exitstatus = 1
    # The whole suite ran: every email must have been rendered by some test, with the
    # invalid-variable check on (a new email without a test fails here).
    given = session.config.invocation_params.args
    whole_suite = not [arg for arg in given if not arg.startswith("-")] and not (
        session.config.option.keyword or session.config.option.markexpr
    )
    if whole_suite and session.exitstatus == 0:
        from tests.template_checks import emails_never_rendered

        missing = sorted(emails_never_rendered())
        if missing:
            reporter.write_line(f"CI: emails no test renders: {', '.join(missing)}", red=True)
            session.exitstatus = 1


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block queued for after commit (emails), as in
    production; tests otherwise run inside a transaction that never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
