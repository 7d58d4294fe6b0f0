"""The audit trail's hash chain, in pure Python: canonical JSON, the two hashes of a record,
and the walk that finds the first record whose chain breaks.

Anyone can recompute a record's hashes from its receipt with this module's rules and a
SHA-256 tool, without Redraft:

- ``content_hash`` is the SHA-256 of the content's canonical JSON: keys sorted, no
  whitespace (``","`` and ``":"`` separators), non-ASCII characters written as they are,
  the whole encoded in UTF-8;
- ``record_hash`` is the SHA-256 of the canonical JSON of the record's header: its
  sequence, the time it was recorded (ISO 8601 in UTC, milliseconds), its action, the ids
  of the amendment and the edition it concerns, its ``content_hash`` and the
  ``previous_hash`` (the ``record_hash`` of the record before it; 64 zeros for the first).

Each record thus seals its content and, through ``previous_hash``, every record before
it: changing, removing or reordering a stored record breaks the chain at that record.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64

# What ``verify_chain`` reports, first break only.
MISSING = "missing"
CONTENT_CHANGED = "content-changed"
LINK_BROKEN = "link-broken"
RECORD_CHANGED = "record-changed"
HEAD_MISMATCH = "head-mismatch"


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value`` that is hashed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(content: Any) -> str:
    return sha256_hex(canonical_json(content))


def recorded_at_text(instant: datetime.datetime) -> str:
    """The instant as the header hashes it: ISO 8601 in UTC, to the millisecond.

    Milliseconds, because that is what Django's JSON serialiser keeps of a datetime: a
    trail dumped and loaded again (a backup) still verifies.
    """
    if instant.tzinfo is None:
        raise ValueError("an audit record's time must be aware")
    return instant.astimezone(datetime.UTC).isoformat(timespec="milliseconds")


def truncate_to_milliseconds(instant: datetime.datetime) -> datetime.datetime:
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def header(
    *,
    sequence: int,
    recorded_at: datetime.datetime,
    action: str,
    amendment_id: int | None,
    edition_id: int | None,
    content_hash: str,
    previous_hash: str,
) -> dict[str, Any]:
    """What ``record_hash`` seals besides the content (through its hash)."""
    return {
        "sequence": sequence,
        "recorded_at": recorded_at_text(recorded_at),
        "action": action,
        "amendment_id": amendment_id,
        "edition_id": edition_id,
        "content_hash": content_hash,
        "previous_hash": previous_hash,
    }


def record_hash(**fields: Any) -> str:
    """The SHA-256 of the canonical JSON of ``header(**fields)``."""
    return sha256_hex(canonical_json(header(**fields)))


def header_of(record: Any) -> dict[str, Any]:
    """``header`` of a stored record (a ``StoredRecord`` or an ``AuditRecord`` row)."""
    return header(
        sequence=record.sequence,
        recorded_at=record.recorded_at,
        action=record.action,
        amendment_id=record.amendment_id,
        edition_id=record.edition_id,
        content_hash=record.content_hash,
        previous_hash=record.previous_hash,
    )


@dataclass(frozen=True)
class StoredRecord:
    """One record as read back from the database, for ``verify_chain``."""

    sequence: int
    recorded_at: datetime.datetime
    action: str
    amendment_id: int | None
    edition_id: int | None
    content: Any
    content_hash: str
    previous_hash: str
    record_hash: str


@dataclass(frozen=True)
class Verification:
    """The result of a walk: ``ok``, or the first broken record and what is wrong."""

    count: int
    last_hash: str
    broken_sequence: int | None = None
    problem: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None


def verify_chain(
    records: Iterable[StoredRecord],
    *,
    head_sequence: int | None = None,
    head_hash: str | None = None,
) -> Verification:
    """Walk ``records`` (in sequence order) and stop at the first break.

    Checked per record, in this order: its sequence follows the previous one (a gap is a
    removed record); its content still has its ``content_hash``; its ``previous_hash`` is
    the previous record's hash (a reordering or a replaced record); its ``record_hash``
    still matches its header (its time, action, subject or hashes were changed). Then the
    end of the walk must be the chain's head (``head_sequence``/``head_hash``, kept apart
    from the records), which catches records removed from the end.

    Holds one record at a time: the caller streams them (``QuerySet.iterator()``).
    """
    expected_sequence, previous = 1, GENESIS_HASH
    count = 0
    for record in records:
        if record.sequence != expected_sequence:
            missing = (
                f"record {expected_sequence} is missing"
                if record.sequence > expected_sequence
                else f"record {record.sequence} comes again after record {expected_sequence - 1}"
            )
            return Verification(
                count,
                previous,
                expected_sequence,
                MISSING,
                f"{missing} (the next record found is {record.sequence})",
            )
        if content_hash(record.content) != record.content_hash:
            return Verification(
                count,
                previous,
                record.sequence,
                CONTENT_CHANGED,
                "its content no longer has the SHA-256 it was recorded with",
            )
        if record.previous_hash != previous:
            return Verification(
                count,
                previous,
                record.sequence,
                LINK_BROKEN,
                f"it does not follow record {record.sequence - 1} (its previous hash is "
                f"{record.previous_hash}, record {record.sequence - 1}'s hash is {previous}): "
                "records were reordered, replaced or rewritten",
            )
        recomputed = sha256_hex(canonical_json(header_of(record)))
        if recomputed != record.record_hash:
            return Verification(
                count,
                previous,
                record.sequence,
                RECORD_CHANGED,
                "its hash does not match its fields: its time, action, subject or hashes "
                "were changed",
            )
        previous = record.record_hash
        count += 1
        expected_sequence += 1
    if head_sequence is not None and (head_sequence, head_hash) != (count, previous):
        return Verification(
            count,
            previous,
            _first_past(head_sequence, count),
            HEAD_MISMATCH,
            f"the chain's head says {head_sequence} records ending with {head_hash}, the "
            f"records end at {count} with {previous}",
        )
    return Verification(count, previous)


def _first_past(head_sequence: int, count: int) -> int:
    """The record the head and the records first disagree on."""
    if head_sequence > count:
        return count + 1  # records missing at the end
    if head_sequence < count:
        return head_sequence + 1  # records beyond the head
    return head_sequence  # the last record, whose hash the head does not have
