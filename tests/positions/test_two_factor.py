"""Two-factor authentication (TOTP) through the real pages, with real codes.

Marked ``real_two_factor``: ``client.force_login`` is Django's own here (the password
step only), so every second factor below is given on the pages, computed from the
device's key as an authenticator app would.
"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from guidelines import permissions
from positions import accounts
from positions.models import Organisation
from tests.concurrency import run_together
from tests.conftest import password_login

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]


def code(key: str | bytes, *, steps: int = 0) -> str:
    """What an authenticator app shows for ``key`` now (or ``steps`` periods later)."""
    totp = TOTP(bytes.fromhex(key) if isinstance(key, str) else key)
    totp.time = time.time() + 30 * steps
    return f"{totp.token():06d}"


def pending_key(client: Client) -> str:
    return client.session[accounts.PENDING_SECRET_SESSION_KEY]


def authenticator(user, *, key: str = "3132333435363738393031323334353637383930") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", key=key, confirmed=True)


STRONG = "a-long-Passw0rd"


def verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


@pytest.fixture
def unpublished(make_edition):
    return make_edition("1. Private words.", slug="private-draft", published=False)


@pytest.fixture
def no_throttle(settings):
    """django-otp makes the user wait after a wrong code; tests that go on at once lift it."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


# --- the secretariat must set up a second factor --------------------------------------------


