"""Benchmark: the search page, ``/search/?q=``, on 1,000 clauses and 5,000 amendments.

What it measures, in a throw-away test database of its own (``test_search_bench``: the
developer's database, and the test database other runs may be using, are never
touched):

1. Set-up by ``make_synthetic(slug="synthetic-bench-search", clauses=1025,
   amendments=5000, versions=1, accents=True)`` (``guidelines/synthetic.py``, in bulk;
   the search text written by the same ``search_document`` the services use): a
   published base edition and a published draft forked from it, 1,025 clauses each
   (1,000 numbered), in which every 25th paragraph speaks of "l'œuvre" and of
   "Économie"; 5,000 amendments on the draft from ten organisations in every status
   (what an anonymous reader sees of them is searched); every 10th amendment's
   justification names "une œuvre", every 50th "l'économie de l'œuvre"; 1,250
   positions. Timed once, no budget.
2. The search page through ``django.test.Client`` (anonymous): two warm-up requests,
   then twenty timed ones; the queries of one request are counted. Queries: "oeuvre"
   (a few hundred hits, capped on the page), "economie oeuvre" (two words, AND),
   "justification" (a word of every amendment: the worst case), "introuvable" (no hit). Budget: each
   request's median under 200 ms on PostgreSQL (the issue's budget); reported without a
   budget on SQLite, the embedded fallback.
3. Baselines in the same process: the ``search`` selector alone (no template), and a
   plain ``icontains`` scan of the same tables for "œuvre" (what a naive search would
   do: no folding, so it misses "oeuvre" and "Œuvre", no grouping, no visibility, first
   20 rows of each table). The ratios show what the folding, grouping and rendering cost.
4. On PostgreSQL: the plans of the clause and amendment matches (EXPLAIN ANALYZE), as
   the planner chooses them and with the sequential scan forbidden: the GIN indexes
   (``Bitmap Index Scan on clause_search_fts``) serve the condition; at this size the
   planner may still prefer reading the stored vectors in sequence for common words.

The exit code is 0 when every budget holds, 1 otherwise.

Run from the repository root, on SQLite (default) or PostgreSQL::

    .venv/bin/python bench/search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/search.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# The repository root goes first on the path: it makes ``bench.import_and_read``
# importable (Python puts the script's own directory, bench/, on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import re
import statistics
import time
from typing import TYPE_CHECKING

from bench.import_and_read import (
    TIMED_REQUESTS,
    WARM_UP_REQUESTS,
    Budget,
    Row,
    Synthetic,
    bootstrap,
    count_queries,
    describe_database,
    format_table,
    get_page,
    p95,
    plural,
    synthetic,
    timed,
)
from bench.report import record_rows

if TYPE_CHECKING:
    from django.test import Client

SYNTHETIC = "synthetic-bench-search"  # make_synthetic's slug: <slug>-base, <slug>-draft
CLAUSES = 1025  # 25 sections of 10 paragraphs of 3 sub-paragraphs: 1,000 numbered
AMENDMENTS = 5000
QUERIES = ("oeuvre", "economie oeuvre", "justification", "introuvable")
TEST_DATABASE = "test_search_bench"

PAGE_BUDGET = Budget("median", 200.0)


def set_up() -> Synthetic:
    """The draft and its 5,000 amendments, from ``make_synthetic`` with accents."""
    return synthetic(slug=SYNTHETIC, clauses=CLAUSES, amendments=AMENDMENTS, accents=True)


def bench_page(
    client: Client, query: str, size: str, *, secure: bool, budget: Budget | None
) -> Row:
    """Warm up, time the page's requests, then count one request's queries."""
    from guidelines.searching import search

    url = f"/search/?q={query.replace(' ', '+')}"

    def get() -> int:
        return get_page(client, url, secure=secure)

    for _ in range(WARM_UP_REQUESTS):
        get()
    samples = [timed(get) for _ in range(TIMED_REQUESTS)]
    queries = count_queries(get)
    kb = get() / 1024
    hits = search(query=query, user=None).total
    return Row(
        f"GET {url} (x{TIMED_REQUESTS})",
        f"{size}: {plural(hits, 'hit')}, {kb:.0f} kB",
        statistics.median(samples),
        p95(samples),
        queries,
        budget,
    )


def bench_selector(query: str, size: str) -> Row:
    """The selector alone: the queries and the snippets, no template, no request."""
    from guidelines.searching import search

    def run() -> int:
        return search(query=query, user=None).total

    for _ in range(WARM_UP_REQUESTS):
        run()
    samples = [timed(run) for _ in range(TIMED_REQUESTS)]
    return Row(
        f"search(query={query!r}) (x{TIMED_REQUESTS})",
        f"{size}: {plural(run(), 'hit')}",
        statistics.median(samples),
        p95(samples),
        count_queries(run),
    )


def naive_search(word: str) -> int:
    """The baseline: ``icontains`` on the raw columns, the first 20 rows of each table."""
    from django.db.models import Q

    from amendments.models import Amendment
    from guidelines.models import Clause
    from positions.models import Position

    clauses = Clause.objects.filter(Q(text__icontains=word) | Q(heading__icontains=word))
    amendments = Amendment.objects.filter(
        Q(proposed_text__icontains=word) | Q(justification__icontains=word)
    )
    positions = Position.objects.filter(summary__icontains=word)
    return (
        len(clauses.values("pk", "heading", "text")[:20])
        + len(amendments.values("pk", "proposed_text", "justification")[:20])
        + len(positions.values("pk", "summary")[:20])
    )


def bench_baseline(word: str, size: str) -> Row:
    def run() -> int:
        return naive_search(word)

    for _ in range(WARM_UP_REQUESTS):
        run()
    samples = [timed(run) for _ in range(TIMED_REQUESTS)]
    return Row(
        f"baseline: icontains {word!r} (x{TIMED_REQUESTS})",
        f"{size}: {plural(run(), 'row')} (first 20 a table)",
        statistics.median(samples),
        p95(samples),
        count_queries(run),
    )


def plans() -> list[str]:
    """On PostgreSQL, how the clause and amendment matches run (EXPLAIN ANALYZE): the
    planner's own choice, then with the sequential scan forbidden, to show the GIN
    index serves the condition and what it costs at this size."""
    from django.db import connection, transaction

    from amendments.models import Amendment
    from guidelines.models import Clause
    from guidelines.searching import matches, query_words

    if connection.vendor != "postgresql":
        return []

    def summary(plan: str) -> str:
        scans = [
            re.sub(r"\s+\(cost=.*", "", line.strip(" ->"))
            for line in plan.splitlines()
            if " Scan " in line or line.lstrip(" ->").startswith("Seq Scan")
        ]
        took = re.search(r"Execution Time: ([\d.]+) ms", plan)
        return f"{' + '.join(scans)} ({took.group(1) if took else '?'} ms)"

    lines = []
    for model in (Clause, Amendment):
        for query in QUERIES:
            condition = matches(query_words(query), vendor="postgresql")
            queryset = model.objects.filter(condition).order_by().values("pk")
            chosen = summary(queryset.explain(analyze=True))
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_seqscan = off")
                forced = summary(queryset.explain(analyze=True))
            lines.append(f"plan: {model.__name__} {query!r}: {chosen}; seqscan off: {forced}")
    return lines


def run_benchmarks() -> list[Row]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    print(describe_database())
    start = time.perf_counter()
    data = set_up()
    print(f"set-up: {data.describe()}")
    print(f"set-up in {time.perf_counter() - start:.1f} s (untimed for the table)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have done by now
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    client = Client()
    budget = PAGE_BUDGET if connection.vendor == "postgresql" else None
    size = data.size
    pages = [bench_page(client, query, size, secure=secure, budget=budget) for query in QUERIES]
    selectors = [bench_selector(query, size) for query in QUERIES[:2]]
    baseline = bench_baseline("œuvre", size)
    rows = [*pages, *selectors, baseline]
    print(format_table(rows))
    record_rows(rows)
    print(
        "ratios to the icontains baseline (medians): "
        + ", ".join(
            f"{row.operation.split(' (x')[0]} {row.median_ms / baseline.median_ms:.1f}x"
            for row in [*pages, *selectors]
        )
    )
    for line in plans():
        print(line)
    return rows


def main() -> int:
    bootstrap()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    # Production-like: without DEBUG the connection does not keep every query and the
    # templates are compiled without debug information. Restored by the teardown.
    setup_test_environment(debug=False)
    try:
        old_name = connection.settings_dict["NAME"]
        # A test database of its own: a test run on the same server keeps its own.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = TEST_DATABASE
        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = None  # in memory, as the tests
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            rows = run_benchmarks()
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        teardown_test_environment()
    passed = all(row.passed for row in rows)
    print("PASS: every budget holds." if passed else "FAIL: a budget does not hold.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
