"""The one table of ``make bench``: every script records its rows here.

Each script still prints its own table (with its own extra columns and ratio lines);
besides, every row goes through ``record``, which appends it as one JSON line to the
file named by ``BENCH_REPORT`` when that is set (``bench/run_all.py`` sets it). The
runner then prints the rows of every script as one table: operation, size, median,
p95, queries, budget, pass/fail.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

REPORT_ENV = "BENCH_REPORT"


@dataclass(frozen=True)
class Line:
    """One row of the table; ``passed`` is None for a row reported without a budget."""

    script: str
    operation: str
    size: str
    median_ms: float
    p95_ms: float
    queries: int | None
    budget: str | None
    passed: bool | None

    @property
    def result(self) -> str:
        if self.passed is None:
            return "-"
        return "PASS" if self.passed else "FAIL"


class _RowLike(Protocol):
    @property
    def operation(self) -> str: ...
    @property
    def size(self) -> str: ...
    @property
    def median_ms(self) -> float: ...
    @property
    def p95_ms(self) -> float: ...
    @property
    def passed(self) -> bool: ...


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile by the nearest-rank method."""
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def script_name() -> str:
    import __main__

    return Path(getattr(__main__, "__file__", "?")).name


def record_line(line: Line) -> None:
    target = os.environ.get(REPORT_ENV)
    if not target:
        return
    with open(target, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(asdict(line)) + "\n")


def record(
    operation: str,
    size: str,
    samples: Sequence[float],
    queries: int | None = None,
    budget: str | None = None,
    passed: bool | None = None,
) -> Line:
    """Record one measured operation from its samples (milliseconds)."""
    line = Line(
        script_name(),
        operation,
        size,
        statistics.median(samples),
        p95(samples),
        queries,
        budget,
        passed if budget is not None else None,
    )
    record_line(line)
    return line


def record_rows(rows: Iterable[_RowLike]) -> None:
    """Record the rows of a script's own table (``bench.import_and_read.Row`` and kin)."""
    for row in rows:
        budget: Any = getattr(row, "budget", None)
        record_line(
            Line(
                script_name(),
                row.operation,
                row.size,
                row.median_ms,
                row.p95_ms,
                getattr(row, "queries", None),
                None if budget is None else str(budget),
                None if budget is None else row.passed,
            )
        )


def read(path: Path) -> list[Line]:
    if not path.exists():
        return []
    return [Line(**json.loads(text)) for text in path.read_text().splitlines() if text.strip()]


def format_table(lines: Sequence[Line]) -> str:
    header = ("script", "operation", "size", "median ms", "p95 ms", "queries", "budget", "result")
    cells = [
        (
            line.script,
            line.operation,
            line.size,
            f"{line.median_ms:.1f}",
            f"{line.p95_ms:.1f}",
            "-" if line.queries is None else str(line.queries),
            line.budget or "-",
            line.result,
        )
        for line in lines
    ]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    numeric = {3, 4, 5}

    def render(row: tuple[str, ...]) -> str:
        return "  ".join(
            value.rjust(width) if i in numeric else value.ljust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(row) for row in cells)])