def test_secretariat_is_sent_to_set_up_before_anything_else(client, secretariat_user, unpublished):
    response = client.post(
        "/accounts/login/",
        {"username": "secretariat", "password": "secretariat-pass-123", "next": "/organisations/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Forganisations%2F"
    for path in ["/", "/organisations/", f"/editions/{unpublished.slug}/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/setup/?next="), path
    # A secretariat right on a page: nothing written.
    response = client.post("/organisations/", {"name": "Sneaky", "kind": "ngo"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(name="Sneaky").exists()
    # The session API: 403, nothing shown.
    response = client.get(f"/api/editions/{unpublished.slug}/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    # What stays open: the two-factor pages, static files, the language switcher, log out.
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    assert client.get("/accounts/two-factor/qr.svg").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_set_up_shows_the_secret_its_uri_and_a_qr_code_and_confirms_with_a_code(
    client, secretariat_user, unpublished
):
    assert password_login(client, "secretariat", "secretariat-pass-123")
    page = client.get("/accounts/two-factor/setup/?next=/organisations/").content.decode()
    key = pending_key(client)
    assert accounts.secret_for_display(key) in page
    assert "otpauth://totp/Redraft%3Asecretariat?secret=" in page
    assert '<img src="/accounts/two-factor/qr.svg"' in page
    assert "style=" not in page and "<script" not in page
    qr = client.get("/accounts/two-factor/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    assert "no-store" in qr["Cache-Control"]
    svg = qr.content.decode()
    assert svg.startswith("<svg") or svg.startswith("<?xml")
    assert "<script" not in svg and "<style" not in svg
    response = client.post(
        "/accounts/two-factor/setup/", {"code": code(key), "next": "/organisations/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/organisations/"
    device = TOTPDevice.objects.get(user=secretariat_user)
    assert device.confirmed and device.key == key
    assert verified(client)
    assert accounts.PENDING_SECRET_SESSION_KEY not in client.session
    assert client.get("/organisations/").status_code == 200
    assert client.get(f"/editions/{unpublished.slug}/").status_code == 200
    assert client.get(f"/api/editions/{unpublished.slug}/").status_code == 200


@pytest.mark.parametrize("wrong", ["000000", "abcdef", "12 34", "9" * 12])
def test_a_wrong_first_code_is_a_form_error_and_confirms_nothing(client, secretariat_user, wrong):
    assert password_login(client, "secretariat", "secretariat-pass-123")
    client.get("/accounts/two-factor/setup/")
    if wrong == "000000" and code(pending_key(client)) == wrong:
        wrong = "000001"
    response = client.post("/accounts/two-factor/setup/", {"code": wrong})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not TOTPDevice.objects.exists()
    assert not verified(client)
    assert client.get("/organisations/").status_code == 302


def test_an_empty_code_is_a_form_error(client, secretariat_user):
    assert password_login(client, "secretariat", "secretariat-pass-123")
    response = client.post("/accounts/two-factor/setup/", {"code": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_the_qr_code_needs_a_set_up_in_progress_and_a_login(client, ngo_user):
    assert client.get("/accounts/two-factor/qr.svg")["Location"].startswith("/accounts/login/")
    assert password_login(client, "ngo", "ngo-pass-123")
    assert client.get("/accounts/two-factor/qr.svg").status_code == 404


def test_staff_are_sent_to_set_up_before_the_admin(client, admin_user):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "password", "next": "/admin/"},
    )
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Fadmin%2F"


# --- the second step of logging in --------------------------------------------------------


def test_login_with_an_authenticator_asks_for_the_code_and_keeps_next(
    client, secretariat_user, no_throttle
):
    device = authenticator(secretariat_user)
    response = client.post(
        "/accounts/login/",
        {"username": "secretariat", "password": "secretariat-pass-123", "next": "/organisations/"},
    )
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Forganisations%2F"
    assert client.get("/organisations/")["Location"].startswith("/accounts/two-factor/verify/")
    page = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/organisations/"' in page
    assert 'autocomplete="one-time-code"' in page
    # A wrong code: a form error, still not verified.
    wrong = "123456" if code(device.bin_key) != "123456" else "654321"
    response = client.post(
        "/accounts/two-factor/verify/", {"code": wrong, "next": "/organisations/"}
    )
    assert response.status_code == 400
    assert "This code is not the one your authenticator shows now" in response.content.decode()
    assert not verified(client)
    assert client.get("/organisations/").status_code == 302
    # The right one.
    response = client.post(
        "/accounts/two-factor/verify/", {"code": code(device.bin_key), "next": "/organisations/"}
    )
    assert response["Location"] == "/organisations/"
    assert verified(client)
    assert client.get("/organisations/").status_code == 200


def test_setting_up_again_needs_the_current_code_first(client, secretariat_user):
    authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    response = client.get("/accounts/two-factor/setup/")
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    assert accounts.PENDING_SECRET_SESSION_KEY not in client.session


def test_the_same_code_is_not_accepted_twice(client, secretariat_user):
    device = authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    now = code(device.bin_key)
    assert client.post("/accounts/two-factor/verify/", {"code": now}).status_code == 302
    # Someone who saw the code (and knows the password) tries it in another browser.
    other = Client()
    assert password_login(other, "secretariat", "secretariat-pass-123")
    response = other.post("/accounts/two-factor/verify/", {"code": now})
    assert response.status_code == 400
    assert not verified(other)


def test_wrong_codes_make_the_next_try_wait(client, secretariat_user):
    device = authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    wrong = "123456" if code(device.bin_key) != "123456" else "654321"
    client.post("/accounts/two-factor/verify/", {"code": wrong})
    response = client.post("/accounts/two-factor/verify/", {"code": code(device.bin_key)})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    assert not verified(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_verify_goes_nowhere_outside_the_site(client, secretariat_user):
    device = authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    response = client.post(
        "/accounts/two-factor/verify/",
        {"code": code(device.bin_key), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_verify_needs_a_login(client):
    response = client.get("/accounts/two-factor/verify/")
    assert response["Location"].startswith("/accounts/login/")


def test_the_verify_page_is_translated(client, secretariat_user):
    authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    page = client.get("/accounts/two-factor/verify/", headers={"accept-language": "fr"})
    assert "Code de double authentification" in page.content.decode()


# --- the secretariat's rights need the second factor -----------------------------------------


def as_session_user(user, *, is_verified: bool):
    """The user as django-otp's middleware hands it to a view (with ``is_verified``)."""
    user.is_verified = lambda: is_verified
    return user


def test_an_unverified_secretariat_session_has_the_publics_rights(
    secretariat_user, admin_user, unpublished
):
    roles = [(secretariat_user, permissions.SECRETARIAT), (admin_user, permissions.ADMIN)]
    for user, role in roles:
        assert permissions.role_of(as_session_user(user, is_verified=True)) == role
        assert permissions.role_of(as_session_user(user, is_verified=False)) == permissions.PUBLIC
        assert not permissions.is_secretariat(user)
        assert not permissions.can_view_edition(user, unpublished)


def test_an_api_token_is_a_separate_credential_and_keeps_the_secretariats_rights(
    client, secretariat_user, unpublished
):
    token = Token.objects.create(user=secretariat_user)
    response = client.get(
        f"/api/editions/{unpublished.slug}/", headers={"authorization": f"Token {token.key}"}
    )
    assert response.status_code == 200


def test_an_invited_secretariat_member_sets_up_first(
    client, secretariat_user, secretariat, django_capture_on_commit_callbacks
):
    device = authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    client.post("/accounts/two-factor/verify/", {"code": code(device.bin_key)})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/organisations/{secretariat.pk}/invite/", {"email": "new@example.org"})
    link = re.search(r"http://testserver(/invitations/[^/\s]+/)", str(mail.outbox[-1].body))
    assert link is not None
    invited = Client()
    response = invited.post(
        link.group(1),
        {"username": "newcomer", "password": STRONG, "password_again": STRONG},
    )
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2F"
    assert invited.get("/organisations/")["Location"].startswith("/accounts/two-factor/setup/")


# --- optional for NGO members and delegates --------------------------------------------------


@pytest.fixture
def ngo_with_authenticator(client, ngo_user) -> SimpleNamespace:
    """The NGO member turns two-factor authentication on from their account page."""
    assert password_login(client, "ngo", "ngo-pass-123")
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Off: your password alone logs you in." in page
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    key = pending_key(client)
    response = client.post("/accounts/two-factor/setup/", {"code": code(key)})
    assert response["Location"] == "/accounts/two-factor/"
    device = TOTPDevice.objects.get(user=ngo_user, confirmed=True)
    return SimpleNamespace(user=ngo_user, device=device, key=key)


@pytest.mark.parametrize("username", ["ngo", "delegate"])
def test_members_and_delegates_log_in_without_a_second_factor(
    client, ngo_user, delegate_user, username
):
    response = client.post(
        "/accounts/login/", {"username": username, "password": f"{username}-pass-123"}
    )
    assert response["Location"] == "/"
    assert client.get("/amendments/").status_code == 200
    assert client.get("/accounts/two-factor/").status_code == 200


def test_an_ngo_member_who_turned_it_on_is_asked_at_every_login(client, ngo_with_authenticator):
    page = client.get("/accounts/two-factor/").content.decode()
    assert "On: each login asks for a code" in page
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "ngo", "password": "ngo-pass-123"})
    assert response["Location"] == "/accounts/two-factor/verify/"
    assert client.get("/amendments/")["Location"].startswith("/accounts/two-factor/verify/")
    assert client.get("/api/amendments/").status_code == 403
    next_code = code(ngo_with_authenticator.key, steps=1)  # the set-up's code is spent
    assert client.post("/accounts/two-factor/verify/", {"code": next_code}).status_code == 302
    assert client.get("/amendments/").status_code == 200


def test_an_ngo_member_turns_it_off_with_a_current_code(client, ngo_with_authenticator):
    wrong = "111111" if code(ngo_with_authenticator.key, steps=1) != "111111" else "222222"
    response = client.post("/accounts/two-factor/disable/", {"code": wrong})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert TOTPDevice.objects.filter(user=ngo_with_authenticator.user).exists()


def test_an_ngo_member_turns_it_off(client, ngo_with_authenticator):
    response = client.post(
        "/accounts/two-factor/disable/", {"code": code(ngo_with_authenticator.key, steps=1)}
    )
    assert response["Location"] == "/accounts/two-factor/"
    assert not TOTPDevice.objects.exists()
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "ngo", "password": "ngo-pass-123"})
    assert response["Location"] == "/"


def test_disabling_needs_a_verified_session(client, ngo_user):
    device = authenticator(ngo_user)
    assert password_login(client, "ngo", "ngo-pass-123")
    response = client.post("/accounts/two-factor/disable/", {"code": code(device.bin_key)})
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_disabling_is_post_only_and_needs_a_login(client):
    assert client.post("/accounts/two-factor/disable/", {"code": "1"})["Location"].startswith(
        "/accounts/login/"
    )


def test_the_secretariat_cannot_turn_it_off_only_replace_it(client, secretariat_user):
    device = authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    client.post("/accounts/two-factor/verify/", {"code": code(device.bin_key)})
    page = client.get("/accounts/two-factor/").content.decode()
    assert "it cannot be turned off" in page
    assert "/accounts/two-factor/disable/" not in page
    response = client.post("/accounts/two-factor/disable/", {"code": code(device.bin_key, steps=1)})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    # Replacing: a new key, confirmed by its own code; the old authenticator stops working.
    page = client.get("/accounts/two-factor/setup/").content.decode()
    assert "Replace your authenticator" in page
    key = pending_key(client)
    assert client.post("/accounts/two-factor/setup/", {"code": code(key)}).status_code == 302
    assert list(TOTPDevice.objects.values_list("key", flat=True)) == [key]
    assert verified(client)


def test_the_get_method_is_refused_where_it_means_nothing(client, ngo_user):
    assert password_login(client, "ngo", "ngo-pass-123")
    assert client.get("/accounts/two-factor/disable/").status_code == 405
    assert client.post("/accounts/two-factor/qr.svg").status_code == 405


def test_without_the_middleware_the_permissions_still_refuse_an_unverified_secretariat(
    client, secretariat_user, unpublished, settings
):
    """Two locks: were the middleware ever bypassed, the role itself needs the code."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("TwoFactorMiddleware")]
    assert password_login(client, "secretariat", "secretariat-pass-123")
    assert client.get(f"/editions/{unpublished.slug}/").status_code == 404
    assert client.get(f"/api/editions/{unpublished.slug}/").status_code == 404
    assert client.get("/organisations/").status_code == 403
    response = client.post("/organisations/", {"name": "Sneaky", "kind": "ngo"})
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="Sneaky").exists()


def test_verify_without_an_authenticator_sends_on(client, ngo_user, secretariat_user):
    assert password_login(client, "ngo", "ngo-pass-123")
    assert (
        client.get("/accounts/two-factor/verify/?next=/amendments/")["Location"] == "/amendments/"
    )
    other = Client()
    assert password_login(other, "secretariat", "secretariat-pass-123")
    response = other.get("/accounts/two-factor/verify/")
    assert response["Location"].startswith("/accounts/two-factor/setup/")


def test_a_member_moved_to_the_secretariat_mid_session_must_set_up(client, ngo_user, secretariat):
    assert password_login(client, "ngo", "ngo-pass-123")
    assert client.get("/amendments/").status_code == 200
    ngo_user.membership.organisation = secretariat
    ngo_user.membership.save()
    assert client.get("/amendments/")["Location"].startswith("/accounts/two-factor/setup/")


def test_demo_users_give_the_secretariat_and_the_admin_a_known_authenticator(client, settings):
    from io import StringIO

    from django.core.management import call_command

    from guidelines.management.commands.demo_users import demo_totp_key

    settings.DEBUG = True
    out = StringIO()
    call_command("demo_users", stdout=out)
    call_command("demo_users", stdout=out)  # idempotent: one authenticator each
    assert TOTPDevice.objects.filter(confirmed=True).count() == 2
    key = demo_totp_key("secretariat")
    assert accounts.secret_for_display(key) in out.getvalue()
    assert "otpauth://totp/Redraft%3Asecretariat?secret=" in out.getvalue()
    response = client.post(
        "/accounts/login/", {"username": "secretariat", "password": "redraft-demo-secretariat"}
    )
    assert response["Location"] == "/accounts/two-factor/verify/"
    assert client.post("/accounts/two-factor/verify/", {"code": code(key)}).status_code == 302
    assert client.get("/organisations/").status_code == 200
    # NGO and delegate demo users have none and log in with their password alone.
    assert not TOTPDevice.objects.filter(user__username__in=["ngo", "delegate"]).exists()


# --- backup codes -----------------------------------------------------------------------------


def test_backup_codes_are_shown_once_and_each_logs_in_once(client, secretariat_user):
    from django_otp.plugins.otp_static.models import StaticToken

    device = authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    client.post("/accounts/two-factor/verify/", {"code": code(device.bin_key)})
    assert "Make backup codes" in client.get("/accounts/two-factor/").content.decode()
    response = client.post("/accounts/two-factor/backup-codes/")
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "10 backup codes left" in client.get("/accounts/two-factor/").content.decode()
    # A lost phone: a backup code instead of the authenticator's.
    other = Client()
    assert password_login(other, "secretariat", "secretariat-pass-123")
    response = other.post("/accounts/two-factor/verify/", {"code": codes[0].upper()})
    assert response.status_code == 302
    assert verified(other)
    assert other.get("/organisations/").status_code == 200
    assert StaticToken.objects.count() == 9
    # Spent: the same code does not open a third session.
    third = Client()
    assert password_login(third, "secretariat", "secretariat-pass-123")
    assert third.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 400
    assert not verified(third)
    # New codes: the old ones end.
    new = client.post("/accounts/two-factor/backup-codes/").content.decode()
    assert codes[1] not in new
    assert not StaticToken.objects.filter(token__in=codes).exists()
    assert StaticToken.objects.count() == 10


def test_backup_codes_need_an_authenticator_and_a_post(client, ngo_user):
    assert password_login(client, "ngo", "ngo-pass-123")
    assert client.get("/accounts/two-factor/backup-codes/").status_code == 405
    response = client.post("/accounts/two-factor/backup-codes/")
    assert response["Location"] == "/accounts/two-factor/setup/"
    assert "Backup codes" not in client.get("/accounts/two-factor/").content.decode()


def test_turning_it_off_removes_the_backup_codes(client, ngo_with_authenticator):
    from django_otp.plugins.otp_static.models import StaticDevice

    assert client.post("/accounts/two-factor/backup-codes/").status_code == 200
    client.post(
        "/accounts/two-factor/disable/", {"code": code(ngo_with_authenticator.key, steps=1)}
    )
    assert not StaticDevice.objects.exists()


# --- tries at once (PostgreSQL: row locks) ----------------------------------------------------


@pytest.fixture
def slow_verification(monkeypatch):
    """Each code check takes a moment, as under load: tries at once overlap for sure."""
    real = TOTPDevice.verify_token

    def slow(self, token):
        time.sleep(0.3)
        return real(self, token)

    monkeypatch.setattr(TOTPDevice, "verify_token", slow)


@pytest.mark.django_db(transaction=True)
def test_one_code_given_twice_at_once_opens_one_session(
    postgresql_only, slow_verification, secretariat_user
):
    device = authenticator(secretariat_user)
    now = code(device.bin_key)

    def work(_i: int):
        return accounts.two_factor_check(user=secretariat_user, token=now).pk

    results, errors = run_together(2, work)
    assert list(results.values()) == [device.pk]
    [error] = errors.values()
    assert error.code == accounts.WRONG_CODE


@pytest.mark.django_db(transaction=True)
def test_guesses_sent_at_once_are_throttled_one_after_the_other(
    postgresql_only, slow_verification, secretariat_user
):
    device = authenticator(secretariat_user)
    wrong = "123456" if code(device.bin_key) != "123456" else "654321"

    def work(_i: int):
        return accounts.two_factor_check(user=secretariat_user, token=wrong)

    results, errors = run_together(3, work)
    assert results == {}
    # The first guess is counted; the others, queued behind it, must wait.
    assert sorted(e.code for e in errors.values()) == [
        accounts.TOO_MANY_CODES,
        accounts.TOO_MANY_CODES,
        accounts.WRONG_CODE,
    ]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_only_the_sites_own_logout_is_open_before_the_second_factor(
    client, secretariat_user, settings
):
    """The exemptions name views with their namespace: a page of another app that is
    also called "logout" is not reachable with the password alone."""
    settings.ROOT_URLCONF = "tests.positions.namespaced_urls"
    authenticator(secretariat_user)
    assert password_login(client, "secretariat", "secretariat-pass-123")
    response = client.get("/other/logout/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    assert client.post("/accounts/logout/").status_code == 302  # the real one is open


EVIL_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example/",
    "http://testserver@evil.example/",
]


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_no_step_of_the_login_sends_outside_the_site(client, secretariat_user, evil):
    """The password step, the verify page (GET and POST) and the set-up page all drop a
    ``next`` that leads elsewhere."""
    device = authenticator(secretariat_user)
    response = client.post(
        "/accounts/login/",
        {"username": "secretariat", "password": "secretariat-pass-123", "next": evil},
    )
    assert response["Location"] == "/accounts/two-factor/verify/"
    page = client.get("/accounts/two-factor/verify/", {"next": evil}).content.decode()
    assert '<input type="hidden" name="next" value="">' in page  # the form's, not kept
    response = client.post(
        "/accounts/two-factor/verify/", {"code": code(device.bin_key), "next": evil}
    )
    assert response["Location"] == "/"
    # Verified now: the set-up page (to replace the authenticator) drops it too.
    response = client.post("/accounts/two-factor/setup/", {"code": "", "next": evil})
    assert response.status_code == 400
    assert '<input type="hidden" name="next" value="">' in response.content.decode()


def test_a_password_reset_logs_nobody_in_and_the_code_is_still_asked(client, secretariat_user):
    """Resetting the password (which an e-mail account alone allows) is not a way round
    the second factor: the reset does not log in, and the next login asks for the code."""
    authenticator(secretariat_user)
    secretariat_user.email = "secretariat@example.org"
    secretariat_user.save()
    client.post("/accounts/password_reset/", {"email": "secretariat@example.org"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", str(mail.outbox[-1].body))
    assert link is not None
    form_url = client.get(link.group(1), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert response["Location"] == "/accounts/reset/done/"
    assert "_auth_user_id" not in client.session
    assert password_login(client, "secretariat", STRONG)
    assert not verified(client)
    assert client.get("/organisations/")["Location"].startswith("/accounts/two-factor/verify/")
