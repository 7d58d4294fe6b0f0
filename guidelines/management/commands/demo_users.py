from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from amendments.models import AmendmentWindow
from amendments.services import window_set
from guidelines import seed
from guidelines.models import Edition
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
        self.open_demo_window()

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
