"""Benchmark: the comparison page /compare/<a>/<b>/ and its word diffs, against git.

What it measures, in a throw-away test database (the developer's database is never
touched):

1. A synthetic pair of 1,000 numbered clauses: edition A is ``synthetic_text(250, 3)``
   imported as a published draft; B is ``edition_fork`` of A with 10% of the numbered
   clauses reworded through ``clause_update`` (a word replaced, a phrase inserted, a
   word deleted: one or two such edits a clause), then published. 5,000 annotations:
   4,000 submitted amendments on B's clauses through ``amendment_record`` (ten NGOs),
   and 1,000 positions through ``paper_import`` + ``position_create``, each linked to
   the clause on both sides of its row.
2. The seed (``load_seed``): og-2017-fr against og-draft-19igc-en (across languages: no
   word diff) and og-2017-fr against a fork of it with 10% of its numbered clauses
   reworded the same way (same language: real diff work).
3. For each pair, the server time of the page through ``django.test.Client``: cold
   (the cache cleared before each of twenty requests) and warm (two warm-up requests,
   then twenty); the queries of one request are counted.
4. For each same-language pair, the diff work alone on a cold cache: ``word_diffs`` on
   the very list of text pairs the page hands it (recorded from ``compare_editions``),
   the cache cleared before each of five runs, against ``git diff --no-index
   --word-diff`` on two files holding the same texts, one clause per line in the same
   order (five runs each). git runs with ``--word-diff-regex`` matching our tokens, so
   both split the texts into the same words; its time is the whole process (start-up
   included), and its start-up alone (the same command on two identical one-line files)
   is reported too, with the ratio to git net of it.

Budgets: the warm 1,000-clause page's median under 300 ms, the cold one's under 1.5 s;
the diff work alone on a cold cache within 5x git's time (medians). A one-paragraph pair
is the baseline of the ratios. The exit code is 0 when every budget holds, 1 otherwise.
``--profile`` adds a cProfile of the cold and the warm 1,000-clause page.

Run from the repository root, on SQLite (default) or PostgreSQL::

    .venv/bin/python bench/compare.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/compare.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# The repository root goes first on the path: it makes ``bench.import_and_read``
# importable, and ``amendments`` must name the Django app, not bench/amendments.py
# (Python puts the script's own directory, bench/, on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cProfile
import io
import os
import pstats
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from unittest import mock

from bench.import_and_read import (
    TIMED_REQUESTS,
    WARM_UP_REQUESTS,
    Budget,
    Row,
    bootstrap,
    count_queries,
    describe_database,
    format_table,
    get_page,
    import_edition,
    p95,
    plural,
    timed,
)
from bench.report import record_rows

if TYPE_CHECKING:
    from django.test import Client

    from guidelines.models import Edition
    from positions.models import Organisation

SYNTHETIC_A = "bench-compare-a"
SYNTHETIC_B = "bench-compare-b"
BASELINE_A = "bench-compare-baseline-a"
BASELINE_B = "bench-compare-baseline-b"
SEED_2017 = "og-2017-fr"
SEED_DRAFT = "og-draft-19igc-en"
SEED_FORK = "bench-og-2017-fr-fork"

CHANGED_SHARE = 0.10  # of the numbered clauses, reworded in the fork
ORGANISATIONS = 10
AMENDMENTS = 4000
POSITIONS = 1000  # 4,000 amendments + 1,000 positions = 5,000 annotations
DIFF_RUNS = 5
RANDOM_SEED = 2005
PROFILE_LINES = 25

WARM_BUDGET = Budget("median", 300.0)
COLD_BUDGET = Budget("median", 1500.0)
GIT_RATIO_LIMIT = 5.0

# Our tokens are \w+, \s+ and any other single character (guidelines/diffing.py). git
# ignores white space between words, so the closest regex is words and single others;
# git runs in a UTF-8 locale so that [[:alnum:]] takes accented letters as ours does.
GIT_WORD_REGEX = "[[:alnum:]_]+|[^[:space:][:alnum:]_]"

REPLACEMENTS = {
    "en": ("every", "shall", "relevant", "digital", "cultural", "fair", "public", "all"),
    "fr": ("toute", "doivent", "pertinentes", "numérique", "culturelle", "équitable"),
}
PHRASES = {
    "en": ("where appropriate", "in good faith", "as far as possible", "in particular"),
    "fr": ("le cas échéant", "de bonne foi", "dans la mesure du possible", "en particulier"),
}


@dataclass(frozen=True)
class GitBudget(Budget):
    """A median within ``ratio`` times git's median (``limit_ms`` is that product)."""

    ratio: float = GIT_RATIO_LIMIT

    def __str__(self) -> str:
        return f"{self.statistic} < {self.ratio:.0f}x git = {self.limit_ms:.1f} ms"


