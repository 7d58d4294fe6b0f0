"""Every write to amendments, their co-sponsors, their supports and amendment windows.

Services are keyword-only and atomic; they check, then write. Refusals are
``PermissionDenied`` (the user may not do this: its argument is one of the codes below)
or ``ValidationError`` (not now, not like this: a message and one of the codes below).
``StaleVersion`` is a ``ValidationError`` whose code is ``stale-version`` (HTTP 409).
Each change is a history row naming the user and the reason.

Every service that reads an amendment, checks it and writes locks its row first with
``select_for_update()``: two requests on the same amendment then run one after the other,
and the second sees the first's result (a new status, a new version) instead of
overwriting it. On SQLite the transaction takes the database's write lock when it begins
(``transaction_mode`` IMMEDIATE in the settings), to the same effect.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from amendments import auditing, consolidating, following
from amendments.models import (
    MEETING_TIME_ZONE,
    Amendment,
    AmendmentSupport,
    AmendmentWindow,
    AuditChain,
    AuditRecord,
    CoSponsorship,
)
from guidelines import permissions
from guidelines import services as guidelines_services
from guidelines.importing import ImportFailure, normalise_text
from guidelines.models import Clause, Edition
from guidelines.permissions import User
from guidelines.searching import search_document
from positions.models import Organisation, Position

# PermissionDenied arguments: who may not.
NOT_ALLOWED = "not-allowed"
FILING_NOT_ALLOWED = "filing-not-allowed"
EDITION_NOT_VISIBLE = "edition-not-visible"
AMENDMENT_NOT_VISIBLE = "amendment-not-visible"

# ValidationError codes: not now, or not like this.
STALE_VERSION = guidelines_services.STALE_VERSION
TRANSITION_NOT_ALLOWED = "transition-not-allowed"
FROZEN = "frozen"
CLOSED = "closed"
TARGET_ADOPTED = "target-adopted"
CLAUSE_OF_OTHER_EDITION = "clause-of-other-edition"
OPERATION_INVALID = "operation-invalid"
INSERT_POSITION_INVALID = "insert-position-invalid"
TEXT_REQUIRED = "text-required"
TEXT_UNCHANGED = "text-unchanged"
DELETE_TAKES_NO_TEXT = "delete-takes-no-text"
POSITION_UNKNOWN = "position-unknown"
NO_WINDOW = "no-window"
WINDOW_CLOSED = "window-closed"
REASON_REQUIRED = "reason-required"
OUTCOME_INVALID = "outcome-invalid"
ADOPTED_TEXT_REQUIRED = "adopted-text-required"
ADOPTED_TEXT_UNCHANGED = "adopted-text-unchanged"
ADOPTED_TEXT_NOT_EXPECTED = "adopted-text-not-expected"
RECOMMENDATION_REQUIRED = "recommendation-required"
COSPONSOR_IS_PROPOSER = "cosponsor-is-proposer"
ALREADY_COSIGNED = "already-cosigned"
NOT_A_COSPONSOR = "not-a-cosponsor"
STANCE_INVALID = "stance-invalid"
NO_SUPPORT = "no-support"
NAIVE_DATETIME = "naive-datetime"
WINDOW_ORDER = "window-order"
UNKNOWN_TIME_ZONE = "unknown-time-zone"
UNREADABLE_FILE = "unreadable-file"
NO_CHANGES = "no-changes"
BASE_MISMATCH = "base-mismatch"
ORGANISATION_DOES_NOT_FILE = "organisation-does-not-file"

Status = Amendment.Status


class StaleVersion(guidelines_services.StaleVersion):
    """The amendment changed since the user read it: refuse, never overwrite (HTTP 409).

    A subclass of the clause's ``StaleVersion``: one ``except`` in a view catches both.
    """


# --- helpers -------------------------------------------------------------------------


def _lock(amendment: Amendment) -> Amendment:
    """The amendment's row, locked until the end of the transaction, read afresh.

    Only the amendment's row is locked (``of``): the edition and the organisation are
    read with it, not held.
    """
    # Why lock: the caller checks the status and the version it reads here, then writes;
    # a concurrent service on this amendment must wait, then see the new status/version.
    return (
        Amendment.objects.select_for_update(of=("self",))
        .select_related("edition", "clause", "proposer")
        .get(pk=amendment.pk)
    )


def _author(user: User | None) -> Any:
    """The user as a ``created_by``/history column holds it: None for nobody."""
    return user if user is not None and user.is_authenticated else None


def _record(instance: models.Model, *, user: User | None, reason: str) -> None:
    """The history row written by the next save or delete names the user and the reason."""
    instance._history_user = _author(user)  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]


def _save(amendment: Amendment, *, user: User | None, reason: str) -> Amendment:
    amendment.version += 1
    _record(amendment, user=user, reason=reason)
    amendment.save()
    return amendment


def _label(amendment: Amendment) -> str:
    return amendment.number or _("This draft amendment")


def _status_label(status: str) -> str:
    return str(Status(status).label)


def _check_visible(user: User | None, amendment: Amendment) -> None:
    if not permissions.can_view_amendment(user, amendment):
        raise PermissionDenied(AMENDMENT_NOT_VISIBLE)


def _check_version(amendment: Amendment, expected_version: int | None) -> None:
    if expected_version is not None and amendment.version != expected_version:
        raise StaleVersion(
            _(
                "%(amendment)s was changed by someone else since you opened it (you read "
                "version %(read)s, it is now at version %(now)s). Nothing was saved: reload "
                "the amendment, then try again."
            )
            % {"amendment": _label(amendment), "read": expected_version, "now": amendment.version},
            code=STALE_VERSION,
        )


def _check_move(amendment: Amendment, target: str) -> None:
    if not amendment.may_move_to(target):
        raise ValidationError(
            _("%(amendment)s cannot go from %(current)s to %(target)s.")
            % {
                "amendment": _label(amendment),
                "current": _status_label(amendment.status),
                "target": _status_label(target),
            },
            code=TRANSITION_NOT_ALLOWED,
        )


def _check_open_for(amendment: Amendment, statuses: frozenset[str], what: str) -> None:
    if amendment.status not in statuses:
        raise ValidationError(
            _("%(amendment)s is %(current)s: %(what)s is no longer possible.")
            % {
                "amendment": _label(amendment),
                "current": _status_label(amendment.status),
                "what": what,
            },
            code=CLOSED,
        )


def _check_reason(reason: str, message: str) -> str:
    if not reason.strip():
        raise ValidationError(message, code=REASON_REQUIRED)
    return reason.strip()


def _check_window(edition: Edition, now: datetime.datetime) -> None:
    window = AmendmentWindow.objects.filter(edition=edition).first()
    if window is None:
        raise ValidationError(
            _(
                "Filing is closed for %(edition)s: the secretariat has not opened an "
                "amendment window for it."
            )
            % {"edition": edition.label},
            code=NO_WINDOW,
        )
    if now < window.opens_at:
        raise ValidationError(
            _("Filing is closed for %(edition)s: the amendment window opens on %(when)s.")
            % {"edition": edition.label, "when": window.format(window.opens_at)},
            code=WINDOW_CLOSED,
        )
    if not window.contains(now):
        raise ValidationError(
            _("Filing is closed for %(edition)s: the amendment window closed on %(when)s.")
            % {"edition": edition.label, "when": window.format(window.closes_at)},
            code=WINDOW_CLOSED,
        )


def _check_text(*, operation: str, proposed_text: str, base_text: str) -> str:
    """The proposed text, normalised as clause texts are, if it fits the operation."""
    proposed = normalise_text(proposed_text)
    if operation == Amendment.Operation.DELETE:
        if proposed:
            raise ValidationError(
                _("A deletion proposes no text: leave the proposed text empty."),
                code=DELETE_TAKES_NO_TEXT,
            )
        return ""
    if not proposed:
        raise ValidationError(
            _("Write the text you propose."),
            code=TEXT_REQUIRED,
        )
    if operation == Amendment.Operation.REPLACE and proposed == normalise_text(base_text):
        raise ValidationError(
            _("The proposed text is the clause's current text: there is nothing to amend."),
            code=TEXT_UNCHANGED,
        )
    return proposed


def _check_insert_position(*, operation: str, insert_position: str | None, clause: Clause) -> str:
    if operation != Amendment.Operation.INSERT:
        if insert_position:
            raise ValidationError(
                _("Only an insertion says where the new clause goes."),
                code=INSERT_POSITION_INVALID,
            )
        return ""
    if insert_position not in Amendment.InsertPosition.values:
        raise ValidationError(
            _(
                "Say where the new clause goes: before or after the clause, or at the start "
                "of the section."
            ),
            code=INSERT_POSITION_INVALID,
        )
    if insert_position == Amendment.InsertPosition.START and clause.kind not in (
        Clause.Kind.SECTION,
        Clause.Kind.ARTICLE,
    ):
        raise ValidationError(
            _("A new clause goes at the start of a section or an article, not of %(clause)s.")
            % {"clause": clause},
            code=INSERT_POSITION_INVALID,
        )
    return insert_position


def _check_positions(positions: Iterable[Position]) -> list[Position]:
    chosen = list(positions)
    found = set(Position.objects.filter(pk__in=[p.pk for p in chosen]).values_list("pk", flat=True))
    if any(p.pk not in found for p in chosen):
        raise ValidationError(
            _("One of the linked positions does not exist."), code=POSITION_UNKNOWN
        )
    return chosen


# --- the audit trail -------------------------------------------------------------------

Action = AuditRecord.Action
AUDIT_HEAD_PK = 1


def _organisation_facts(organisation: Organisation | None) -> dict[str, Any] | None:
    if organisation is None:
        return None
    return {"id": organisation.pk, "name": organisation.name}


def _amendment_facts(amendment: Amendment) -> dict[str, Any]:
    """Which amendment, as the public knows it."""
    return {
        "amendment": amendment.pk,
        "number": amendment.number,
        "edition": amendment.edition.slug,
        "status": amendment.status,
    }


def _amendment_wording(
    amendment: Amendment, positions: Iterable[Position] | None
) -> dict[str, Any]:
    """What is filed: the amendment's facts and its whole wording (the filing receipt)."""
    linked = (
        amendment.positions.values_list("pk", flat=True)
        if positions is None
        else [p.pk for p in positions]
    )
    return {
        **_amendment_facts(amendment),
        "operation": amendment.operation,
        "insert_position": amendment.insert_position,
        "clause": amendment.clause.eid,
        "base_text": amendment.base_text,
        "base_version": amendment.base_version,
        "proposed_text": amendment.proposed_text,
        "justification": amendment.justification,
        "proposer": _organisation_facts(amendment.proposer),
        "positions": sorted(linked),
    }


