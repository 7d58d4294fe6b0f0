"""Every write to instruments, editions and clauses.

Services are keyword-only, atomic, validate before they write, and raise
``ValidationError``/``PermissionDenied`` with the messages below. Each change to a
clause is a history row with the user and the reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from guidelines import permissions
from guidelines.importing import ParsedClause, ParsedEdition, normalise_text
from guidelines.models import Clause, ClauseCorrespondence, Edition, Instrument
from guidelines.searching import search_document

ADOPTED_READ_ONLY = "adopted-read-only"
STALE_VERSION = "stale-version"
REASON_REQUIRED = "reason-required"
EDITION_OF_OTHER_INSTRUMENT = "edition-of-other-instrument"
NOT_ALLOWED = "not-allowed"
SLUG_TAKEN = "slug-taken"
CLAUSE_REFERRED_TO = "clause-referred-to"


class StaleVersion(ValidationError):
    """The clause changed since the user read it: refuse, never overwrite (HTTP 409)."""


@dataclass
class ImportResult:
    edition: Edition
    created: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: int = 0

    @property
    def unchanged(self) -> bool:
        return not (self.created or self.added or self.changed or self.removed or self.moved)


_CONTENT_FIELDS = ("kind", "number", "heading", "text")


@transaction.atomic
def edition_import(
    *,
    parsed: ParsedEdition,
    instrument_slug: str,
    slug: str,
    label: str,
    language: str,
    status: str = Edition.Status.DRAFT,
    date: datetime.date | None = None,
    completeness: str = Edition.Completeness.COMPLETE,
    source_citation: str = "",
    published: bool | None = None,
    user: AbstractBaseUser | None = None,
    reason: str,
) -> ImportResult:
    """Create an edition from a parsed text, or bring an existing one up to date.

    An identical text is a no-op, also for an adopted edition (so seeding can run
    again). A changed text updates a draft's changed clauses only, each with a history
    row giving ``reason``; it is refused for an adopted edition. Metadata given for an
    existing edition (label, language, date) are not changed by a re-import.
    """
    if not permissions.can_import_edition(user):
        raise PermissionDenied(NOT_ALLOWED)
    if not reason.strip():
        raise ValidationError(_("Say why the text is imported."), code=REASON_REQUIRED)
    instrument, _created = Instrument.objects.get_or_create(
        slug=instrument_slug, defaults={"title": parsed.title or instrument_slug}
    )
    # Lock the instrument: two imports into it (even of a new edition, whose row does
    # not exist yet to be locked) must run one after the other, not interleave.
    Instrument.objects.select_for_update().filter(pk=instrument.pk).first()
    edition = Edition.objects.filter(slug=slug).first()
    if edition is None:
        edition = Edition.objects.create(
            instrument=instrument,
            slug=slug,
            label=label,
            title=parsed.title,
            subtitle=parsed.subtitle,
            language=language,
            status=status,
            date=date,
            completeness=completeness,
            source_citation=source_citation,
            published=bool(published),
        )
        orders = {c.eid: i for i, c in enumerate(parsed.clauses, start=1)}
        _create_clauses(edition, parsed.clauses, {}, orders, user=user, reason=reason)
        from amendments import following  # here, not on top: amendments imports us

        following.notify_edition_created(edition, actor=user)
        return ImportResult(edition, created=True, added=[c.eid for c in parsed.clauses])
    if edition.instrument_id != instrument.pk:
        raise ValidationError(
            _("The edition %(slug)s belongs to the instrument %(other)s, not %(this)s.")
            % {"slug": slug, "other": edition.instrument.slug, "this": instrument_slug},
            code=EDITION_OF_OTHER_INSTRUMENT,
        )
    return _reimport(edition, parsed, user=user, reason=reason)


def _reimport(
    edition: Edition, parsed: ParsedEdition, *, user: AbstractBaseUser | None, reason: str
) -> ImportResult:
    result = ImportResult(edition)
    existing = {c.eid: c for c in edition.clauses.all()}
    eid_of_id = {c.pk: eid for eid, c in existing.items()}
    wanted = {c.eid: (order, c) for order, c in enumerate(parsed.clauses, start=1)}
    new = [c for c in parsed.clauses if c.eid not in existing]
    changed: list[tuple[Clause, ParsedClause]] = []
    moved: list[Clause] = []
    for eid, (order, parsed_clause) in wanted.items():
        clause = existing.get(eid)
        if clause is None:
            continue
        parent_eid = eid_of_id.get(clause.parent_id) if clause.parent_id else None
        if parent_eid != parsed_clause.parent_eid or any(
            getattr(clause, name) != getattr(parsed_clause, name) for name in _CONTENT_FIELDS
        ):
            changed.append((clause, parsed_clause))
        elif clause.order != order or clause.depth != parsed_clause.depth:
            moved.append(clause)
    removed = [c for eid, c in existing.items() if eid not in wanted]
    metadata_changed = (edition.title, edition.subtitle) != (parsed.title, parsed.subtitle)
    if not (new or changed or moved or removed or metadata_changed):
        return result
    if edition.is_adopted:
        raise ValidationError(
            _("%(label)s is adopted: its text cannot be changed.") % {"label": edition.label},
            code=ADOPTED_READ_ONLY,
        )

    if metadata_changed:
        edition.title, edition.subtitle = parsed.title, parsed.subtitle
        edition.save(update_fields=["title", "subtitle"])
    ids = {eid: c.pk for eid, c in existing.items()}
    orders = {eid: order for eid, (order, _c) in wanted.items()}
    created = _create_clauses(edition, new, ids, orders, user=user, reason=reason)
    ids.update({c.eid: c.pk for c in created})
    for clause, parsed_clause in changed:
        order, _parsed = wanted[clause.eid]
        for name in _CONTENT_FIELDS:
            setattr(clause, name, getattr(parsed_clause, name))
        clause.search_text = search_document(clause.heading, clause.text)
        clause.parent_id = ids[parsed_clause.parent_eid] if parsed_clause.parent_eid else None
        clause.order, clause.depth = order, parsed_clause.depth
        clause.version += 1
        _record(clause, user=user, reason=reason)
        clause.save()
    for clause in moved:
        order, parsed_clause = wanted[clause.eid]
        clause.order, clause.depth = order, parsed_clause.depth
    # Only the position moved: not a change of wording, so no new version.
    Clause.objects.bulk_update(moved, ["order", "depth"])
    if moved:
        _count_move(edition)
    for clause in sorted(removed, key=lambda c: -c.depth):
        _record(clause, user=user, reason=reason)
        try:
            clause.delete()
        except (ProtectedError, RestrictedError):
            # Positions and amendments point at it: refuse, and the transaction undoes
            # everything this import did.
            raise ValidationError(
                _(
                    "The new text drops %(clause)s, but positions or amendments refer to "
                    "it. Keep the clause, or move them first."
                )
                % {"clause": clause.number or clause.eid},
                code=CLAUSE_REFERRED_TO,
            ) from None
    result.added = [c.eid for c in new]
    result.changed = [c.eid for c, _p in changed]
    result.removed = [c.eid for c in removed]
    result.moved = len(moved)
    return result


def _create_clauses(
    edition: Edition,
    parsed: list[ParsedClause],
    ids: dict[str, int],
    orders: dict[str, int],
    *,
    user: AbstractBaseUser | None,
    reason: str,
    notes: dict[str, str] | None = None,
) -> list[Clause]:
    """Insert clauses level by level so each parent has its id before its children."""
    created: list[Clause] = []
    ids = dict(ids)
    for depth in sorted({c.depth for c in parsed}):
        level = [
            Clause(
                edition=edition,
                parent_id=ids[c.parent_eid] if c.parent_eid else None,
                kind=c.kind,
                number=c.number,
                eid=c.eid,
                order=orders[c.eid],
                depth=c.depth,
                heading=c.heading,
                text=c.text,
                search_text=search_document(c.heading, c.text),
                note=(notes or {}).get(c.eid, ""),
            )
            for c in parsed
            if c.depth == depth
        ]
        made = bulk_create_with_history(
            level, Clause, default_user=user, default_change_reason=reason
        )
        ids.update({c.eid: c.pk for c in made})
        created.extend(made)
    return created


def _record(clause: Clause, *, user: AbstractBaseUser | None, reason: str) -> None:
    clause._change_reason = reason  # type: ignore[attr-defined]
    clause._history_user = user  # type: ignore[attr-defined]


@transaction.atomic
def clause_update(
    *,
    clause: Clause,
    user: AbstractBaseUser | None,
    expected_version: int,
    reason: str,
    text: str | None = None,
    heading: str | None = None,
    note: str | None = None,
) -> Clause:
    """Change a clause's wording (or its note), refusing a stale version.

    The row is locked, its version compared with the one the user read, then saved
    with a history row (user, reason). A stale version raises ``StaleVersion`` and
    writes nothing, so the other editor's change is never lost. ``user`` None is the
    command line (seeding), which has the secretariat's rights.
    """
    # Lock: two editors may have read the same version; the second must see the first's.
    locked = Clause.objects.select_for_update().select_related("edition").get(pk=clause.pk)
    if locked.edition.is_adopted:
        raise ValidationError(
            _("%(label)s is adopted: its text cannot be changed.")
            % {"label": locked.edition.label},
            code=ADOPTED_READ_ONLY,
        )
    if user is not None and not permissions.can_edit_edition(user, locked.edition):
        raise PermissionDenied(NOT_ALLOWED)
    if locked.version != expected_version:
        raise StaleVersion(
            _(
                "This clause was changed by someone else since you opened it (you read "
                "version %(read)s, it is now at version %(now)s). Your text was not saved: "
                "reload the clause, then apply your change again."
            )
            % {"read": expected_version, "now": locked.version},
            code=STALE_VERSION,
        )
    if not reason.strip():
        raise ValidationError(_("Say why the clause is changed."), code=REASON_REQUIRED)
    changes: dict[str, Any] = {}
    for name, value in (("text", text), ("heading", heading), ("note", note)):
        if value is not None and normalise_text(value) != getattr(locked, name):
            changes[name] = normalise_text(value)
    if not changes:
        return locked
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.search_text = search_document(locked.heading, locked.text)
    locked.version += 1
    _record(locked, user=user, reason=reason)
    locked.save()
    return locked


@transaction.atomic
def edition_fork(
    *,
    base: Edition,
    user: AbstractBaseUser | None,
    slug: str,
    label: str,
    reason: str = "",
) -> Edition:
    """A working draft that starts as a copy of ``base``: same clauses, same eids.

    ``based_on`` records the base, so clauses can later be matched along the fork by
    eid. The copy is unpublished until the secretariat publishes it.
    """
    if user is not None and not permissions.can_fork_edition(user, base):
        raise PermissionDenied(NOT_ALLOWED)
    if Edition.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("An edition with the slug %(slug)s already exists.") % {"slug": slug},
            code=SLUG_TAKEN,
        )
    fork = Edition.objects.create(
        instrument=base.instrument,
        slug=slug,
        label=label,
        title=base.title,
        subtitle=base.subtitle,
        language=base.language,
        status=Edition.Status.WORKING,
        completeness=base.completeness,
        source_citation=base.source_citation,
        based_on=base,
        published=False,
    )
    rows = list(base.clauses.in_document_order())
    eid_of = {c.pk: c.eid for c in rows}
    parsed = [
        ParsedClause(
            kind=c.kind,
            number=c.number,
            eid=c.eid,
            parent_eid=eid_of.get(c.parent_id) if c.parent_id else None,
            heading=c.heading,
            text=c.text,
            depth=c.depth,
        )
        for c in rows
    ]
    orders = {c.eid: c.order for c in rows}
    _create_clauses(
        fork,
        parsed,
        {},
        orders,
        user=user,
        reason=reason or _("Forked from %(label)s") % {"label": base.label},
        notes={c.eid: c.note for c in rows if c.note},
    )
    from amendments import following  # here, not on top: amendments imports us

    following.notify_edition_created(fork, actor=user)
    return fork


CROSS_LANGUAGE = "cross-language"
SAME_EDITION = "same-edition"


@dataclass
class AlignResult:
    method: str  # "eid" or "text"
    proposed: int
    kept: int
    kinds: dict[str, int]


@transaction.atomic
def editions_align(*, a: Edition, b: Edition, user: AbstractBaseUser | None = None) -> AlignResult:
    """Propose correspondences between the clauses of A and B (DESIGN.md's rules).

    Along a fork (one is based on the other) clauses match by eid; otherwise by the
    similarity of their words, in one language only: across languages the secretariat
    matches by hand, so this refuses. Earlier automatic proposals that nobody confirmed
    are replaced; confirmed and hand-made ones are kept, and their clauses left alone.
    """
    from guidelines.aligning import AlignItem, align_by_eid, align_by_text

    if user is not None and not permissions.is_secretariat(user):
        raise PermissionDenied(NOT_ALLOWED)
    if a.pk == b.pk:
        raise ValidationError(_("Choose two different editions."), code=SAME_EDITION)
    fork = b.based_on_id == a.pk or a.based_on_id == b.pk
    if not fork and a.language != b.language:
        raise ValidationError(
            _(
                "%(a)s and %(b)s are in different languages: their clauses are matched by "
                "hand, not by their words."
            )
            % {"a": a.label, "b": b.label},
            code=CROSS_LANGUAGE,
        )
    # Lock both editions' rows: two alignments of one pair must not interleave.
    list(Edition.objects.select_for_update().filter(pk__in=[a.pk, b.pk]))
    existing = ClauseCorrespondence.objects.filter(edition_a=a, edition_b=b)
    existing.filter(method=ClauseCorrespondence.Method.AUTO, confirmed=False).delete()
    kept = list(existing.values_list("source_id", "target_id"))
    taken_a = {s for s, _t in kept if s}
    taken_b = {t for _s, t in kept if t}

    def items(edition: Edition, taken: set[int]) -> list[AlignItem]:
        rows = edition.clauses.in_document_order().values_list(
            "pk", "eid", "number", "kind", "heading", "text"
        )
        return [
            AlignItem(pk, eid, number, kind, f"{heading} {text}".strip())
            for pk, eid, number, kind, heading, text in rows
            if pk not in taken
        ]

    items_a, items_b = items(a, taken_a), items(b, taken_b)
    matches = align_by_eid(items_a, items_b) if fork else align_by_text(items_a, items_b)
    ClauseCorrespondence.objects.bulk_create(
        ClauseCorrespondence(
            edition_a=a,
            edition_b=b,
            source_id=m.source,
            target_id=m.target,
            kind=m.kind,
            method=ClauseCorrespondence.Method.AUTO,
            score=m.score,
            updated_by_id=user.pk if user is not None else None,
        )
        for m in matches
    )
    kinds: dict[str, int] = {}
    for m in matches:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    return AlignResult("eid" if fork else "text", len(matches), len(kept), kinds)


CORRESPONDENCE_INVALID = "correspondence-invalid"


@transaction.atomic
def correspondence_confirm(*, user: AbstractBaseUser, correspondence: ClauseCorrespondence) -> None:
    """The secretariat confirms a proposal: realigning will keep it."""
    if not permissions.is_secretariat(user):
        raise PermissionDenied(NOT_ALLOWED)
    correspondence.confirmed = True
    correspondence.updated_by_id = user.pk
    correspondence.save(update_fields=["confirmed", "updated_by", "updated_at"])


@transaction.atomic
def correspondence_delete(*, user: AbstractBaseUser, correspondence: ClauseCorrespondence) -> None:
    if not permissions.is_secretariat(user):
        raise PermissionDenied(NOT_ALLOWED)
    correspondence.delete()


@transaction.atomic
def correspondence_set(
    *,
    user: AbstractBaseUser,
    a: Edition,
    b: Edition,
    source_eid: str,
    target_eid: str,
    kind: str,
) -> ClauseCorrespondence:
    """Match two clauses by hand (across languages, the only way), confirmed at once.

    An empty ``source_eid`` records a new clause of B, an empty ``target_eid`` a
    clause of A that B does not have. Earlier correspondences of either clause in this
    pair of editions are replaced.
    """
    if not permissions.is_secretariat(user):
        raise PermissionDenied(NOT_ALLOWED)
    if kind not in ClauseCorrespondence.Kind.values:
        raise ValidationError(_("Choose the kind of correspondence."), code=CORRESPONDENCE_INVALID)
    if not source_eid and not target_eid:
        raise ValidationError(_("Name a clause of A, of B, or both."), code=CORRESPONDENCE_INVALID)
    source = a.clauses.filter(eid=source_eid).first() if source_eid else None
    target = b.clauses.filter(eid=target_eid).first() if target_eid else None
    if (source_eid and source is None) or (target_eid and target is None):
        raise ValidationError(
            _("No clause %(eid)s in %(edition)s.")
            % (
                {"eid": source_eid, "edition": a.label}
                if source_eid and source is None
                else {"eid": target_eid, "edition": b.label}
            ),
            code=CORRESPONDENCE_INVALID,
        )
    existing = ClauseCorrespondence.objects.filter(edition_a=a, edition_b=b)
    if source is not None and target is not None:
        # The pair replaces whatever said these clauses were new or deleted, or paired
        # them otherwise, unless the kind says one side has several partners.
        if kind not in (ClauseCorrespondence.Kind.SPLIT, ClauseCorrespondence.Kind.MERGED):
            existing.filter(models.Q(source=source) | models.Q(target=target)).delete()
        else:
            existing.filter(models.Q(source=source, target=None)).delete()
            existing.filter(models.Q(source=None, target=target)).delete()
    elif source is not None:
        existing.filter(source=source).delete()
    else:
        existing.filter(target=target).delete()
    return ClauseCorrespondence.objects.create(
        edition_a=a,
        edition_b=b,
        source=source,
        target=target,
        kind=kind,
        method=ClauseCorrespondence.Method.MANUAL,
        confirmed=True,
        score=0.0,
        updated_by_id=user.pk,
    )


@transaction.atomic
def clause_insert(
    *,
    edition: Edition,
    user: AbstractBaseUser | None,
    eid: str,
    number: str,
    kind: str,
    parent_eid: str | None,
    text: str,
    reason: str,
    heading: str = "",
) -> Clause:
    """A new clause in a draft or working edition; its place is set by ``clause_reorder``.

    ``user`` None is the command line or a service acting for the secretariat.
    """
    if edition.is_adopted:
        raise ValidationError(
            _("%(label)s is adopted: its text cannot be changed.") % {"label": edition.label},
            code=ADOPTED_READ_ONLY,
        )
    if user is not None and not permissions.can_edit_edition(user, edition):
        raise PermissionDenied(NOT_ALLOWED)
    if edition.clauses.filter(eid=eid).exists():
        raise ValidationError(
            _("%(eid)s is already a clause of %(label)s.") % {"eid": eid, "label": edition.label},
            code=SLUG_TAKEN,
        )
    parent = edition.clauses.filter(eid=parent_eid).first() if parent_eid else None
    clause = Clause(
        edition=edition,
        parent=parent,
        kind=kind,
        number=number,
        eid=eid,
        order=edition.clauses.count() + 1,
        depth=parent.depth + 1 if parent else 0,
        heading=normalise_text(heading),
        text=normalise_text(text),
    )
    clause.search_text = search_document(clause.heading, clause.text)
    _record(clause, user=user, reason=reason)
    clause.save()
    return clause


@transaction.atomic
def clause_delete(*, clause: Clause, user: AbstractBaseUser | None, reason: str) -> list[str]:
    """Remove a clause and what it contains from a draft, each with a history row.

    Refused when positions or amendments refer to one of them. The eids removed.
    """
    edition = clause.edition
    if edition.is_adopted:
        raise ValidationError(
            _("%(label)s is adopted: its text cannot be changed.") % {"label": edition.label},
            code=ADOPTED_READ_ONLY,
        )
    if user is not None and not permissions.can_edit_edition(user, edition):
        raise PermissionDenied(NOT_ALLOWED)
    family = [clause]
    frontier = [clause.pk]
    while frontier:
        children = list(Clause.objects.filter(parent_id__in=frontier))
        family += children
        frontier = [c.pk for c in children]
    removed = []
    for member in sorted(family, key=lambda c: -c.depth):
        _record(member, user=user, reason=reason)
        try:
            member.delete()
        except (ProtectedError, RestrictedError):
            raise ValidationError(
                _("%(clause)s cannot be removed: positions or amendments refer to it.")
                % {"clause": member.number or member.eid},
                code=CLAUSE_REFERRED_TO,
            ) from None
        removed.append(member.eid)
    return removed


def clause_reorder(*, edition: Edition, eids: list[str]) -> None:
    """Put the clauses in the order given (document order): a position, not a wording,
    so no new version."""
    clauses = {c.eid: c for c in edition.clauses.all()}
    for order, eid in enumerate(eids, start=1):
        clauses[eid].order = order
    Clause.objects.bulk_update(clauses.values(), ["order"])
    _count_move(edition)


def _count_move(edition: Edition) -> None:
    """Clauses of ``edition`` moved without a history row: say so to the cache stamps."""
    Edition.objects.filter(pk=edition.pk).update(moves=models.F("moves") + 1)


# --- language versions -------------------------------------------------------------------

LANGUAGE_LINK_INVALID = "language-link-invalid"
# Two editions follow one numbering when this share of their clauses have the same eid.
SAME_NUMBERING = 0.9


@dataclass
class LanguageLinkResult:
    linked_by_eid: int  # clause pairs linked by their eid (0: match them by hand)
    same_numbering: bool


@transaction.atomic
def edition_link_language(
    *, user: AbstractBaseUser | None, edition: Edition, original: Edition
) -> LanguageLinkResult:
    """Record that ``edition`` gives ``original`` in another language, and link their
    clauses one by one: by eid when both follow one numbering (nine clauses in ten share
    their eid), else not at all — the secretariat then matches them by hand on the
    clause map, as any pair across languages. Links made by hand are kept; earlier
    automatic ones are replaced. The secretariat, or the command line (no user).
    """
    if user is not None and not permissions.is_secretariat(user):
        raise PermissionDenied(NOT_ALLOWED)
    if edition.pk == original.pk:
        raise ValidationError(_("Choose two different editions."), code=SAME_EDITION)
    problem = None
    if edition.language == original.language:
        problem = _("%(a)s and %(b)s are in the same language.")
    elif edition.instrument_id != original.instrument_id:
        problem = _("%(a)s and %(b)s are editions of different instruments.")
    elif original.language_version_of_id is not None:
        problem = _("%(b)s is itself a language version: link %(a)s to its original.")
    if problem:
        raise ValidationError(
            problem % {"a": edition.label, "b": original.label}, code=LANGUAGE_LINK_INVALID
        )
    list(Edition.objects.select_for_update().filter(pk__in=[edition.pk, original.pk]))
    edition.language_version_of = original
    edition.save(update_fields=["language_version_of"])
    pairs = ClauseCorrespondence.objects.filter(edition_a=original, edition_b=edition)
    pairs.filter(method=ClauseCorrespondence.Method.AUTO, confirmed=False).delete()
    kept = list(pairs.values_list("source_id", "target_id"))
    taken = {pk for pair in kept for pk in pair if pk}
    a = dict(original.clauses.values_list("eid", "pk"))
    b = dict(edition.clauses.values_list("eid", "pk"))
    common = a.keys() & b.keys()
    same_numbering = bool(a and b) and len(common) >= SAME_NUMBERING * max(len(a), len(b))
    links = []
    if same_numbering:
        links = [
            ClauseCorrespondence(
                edition_a=original,
                edition_b=edition,
                source_id=a[eid],
                target_id=b[eid],
                kind=ClauseCorrespondence.Kind.TRANSLATION,
                method=ClauseCorrespondence.Method.AUTO,
                score=1.0,
                updated_by_id=user.pk if user is not None else None,
            )
            for eid in sorted(common)
            if a[eid] not in taken and b[eid] not in taken
        ]
        ClauseCorrespondence.objects.bulk_create(links)
    return LanguageLinkResult(len(links), same_numbering)
