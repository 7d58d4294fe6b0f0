"""Benchmark: importing an edition and serving its page.

What it measures, in a throw-away test database (the developer's database is never
touched):

1. Importing the 2017 seed (``fixtures/seeds/004_fde7dfc43fcf38f8.txt``) through the
   product's own code: read, decode, parse (plain text) and ``services.edition_import``,
   five runs into fresh editions. Budget: every run (the p95 of five) under 1000 ms.
2. Importing a synthetic edition of 1,000 numbered clauses (``synthetic_text(250, 3)``),
   parse and import, three runs into fresh editions. No budget: reported for scale.
3. The server time of ``/editions/<slug>/`` through ``django.test.Client`` for a
   one-paragraph baseline edition, the 2017 seed and a 1,000-clause edition (the draft
   ``synthetic-bench-read-draft`` of ``make_synthetic --clauses 1025 --amendments 0``,
   ``guidelines/synthetic.py``, written in bulk; 1,000 numbered clauses): two
   warm-up requests, then twenty timed ones; the queries of one request are counted.
   Budget: the 1,000-clause page's median under 100 ms. The ratios of each page to the
   baseline (and of the 1,000-clause page to the seed) show how the page scales.

The exit code is 0 when every budget holds, 1 otherwise.

Run from the repository root, on SQLite (default) or PostgreSQL::

    .venv/bin/python bench/import_and_read.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/import_and_read.py
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = ROOT / "fixtures" / "seeds" / "004_fde7dfc43fcf38f8.txt"
INSTRUMENT = "og-digital"
SEED_SLUG = "og-2017-fr"
SYNTHETIC_SLUG = "bench-synthetic-1000"
BASELINE_SLUG = "bench-baseline"
READ_SLUG = "synthetic-bench-read"  # make_synthetic's slug: the 1,000-clause page read
READ_CLAUSES = 1025  # 25 sections of 10 paragraphs of 3 sub-paragraphs: 1,000 numbered

SEED_RUNS = 5
SYNTHETIC_RUNS = 3
WARM_UP_REQUESTS = 2
TIMED_REQUESTS = 20


if TYPE_CHECKING:
    from django.test import Client

    from guidelines.importing import ParsedEdition
    from guidelines.synthetic import SyntheticSummary


@dataclass(frozen=True)
class Budget:
    """The statistic that must stay under ``limit_ms``."""

    statistic: Literal["median", "p95"]
    limit_ms: float

    def __str__(self) -> str:
        return f"{self.statistic} < {self.limit_ms:.0f} ms"


# Every seed import (the p95 of five runs is the slowest) and the typical 1,000-clause page.
SEED_IMPORT_BUDGET = Budget("p95", 1000.0)
SYNTHETIC_PAGE_BUDGET = Budget("median", 100.0)


@dataclass(frozen=True)
class Row:
    """One line of the report; ``budget`` is None for a row reported without a budget."""

    operation: str
    size: str
    median_ms: float
    p95_ms: float
    queries: int | None
    budget: Budget | None = None

    @property
    def passed(self) -> bool:
        if self.budget is None:
            return True
        value = self.median_ms if self.budget.statistic == "median" else self.p95_ms
        return value < self.budget.limit_ms

    @property
    def result(self) -> str:
        if self.budget is None:
            return "-"
        return "PASS" if self.passed else "FAIL"


def bootstrap() -> None:
    """Put the repository on the path and set Django up."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def p95(samples: list[float]) -> float:
    """The 95th percentile by the nearest-rank method (the maximum for five samples)."""
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def ms(seconds: float) -> float:
    return seconds * 1000.0


def timed(action: Callable[[], object]) -> float:
    """Milliseconds taken by one call of ``action``."""
    start = time.perf_counter()
    action()
    return ms(time.perf_counter() - start)


