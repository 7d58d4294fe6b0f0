"""Production settings (what `make serve` runs with): read in a fresh interpreter, since
the test process itself runs with the demo settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SHOW = """
import json
from django.conf import settings
print(json.dumps({
    "debug": settings.DEBUG,
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "middleware": settings.MIDDLEWARE[:2],
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "hosts": settings.ALLOWED_HOSTS,
    "cache": settings.CACHES["default"]["BACKEND"],
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
}))
"""


def run_django(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "CACHE_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-" + "k" * 50,
    "ALLOWED_HOSTS": "redraft.example.org",
}


def test_production_settings_are_strict_and_serve_hashed_static_files():
    result = run_django(SHOW, **PRODUCTION, CONN_MAX_AGE="60", CACHE_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown == {
        "debug": False,
        "staticfiles": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "middleware": [
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
        ],
        "session_secure": True,
        "csrf_secure": True,
        "hsts": 31536000,
        "ssl_redirect": True,
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "hosts": ["redraft.example.org"],
        "cache": "django.core.cache.backends.redis.RedisCache",
        "conn_max_age": 60,
    }


def test_demo_settings_keep_plain_static_files():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG, "
        "settings.STORAGES['staticfiles']['BACKEND'])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.contrib.staticfiles.storage.StaticFilesStorage",
    ]


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django("print('started')", DEBUG="0", ALLOWED_HOSTS="redraft.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment" in result.stderr
    assert "started" not in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_make_serve_refuses_without_its_environment(missing):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update({k: v for k, v in PRODUCTION.items() if k != missing})
    result = subprocess.run(
        ["make", "--no-print-directory", "serve-env"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert f"make serve: set {missing} in the environment" in result.stderr


def test_make_serve_environment_check_passes_when_set():
    env = {**os.environ, **PRODUCTION}
    result = subprocess.run(
        ["make", "--no-print-directory", "serve-env"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_production_deploy_check_is_clean():
    # `make test` sets DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests; a server never has
    # it (check --deploy rightly refuses it), so the deployment checked here does not either.
    server = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**server, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
