"""Benchmark: filing amendments through the services, and the amendment list page.

What it measures, in a throw-away test database (the developer's database is never
touched), on the published draft ``synthetic-bench-amendments-draft`` written by
``make_synthetic --clauses 1025 --amendments 0`` (``guidelines/synthetic.py``: 1,000
numbered clauses) with an open amendment window and ten accredited NGOs of one member
each:

1. Filing throughput through the product's own services: ``amendment_create`` then
   ``amendment_submit`` (a replacement of the clause's text), 500 timed filings spread
   over the ten members and the 1,000 clauses. Reported as amendments per second, with
   the median and p95 of one filing (and of its two halves). No budget.
2. The list page ``/amendments/`` with 10 submitted amendments (the baseline, measured
   before the others are filed), then with 5,000: the remaining 4,489 are written in
   bulk by ``make_synthetic`` on an edition of their own (``synthetic-bench-amendments-
   fill``, every status), untimed. Served through ``django.test.Client``, anonymously and
   logged in as an NGO member, then filtered (``?status=submitted&edition=<fill>``) and
   on page 50; two warm-up requests, then twenty timed ones; the queries of one request
   are counted. Budget: every list request on 5,000 amendments has a median under
   150 ms. The ratios to the 10-amendment baseline show how the page scales.

The exit code is 0 when every budget holds, 1 otherwise. ``--profile`` adds a cProfile
of twenty more requests of each 5,000-amendment list page.

Run from the repository root, on SQLite (default) or PostgreSQL::

    .venv/bin/python bench/amendments.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/amendments.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# The repository root goes first on the path: it makes ``bench.import_and_read``
# importable, and ``amendments`` must name the Django app, not this script (Python puts
# the script's own directory, bench/, on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cProfile
import datetime
import io
import pstats
import statistics
import time
from dataclasses import dataclass
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
    ms,
    p95,
    plural,
    synthetic,
    timed,
)
from bench.report import record_rows

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from amendments.models import Amendment
    from guidelines.models import Clause, Edition

SYNTHETIC = "synthetic-bench-amendments"  # make_synthetic's slug: the filed-on draft
FILL = "synthetic-bench-amendments-fill"  # the bulk-written rest of the 5,000
CLAUSES = 1025  # 25 sections of 10 paragraphs of 3 sub-paragraphs: 1,000 numbered
ORGANISATIONS = 10
BASELINE_AMENDMENTS = 10
TIMED_FILINGS = 500
TOTAL_AMENDMENTS = 5000
PAGE = 50  # the page asked for by the paged request (of some 90: drafts are private)
PROFILE_LINES = 25

# Every list request on 5,000 amendments, typically.
LIST_BUDGET = Budget("median", 150.0)


@dataclass
class Filer:
    """Files amendments round-robin: filing ``n`` goes to member ``n % 10`` and clause
    ``n % 1000``, each with a proposed text of its own."""

    edition: Edition
    users: list[User]
    clauses: list[Clause]
    filed: int = 0

    def create(self) -> tuple[Amendment, User]:
        from amendments import services

        n = self.filed
        self.filed += 1
        user = self.users[n % len(self.users)]
        clause = self.clauses[n % len(self.clauses)]
        amendment = services.amendment_create(
            user=user,
            edition=self.edition,
            clause=clause,
            operation="replace",
            proposed_text=f"{clause.text} Amended by filing {n + 1}.",
            justification=f"Benchmark filing {n + 1}.",
        )
        return amendment, user

    @staticmethod
    def submit(amendment: Amendment, user: User) -> Amendment:
        from amendments import services

        return services.amendment_submit(
            amendment=amendment,
            user=user,
            expected_version=amendment.version,
        )

    def file(self) -> Amendment:
        return self.submit(*self.create())


def set_up() -> tuple[Filer, User, Synthetic]:
    """The edition (``make_synthetic``, no amendments yet), its open window, ten
    accredited NGOs with one member each."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from amendments import services
    from guidelines.models import Clause, Edition
    from positions.models import Membership, Organisation

    # As the tests do: the default hasher costs a third of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    data = synthetic(slug=SYNTHETIC, clauses=CLAUSES, amendments=0)
    edition = Edition.objects.get(slug=data.draft)
    now = timezone.now()
    services.window_set(
        edition=edition,
        user=None,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=30),
    )
    user_model = get_user_model()
    users = []
    for n in range(1, ORGANISATIONS + 1):
        organisation = Organisation.objects.create(
            name=f"Bench Coalition {n}",
            acronym=f"BC{n}",
            kind=Organisation.Kind.NGO,
            accredited=True,
        )
        user = user_model.objects.create_user(f"bench-ngo-{n}", password=f"bench-ngo-{n}-pass")
        Membership.objects.create(user=user, organisation=organisation)
        users.append(user)
    clauses = list(Clause.objects.filter(edition=edition).numbered().in_document_order())
    return Filer(edition, users, clauses), users[0], data


