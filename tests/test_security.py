"""Security headers and settings: the deploy check, the Content Security Policy, cookies,
clickjacking, idle sessions, admin log-in limits and how uploaded photos are served.

The CSP tests need django-csp's middleware and CONTENT_SECURITY_POLICY in
mentoring/settings.py (see CSP_DIRECTIVES below for the policy).
"""

import datetime
import json
import os
import re
import subprocess
import sys

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD
from tests.test_pages import LOGIN_URL, give_photo, login_redirect
from tests.test_settings import TEST_SECRET, base_env, run_settings

# The policy, as the scheme asked for it: nothing inline but the one script with
# the nonce, the NHS font from assets.nhs.uk, data: images for the TOTP QR code.
CSP_DIRECTIVES = {
    "default-src": {"'self'"},
    "script-src": {"'self'", "'nonce-*'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'", "https://assets.nhs.uk"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}
INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)


def parse_csp(header: str) -> dict[str, set[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *values = directive.split()
        policy[name] = set(values)
    return policy


def header_nonce(response) -> str:
    policy = parse_csp(response["Content-Security-Policy"])
    [nonce] = [v for v in policy["script-src"] if v.startswith("'nonce-")]
    return nonce.removeprefix("'nonce-").removesuffix("'")


def inline_scripts(html: str) -> list[str]:
    """The attributes of every <script> without a src (the ones a CSP must allow by nonce)."""
    return [m["attrs"] for m in INLINE_SCRIPT.finditer(html) if "src=" not in m["attrs"]]


# --- The deploy check and production settings ---------------------------------------------


def test_deploy_check_with_production_settings_prints_no_warning():
    env = base_env()
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # tests only; the deploy check rightly refuses it
    env.update(
        {
            "SECRET_KEY": TEST_SECRET,
            "ALLOWED_HOSTS": "mentoring.example.nhs.uk",
            "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        }
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PRINT_SECURITY = """
import importlib
import json
import os
s = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
policy = getattr(s, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
print(json.dumps({
    "hsts": [s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD],
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "cookies_secure": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
    "session_httponly": s.SESSION_COOKIE_HTTPONLY,
    "x_frame_options": s.X_FRAME_OPTIONS,
    "nosniff": s.SECURE_CONTENT_TYPE_NOSNIFF,
    "csp_middleware": "csp.middleware.CSPMiddleware" in s.MIDDLEWARE,
    "csp": {k: sorted(str(v) for v in vs) for k, vs in policy.items()},
}))
"""


def test_production_settings_turn_on_hsts_secure_cookies_and_the_policy():
    result = run_settings(
        PRINT_SECURITY,
        DEBUG=None,
        HTTPS_ONLY=None,
        DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"],
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])

    assert values["hsts"] == [31_536_000, True, True]
    assert values["ssl_redirect"] is True
    assert values["cookies_secure"] == [True, True]
    assert values["session_httponly"] is True
    assert values["x_frame_options"] == "DENY"
    assert values["nosniff"] is True
    assert values["csp_middleware"] is True
    expected = {
        name: sorted(v.replace("'nonce-*'", "csp.constants.NONCE") for v in values_)
        for name, values_ in CSP_DIRECTIVES.items()
    }
    assert values["csp"] == expected


def test_hsts_header_is_sent_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get(reverse("home"), secure=True)

    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


# --- Content Security Policy ----------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["home", "account_login", "dashboard"])
def test_pages_send_the_content_security_policy(client, mentee, url_name):
    if url_name == "dashboard":
        client.force_login(mentee)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    policy = parse_csp(response["Content-Security-Policy"])
    nonce = header_nonce(response)
    assert policy == {
        name: {v.replace("'nonce-*'", f"'nonce-{nonce}'") for v in values}
        for name, values in CSP_DIRECTIVES.items()
    }
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("url_name", ["home", "account_login"])
def test_the_one_inline_script_carries_the_nonce_of_the_header(client, db, url_name):
    """Our Jinja pages and allauth's pages (inside the same layout) alike."""
    response = client.get(reverse(url_name))

    scripts = inline_scripts(response.content.decode())
    assert scripts == [f' nonce="{header_nonce(response)}"']


def test_every_response_has_a_new_nonce(client, db):
    first = header_nonce(client.get(reverse("home")))
    second = header_nonce(client.get(reverse("home")))

    assert first != second
    assert len(first) >= 16


@pytest.mark.browser
def test_scripts_run_under_the_policy_and_nothing_is_blocked(page, scheme_admin):
    """The nonce'd script marks the page as JavaScript-capable; the TOTP QR code (a data:
    image) shows; the browser reports no Content Security Policy violation."""
    EmailAddress.objects.create(user=scheme_admin, email=scheme_admin.email, verified=True)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/")
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bnhsuk-frontend-supported\b"))

    page.goto(reverse("account_login"))
    page.locator("[name='login']").fill(scheme_admin.email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='login']) [type='submit']").click()
    page.wait_for_url("**/dashboard/")
    page.goto(reverse("mfa_activate_totp"))
    if page.locator("h1").inner_text().startswith("Confirm"):  # allauth asks for the password
        page.locator("[name='password']").fill(TEST_PASSWORD)
        page.locator("form:has([name='password']) [type='submit']").click()
    qr_code = page.locator("img[src^='data:']")
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate(
        "img => img.complete ? img.naturalWidth > 0"
        " : new Promise(done => {img.onload = () => done(img.naturalWidth > 0);})"
    )

    assert violations == []


# --- Clickjacking, cookies ---------------------------------------------------------------------


def test_pages_may_not_be_framed(client, db):
    response = client.get(reverse("home"))

    assert response["X-Frame-Options"] == "DENY"
    assert parse_csp(response["Content-Security-Policy"])["frame-ancestors"] == {"'none'"}


def test_the_session_cookie_is_out_of_reach_of_scripts(client, mentee):
    client.post(reverse("account_login"), {"login": mentee.email, "password": TEST_PASSWORD})

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


# --- Sessions expire after inactivity ---------------------------------------------------------


def test_a_session_expires_after_the_idle_time_and_each_request_renews_it(client, mentee):
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert idle == datetime.timedelta(minutes=60)  # SESSION_IDLE_MINUTES' default
    start = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
    dashboard = reverse("dashboard")

    with time_machine.travel(start, tick=False) as clock:
        client.post(reverse("account_login"), {"login": mentee.email, "password": TEST_PASSWORD})
        assert client.get(dashboard).status_code == 200

        clock.shift(idle - datetime.timedelta(minutes=1))
        assert client.get(dashboard).status_code == 200  # renews the session

        clock.shift(idle - datetime.timedelta(minutes=1))
        assert client.get(dashboard).status_code == 200  # two idle periods in all, still in

        clock.shift(idle + datetime.timedelta(minutes=1))
        response = client.get(dashboard)

    assert login_redirect(response) == (LOGIN_URL, {"next": [dashboard]})


# --- Admin: staff only, through our rate-limited log-in ----------------------------------------


def test_admin_log_in_goes_through_our_rate_limited_log_in_page(client, scheme_admin):
    response = client.get("/admin/login/", {"next": "/admin/"})
    assert login_redirect(response) == (LOGIN_URL, {"next": ["/admin/"]})

    for _ in range(5):
        client.post(LOGIN_URL, {"login": scheme_admin.email, "password": "not-the-password"})
    response = client.post(LOGIN_URL, {"login": scheme_admin.email, "password": TEST_PASSWORD})

    assert response.status_code in {200, 429}  # refused, even with the right password
    assert "_auth_user_id" not in client.session


# --- Uploaded files are never served as something a browser would run -------------------------


@pytest.fixture
def photo_pk(mentor):
    give_photo(mentor.mentor_profile)
    return mentor.mentor_profile.pk


@pytest.mark.parametrize("size", ["small", "large"])
def test_photos_are_served_as_jpeg_with_nosniff_and_inline(client, mentee, photo_pk, size):
    client.force_login(mentee)

    response = client.get(reverse("mentor_photo", args=[photo_pk, size]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"


def test_a_stored_file_named_like_a_web_page_is_still_served_as_an_image(client, mentee, mentor):
    """The type never comes from the file's name or content."""
    profile = mentor.mentor_profile
    profile.photo.save("evil.html", ContentFile(b"<script>alert(1)</script>"))
    client.force_login(mentee)

    response = client.get(reverse("mentor_photo", args=[profile.pk, "large"]))

    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_media_folder_is_not_served(client, mentee, mentor, photo_pk):
    client.force_login(mentee)
    name = mentor.mentor_profile.photo.name

    response = client.get(f"{settings.MEDIA_URL}{name}")

    assert response.status_code == 404
