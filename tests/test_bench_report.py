"""The reporter behind ``make bench``'s one table (bench/report.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bench import report


@dataclass(frozen=True)
class _Row:
    operation: str
    size: str
    median_ms: float
    p95_ms: float
    queries: int | None
    budget: str | None
    passed: bool


def test_rows_go_to_the_report_file_only_when_asked(tmp_path, monkeypatch):
    target = tmp_path / "report.jsonl"
    monkeypatch.delenv(report.REPORT_ENV, raising=False)
    report.record("nothing asked", "1", [1.0])
    assert not target.exists()

    monkeypatch.setenv(report.REPORT_ENV, str(target))
    line = report.record("GET /x/", "10 clauses", [3.0, 1.0, 2.0, 10.0], 4, "median < 5 ms", True)
    report.record_rows([_Row("GET /y/", "big", 7.0, 9.0, None, "median < 5 ms", False)])
    report.record_rows([_Row("no budget", "big", 7.0, 9.0, 2, None, True)])

    lines = report.read(target)
    assert lines[0] == line
    assert (line.median_ms, line.p95_ms, line.queries, line.result) == (2.5, 10.0, 4, "PASS")
    assert [li.result for li in lines] == ["PASS", "FAIL", "-"]
    table = report.format_table(lines).splitlines()
    assert table[0].split() == [
        "script", "operation", "size", "median", "ms", "p95", "ms", "queries", "budget", "result",
    ]  # fmt: skip
    assert table[3].endswith("FAIL") and "GET /y/" in table[3]
    assert table[4].rstrip().endswith("-")


def test_a_row_without_a_budget_neither_passes_nor_fails(tmp_path, monkeypatch):
    monkeypatch.setenv(report.REPORT_ENV, str(tmp_path / "r.jsonl"))
    line = report.record("reported", "1", [1.0], passed=False)
    assert line.passed is None and line.result == "-"


def test_p95_is_the_nearest_rank():
    assert report.p95([5.0]) == 5.0
    assert report.p95([float(n) for n in range(1, 21)]) == 19.0
    assert report.p95([float(n) for n in range(1, 6)]) == 5.0