@transaction.atomic
def audit_append(
    *,
    action: str,
    content: dict[str, Any],
    user: User | None,
    amendment: Amendment | None = None,
    edition: Edition | None = None,
) -> AuditRecord:
    """Append a record to the audit chain, in the caller's transaction: a service that
    rolls back leaves no record. ``content`` names the acting organisation (the user's),
    never the user, whose id is kept beside the chain.

    Called by the services last, after their own writes (see ``_audit_head``).
    """
    organisation = permissions.organisation_of(user)
    content = {**content, "organisation": _organisation_facts(organisation)}
    head = _audit_head()
    recorded_at = auditing.truncate_to_milliseconds(timezone.now())
    fields: dict[str, Any] = {
        "sequence": head.sequence + 1,
        "recorded_at": recorded_at,
        "action": action,
        "amendment_id": amendment.pk if amendment is not None else None,
        "edition_id": (
            edition.pk
            if edition is not None
            else amendment.edition_id
            if amendment is not None
            else None
        ),
        "content_hash": auditing.content_hash(content),
        "previous_hash": head.last_hash,
    }
    record = AuditRecord.objects.create(
        **fields,
        content=content,
        organisation_id=organisation.pk if organisation is not None else None,
        user_id=user.pk if user is not None and user.is_authenticated else None,
        record_hash=auditing.record_hash(**fields),
    )
    head.sequence, head.last_hash = record.sequence, record.record_hash
    head.save(update_fields=["sequence", "last_hash"])
    return record


