"""Peerakeet settings: environment only. `.env.example` lists every variable.

PEERAKEET_ENV=development (the default) is the demo and the test suite: DEBUG on, secrets made
into var/ with 0600 permissions. PEERAKEET_ENV=production refuses to start on an unsafe value
and names it (see peerakeet/lib/production.py).
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from peerakeet.lib.env import envbool, envint, envlist, envsecret, envstr, local_secret
from peerakeet.lib.meeting_links import DEFAULT_HOSTS as MEETING_SERVICE_HOSTS
from peerakeet.lib.push_endpoints import DEFAULT_HOSTS as PUSH_SERVICE_HOSTS
from peerakeet.lib.redis_cache import caches_for
from peerakeet.lib.vapid import new_private_key, public_key_of
from zoom import scopes as zoom_scopes

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("PEERAKEET_VAR_DIR", str(BASE_DIR / "var")))

PEERAKEET_ENV = envstr("PEERAKEET_ENV", "development")
PRODUCTION = PEERAKEET_ENV == "production"
DEBUG = envbool("DEBUG", not PRODUCTION)

SECRET_KEY = envsecret("SECRET_KEY") or ("" if PRODUCTION else local_secret(VAR_DIR / "secret_key"))

PEERAKEET_BASE_URL = envstr("PEERAKEET_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", PEERAKEET_BASE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # ships the API docs page's Swagger UI files (served by us: offline, CSP-clean)
    "peerakeet",
    "accounts",
    "zoom",
    "scheduling",
    "api",
    "booking",
    "push",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",  # after messages: it says why you were signed out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "peerakeet.middleware.ProductNotFoundMiddleware",  # the product's 404 page under DEBUG too
    # django-axes must come last: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peerakeet.urls"
WSGI_APPLICATION = "peerakeet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

# --- Database: a SQLite file by default, PostgreSQL (or any) through DATABASE_URL -------------
_DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'peerakeet.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        # Reuse connections on PostgreSQL (health-checked): a new one per request and per worker
        # loop costs more than the query it serves.
        conn_max_age=envint(
            "DATABASE_CONN_MAX_AGE", 0 if _DATABASE_URL.startswith("sqlite") else 60
        ),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the task worker share the file: wait for the write lock instead of
    # failing at once, and take it at the start of each transaction (no upgrade deadlocks).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory: live_server threads and the worker share it. One per test process,
    # so parallel runs never share a file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Web sessions end after this long without a request (shared devices), unless "Remember this
# device" was ticked at sign-in: then they last SESSION_REMEMBER_DAYS.
SESSION_IDLE_TIMEOUT_MINUTES = envint("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_REMEMBER_DAYS = envint("SESSION_REMEMBER_DAYS", 30)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "scheduling:schedule"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in throttling (django-axes): five failures for one email from one address lock it for
# fifteen minutes, and so do five for one email from any number of addresses (a password guessed
# from many machines). The cost, accepted: whoever knows an address can lock its sign-in for
# fifteen minutes; a password reset still works meanwhile.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
# The sign-in form (and authenticate()) call the email "username"; axes must look there.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# How many proxies append to X-Forwarded-For in front of us (0: none, REMOTE_ADDR is the client).
# Production refuses BEHIND_TLS_PROXY without it, or it without BEHIND_TLS_PROXY.
AXES_IPWARE_PROXY_COUNT = envint("AXES_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.throttles.request_ip"
# Password-reset emails: per address and per client address, per hour. Answered the same when
# over (no oracle); counted in the default cache (production: a shared one, such as Redis).
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = envint("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", 3)
PASSWORD_RESET_PER_IP_PER_HOUR = envint("PASSWORD_RESET_PER_IP_PER_HOUR", 20)
# Sign-up, verification and invitation emails to one address, per hour.
ACCOUNT_EMAILS_PER_ADDRESS_PER_HOUR = envint("ACCOUNT_EMAILS_PER_ADDRESS_PER_HOUR", 5)

# --- Shared cache and sessions (issue 20; docs/operations.md, docs/reliability.md) -----------
# REDIS_URL (e.g. redis://127.0.0.1:6379/0) makes Redis the default cache: API rate limits,
# sign-in and email throttles and meeting-retry limits are then counted once for every process,
# and web sessions are cached there in front of the database (cached_db: a flushed Redis signs
# nobody out). Without it, each process counts in its own memory and sessions live in the
# database alone: fine for development and one web process. Production refuses to start without
# it when WEB_PROCESSES (every process serving requests, over every machine) is more than one.
REDIS_URL = envsecret("REDIS_URL")  # secret: it may carry Redis's password
WEB_PROCESSES = envint("WEB_PROCESSES", 1)
if REDIS_URL:
    CACHES = caches_for(
        REDIS_URL,
        key_prefix=envstr("REDIS_KEY_PREFIX", "peerakeet"),
        connect_timeout=float(envstr("REDIS_CONNECT_TIMEOUT", "0.25")),
        timeout=float(envstr("REDIS_TIMEOUT", "0.5")),
    )
    SESSION_ENGINE = "peerakeet.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Email: the console in the demo, SMTP when EMAIL_HOST is set --------------------------
EMAIL_HOST = envstr("EMAIL_HOST")
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
# Without a timeout, a mail server that accepts and never answers holds a task worker forever, and
# the Zoom work queued behind it waits too. A timed-out email is retried later.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Peerakeet <no-reply@peerakeet.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation: stored in UTC, shown in each viewer's time zone -------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Background work: django-tasks with the database backend ----------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Zoom ----------------------------------------------------------------------------------
ZOOM_CLIENT_ID = envstr("ZOOM_CLIENT_ID", "" if PRODUCTION else "peerakeet-demo-client")
ZOOM_CLIENT_SECRET = envsecret(
    "ZOOM_CLIENT_SECRET",
    "" if PRODUCTION else local_secret(VAR_DIR / "zoom_emulator_client_secret"),
)
ZOOM_WEBHOOK_SECRET_TOKEN = envsecret(
    "ZOOM_WEBHOOK_SECRET_TOKEN",
    "" if PRODUCTION else local_secret(VAR_DIR / "zoom_emulator_webhook_secret"),
)
ZOOM_OAUTH_URL = envstr("ZOOM_OAUTH_URL", "https://zoom.us").rstrip("/")
ZOOM_API_URL = envstr("ZOOM_API_URL", "https://api.zoom.us/v2").rstrip("/")
ZOOM_REDIRECT_URI = envstr("ZOOM_REDIRECT_URI", f"{PEERAKEET_BASE_URL}/integrations/zoom/callback")
# What the app asks Zoom for: only what Peerakeet uses (zoom-api.md §1, "Scopes"), no chat,
# contacts or recordings. Each need and the classic scope that also covers it: zoom/scopes.py.
ZOOM_SCOPES = list(zoom_scopes.REQUESTED)
ZOOM_HTTP_TIMEOUT = float(envstr("ZOOM_HTTP_TIMEOUT", "10"))
ZOOM_WEBHOOK_MAX_AGE = envint("ZOOM_WEBHOOK_MAX_AGE", 300)  # seconds


def _dev_token_key() -> str:
    return "dev1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


# "id:base64key,id:base64key": the first encrypts, every one decrypts (rotation).
PEERAKEET_TOKEN_KEYS = envsecret(
    "PEERAKEET_TOKEN_KEYS",
    "" if PRODUCTION else local_secret(VAR_DIR / "token_keys", _dev_token_key),
)

# --- Scheduling ----------------------------------------------------------------------------
JOIN_WINDOW_MINUTES_BEFORE = envint("JOIN_WINDOW_MINUTES_BEFORE", 15)
# Manual meeting links must point at one of these hosts or a subdomain of one
# (peerakeet/lib/meeting_links.py): a Join from Peerakeet never leads to a lookalike page.
MANUAL_LINK_HOSTS = envlist("MANUAL_LINK_HOSTS", ",".join(MEETING_SERVICE_HOSTS))

# Booking: the topics a peer's profile can name (Find a peer filters by them).
BOOKING_FOCUS_AREAS = envlist(
    "BOOKING_FOCUS_AREAS",
    "Recovery,Anxiety and stress,Grief and loss,Family and relationships,Work and study,"
    "Identity and belonging",
)

# --- Web Push (push/): VAPID keys (RFC 8292) -------------------------------------------------
# Development makes a key pair under var/ on first use; production must set both keys and the
# subject (peerakeet/lib/production.py). Push services see the subject: a mailto: of operators.
WEBPUSH_VAPID_PRIVATE_KEY = envsecret(
    "WEBPUSH_VAPID_PRIVATE_KEY",
    "" if PRODUCTION else local_secret(VAR_DIR / "webpush_vapid_private_key", new_private_key),
)
WEBPUSH_VAPID_PUBLIC_KEY = envstr(
    "WEBPUSH_VAPID_PUBLIC_KEY",
    "" if PRODUCTION else public_key_of(WEBPUSH_VAPID_PRIVATE_KEY),
)
WEBPUSH_VAPID_SUBJECT = envstr(
    "WEBPUSH_VAPID_SUBJECT", "" if PRODUCTION else "mailto:operators@peerakeet.com"
)
# Seconds per request to a push service: a slow one holds a worker no longer than this.
WEBPUSH_TIMEOUT = float(envstr("WEBPUSH_TIMEOUT", "5"))
# The push services a subscription's endpoint may be on (peerakeet/lib/push_endpoints.py): the
# workers POST to it, so never an address inside our network. Development and the tests add the
# tests' push receiver on this machine ("http://127.0.0.1"); production refuses such an entry.
WEBPUSH_ALLOWED_HOSTS = envlist(
    "WEBPUSH_ALLOWED_HOSTS",
    ",".join(PUSH_SERVICE_HOSTS + (() if PRODUCTION else ("http://127.0.0.1",))),
)

# --- Security ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_FAILURE_VIEW = "peerakeet.views.csrf_failure"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else envint("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin-allow-popups"
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        # The installable app: its service worker and manifest, from this site only.
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
        # The same-tab Connect fallback is a form POST answered by a redirect to Zoom.
        "form-action": [SELF, ZOOM_OAUTH_URL],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        # httpx logs every request URL at INFO; ours carry no secrets, but keep the noise down.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# --- JSON API (api/, docs/api.md) ------------------------------------------------------------
API_TOKEN_TTL_DAYS = envint("API_TOKEN_TTL_DAYS", 30)
# Per token. Counted in the default cache: shared by every process when REDIS_URL is set.
API_RATE_LIMIT_PER_MINUTE = envint("API_RATE_LIMIT_PER_MINUTE", 120)
# New tokens per account per hour: the per-token limit means nothing if tokens are free.
API_TOKENS_PER_ACCOUNT_PER_HOUR = envint("API_TOKENS_PER_ACCOUNT_PER_HOUR", 10)

if PRODUCTION:
    from peerakeet.lib.production import check_production_settings

    check_production_settings(globals())