def count_queries(action: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def import_edition(parsed: ParsedEdition, *, slug: str, language: str, status: str) -> int:
    """Import ``parsed`` as a new published edition; its clause count."""
    from guidelines import services

    result = services.edition_import(
        parsed=parsed,
        instrument_slug=INSTRUMENT,
        slug=slug,
        label="bench",
        language=language,
        status=status,
        published=True,
        reason="bench",
    )
    if not result.created:
        raise RuntimeError(f"{slug}: the edition already existed, nothing was imported")
    return len(result.added)


@dataclass(frozen=True)
class Synthetic:
    """What ``make_synthetic`` wrote for a benchmark, and how long it took."""

    summary: SyntheticSummary

    @property
    def base(self) -> str:
        return self.summary.slugs.base

    @property
    def draft(self) -> str:
        return self.summary.slugs.draft

    @property
    def versions(self) -> int:
        return self.summary.history_rows // self.summary.clauses

    @property
    def size(self) -> str:
        """The "size" column: N clauses, M amendments, V versions."""
        s = self.summary
        return (
            f"{plural(s.clauses, 'clause')}, {plural(s.amendments, 'amendment')}, "
            f"{plural(self.versions, 'version')}"
        )

    def describe(self) -> str:
        s = self.summary
        amendments = (
            f"{s.numbered} of {s.amendments} amendments numbered (every status), "
            f"{s.positions} positions, "
            if s.amendments
            else ""
        )
        return (
            f"make_synthetic --slug {s.slugs.instrument} --clauses {s.clauses} "
            f"--amendments {s.amendments} --versions {self.versions}: "
            f"{s.slugs.base} and {s.slugs.draft} ({s.changed} clauses changed in the draft), "
            f"{amendments}in {s.seconds:.1f} s (untimed for the table)"
        )


def synthetic(
    *, slug: str, clauses: int, amendments: int, versions: int = 1, accents: bool = False
) -> Synthetic:
    """The benchmark's data from ``make_synthetic`` (the generator the command calls),
    written in bulk into the script's throw-away test database."""
    from guidelines.synthetic import make_synthetic

    return Synthetic(
        make_synthetic(
            slug=slug,
            clauses=clauses,
            amendments=amendments,
            versions=versions,
            accents=accents,
        )
    )


def import_seed(slug: str) -> int:
    """Read, decode, parse and import the 2017 seed as ``slug``; its clause count."""
    from guidelines.importing import decode, parse

    parsed = parse(decode(SEED_FILE.read_bytes()), markdown=False)
    return import_edition(parsed, slug=slug, language="fr", status="adopted")


def bench_seed_import() -> Row:
    """Five timed imports of the seed, then one more (queries counted) for the page."""
    samples = [timed(partial(import_seed, f"bench-2017-{n}")) for n in range(1, SEED_RUNS + 1)]
    clauses = 0

    def page_import() -> None:
        nonlocal clauses
        clauses = import_seed(SEED_SLUG)

    queries = count_queries(page_import)
    kb = SEED_FILE.stat().st_size / 1024
    return Row(
        f"import 2017 seed (x{SEED_RUNS})",
        f"{plural(clauses, 'clause')}, {kb:.1f} kB",
        statistics.median(samples),
        p95(samples),
        queries,
        SEED_IMPORT_BUDGET,
    )


def bench_synthetic_import() -> Row:
    """Three timed parse+imports of the 1,000-clause text, then the one the page shows."""
    from guidelines.importing import parse
    from guidelines.synthetic import synthetic_text

    text = synthetic_text(250, subparagraphs=3)

    def run(slug: str) -> int:
        return import_edition(parse(text), slug=slug, language="en", status="draft")

    samples = [timed(partial(run, f"{SYNTHETIC_SLUG}-{n}")) for n in range(1, SYNTHETIC_RUNS + 1)]
    clauses = 0

    def page_import() -> None:
        nonlocal clauses
        clauses = run(SYNTHETIC_SLUG)

    queries = count_queries(page_import)
    return Row(
        f"import synthetic (x{SYNTHETIC_RUNS})",
        f"{plural(clauses, 'clause')}, {len(text.encode()) / 1024:.1f} kB",
        statistics.median(samples),
        p95(samples),
        queries,
    )


def import_baseline() -> None:
    from guidelines.importing import parse

    import_edition(parse("1. One paragraph."), slug=BASELINE_SLUG, language="en", status="draft")


def get_page(client: Client, url: str, *, secure: bool) -> int:
    """GET ``url``, refusing anything but a 200; the size of the body in bytes."""
    response = client.get(url, secure=secure)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200")
    return len(response.content)


def bench_page(
    client: Client,
    slug: str,
    *,
    secure: bool,
    budget: Budget | None = None,
    size: str | None = None,
) -> Row:
    """Warm up, time the page's requests, then count one request's queries; ``size``
    names the data (the edition's clauses counted when not given)."""
    from guidelines.models import Clause

    url = f"/editions/{slug}/"

    def get() -> int:
        return get_page(client, url, secure=secure)

    for _ in range(WARM_UP_REQUESTS):
        get()
    samples = [timed(get) for _ in range(TIMED_REQUESTS)]
    queries = count_queries(get)
    size = size or plural(Clause.objects.filter(edition__slug=slug).count(), "clause")
    kb = get() / 1024
    return Row(
        f"GET {url} (x{TIMED_REQUESTS})",
        f"{size}, {kb:.0f} kB",
        statistics.median(samples),
        p95(samples),
        queries,
        budget,
    )


def format_table(rows: list[Row]) -> str:
    header = ("operation", "size", "median ms", "p95 ms", "queries", "budget", "result")
    cells = [
        (
            row.operation,
            row.size,
            f"{row.median_ms:.1f}",
            f"{row.p95_ms:.1f}",
            "-" if row.queries is None else str(row.queries),
            "-" if row.budget is None else str(row.budget),
            row.result,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    numeric = {2, 3, 4}

    def render(line: tuple[str, ...]) -> str:
        return "  ".join(
            value.rjust(width) if i in numeric else value.ljust(width)
            for i, (value, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in cells)])


def format_ratios(baseline: Row, seed: Row, synthetic: Row) -> str:
    return (
        "ratios (page medians): "
        f"seed/baseline {seed.median_ms / baseline.median_ms:.1f}x, "
        f"1000-clause/baseline {synthetic.median_ms / baseline.median_ms:.1f}x, "
        f"1000-clause/seed {synthetic.median_ms / seed.median_ms:.1f}x"
    )


def describe_database() -> str:
    from django import get_version
    from django.db import connection

    return (
        f"database: {connection.vendor} {connection.settings_dict['NAME']} "
        f"(throw-away test database), Django {get_version()}, "
        f"Python {sys.version.split()[0]}"
    )


def run_benchmarks() -> list[Row]:
    from django.conf import settings
    from django.test import Client

    print(describe_database())
    rows = [bench_seed_import(), bench_synthetic_import()]
    import_baseline()
    # Settings loaded with DEBUG=0 redirect plain HTTP: ask over HTTPS then.
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    client = Client()
    baseline = bench_page(client, BASELINE_SLUG, secure=secure)
    seed = bench_page(client, SEED_SLUG, secure=secure)
    start = time.perf_counter()
    data = synthetic(slug=READ_SLUG, clauses=READ_CLAUSES, amendments=0)
    print(f"read: {data.describe()}")
    print(f"set-up of the read in {time.perf_counter() - start:.1f} s (untimed for the table)")
    large = bench_page(
        client, data.draft, secure=secure, budget=SYNTHETIC_PAGE_BUDGET, size=data.size
    )
    rows += [baseline, seed, large]
    print(format_table(rows))
    from bench.report import record_rows

    record_rows(rows)
    print(format_ratios(baseline, seed, large))
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
