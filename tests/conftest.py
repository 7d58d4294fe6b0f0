from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from guidelines import seed, services
from guidelines.importing import decode, parse
from guidelines.models import Edition
from positions.models import Membership, Organisation

# The hostile world of the security tests (tests/security_world.py).
pytest_plugins = ["tests.security_world"]

hypothesis_settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150
)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=100)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: ids repeat across tests, cached pages must not."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; the real hasher costs a third of a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def force_login_completes_two_factor(request, monkeypatch):
    """In tests, ``client.force_login(user)`` stands for a completed login, both factors.

    A user whose role needs a second factor (secretariat, admin, staff) is given a
    confirmed TOTP authenticator if they have none, and the session is marked verified
    exactly as ``django_otp.login`` marks it (the device's persistent id under
    ``DEVICE_ID_SESSION_KEY``); a user who has an authenticator is verified with it; any
    other session is marked as needing no second factor, as the login view marks it.
    Without this, every test that logs the secretariat in would first go through the
    two-factor pages. Tests of those pages opt out with ``@pytest.mark.real_two_factor``:
    force_login is then Django's own (the password step only), and they give real codes.
    """
    if request.node.get_closest_marker("real_two_factor"):
        return
    from django.test.client import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from guidelines.permissions import needs_two_factor
    from positions.accounts import NOT_REQUIRED_SESSION_KEY, confirmed_device

    django_force_login = Client.force_login

    def force_login(self, user, backend=None):
        django_force_login(self, user, backend)
        fresh = type(user).objects.get(pk=user.pk)  # keep the test's object uncached
        device = confirmed_device(fresh)
        if device is None and needs_two_factor(fresh):
            device = TOTPDevice.objects.create(user=fresh, name="test", confirmed=True)
        session = self.session
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        else:
            session[NOT_REQUIRED_SESSION_KEY] = fresh.pk
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite has no row locks (select_for_update is a no-op) and "
            "its in-memory test database is not shared between threads"
        )


@pytest.fixture
def seed_path() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "seeds" / seed.EDITION_2017_FILE


@pytest.fixture
def seed_text(seed_path: Path) -> str:
    return decode(seed_path.read_bytes())


@pytest.fixture
def edition_2017(db, seed_text: str) -> Edition:
    result = services.edition_import(
        parsed=parse(seed_text, markdown=False),
        instrument_slug=seed.INSTRUMENT,
        slug=seed.EDITION_2017,
        label=seed.EDITION_2017_LABEL,
        language="fr",
        status=Edition.Status.ADOPTED,
        published=True,
        reason="seed",
    )
    return result.edition


@pytest.fixture
def make_edition(db):
    """Import a small text as an edition: ``make_edition("1. Foo", slug="x")``."""

    def make(
        text: str,
        *,
        slug: str = "test-draft",
        status: str = Edition.Status.DRAFT,
        published: bool = True,
        language: str = "en",
        instrument: str = "test-instrument",
    ) -> Edition:
        return services.edition_import(
            parsed=parse(text),
            instrument_slug=instrument,
            slug=slug,
            label=slug.replace("-", " ").title(),
            language=language,
            status=status,
            published=published,
            reason="test",
        ).edition

    return make


def password_login(client, username: str, password: str) -> bool:
    """Log in through the login form, as a person does (django-axes needs the request, so
    ``client.login`` is refused); True when the password step succeeded."""
    client.get("/accounts/login/")  # the CSRF cookie, for clients that enforce it
    client.post(
        "/accounts/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    return "_auth_user_id" in client.session


def member(django_user_model, username: str, organisation: Organisation):
    user = django_user_model.objects.create_user(username, password=f"{username}-pass-123")
    Membership.objects.create(user=user, organisation=organisation)
    return user


@pytest.fixture
def secretariat(db) -> Organisation:
    return Organisation.objects.create(
        name="Secretariat of the Convention", kind=Organisation.Kind.SECRETARIAT, accredited=True
    )


@pytest.fixture
def ngo(db) -> Organisation:
    return Organisation.objects.create(
        name="Test Coalition", acronym="TC", kind=Organisation.Kind.NGO, accredited=True
    )


@pytest.fixture
def other_ngo(db) -> Organisation:
    return Organisation.objects.create(
        name="Other Federation", acronym="OF", kind=Organisation.Kind.NGO, accredited=True
    )


@pytest.fixture
def party(db) -> Organisation:
    return Organisation.objects.create(name="Testland", kind=Organisation.Kind.PARTY)


@pytest.fixture
def secretariat_user(django_user_model, secretariat):
    return member(django_user_model, "secretariat", secretariat)


@pytest.fixture
def ngo_user(django_user_model, ngo):
    return member(django_user_model, "ngo", ngo)


@pytest.fixture
def other_ngo_user(django_user_model, other_ngo):
    return member(django_user_model, "other-ngo", other_ngo)


@pytest.fixture
def delegate_user(django_user_model, party):
    return member(django_user_model, "delegate", party)


@pytest.fixture
def reader_user(django_user_model):
    """Logged in, but of no organisation: the public's rights."""
    return django_user_model.objects.create_user("reader", password="reader-pass-123")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright (no browser download). Tests marked browser."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the
    # test itself are still synchronous, so Django's async guard is lifted for them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