@dataclass(frozen=True)
class DiffResult:
    ours: Row
    git: Row
    git_default: Row
    startup: Row

    @property
    def ratio(self) -> float:
        return self.ours.median_ms / self.git.median_ms

    @property
    def net_ratio(self) -> float:
        net = self.git.median_ms - self.startup.median_ms
        return self.ours.median_ms / net if net > 0 else float("inf")


# --- set-up ------------------------------------------------------------------------------


def reword(text: str, edit: str, rng: random.Random, language: str) -> str:
    """``text`` with one word replaced, one phrase inserted after a word, or one word
    deleted; only plain words are touched, so punctuation stays where it was."""
    words = text.split(" ")
    plain = [i for i, word in enumerate(words) if word.isalpha()]
    i = rng.choice(plain)
    if edit == "replace":
        words[i] = rng.choice([w for w in REPLACEMENTS[language] if w != words[i]])
    elif edit == "insert":
        words.insert(i + 1, rng.choice(PHRASES[language]))
    else:
        del words[i]
    return " ".join(words)


def change_clauses(edition: Edition, rng: random.Random) -> int:
    """Reword 10% of the edition's numbered clauses through ``clause_update`` (one or
    two edits each, the kinds in turn); how many were changed."""
    from guidelines import services
    from guidelines.models import Clause

    numbered = list(Clause.objects.filter(edition=edition).numbered().in_document_order())
    language = "fr" if edition.language == "fr" else "en"
    editable = [c for c in numbered if sum(w.isalpha() for w in c.text.split(" ")) >= 3]
    chosen = sorted(
        rng.sample(editable, round(CHANGED_SHARE * len(numbered))), key=lambda c: c.order
    )
    kinds = ("replace", "insert", "delete")
    for n, clause in enumerate(chosen):
        text = reword(clause.text, kinds[n % 3], rng, language)
        if rng.random() < 0.5:
            text = reword(text, kinds[(n + 1) % 3], rng, language)
        services.clause_update(
            clause=clause,
            user=None,
            expected_version=clause.version,
            reason="bench: word edits",
            text=text,
        )
    return len(chosen)


def fork_and_change(base: Edition, slug: str, rng: random.Random) -> tuple[Edition, int]:
    """A fork of ``base`` with 10% of its numbered clauses reworded, published (there is
    no service to publish an edition: the flag is set directly)."""
    from guidelines import services
    from guidelines.models import Edition

    fork = services.edition_fork(base=base, user=None, slug=slug, label=f"{base.label} (bench)")
    changed = change_clauses(fork, rng)
    Edition.objects.filter(pk=fork.pk).update(published=True)
    fork.refresh_from_db()
    return fork, changed


def make_organisations() -> list[Organisation]:
    from positions.models import Organisation

    return [
        Organisation.objects.create(
            name=f"Bench Compare Coalition {n}",
            acronym=f"BCC{n}",
            kind=Organisation.Kind.NGO,
            accredited=True,
        )
        for n in range(1, ORGANISATIONS + 1)
    ]


def annotate(a: Edition, b: Edition, organisations: list[Organisation]) -> str:
    """4,000 submitted amendments on B's numbered clauses (four a clause, ten NGOs) and
    1,000 positions, each linked to the clause of one eid in A and in B."""
    from amendments import services as amendment_services
    from amendments.models import Amendment
    from guidelines.models import Clause
    from positions import services as position_services
    from positions.models import Position

    clauses_a = {c.eid: c for c in Clause.objects.filter(edition=a).numbered()}
    clauses_b = list(Clause.objects.filter(edition=b).numbered().in_document_order())
    start = time.perf_counter()
    for n in range(AMENDMENTS):
        clause = clauses_b[n % len(clauses_b)]
        proposer = organisations[n % len(organisations)]
        amendment_services.amendment_record(
            proposer=proposer,
            edition=b,
            clause=clause,
            operation=Amendment.Operation.REPLACE,
            proposed_text=f"{clause.text} Amended by {proposer.acronym} ({n + 1}).",
            justification=f"Benchmark amendment {n + 1}.",
            reason="bench: recorded",
        )
    amendments_s = time.perf_counter() - start

    start = time.perf_counter()
    linked = clauses_b[:POSITIONS]
    stances = Position.Stance.values
    for k, organisation in enumerate(organisations):
        own = linked[k :: len(organisations)]
        if not own:
            continue
        paper = position_services.paper_import(
            text=" ".join(f"On clause {c.eid}." for c in own),
            organisations=[organisation],
            title=f"Bench paper {k + 1}",
            language="en",
        ).paper
        for n, clause in enumerate(own):
            position_services.position_create(
                paper=paper,
                stance=stances[(k + n) % len(stances)],
                summary=f"{organisation.acronym} on {clause.number}",
                excerpt=f"On clause {clause.eid}.",
                links=[(clauses_a[clause.eid], "On A"), (clause, "On B")],
            )
    positions_s = time.perf_counter() - start
    return (
        f"{AMENDMENTS} amendments through amendment_record in {amendments_s:.1f} s, "
        f"{POSITIONS} positions (2 links each) through paper_import + position_create "
        f"in {positions_s:.1f} s"
    )