def bench_filing(filer: Filer, size: str) -> tuple[list[Row], str]:
    """Time ``TIMED_FILINGS`` filings, then count the queries of one more."""
    creates: list[float] = []
    submits: list[float] = []
    start = time.perf_counter()
    for _ in range(TIMED_FILINGS):
        t0 = time.perf_counter()
        amendment, user = filer.create()
        t1 = time.perf_counter()
        filer.submit(amendment, user)
        t2 = time.perf_counter()
        creates.append(ms(t1 - t0))
        submits.append(ms(t2 - t1))
    elapsed = time.perf_counter() - start
    both = [c + s for c, s in zip(creates, submits, strict=True)]

    created: list[tuple[Amendment, User]] = []
    create_queries = count_queries(lambda: created.append(filer.create()))
    submit_queries = count_queries(lambda: filer.submit(*created[0]))
    rows = [
        Row(
            f"amendment_create (x{TIMED_FILINGS})",
            size,
            statistics.median(creates),
            p95(creates),
            create_queries,
        ),
        Row(
            f"amendment_submit (x{TIMED_FILINGS})",
            size,
            statistics.median(submits),
            p95(submits),
            submit_queries,
        ),
        Row(
            f"file = create+submit (x{TIMED_FILINGS})",
            size,
            statistics.median(both),
            p95(both),
            create_queries + submit_queries,
        ),
    ]
    throughput = (
        f"filing throughput: {TIMED_FILINGS / elapsed:.0f} amendments/s "
        f"({TIMED_FILINGS} create+submit in {elapsed:.2f} s, one at a time, "
        f"through amendments.services)"
    )
    return rows, throughput


def fill_to(total: int) -> Synthetic:
    """Bring the table to ``total`` amendments: the missing ones written in bulk by
    ``make_synthetic`` on an edition of their own, in every status."""
    from amendments.models import Amendment

    missing = total - Amendment.objects.count()
    data = synthetic(slug=FILL, clauses=CLAUSES, amendments=missing)
    count = Amendment.objects.count()
    if count != total:
        raise RuntimeError(f"{count} amendments, not {total}")
    return data


def bench_list(
    client: Client,
    url: str,
    who: str,
    *,
    secure: bool,
    budget: Budget | None = None,
    size: str | None = None,
) -> Row:
    """Warm up, time the list page's requests, then count one request's queries."""
    from amendments.models import Amendment

    def get() -> int:
        return get_page(client, url, secure=secure)

    size = size or plural(Amendment.objects.count(), "amendment")
    for _ in range(WARM_UP_REQUESTS):
        get()
    samples = [timed(get) for _ in range(TIMED_REQUESTS)]
    queries = count_queries(get)
    kb = get() / 1024
    return Row(
        f"GET {url} {who} (x{TIMED_REQUESTS})",
        f"{size}, {kb:.0f} kB",
        statistics.median(samples),
        p95(samples),
        queries,
        budget,
    )


def profile_request(client: Client, url: str, who: str, *, secure: bool) -> str:
    """cProfile of ``TIMED_REQUESTS`` more requests (warm), the heaviest calls first."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(TIMED_REQUESTS):
        get_page(client, url, secure=secure)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    return f"--- cProfile: GET {url} {who} (x{TIMED_REQUESTS}) ---\n{out.getvalue()}"


def format_ratios(pairs: list[tuple[Row, Row]]) -> str:
    """The ratio of each 5,000-amendment page to its 10-amendment baseline (medians)."""
    parts = [
        f"{row.operation.split(' (x')[0]} {row.median_ms / baseline.median_ms:.1f}x"
        for row, baseline in pairs
    ]
    return f"ratios to the {BASELINE_AMENDMENTS}-amendment baseline (medians): " + ", ".join(parts)


def run_benchmarks(*, profile: bool) -> list[Row]:
    from django.conf import settings
    from django.test import Client

    print(describe_database())
    filer, member, data = set_up()
    print(f"synthetic: {data.describe()}")
    # Settings loaded with DEBUG=0 redirect plain HTTP: ask over HTTPS then.
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    anonymous = Client()
    logged_in = Client()
    logged_in.force_login(member)
    list_url = "/amendments/"
    paged_url = f"/amendments/?page={PAGE}"

    for _ in range(BASELINE_AMENDMENTS):
        filer.file()
    baseline_anonymous = bench_list(anonymous, list_url, "anonymous", secure=secure)
    baseline_member = bench_list(logged_in, list_url, "NGO member", secure=secure)

    filing_rows, throughput = bench_filing(filer, f"{data.size}, {ORGANISATIONS} filers")
    filled = fill_to(TOTAL_AMENDMENTS)
    filtered_url = f"/amendments/?status=submitted&edition={filled.draft}"
    size = (
        f"{TOTAL_AMENDMENTS} amendments ({BASELINE_AMENDMENTS + TIMED_FILINGS + 1} filed, "
        f"{filled.summary.amendments} by make_synthetic), {plural(CLAUSES, 'clause')}"
    )

    requests = [
        (anonymous, list_url, "anonymous", baseline_anonymous),
        (logged_in, list_url, "NGO member", baseline_member),
        (anonymous, filtered_url, "anonymous", baseline_anonymous),
        (anonymous, paged_url, "anonymous", baseline_anonymous),
    ]
    pairs = [
        (bench_list(client, url, who, secure=secure, budget=LIST_BUDGET, size=size), baseline)
        for client, url, who, baseline in requests
    ]
    rows = [*filing_rows, baseline_anonymous, baseline_member, *(row for row, _ in pairs)]
    print(throughput)
    print(f"filled to {TOTAL_AMENDMENTS} amendments: {filled.describe()}")
    print(format_table(rows))
    record_rows(rows)
    print(format_ratios(pairs))
    if profile:
        for client, url, who, _baseline in requests:
            print(profile_request(client, url, who, secure=secure))
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
