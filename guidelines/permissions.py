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
    """The user's role. The secretariat's and the admin's need the second factor.

    A session that has passed the password but not the second factor (see
    ``positions/accounts.py``) has the public's rights only, on pages and in the API alike.
    """
    role = _role_by_membership(user)
    if role in (SECRETARIAT, ADMIN) and second_factor_pending(user):
        return PUBLIC
    return role


def second_factor_pending(user: User | None) -> bool:
    """A browser session (django-otp's middleware gave it ``is_verified``) not yet verified.

    A user authenticated otherwise carries no ``is_verified``: an API token (a separate
    credential an admin creates), the command line, a service called in code.
    """
    is_verified = getattr(user, "is_verified", None)
    return is_verified is not None and not is_verified()


def needs_two_factor(user: User | None) -> bool:
    """The secretariat, the admin and staff (the Django admin) must use a second factor."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if getattr(user, "is_staff", False):
        return True
    return _role_by_membership(user) in (SECRETARIAT, ADMIN)


def _role_by_membership(user: User | None) -> str:
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


# --- positions ---


def can_file_for(user: User | None, organisation: Organisation) -> bool:
    """A member files on behalf of their own organisation, if it is accredited.

    A Party's delegation needs no accreditation: Parties take part as of right.
    The secretariat (and the admin) may record on behalf of any organisation.
    """
    if is_secretariat(user):
        return True
    own = organisation_of(user)
    if own is None or own.pk != organisation.pk:
        return False
    from positions.models import Organisation as OrganisationModel

    return own.accredited or own.kind == OrganisationModel.Kind.PARTY


def can_import_paper(user: User | None, organisations: list[Organisation]) -> bool:
    """The command line, the secretariat, or a member for a paper of their organisation."""
    if user is None or is_secretariat(user):
        return True
    return any(can_file_for(user, organisation) for organisation in organisations)


def can_edit_paper(user: User | None, paper: PositionPaper) -> bool:
    """Positions on a paper are recorded by its organisations' members or the secretariat."""
    if is_secretariat(user):
        return True
    own = organisation_of(user)
    if own is None or not paper.organisations.filter(pk=own.pk).exists():
        return False
    return can_file_for(user, own)


if TYPE_CHECKING:
    from positions.models import PositionPaper


# --- amendments ---
# Who may act on an amendment. Whether its status allows the act now is the model's
# business (``Amendment.may_move_to`` and its ``*_STATUSES``); the services check both.
# Views turn "cannot view" into 404 and "can view but may not act" into 403.

if TYPE_CHECKING:
    from amendments.models import Amendment


def files_amendments(user: User | None) -> bool:
    """Members of an accredited NGO and Parties' delegates file, co-sign and submit.

    The secretariat (and the admin) file nothing: they screen and decide.
    """
    role = role_of(user)
    if role == DELEGATE:
        return True
    if role == NGO:
        organisation = organisation_of(user)
        return organisation is not None and organisation.accredited
    return False


def _acts_for_proposer(user: User | None, amendment: Amendment) -> bool:
    organisation = organisation_of(user)
    return organisation is not None and organisation.pk == amendment.proposer_id


def can_view_amendment(user: User | None, amendment: Amendment) -> bool:
    """Submitted amendments are public; a draft is its proposing organisation's alone (not
    even the secretariat's). Either way, only on an edition the user may read.

    Keep in step with ``AmendmentQuerySet.visible_to``.
    """
    if not (amendment.is_public or _acts_for_proposer(user, amendment)):
        return False
    return can_view_edition(user, amendment.edition)


def can_file_amendment(user: User | None, edition: Edition) -> bool:
    """May propose amendments to the edition; whether its window is open is checked apart."""
    return files_amendments(user) and can_view_edition(user, edition) and not edition.is_adopted


def can_edit_amendment(user: User | None, amendment: Amendment) -> bool:
    """The proposing organisation's members edit its drafts."""
    return (
        can_view_amendment(user, amendment)
        and _acts_for_proposer(user, amendment)
        and files_amendments(user)
    )


def can_submit_amendment(user: User | None, amendment: Amendment) -> bool:
    return can_edit_amendment(user, amendment)


def can_withdraw_amendment(user: User | None, amendment: Amendment) -> bool:
    """The proposing organisation's members, even if it has lost its accreditation."""
    return can_view_amendment(user, amendment) and _acts_for_proposer(user, amendment)


def can_cosign_amendment(user: User | None, amendment: Amendment) -> bool:
    """Another organisation that files amendments may add (or take back) its signature.

    Drafts are invisible outside the proposer, so in practice this is submitted ones.
    """
    return (
        can_view_amendment(user, amendment)
        and files_amendments(user)
        and not _acts_for_proposer(user, amendment)
    )


def can_screen_amendment(user: User | None, amendment: Amendment) -> bool:
    """Admissible or inadmissible: the secretariat's call."""
    return is_secretariat(user) and can_view_amendment(user, amendment)


def can_recommend_amendment(user: User | None, amendment: Amendment) -> bool:
    return is_secretariat(user) and can_view_amendment(user, amendment)


def can_decide_amendment(user: User | None, amendment: Amendment) -> bool:
    """The secretariat records the decision taken by the meeting."""
    return is_secretariat(user) and can_view_amendment(user, amendment)


def can_support_amendment(user: User | None, amendment: Amendment) -> bool:
    """Delegates support or oppose amendments for their Party."""
    return role_of(user) == DELEGATE and can_view_amendment(user, amendment)


def can_set_amendment_window(user: User | None, edition: Edition) -> bool:
    """The command line (no user) or the secretariat; never on an adopted edition."""
    return (user is None or is_secretariat(user)) and not edition.is_adopted
