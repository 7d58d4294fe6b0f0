"""Plan a consolidation: the text of an edition with a set of amendments applied.

Pure Python (diff-match-patch, no Django), so the what-if preview, the consolidation
service and the tests share one planner. Nothing is ever merged silently:

* an amendment whose clause changed since filing is applied as a patch (base text →
  proposed text) onto the current text, and reported "applied with fuzz", or "could
  not apply" when a hunk no longer fits;
* two amendments that touch overlapping words of one clause (or a deletion and any
  other change of it) are a conflict, listed with both texts, until the secretariat
  resolves it: keep one amendment, or give the text by hand;
* inserted clauses get numbers and eids no other clause has ("1.2 bis", ``para_1-2bis``;
  before a clause: "1.2 A", ``para_1-2A``); deleted clauses (and what they contain)
  leave the text, and the plan lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from diff_match_patch import diff_match_patch

APPLIED = "applied"
FUZZ = "applied with fuzz"
FAILED = "could not apply"
CONFLICT = "conflict"
RESOLVED = "resolved by hand"
SET_ASIDE = "set aside"  # a conflict was resolved in favour of another amendment

_LATIN = ["bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "novies"]


@dataclass(frozen=True)
class PlanClause:
    eid: str
    number: str
    kind: str
    parent_eid: str | None
    heading: str
    text: str
    depth: int
    inserted_by: str = ""  # the amendment's number, for a new clause


@dataclass(frozen=True)
class PlanAmendment:
    number: str
    operation: str  # replace / insert / delete
    insert_position: str  # before / after / start, for inserts
    clause_eid: str
    base_text: str
    text: str  # what is adopted: the adopted text when adopted as amended
    proposer: str = ""


@dataclass(frozen=True)
class Resolution:
    """How the secretariat settles a conflict on one clause."""

    keep: str = ""  # the number of the amendment to apply; the others are set aside
    text: str | None = None  # or the clause's text, given by hand


@dataclass(frozen=True)
class Outcome:
    amendment: str
    state: str
    message: str = ""


@dataclass(frozen=True)
class Conflict:
    clause_eid: str
    amendments: tuple[str, ...]
    texts: tuple[str, ...]  # what the clause would read with each amendment alone


@dataclass
class Plan:
    clauses: list[PlanClause]
    outcomes: list[Outcome] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    changed: dict[str, str] = field(default_factory=dict)  # eid -> amendment numbers

    @property
    def ok(self) -> bool:
        return not self.conflicts


def _engine() -> diff_match_patch:
    engine = diff_match_patch()
    engine.Diff_Timeout = 1.0
    return engine


def changed_spans(base: str, text: str) -> list[tuple[int, int]]:
    """The ranges of ``base`` that an edit to ``text`` touches (an insertion is a
    zero-width range at its place)."""
    spans: list[tuple[int, int]] = []
    position = 0
    for op, chunk in _engine().diff_main(base, text):
        if op == 0:
            position += len(chunk)
        elif op == -1:
            spans.append((position, position + len(chunk)))
            position += len(chunk)
        else:
            spans.append((position, position))
    return spans


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    # Touching counts: two insertions at one place, or an insertion at the edge of a
    # deletion, cannot be ordered without a decision.
    return any(x0 <= y1 and y0 <= x1 for x0, x1 in a for y0, y1 in b)


def _patched(base: str, text: str, current: str) -> tuple[str, bool]:
    """``current`` with the edit base → text applied; whether every hunk applied."""
    engine = _engine()
    patches = engine.patch_make(base, text)
    result, applied = engine.patch_apply(patches, current)
    return result, all(applied)


def plan_consolidation(
    clauses: Sequence[PlanClause],
    amendments: Sequence[PlanAmendment],
    resolutions: dict[str, Resolution] | None = None,
) -> Plan:
    """The clauses with ``amendments`` applied, in their number order."""
    resolutions = resolutions or {}
    current = {c.eid: c for c in clauses}
    plan = Plan(clauses=[])
    outcomes: list[Outcome] = []

    # 1. Changes of existing clauses (replace, delete), clause by clause.
    by_clause: dict[str, list[PlanAmendment]] = {}
    for amendment in amendments:
        if amendment.operation in ("replace", "delete"):
            by_clause.setdefault(amendment.clause_eid, []).append(amendment)
    for eid, group in by_clause.items():
        clause = current.get(eid)
        if clause is None:
            outcomes += [Outcome(a.number, FAILED, "the clause is not in the text") for a in group]
            continue
        group = _settle(clause, group, resolutions.get(eid), plan, outcomes)
        text = clause.text
        for amendment in group:
            if amendment.operation == "delete":
                state = APPLIED if amendment.base_text == clause.text else FUZZ
                message = "" if state == APPLIED else "the clause changed since filing"
                outcomes.append(Outcome(amendment.number, state, message))
                plan.deleted.append(eid)
                plan.changed[eid] = amendment.number
                break
            # Patches compose: each applies to the text as the previous one left it.
            fits = amendment.base_text == text
            result, applied = (
                (amendment.text, True)
                if fits
                else _patched(amendment.base_text, amendment.text, text)
            )
            if not applied:
                outcomes.append(
                    Outcome(amendment.number, FAILED, "the clause changed where it amends it")
                )
                continue
            text = result
            if not amendment.number:
                continue
            exact = amendment.base_text == clause.text
            outcomes.append(
                Outcome(
                    amendment.number,
                    APPLIED if exact else FUZZ,
                    "" if exact else "the clause changed since filing",
                )
            )
            plan.changed[eid] = ", ".join(filter(None, [plan.changed.get(eid), amendment.number]))
        if text != clause.text and eid not in plan.deleted:
            current[eid] = replace(clause, text=text)

    # 2. The text without the deleted clauses and what they contain.
    gone = set(plan.deleted)
    kept: list[PlanClause] = []
    for clause in clauses:
        if clause.eid in gone or (clause.parent_eid and clause.parent_eid in gone):
            gone.add(clause.eid)
            continue
        kept.append(current[clause.eid])

    # 3. Insertions, in number order, each at its anchor.
    taken = {c.eid for c in clauses}
    numbers = {c.number for c in clauses if c.number}
    for amendment in amendments:
        if amendment.operation != "insert":
            continue
        anchor = current.get(amendment.clause_eid)
        if anchor is None or (anchor.eid in gone and amendment.insert_position == "start"):
            outcomes.append(Outcome(amendment.number, FAILED, "its place is no longer in the text"))
            continue
        if anchor.eid in gone:
            # The anchor is deleted: the new clause goes where it stood.
            new, _index = _new_clause([anchor], anchor, amendment, taken, numbers)
            index = _where_it_stood(clauses, kept, anchor)
        else:
            new, index = _new_clause(kept, anchor, amendment, taken, numbers)
        kept.insert(index, new)
        taken.add(new.eid)
        numbers.add(new.number)
        plan.changed[new.eid] = amendment.number
        outcomes.append(Outcome(amendment.number, APPLIED))
    plan.clauses = kept
    plan.outcomes = sorted(outcomes, key=lambda o: _number_key(o.amendment))
    return plan


def _settle(
    clause: PlanClause,
    group: list[PlanAmendment],
    resolution: Resolution | None,
    plan: Plan,
    outcomes: list[Outcome],
) -> list[PlanAmendment]:
    """The amendments of one clause that may be applied, once conflicts are settled."""
    deletes = [a for a in group if a.operation == "delete"]
    replaces = [a for a in group if a.operation == "replace"]
    # Deleting a clause that another amendment rewrites needs a decision; several
    # deletions of one clause agree.
    conflicting = bool(deletes and replaces)
    spans = [changed_spans(a.base_text, a.text) for a in replaces]
    for i in range(len(replaces)):
        for j in range(i + 1, len(replaces)):
            if replaces[i].base_text != replaces[j].base_text or _overlap(spans[i], spans[j]):
                conflicting = True
    if not conflicting:
        ordered = sorted(group, key=lambda a: _number_key(a.number))
        if deletes:
            # Several deletions of one clause say the same thing: the first applies.
            outcomes += [
                Outcome(a.number, APPLIED, f"as {ordered[0].number}, which deletes it too")
                for a in ordered[1:]
            ]
            return ordered[:1]
        return ordered
    if resolution is None:
        plan.conflicts.append(
            Conflict(
                clause.eid,
                tuple(a.number for a in group),
                tuple("" if a.operation == "delete" else a.text for a in group),
            )
        )
        outcomes += [Outcome(a.number, CONFLICT, "overlaps another amendment") for a in group]
        return []
    if resolution.text is not None:
        outcomes += [Outcome(a.number, RESOLVED, "the text was given by hand") for a in group]
        plan.changed[clause.eid] = ", ".join(a.number for a in group)
        return [
            PlanAmendment(
                number="",  # the secretariat's text: its outcomes are given above
                operation="replace",
                insert_position="",
                clause_eid=clause.eid,
                base_text=clause.text,
                text=resolution.text,
            )
        ]
    kept = [a for a in group if a.number == resolution.keep]
    outcomes += [
        Outcome(a.number, SET_ASIDE, f"the conflict was resolved for {resolution.keep}")
        for a in group
        if a.number != resolution.keep
    ]
    return kept


def _where_it_stood(
    clauses: Sequence[PlanClause], kept: list[PlanClause], anchor: PlanClause
) -> int:
    """The place in ``kept`` of the first clause that followed ``anchor`` (and what it
    contained) in the original text and is still there; the end if none is."""
    original = [c.eid for c in clauses]
    start = original.index(anchor.eid) + 1
    while start < len(clauses) and clauses[start].depth > anchor.depth:
        start += 1
    remaining = {c.eid: i for i, c in enumerate(kept)}
    for clause in clauses[start:]:
        if clause.eid in remaining:
            return remaining[clause.eid]
    return len(kept)


def _number_key(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 0, number)


def _new_clause(
    kept: list[PlanClause],
    anchor: PlanClause,
    amendment: PlanAmendment,
    taken: set[str],
    numbers: set[str],
) -> tuple[PlanClause, int]:
    index = next(i for i, c in enumerate(kept) if c.eid == anchor.eid)
    parent: str | None
    if amendment.insert_position == "start":
        parent, kind, depth = anchor.eid, "paragraph", anchor.depth + 1
        first_child = next((c for c in kept[index + 1 :] if c.parent_eid == anchor.eid), None)
        base_number = first_child.number if first_child else ""
        base_eid = first_child.eid if first_child else f"{anchor.eid}__para_1"
        suffixes = [chr(ord("A") + k) for k in range(26)]
        position = index + 1
    elif amendment.insert_position == "before":
        parent, kind, depth = anchor.parent_eid, anchor.kind, anchor.depth
        base_number, base_eid = anchor.number, anchor.eid
        suffixes = [chr(ord("A") + k) for k in range(26)]
        # Right before the anchor: earlier insertions before it stay ahead, in order.
        position = index
    else:
        parent, kind, depth = anchor.parent_eid, anchor.kind, anchor.depth
        base_number, base_eid = anchor.number, anchor.eid
        suffixes = _LATIN
        # After the anchor and everything it contains, and earlier insertions after it.
        position = index + 1
        while position < len(kept) and (
            kept[position].depth > anchor.depth or kept[position].inserted_by
        ):
            position += 1
    for suffix in suffixes:
        eid = f"{base_eid}{suffix}"
        number = f"{base_number} {suffix}".strip() if base_number else ""
        if eid not in taken and (not number or number not in numbers):
            break
    else:  # pragma: no cover - more than 26 insertions at one place
        raise ValueError(f"too many insertions at {anchor.eid}")
    new = PlanClause(
        eid=eid,
        number=number,
        kind=kind,
        parent_eid=parent,
        heading="",
        text=amendment.text,
        depth=depth,
        inserted_by=amendment.number,
    )
    return new, position