def _audit_head() -> AuditChain:
    """The chain's head row, locked until the end of the transaction.

    Why lock: an append reads the last sequence and hash, then writes the next record;
    two appends at once would otherwise both take the same predecessor and fork the chain
    (or collide on the sequence). Locked, they queue, each sees the one before it. The
    services take this lock last, after their own rows, so it is always the last lock of
    a transaction (no deadlock) and is held only to the commit. On SQLite the IMMEDIATE
    transaction already serialises writers.
    """
    head = AuditChain.objects.select_for_update().filter(pk=AUDIT_HEAD_PK).first()
    if head is not None:
        return head
    # No head yet (a new database, or one emptied by a test): start it from the records
    # there are, so that an append continues the chain instead of restarting it.
    last = AuditRecord.objects.order_by("-sequence").first()
    AuditChain.objects.get_or_create(
        pk=AUDIT_HEAD_PK,
        defaults={
            "sequence": last.sequence if last is not None else 0,
            "last_hash": last.record_hash if last is not None else auditing.GENESIS_HASH,
        },
    )
    return AuditChain.objects.select_for_update().get(pk=AUDIT_HEAD_PK)


def audit_admin_edit(*, amendment: Amendment, user: User) -> AuditRecord:
    """An amendment changed in the Django admin (``AmendmentAdmin``): what it now holds is
    appended as an edit, so that the trail (and a draft's receipt) says what it holds."""
    return audit_append(
        action=Action.EDITED,
        content={
            **_amendment_wording(amendment, None),
            "inadmissibility_reason": amendment.inadmissibility_reason,
            "recommendation": amendment.recommendation,
            "recommended_outcome": amendment.recommended_outcome,
            "adopted_text": amendment.adopted_text,
            "reason": "Edited in the admin",
        },
        user=user,
        amendment=amendment,
    )


# --- filing and drafting ---------------------------------------------------------------


@transaction.atomic
def amendment_create(
    *,
    user: User,
    edition: Edition,
    clause: Clause,
    operation: str,
    proposed_text: str,
    justification: str,
    insert_position: str | None = None,
    positions: Iterable[Position] = (),
) -> Amendment:
    """File a draft amendment for the user's organisation.

    The clause's text and version are copied as the base, as they are stored now. The
    draft is private to the organisation until submitted. Refused: an edition the user
    cannot read (``PermissionDenied``), a user whose organisation does not file
    amendments (an accredited NGO or a Party; ``PermissionDenied``), an adopted edition,
    a clause of another edition, an edition whose amendment window is not open, a text
    that does not fit the operation.
    """
    if not permissions.can_view_edition(user, edition):
        raise PermissionDenied(EDITION_NOT_VISIBLE)
    if not permissions.files_amendments(user):
        raise PermissionDenied(FILING_NOT_ALLOWED)
    organisation = permissions.organisation_of(user)
    assert organisation is not None  # files_amendments() needs one
    amendment, linked = _new_amendment(
        edition=edition,
        clause=clause,
        operation=operation,
        insert_position=insert_position,
        proposed_text=proposed_text,
        justification=justification,
        positions=positions,
        proposer=organisation,
        window_checked=True,
    )
    amendment.created_by = _author(user)
    _record(amendment, user=user, reason=_("Filed as a draft"))
    amendment.save()
    if linked:
        amendment.positions.set(linked)
    audit_append(
        action=Action.FILED,
        content=_amendment_wording(amendment, linked),
        user=user,
        amendment=amendment,
    )
    return amendment