def set_up_synthetic(rng: random.Random) -> tuple[str, int]:
    """The 1,000-clause pair with its 5,000 annotations; a line saying how it was made."""
    from guidelines.importing import parse
    from guidelines.models import Edition
    from guidelines.synthetic import synthetic_text

    start = time.perf_counter()
    import_edition(
        parse(synthetic_text(250, subparagraphs=3)),
        slug=SYNTHETIC_A,
        language="en",
        status="draft",
    )
    a = Edition.objects.get(slug=SYNTHETIC_A)
    b, changed = fork_and_change(a, SYNTHETIC_B, rng)
    made_s = time.perf_counter() - start
    annotations = annotate(a, b, make_organisations())
    line = (
        f"synthetic pair: import + fork + {changed} clauses reworded through clause_update "
        f"in {made_s:.1f} s; {annotations}"
    )
    return line, changed


def set_up_seed(rng: random.Random) -> tuple[str, int]:
    from django.core.management import call_command

    from guidelines.models import Edition

    start = time.perf_counter()
    call_command("load_seed", stdout=io.StringIO())
    base = Edition.objects.get(slug=SEED_2017)
    _fork, changed = fork_and_change(base, SEED_FORK, rng)
    line = (
        f"seed: load_seed + fork of {SEED_2017} + {changed} clauses reworded "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return line, changed


def set_up_baseline() -> None:
    from guidelines import services
    from guidelines.importing import parse
    from guidelines.models import Clause, Edition

    import_edition(
        parse("1. Parties support artists and creators in the digital environment."),
        slug=BASELINE_A,
        language="en",
        status="draft",
    )
    a = Edition.objects.get(slug=BASELINE_A)
    fork = services.edition_fork(base=a, user=None, slug=BASELINE_B, label="Baseline B")
    clause = Clause.objects.get(edition=fork, eid="para_1")
    services.clause_update(
        clause=clause,
        user=None,
        expected_version=clause.version,
        reason="bench: word edits",
        text="Parties support all artists and creators in the digital environment.",
    )
    Edition.objects.filter(pk=fork.pk).update(published=True)


# --- measuring ---------------------------------------------------------------------------


def describe_pair(a: str, b: str) -> str:
    """Both editions' clause counts and the annotations on their clauses."""
    from amendments.models import Amendment
    from guidelines.models import Clause
    from positions.models import PositionLink

    clauses = Clause.objects.filter(edition__slug=a).count()
    clauses_b = Clause.objects.filter(edition__slug=b).count()
    amendments = Amendment.objects.filter(clause__edition__slug__in=[a, b]).count()
    positions = (
        PositionLink.objects.filter(clause__edition__slug__in=[a, b])
        .values("position_id")
        .distinct()
        .count()
    )
    annotations = amendments + positions
    return f"{clauses}+{clauses_b} clauses, {plural(annotations, 'annotation')}"


def bench_page(
    client: Client, a: str, b: str, *, secure: bool, size: str, cold: bool, budget: Budget | None
) -> Row:
    """Twenty timed requests of the page, cold (the cache cleared before each, untimed)
    or warm (after two warm-up requests); then the queries of one more request."""
    from django.core.cache import cache

    url = f"/compare/{a}/{b}/"

    def get() -> int:
        return get_page(client, url, secure=secure)

    samples = []
    if not cold:
        for _ in range(WARM_UP_REQUESTS):
            get()
    for _ in range(TIMED_REQUESTS):
        if cold:
            cache.clear()
        samples.append(timed(get))
    if cold:
        cache.clear()
    queries = count_queries(get)
    kb = get() / 1024
    return Row(
        f"GET {url} {'cold' if cold else 'warm'} (x{TIMED_REQUESTS})",
        f"{size}, {kb:.0f} kB",
        statistics.median(samples),
        p95(samples),
        queries,
        budget,
    )


def page_pairs(a: str, b: str) -> list[tuple[str, str]]:
    """The text pairs ``compare_editions`` hands to ``word_diffs`` for A against B."""
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache

    from guidelines import selectors
    from guidelines.models import Edition

    cache.clear()
    with mock.patch.object(selectors, "word_diffs", wraps=selectors.word_diffs) as spy:
        selectors.compare_editions(
            a=Edition.objects.get(slug=a), b=Edition.objects.get(slug=b), user=AnonymousUser()
        )
    if spy.call_args is None:  # across languages: no word diff at all
        return []
    ((pairs,), _kwargs) = spy.call_args
    return list(pairs)


def git_command(old: Path, new: Path, *, regex: str | None) -> list[str]:
    command = ["git", "diff", "--no-index", "--no-color", "--no-ext-diff", "--word-diff=plain"]
    if regex is not None:
        command.append(f"--word-diff-regex={regex}")
    return [*command, str(old), str(new)]


def git_runner(command: list[str], cwd: str) -> Callable[[], object]:
    # No user or system configuration; a UTF-8 locale for the character classes.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": cwd,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LC_ALL": "C.UTF-8",
    }

    def run() -> object:
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
        if result.returncode not in (0, 1):  # 1: the files differ
            raise RuntimeError(f"{' '.join(command)}: {result.stderr.decode()}")
        return result

    return run


