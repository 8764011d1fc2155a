"""Settings are read from the environment, and a bad value stops start-up with its name."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

# Everything the settings module reads, so the parent's values never leak in.
SETTINGS_VARIABLES = {
    "DEBUG",
    "STRICT_TEMPLATES",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SERVICE_NAME",
    "SITE_URL",
    "DATABASE_URL",
    "DB_CONN_MAX_AGE",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "ADMIN_REQUIRE_MFA",
    "STATIC_MANIFEST",
    "STATIC_ROOT",
    "WHITENOISE_USE_FINDERS",
    "MEDIA_ROOT",
    "STORAGE_BACKEND",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_DEFAULT_ACL",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "DEFAULT_FROM_EMAIL",
    "SCHEME_INBOX_EMAIL",
    "CELERY_TASK_ALWAYS_EAGER",
    "HTTPS_ONLY",
    "SESSION_IDLE_MINUTES",
    "LOG_LEVEL",
    "TRUSTED_PROXY_COUNT",
    "TRUSTED_CLIENT_IP_HEADER",
    "DJANGO_SETTINGS_MODULE",
}

PRINT_SETTINGS = """
import json
import mentoring.settings as s
print(json.dumps({
    "database_engine": s.DATABASES["default"]["ENGINE"],
    "database_name": s.DATABASES["default"]["NAME"],
    "cache_backend": s.CACHES["default"]["BACKEND"],
    "cache_location": s.CACHES["default"].get("LOCATION"),
    "broker": s.CELERY_BROKER_URL,
    "email_backend": s.EMAIL_BACKEND,
    "anymail": s.ANYMAIL,
    "time_zone": s.TIME_ZONE,
    "use_tz": s.USE_TZ,
    "debug": s.DEBUG,
}))
"""

TEST_SECRET = "settings-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


def base_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SETTINGS_VARIABLES and not key.startswith(("ANYMAIL_", "CELERY_"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_settings(code: str, **variables: str | None) -> subprocess.CompletedProcess:
    env = base_env()
    env.update({"SECRET_KEY": TEST_SECRET})
    for key, value in variables.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(**variables: str | None) -> dict:
    result = run_settings(PRINT_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_defaults_need_no_services():
    values = load_settings()

    assert values["database_engine"] == "django.db.backends.sqlite3"
    assert values["cache_backend"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["broker"] == "filesystem://"
    assert values["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert values["debug"] is False


def test_time_zone_is_london_and_aware():
    values = load_settings()

    assert values["time_zone"] == "Europe/London"
    assert values["use_tz"] is True


def test_a_debug_value_that_is_not_a_boolean_stops_start_up_naming_debug():
    result = run_settings("import mentoring.settings", DEBUG="maybe")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG must be true or false" in result.stderr
    assert "'maybe'" in result.stderr


def test_a_true_debug_value_is_accepted():
    result = run_settings("import mentoring.settings as s; print(s.DEBUG)", DEBUG="yes")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_a_missing_secret_key_stops_start_up_when_debug_is_off():
    result = run_settings("import mentoring.settings", SECRET_KEY=None, DEBUG="false")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_a_missing_secret_key_is_allowed_for_local_development():
    result = run_settings("import mentoring.settings", SECRET_KEY=None, DEBUG="true")

    assert result.returncode == 0, result.stderr


def test_a_whole_number_setting_that_is_not_a_number_names_the_variable():
    result = run_settings("import mentoring.settings", EMAIL_PORT="twenty-five")

    assert result.returncode != 0
    assert "EMAIL_PORT must be a whole number" in result.stderr


def test_database_url_switches_to_postgresql():
    values = load_settings(DATABASE_URL="postgres://mentoring:secret@db.example:5432/mentoring")

    assert values["database_engine"] == "django.db.backends.postgresql"
    assert values["database_name"] == "mentoring"


def test_redis_url_switches_the_cache_and_the_celery_broker_to_redis():
    redis_url = "redis://redis.example:6379/0"

    values = load_settings(REDIS_URL=redis_url)

    assert values["cache_backend"] == "mentoring.cache.FallbackRedisCache"
    assert values["cache_location"] == redis_url
    assert values["broker"] == redis_url


PRINT_OUTAGE_SETTINGS = """
import json
import mentoring.settings as s
print(json.dumps({
    "cache_options": s.CACHES["default"].get("OPTIONS", {}),
    "broker_connection_timeout": s.CELERY_BROKER_CONNECTION_TIMEOUT,
    "broker_transport_options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
}))
"""


def test_with_redis_a_dead_redis_costs_a_page_at_most_about_a_second():
    result = run_settings(PRINT_OUTAGE_SETTINGS, REDIS_URL="redis://redis.example:6379/0")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])

    assert values["cache_options"] == {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
    assert values["broker_connection_timeout"] == 1
    assert values["broker_transport_options"] == {
        "max_retries": 0,
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }


PRINT_DATABASE_OPTIONS = """
import json
import mentoring.settings as s
print(json.dumps(s.DATABASES["default"].get("OPTIONS", {})))
"""


def database_options(**variables: str | None) -> dict:
    result = run_settings(PRINT_DATABASE_OPTIONS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_writes_take_the_lock_when_they_start_and_wait_for_it():
    assert database_options() == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }


def test_postgresql_takes_none_of_the_sqlite_options():
    options = database_options(DATABASE_URL="postgres://mentoring@db.example:5432/mentoring")

    assert options == {}


PRINT_CLIENT_ADDRESS = """
import json
import mentoring.settings as s
print(json.dumps([s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER]))
"""


def client_address_settings(**variables: str | None) -> list:
    result = run_settings(PRINT_CLIENT_ADDRESS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_by_default_no_proxy_is_trusted_and_x_forwarded_for_is_ignored():
    assert client_address_settings() == [0, None]


def test_a_trusted_proxy_count_or_a_client_address_header_is_read():
    assert client_address_settings(TRUSTED_PROXY_COUNT="1") == [1, None]
    assert client_address_settings(TRUSTED_CLIENT_IP_HEADER="X-Real-IP") == [0, "X-Real-IP"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"TRUSTED_PROXY_COUNT": "one"}, "TRUSTED_PROXY_COUNT must be a whole number"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be 0 (no proxy) to 10"),
        ({"TRUSTED_CLIENT_IP_HEADER": "X Real IP"}, "TRUSTED_CLIENT_IP_HEADER must be a header"),
        (
            {"TRUSTED_PROXY_COUNT": "1", "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"},
            "Set TRUSTED_PROXY_COUNT or TRUSTED_CLIENT_IP_HEADER, not both",
        ),
    ],
)
def test_a_client_address_setting_that_cannot_be_right_stops_start_up(variables, message):
    result = run_settings("import mentoring.settings", **variables)

    assert result.returncode != 0
    assert message in result.stderr


def test_an_anymail_esp_name_selects_its_backend_and_reads_its_keys():
    values = load_settings(EMAIL_BACKEND="mailgun", ANYMAIL_MAILGUN_API_KEY="key-123")

    assert values["email_backend"] == "anymail.backends.mailgun.EmailBackend"
    assert values["anymail"] == {"MAILGUN_API_KEY": "key-123"}


def test_an_email_backend_that_is_not_a_name_stops_start_up():
    result = run_settings("import mentoring.settings", EMAIL_BACKEND="../../evil")

    assert result.returncode != 0
    assert "EMAIL_BACKEND" in result.stderr
