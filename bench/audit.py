"""Benchmark: appending to the audit trail, and ``verify_audit`` on 100,000 records.

What it measures, in a throw-away test database (the developer's database is never
touched):

1. Appends through the product's own ``services.audit_append``, each in its own
   transaction as a service would make it (lock the chain's head, hash, insert, move
   the head): 1,000 timed appends of a typical filing's content (about 700 bytes of
   JSON). Reported as the median and p95 of one append. No budget: the append is a small
   part of each service.
2. ``python manage.py verify_audit`` on 10,000 and on 100,000 records (the records are
   built with ``amendments.auditing`` and inserted in bulk, untimed; the chain is the
   one an append would write). Reported: the time of one walk, records per second and
   the peak of the Python memory the walk allocates (``tracemalloc``, a second walk).
   Budget: the peak on 100,000 records stays under 32 MB and under twice the peak on
   10,000 (the walk holds one chunk of records at a time, not the trail).

The exit code is 0 when every budget holds, 1 otherwise.

Run from the repository root, on SQLite (default) or PostgreSQL::

    .venv/bin/python bench/audit.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/audit.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# The repository root goes first on the path (see bench/amendments.py): ``amendments``
# must name the Django app.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import datetime
import io
import statistics
import time
import tracemalloc
from typing import Any

from bench import report
from bench.import_and_read import bootstrap, describe_database, p95

APPENDS = 1_000
SIZES = (10_000, 100_000)
PEAK_LIMIT_MB = 32.0
BATCH = 5_000


def filing_content(i: int) -> dict[str, Any]:
    """What a filing record holds, at a typical size."""
    return {
        "amendment": i,
        "number": f"A-{i}",
        "edition": "og-draft-19igc-en",
        "status": "submitted",
        "operation": "replace",
        "insert_position": "",
        "clause": f"para_{i % 300}-{i % 7}",
        "base_text": "Parties support the development of digital skills and of the cultural "
        "and creative industries in the digital environment. " * 2,
        "base_version": 1,
        "proposed_text": "Parties support the development of digital skills, with particular "
        "attention to artists and cultural professionals of developing countries.",
        "justification": "The text should say for whom; see the joint advocacy paper, § 2.2.1.",
        "proposer": {"id": 3, "name": "Coalition pour la diversité culturelle"},
        "positions": [1, 2],
        "organisation": {"id": 3, "name": "Coalition pour la diversité culturelle"},
    }


def bench_appends() -> tuple[float, float]:
    from amendments import services

    samples = []
    for i in range(APPENDS):
        start = time.perf_counter()
        services.audit_append(action="submitted", content=filing_content(i), user=None)
        samples.append((time.perf_counter() - start) * 1000.0)
    report.record("audit_append", f"{APPENDS} appends", samples)
    return statistics.median(samples), p95(samples)


def fill(total: int) -> None:
    """Extend the chain to ``total`` records in bulk, as appends would have written it."""
    from django.db import transaction

    from amendments import auditing
    from amendments.models import AuditChain, AuditRecord

    head = AuditChain.objects.get()
    sequence, previous = head.sequence, head.last_hash
    instant = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    while sequence < total:
        batch = []
        for _ in range(min(BATCH, total - sequence)):
            sequence += 1
            content = filing_content(sequence)
            fields: dict[str, Any] = {
                "sequence": sequence,
                "recorded_at": instant + datetime.timedelta(seconds=sequence),
                "action": "submitted",
                "amendment_id": sequence,
                "edition_id": 1,
                "content_hash": auditing.content_hash(content),
                "previous_hash": previous,
            }
            previous = auditing.record_hash(**fields)
            batch.append(AuditRecord(**fields, content=content, record_hash=previous))
        with transaction.atomic():
            AuditRecord.objects.bulk_create(batch)
            AuditChain.objects.update(sequence=sequence, last_hash=previous)


def verify() -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


def bench_verify(total: int) -> tuple[float, float, str]:
    fill(total)
    start = time.perf_counter()
    message = verify()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    verify()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, message


def run() -> bool:
    print(describe_database())
    median, worst = bench_appends()
    print(f"audit_append, {APPENDS} appends: median {median:.2f} ms, p95 {worst:.2f} ms")
    peaks = {}
    for total in SIZES:
        seconds, peak, message = bench_verify(total)
        peaks[total] = peak
        print(
            f"verify_audit, {total:,} records: {seconds:.2f} s ({total / seconds:,.0f} "
            f"records/s), peak Python memory {peak:.1f} MB; says: {message[:40]}…"
        )
    small, large = peaks[SIZES[0]], peaks[SIZES[-1]]
    passed = large < PEAK_LIMIT_MB and large < 2 * small
    report.record_line(
        report.Line(
            report.script_name(),
            "verify_audit (one walk of the chain)",
            f"{SIZES[-1]:,} records, peak {large:.1f} MB",
            seconds * 1000.0,
            seconds * 1000.0,
            None,
            f"peak < {PEAK_LIMIT_MB:.0f} MB and < 2x the {SIZES[0]:,}-record peak",
            passed,
        )
    )
    print(
        f"budget: peak on {SIZES[-1]:,} < {PEAK_LIMIT_MB:.0f} MB and < twice the peak on "
        f"{SIZES[0]:,} ({2 * small:.1f} MB): {'PASS' if passed else 'FAIL'}"
    )
    return passed


def main() -> int:
    bootstrap()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment(debug=False)
    try:
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            passed = run()
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        teardown_test_environment()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
