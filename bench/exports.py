"""Benchmark: the time and peak memory of each export (issue 6).

What it measures, in a throw-away test database (the developer's database is never
touched), through the product's own code, as the download views do it (read the edition,
build the plain data, write the file), without HTTP:

1. The seed (``load_seed``): ``og-2017-fr`` and ``og-draft-19igc-en`` in every edition
   format (``guidelines.exporting.FORMATS``: json, md, docx, pdf, akn), and the
   compilation of the amendments of ``og-draft-19igc-en`` (csv, json, docx). No budget.
2. The published draft ``synthetic-bench-exports-draft`` written by ``make_synthetic
   --clauses 1025 --amendments 5000 --versions 1`` (``guidelines/synthetic.py``, in bulk:
   25 sections, 1,000 numbered clauses, one in ten reworded; 5,000 amendments of ten
   organisations in every status, 4,500 of them numbered; eight in ten replace the text,
   one in ten inserts, one in ten deletes), then every edition format and every
   compilation format (the compilation holds what an anonymous reader sees). Budgets,
   on every timed run (the p95, which for three or five runs is the slowest): edition
   DOCX under 2 s, edition PDF under 15 s, compilation CSV under 1 s.

For each export: one untimed warm-up run, then the median and p95 of five timed runs
(three for the PDF and for any export whose warm-up took over 2 s); the queries of
building the data (the edition read included; the writers query nothing); the peak of
``tracemalloc`` during one more run, in MB (10^6 bytes); and the growth of the process's
peak RSS (``ru_maxrss``) across the warm-up run. ``tracemalloc`` sees Python's allocator
only: the C allocations of lxml (the Word and Akoma Ntoso trees) and of WeasyPrint's
Pango/HarfBuzz/cairo layers are invisible to it. The RSS figure sees them, coarsely: it
moves only when the run pushes the process above its earlier peak (0 otherwise), and a
process's first run of a format also pays for imports and caches. The ``x json`` column
is each export's median over the JSON export of the same edition, timed in the same
process. The ``data`` rows time building the data alone. Budgets are on wall time;
``cpu ms`` (this process's CPU time in the same runs) and the load average printed
before and after tell a slow export from a busy machine.

The exit code is 0 when every budget holds, 1 otherwise. ``--profile`` adds a cProfile of
one run of each budgeted export.

Run from the repository root, on SQLite (default) or PostgreSQL::

    .venv/bin/python bench/exports.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exports .venv/bin/python bench/exports.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# The repository root goes first on the path: it makes ``bench.import_and_read``
# importable, and ``amendments`` must name the Django app, not a script of bench/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cProfile
import gc
import io
import os
import pstats
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.import_and_read import (
    Budget,
    Synthetic,
    bootstrap,
    count_queries,
    describe_database,
    p95,
    plural,
    synthetic,
)
from bench.report import record_rows

if TYPE_CHECKING:
    from guidelines.exporting import EditionData

SEED_EDITIONS = ("og-2017-fr", "og-draft-19igc-en")
SEED_COMPILED = "og-draft-19igc-en"
SYNTHETIC = "synthetic-bench-exports"  # make_synthetic's slug: the instrument
SYNTHETIC_SLUG = f"{SYNTHETIC}-draft"  # its draft, which the amendments are on
CLAUSES = 1025  # 25 sections of 10 paragraphs of 3 sub-paragraphs: 1,000 numbered
EDITION_FORMATS = ("json", "md", "docx", "pdf", "akn")
COMPILATION_FORMATS = ("csv", "json", "docx")
AMENDMENTS = 5000

FAST_RUNS = 5
SLOW_RUNS = 3
SLOW_FORMATS = frozenset({"pdf"})
SLOW_MS = 2000.0  # a warm-up slower than this gets SLOW_RUNS timed runs
PROFILE_LINES = 25

# On the 1,000-clause edition with 5,000 amendments; every timed run.
BUDGETS: dict[tuple[str, str], Budget] = {
    ("edition", "docx"): Budget("p95", 2000.0),
    ("edition", "pdf"): Budget("p95", 15000.0),
    ("compilation", "csv"): Budget("p95", 1000.0),
}


@dataclass(frozen=True)
class Export:
    """One export of one edition: ``build`` reads the edition and its data (the queries),
    ``write`` turns them into the file's bytes (no query)."""

    kind: str  # "edition", "compilation" or "data" (building the data, nothing written)
    slug: str
    fmt: str
    build: Callable[[], Any]
    write: Callable[[Any], bytes]
    items: str  # what the data holds: "1025 clauses", "5000 amendments"

    @property
    def name(self) -> str:
        if self.kind == "data":
            return f"{self.slug} data: {self.fmt}"
        prefix = "" if self.kind == "edition" else "compilation "
        return f"{self.slug} {prefix}{self.fmt}"

    def run(self) -> bytes:
        return self.write(self.build())


