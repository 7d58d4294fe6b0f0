"""Every write to papers, positions and their links to clauses.

Services are keyword-only, atomic, validate before they write, and raise
``ValidationError``/``PermissionDenied`` with the codes below. ``user`` None is the
command line (imports, seeding), which has the secretariat's rights.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guidelines import permissions
from guidelines.importing import MAX_BYTES, ImportFailure, decode, normalise_text
from guidelines.models import Clause
from guidelines.searching import search_document
from positions.models import (
    Invitation,
    Membership,
    Organisation,
    Position,
    PositionLink,
    PositionPaper,
)

User = AbstractBaseUser | AnonymousUser

NOT_ALLOWED = "not-allowed"
PAPER_EMPTY = "paper-empty"
PAPER_NOT_TEXT = "paper-not-text"
PAPER_TITLE_REQUIRED = "paper-title-required"
PAPER_ORGANISATION_REQUIRED = "paper-organisation-required"
PAPER_LANGUAGE_INVALID = "paper-language-invalid"
PAPER_TEXT_DIFFERS = "paper-text-differs"
FIELD_TOO_LONG = "field-too-long"
STANCE_INVALID = "stance-invalid"
SUMMARY_REQUIRED = "summary-required"
EXCERPT_EMPTY = "excerpt-empty"
EXCERPT_NOT_IN_PAPER = "excerpt-not-in-paper"
ORGANISATION_REQUIRED = "organisation-required"
ORGANISATION_NOT_AUTHOR = "organisation-not-author"
RATIONALE_REQUIRED = "rationale-required"
LINK_EXISTS = "link-exists"


@dataclass(frozen=True)
class PaperImportResult:
    paper: PositionPaper
    created: bool


def paper_text(data: str | bytes) -> str:
    """The text of a paper as it will be stored: decoded, line endings normalised.

    Nothing else is changed (no reflowing, no Unicode normalisation): positions quote
    the text by character offsets. Empty, binary and non-UTF-8 input is refused.
    """
    if isinstance(data, bytes):
        if not data.strip():
            raise ValidationError(_("The paper is empty."), code=PAPER_EMPTY)
        try:
            return decode(data)
        except ImportFailure as exc:
            raise ValidationError(
                _("The paper cannot be read as text: %(reason)s.") % {"reason": exc},
                code=PAPER_NOT_TEXT,
            ) from None
    if "\x00" in data:
        raise ValidationError(
            _("The paper cannot be read as text: it is binary (it contains NUL bytes)."),
            code=PAPER_NOT_TEXT,
        )
    text = data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValidationError(_("The paper is empty."), code=PAPER_EMPTY)
    if len(text.encode()) > MAX_BYTES:
        raise ValidationError(
            _("The paper is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            code=PAPER_NOT_TEXT,
        )
    return text


def _check_length(value: str, model: type[models.Model], name: str) -> None:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    if model_field.max_length is not None and len(value) > model_field.max_length:
        raise ValidationError(
            _("The %(field)s is longer than %(limit)s characters.")
            % {"field": model_field.verbose_name, "limit": model_field.max_length},
            code=FIELD_TOO_LONG,
        )


@transaction.atomic
def paper_import(
    *,
    text: str | bytes,
    organisations: Sequence[Organisation],
    title: str,
    language: str,
    date: datetime.date | None = None,
    meeting_reference: str = "",
    source_file: str = "",
    user: User | None = None,
) -> PaperImportResult:
    """Store a paper verbatim, or find it when it is already there.

    The same title by the same organisations with the identical text is a no-op
    (``created`` False, nothing changed). The same title by the same organisations with
    another text is refused: positions quote the stored text by offsets, so it is never
    replaced.
    """
    content = paper_text(text)
    title = normalise_text(title)
    if not title:
        raise ValidationError(_("A paper needs a title."), code=PAPER_TITLE_REQUIRED)
    _check_length(title, PositionPaper, "title")
    meeting_reference = normalise_text(meeting_reference)
    _check_length(meeting_reference, PositionPaper, "meeting_reference")
    _check_length(source_file, PositionPaper, "source_file")
    if language not in PositionPaper.Language.values:
        raise ValidationError(
            _("The language must be one of: %(choices)s.")
            % {"choices": ", ".join(PositionPaper.Language.values)},
            code=PAPER_LANGUAGE_INVALID,
        )
    authors = sorted({o.pk: o for o in organisations}.values(), key=lambda o: o.pk)
    if not authors:
        raise ValidationError(
            _("A paper needs at least one organisation."), code=PAPER_ORGANISATION_REQUIRED
        )
    if not permissions.can_import_paper(user, authors):
        raise PermissionDenied(NOT_ALLOWED)
    # Lock the authors (in id order, so two imports cannot deadlock): the same paper
    # imported twice at once must be found by the second import, not stored twice.
    list(Organisation.objects.select_for_update().filter(pk__in=[o.pk for o in authors]))
    wanted = {o.pk for o in authors}
    candidates = PositionPaper.objects.filter(title=title, organisations=authors[0]).distinct()
    for paper in candidates.prefetch_related("organisations"):
        if {o.pk for o in paper.organisations.all()} != wanted:
            continue
        if paper.text == content:
            return PaperImportResult(paper, created=False)
        raise ValidationError(
            _(
                "A paper titled “%(title)s” by the same organisations is already stored "
                "(paper %(id)s) with another text. Positions quote the stored text, so it "
                "is not replaced: give the new text another title."
            )
            % {"title": title, "id": paper.pk},
            code=PAPER_TEXT_DIFFERS,
        )
    paper = PositionPaper.objects.create(
        title=title,
        date=date,
        language=language,
        meeting_reference=meeting_reference,
        text=content,
        source_file=source_file,
    )
    paper.organisations.set(authors)
    return PaperImportResult(paper, created=True)


def excerpt_find(*, text: str, excerpt: str, occurrence: int = 1, start: int | None = None) -> int:
    """Where ``excerpt`` stands verbatim in ``text``: its ``occurrence``-th place (from 1),
    or exactly ``start`` when given. Raises ``ValidationError`` when it is not there.
    """
    if not excerpt.strip():
        raise ValidationError(_("Quote the words of the paper."), code=EXCERPT_EMPTY)
    if start is not None:
        if start >= 0 and text[start : start + len(excerpt)] == excerpt:
            return start
    else:
        found = -1
        for _n in range(max(occurrence, 1)):
            found = text.find(excerpt, found + 1)
            if found < 0:
                break
        if found >= 0:
            return found
    raise ValidationError(
        _(
            "The quoted words are not in the paper as given (a quote must be the paper's "
            "words exactly, character for character): “%(excerpt)s”."
        )
        % {"excerpt": excerpt if len(excerpt) <= 80 else excerpt[:79] + "…"},
        code=EXCERPT_NOT_IN_PAPER,
    )


def _one_line(value: str, *, code: str, message: str) -> str:
    line = normalise_text(value)
    if not line:
        raise ValidationError(message, code=code)
    return line


def _author(
    *, paper: PositionPaper, organisation: Organisation | None, user: User | None
) -> Organisation:
    """Whose position it is: given, or the user's organisation, or the paper's only one."""
    authors = list(paper.organisations.all())
    if organisation is None:
        own = permissions.organisation_of(user)
        if own is not None and any(a.pk == own.pk for a in authors):
            organisation = own
        elif len(authors) == 1:
            organisation = authors[0]
        else:
            raise ValidationError(
                _("The paper has several organisations: say whose position this is."),
                code=ORGANISATION_REQUIRED,
            )
    if not any(a.pk == organisation.pk for a in authors):
        raise ValidationError(
            _("%(organisation)s is not an author of this paper.") % {"organisation": organisation},
            code=ORGANISATION_NOT_AUTHOR,
        )
    if user is not None and not permissions.can_file_for(user, organisation):
        raise PermissionDenied(NOT_ALLOWED)
    return organisation


def _check_links(
    links: Iterable[tuple[Clause, str]], *, user: User | None
) -> list[tuple[Clause, str]]:
    checked: list[tuple[Clause, str]] = []
    seen: set[int] = set()
    for clause, rationale in links:
        if user is not None and not permissions.can_view_edition(user, clause.edition):
            raise PermissionDenied(NOT_ALLOWED)
        if clause.pk in seen:
            raise ValidationError(
                _("The position is linked to clause %(clause)s twice.") % {"clause": clause},
                code=LINK_EXISTS,
            )
        seen.add(clause.pk)
        line = _one_line(
            rationale,
            code=RATIONALE_REQUIRED,
            message=_("Say in one line why the position concerns clause %(clause)s.")
            % {"clause": clause},
        )
        _check_length(line, PositionLink, "rationale")
        checked.append((clause, line))
    return checked


@transaction.atomic
def position_create(
    *,
    paper: PositionPaper,
    stance: str,
    summary: str,
    excerpt: str,
    links: Iterable[tuple[Clause, str]] = (),
    organisation: Organisation | None = None,
    occurrence: int = 1,
    start: int | None = None,
    user: User | None = None,
) -> Position:
    """Record a position: the paper's own words, a stance, a one-line summary, and the
    clauses it concerns (each with a one-line rationale; none makes it general).

    ``excerpt`` must stand verbatim in the paper; when it stands there several times
    the first is taken, or the ``occurrence``-th, or the one at ``start``. Only the
    paper's organisations (their members) and the secretariat record positions on it.
    """
    if user is not None and not permissions.can_edit_paper(user, paper):
        raise PermissionDenied(NOT_ALLOWED)
    author = _author(paper=paper, organisation=organisation, user=user)
    if stance not in Position.Stance.values:
        raise ValidationError(
            _("The stance must be one of: %(choices)s.")
            % {"choices": ", ".join(Position.Stance.values)},
            code=STANCE_INVALID,
        )
    summary = _one_line(
        summary, code=SUMMARY_REQUIRED, message=_("Summarise the position in one line.")
    )
    _check_length(summary, Position, "summary")
    found = excerpt_find(text=paper.text, excerpt=excerpt, occurrence=occurrence, start=start)
    checked = _check_links(links, user=user)
    position = Position.objects.create(
        paper=paper,
        organisation=author,
        stance=stance,
        summary=summary,
        excerpt_start=found,
        excerpt_end=found + len(excerpt),
        search_text=search_document(summary, excerpt),
        created_by_id=user.pk if user is not None and user.is_authenticated else None,
    )
    PositionLink.objects.bulk_create(
        PositionLink(position=position, clause=clause, rationale=rationale)
        for clause, rationale in checked
    )
    return position


@transaction.atomic
def position_link(
    *, position: Position, clause: Clause, rationale: str, user: User | None = None
) -> PositionLink:
    """Link a position to one more clause, with a one-line rationale."""
    # Lock the position: the check for an existing link and the insert are one step.
    locked = Position.objects.select_for_update().select_related("paper").get(pk=position.pk)
    if user is not None and not permissions.can_edit_paper(user, locked.paper):
        raise PermissionDenied(NOT_ALLOWED)
    ((clause, rationale),) = _check_links([(clause, rationale)], user=user)
    if PositionLink.objects.filter(position=locked, clause=clause).exists():
        raise ValidationError(
            _("The position is already linked to clause %(clause)s.") % {"clause": clause},
            code=LINK_EXISTS,
        )
    return PositionLink.objects.create(position=locked, clause=clause, rationale=rationale)


# --- organisations, accreditation and invitations -----------------------------------

NAME_TAKEN = "name-taken"
NAME_REQUIRED = "name-required"
EMAIL_INVALID = "email-invalid"
INVITATION_INVALID = "invitation-invalid"
USERNAME_TAKEN = "username-taken"
PASSWORDS_DIFFER = "passwords-differ"

INVITATION_DAYS = 7


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_secretariat(user: AbstractBaseUser) -> None:
    if not permissions.is_secretariat(user):
        raise PermissionDenied(NOT_ALLOWED)


@transaction.atomic
def organisation_create(
    *, user: AbstractBaseUser, name: str, acronym: str, kind: str, accredited: bool
) -> Organisation:
    """A new organisation (the secretariat's)."""
    _require_secretariat(user)
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the organisation's name."), code=NAME_REQUIRED)
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ValidationError(
            _("An organisation named %(name)s exists already.") % {"name": name},
            code=NAME_TAKEN,
        )
    if kind not in Organisation.Kind.values:
        raise ValidationError(_("Choose the kind of organisation."), code="kind-invalid")
    return Organisation.objects.create(
        name=name, acronym=" ".join(acronym.split()), kind=kind, accredited=accredited
    )


@transaction.atomic
def organisation_accredit(
    *, user: AbstractBaseUser, organisation: Organisation, accredited: bool
) -> Organisation:
    """Grant or withdraw accreditation: members of an accredited NGO file amendments."""
    _require_secretariat(user)
    # Lock: a concurrent toggle must not be lost between the read and the write.
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    locked.accredited = accredited
    locked.save(update_fields=["accredited"])
    return locked


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    link: str


@transaction.atomic
def invitation_send(
    *, user: AbstractBaseUser, organisation: Organisation, email: str, base_url: str
) -> SentInvitation:
    """E-mail a one-use link (valid seven days) to join ``organisation``.

    ``base_url`` is the site's address as the request saw it (scheme and host).
    """
    _require_secretariat(user)
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("%(email)s is not an e-mail address.") % {"email": email}, code=EMAIL_INVALID
        ) from None
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        token_hash=_token_hash(token),
        invited_by_id=user.pk,
        expires_at=timezone.now() + datetime.timedelta(days=INVITATION_DAYS),
    )
    link = f"{base_url.rstrip('/')}/invitations/{token}/"
    # Sent when the transaction commits, so a rolled-back invitation sends no link.
    transaction.on_commit(
        lambda: send_mail(
            subject=_("Join %(organisation)s on Redraft") % {"organisation": organisation.name},
            message=_(
                "You are invited to join %(organisation)s on Redraft, where the text under "
                "negotiation is read, compared and amended clause by clause.\n\n"
                "Choose your user name and password here (the link works once, for "
                "%(days)s days):\n%(link)s\n"
            )
            % {"organisation": organisation.name, "days": INVITATION_DAYS, "link": link},
            from_email=None,
            recipient_list=[email],
        )
    )
    return SentInvitation(invitation, link)


def invitation_get(*, token: str) -> Invitation:
    """The open invitation for ``token``; one message for unknown, used and expired links
    alike, so a link reveals nothing about other invitations."""
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_token_hash(token), accepted_at__isnull=True)
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now():
        raise ValidationError(
            _(
                "This invitation link is not valid: it was used already, it expired, or it "
                "was mistyped. Ask the secretariat for a new one."
            ),
            code=INVITATION_INVALID,
        )
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, username: str, password: str, password_again: str
) -> AbstractBaseUser:
    """Create the invited person's account and membership; the link is then spent."""
    invitation = invitation_get(token=token)
    # Lock the invitation: two clicks on one link must not make two accounts.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was used already."), code=INVITATION_INVALID)
    user_model = get_user_model()
    username = username.strip()
    if not username or user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            _("Choose another user name: this one is taken or empty."), code=USERNAME_TAKEN
        )
    if password != password_again:
        raise ValidationError(_("The two passwords differ."), code=PASSWORDS_DIFFER)
    user = user_model(username=username, email=invitation.email)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, organisation=invitation.organisation)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user
