"""Who may do what: the one module that views, templates, services and the API ask.

A user belongs to one organisation (``positions.Membership``); its kind gives the role:
NGO member, delegate (a Party's delegation) or secretariat. A superuser is the admin
and has the secretariat's rights. Anonymous visitors are the public.

The answers never depend on the request: they take the user and the object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

if TYPE_CHECKING:
    from guidelines.models import Edition
    from positions.models import Organisation

User = AbstractBaseUser | AnonymousUser

PUBLIC = "public"
NGO = "ngo"
DELEGATE = "delegate"
SECRETARIAT = "secretariat"
ADMIN = "admin"

_CACHE = "_redraft_organisation"


def organisation_of(user: User | None) -> Organisation | None:
    """The user's organisation (one query, then cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not hasattr(user, _CACHE):
        from positions.models import Membership

        membership = (
            Membership.objects.select_related("organisation").filter(user_id=user.pk).first()
        )
        setattr(user, _CACHE, membership.organisation if membership else None)
    return getattr(user, _CACHE)


def role_of(user: User | None) -> str:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return PUBLIC
    if getattr(user, "is_superuser", False):
        return ADMIN
    organisation = organisation_of(user)
    if organisation is None:
        return PUBLIC
    from positions.models import Organisation

    return {
        Organisation.Kind.NGO: NGO,
        Organisation.Kind.PARTY: DELEGATE,
        Organisation.Kind.SECRETARIAT: SECRETARIAT,
    }.get(organisation.kind, PUBLIC)  # type: ignore[call-overload]


def is_secretariat(user: User | None) -> bool:
    return role_of(user) in (SECRETARIAT, ADMIN)


def can_view_edition(user: User | None, edition: Edition) -> bool:
    """Published editions are public; unpublished ones are the secretariat's."""
    return edition.published or is_secretariat(user)


def can_edit_edition(user: User | None, edition: Edition) -> bool:
    """The secretariat edits clauses of drafts and working drafts; adopted texts never."""
    return is_secretariat(user) and not edition.is_adopted


def can_fork_edition(user: User | None, edition: Edition) -> bool:
    return is_secretariat(user) and can_view_edition(user, edition)


def can_import_edition(user: User | None) -> bool:
    """Imports come from the command line (no user) or from the secretariat."""
    return user is None or is_secretariat(user)