def _new_amendment(
    *,
    edition: Edition,
    clause: Clause,
    operation: str,
    insert_position: str | None,
    proposed_text: str,
    justification: str,
    positions: Iterable[Position],
    proposer: Organisation,
    window_checked: bool,
) -> tuple[Amendment, list[Position]]:
    """Check what is filed against the edition and clause; the unsaved amendment."""
    if edition.is_adopted:
        raise ValidationError(
            _("%(edition)s is adopted: it takes no amendments.") % {"edition": edition.label},
            code=TARGET_ADOPTED,
        )
    # Read the clause afresh, in one row: the base text and version belong together.
    current = Clause.objects.filter(pk=clause.pk).first()
    if current is None or current.edition_id != edition.pk:
        raise ValidationError(
            _("The clause %(clause)s is not part of %(edition)s.")
            % {"clause": clause, "edition": edition.label},
            code=CLAUSE_OF_OTHER_EDITION,
        )
    if operation not in Amendment.Operation.values:
        raise ValidationError(
            _("Choose whether to replace, insert or delete."), code=OPERATION_INVALID
        )
    position = _check_insert_position(
        operation=operation, insert_position=insert_position, clause=current
    )
    if window_checked:
        _check_window(edition, timezone.now())
    text = _check_text(operation=operation, proposed_text=proposed_text, base_text=current.text)
    linked = _check_positions(positions)
    amendment = Amendment(
        edition=edition,
        clause=current,
        operation=operation,
        insert_position=position,
        base_text=current.text,
        base_version=current.version,
        proposed_text=text,
        justification=justification.strip(),
        search_text=search_document(text, justification),
        proposer=proposer,
    )
    return amendment, linked


@transaction.atomic
def amendment_update(
    *,
    amendment: Amendment,
    user: User,
    expected_version: int,
    proposed_text: str,
    justification: str,
    positions: Iterable[Position] | None = None,
) -> Amendment:
    """Change a draft's text and justification (and, if given, its linked positions).

    Only the proposing organisation's members, only while a draft: a submitted text is
    frozen (code ``frozen``). ``expected_version`` is the version the user read; if the
    draft changed since, ``StaleVersion`` and nothing is written. No change, no new version.
    """
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_edit_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    if locked.status not in Amendment.EDITABLE_STATUSES:
        raise ValidationError(
            _(
                "%(amendment)s is %(status)s: its text is frozen. Withdraw it and file a "
                "new one; a decision may record a different adopted text."
            )
            % {"amendment": _label(locked), "status": _status_label(locked.status)},
            code=FROZEN,
        )
    _check_version(locked, expected_version)
    text = _check_text(
        operation=locked.operation, proposed_text=proposed_text, base_text=locked.base_text
    )
    linked = _check_positions(positions) if positions is not None else None
    positions_changed = linked is not None and {p.pk for p in linked} != set(
        locked.positions.values_list("pk", flat=True)
    )
    justification = justification.strip()
    if (text, justification) == (locked.proposed_text, locked.justification) and not (
        positions_changed
    ):
        return locked
    locked.proposed_text, locked.justification = text, justification
    locked.search_text = search_document(text, justification)
    _save(locked, user=user, reason=_("Draft edited"))
    if positions_changed and linked is not None:
        locked.positions.set(linked)
    audit_append(
        action=Action.EDITED, content=_amendment_wording(locked, None), user=user, amendment=locked
    )
    return locked


@transaction.atomic
def amendment_submit(*, amendment: Amendment, user: User, expected_version: int) -> Amendment:
    """Submit a draft: it gets the next number of its edition (A-1, A-2, …, no gaps),
    becomes public and its text is frozen. The proposer's members only, inside the window.
    """
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_submit_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    _check_move(locked, Status.SUBMITTED)
    _check_version(locked, expected_version)
    now = timezone.now()
    _check_window(locked.edition, now)
    _number(locked, now)
    _save(locked, user=user, reason=_("Submitted as %(number)s") % {"number": locked.number})
    following.notify_amendment_submitted(locked, actor=user)
    audit_append(
        action=Action.SUBMITTED,
        content=_amendment_wording(locked, None),
        user=user,
        amendment=locked,
    )
    return locked


def _number(amendment: Amendment, now: datetime.datetime) -> None:
    """Give the next number of the target edition and mark the amendment submitted."""
    # Lock the target edition: every submission to it queues here, so numbering is
    # serialised per edition. Without it two submissions could read the same maximum
    # and take the same number (the unique constraint would then fail one of them).
    # FOR NO KEY UPDATE: it queues submissions as FOR UPDATE would, but lets a filing's
    # foreign key check (FOR KEY SHARE of the edition, taken at its commit while it holds
    # the audit chain's head) through; FOR UPDATE made the two wait on each other and
    # PostgreSQL broke the deadlock with a 500 (the load test, ten writers).
    Edition.objects.select_for_update(no_key=True).filter(pk=amendment.edition_id).get()
    last = Amendment.objects.filter(edition_id=amendment.edition_id).aggregate(last=Max("sequence"))
    amendment.sequence = (last["last"] or 0) + 1
    amendment.number = f"A-{amendment.sequence}"
    amendment.status = Status.SUBMITTED
    amendment.submitted_at = now


@transaction.atomic
def amendment_record(
    *,
    proposer: Organisation,
    edition: Edition,
    clause: Clause,
    operation: str,
    proposed_text: str,
    justification: str,
    insert_position: str | None = None,
    positions: Iterable[Position] = (),
    reason: str,
) -> Amendment:
    """The command line records an amendment an organisation filed elsewhere (in a
    paper, by letter) as submitted, with its number; used by the seed.

    No user: it runs with the secretariat's authority, outside the amendment window,
    which governs filing through the application. Everything else is checked as for
    ``amendment_create``.
    """
    amendment, linked = _new_amendment(
        edition=edition,
        clause=clause,
        operation=operation,
        insert_position=insert_position,
        proposed_text=proposed_text,
        justification=justification,
        positions=positions,
        proposer=proposer,
        window_checked=False,
    )
    _number(amendment, timezone.now())
    _record(amendment, user=None, reason=reason)
    amendment.save()
    amendment.positions.set(linked)
    following.notify_amendment_submitted(amendment, actor=None)
    audit_append(
        action=Action.RECORDED,
        content={**_amendment_wording(amendment, linked), "reason": reason},
        user=None,
        amendment=amendment,
    )
    return amendment


