"""Every non-trivial read of the texts, returning what the templates need."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from guidelines import permissions
from guidelines.diffing import DiffOp, has_changes, word_diff
from guidelines.exporting import EditionData
from guidelines.importing import ParsedClause
from guidelines.models import Clause, Edition, Instrument

User = AbstractBaseUser | AnonymousUser


def edition_get(*, slug: str, user: User) -> Edition:
    """The edition if the user may read it; 404 otherwise (its existence stays private)."""
    edition = Edition.objects.select_related("instrument", "based_on").filter(slug=slug).first()
    if edition is None or not permissions.can_view_edition(user, edition):
        raise Http404("No such edition.")
    return edition


def dashboard(*, user: User) -> list[Instrument]:
    """Instruments with the editions the user may read: clause counts, the amendments
    the user may see, and the amendment window. A fixed number of queries."""
    from amendments.models import Amendment, AmendmentWindow

    visible_amendments = Amendment.objects.visible_to(user)
    editions = (
        Edition.objects.visible_to(user)
        .annotate(
            clause_count=Count("clauses", distinct=True),
            numbered_count=Count(
                "clauses",
                filter=Q(clauses__kind__in=[Clause.Kind.PARAGRAPH, Clause.Kind.SUBPARAGRAPH]),
                distinct=True,
            ),
            amendment_count=Subquery(
                visible_amendments.filter(edition=OuterRef("pk"))
                .order_by()
                .values("edition")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .select_related("amendment_window")
        .order_by("date", "slug")
    )
    instruments = Instrument.objects.prefetch_related(
        Prefetch("editions", queryset=editions, to_attr="visible_editions")
    )
    result: list[Instrument] = [i for i in instruments if i.visible_editions]
    for instrument in result:
        for edition in instrument.visible_editions:  # type: ignore[attr-defined]
            window: AmendmentWindow | None = getattr(edition, "amendment_window", None)
            edition.window = window
            edition.window_open = window is not None and window.contains()
    return result


@dataclass(frozen=True)
class TocEntry:
    eid: str
    label: str
    depth: int


def edition_text(*, edition: Edition) -> tuple[list[dict[str, Any]], list[TocEntry]]:
    """All clauses in document order (one query) and the table of contents.

    Rows are plain dicts with the clause's ``url`` and printed ``label``: the page
    renders a thousand of them, and template lookups on dicts are the cheapest.
    """
    prefix = reverse("clause_detail", kwargs={"slug": edition.slug, "eid": "x"})[:-2]
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in edition.clauses.in_document_order().values(
            "kind", "number", "eid", "depth", "heading", "text", "note"
        )
    ]
    article = Clause.Kind.ARTICLE
    for row in rows:
        row["url"] = f"{prefix}{row['eid']}/"
        row["label"] = (
            _("Article %(number)s") % {"number": row["number"]}
            if row["kind"] == article
            else row["number"]
        )
    toc = [
        TocEntry(row["eid"], f"{row['label']} {row['heading']}".strip(), row["depth"])
        for row in rows
        if row["kind"] in (Clause.Kind.SECTION, Clause.Kind.ARTICLE)
    ]
    return rows, toc


def clause_get(*, edition: Edition, eid: str) -> Clause:
    clause = (
        Clause.objects.select_related("edition", "parent").filter(edition=edition, eid=eid).first()
    )
    if clause is None:
        raise Http404("No such clause.")
    return clause


@dataclass(frozen=True)
class ClauseVersion:
    version: int
    date: Any
    user: str
    reason: str
    kind: str
    text: str
    heading: str


def clause_versions(*, clause: Clause) -> list[ClauseVersion]:
    """One entry per version, newest first; a re-save that kept the version is folded.

    ``user`` is the organisation of whoever made the change, never the person: public
    pages name organisations only. Two queries.
    """
    from positions.models import Membership

    records = list(clause.history.order_by("-history_id"))
    user_ids = {r.history_user_id for r in records if r.history_user_id}
    organisation_of_user = {
        m.user_id: m.organisation.name
        for m in Membership.objects.select_related("organisation").filter(user_id__in=user_ids)
    }
    seen: set[int] = set()
    versions = []
    for record in records:
        if record.version in seen:
            continue
        seen.add(record.version)
        versions.append(
            ClauseVersion(
                version=record.version,
                date=record.history_date,
                user=organisation_of_user.get(record.history_user_id, ""),
                reason=record.history_change_reason or "",
                kind=record.history_type,
                text=record.text,
                heading=record.heading,
            )
        )
    return versions


def _diff_key(a: str, b: str) -> str:
    digest = hashlib.sha256()
    for part in (a, b):
        digest.update(hashlib.sha256(part.encode()).digest())
    return f"redraft:diff:v1:{digest.hexdigest()}"


def word_diffs(pairs: Sequence[tuple[str, str]]) -> list[list[DiffOp]]:
    """Word diffs of many text pairs: equal texts skip the diff, the rest are cached.

    The key is the pair of text hashes, so a warm page does no diff work and editing a
    clause touches only its own entries (its new text has a new hash). One cache round
    trip reads the whole batch and one writes what was missing.
    """
    keys = [_diff_key(a, b) if a != b else "" for a, b in pairs]
    cached = cache.get_many([k for k in keys if k])
    missing: dict[str, list[tuple[str, str]]] = {}
    result: list[list[DiffOp]] = []
    timeout = settings.REDRAFT_DIFF_TIMEOUT
    for (a, b), key in zip(pairs, keys, strict=True):
        if not key:
            result.append([DiffOp("equal", a)] if a else [])
        elif key in cached:
            result.append([DiffOp(op, text) for op, text in cached[key]])
        else:
            ops = word_diff(a, b, timeout=timeout)
            missing[key] = [(op.op, op.text) for op in ops]
            result.append(ops)
    if missing:
        cache.set_many(missing, timeout=settings.REDRAFT_DIFF_CACHE_SECONDS)
    return result


@dataclass(frozen=True)
class VersionDiff:
    old: ClauseVersion
    new: ClauseVersion
    heading_ops: list[DiffOp]
    text_ops: list[DiffOp]

    @property
    def changed(self) -> bool:
        return has_changes(self.heading_ops) or has_changes(self.text_ops)


def clause_version_diff(
    *, versions: list[ClauseVersion], old: int | None, new: int | None
) -> VersionDiff | None:
    """The word diff between two versions (default: the previous and the latest)."""
    by_number = {v.version: v for v in versions}
    if not versions:
        return None
    newest = versions[0].version
    new = new if new is not None else newest
    old = old if old is not None else max((n for n in by_number if n < new), default=None)
    if old is None or old not in by_number or new not in by_number:
        return None
    a, b = by_number[old], by_number[new]
    heading_ops, text_ops = word_diffs([(a.heading, b.heading), (a.text, b.text)])
    return VersionDiff(a, b, heading_ops, text_ops)


def edition_export_data(*, edition: Edition) -> EditionData:
    """The edition as plain data for the exporters (two queries)."""
    rows = list(
        edition.clauses.in_document_order().values(
            "id", "kind", "number", "eid", "parent_id", "heading", "text", "depth"
        )
    )
    eid_of = {r["id"]: r["eid"] for r in rows}
    clauses = [
        ParsedClause(
            kind=r["kind"],
            number=r["number"],
            eid=r["eid"],
            parent_eid=eid_of.get(r["parent_id"]) if r["parent_id"] else None,
            heading=r["heading"],
            text=r["text"],
            depth=r["depth"],
        )
        for r in rows
    ]
    return EditionData(
        instrument=edition.instrument.slug,
        slug=edition.slug,
        label=edition.label,
        language=edition.language,
        status=edition.status,
        completeness=edition.completeness,
        title=edition.title,
        subtitle=edition.subtitle,
        clauses=clauses,
    )
