"""Redraft settings: one module, configured by the environment.

Without any environment the project runs as a local demo (DEBUG on, SQLite file under
``var/``). Production sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and usually
``DATABASE_URL``; the security settings below follow ``DEBUG`` so that
``manage.py check --deploy`` is clean in production.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REDRAFT_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    # Demo and test only: a production deployment (DEBUG off) refuses to start without one.
    SECRET_KEY = "django-insecure-redraft-demo-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "guidelines",
    "positions",
    "amendments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app servers themselves (hashed, compressed, cached forever);
    # right after SecurityMiddleware so they get its headers and skip the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "positions.accounts.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # After authentication and the other middleware, as django-axes asks: it turns a
    # locked-out login into the lockout page on the way out.
    "axes.middleware.AxesMiddleware",
    # Last, so that its 413 still gets the headers above; before any view reads the body.
    "config.limits.request_body_limit",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "guidelines.context_processors.roles",
                "amendments.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite is the zero-set-up default; PostgreSQL through DATABASE_URL. SQLite ignores
# select_for_update, so its transactions take the write lock when they begin
# (IMMEDIATE): a read-check-write service then cannot interleave with another writer.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'redraft.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Axes first: it refuses a locked-out user name before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): 5 wrong passwords for one user name from one address
# lock that pair for 15 minutes (HTTP 429, registration/locked_out.html); another address
# or another user name is not locked, and a successful login clears the count. The
# address is REMOTE_ADDR (behind a reverse proxy, the server must pass the client's).
# `python manage.py axes_reset` lifts every lock (axes_reset_username USER for one).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "positions.accounts.lockout_response"  # translated page, HTTP 429
# Behind `make serve`'s reverse proxy every request comes from 127.0.0.1: without the
# client's address the lock would be per user name for everyone (anyone could lock anyone
# out). TRUSTED_PROXIES lists the proxies' addresses (127.0.0.1 for a proxy on the same
# host): from them, the client is the last X-Forwarded-For entry, the one the proxy
# appended (nginx: proxy_add_x_forwarded_for). Empty (the default): REMOTE_ADDR.
REDRAFT_TRUSTED_PROXIES = frozenset(env_list("TRUSTED_PROXIES", ""))
AXES_CLIENT_IP_CALLABLE = "positions.accounts.client_address"

# Two-factor authentication (django-otp, TOTP): open to everyone from
# /accounts/two-factor/, required of the secretariat and of staff (positions/accounts.py).
OTP_TOTP_ISSUER = "Redraft"
# The admin may remove a lost authenticator, never read one: no TOTP key, QR code or
# backup code of anyone is shown there (django-otp shows them by default).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "dashboard"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"  # UNESCO meetings are held in Paris; datetimes are stored in UTC
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
if not DEBUG:
    # Production (`make serve` runs collectstatic first): hashed names, so WhiteNoise
    # sends them with a far-future cache header, and gzip/brotli copies.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        },
    }
    # Source maps (megabytes, for the API documentation's bundles) are for developers'
    # tools: compressing them (brotli at its best) was most of collectstatic's time.
    WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
        *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br"),
        *("woff", "woff2", "mp4", "webm", "map"),
    )

# Security: strict whenever DEBUG is off (production).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy on every response: scripts and styles from this server's static
# files only (htmx too), no inline script, style or handler anywhere, no plugin, no
# framing, forms post only here. tests/test_csp.py parses every page for
# inline code and a browser test records any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    }
}

# Request bodies: a form posts a few kB; the largest upload is a Word file (at most
# guidelines.wordfiles.MAX_FILE_BYTES, 20 MB), which Django streams to a temporary file
# above FILE_UPLOAD_MAX_MEMORY_SIZE. config.limits refuses (413) from the Content-Length
# a multipart body over that file's limit and any other body (a form, an API call) over
# DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000  # the consolidation form names one field per conflict
DATA_UPLOAD_MAX_NUMBER_FILES = 1

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# The SMTP relay of a production host (Django's defaults: localhost:25, no login).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Word diffs give up after this many seconds and fall back to a coarser diff; their
# results are cached by the pair of text hashes (never stale: new text, new key).
REDRAFT_DIFF_TIMEOUT = float(os.environ.get("REDRAFT_DIFF_TIMEOUT", "1.0"))
REDRAFT_DIFF_CACHE_SECONDS = int(
    os.environ.get("REDRAFT_DIFF_CACHE_SECONDS", str(60 * 60 * 24 * 30))
)

# One process: memory. Several app hosts: set CACHE_URL to a shared cache
# (redis://127.0.0.1:6379/0) so they share the diffs.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if (CACHE_URL := os.environ.get("CACHE_URL", ""))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "redraft"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}


# Where the site is served (https://redraft.example.org): links in e-mails are absolute.
REDRAFT_SITE_URL = os.environ.get("REDRAFT_SITE_URL", "")

# --- the API (/api/) ---------------------------------------------------------------------
REST_FRAMEWORK = {
    # Scripts send "Authorization: Token …"; the browser's session works too (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Object-level rights are the services' and the visibility querysets' (one module).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.handle_exception",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Redraft API",
    "DESCRIPTION": (
        "Editions, clauses, positions and amendments of the UNESCO Operational Guidelines "
        "under negotiation. Reads show what the user may see; writes go through the same "
        "rules as the pages. Clauses and amendments carry an ETag; send it back in If-Match "
        "on a write to be refused (412) if the amendment changed since you read it."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation page's scripts come from this server, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ClauseKindEnum": "guidelines.models.Clause.Kind",
        "CorrespondenceKindEnum": "guidelines.models.ClauseCorrespondence.Kind",
        "PositionStanceEnum": "positions.models.Position.Stance",
        "SupportStanceEnum": "amendments.models.AmendmentSupport.Stance",
        "OutcomeEnum": "amendments.models.Amendment.Outcome",
    },
    # Every operation declares the refusals it can answer (400/401/403/404/412).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.declare_refusals",
    ],
}