@transaction.atomic
def amendment_withdraw(
    *, amendment: Amendment, user: User, expected_version: int, reason: str
) -> Amendment:
    """The proposer withdraws a draft, submitted or admissible amendment.

    A withdrawn amendment keeps its number (numbers never move); a withdrawn draft stays
    private.
    """
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_withdraw_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    _check_move(locked, Status.WITHDRAWN)
    _check_version(locked, expected_version)
    why = _check_reason(reason, _("Say why the amendment is withdrawn."))
    old_status, locked.status = locked.status, Status.WITHDRAWN
    _save(locked, user=user, reason=why)
    following.notify_status_changed(locked, old_status, actor=user)
    audit_append(
        action=Action.WITHDRAWN,
        content={**_amendment_facts(locked), "from_status": old_status, "reason": why},
        user=user,
        amendment=locked,
    )
    return locked


# --- co-sponsors -----------------------------------------------------------------------


@transaction.atomic
def amendment_cosign(*, amendment: Amendment, user: User) -> CoSponsorship:
    """The user's organisation co-signs another organisation's amendment.

    While it is a draft or submitted; drafts are private to the proposer, so in practice
    submitted ones. The proposer cannot co-sign its own amendment.
    """
    # Locked so that a signature cannot land on an amendment being withdrawn or screened.
    locked = _lock(amendment)
    _check_visible(user, locked)
    organisation = permissions.organisation_of(user)
    if organisation is not None and organisation.pk == locked.proposer_id:
        raise ValidationError(
            _("%(organisation)s proposes %(amendment)s: it cannot also co-sign it.")
            % {"organisation": organisation, "amendment": _label(locked)},
            code=COSPONSOR_IS_PROPOSER,
        )
    if not permissions.can_cosign_amendment(user, locked) or organisation is None:
        raise PermissionDenied(NOT_ALLOWED)
    _check_open_for(locked, Amendment.COSIGNABLE_STATUSES, _("co-signing"))
    if CoSponsorship.objects.filter(amendment=locked, organisation=organisation).exists():
        raise ValidationError(
            _("%(organisation)s already co-signs %(amendment)s.")
            % {"organisation": organisation, "amendment": _label(locked)},
            code=ALREADY_COSIGNED,
        )
    signature = CoSponsorship(amendment=locked, organisation=organisation, created_by=_author(user))
    _record(signature, user=user, reason=_("Co-signed"))
    signature.save()
    audit_append(
        action=Action.COSIGNED, content=_amendment_facts(locked), user=user, amendment=locked
    )
    return signature


@transaction.atomic
def amendment_withdraw_signature(*, amendment: Amendment, user: User, reason: str = "") -> None:
    """The user's organisation takes back its signature (draft or submitted amendments).

    The row is deleted; its history keeps the signature and its withdrawal.
    """
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_cosign_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    _check_open_for(locked, Amendment.COSIGNABLE_STATUSES, _("withdrawing a signature"))
    organisation = permissions.organisation_of(user)
    signature = CoSponsorship.objects.filter(amendment=locked, organisation=organisation).first()
    if signature is None:
        raise ValidationError(
            _("%(organisation)s does not co-sign %(amendment)s.")
            % {"organisation": organisation, "amendment": _label(locked)},
            code=NOT_A_COSPONSOR,
        )
    why = reason.strip() or _("Signature withdrawn")
    _record(signature, user=user, reason=why)
    signature.delete()
    audit_append(
        action=Action.SIGNATURE_WITHDRAWN,
        content={**_amendment_facts(locked), "reason": why},
        user=user,
        amendment=locked,
    )


# --- the secretariat -------------------------------------------------------------------


@transaction.atomic
def amendment_screen(
    *,
    amendment: Amendment,
    user: User,
    admissible: bool,
    reason: str,
    expected_version: int | None = None,
) -> Amendment:
    """The secretariat declares a submitted amendment admissible or inadmissible.

    Inadmissible needs a reason, which is kept on the amendment and shown with it.
    """
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_screen_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    target = Status.ADMISSIBLE if admissible else Status.INADMISSIBLE
    _check_move(locked, target)
    _check_version(locked, expected_version)
    if admissible:
        why = reason.strip() or _("Declared admissible")
    else:
        why = _check_reason(reason, _("Say why the amendment is inadmissible."))
        locked.inadmissibility_reason = why
    old_status, locked.status = locked.status, target
    _save(locked, user=user, reason=why)
    following.notify_status_changed(locked, old_status, actor=user)
    audit_append(
        action=Action.SCREENED,
        content={**_amendment_facts(locked), "from_status": old_status, "reason": why},
        user=user,
        amendment=locked,
    )
    return locked


