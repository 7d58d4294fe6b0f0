from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

# Demo only (refused unless DEBUG is on): known passwords so a visitor can log in.
DEMO_USERS = [
    # username, password, is_staff, is_superuser, role
    ("admin", "redraft-demo-admin", True, True, "admin (Django admin)"),
    ("secretariat", "redraft-demo-secretariat", True, False, "secretariat"),
]


class Command(BaseCommand):
    help = "Create the demo users and print their credentials (demo settings only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_users runs only with DEBUG on: it sets known passwords.")
        user_model = get_user_model()
        self.stdout.write("Demo users (password in brackets):")
        for username, password, is_staff, is_superuser, role in DEMO_USERS:
            user, _created = user_model.objects.get_or_create(username=username)
            user.is_staff, user.is_superuser = is_staff, is_superuser
            user.set_password(password)
            user.save()
            self.stdout.write(f"  {role:<22} {username} [{password}]")