def median_row(operation: str, size: str, samples: list[float], budget: Budget | None) -> Row:
    return Row(operation, size, statistics.median(samples), p95(samples), None, budget)


def bench_diff(pairs: list[tuple[str, str]], label: str) -> DiffResult:
    """``word_diffs`` on ``pairs`` with a cold cache, against git on the same texts."""
    from django.core.cache import cache

    from guidelines.selectors import word_diffs

    changed = sum(a != b for a, b in pairs)
    size = f"{plural(len(pairs), 'pair')}, {changed} differ"
    ours = []
    for _ in range(DIFF_RUNS):
        cache.clear()
        ours.append(timed(lambda: word_diffs(pairs)))
    cache.clear()

    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        old, new = Path(tmp, "a.txt"), Path(tmp, "b.txt")
        # One clause per line; a line break inside a clause would become two lines.
        old.write_text("".join(a.replace("\n", " ") + "\n" for a, _b in pairs))
        new.write_text("".join(b.replace("\n", " ") + "\n" for _a, b in pairs))
        same_a, same_b = Path(tmp, "same-a.txt"), Path(tmp, "same-b.txt")
        same_a.write_text("x\n")
        same_b.write_text("x\n")
        runs = {
            "regex": git_runner(git_command(old, new, regex=GIT_WORD_REGEX), tmp),
            "default": git_runner(git_command(old, new, regex=None), tmp),
            "startup": git_runner(git_command(same_a, same_b, regex=GIT_WORD_REGEX), tmp),
        }
        for run in runs.values():
            run()  # the binary and the files in the page cache
        samples = {name: [timed(run) for _ in range(DIFF_RUNS)] for name, run in runs.items()}
        kb = (old.stat().st_size + new.stat().st_size) / 1024

    sized = f"{size}, {kb:.0f} kB"
    git = median_row(
        f"git diff --word-diff-regex=<ours> (x{DIFF_RUNS})", sized, samples["regex"], None
    )
    return DiffResult(
        ours=median_row(
            f"word_diffs {label} cold (x{DIFF_RUNS})",
            size,
            ours,
            GitBudget("median", GIT_RATIO_LIMIT * git.median_ms),
        ),
        git=git,
        git_default=median_row(
            f"git diff --word-diff (x{DIFF_RUNS})", sized, samples["default"], None
        ),
        startup=median_row(
            f"git start-up, 1-line files (x{DIFF_RUNS})", "1 line", samples["startup"], None
        ),
    )


