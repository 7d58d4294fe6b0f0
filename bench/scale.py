"""Benchmark: the hot pages at 1,000 and at 100,000 clauses, on PostgreSQL.

What it measures, in its own database (``BENCH_DATABASE_URL``, by default
``postgres://postgres@127.0.0.1:5432/redraft_scale``, created when missing; never the
developer's database nor CI's ``test``):

1. Two synthetic negotiations written by ``make_synthetic`` (``guidelines/synthetic.py``):
   a small one of 1,000 clauses (100 amendments, 10 versions a clause: 10,000 history
   rows) and a large one of 100,000 clauses (10,000 amendments, 1,000,000 history rows).
   Each is kept between runs: when the database already holds it, with the same counts,
   it is reused (the time it took to write is read back from ``var/bench/scale.json``;
   ``BENCH_SCALE_REGENERATE=1`` writes it anew).
   Budget: writing the large one under 300 s.
2. The hot pages of each, the same page size at both sizes, through
   ``django.test.Client``: the edition page (first and middle page), a clause page (its
   history of 10 versions), the amendment list with each filter (edition, organisation,
   clause, status, operation, ordering), an amendment page, the comparison page (warm,
   and cold: the cache cleared before each request), search, and the API lists
   (amendments, clauses of an edition). Two warm-up requests then ten timed ones, the
   requests of both sizes interleaved (two cold ones).
   Budgets: each large page's median under ``RATIO_LIMIT`` times the small one's (plus
   ``RATIO_SLACK_MS`` for the noise of a shared machine) and under ``PAGE_LIMIT_MS``;
   the same number of queries at both sizes. The cold comparison (only the page's rows
   aligned and diffed; the counts are SQL aggregates) has its own: the large one's
   median under ``RATIO_LIMIT`` times the small one's plus ``COLD_SLACK_MS``.
3. ``EXPLAIN (ANALYZE, BUFFERS)`` of every query of the large pages, printed; a
   sequential scan of a large table (clauses, their history, amendments, their history,
   position links) that drops more rows than it keeps (a filter with no index) fails
   the run.

Run from the repository root::

    .venv/bin/python bench/scale.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/other .venv/bin/python bench/scale.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json
import os
import re
import statistics
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bench.report import p95, record

if TYPE_CHECKING:
    from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/redraft_scale"
STATE = ROOT / "var" / "bench" / "scale.json"

SMALL = (1_000, 100, 10)  # clauses, amendments, versions a clause
LARGE = (100_000, 10_000, 10)
GENERATE_LIMIT_S = 300.0
WARM_UP = 2
TIMED = 10
COLD_TIMED = 2
RATIO_LIMIT = 2.0
RATIO_SLACK_MS = 10.0
# The cold comparison (nothing cached) computes one page: its alignment counts are SQL
# aggregates over both editions, so a little more slack than the warm pages'.
COLD_SLACK_MS = 50.0
PAGE_LIMIT_MS = 500.0
# Tables that grow with the negotiation: a sequential scan of one of them on a hot page
# makes the page grow with it.
LARGE_TABLES = (
    "guidelines_clause",
    "guidelines_historicalclause",
    "amendments_amendment",
    "amendments_historicalamendment",
    "positions_positionlink",
)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+) .*actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)")
REMOVED = re.compile(r"Rows Removed by Filter: (\d+)")


def slug_of(clauses: int) -> str:
    return f"synthetic-scale-{clauses}"


def bootstrap() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"bench/scale.py runs on PostgreSQL only, not {url}")
    name = urlsplit(url).path.lstrip("/")
    if name in ("test", "test_test"):
        raise SystemExit("bench/scale.py never runs on CI's databases (test, test_test)")
    create_database(url, name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    return name


def create_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    server = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def load_state() -> dict[str, Any]:
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def ensure(size: tuple[int, int, int], database: str) -> float | None:
    """The synthetic data of ``size``, reused when it is already there; the seconds it
    took to write (None when reused from a run that left no record)."""
    from amendments.models import Amendment
    from guidelines.models import Clause, Edition
    from guidelines.synthetic import SyntheticSlugs, make_synthetic

    clauses, amendments, versions = size
    slugs = SyntheticSlugs.of(slug_of(clauses))
    key = f"{database}:{slugs.instrument}:{clauses}:{amendments}:{versions}"
    draft = Edition.objects.filter(slug=slugs.draft).first()
    if (
        not os.environ.get("BENCH_SCALE_REGENERATE")
        and draft is not None
        and Clause.objects.filter(edition=draft).count() == clauses
        and Clause.history.filter(edition_id=draft.pk).count() == clauses * versions
        and Amendment.objects.filter(edition=draft).count() == amendments
    ):
        seconds = load_state().get(key)
        print(f"{slugs.instrument}: reused ({clauses} clauses, {amendments} amendments)")
        return float(seconds) if seconds is not None else None
    summary = make_synthetic(
        slug=slugs.instrument,
        clauses=clauses,
        amendments=amendments,
        versions=versions,
        replace=True,
    )
    print(
        f"{slugs.instrument}: written in {summary.seconds:.1f} s ({summary.clauses} clauses "
        f"per edition, {summary.history_rows} history rows, {summary.amendments} amendments)"
    )
    state = load_state()
    state[key] = summary.seconds
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=1))
    vacuum()
    return summary.seconds


def vacuum() -> None:
    """Fresh statistics and visibility maps, as autovacuum would leave them."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (*LARGE_TABLES, "guidelines_edition", "positions_position"):
            cursor.execute(f"VACUUM ANALYZE {table}")


