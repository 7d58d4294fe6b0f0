"""A delegation's marked-up Word file read as proposed amendments, one per changed clause.

Pure: bytes of a .docx in, :class:`ProposedChange` values out; the service
(``amendments.services.amendments_from_word``) checks them against the edition and files
them. The file is read twice (``guidelines.wordfiles``): as it was before its tracked
changes and as it is with every change accepted. Each view is parsed into clauses by the
importer; a clause of the original and a clause of the accepted text are the same clause
when they share a piece that no change touched (words or the paragraph mark). Then:

* a clause of the original with no counterpart was deleted;
* a clause of the accepted text with no counterpart was inserted, before or after the
  clause its number names ("1.2 A" goes before 1.2, "1.2 bis" after it) or else after
  the clause it follows;
* a pair whose texts differ is a replacement; a clause split in two is a replacement and
  an insertion, two clauses merged a replacement and a deletion.

Comments (``w:comment``) anchored in a changed clause become the amendment's
justification; a comment on a clause that did not change is reported, not filed.
Heading changes are reported too: an amendment replaces a clause's text, not a heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from guidelines.importing import (
    KIND_ARTICLE,
    KIND_SECTION,
    LATIN_SUFFIXES,
    ImportFailure,
    ParsedClause,
    normalise_text,
)
from guidelines.wordfiles import ViewParagraph, WordText, parse_view, read_document

REPLACE, INSERT, DELETE = "replace", "insert", "delete"
BEFORE, AFTER = "before", "after"


@dataclass(frozen=True)
class ProposedChange:
    operation: str  # replace, insert or delete
    eid: str  # the clause replaced or deleted; for an insertion, the clause it goes by
    number: str  # that clause's number in the file ("" for a bullet)
    base_text: str  # that clause's text in the file, before the changes
    text: str = ""  # the proposed text ("" for a deletion)
    insert_position: str = ""  # before or after, for an insertion
    new_number: str = ""  # the inserted clause's number in the file
    comments: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.operation == INSERT:
            where = self.number or self.eid
            return f"{self.new_number or 'new clause'} ({self.insert_position} {where})"
        return self.number or self.eid


@dataclass
class MarkedUpFile:
    changes: list[ProposedChange]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Clause:
    parsed: ParsedClause
    index: int
    keys: set[tuple[int, int]]
    comments: list[str]


def _clauses(parsed: Sequence[ParsedClause], text: WordText) -> list[_Clause]:
    """Each clause with the pieces (and comments) of the paragraphs it was read from: a
    clause runs from its own line to the next clause's."""
    starts = sorted((c.line, i) for i, c in enumerate(parsed))
    out = [_Clause(c, i, set(), []) for i, c in enumerate(parsed)]
    lines = sorted(text.paragraph_of_line)
    k = -1
    for line in lines:
        while k + 1 < len(starts) and starts[k + 1][0] <= line:
            k += 1
        if k < 0:
            continue  # the title block
        paragraph: ViewParagraph = text.paragraphs[text.paragraph_of_line[line] - 1]
        clause = out[starts[k][1]]
        clause.keys |= paragraph.keys
        clause.comments += paragraph.comments
    return out


def _suffix(number: str) -> tuple[str, str]:
    """("1.2", "A") for "1.2 A", ("1.2", "bis") for "1.2 bis", (number, "") otherwise."""
    digits, _, suffix = number.replace("\u00a0", " ").partition(" ")
    if suffix in LATIN_SUFFIXES or re.fullmatch(r"[A-Z]", suffix):
        return digits, suffix
    return number, ""


