"""The comparison as it was computed before the windowed one: every clause pair of both
editions aligned and diffed, then filtered. Kept here, in the tests only, as the oracle
the windowed comparison (``selectors.compare_editions`` with a page) is checked against.
"""
# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.urls import reverse

from guidelines.diffing import has_changes
from guidelines.models import Clause
from guidelines.selectors import (
    NOT_KNOWN,
    UNMATCHED,
    CompareOptions,
    CompareRow,
    Comparison,
    word_diffs,
)


def _clause_rows(edition):
    prefix = reverse("clause_detail", kwargs={"slug": edition.slug, "eid": "x"})[:-2]
    rows = [
        dict(row)
        for row in edition.clauses.in_document_order().values(
            "id", "kind", "number", "eid", "depth", "heading", "text", "note"
        )
    ]
    for row in rows:
        row["words"] = f"{row['heading']} {row['text']}".strip()
        row["url"] = f"{prefix}{row['eid']}/"
    return rows


def whole_table_comparison(
    *,
    a: Edition,
    b: Edition,
    user: User,
    options: CompareOptions | None = None,
    b_rows: list[dict[str, Any]] | None = None,
    with_cosponsors: bool = False,
) -> Comparison:
    """Edition A against edition B, one row per aligned pair in B's order, A's unmatched
    clauses where they stood; each row with its word diff and the positions and
    amendments (visible to the user) concerning either clause.

    Correspondences come from the table when the secretariat has aligned the pair;
    otherwise they are proposed on the fly (nothing is stored): by eid along a fork,
    by words in one language, and not at all across languages, where the texts stand
    side by side. Clauses only in A read "not known" when B is partial. A fixed number
    of queries, whatever the number of clauses and annotations.

    ``b_rows`` compares A with a text that is not stored (a what-if or a consolidation
    preview): rows like ``_clause_rows`` gives, with negative ids, matched by eid.
    ``with_cosponsors`` reads each amendment's co-sponsorships with their organisations
    (one more query, whatever the number of amendments) for the synoptic table.
    """
    from amendments.models import Amendment, CoSponsorship
    from guidelines.aligning import AlignItem, Match, align_by_eid, align_by_text
    from guidelines.diffing import typography_fold
    from guidelines.models import ClauseCorrespondence
    from positions.selectors import positions_for_clauses

    options = options or CompareOptions()
    rows_a = _clause_rows(a)
    rows_b = b_rows if b_rows is not None else _clause_rows(b)
    by_id = {r["id"]: r for r in rows_a + rows_b}
    fork = b_rows is not None or b.based_on_id == a.pk or a.based_on_id == b.pk
    same_language = a.language == b.language
    stored = (
        []
        if b_rows is not None
        else list(
            ClauseCorrespondence.objects.filter(edition_a=a, edition_b=b).values_list(
                "source_id", "target_id", "kind", "score"
            )
        )
    )
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

    # Word diffs, in one cached batch; none across languages.
    word_diff_on = fork or same_language
    pairs = []
    for row in rows:
        old = " ".join(c["words"] for c in row.a)
        new = row.b["words"] if row.b else ""
        pairs.append((old, new) if word_diff_on and row.a and row.b else ("", ""))
    # With the typography option, words compare by their folded form and B is quoted
    # as written.
    fold = typography_fold if options.typography else None
    for row, ops in zip(rows, word_diffs(pairs, fold=fold), strict=True):
        if word_diff_on and row.a and row.b:
            row.ops = ops
            # A split or a merge changes the structure even when no word changed.
            row.changed = (
                has_changes(ops)
                or row.kind in ("split", "merged")
                or (len(row.a) == 1 and row.a[0]["number"] != row.b["number"])
            )
            if not row.changed and row.kind in ("modified", "renumbered"):
                row.kind = "same"  # only typography differed, and it is folded away
        else:
            row.changed = True

    # Annotations: the positions and amendments on either side of each row.
    # Stored editions: the ids as a subquery (a list of every clause id of two long
    # editions costs seconds to send); a planned text: its ids.
    clause_ids: list[int] | models.QuerySet[Any] = (
        Clause.objects.filter(edition_id__in=[a.pk, b.pk]).values("id")
        if b_rows is None
        else [c["id"] for c in rows_a + rows_b if c["id"] > 0]
    )
    positions = positions_for_clauses(clause_ids=clause_ids, user=user)
    amendments_by_clause: dict[int, list[Any]] = {}
    amendments = (
        Amendment.objects.visible_to(user)
        .filter(clause_id__in=clause_ids)
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
    if options.status:
        amendments = amendments.filter(status=options.status)
    if options.organisation:
        amendments = amendments.filter(proposer_id=options.organisation)
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
    amendment_summary: dict[str, int] = {}
    counted: set[int] = set()  # an amendment on a split clause stands on several rows
    for row in rows:
        ids = [c["id"] for c in row.a] + ([row.b["id"]] if row.b else [])
        seen: set[int] = set()
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
        for amendment in row.amendments:
            if amendment.pk in counted:
                continue
            counted.add(amendment.pk)
            label = amendment.status_label
            amendment_summary[label] = amendment_summary.get(label, 0) + 1

    summary: dict[str, int] = {}
    for row in rows:
        summary[row.kind] = summary.get(row.kind, 0) + 1
    if options.changed_only:
        rows = [r for r in rows if r.changed]
    if options.filters_annotations:
        rows = [r for r in rows if r.positions or r.amendments]
    return Comparison(a, b, rows, word_diff_on, method, summary, amendment_summary, options)
