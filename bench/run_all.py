"""``make bench``: run every benchmark script and print one table.

Runs each script of ``bench/`` (except this runner, the shared modules and
``load.py``, which has its own ``make load``) as its own process, its output shown as
it comes (each script's own table, ratios and query plans). Every row a script
records (``bench/report.py``) goes to one JSON-lines file, ``var/bench/report.jsonl``;
at the end the runner prints all of them as one table (operation, size, median, p95,
queries, budget, pass/fail) and exits non-zero if a script failed or a budget does not
hold.

    .venv/bin/python bench/run_all.py              # every script
    .venv/bin/python bench/run_all.py compare scale  # some of them
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.report import REPORT_ENV, format_table, read  # noqa: E402

NOT_SCRIPTS = {"__init__.py", "report.py", "run_all.py", "load.py"}


def scripts(names: list[str]) -> list[Path]:
    found = sorted(p for p in BENCH.glob("*.py") if p.name not in NOT_SCRIPTS)
    if not names:
        return found
    wanted = [BENCH / (n if n.endswith(".py") else f"{n}.py") for n in names]
    missing = [p.name for p in wanted if p not in found]
    if missing:
        raise SystemExit(f"no such benchmark: {', '.join(missing)}")
    return wanted


def main(argv: list[str]) -> int:
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.jsonl"
    report.unlink(missing_ok=True)
    env = {**os.environ, REPORT_ENV: str(report)}
    outcomes: list[tuple[str, int, float]] = []
    for script in scripts(argv):
        print(f"== {script.relative_to(ROOT)}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=ROOT, env=env)
        outcomes.append((script.name, code, time.perf_counter() - start))
    lines = read(report)
    print()
    print("== make bench: every script's rows")
    print(format_table(lines))
    print()
    for name, code, seconds in outcomes:
        print(f"{name}: exit {code} in {seconds:.0f} s")
    failed_rows = [line for line in lines if line.passed is False]
    failed_scripts = [name for name, code, _ in outcomes if code != 0]
    total = sum(seconds for _, _, seconds in outcomes)
    budgets = sum(1 for line in lines if line.passed is not None)
    if failed_rows or failed_scripts:
        print(
            f"FAIL in {total:.0f} s: {len(failed_rows)} of {budgets} budgets do not hold; "
            f"scripts that failed: {', '.join(failed_scripts) or 'none'}."
        )
        return 1
    print(f"PASS in {total:.0f} s: every budget holds ({budgets} budgets, {len(lines)} rows).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
