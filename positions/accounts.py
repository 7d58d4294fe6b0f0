"""Account security: the lockout page and two-factor authentication (TOTP).

Logging in is two steps for whoever has a confirmed authenticator (django-otp's
``TOTPDevice``): the password (Django's form, throttled by django-axes), then a
six-digit code. Until the code is given the session is "not verified": the
``TwoFactorMiddleware`` below lets it reach only the two-factor pages, logging out,
static files and the language switcher, and ``guidelines.permissions.role_of`` gives an
unverified secretariat or admin the public's rights. The secretariat, the admin and
staff must set an authenticator up before anything else and cannot remove theirs, only
replace it; NGO members and delegates may turn it on and off.

API tokens are a separate credential, created by an admin, and are not asked for a code.
"""

from __future__ import annotations

import base64
import io
import ipaddress
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from guidelines import permissions

# Error codes of the services (tests and views rely on them).
WRONG_CODE = "wrong_code"
TOO_MANY_CODES = "too_many_codes"
NO_AUTHENTICATOR = "no_authenticator"

DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"
BACKUP_CODES = 10
# The secret being set up lives in the session until its first code confirms it.
PENDING_SECRET_SESSION_KEY = "redraft_two_factor_pending"  # noqa: S105 (a session key name)
# Set at login for a user who had no authenticator and whose role needs none, so that
# their later requests cost no query for devices; an authenticator added to them
# elsewhere (the admin, demo_users) is asked for from their next login.
NOT_REQUIRED_SESSION_KEY = "redraft_two_factor_not_required"

# What an unverified session may still reach, by view name with its namespace: a URL
# named "logout" in some other namespace (an app's, the API's) is not let through.
OPEN_VIEW_NAMES = frozenset(
    {
        "two_factor_setup",
        "two_factor_verify",
        "two_factor_qr",
        "logout",
        "admin:logout",
        "set_language",
    }
)

User = AbstractBaseUser | AnonymousUser


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' lockout: a page that says how long, in the user's language (429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def client_address(request: HttpRequest) -> str | None:
    """The client's address for django-axes: ``REMOTE_ADDR``, or, when that is one of
    ``REDRAFT_TRUSTED_PROXIES``, the last ``X-Forwarded-For`` entry (the one the proxy
    appended; those before it are the client's word and are ignored)."""
    remote = request.META.get("REMOTE_ADDR")
    if remote in settings.REDRAFT_TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            # Stored in an address column (PostgreSQL's inet): never anything else.
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return remote


def confirmed_device(user: User) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def new_secret() -> str:
    """A fresh TOTP key (hex, 20 bytes as RFC 4226 recommends)."""
    return random_hex(20)


def secret_for_display(key: str) -> str:
    """The key as authenticator apps ask for it when typed: base32, in groups of four."""
    text = base64.b32encode(bytes.fromhex(key)).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_uri(*, user: AbstractBaseUser, key: str) -> str:
    """The ``otpauth://totp/…`` URI that the QR code carries."""
    return str(TOTPDevice(user=user, key=key).config_url)  # type: ignore[misc]


def qr_svg(uri: str) -> bytes:
    """The QR code of ``uri`` as a standalone SVG (no script, no style element)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2, title="QR")
    return buffer.getvalue()


def _normalised(token: str) -> str:
    return "".join(token.split())


@transaction.atomic
def two_factor_enable(*, user: AbstractBaseUser, key: str, token: str) -> TOTPDevice:
    """Confirm the authenticator holding ``key`` with its first code; it replaces any other.

    A wrong code raises ``ValidationError(WRONG_CODE)`` and nothing is written.
    """
    device = TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=False)
    device.save()
    # verify_token records the code's time step: the same code cannot be replayed.
    if not device.verify_token(_normalised(token)):
        raise ValidationError(
            _("This code is not the one your authenticator shows now. Try the next one."),
            code=WRONG_CODE,
        )
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def two_factor_check(*, user: AbstractBaseUser, token: str) -> Device:
    """The device that ``token`` verifies: the authenticator's current code (never twice
    the same) or one of the user's backup codes (then spent).

    The device's row is locked while its code is checked: tries at once queue, so each
    sees the one before it (the time step it used up, the wrong codes it counted). Without
    the lock, parallel requests all read the same state: one code would open several
    sessions, and a burst of guesses would all pass the throttle before any is counted.
    The lock's transaction commits before a wrong code raises, so that the count is kept
    (django-otp then makes the user wait 1, 2, 4… seconds between tries).
    """
    authenticator = confirmed_device(user)
    if authenticator is None:
        raise ValidationError(_("You have no authenticator set up."), code=NO_AUTHENTICATOR)
    token = _normalised(token)
    device: Device = authenticator
    if not token.isdigit():
        backup = StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()
        device = backup if backup is not None else authenticator
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, _data = device.verify_is_allowed()
        if allowed:
            verified = device.verify_token(
                token.lower() if isinstance(device, StaticDevice) else token
            )
    if not allowed:
        raise ValidationError(
            _("Too many wrong codes: wait a few seconds, then try again."), code=TOO_MANY_CODES
        )
    if not verified:
        raise ValidationError(
            _("This code is not the one your authenticator shows now. Try the next one."),
            code=WRONG_CODE,
        )
    return device


@transaction.atomic
def backup_codes_issue(*, user: AbstractBaseUser) -> list[str]:
    """Ten new one-use backup codes for a lost phone; the previous ones stop working.

    Only for a user with an authenticator (``ValidationError(NO_AUTHENTICATOR)``).
    """
    if confirmed_device(user) is None:
        raise ValidationError(_("You have no authenticator set up."), code=NO_AUTHENTICATOR)
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def two_factor_disable(*, user: AbstractBaseUser, token: str) -> None:
    """Remove the user's authenticator, given a current code.

    The secretariat, the admin and staff cannot (``PermissionDenied``): they replace it.
    A wrong code is counted as in ``two_factor_check``.
    """
    if permissions.needs_two_factor(user):
        raise PermissionDenied(
            _("Your role requires two-factor authentication: replace the authenticator instead.")
        )
    two_factor_check(user=user, token=token)
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        StaticDevice.objects.filter(user_id=user.pk).delete()


def step_after_password(request: HttpRequest) -> str | None:
    """After a correct password: the two-factor page the user must go through, if any."""
    user = request.user
    if confirmed_device(user) is not None:
        return "two_factor_verify"
    if permissions.needs_two_factor(user):
        return "two_factor_setup"
    request.session[NOT_REQUIRED_SESSION_KEY] = user.pk
    return None


def with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class TwoFactorMiddleware:
    """The one place where a session without its second factor is stopped.

    Pages redirect to the verify step (or to set up, for roles that need one), keeping
    ``?next=``; the API answers 403. Runs after django-otp's ``OTPMiddleware``.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = self._pending_step(request)
        if step is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Give your two-factor code on the site first.")}, status=403
            )
        return redirect(with_next(step, request.get_full_path()))

    def _pending_step(self, request: HttpRequest) -> str | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr,attr-defined]
            return None
        needed = permissions.needs_two_factor(user)  # the membership: pages read it anyway
        if not needed and request.session.get(NOT_REQUIRED_SESSION_KEY) == user.pk:
            return None
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name in OPEN_VIEW_NAMES:
            return None
        if confirmed_device(user) is not None:
            return "two_factor_verify"
        return "two_factor_setup" if needed else None