@transaction.atomic
def amendment_recommend(
    *,
    amendment: Amendment,
    user: User,
    recommendation: str,
    outcome: str | None = None,
    expected_version: int | None = None,
) -> Amendment:
    """The secretariat's recommendation on a submitted or admissible amendment: a text
    and, if it has one, the outcome it recommends. Given again, it replaces the previous.
    """
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_recommend_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    _check_open_for(locked, Amendment.RECOMMENDABLE_STATUSES, _("a recommendation"))
    _check_version(locked, expected_version)
    text = recommendation.strip()
    if not text:
        raise ValidationError(_("Write the recommendation."), code=RECOMMENDATION_REQUIRED)
    if outcome and outcome not in Amendment.Outcome.values:
        raise ValidationError(
            _("Recommend adopting, adopting as amended or rejecting."), code=OUTCOME_INVALID
        )
    locked.recommendation, locked.recommended_outcome = text, outcome or ""
    _save(locked, user=user, reason=_("Recommendation recorded"))
    audit_append(
        action=Action.RECOMMENDED,
        content={
            **_amendment_facts(locked),
            "recommendation": text,
            "recommended_outcome": locked.recommended_outcome,
        },
        user=user,
        amendment=locked,
    )
    return locked


@transaction.atomic
def amendment_decide(
    *,
    amendment: Amendment,
    user: User,
    outcome: str,
    reason: str,
    adopted_text: str | None = None,
    expected_version: int | None = None,
) -> Amendment:
    """The secretariat records the decision on an admissible amendment: adopted, adopted
    as amended (with the adopted text, which must differ from the proposed one) or
    rejected. ``reason`` (e.g. the meeting's decision) goes into the history.
    """
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_decide_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    if outcome not in Amendment.Outcome.values:
        raise ValidationError(
            _("The decision is to adopt, adopt as amended or reject."), code=OUTCOME_INVALID
        )
    _check_move(locked, outcome)
    _check_version(locked, expected_version)
    why = _check_reason(reason, _("Say what the decision rests on (the meeting, the session)."))
    text = normalise_text(adopted_text or "")
    if outcome == Amendment.Outcome.ADOPTED_AS_AMENDED:
        if not text:
            raise ValidationError(
                _("Adopted as amended: give the text that was adopted."),
                code=ADOPTED_TEXT_REQUIRED,
            )
        if text == normalise_text(locked.proposed_text):
            raise ValidationError(
                _("The adopted text is the proposed text: record the amendment as adopted."),
                code=ADOPTED_TEXT_UNCHANGED,
            )
    elif text:
        raise ValidationError(
            _("Only an amendment adopted as amended records an adopted text."),
            code=ADOPTED_TEXT_NOT_EXPECTED,
        )
    old_status, locked.status = locked.status, outcome
    locked.adopted_text = text
    locked.decided_at = timezone.now()
    _save(locked, user=user, reason=why)
    following.notify_status_changed(locked, old_status, actor=user)
    audit_append(
        action=Action.DECIDED,
        content={
            **_amendment_facts(locked),
            "from_status": old_status,
            "adopted_text": text,
            "reason": why,
        },
        user=user,
        amendment=locked,
    )
    return locked


# --- delegations' support ----------------------------------------------------------------


@transaction.atomic
def amendment_support(*, amendment: Amendment, user: User, stance: str) -> AmendmentSupport:
    """The user's delegation supports or opposes a submitted or admissible amendment.

    One stance per delegation: giving another one changes it (a history row).
    """
    # Locked so that a support cannot land on an amendment being decided, and two
    # delegates of one Party cannot both create its row.
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_support_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    if stance not in AmendmentSupport.Stance.values:
        raise ValidationError(_("Support or oppose."), code=STANCE_INVALID)
    _check_open_for(locked, Amendment.SUPPORTABLE_STATUSES, _("supporting or opposing"))
    organisation = permissions.organisation_of(user)
    assert organisation is not None  # a delegate belongs to a Party
    support = AmendmentSupport.objects.filter(amendment=locked, organisation=organisation).first()
    if support is not None and support.stance == stance:
        return support
    if support is None:
        support = AmendmentSupport(amendment=locked, organisation=organisation)
    support.stance, support.user = stance, _author(user)
    _record(support, user=user, reason=str(AmendmentSupport.Stance(stance).label))
    support.save()
    audit_append(
        action=Action.SUPPORTED,
        content={**_amendment_facts(locked), "stance": stance},
        user=user,
        amendment=locked,
    )
    return support


@transaction.atomic
def amendment_support_withdraw(*, amendment: Amendment, user: User) -> None:
    """The user's delegation takes back its support or opposition (while still open)."""
    locked = _lock(amendment)
    _check_visible(user, locked)
    if not permissions.can_support_amendment(user, locked):
        raise PermissionDenied(NOT_ALLOWED)
    _check_open_for(locked, Amendment.SUPPORTABLE_STATUSES, _("withdrawing a support"))
    organisation = permissions.organisation_of(user)
    support = AmendmentSupport.objects.filter(amendment=locked, organisation=organisation).first()
    if support is None:
        raise ValidationError(
            _("%(organisation)s has not taken a stance on %(amendment)s.")
            % {"organisation": organisation, "amendment": _label(locked)},
            code=NO_SUPPORT,
        )
    _record(support, user=user, reason=_("Stance withdrawn"))
    support.delete()
    audit_append(
        action=Action.SUPPORT_WITHDRAWN,
        content={**_amendment_facts(locked), "stance": support.stance},
        user=user,
        amendment=locked,
    )


# --- amendment windows -----------------------------------------------------------------


