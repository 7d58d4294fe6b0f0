"""Login throttling (django-axes): a user name is locked from an address after 5 failures."""

from __future__ import annotations

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

RIGHT = "ngo-pass-123"


def attempt(client: Client, username: str, password: str, *, address: str = "127.0.0.1", **extra):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def fail(client: Client, times: int, username: str = "ngo", **extra) -> None:
    for _ in range(times):
        response = attempt(client, username, "wrong-password", **extra)
        assert response.status_code in (200, 429)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_out_even_the_right_one(client, ngo_user):
    for _ in range(4):
        assert attempt(client, "ngo", "wrong-password").status_code == 200  # a form error
    assert attempt(client, "ngo", "wrong-password").status_code == 429  # the fifth locks
    response = attempt(client, "ngo", RIGHT)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "blocked for 15 minutes, even with the right password" in page
    assert "/accounts/password_reset/" in page
    assert not logged_in(client)


def test_the_lockout_page_is_translated(client, ngo_user):
    fail(client, 5)
    response = attempt(client, "ngo", RIGHT, headers={"accept-language": "fr"})
    assert response.status_code == 429
    assert "Trop d’échecs de connexion" in response.content.decode()


def test_another_user_or_another_address_is_not_locked(client, ngo_user, delegate_user):
    fail(client, 5)
    assert attempt(client, "ngo", RIGHT).status_code == 429
    response = attempt(Client(), "delegate", "delegate-pass-123")
    assert response.status_code == 302
    other_address = Client()
    assert attempt(other_address, "ngo", RIGHT, address="192.0.2.7").status_code == 302
    assert logged_in(other_address)


def test_a_successful_login_resets_the_count(client, ngo_user):
    fail(client, 4)
    assert attempt(client, "ngo", RIGHT).status_code == 302
    client.post("/accounts/logout/")
    fail(client, 4)
    assert attempt(client, "ngo", RIGHT).status_code == 302
    assert logged_in(client)


def test_the_lock_ends_after_the_cool_off(client, ngo_user, settings):
    fail(client, 5)
    assert attempt(client, "ngo", RIGHT).status_code == 429
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    assert attempt(client, "ngo", RIGHT).status_code == 302


def test_the_admin_login_is_throttled_too(client, admin_user):
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "wrong", "next": "/admin/"})
    response = client.post(
        "/admin/login/", {"username": "admin", "password": "password", "next": "/admin/"}
    )
    assert response.status_code == 429
    assert not logged_in(client)


def test_axes_reset_lifts_the_lock(client, ngo_user):
    fail(client, 5)
    assert attempt(client, "ngo", RIGHT).status_code == 429
    call_command("axes_reset", stdout=StringIO())
    assert attempt(client, "ngo", RIGHT).status_code == 302


def test_an_unknown_user_name_is_locked_like_a_known_one(client, db):
    """Locking only known names would tell an attacker which names exist."""
    fail(client, 5, username="nobody")
    assert attempt(client, "nobody", "anything").status_code == 429


@pytest.mark.parametrize("variant", [" ngo", "ngo ", "\tngo\n", "ｎｇｏ"])
def test_the_lock_holds_for_the_same_name_spelled_with_spaces_or_wide_letters(
    client, ngo_user, variant
):
    """The login form strips and NFKC-normalises the name before Django and django-axes
    see it: the variants are the same name, locked together."""
    fail(client, 5)
    assert attempt(client, variant, RIGHT).status_code == 429
    assert not logged_in(client)


@pytest.mark.parametrize("variant", ["NGO", "Ngo"])
def test_another_case_is_another_name_and_logs_nobody_in(client, ngo_user, variant):
    """User names are case-sensitive (Django's ModelBackend): "NGO" is not a way round the
    lock on "ngo", since its right password logs nobody in."""
    fail(client, 5)
    response = attempt(client, variant, RIGHT)
    assert response.status_code == 200  # a form error, not a login
    assert not logged_in(client)


def behind_proxy(client: Client, username: str, password: str, forwarded: str):
    return attempt(client, username, password, HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_trusted_proxy_the_lock_is_per_client_address(client, ngo_user, settings):
    """Every request comes from the proxy (127.0.0.1); the client is the address it
    appended to X-Forwarded-For. Without that, one client's failures lock everyone out."""
    settings.REDRAFT_TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    for _ in range(5):
        behind_proxy(client, "ngo", "wrong-password", "203.0.113.7")
    assert behind_proxy(client, "ngo", RIGHT, "203.0.113.7").status_code == 429
    # Another client through the same proxy logs in.
    assert behind_proxy(Client(), "ngo", RIGHT, "198.51.100.9").status_code == 302
    # What the locked client writes before the proxy's entry changes nothing.
    spoofed = behind_proxy(Client(), "ngo", RIGHT, "198.51.100.50, 203.0.113.7")
    assert spoofed.status_code == 429


def test_an_untrusted_sender_cannot_choose_its_address(client, ngo_user, settings):
    settings.REDRAFT_TRUSTED_PROXIES = frozenset({"10.0.0.1"})
    for i in range(5):
        behind_proxy(client, "ngo", "wrong-password", f"203.0.113.{i}")
    assert behind_proxy(client, "ngo", RIGHT, "198.51.100.9").status_code == 429


@pytest.mark.parametrize("forwarded", ["unknown", "203.0.113.7:51234", "", "not, an address"])
def test_a_forwarded_value_that_is_no_address_falls_back_to_the_proxys(
    client, ngo_user, settings, forwarded
):
    """Whatever the proxy appends, the attempt is stored (an address column) and counted."""
    settings.REDRAFT_TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    assert behind_proxy(client, "ngo", "wrong-password", forwarded).status_code == 200
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"
