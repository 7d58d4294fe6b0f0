"""Benchmark: ``export_all`` and ``import_all`` on a large synthetic edition.

What it measures, in a throw-away database (the developer's database is never touched:
on SQLite a temporary file, on PostgreSQL the test database ``test_<name>``):

1. The data of ``make_synthetic --slug synthetic-bench-backup --clauses N --amendments M
   --versions V`` (``guidelines/synthetic.py``, in bulk): a base edition and a draft
   forked from it of ``BACKUP_BENCH_CLAUSES`` clauses each (N, default 20,000), every
   draft clause with ``BACKUP_BENCH_VERSIONS`` history rows (V, default 10),
   ``BACKUP_BENCH_AMENDMENTS`` amendments (M, default 0).
2. ``export_all`` into a temporary file, in its own process: seconds, rows per second,
   the file's size, and the process's peak RSS.
3. The database emptied (``flush``), then ``import_all`` of that file, in its own
   process: seconds, rows per second and peak RSS.
4. For scale, the peak RSS of a process that sets Django up and exports an empty
   database: what the commands cost before the first row.

Both commands stream (export by chunks of rows, import by batches), so the peak RSS
should not grow with the number of rows; the budget is that neither command's peak RSS
exceeds the empty baseline by more than 200 MB. The exit code is 0 when it holds.

Run from the repository root, on SQLite (default) or PostgreSQL::

    .venv/bin/python bench/backup.py
    BACKUP_BENCH_CLAUSES=100000 .venv/bin/python bench/backup.py   # 1M history rows
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_backup .venv/bin/python bench/backup.py
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402

CLAUSES = int(os.environ.get("BACKUP_BENCH_CLAUSES", "20000"))
VERSIONS = int(os.environ.get("BACKUP_BENCH_VERSIONS", "10"))
AMENDMENTS = int(os.environ.get("BACKUP_BENCH_AMENDMENTS", "0"))
SLUG = "synthetic-bench-backup"  # make_synthetic's slug
RSS_BUDGET_MB = 200.0


def child(command: str, path: str) -> None:
    """Run one command in this (fresh) process and print its peak RSS in kB."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command(command, path, *(["--force"] if command == "export_all" else []))
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent (which
    # has just generated the rows), while VmHWM belongs to this process's memory.
    status = Path("/proc/self/status")
    peak = (
        next(int(line.split()[1]) for line in status.open() if line.startswith("VmHWM:"))
        if status.exists()
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    )
    print(f"maxrss_kb={peak}")


def run_child(command: str, path: Path, database_url: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of ``command path`` in a process of its own."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, __file__, "--child", command, str(path)],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command} failed:\n{result.stdout}\n{result.stderr}")
    line = next(line for line in result.stdout.splitlines() if line.startswith("maxrss_kb="))
    return seconds, int(line.split("=")[1]) / 1024


def generate() -> tuple[int, str]:
    """The synthetic negotiation (``make_synthetic``); the rows in the database (every
    table, history included: what ``export_all`` writes) and a line saying what it is."""
    from django.apps import apps

    from guidelines.synthetic import make_synthetic

    summary = make_synthetic(slug=SLUG, clauses=CLAUSES, amendments=AMENDMENTS, versions=VERSIONS)
    rows = sum(model._default_manager.count() for model in apps.get_models())
    return rows, (
        f"make_synthetic --slug {SLUG} --clauses {summary.clauses} --amendments "
        f"{summary.amendments} --versions {VERSIONS}: {summary.slugs.base} and "
        f"{summary.slugs.draft}, {summary.history_rows} history rows of the draft"
    )


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    scratch = Path(tempfile.mkdtemp(prefix="redraft-bench-backup-"))
    sqlite = not os.environ.get("DATABASE_URL", "").startswith("postgres")
    if sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if sqlite:
        call_command("migrate", verbosity=0)
        database_url = os.environ["DATABASE_URL"]
    else:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        database_url = f"{base}/{connection.settings_dict['NAME']}"
    try:
        empty = scratch / "empty.zip"
        _seconds, baseline_mb = run_child("export_all", empty, database_url)
        start = time.perf_counter()
        rows, made = generate()
        print(
            f"{connection.vendor}: {made} ({rows} rows in all) generated in "
            f"{time.perf_counter() - start:.1f} s"
        )
        path = scratch / "backup.zip"
        export_s, export_mb = run_child("export_all", path, database_url)
        size_mb = path.stat().st_size / 1024 / 1024
        call_command("flush", interactive=False, verbosity=0)
        connection.close()
        import_s, import_mb = run_child("import_all", path, database_url)
    finally:
        connection.close()
        if not sqlite:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        for leftover in scratch.iterdir():
            leftover.unlink()
        scratch.rmdir()
    print(f"{'step':<12} {'seconds':>8} {'rows/s':>9} {'peak RSS':>10}")
    print(f"{'baseline':<12} {'':>8} {'':>9} {baseline_mb:>7.0f} MB  (empty database)")
    print(f"{'export_all':<12} {export_s:>8.1f} {rows / export_s:>9.0f} {export_mb:>7.0f} MB")
    print(f"{'import_all':<12} {import_s:>8.1f} {rows / import_s:>9.0f} {import_mb:>7.0f} MB")
    print(f"backup file: {size_mb:.1f} MB")
    growth = max(export_mb, import_mb) - baseline_mb
    passed = growth <= RSS_BUDGET_MB
    budget = f"peak RSS < baseline + {RSS_BUDGET_MB:.0f} MB"
    for step, seconds, peak_mb in (
        ("export_all", export_s, export_mb),
        ("import_all", import_s, import_mb),
    ):
        report.record_line(
            report.Line(
                report.script_name(),
                f"{step} (one run, own process)",
                f"{rows:,} rows, {rows / seconds:,.0f} rows/s, peak RSS {peak_mb:.0f} MB",
                seconds * 1000.0,
                seconds * 1000.0,
                None,
                budget,
                peak_mb - baseline_mb <= RSS_BUDGET_MB,
            )
        )
    print(
        f"{'PASS' if passed else 'FAIL'}: peak RSS {growth:.0f} MB above the baseline "
        f"(budget {RSS_BUDGET_MB:.0f} MB)."
    )
    return 0 if passed else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