@dataclass(frozen=True)
class ExportRow:
    """One line of the report; ``budget`` is None for a row reported without a budget."""

    operation: str
    size: str
    median_ms: float
    p95_ms: float
    cpu_ms: float  # median CPU time of the process over the same runs
    queries: int
    peak_mb: float  # tracemalloc
    rss_mb: float  # growth of ru_maxrss across the warm-up run
    ratio: float | None = None  # median over the JSON export of the same edition
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


def as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def bytes_writer(write: Callable[[EditionData], str | bytes]) -> Callable[[EditionData], bytes]:
    def write_bytes(data: EditionData) -> bytes:
        return as_bytes(write(data))

    return write_bytes


def edition_exports(slug: str, size: str | None = None) -> list[Export]:
    """The data of the edition, then the edition in every format of ``FORMATS``."""
    from guidelines import selectors
    from guidelines.exporting import FORMATS
    from guidelines.models import Clause, Edition

    def build() -> EditionData:
        edition = Edition.objects.get(slug=slug)
        return selectors.edition_export_data(edition=edition)

    items = size or plural(Clause.objects.filter(edition__slug=slug).count(), "clause")
    data = Export("data", slug, "edition_export_data", build, lambda _data: b"", items)
    exports = [data]
    for fmt in EDITION_FORMATS:
        exports.append(Export("edition", slug, fmt, build, bytes_writer(FORMATS[fmt].write), items))
    return exports


def compilation_exports(slug: str, size: str | None = None) -> list[Export]:
    """The compilation's data, then the compilation in CSV, JSON and Word, as an
    anonymous reader downloads it (the submitted amendments are public)."""
    from amendments import compilation, selectors
    from amendments.models import Amendment
    from guidelines.models import Edition

    Compiled = tuple[compilation.CompilationEdition, list[compilation.CompilationRow]]

    def build() -> Compiled:
        edition = Edition.objects.get(slug=slug)
        rows = selectors.compilation_rows(edition=edition, user=None)
        about = compilation.CompilationEdition(
            slug=edition.slug,
            label=edition.label,
            language=edition.language,
            status=edition.status,
            completeness=edition.completeness,
            status_label=str(edition.get_status_display()),
        )
        return about, rows

    def write_csv(data: Compiled) -> bytes:
        return compilation.to_csv(data[1])

    def write_json(data: Compiled) -> bytes:
        return compilation.to_json(*data).encode()

    def write_docx(data: Compiled) -> bytes:
        return compilation.to_docx(*data)

    writers = {"csv": write_csv, "json": write_json, "docx": write_docx}
    count = Amendment.objects.filter(edition__slug=slug, sequence__isnull=False).count()
    items = plural(count, "amendment") if size is None else f"{size}: {count} numbered"
    data = Export("data", slug, "compilation_rows", build, lambda _data: b"", items)
    return [data] + [
        Export("compilation", slug, fmt, build, writers[fmt], items) for fmt in COMPILATION_FORMATS
    ]


def max_rss_mb() -> float:
    """The process's peak resident set so far, in MB (Linux reports kibibytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def traced_peak_mb(action: Callable[[], object]) -> float:
    """The peak of the memory Python's allocator held for ``action`` (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        action()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def measure(export: Export, *, budget: Budget | None = None) -> ExportRow:
    """Warm up (the RSS growth and the file's size), time, count the data's queries,
    trace one run."""
    gc.collect()
    rss_before = max_rss_mb()
    start = time.perf_counter()
    output = export.run()
    warm_up_ms = (time.perf_counter() - start) * 1000.0
    rss_growth = max_rss_mb() - rss_before
    slow = export.fmt in SLOW_FORMATS or warm_up_ms > SLOW_MS
    runs = SLOW_RUNS if slow else FAST_RUNS
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        export.run()
        walls.append((time.perf_counter() - wall) * 1000.0)
        cpus.append((time.process_time() - cpu) * 1000.0)
    queries = count_queries(export.build)
    peak = traced_peak_mb(export.run)
    size = export.items if export.kind == "data" else f"{export.items}, {len(output) / 1024:.0f} kB"
    return ExportRow(
        f"{export.name} (x{runs})",
        size,
        statistics.median(walls),
        p95(walls),
        statistics.median(cpus),
        queries,
        peak,
        rss_growth,
        budget=budget,
    )