@transaction.atomic
def window_set(
    *,
    edition: Edition,
    user: User | None,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    time_zone: str = MEETING_TIME_ZONE,
) -> AmendmentWindow:
    """Open (or move) the edition's amendment window: aware datetimes, opening first.

    The secretariat, or the command line (``user`` None). ``time_zone`` is the one the
    window is shown in; the instants themselves are stored in UTC.
    """
    if not permissions.can_set_amendment_window(user, edition):
        raise PermissionDenied(NOT_ALLOWED)
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise ValidationError(
            _("Give the opening and closing times with their time zone."), code=NAIVE_DATETIME
        )
    if not opens_at < closes_at:
        raise ValidationError(
            _("The amendment window must open before it closes."), code=WINDOW_ORDER
        )
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(zone)s is not a known time zone.") % {"zone": time_zone},
            code=UNKNOWN_TIME_ZONE,
        ) from None
    # Lock the edition: its window row may not exist yet, so two secretaries opening it
    # at once queue on the edition instead of both inserting a window.
    Edition.objects.select_for_update().filter(pk=edition.pk).get()
    window = AmendmentWindow.objects.filter(edition=edition).first() or AmendmentWindow(
        edition=edition
    )
    window.opens_at, window.closes_at, window.time_zone = opens_at, closes_at, time_zone
    _record(window, user=user, reason=_("Amendment window set"))
    window.save()
    return window


# --- consolidation ---------------------------------------------------------------------

CONFLICTS = "conflicts"
NOT_ADOPTED = "not-adopted"
OTHER_EDITION = "other-edition"
ADOPTED_STATUSES = (Status.ADOPTED, Status.ADOPTED_AS_AMENDED)


def plan_clauses(edition: Edition) -> list[consolidating.PlanClause]:
    rows = edition.clauses.in_document_order().values(
        "id", "eid", "number", "kind", "parent_id", "heading", "text", "depth"
    )
    eid_of = {r["id"]: r["eid"] for r in rows}
    return [
        consolidating.PlanClause(
            eid=r["eid"],
            number=r["number"],
            kind=r["kind"],
            parent_eid=eid_of.get(r["parent_id"]),
            heading=r["heading"],
            text=r["text"],
            depth=r["depth"],
        )
        for r in rows
    ]


def plan_amendments(amendments: Iterable[Amendment]) -> list[consolidating.PlanAmendment]:
    """What each amendment does, in number order; adopted as amended: the adopted text."""
    return [
        consolidating.PlanAmendment(
            number=a.number,
            operation=a.operation,
            insert_position=a.insert_position,
            clause_eid=a.clause.eid,
            base_text=a.base_text,
            text=a.adopted_text if a.status == Status.ADOPTED_AS_AMENDED else a.proposed_text,
            proposer=a.proposer.name,
        )
        for a in sorted(amendments, key=lambda a: (a.sequence or 0, a.pk))
    ]


@transaction.atomic
def edition_consolidate(
    *,
    base: Edition,
    user: User | None,
    slug: str,
    label: str,
    amendments: Iterable[Amendment] | None = None,
    resolutions: dict[str, consolidating.Resolution] | None = None,
) -> tuple[Edition, consolidating.Plan]:
    """A new working edition (based on ``base``) with the adopted amendments applied.

    By default all of the base's adopted amendments; each change goes through the clause
    services with the amendment in the history reason ("A-3 adopted"). Refused while the
    plan has unresolved conflicts (code ``conflicts``). The base row is locked, so two
    consolidations of one base run one after the other.
    """
    if user is not None and not permissions.is_secretariat(user):
        raise PermissionDenied(NOT_ALLOWED)
    # Lock the base: concurrent consolidations of it queue here.
    Edition.objects.select_for_update().filter(pk=base.pk).get()
    adopted = Amendment.objects.filter(edition=base, status__in=ADOPTED_STATUSES)
    chosen = list(adopted.select_related("clause", "proposer"))
    if amendments is not None:
        wanted = {a.pk for a in amendments}
        chosen = [a for a in chosen if a.pk in wanted]
        if len(chosen) != len(wanted):
            raise ValidationError(
                _("Only adopted amendments of %(edition)s can be consolidated.")
                % {"edition": base.label},
                code=NOT_ADOPTED,
            )
    plan = consolidating.plan_consolidation(
        plan_clauses(base), plan_amendments(chosen), resolutions
    )
    if plan.conflicts:
        raise ValidationError(
            _("Resolve the conflicts first: %(list)s.")
            % {
                "list": "; ".join(
                    f"{c.clause_eid} ({', '.join(c.amendments)})" for c in plan.conflicts
                )
            },
            code=CONFLICTS,
        )
    # edition_fork tells the followers of the instrument's editions (amendments.following).
    fork = guidelines_services.edition_fork(
        base=base,
        user=_author(user),
        slug=slug,
        label=label,
        reason=_("Consolidated from %(label)s") % {"label": base.label},
    )
    clauses = {c.eid: c for c in fork.clauses.all()}
    for eid in plan.deleted:
        if eid in clauses:
            guidelines_services.clause_delete(
                clause=clauses[eid], user=None, reason=_("%(n)s adopted") % {"n": plan.changed[eid]}
            )
    for clause in plan.clauses:
        reason = _("%(n)s adopted") % {"n": plan.changed.get(clause.eid, "")}
        existing = clauses.get(clause.eid)
        if clause.inserted_by:
            guidelines_services.clause_insert(
                edition=fork,
                user=None,
                eid=clause.eid,
                number=clause.number,
                kind=clause.kind,
                parent_eid=clause.parent_eid,
                text=clause.text,
                reason=reason,
            )
        elif existing is not None and existing.text != clause.text:
            guidelines_services.clause_update(
                clause=existing,
                user=None,
                expected_version=existing.version,
                reason=reason,
                text=clause.text,
            )
    guidelines_services.clause_reorder(edition=fork, eids=[c.eid for c in plan.clauses])
    audit_append(
        action=Action.CONSOLIDATED,
        content={
            "edition": base.slug,
            "new_edition": fork.slug,
            "new_edition_id": fork.pk,
            "label": fork.label,
            "amendments": [a.number for a in plan_amendments(chosen)],
            "changed": plan.changed,
            "deleted": plan.deleted,
        },
        user=user,
        edition=base,
    )
    return fork, plan