def profile_page(client: Client, a: str, b: str, *, secure: bool, cold: bool) -> str:
    """cProfile of twenty more requests of the page (cold or warm), the heaviest first."""
    from django.core.cache import cache

    url = f"/compare/{a}/{b}/"
    get_page(client, url, secure=secure)
    profiler = cProfile.Profile()
    for _ in range(TIMED_REQUESTS):
        if cold:
            cache.clear()
        profiler.enable()
        get_page(client, url, secure=secure)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    state = "cold" if cold else "warm"
    return f"--- cProfile: GET {url} {state} (x{TIMED_REQUESTS}) ---\n{out.getvalue()}"


def format_ratios(
    baseline: Row, pages: list[tuple[str, Row, Row]], diffs: list[tuple[str, DiffResult]]
) -> str:
    lines = [
        "ratios (medians): "
        + ", ".join(
            f"{name} warm/baseline {warm.median_ms / baseline.median_ms:.1f}x, "
            f"cold/warm {cold.median_ms / warm.median_ms:.1f}x"
            for name, cold, warm in pages
        )
    ]
    for name, diff in diffs:
        default_ratio = diff.ours.median_ms / diff.git_default.median_ms
        lines.append(
            f"diff work {name}: ours/git {diff.ratio:.2f}x (limit {GIT_RATIO_LIMIT:.0f}x), "
            f"ours/git's default --word-diff {default_ratio:.2f}x, "
            f"ours/(git minus its start-up of {diff.startup.median_ms:.1f} ms) "
            f"{diff.net_ratio:.2f}x"
        )
    return "\n".join(lines)


FAIRNESS = (
    "fairness: word_diffs runs in this process (no start-up), on exactly the pairs the page "
    "diffs, the cache cleared before each run; git is timed as a whole process (fork, exec, "
    "reading both files, writing its output to a pipe), with a --word-diff-regex that cuts "
    "words as ours does (git skips the white space we keep as tokens) in a UTF-8 locale. "
    "Both skip the unchanged lines/pairs. git's start-up on two identical 1-line files is "
    "shown, and the ratio to git net of it, since git's diff work alone is a few ms."
)


def run_benchmarks(*, profile: bool) -> list[Row]:
    from django.conf import settings
    from django.test import Client

    print(describe_database())
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"cache: {settings.CACHES['default']['BACKEND']}; "
        f"load average {load} on {os.cpu_count()} CPUs (other work on the machine shows here)"
    )
    rng = random.Random(RANDOM_SEED)
    set_up_baseline()
    synthetic_line, _changed = set_up_synthetic(rng)
    print(synthetic_line)
    seed_line, _seed_changed = set_up_seed(rng)
    print(seed_line)

    # Settings loaded with DEBUG=0 redirect plain HTTP: ask over HTTPS then.
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    client = Client()
    baseline_size = describe_pair(BASELINE_A, BASELINE_B)
    baseline = bench_page(
        client, BASELINE_A, BASELINE_B, secure=secure, size=baseline_size, cold=False, budget=None
    )
    rows = [baseline]
    pages: list[tuple[str, Row, Row]] = []
    diffs: list[tuple[str, DiffResult]] = []
    notes: list[str] = []
    pairs = [
        ("1000-clause", SYNTHETIC_A, SYNTHETIC_B, COLD_BUDGET, WARM_BUDGET, True),
        ("seed FR/EN", SEED_2017, SEED_DRAFT, None, None, False),
        ("seed fork", SEED_2017, SEED_FORK, None, None, True),
    ]
    for name, a, b, cold_budget, warm_budget, diffed in pairs:
        size = describe_pair(a, b)
        cold = bench_page(client, a, b, secure=secure, size=size, cold=True, budget=cold_budget)
        warm = bench_page(client, a, b, secure=secure, size=size, cold=False, budget=warm_budget)
        rows += [cold, warm]
        pages.append((name, cold, warm))
        text_pairs = page_pairs(a, b)
        if diffed:
            diff = bench_diff(text_pairs, name)
            rows += [diff.ours, diff.git, diff.git_default, diff.startup]
            diffs.append((name, diff))
        else:
            worded = sum(bool(x or y) for x, y in text_pairs)
            notes.append(
                f"{name} ({a} / {b}): across languages, word_diffs gets "
                f"{plural(len(text_pairs), 'pair')}, {worded} with text: no diff work, no git row"
            )
    print(format_table(rows))
    record_rows(rows)
    print(format_ratios(baseline, pages, diffs))
    for note in notes:
        print(note)
    print(FAIRNESS)
    if profile:
        for cold_state in (True, False):
            print(profile_page(client, SYNTHETIC_A, SYNTHETIC_B, secure=secure, cold=cold_state))
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
