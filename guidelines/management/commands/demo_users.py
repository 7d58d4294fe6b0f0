from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from amendments.models import AmendmentWindow
from amendments.services import window_set
from guidelines import seed
from guidelines.models import Edition
from positions import accounts
from positions.models import Membership, Organisation

# Demo only (refused unless DEBUG is on): known passwords so a visitor can log in.
# The NGO and the Party are fictional, so nothing a visitor files is put in the
# name of a real organisation.
DEMO_ORGANISATIONS = {
    "secretariat": ("Secretariat of the 2005 Convention", "", Organisation.Kind.SECRETARIAT),
    "ngo": ("Demo Coalition for Cultural Diversity (fictional)", "DEMO-NGO", Organisation.Kind.NGO),
    "party": ("Demoland (fictional Party)", "DEMOLAND", Organisation.Kind.PARTY),
}
DEMO_USERS = [
    # username, password, organisation key, is_superuser, role
    ("admin", "redraft-demo-admin", None, True, "admin (Django admin)"),
    ("secretariat", "redraft-demo-secretariat", "secretariat", False, "secretariat"),
    ("ngo", "redraft-demo-ngo", "ngo", False, "NGO member"),
    ("delegate", "redraft-demo-delegate", "party", False, "delegate"),
]

# Demo only: the secretariat and the admin must give a second factor; their keys are
# known (derived from the user name) so that anyone trying the demo can add them.
TWO_FACTOR_USERS = ["admin", "secretariat"]
DEMO_DEVICE = "demo authenticator"


def demo_totp_key(username: str) -> str:
    """The demo user's TOTP key (hex, 20 bytes); known, so never outside the demo."""
    return hashlib.sha1(f"redraft-demo-totp-{username}".encode()).hexdigest()  # noqa: S324


class Command(BaseCommand):
    help = "Create the demo users and print their credentials (demo settings only)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_users runs only with DEBUG on: it sets known passwords.")
        organisations = {}
        for key, (name, acronym, kind) in DEMO_ORGANISATIONS.items():
            organisations[key], _created = Organisation.objects.update_or_create(
                name=name, defaults={"acronym": acronym, "kind": kind, "accredited": True}
            )
        user_model = get_user_model()
        self.stdout.write("Demo users (password in brackets):")
        for username, password, organisation, is_superuser, role in DEMO_USERS:
            user, _created = user_model.objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = is_superuser
            user.set_password(password)
            user.save()
            if organisation:
                Membership.objects.update_or_create(
                    user=user, defaults={"organisation": organisations[organisation]}
                )
            self.stdout.write(f"  {role:<22} {username} [{password}]")
        self.stdout.write(
            "Two-factor authentication is required of these (add the key to any "
            "authenticator app, or open the otpauth URI on the phone):"
        )
        for username in TWO_FACTOR_USERS:
            self.give_demo_authenticator(user_model.objects.get(username=username))
        self.open_demo_window()

    def give_demo_authenticator(self, user: Any) -> None:
        """A confirmed TOTP authenticator with a known key: the demo's only (DEBUG)."""
        key = demo_totp_key(user.get_username())
        TOTPDevice.objects.filter(user=user).exclude(name=DEMO_DEVICE).delete()
        device, _created = TOTPDevice.objects.update_or_create(
            user=user, name=DEMO_DEVICE, defaults={"key": key, "confirmed": True}
        )
        self.stdout.write(
            f"  {user.get_username():<22} key {accounts.secret_for_display(key)}\n"
            f"  {'':<22} {device.config_url}"
        )

    def open_demo_window(self) -> None:
        """The demo needs an open window to file in; the real deadline is not known, so
        this one exists only in the demo (DEBUG), and says so."""
        edition = Edition.objects.filter(slug=seed.EDITION_DRAFT).first()
        if edition is None or AmendmentWindow.objects.filter(edition=edition).exists():
            return
        now = timezone.now()
        window = window_set(
            edition=edition,
            user=None,
            opens_at=now - datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=30),
        )
        self.stdout.write(
            f"Demo only: an amendment window on {edition.slug} until "
            f"{window.format(window.closes_at)} (the real deadline is not known)."
        )