def bench_edition(
    slug: str, *, compiled: bool, budgeted: bool, size: str | None = None
) -> list[ExportRow]:
    """Every export of the edition (and of its compilation), with the ratio of each to
    the edition's JSON export; ``size`` names the data (counted when not given)."""
    exports = edition_exports(slug, size) + (compilation_exports(slug, size) if compiled else [])
    rows = [
        measure(export, budget=BUDGETS.get((export.kind, export.fmt)) if budgeted else None)
        for export in exports
    ]
    baseline = next(
        row for row, export in zip(rows, exports, strict=True) if export.kind == "edition"
    )
    assert baseline.operation.startswith(f"{slug} json")
    return [
        ExportRow(
            row.operation,
            row.size,
            row.median_ms,
            row.p95_ms,
            row.cpu_ms,
            row.queries,
            row.peak_mb,
            row.rss_mb,
            row.median_ms / baseline.median_ms,
            row.budget,
        )
        for row in rows
    ]


def format_table(rows: list[ExportRow]) -> str:
    header = (
        "operation",
        "size",
        "median ms",
        "p95 ms",
        "cpu ms",
        "queries",
        "peak MB",
        "RSS+ MB",
        "x json",
        "budget",
        "result",
    )
    cells = [
        (
            row.operation,
            row.size,
            f"{row.median_ms:.1f}",
            f"{row.p95_ms:.1f}",
            f"{row.cpu_ms:.1f}",
            str(row.queries),
            f"{row.peak_mb:.1f}",
            f"{row.rss_mb:.1f}",
            "-" if row.ratio is None else f"{row.ratio:.1f}x",
            "-" if row.budget is None else str(row.budget),
            row.result,
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6, 7, 8}

    def render(line: tuple[str, ...]) -> str:
        return "  ".join(
            value.rjust(width) if i in numeric else value.ljust(width)
            for i, (value, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in cells)])


def load_seed() -> str:
    from django.core.management import call_command

    from amendments.models import Amendment

    start = time.perf_counter()
    call_command("load_seed", stdout=io.StringIO())
    elapsed = time.perf_counter() - start
    count = Amendment.objects.filter(edition__slug=SEED_COMPILED).count()
    return f"seed: load_seed in {elapsed:.1f} s; {plural(count, 'amendment')} on {SEED_COMPILED}"


def set_up_synthetic(slug: str = SYNTHETIC) -> Synthetic:
    """The 1,025-clause draft (1,000 numbered) and its 5,000 amendments, from
    ``make_synthetic``; the draft is ``<slug>-draft``."""
    return synthetic(slug=slug, clauses=CLAUSES, amendments=AMENDMENTS)


def profile_export(export: Export) -> str:
    """cProfile of one run, the heaviest calls first."""
    profiler = cProfile.Profile()
    profiler.enable()
    export.run()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    return f"--- cProfile: {export.name} (one run) ---\n{out.getvalue()}"


def describe_load() -> str:
    """Other processes share the CPUs: the wall times are only as quiet as the machine."""
    one, five, _fifteen = os.getloadavg()
    return f"load average: {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def run_benchmarks(*, profile: bool) -> list[ExportRow]:
    print(describe_database())
    print(describe_load())
    print(load_seed())
    rows: list[ExportRow] = []
    for slug in SEED_EDITIONS:
        rows += bench_edition(slug, compiled=slug == SEED_COMPILED, budgeted=False)
    start = time.perf_counter()
    data = set_up_synthetic()
    print(f"synthetic: {data.describe()}")
    print(f"set-up in {time.perf_counter() - start:.1f} s")
    rows += bench_edition(data.draft, compiled=True, budgeted=True, size=data.size)
    print(format_table(rows))
    record_rows(rows)
    print(describe_load())
    print(
        "cpu ms: median CPU time of this process in the same runs (leaves out waiting "
        "for a CPU, and PostgreSQL's own work); "
        "peak MB: tracemalloc, Python allocations only (lxml's and WeasyPrint's C "
        "allocations are not seen); RSS+ MB: growth of ru_maxrss across the first run, "
        "0 when under an earlier peak; x json: median over the same edition's JSON export."
    )
    if profile:
        budgeted = [
            export
            for export in edition_exports(SYNTHETIC_SLUG) + compilation_exports(SYNTHETIC_SLUG)
            if (export.kind, export.fmt) in BUDGETS
        ]
        for export in budgeted:
            print(profile_export(export))
    return rows


def main() -> int:
    profile = "--profile" in sys.argv[1:]
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
            rows = run_benchmarks(profile=profile)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        teardown_test_environment()
    passed = all(row.passed for row in rows)
    print("PASS: every budget holds." if passed else "FAIL: a budget does not hold.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
