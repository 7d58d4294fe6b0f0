"""Who may see and change the texts: the one place views, templates and services ask.

Until organisations and roles arrive (issue 4), the secretariat is a staff user.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from guidelines.models import Edition

User = AbstractBaseUser | AnonymousUser


def is_secretariat(user: User) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_staff", False))


def can_view_edition(user: User, edition: Edition) -> bool:
    """Published editions are public; unpublished ones are the secretariat's."""
    return edition.published or is_secretariat(user)


def can_edit_edition(user: User, edition: Edition) -> bool:
    """The secretariat edits clauses of drafts and working drafts; adopted texts never."""
    return is_secretariat(user) and not edition.is_adopted


def can_import_edition(user: User | None, edition: Edition | None) -> bool:
    """Imports come from the command line (user None) or the secretariat."""
    return user is None or is_secretariat(user)