@dataclass
class Measured:
    name: str
    size: str
    samples: list[float]
    queries: int
    sql: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200")


def measure_pair(
    client: Client, name: str, urls: tuple[str, str], sizes: tuple[str, str], *, cold: bool
) -> tuple[Measured, Measured]:
    """The page at both sizes, their requests interleaved (small, large, small, …) so
    that the other work of a shared machine weighs on both alike; then one request of
    each with its queries captured (for a cold page, the queries of its timed runs)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once(url: str) -> float:
        if cold:
            cache.clear()
        start = time.perf_counter()
        get(client, url)
        return (time.perf_counter() - start) * 1000.0

    for _ in range(0 if cold else WARM_UP):
        for url in urls:
            once(url)
    samples: tuple[list[float], list[float]] = ([], [])
    captured: tuple[list[str], list[str]] = ([], [])
    for _ in range(COLD_TIMED if cold else TIMED):
        for url, kept, sql in zip(urls, samples, captured, strict=True):
            with CaptureQueriesContext(connection) as context:
                kept.append(once(url))
            sql[:] = [q["sql"] for q in context.captured_queries]
    small, large = (
        Measured(name, size, kept, len(sql), sql)
        for size, kept, sql in zip(sizes, samples, captured, strict=True)
    )
    return small, large


def pages(clauses: int) -> list[tuple[str, str, bool]]:
    """(name, url, cold) of the hot pages of the synthetic data of ``clauses``."""
    from amendments.models import Amendment
    from guidelines import selectors
    from guidelines.models import Edition
    from positions.models import Organisation

    slugs_base, slugs_draft = f"{slug_of(clauses)}-base", f"{slug_of(clauses)}-draft"
    draft = Edition.objects.get(slug=slugs_draft)
    middle = clauses // selectors.CLAUSES_PER_PAGE // 2 + 1
    organisation = Organisation.objects.filter(
        name__endswith=f"({slug_of(clauses)})", kind=Organisation.Kind.NGO
    ).first()
    assert organisation is not None
    amendment = Amendment.objects.filter(edition=draft, status="adopted").order_by("-pk").first()
    assert amendment is not None
    eid = amendment.clause.eid
    listing = f"/amendments/?edition={slugs_draft}"
    return [
        ("edition page 1", f"/editions/{slugs_draft}/", False),
        ("edition middle page", f"/editions/{slugs_draft}/?page={middle}", False),
        ("clause page + history", f"/editions/{slugs_draft}/{eid}/", False),
        ("amendments ?edition", listing, False),
        ("amendments ?organisation", f"/amendments/?organisation={organisation.pk}", False),
        ("amendments ?clause", f"{listing}&clause={eid}", False),
        ("amendments ?status", f"{listing}&status=adopted", False),
        ("amendments ?operation", f"{listing}&operation=delete", False),
        ("amendments ?sort=-submitted", f"{listing}&sort=-submitted", False),
        ("amendments ?sort=status", f"{listing}&sort=status&page=3", False),
        ("amendment page", f"/amendments/{amendment.pk}/", False),
        ("compare warm", f"/compare/{slugs_base}/{slugs_draft}/", False),
        ("compare warm, middle page", f"/compare/{slugs_base}/{slugs_draft}/?page={middle}", False),
        ("search", f"/search/?q=revision+{clauses // 2}", False),
        ("API amendments", f"/api/amendments/?edition={slugs_draft}", False),
        ("API clauses of an edition", f"/api/clauses/?edition={slugs_draft}&page=2", False),
        ("API compare page 2", f"/api/compare/{slugs_base}/{slugs_draft}/?page=2", False),
        ("compare cold", f"/compare/{slugs_base}/{slugs_draft}/", True),
    ]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def selective_seq_scans(plan: str) -> list[str]:
    """The large tables the plan reads whole to keep fewer rows than it drops: where an
    index would serve the filter. (A scan that keeps most rows, such as the count of an
    edition's amendments, is what an index would do too, only slower.)"""
    lines = plan.splitlines()
    found = []
    for n, line in enumerate(lines):
        match = SEQ_SCAN.search(line)
        if not match or match.group(1) not in LARGE_TABLES:
            continue
        kept = int(match.group(2))
        removed = next(
            (int(m.group(1)) for later in lines[n + 1 : n + 3] if (m := REMOVED.search(later))),
            0,
        )
        if removed > kept:
            found.append(match.group(1))
    return found


def explained(measured: Measured) -> tuple[str, list[str]]:
    """The plans of a page's SELECTs, and the large tables it scans sequentially."""
    out = [f"--- EXPLAIN (ANALYZE, BUFFERS): {measured.name} ({measured.size}) ---"]
    scanned: list[str] = []
    for sql in measured.sql:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue  # savepoints, cursors, session writes
        plan = explain(sql)
        scanned += selective_seq_scans(plan)
        out.append(f"> {sql[:400]}{' …' if len(sql) > 400 else ''}")
        out.append(plan)
    return "\n".join(out), scanned


def main() -> int:
    database = bootstrap()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"database: PostgreSQL {database} (kept between runs: the synthetic data is reused)")
    call_command("migrate", verbosity=0)
    failures: list[str] = []
    generated = {}
    for size in (SMALL, LARGE):
        generated[size] = ensure(size, database)
    seconds = generated[LARGE]
    if seconds is not None:
        passed = seconds < GENERATE_LIMIT_S
        record(
            "make_synthetic --clauses 100000 --amendments 10000 --versions 10",
            "100000 clauses x2 editions, 1,000,000 history rows",
            [seconds * 1000.0],
            None,
            f"< {GENERATE_LIMIT_S:.0f} s",
            passed,
        )
        print(f"make_synthetic (large): {seconds:.1f} s (budget {GENERATE_LIMIT_S:.0f} s)")
        if not passed:
            failures.append("make_synthetic took too long")
    client = Client()
    sizes = tuple(f"{n} clauses, {n * v} history rows" for n, _m, v in (SMALL, LARGE))
    results: dict[int, list[Measured]] = {SMALL[0]: [], LARGE[0]: []}
    for (name, small_url, cold), (_name, large_url, _cold) in zip(
        pages(SMALL[0]), pages(LARGE[0]), strict=True
    ):
        small, large = measure_pair(
            client, name, (small_url, large_url), (sizes[0], sizes[1]), cold=cold
        )
        results[SMALL[0]].append(small)
        results[LARGE[0]].append(large)
    header = f"{'page':28} {'1k median':>10} {'100k median':>12} {'ratio':>6} {'queries':>9}"
    print(header)
    for small, large in zip(results[SMALL[0]], results[LARGE[0]], strict=True):
        cold = small.name == "compare cold"
        ratio = large.median / small.median
        limit = small.median * RATIO_LIMIT + RATIO_SLACK_MS
        same_queries = small.queries == large.queries
        print(
            f"{small.name:28} {small.median:10.1f} {large.median:12.1f} {ratio:5.1f}x "
            f"{small.queries:>4}/{large.queries:<4}"
        )
        record(small.name, small.size, small.samples, small.queries)
        if cold:
            cold_limit = small.median * RATIO_LIMIT + COLD_SLACK_MS
            passed = large.median < cold_limit
            record(
                large.name,
                large.size,
                large.samples,
                large.queries,
                f"median < {RATIO_LIMIT:.0f}x 1k + {COLD_SLACK_MS:.0f} = {cold_limit:.0f} ms",
                passed,
            )
            if not passed:
                failures.append(f"{large.name}: {large.median:.1f} ms")
            continue
        passed = large.median < min(limit, PAGE_LIMIT_MS) and same_queries
        record(
            large.name,
            large.size,
            large.samples,
            large.queries,
            f"median < {RATIO_LIMIT:.0f}x 1k + {RATIO_SLACK_MS:.0f} = {limit:.0f} ms, same queries",
            passed,
        )
        if not passed:
            failures.append(f"{large.name}: {large.median:.1f} ms, {large.queries} queries")
    print(
        f"ratios: 100k median / 1k median for each page; budget {RATIO_LIMIT:.0f}x "
        f"(+{RATIO_SLACK_MS:.0f} ms) and {PAGE_LIMIT_MS:.0f} ms, the same queries. "
        f"p95 of the large edition page: {p95(results[LARGE[0]][0].samples):.1f} ms."
    )
    for measured in results[LARGE[0]]:
        if measured.name == "compare cold":
            continue
        text, scanned = explained(measured)
        print(text)
        if scanned:
            tables = ", ".join(sorted(set(scanned)))
            failures.append(f"{measured.name}: sequential scan of {tables}")
    for failure in failures:
        print(f"FAILED: {failure}")
    print("PASS: every budget holds." if not failures else "FAIL: a budget does not hold.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