# --- amendments from a marked-up Word file ------------------------------------------------


@dataclass(frozen=True)
class WordImport:
    amendments: list[Amendment]
    warnings: list[str]


def organisation_files_amendments(organisation: Organisation) -> bool:
    """Parties and accredited NGOs file amendments (``permissions.files_amendments`` for
    an organisation rather than a user)."""
    return organisation.kind == Organisation.Kind.PARTY or (
        organisation.kind == Organisation.Kind.NGO and organisation.accredited
    )


def _excerpt(text: str, size: int = 80) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


@transaction.atomic
def amendments_from_word(
    *,
    edition: Edition,
    data: bytes,
    filename: str,
    user: User | None,
    proposer: Organisation | None = None,
) -> WordImport:
    """File the tracked changes of a marked-up Word file as draft amendments, one per
    changed clause (``amendments.tracked_changes``), comments as justifications.

    With a user (the upload page): the user's organisation proposes, as for
    ``amendment_create`` (who may file, an edition they can read, the window open).
    Without (the command line, the secretariat's authority): ``proposer`` must be a Party
    or an accredited NGO, and the window is not checked, as for ``amendment_record``.

    The text each change starts from must be the clause's current text: a file marked up
    on another version is refused with every mismatch listed (code ``base-mismatch``),
    never guessed. All or nothing: on any refusal nothing is written.
    """
    from amendments.tracked_changes import read_marked_up

    if user is not None:
        if not permissions.can_view_edition(user, edition):
            raise PermissionDenied(EDITION_NOT_VISIBLE)
        if not permissions.files_amendments(user):
            raise PermissionDenied(FILING_NOT_ALLOWED)
        proposer = permissions.organisation_of(user)
        assert proposer is not None  # files_amendments() needs one
    elif proposer is None or not organisation_files_amendments(proposer):
        raise ValidationError(
            _("Only a Party or an accredited NGO files amendments."),
            code=ORGANISATION_DOES_NOT_FILE,
        )
    if edition.is_adopted:
        raise ValidationError(
            _("%(edition)s is adopted: it takes no amendments.") % {"edition": edition.label},
            code=TARGET_ADOPTED,
        )
    if user is not None:
        _check_window(edition, timezone.now())
    try:
        marked = read_marked_up(data)
    except ImportFailure as exc:
        raise ValidationError(
            _("%(file)s cannot be read: %(reason)s.") % {"file": filename, "reason": exc},
            code=UNREADABLE_FILE,
        ) from None
    if not marked.changes:
        raise ValidationError(
            _("%(file)s has tracked changes, but none that changes a clause's text.")
            % {"file": filename},
            code=NO_CHANGES,
        )
    clauses = {c.eid: c for c in edition.clauses.all()}
    problems = []
    for change in marked.changes:
        clause = clauses.get(change.eid)
        if clause is None:
            problems.append(
                _("%(clause)s: %(edition)s has no such clause.")
                % {"clause": change.number or change.eid, "edition": edition.label}
            )
        elif normalise_text(clause.text) != normalise_text(change.base_text):
            problems.append(
                _(
                    "%(clause)s: the file's text before the changes (“%(file)s”) is not the "
                    "current text of the clause (“%(current)s”)."
                )
                % {
                    "clause": change.number or change.eid,
                    "file": _excerpt(change.base_text),
                    "current": _excerpt(clause.text),
                }
            )
    if problems:
        problems.append(
            _("Nothing was filed. Download the current text, mark it up and upload it again.")
        )
        # A list keeps no code of its own (Django drops ``code`` for a list): each message
        # carries it, and so does the error, which the upload page answers with a 409.
        error = ValidationError(
            [ValidationError(problem, code=BASE_MISMATCH) for problem in dict.fromkeys(problems)]
        )
        error.code = BASE_MISMATCH
        raise error
    created = []
    for change in marked.changes:
        try:
            amendment, _linked = _new_amendment(
                edition=edition,
                clause=clauses[change.eid],
                operation=change.operation,
                insert_position=change.insert_position or None,
                proposed_text=change.text,
                justification="\n\n".join(change.comments),
                positions=(),
                proposer=proposer,
                window_checked=False,
            )
        except ValidationError as exc:
            raise ValidationError(
                f"{change.label}: {' '.join(exc.messages)}", code=exc.code
            ) from None
        amendment.created_by = _author(user)
        _record(
            amendment,
            user=user,
            reason=_("Filed as a draft from the Word file %(file)s") % {"file": filename},
        )
        amendment.save()
        created.append(amendment)
    for amendment in created:
        audit_append(
            action=Action.FILED,
            content={**_amendment_wording(amendment, []), "file": filename},
            user=user,
            amendment=amendment,
        )
    return WordImport(created, marked.warnings)
