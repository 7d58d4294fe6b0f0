"""Propose which clause of edition A corresponds to which clause of edition B.

Pure Python, no Django. Two ways, as DESIGN.md sets them:

* along a fork (B based on A, or A on B) the ``eid`` is kept, so clauses match by eid;
* otherwise, in the same language, by the similarity of their words: identical texts
  first, then the most similar pairs above a threshold, then splits (one A clause
  whose words went into several B clauses) and merges (the reverse). What is left is
  deleted (only in A) or new (only in B).

Across languages nothing is proposed: a translation is matched by hand.
The proposals are only proposals; the secretariat confirms or edits them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

SAME = "same"
MODIFIED = "modified"
RENUMBERED = "renumbered"
SPLIT = "split"
MERGED = "merged"
NEW = "new"
DELETED = "deleted"

# Below this similarity two clauses are not proposed as the same provision.
MATCH_THRESHOLD = 0.5
# Share of a clause's words found in the other for a split or a merge.
CONTAINMENT_THRESHOLD = 0.8

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class AlignItem:
    key: int
    eid: str
    number: str
    kind: str
    text: str  # heading and text together


@dataclass(frozen=True)
class Match:
    source: int | None  # key in A
    target: int | None  # key in B
    kind: str
    score: float


def words(text: str) -> Counter[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return Counter(_WORD.findall(folded))


def dice(a: Counter[str], b: Counter[str]) -> float:
    """Shared words over all words (bags): 1.0 for the same words, 0.0 for none."""
    total = sum(a.values()) + sum(b.values())
    if not total:
        return 1.0
    return 2 * sum((a & b).values()) / total


def containment(part: Counter[str], whole: Counter[str]) -> float:
    size = sum(part.values())
    return sum((part & whole).values()) / size if size else 0.0


def _is_heading(item: AlignItem) -> bool:
    return item.kind in ("section", "article")


def _kind_of_pair(a: AlignItem, b: AlignItem, score: float) -> str:
    if a.text == b.text:
        return SAME if a.number == b.number else RENUMBERED
    return MODIFIED


def align_by_eid(a: Sequence[AlignItem], b: Sequence[AlignItem]) -> list[Match]:
    """Along a fork: the same eid is the same provision."""
    by_eid = {item.eid: item for item in a}
    matches: list[Match] = []
    seen: set[str] = set()
    for item in b:
        other = by_eid.get(item.eid)
        if other is None:
            matches.append(Match(None, item.key, NEW, 0.0))
            continue
        seen.add(item.eid)
        score = 1.0 if other.text == item.text else dice(words(other.text), words(item.text))
        matches.append(Match(other.key, item.key, _kind_of_pair(other, item, score), score))
    matches += [Match(item.key, None, DELETED, 0.0) for item in a if item.eid not in seen]
    return matches


def align_by_text(
    a: Sequence[AlignItem], b: Sequence[AlignItem], *, threshold: float = MATCH_THRESHOLD
) -> list[Match]:
    """In one language: by the words of the clauses (see the module's docstring)."""
    bags_a = {item.key: words(item.text) for item in a}
    bags_b = {item.key: words(item.text) for item in b}
    items_a = {item.key: item for item in a}
    items_b = {item.key: item for item in b}
    pair_of_a: dict[int, int] = {}
    pair_of_b: dict[int, int] = {}
    scores: dict[tuple[int, int], float] = {}

    def pair(ka: int, kb: int, score: float) -> None:
        pair_of_a[ka], pair_of_b[kb] = kb, ka
        scores[(ka, kb)] = score

    # 1. Identical texts, in document order (so repeated texts pair in turn).
    free_by_text: dict[tuple[bool, str], list[int]] = defaultdict(list)
    for item in a:
        if item.text:
            free_by_text[(_is_heading(item), item.text)].append(item.key)
    for item in b:
        queue = free_by_text.get((_is_heading(item), item.text))
        if item.text and queue:
            pair(queue.pop(0), item.key, 1.0)

    # 2. The most similar remaining pairs, best first. Candidates share a word, found
    # through an index, so large editions are not compared pair by pair.
    index: dict[str, list[int]] = defaultdict(list)
    for key, bag in bags_a.items():
        if key not in pair_of_a:
            for word in bag:
                index[word].append(key)
    candidates: list[tuple[float, int, int]] = []
    for kb, bag in bags_b.items():
        if kb in pair_of_b:
            continue
        heading = _is_heading(items_b[kb])
        near = {ka for word in bag for ka in index.get(word, ())}
        for ka in near:
            if _is_heading(items_a[ka]) != heading:
                continue
            score = dice(bags_a[ka], bag)
            if score >= threshold:
                candidates.append((score, ka, kb))
    # Ties broken by document order, so the result does not depend on set order.
    order_a = {item.key: i for i, item in enumerate(a)}
    order_b = {item.key: i for i, item in enumerate(b)}
    candidates.sort(key=lambda c: (-c[0], order_b[c[2]], order_a[c[1]]))
    for score, ka, kb in candidates:
        if ka not in pair_of_a and kb not in pair_of_b:
            pair(ka, kb, score)

    matches: list[Match] = []
    split_a: set[int] = set()
    merged_b: set[int] = set()
    # 3. Splits: an unpaired B clause whose words come from an A clause already paired.
    for item in b:
        kb = item.key
        if kb in pair_of_b or not bags_b[kb]:
            continue
        best = max(
            (
                (containment(bags_b[kb], bags_a[ka]), ka)
                for ka in pair_of_a
                if _is_heading(items_a[ka]) == _is_heading(item)
            ),
            default=(0.0, -1),
        )
        if best[0] >= CONTAINMENT_THRESHOLD:
            split_a.add(best[1])
            matches.append(Match(best[1], kb, SPLIT, round(best[0], 3)))
            pair_of_b[kb] = best[1]
    # 4. Merges: an unpaired A clause whose words went into a B clause already paired.
    for item in a:
        ka = item.key
        if ka in pair_of_a or not bags_a[ka]:
            continue
        best = max(
            (
                (containment(bags_a[ka], bags_b[kb]), kb)
                for kb in set(pair_of_a.values())
                if _is_heading(items_b[kb]) == _is_heading(item)
            ),
            default=(0.0, -1),
        )
        if best[0] >= CONTAINMENT_THRESHOLD:
            merged_b.add(best[1])
            matches.append(Match(ka, best[1], MERGED, round(best[0], 3)))
            pair_of_a[ka] = best[1]

    for (ka, kb), score in scores.items():
        if ka in split_a:
            kind = SPLIT
        elif kb in merged_b:
            kind = MERGED
        else:
            kind = _kind_of_pair(items_a[ka], items_b[kb], score)
        matches.append(Match(ka, kb, kind, round(score, 3)))
    matches += [Match(item.key, None, DELETED, 0.0) for item in a if item.key not in pair_of_a]
    matches += [Match(None, item.key, NEW, 0.0) for item in b if item.key not in pair_of_b]
    return sorted(
        matches,
        key=lambda m: (
            order_b.get(m.target, -1) if m.target is not None else len(order_b),
            order_a.get(m.source, -1) if m.source is not None else -1,
        ),
    )