def read_marked_up(data: bytes) -> MarkedUpFile:
    """The amendments a marked-up .docx proposes. ``ImportFailure`` if it cannot be read."""
    document = read_document(data)
    if not document.tracked:
        raise ImportFailure(
            "the file has no tracked changes: turn on Track Changes (Review \u203a Track Changes) "
            "before editing the text, then upload it again"
        )
    old_parsed, old_text = parse_view(document, "old")
    new_parsed, new_text = parse_view(document, "new")
    old = _clauses(old_parsed.clauses, old_text)
    new = _clauses(new_parsed.clauses, new_text)
    result = MarkedUpFile([], [str(w) for w in new_parsed.warnings if not w.unit])

    owner: dict[tuple[int, int], int] = {}
    for clause in old:
        for key in clause.keys:
            owner[key] = clause.index
    links_of_new: list[list[int]] = [
        sorted({owner[k] for k in clause.keys if k in owner}) for clause in new
    ]
    links_of_old: dict[int, list[int]] = {}
    for n, linked in enumerate(links_of_new):
        for o in linked:
            links_of_old.setdefault(o, []).append(n)

    comments = document.comments
    used_comments: set[str] = set()

    def notes(*clauses: _Clause) -> tuple[str, ...]:
        ids = [c for clause in clauses for c in clause.comments]
        used_comments.update(ids)
        return tuple(comments[i] for i in dict.fromkeys(ids) if comments.get(i))

    def base(o: _Clause) -> str:
        return o.parsed.text

    claimed: set[int] = set()  # old clauses already given their replacement
    previous_old = -1
    for n, clause in enumerate(new):
        linked = links_of_new[n]
        if not linked:
            anchor, position = _anchor(old, links_of_new, n, previous_old, clause.parsed.number)
            if anchor is None:
                result.warnings.append(
                    f"the new clause {clause.parsed.number or clause.parsed.text[:40]} has no "
                    "clause of the original text to go by: not filed"
                )
                continue
            result.changes.append(
                ProposedChange(
                    INSERT,
                    anchor.parsed.eid,
                    anchor.parsed.number,
                    base(anchor),
                    text=clause.parsed.text,
                    insert_position=position,
                    new_number=clause.parsed.number,
                    comments=notes(clause),
                )
            )
            continue
        primary = old[linked[0]]
        previous_old = max(previous_old, *linked)
        if primary.index in claimed:
            # The second half of a split clause: an insertion after the first half.
            result.changes.append(
                ProposedChange(
                    INSERT,
                    primary.parsed.eid,
                    primary.parsed.number,
                    base(primary),
                    text=clause.parsed.text,
                    insert_position=AFTER,
                    new_number=clause.parsed.number,
                    comments=notes(clause),
                )
            )
            continue
        claimed.add(primary.index)
        # Clauses merged into this one are deleted.
        for o in linked[1:]:
            if o not in claimed:
                claimed.add(o)
                merged = old[o]
                result.changes.append(
                    ProposedChange(DELETE, merged.parsed.eid, merged.parsed.number, base(merged))
                )
        if primary.parsed.heading != clause.parsed.heading:
            result.warnings.append(
                f"the heading {primary.parsed.heading!r} was changed to "
                f"{clause.parsed.heading!r}: headings are not amended, not filed"
            )
        if normalise_text(primary.parsed.text) != normalise_text(clause.parsed.text):
            if clause.parsed.text:
                result.changes.append(
                    ProposedChange(
                        REPLACE,
                        primary.parsed.eid,
                        primary.parsed.number,
                        base(primary),
                        text=clause.parsed.text,
                        comments=notes(primary, clause),
                    )
                )
            elif primary.parsed.kind not in (KIND_SECTION, KIND_ARTICLE):
                result.changes.append(
                    ProposedChange(
                        DELETE,
                        primary.parsed.eid,
                        primary.parsed.number,
                        base(primary),
                        comments=notes(primary, clause),
                    )
                )
    # What was deleted outright; a clause inside a deleted one goes with it.
    deleted = [c for c in old if c.index not in links_of_old and c.index not in claimed]
    gone = {c.parsed.eid for c in deleted}
    for removed in deleted:
        if removed.parsed.parent_eid in gone:
            continue
        result.changes.append(
            ProposedChange(
                DELETE,
                removed.parsed.eid,
                removed.parsed.number,
                base(removed),
                comments=notes(removed),
            )
        )
    order = {o.parsed.eid: o.index for o in old}
    result.changes.sort(key=lambda c: order.get(c.eid, 0))
    for comment_id in sorted(set(comments) - used_comments, key=_numeric):
        if comments[comment_id]:
            result.warnings.append(
                f"the comment {comments[comment_id][:60]!r} is not on a changed clause: not filed"
            )
    return result


def _numeric(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def _anchor(
    old: list[_Clause],
    links_of_new: list[list[int]],
    n: int,
    previous_old: int,
    number: str,
) -> tuple[_Clause | None, str]:
    """Where an inserted clause goes: by the number it carries, else after what it follows."""
    next_old = next((min(ls) for ls in links_of_new[n + 1 :] if ls), len(old))
    between = old[previous_old + 1 : next_old]
    digits, suffix = _suffix(number)
    if suffix:
        nearby: Iterable[_Clause] = [
            *([old[previous_old]] if previous_old >= 0 else []),
            *between,
            *([old[next_old]] if next_old < len(old) else []),
        ]
        named = next((o for o in nearby if o.parsed.number == digits), None)
        if named is None and suffix in LATIN_SUFFIXES and previous_old >= 0:
            # "2 bis" after 2.1: it follows clause 2 and what 2 contains.
            named = _ancestor_numbered(old, old[previous_old], digits)
        if named is not None:
            return named, AFTER if suffix in LATIN_SUFFIXES else BEFORE
    if previous_old >= 0:
        return old[previous_old], AFTER
    if next_old < len(old):
        return old[next_old], BEFORE
    return (old[0], AFTER) if old else (None, "")


def _ancestor_numbered(old: list[_Clause], clause: _Clause, number: str) -> _Clause | None:
    """The clause numbered ``number`` that contains ``clause``, if any."""
    by_eid = {o.parsed.eid: o for o in old}
    parent = by_eid.get(clause.parsed.parent_eid or "")
    while parent is not None:
        if parent.parsed.number == number:
            return parent
        parent = by_eid.get(parent.parsed.parent_eid or "")
    return None
