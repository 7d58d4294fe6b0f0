"""Every non-trivial read of the texts, returning what the templates need."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection, models
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from guidelines import permissions
from guidelines.diffing import DiffOp, has_changes, word_diff, words_differ
from guidelines.exporting import EditionData
from guidelines.importing import ParsedClause
from guidelines.models import Clause, ClauseCorrespondence, Edition, Instrument

if TYPE_CHECKING:
    from amendments.models import AmendmentQuerySet
    from guidelines.tracked import TrackedParagraph

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
        visible = instrument.visible_editions  # type: ignore[attr-defined]
        for edition in visible:
            window: AmendmentWindow | None = getattr(edition, "amendment_window", None)
            edition.window = window
            edition.window_open = window is not None and window.contains()
        # Each draft against what it revises: its base, else the adopted text.
        adopted = [e for e in visible if e.is_adopted]
        by_id = {e.pk: e for e in visible}
        instrument.comparisons = [  # type: ignore[attr-defined]
            (by_id.get(e.based_on_id) or adopted[-1], e)
            for e in visible
            if not e.is_adopted and (e.based_on_id in by_id or adopted)
        ]
    return result


@dataclass(frozen=True)
class TocEntry:
    eid: str
    label: str
    depth: int


def _text_rows(
    edition: Edition, clauses: models.QuerySet[Clause]
) -> tuple[list[dict[str, Any]], list[TocEntry]]:
    """The clauses in document order (one query) and their table of contents.

    Rows are plain dicts with the clause's ``url`` and printed ``label``: the page
    renders hundreds of them, and template lookups on dicts are the cheapest.
    """
    prefix = reverse("clause_detail", kwargs={"slug": edition.slug, "eid": "x"})[:-2]
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in clauses.order_by("order").values(
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


# Clauses on one page of an edition: a long text is read a page at a time, so the page
# costs the same whatever the length of the edition.
CLAUSES_PER_PAGE = 500


@dataclass(frozen=True)
class EditionPage:
    clauses: list[dict[str, Any]]
    toc: list[TocEntry]  # the sections and articles on this page
    page: Page[int]  # of clause orders; its paginator counts the edition's clauses


def edition_page(*, edition: Edition, page: str | None, at: str | None = None) -> EditionPage:
    """One page of the edition's text in document order, and its table of contents.

    ``page`` is read as ``Paginator.get_page`` reads it (a bad or out-of-range number
    gives the first or the last page); ``at`` (an eid) asks for the page that holds that
    clause, so that ``?at=<eid>#<eid>`` reaches any clause. Four queries at most, each on
    the (edition, order) index: the count, the orders of the page (an index-only scan),
    the page's clauses, and for ``at`` the clause's rank.
    """
    orders = edition.clauses.order_by("order").values_list("order", flat=True)
    paginator = Paginator(orders, CLAUSES_PER_PAGE)
    if at:
        order = edition.clauses.filter(eid=at).values_list("order", flat=True).first()
        if order is not None:
            page = str(edition.clauses.filter(order__lt=order).count() // CLAUSES_PER_PAGE + 1)
    current = paginator.get_page(page)
    on_page = list(current.object_list)
    if not on_page:
        return EditionPage([], [], current)
    rows, toc = _text_rows(
        edition, edition.clauses.filter(order__gte=on_page[0], order__lte=on_page[-1])
    )
    return EditionPage(rows, toc, current)


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


def _diff_key(a: str, b: str, folded: bool = False) -> str:
    digest = hashlib.sha256(b"folded" if folded else b"")
    for part in (a, b):
        digest.update(hashlib.sha256(part.encode()).digest())
    return f"redraft:diff:v1:{digest.hexdigest()}"


def word_diffs(
    pairs: Sequence[tuple[str, str]], *, fold: Callable[[str], str] | None = None
) -> list[list[DiffOp]]:
    """Word diffs of many text pairs: equal texts skip the diff, the rest are cached.

    The key is the pair of text hashes, so a warm page does no diff work and editing a
    clause touches only its own entries (its new text has a new hash). One cache round
    trip reads the whole batch and one writes what was missing.
    """
    keys = [_diff_key(a, b, fold is not None) if a != b else "" for a, b in pairs]
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
            ops = word_diff(a, b, timeout=timeout, fold=fold)
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
        date=edition.date,
        clauses=clauses,
    )


# --- the comparison --------------------------------------------------------------------

NOT_KNOWN = "not_known"  # only in A, and B is partial: B may have it, unseen
UNMATCHED = "unmatched"  # across languages, not (yet) matched by hand


@dataclass(frozen=True)
class CompareOptions:
    typography: bool = False  # fold typography away before diffing
    changed_only: bool = False
    organisation: int | None = None
    stance: str = ""
    status: str = ""

    @property
    def filters_annotations(self) -> bool:
        return bool(self.organisation or self.stance or self.status)


@dataclass
class CompareRow:
    kind: str  # a ClauseCorrespondence kind, NOT_KNOWN or UNMATCHED
    a: list[dict[str, Any]]  # A's clauses on this row (several for a merge)
    b: dict[str, Any] | None
    score: float
    ops: list[DiffOp]
    changed: bool
    positions: list[Any]
    amendments: list[Any]
    cells: str = ""  # the row's text cells, rendered and cached apart from its notes

    @property
    def anchor(self) -> str:
        return self.b["eid"] if self.b else f"a-{self.a[0]['eid']}"


@dataclass
class Comparison:
    a: Edition
    b: Edition
    rows: list[CompareRow]
    word_diff: bool  # False across languages: texts side by side
    method: str  # "stored", "eid", "text" or "none"
    summary: dict[str, int]
    amendment_summary: dict[str, int]
    options: CompareOptions
    count: int = 0  # rows after the filters, on every page
    page: int = 1
    pages: int = 1


# Rows on one page of a comparison (as many as clauses on a page of an edition).
COMPARE_ROWS_PER_PAGE = 500


def _clause_rows(
    edition: Edition, clauses: models.QuerySet[Clause] | None = None
) -> list[dict[str, Any]]:
    # One reverse() for the edition, not one per clause: pages list a thousand.
    prefix = reverse("clause_detail", kwargs={"slug": edition.slug, "eid": "x"})[:-2]
    chosen = edition.clauses.all() if clauses is None else clauses
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in chosen.order_by("order").values(
            "id", "kind", "number", "eid", "depth", "heading", "text", "note"
        )
    ]
    for row in rows:
        row["words"] = f"{row['heading']} {row['text']}".strip()
        row["url"] = f"{prefix}{row['eid']}/"
    return rows


def compare_editions(
    *,
    a: Edition,
    b: Edition,
    user: User,
    options: CompareOptions | None = None,
    b_rows: list[dict[str, Any]] | None = None,
    with_cosponsors: bool = False,
    page: str | None = None,
    per_page: int = COMPARE_ROWS_PER_PAGE,
) -> Comparison:
    """Edition A against edition B, one row per aligned pair in B's order, A's unmatched
    clauses where they stood; each row with its word diff and the positions and
    amendments (visible to the user) concerning either clause.

    Correspondences come from the table when the secretariat has aligned the pair;
    otherwise they are proposed on the fly (nothing is stored): by eid along a fork,
    by words in one language, and not at all across languages, where the texts stand
    side by side. Clauses only in A read "not known" when B is partial. A fixed number
    of queries, whatever the number of clauses and annotations.

    ``page`` (read as ``Paginator.get_page`` reads it) asks for one page of
    ``per_page`` rows: only that page's rows are diffed and annotated, and the summary
    counts still cover every row (by comparing texts, not by diffing them). Along a fork
    of two stored editions, with no option or filter, even the alignment is windowed:
    the page's clauses are read by the (edition, order) index and the counts are SQL
    aggregates, so the page costs about the same at any length. Without ``page``, every
    row (after the filters) is returned.

    ``b_rows`` compares A with a text that is not stored (a what-if or a consolidation
    preview): rows like ``_clause_rows`` gives, with negative ids, matched by eid.
    ``with_cosponsors`` reads each amendment's co-sponsorships with their organisations
    (one more query, whatever the number of amendments) for the synoptic table.
    """
    from guidelines.diffing import typography_fold

    options = options or CompareOptions()
    fork = b_rows is not None or b.based_on_id == a.pk or a.based_on_id == b.pk
    same_language = a.language == b.language
    word_diff_on = fork or same_language
    fold = typography_fold if options.typography else None
    windowed_fork = (
        page is not None
        and b_rows is None
        and fork
        and not options.typography
        and not options.changed_only
        and not options.filters_annotations
        and not ClauseCorrespondence.objects.filter(edition_a=a, edition_b=b).exists()
    )
    if windowed_fork:
        return _compare_fork_window(
            a=a, b=b, user=user, options=options, page=str(page), per_page=per_page,
            with_cosponsors=with_cosponsors,
        )  # fmt: skip

    rows_a = _clause_rows(a)
    rows_b = b_rows if b_rows is not None else _clause_rows(b)
    rows, method = _aligned_rows(a, b, rows_a, rows_b, fork=fork, planned=b_rows is not None)
    for row in rows:
        _decide_change(row, word_diff_on=word_diff_on, fold=fold)
    summary = _kind_summary(row.kind for row in rows)
    # Stored editions: the ids as a subquery (a list of every clause id of two long
    # editions costs seconds to send); a planned text: its ids.
    clause_ids: list[int] | models.QuerySet[Any] = (
        Clause.objects.filter(edition_id__in=[a.pk, b.pk]).values("id")
        if b_rows is None
        else [c["id"] for c in rows_a + rows_b if c["id"] > 0]
    )
    amendment_summary = _amendment_summary(
        clause_ids=_clauses_of(a, b) if b_rows is None else clause_ids, user=user, options=options
    )
    if options.changed_only:
        rows = [r for r in rows if r.changed]
    if options.filters_annotations:
        # The filter keeps the rows with a matching note: every row's notes are read
        # (a fixed number of queries, the size of the notes, not of the texts).
        _annotate(rows, clause_ids=clause_ids, user=user, options=options,
                  with_cosponsors=with_cosponsors)  # fmt: skip
        rows = [r for r in rows if r.positions or r.amendments]
    current = None
    if page is not None:
        current = Paginator(range(len(rows)), per_page).get_page(page)
        rows = rows[current.start_index() - 1 : current.end_index()] if rows else []
    _diff(rows, word_diff_on=word_diff_on, fold=fold)
    if not options.filters_annotations:
        ids = (
            [c["id"] for row in rows for c in row.a + ([row.b] if row.b else []) if c["id"] > 0]
            if page is not None
            else clause_ids
        )
        _annotate(rows, clause_ids=ids, user=user, options=options,
                  with_cosponsors=with_cosponsors)  # fmt: skip
    count = current.paginator.count if current else len(rows)
    return Comparison(
        a, b, rows, word_diff_on, method, summary, amendment_summary, options,
        count=count,
        page=current.number if current else 1,
        pages=current.paginator.num_pages if current else 1,
    )  # fmt: skip


def _compare_fork_window(
    *,
    a: Edition,
    b: Edition,
    user: User,
    options: CompareOptions,
    page: str,
    per_page: int,
    with_cosponsors: bool,
) -> Comparison:
    """One page of a fork's comparison (stored editions, matched by eid, no option).

    What is read grows with the page, not with the editions, but for three SQL
    statements that the database answers from its indexes: the summary (B's clauses
    joined to A's by eid, their words compared), A's clauses missing from B with the B
    order of the row each stands after (the nearest earlier A clause that B kept), and
    the rank in B of those rows. The page's own clauses are then read by the
    (edition, order) index and by eid, and only they are diffed and annotated.
    """
    from guidelines.aligning import dice, words

    table = connection.ops.quote_name(Clause._meta.db_table)
    order_column = connection.ops.quote_name("order")

    # The same words: the same heading and text (most clauses, compared without building
    # anything), else the same heading and text joined as the rows join them.
    same_words = (
        "(ca.heading = cb.heading AND ca.text = cb.text"
        " OR TRIM(ca.heading || ' ' || ca.text) = TRIM(cb.heading || ' ' || cb.text))"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COUNT(*) - COUNT(pair.same), COUNT(pair.same)"  # noqa: S608
            f" FILTER (WHERE pair.same AND pair.renumbered),"
            f" COUNT(pair.same) FILTER (WHERE pair.same AND NOT pair.renumbered)"
            f" FROM (SELECT CASE WHEN ca.id IS NULL THEN NULL ELSE {same_words} END AS same,"
            f" ca.number <> cb.number AS renumbered"
            f" FROM {table} cb LEFT JOIN {table} ca ON ca.edition_id = %s AND ca.eid = cb.eid"
            f" WHERE cb.edition_id = %s) pair",
            [a.pk, b.pk],
        )
        total_b, new, renumbered, same = (int(n or 0) for n in cursor.fetchone())
    matched = total_b - new
    in_b = Clause.objects.filter(edition_id=b.pk, eid=OuterRef("eid"))
    kept_before = (
        Clause.objects.filter(edition_id=a.pk, order__lt=OuterRef("order"))
        .annotate(b_order=Subquery(in_b.values("order")[:1]))
        .filter(b_order__isnull=False)
        .order_by("-order")
        .values("b_order")[:1]
    )
    missing = list(
        Clause.objects.filter(edition_id=a.pk)
        .filter(~Exists(in_b))
        .annotate(anchor=Subquery(kept_before))
        .order_by("order")
        .values_list("id", "order", "anchor")
    )
    anchors = sorted({anchor for _i, _o, anchor in missing if anchor is not None})
    rank_of: dict[int, int] = {}
    if anchors and matched:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT o, r FROM (SELECT {order_column} AS o,"  # noqa: S608
                f" ROW_NUMBER() OVER (ORDER BY {order_column}) - 1 AS r"
                f" FROM {table} WHERE edition_id = %s) ranked"
                f" WHERE o IN ({', '.join(['%s'] * len(anchors))})",
                [b.pk, *anchors],
            )
            rank_of = {int(o): int(r) for o, r in cursor.fetchall()}
    # Each missing clause stands after the B row of rank k (-1: before every row; with
    # no pair at all, after the last, as the whole comparison places them).
    placed = sorted(
        (
            total_b - 1 if not matched else (-1 if anchor is None else rank_of[anchor]),
            order,
            clause_id,
        )
        for clause_id, order, anchor in missing
    )
    missing_ranks = [k for k, _o, _i in placed]
    count = total_b + len(placed)
    current = Paginator(range(count), per_page).get_page(page)
    start, stop = (current.start_index() - 1, current.end_index()) if count else (0, 0)

    def position_of_b(rank: int) -> int:
        return rank + bisect.bisect_left(missing_ranks, rank)

    first_b = bisect.bisect_left(range(total_b), start, key=position_of_b)
    stop_b = bisect.bisect_left(range(total_b), stop, key=position_of_b)
    missing_here = [
        (k + 1 + i, clause_id)
        for i, (k, _o, clause_id) in enumerate(placed)
        if start <= k + 1 + i < stop
    ]
    page_b: list[dict[str, Any]] = []
    if stop_b > first_b:
        orders = list(b.clauses.order_by("order").values_list("order", flat=True)[first_b:stop_b])
        page_b = _clause_rows(b, b.clauses.filter(order__gte=orders[0], order__lte=orders[-1]))
    eids = [c["eid"] for c in page_b]
    missing_ids = [clause_id for _p, clause_id in missing_here]
    page_a = (
        _clause_rows(a, a.clauses.filter(Q(eid__in=eids) | Q(id__in=missing_ids)))
        if eids or missing_ids
        else []
    )
    a_by_eid = {c["eid"]: c for c in page_a}
    a_by_id = {c["id"]: c for c in page_a}
    positioned: list[tuple[int, CompareRow]] = []
    for rank, clause in enumerate(page_b, start=first_b):
        old = a_by_eid.get(clause["eid"])
        if old is None:
            row = CompareRow("new", [], clause, 0.0, [], False, [], [])
        elif old["words"] == clause["words"]:
            kind = "same" if old["number"] == clause["number"] else "renumbered"
            row = CompareRow(kind, [old], clause, 1.0, [], False, [], [])
        else:
            score = dice(words(old["words"]), words(clause["words"]))
            row = CompareRow("modified", [old], clause, score, [], False, [], [])
        _decide_change(row, word_diff_on=True, fold=None)
        positioned.append((position_of_b(rank), row))
    missing_kind = NOT_KNOWN if b.is_partial else "deleted"
    for position, clause_id in missing_here:
        row = CompareRow(missing_kind, [a_by_id[clause_id]], None, 0.0, [], False, [], [])
        _decide_change(row, word_diff_on=True, fold=None)
        positioned.append((position, row))
    rows = [row for _p, row in sorted(positioned, key=lambda pr: pr[0])]
    _diff(rows, word_diff_on=True, fold=None)
    _annotate(
        rows,
        clause_ids=[c["id"] for c in page_a + page_b],
        user=user,
        options=options,
        with_cosponsors=with_cosponsors,
    )
    summary = _ordered_summary(
        {
            "same": same,
            "renumbered": renumbered,
            "modified": matched - same - renumbered,
            "new": new,
            missing_kind: len(placed),
        }
    )
    amendment_summary = _amendment_summary(clause_ids=_clauses_of(a, b), user=user, options=options)
    return Comparison(
        a, b, rows, True, "eid", summary, amendment_summary, options,
        count=count, page=current.number, pages=current.paginator.num_pages,
    )  # fmt: skip


# The kinds in the order the summary lists them.
_SUMMARY_ORDER = (
    "same", "modified", "renumbered", "split", "merged", "new", "deleted", NOT_KNOWN,
    UNMATCHED,
)  # fmt: skip


def _kind_summary(kinds: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    return _ordered_summary(counts)


def _ordered_summary(counts: dict[str, int]) -> dict[str, int]:
    rank = {kind: i for i, kind in enumerate(_SUMMARY_ORDER)}
    return {k: n for k, n in sorted(counts.items(), key=lambda kv: rank.get(kv[0], 99)) if n}


def _aligned_rows(
    a: Edition,
    b: Edition,
    rows_a: list[dict[str, Any]],
    rows_b: list[dict[str, Any]],
    *,
    fork: bool,
    planned: bool,
) -> tuple[list[CompareRow], str]:
    """Every row of the comparison, aligned, in B's order with A's unmatched clauses
    where they stood; no diff and no note yet."""
    from guidelines.aligning import AlignItem, Match, align_by_eid, align_by_text

    by_id = {r["id"]: r for r in rows_a + rows_b}
    same_language = a.language == b.language
    stored = (
        []
        if planned
        else list(
            ClauseCorrespondence.objects.filter(edition_a=a, edition_b=b).values_list(
                "source_id", "target_id", "kind", "score"
            )
        )
    )
    b_rows = rows_b if planned else None
    matches: list[Match]
    if stored:
        method = "stored"
        matches = [Match(s, t, k, sc) for s, t, k, sc in stored]
    elif fork or same_language:
        items_a = [AlignItem(r["id"], r["eid"], r["number"], r["kind"], r["words"]) for r in rows_a]
        items_b = [AlignItem(r["id"], r["eid"], r["number"], r["kind"], r["words"]) for r in rows_b]
        method = "eid" if fork else "text"
        matches = align_by_eid(items_a, items_b) if fork else align_by_text(items_a, items_b)
    else:
        method = "none"
        matches = []

    sources_of: dict[int, list[tuple[int, str, float]]] = {}
    placed_a: set[int] = set()
    for m in matches:
        if m.target is not None and m.source is not None:
            sources_of.setdefault(m.target, []).append((m.source, m.kind, m.score))
            placed_a.add(m.source)
    rows: list[CompareRow] = []
    row_of_a: dict[int, int] = {}
    for clause in rows_b:
        sources = sorted(sources_of.get(clause["id"], []), key=lambda s: by_id[s[0]]["id"])
        kind = sources[0][1] if sources else ("new" if method != "none" else UNMATCHED)
        row = CompareRow(
            kind, [by_id[s] for s, _k, _sc in sources], clause, max((sc for *_r, sc in sources),
            default=0.0), [], False, [], [],
        )  # fmt: skip
        for source, *_rest in sources:
            row_of_a.setdefault(source, len(rows))
        rows.append(row)
    # A's clauses with no row go where they stood: after the row of the A clause before.
    # A planned text knows what it deletes, even from a partial edition.
    missing_kind = (
        NOT_KNOWN
        if b.is_partial and b_rows is None
        else ("deleted" if method != "none" else UNMATCHED)
    )
    insert_after: dict[int, list[CompareRow]] = {}
    previous_row = -1
    for clause in rows_a:
        if clause["id"] in row_of_a:
            previous_row = row_of_a[clause["id"]]
        elif clause["id"] not in placed_a:
            insert_after.setdefault(previous_row, []).append(
                CompareRow(missing_kind, [clause], None, 0.0, [], False, [], [])
            )
    # With no pair at all (across languages, before any matching by hand), there is
    # no "where they stood" in B: A's clauses follow B's.
    leading = insert_after.pop(-1, [])
    ordered = leading if row_of_a else []
    for index, row in enumerate(rows):
        ordered.append(row)
        ordered.extend(insert_after.get(index, []))
    rows = ordered if row_of_a else ordered + leading

    return rows, method


def _decide_change(
    row: CompareRow, *, word_diff_on: bool, fold: Callable[[str], str] | None
) -> None:
    """Whether the row changed, from its texts alone (as its word diff would say)."""
    if word_diff_on and row.a and row.b:
        old = " ".join(c["words"] for c in row.a)
        # A split or a merge changes the structure even when no word changed.
        row.changed = (
            words_differ(old, row.b["words"], fold=fold)
            or row.kind in ("split", "merged")
            or (len(row.a) == 1 and row.a[0]["number"] != row.b["number"])
        )
        if not row.changed and row.kind in ("modified", "renumbered"):
            row.kind = "same"  # only typography differed, and it is folded away
    else:
        row.changed = True


def _diff(rows: list[CompareRow], *, word_diff_on: bool, fold: Callable[[str], str] | None) -> None:
    """The rows' word diffs, in one cached batch; none across languages. With the
    typography option, words compare by their folded form and B is quoted as written."""
    if not word_diff_on:
        return
    pairs = [
        (" ".join(c["words"] for c in row.a), row.b["words"]) if row.a and row.b else ("", "")
        for row in rows
    ]
    for row, ops in zip(rows, word_diffs(pairs, fold=fold), strict=True):
        if row.a and row.b:
            row.ops = ops


class _BothEditions(tuple[int, int]):
    """The clauses of two stored editions, as a scope for their amendments: read by the
    amendments' edition (an index), not through a list or a subquery of clause ids."""


def _clauses_of(a: Edition, b: Edition) -> _BothEditions:
    return _BothEditions((a.pk, b.pk))


def _amendments_of(
    *,
    clause_ids: Sequence[int] | models.QuerySet[Any],
    user: User,
    options: CompareOptions,
) -> AmendmentQuerySet:
    from amendments.models import Amendment

    amendments = Amendment.objects.visible_to(user)
    if isinstance(clause_ids, _BothEditions):
        editions = list(clause_ids)
        # An amendment's clause is in its target edition (amendment_create checks it).
        amendments = amendments.filter(edition_id__in=editions)
    else:
        amendments = amendments.filter(clause_id__in=clause_ids)
    if options.status:
        amendments = amendments.filter(status=options.status)
    if options.organisation:
        amendments = amendments.filter(proposer_id=options.organisation)
    return amendments


def _amendment_summary(
    *, clause_ids: Sequence[int] | models.QuerySet[Any], user: User, options: CompareOptions
) -> dict[str, int]:
    """The amendments beside the comparison's rows, by status (one query): every clause
    of both editions stands on a row, so these are the amendments on either edition's
    clauses that the filters keep (none when filtering positions by stance)."""
    from amendments.models import Amendment

    if options.stance or (not isinstance(clause_ids, models.QuerySet) and not clause_ids):
        return {}
    counts = dict(
        _amendments_of(clause_ids=clause_ids, user=user, options=options)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return {str(label): counts[k] for k, label in Amendment.Status.choices if counts.get(k)}


def _annotate(
    rows: list[CompareRow],
    *,
    clause_ids: Sequence[int] | models.QuerySet[Any],
    user: User,
    options: CompareOptions,
    with_cosponsors: bool,
) -> None:
    """The positions and amendments on either side of each row (two queries)."""
    from amendments.models import Amendment, CoSponsorship
    from positions.selectors import positions_for_clauses

    positions = positions_for_clauses(clause_ids=clause_ids, user=user)
    amendments_by_clause: dict[int, list[Any]] = {}
    amendments = (
        _amendments_of(clause_ids=clause_ids, user=user, options=options)
        .select_related("proposer")
        .in_number_order()
    )
    if with_cosponsors:
        amendments = amendments.prefetch_related(
            Prefetch(
                "cosponsorships",
                queryset=CoSponsorship.objects.select_related("organisation"),
            )
        )
    # Labels and URLs once per request, not per amendment (get_FOO_display and reverse
    # cost a thousand times over on a long comparison).
    status_labels = {k: str(v) for k, v in Amendment.Status.choices}
    operation_labels = {k: str(v) for k, v in Amendment.Operation.choices}
    amendment_url = reverse("amendment_detail", kwargs={"pk": 0})[:-2]
    for amendment in amendments:
        amendment.status_label = status_labels[amendment.status]  # type: ignore[attr-defined]
        amendment.operation_label = operation_labels[amendment.operation]  # type: ignore[attr-defined]
        amendment.url = f"{amendment_url}{amendment.pk}/"  # type: ignore[attr-defined]
        amendments_by_clause.setdefault(amendment.clause_id, []).append(amendment)
    for row in rows:
        ids = [c["id"] for c in row.a] + ([row.b["id"]] if row.b else [])
        seen: set[int] = set()
        row.positions, row.amendments = [], []
        for clause_id in ids:
            for position in positions.get(clause_id, []):
                if position.id in seen or options.status:  # positions have no status
                    continue
                if options.stance and position.stance != options.stance:
                    continue
                if options.organisation and position.organisation_id != options.organisation:
                    continue
                seen.add(position.id)
                row.positions.append(position)
            if not options.stance:
                row.amendments.extend(amendments_by_clause.get(clause_id, []))


def comparison_notes(
    *,
    rows: Sequence[tuple[Sequence[int], int | None]],
    user: User,
    options: CompareOptions,
) -> list[tuple[list[Any], list[Any]]]:
    """The notes of some rows of the comparison, read afresh: for each row (the ids of
    its A clauses and of its B clause) its positions and amendments as
    ``compare_editions`` gives them. Two queries, whatever the size of the editions:
    the rows' clauses are named by their ids."""
    light = [
        CompareRow("", [{"id": i} for i in a_ids], {"id": b_id} if b_id else None, 0.0, [],
                   False, [], [])
        for a_ids, b_id in rows
    ]  # fmt: skip
    ids = [i for a_ids, b_id in rows for i in (*a_ids, *([b_id] if b_id else [])) if i > 0]
    _annotate(light, clause_ids=ids, user=user, options=options, with_cosponsors=False)
    return [(row.positions, row.amendments) for row in light]


def comparison_notes_state(*, clause_ids: Sequence[int], user: User) -> tuple[dict[int, int], str]:
    """What the notes of the given clauses depend on (three queries): for each clause the
    latest history row of its amendments (every change of an amendment, its filing,
    submission, withdrawal or decision, writes one naming the clause), and, as a short
    string, the positions and their links (few, and rarely written: counted whole) and
    whose drafts the viewer sees."""
    from amendments.models import Amendment
    from positions.models import Position, PositionLink

    # One index probe per clause (the history's clause index): a list of the page's
    # ids matched against the whole history table is a scan of it.
    latest = Amendment.history.filter(clause_id=OuterRef("pk")).order_by("-history_id")
    tops = {
        clause_id: top
        for clause_id, top in Clause.objects.filter(pk__in=list(clause_ids))
        .annotate(top=Subquery(latest.values("history_id")[:1]))
        .values_list("pk", "top")
        if top is not None
    }
    organisation = permissions.organisation_of(user)
    said = (
        Position.objects.aggregate(n=Count("pk"), top=Max("pk")),
        PositionLink.objects.aggregate(n=Count("pk"), top=Max("pk")),
        organisation.pk if organisation else 0,
        permissions.is_secretariat(user),
    )
    return tops, hashlib.sha256(repr(said).encode()).hexdigest()


def comparison_amendment_summary(
    *, a: Edition, b: Edition, user: User, options: CompareOptions
) -> dict[str, int]:
    """The amendments beside the comparison's rows, by status (see ``compare_editions``),
    cached under the latest amendment history row and the viewer's drafts: one query
    while no amendment changes, two when one did."""
    from amendments.models import Amendment

    top = Amendment.history.aggregate(top=Max("history_id"))["top"]
    organisation = permissions.organisation_of(user)
    viewer = (organisation.pk if organisation else 0, permissions.is_secretariat(user))
    raw = repr((a.pk, b.pk, top, viewer, options.status, options.organisation, options.stance))
    key = f"redraft:compare-amendments:v1:{hashlib.sha256(raw.encode()).hexdigest()}"
    summary: dict[str, int] | None = cache.get(key)
    if summary is None:
        summary = _amendment_summary(clause_ids=_clauses_of(a, b), user=user, options=options)
        cache.set(key, summary, settings.REDRAFT_DIFF_CACHE_SECONDS)
    return summary


def _text_state(*, a: Edition, b: Edition) -> tuple[Any, ...]:
    """What the comparison's text cells depend on (two queries): see ``comparison_stamp``."""
    # Every change of a clause (created, edited, deleted) writes a history row naming
    # its edition, and a move that writes none is counted on the edition: the latest
    # history row of each edition (an index lookup) and that count stand for all its
    # clauses, at any length.
    latest = Clause.history.filter(edition_id=OuterRef("pk")).order_by("-history_id")
    clauses = list(
        Edition.objects.filter(pk__in=[a.pk, b.pk])
        .annotate(top=Subquery(latest.values("history_id")[:1]))
        .order_by("pk")
        .values_list("pk", "top", "moves", "completeness", "based_on_id", "language")
    )
    # This pair's correspondences, and those with the editions' language versions (the
    # table links each clause to itself in the other language).
    mapped = ClauseCorrespondence.objects.filter(
        Q(edition_a__in=[a.pk, b.pk]) | Q(edition_b__in=[a.pk, b.pk])
    ).aggregate(n=Count("pk"), at=Max("updated_at"))
    return (a.pk, b.pk, clauses, sorted(mapped.items()))


def comparison_text_stamp(*, a: Edition, b: Edition, user: User) -> str:
    """What the comparison's text cells (A, B and the diff; not the notes) depend on, as
    a short string (two queries): the clauses of both editions, their correspondences
    and the editions' kind, and whether the viewer sees unpublished language versions
    (each row links to its clause in them). A submission, a position or a draft changes
    the notes only, and leaves this stamp as it was."""
    raw = repr((_text_state(a=a, b=b), permissions.is_secretariat(user)))
    return hashlib.sha256(raw.encode()).hexdigest()


def comparison_stamp(*, a: Edition, b: Edition, user: User) -> str:
    """What a rendered comparison depends on, as a short string (five queries).

    The clauses of both editions (a change of wording, a new clause, a move), their
    correspondences, every amendment and position change (their history or their ids),
    and whose drafts the viewer sees. A rendered table keyed by it is never stale.
    """
    from amendments.models import Amendment
    from positions.models import Position, PositionLink

    said = {
        "amendments": Amendment.history.aggregate(top=Max("history_id"))["top"],
        "positions": Position.objects.aggregate(n=Count("pk"), top=Max("pk")),
        "links": PositionLink.objects.aggregate(n=Count("pk"), top=Max("pk")),
    }
    organisation = permissions.organisation_of(user)
    viewer = (organisation.pk if organisation else 0, permissions.is_secretariat(user))
    raw = repr((_text_state(a=a, b=b), said, viewer))
    return hashlib.sha256(raw.encode()).hexdigest()


# --- language versions -----------------------------------------------------------------


def language_versions(*, edition: Edition, user: User) -> list[Edition]:
    """The same text in other languages that the user may read: the original and its
    other language versions (one query)."""
    root = edition.language_version_of_id or edition.pk
    return list(
        Edition.objects.visible_to(user)
        .filter(Q(pk=root) | Q(language_version_of_id=root))
        .exclude(pk=edition.pk)
        .order_by("language", "slug")
    )


@dataclass(frozen=True)
class OtherLanguage:
    language: str
    edition_label: str
    number: str
    url: str


def clauses_in_other_languages(
    *, edition: Edition, clause_ids: Sequence[int], user: User
) -> dict[int, list[OtherLanguage]]:
    """For each of the edition's clauses, the same clause in its language versions, as
    their correspondences link them (by eid or by hand). Two queries, whatever the size.
    """
    versions = {v.pk: v for v in language_versions(edition=edition, user=user)}
    if not versions or not clause_ids:
        return {}
    prefix = reverse("clause_detail", kwargs={"slug": "x", "eid": "y"})[: -len("x/y/")]
    links = ClauseCorrespondence.objects.filter(
        Q(edition_a=edition, edition_b__in=list(versions), source_id__in=clause_ids)
        & Q(target__isnull=False)
        | Q(edition_b=edition, edition_a__in=list(versions), target_id__in=clause_ids)
        & Q(source__isnull=False)
    ).values_list(
        "edition_a_id", "source_id", "source__eid", "source__number",
        "edition_b_id", "target_id", "target__eid", "target__number",
    )  # fmt: skip
    found: dict[int, list[OtherLanguage]] = {}
    for a_id, source, source_eid, source_number, b_id, target, target_eid, target_number in links:
        mine, other_edition, eid, number = (
            (source, versions.get(b_id), target_eid, target_number)
            if a_id == edition.pk
            else (target, versions.get(a_id), source_eid, source_number)
        )
        if other_edition is None:
            continue
        found.setdefault(mine, []).append(
            OtherLanguage(
                other_edition.language,
                other_edition.label,
                number,
                f"{prefix}{other_edition.slug}/{eid}/",
            )
        )
    for entries in found.values():
        entries.sort(key=lambda o: (o.language, o.edition_label))
    return found


# --- tracked changes ------------------------------------------------------------------

LANGUAGES_DIFFER = "languages-differ"
SAME_EDITION = "same-edition"
_AMENDMENT_NUMBER = re.compile(r"\bA-\d+\b")


def tracked_changes(*, base: Edition, edition: Edition) -> list[TrackedParagraph]:
    """The paragraphs of ``edition`` as Word tracked changes against ``base``.

    Clauses are paired as the comparison pairs them (stored correspondences, eids along a
    fork, words otherwise); each printed paragraph (number, tab, text; a heading with its
    number) is diffed word by word. A clause only in the base is a deleted paragraph, a
    clause only in the edition an inserted one; a clause the edition does not know (a
    partial edition) is left out, not deleted, unless the edition's history deleted it.
    Each change is credited to the organisation whose adopted amendment made it, dated
    by its adoption, as the clause history records it ("A-3 adopted"); other changes to
    the edition itself, dated by the clause's last change. Refused across languages: a
    translation is not a change.
    """
    from amendments.models import Amendment
    from guidelines.exporting import (
        DOCX_BODY_STYLE,
        DOCX_HEADING_STYLE,
        docx_clause_style,
        outline,
        words_for,
    )
    from guidelines.tracked import Author, MarkChange, TrackedParagraph

    if base.pk == edition.pk:
        raise ValidationError(
            _("An edition has no changes against itself: choose another base."),
            code=SAME_EDITION,
        )
    if base.language != edition.language:
        raise ValidationError(
            _(
                "%(base)s and %(edition)s are in different languages: tracked changes "
                "compare two texts in one language."
            )
            % {"base": base.label, "edition": edition.label},
            code=LANGUAGES_DIFFER,
        )
    comparison = compare_editions(a=base, b=edition, user=AnonymousUser())
    base_data, data = edition_export_data(edition=base), edition_export_data(edition=edition)
    base_rows = {r.clause.eid: r for r in outline(base_data.clauses)}
    rows = {r.clause.eid: r for r in outline(data.clauses)}
    not_known = words_for(data)["text_not_known"]

    def printed(row: Any) -> list[tuple[str, str]]:
        """(style, text) of each paragraph a clause prints as."""
        if row.is_heading:
            body = [(DOCX_BODY_STYLE, row.clause.text)] if row.clause.text else []
            return [(DOCX_HEADING_STYLE, row.heading_text), *body]
        return [(docx_clause_style(row.level), f"{row.label}\t{row.clause.text or not_known}")]

    # Who changed each clause of the edition, and when: the amendments its history names.
    adopted = {
        a.number: a
        for a in Amendment.objects.filter(
            edition=base, status__in=["adopted", "adopted_as_amended"]
        ).select_related("proposer")
    }
    authors: dict[str, Author] = {}
    deleted: set[str] = set()  # what the edition's own history says it removed
    history = Clause.history.model.objects.filter(edition_id=edition.pk).order_by("history_date")
    for eid, reason, date, kind in history.values_list(
        "eid", "history_change_reason", "history_date", "history_type"
    ):
        if kind == "-":
            deleted.add(eid)
        numbers = [n for n in _AMENDMENT_NUMBER.findall(reason or "") if n in adopted]
        if numbers:
            amendment = adopted[numbers[0]]
            authors[eid] = Author(amendment.proposer.name, amendment.decided_at)
        elif eid not in authors or authors[eid].name == edition.label:
            authors[eid] = Author(edition.label, date)

    pending: list[tuple[str, str, str, MarkChange, Author]] = []  # style, old, new, mark, author
    used: set[str] = set()
    for row in comparison.rows:
        # A partial edition does not know what it does not reproduce, unless its history
        # says it deleted it (a consolidation of a partial draft).
        if row.kind == NOT_KNOWN and not (row.a and row.a[0]["eid"] in deleted):
            continue
        olds = [base_rows[c["eid"]] for c in row.a if c["eid"] not in used]
        used.update(r.clause.eid for r in olds)
        new = rows[row.b["eid"]] if row.b else None
        author = authors.get((row.b or row.a[0])["eid"], Author(edition.label, None))
        # A merge: the clauses merged into the first one are deleted.
        for old in olds[1:]:
            pending += [(s, t, "", "delete", author) for s, t in printed(old)]
        old_pieces = printed(olds[0]) if olds else []
        new_pieces = printed(new) if new else []
        for k in range(max(len(old_pieces), len(new_pieces))):
            if k < len(old_pieces) and k < len(new_pieces):
                old_text = old_pieces[k][1]
                pending.append((new_pieces[k][0], old_text, new_pieces[k][1], "equal", author))
            elif k < len(old_pieces):
                pending.append((old_pieces[k][0], old_pieces[k][1], "", "delete", author))
            else:
                pending.append((new_pieces[k][0], "", new_pieces[k][1], "insert", author))
    diffs = word_diffs([(old, new) for _s, old, new, _m, _a in pending])
    return [
        TrackedParagraph(style, ops, mark, author)
        for (style, _old, _new, mark, author), ops in zip(pending, diffs, strict=True)
    ]


def edition_tracked_docx(*, base: Edition, edition: Edition) -> bytes:
    """``edition`` as a Word file whose tracked changes turn ``base`` into it."""
    from guidelines.tracked import to_tracked_docx

    paragraphs = tracked_changes(base=base, edition=edition)
    data = edition_export_data(edition=edition)
    return to_tracked_docx(data, base_label=base.label, paragraphs=paragraphs)
