"""One settings module, read from the environment.

The defaults run with no services at all: SQLite, a local-memory cache and
Celery's filesystem transport. DATABASE_URL and REDIS_URL switch to
PostgreSQL and Redis. A value that cannot be understood stops start-up with a
message naming the variable, rather than being silently replaced.
"""

import os
import re
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = "local-development-only-not-secret"  # noqa: S105 - only with DEBUG

# Each partnership's private notes have a key of their own, stored encrypted (wrapped)
# by this Fernet key (several, comma-separated, to rotate: the first wraps, every one
# unwraps; manage.py rewrap_notes_keys moves every key to the first). Empty: a key
# derived from SECRET_KEY, so changing SECRET_KEY would make old notes unreadable;
# set a key of its own in production.
NOTES_ENCRYPTION_KEY = env_str("NOTES_ENCRYPTION_KEY")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SERVICE_NAME = env_str("SERVICE_NAME", "Peer mentoring for returning trainees")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "anymail",
    "mentoring.outbox",
    "scheme",
    "accounts",
    "register",
    "requests_app",
    "privacy",
    "reports",
]

MIDDLEWARE = [
    # /health/ for load balancers: before the HTTPS redirect, host check and log-in.
    "mentoring.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses pages on their way out, after every middleware below has finished
    # with them; static files are answered (pre-compressed) by WhiteNoise above.
    "mentoring.compression.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Saves a session at most once a minute, which keeps it alive: the idle time-out.
    "mentoring.sessions.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: a view is public only when marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AdminTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "mentoring.urls"
# Templates raise on an undefined name (tests and development); in production they
# log it as an error and render the blank rather than show a person an error page.
STRICT_TEMPLATES = env_bool("STRICT_TEMPLATES", DEBUG)
WSGI_APPLICATION = "mentoring.wsgi.application"

TEMPLATES = [
    {
        # Our own pages: NHS.UK components from the nhsuk-frontend-jinja macros.
        # It comes first, so it also draws allauth's elements
        # (templates/jinja2/allauth/elements/): allauth renders each {% element %}
        # with render_to_string, which takes the first engine that has the template.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "mentoring.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "mentoring.context_processors.service",
            ],
        },
    },
    {
        # allauth's pages and layouts and Django admin stay Django templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentoring.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. A write transaction takes the lock when it
    # starts (IMMEDIATE), where SQLite can wait for it, rather than half-way, where it
    # gives up with "database is locked"; it waits up to 20 seconds. WAL lets pages
    # read while someone writes.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache that serves calls from a local-memory cache in each
            # process while Redis is unreachable, so pages and log-in keep working.
            "BACKEND": "mentoring.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "mentoring"),
            # Seconds: Redis answers in well under a millisecond when it is up.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, reading the session's user with their profiles in one query.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# allauth: email is the login; addresses must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Sign-up takes as long whether or not the address has an account (accounts/signup.py).
ACCOUNT_FORMS = {
    "signup": "accounts.signup.SignupForm",
    "add_email": "accounts.forms.AddEmailForm",
}
# Rate limits are allauth's defaults, made explicit; they need a shared cache
# (Redis) when more than one web process runs.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    # Ours, kept with allauth's: POSTs of the public bio form per address (a trust's
    # whole network may share one), read by register.mentor_views.submit_bio.
    "submit_bio": "20/h/ip",
}
# The per-address limits need the client's own address. Behind proxies of the scheme's
# own (a TLS terminator, a load balancer), TRUSTED_PROXY_COUNT says how many of them
# append to X-Forwarded-For, and the address that many from its end is the client's.
# 0 uses the connecting address and ignores the header, which any client can forge.
# Alternatively TRUSTED_CLIENT_IP_HEADER names a header that the proxy sets itself,
# replacing whatever the client sent (X-Real-IP with nginx, CF-Connecting-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if not 0 <= ALLAUTH_TRUSTED_PROXY_COUNT <= 10:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT must be 0 (no proxy) to 10, not {ALLAUTH_TRUSTED_PROXY_COUNT}."
    )
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER").strip() or None
if ALLAUTH_TRUSTED_CLIENT_IP_HEADER is not None:
    if not re.fullmatch(r"[A-Za-z0-9-]+", ALLAUTH_TRUSTED_CLIENT_IP_HEADER):
        raise ImproperlyConfigured(
            "TRUSTED_CLIENT_IP_HEADER must be a header name such as X-Real-IP, "
            f"not {ALLAUTH_TRUSTED_CLIENT_IP_HEADER!r}."
        )
    if ALLAUTH_TRUSTED_PROXY_COUNT:
        raise ImproperlyConfigured(
            "Set TRUSTED_PROXY_COUNT or TRUSTED_CLIENT_IP_HEADER, not both: "
            "with the header, X-Forwarded-For is not read."
        )
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SERVICE_NAME
# Scheme admins must use two-factor authentication to reach Django admin.
ADMIN_REQUIRE_MFA = env_bool("ADMIN_REQUIRE_MFA", not DEBUG)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Photos and bulk-upload staging: local disk (MEDIA_ROOT) by default; a private
# S3-compatible bucket once several machines must share them. Objects are never
# public: photos are served by a view that checks who asks.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "filesystem").strip().lower()
if STORAGE_BACKEND == "filesystem":
    _MEDIA_STORAGE: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("Set AWS_STORAGE_BUCKET_NAME when STORAGE_BACKEND is s3.")
    # "none" sends no ACL at all, for buckets with ACLs disabled (private to the
    # owning account); a public ACL is never accepted.
    _acl = env_str("AWS_DEFAULT_ACL", "private").strip().lower()
    if _acl not in {"private", "none"}:
        raise ImproperlyConfigured(f"AWS_DEFAULT_ACL must be private or none, not {_acl!r}.")
    _MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        # Keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when set,
        # otherwise from boto3's own chain (an instance or task role).
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "default_acl": None if _acl == "none" else _acl,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(
        f"STORAGE_BACKEND must be filesystem or s3, not {STORAGE_BACKEND!r}."
    )
STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "mentoring.static_storage.ManifestStaticStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
# Uploaded photos are private (logged-in users only) and are served by a view,
# never straight from this folder.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"

# Email: "console" prints messages; "smtp" uses EMAIL_HOST/EMAIL_PORT (the
# mail catcher in docker compose); any other value is an anymail ESP name such
# as "amazon_ses", "mailgun", "postmark" or "sendgrid", configured by the
# ANYMAIL_* variables (ANYMAIL_MAILGUN_API_KEY=... becomes MAILGUN_API_KEY).
EMAIL_BACKEND_NAME = env_str("EMAIL_BACKEND", "console")
if EMAIL_BACKEND_NAME == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_BACKEND_NAME == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif EMAIL_BACKEND_NAME == "locmem":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif EMAIL_BACKEND_NAME.replace("_", "").isalnum():
    EMAIL_BACKEND = f"anymail.backends.{EMAIL_BACKEND_NAME}.EmailBackend"
else:
    raise ImproperlyConfigured(f"EMAIL_BACKEND {EMAIL_BACKEND_NAME!r} is not understood.")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# Seconds one provider call may take (SMTP and anymail's HTTP APIs): well within the
# outbox's margin before a sender's claim on its batch runs out.
EMAIL_TIMEOUT = 30
ANYMAIL_REQUESTS_TIMEOUT = EMAIL_TIMEOUT
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Peer mentoring <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SCHEME_INBOX_EMAIL = env_str("SCHEME_INBOX_EMAIL", "scheme-team@localhost")

# Celery: Redis when REDIS_URL is set, otherwise a broker in local folders so a
# first run needs no service. Tasks are queued after the transaction commits.
CELERY_DATA_DIR = BASE_DIR / "var" / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A page that queues a task must not hang while Redis is down: one connection
    # attempt of at most a second (kombu's default retries for about 6 seconds), and
    # reads that give up after a second on a connection that went silent.
    CELERY_BROKER_CONNECTION_TIMEOUT = 1
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "max_retries": 0,
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
    # .delay() retries a failed publish once, at once.
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")

# Security. HTTPS_ONLY is on unless DEBUG; turn it off only to try the
# production settings over plain http on one's own machine.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script: the one script nhsuk-frontend's page template prints carries a
# nonce. data: images are allauth's two-factor QR code; the NHS font is served
# by assets.nhs.uk.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "https://assets.nhs.uk"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
# Browser features the service never uses are switched off for it and for anything
# it might embed. Passkeys are off too (two-factor is TOTP and recovery codes):
# allow "publickey-credentials-*" for "self" if MFA_SUPPORTED_TYPES gains webauthn.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
SESSION_COOKIE_HTTPONLY = True
# The age counts from the session's last save, which mentoring.sessions makes at most
# once a minute while the person is active: an idle time-out without a write per request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 60) * 60

DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
