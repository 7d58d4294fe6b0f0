"""Benchmark: the REST API's list, detail and comparison endpoints (and the search page).

What it measures, in a throw-away test database of its own (``test_api_bench``: the
developer's database, and the test database other runs may be using, are never
touched):

1. Set-up by ``make_synthetic --slug synthetic-bench-api --clauses 1025 --amendments
   5000 --versions 1`` (``guidelines/synthetic.py``, in bulk, as ``bench/exports.py``
   does): a published base edition and a published draft forked from it, 1,025 clauses
   each (1,000 numbered; one in ten reworded in the draft, for the comparison), and
   5,000 amendments on the draft from ten organisations in every status. A member of
   the first NGO gets an API token. Timed once, no budget.
2. Through ``django.test.Client``, two warm-up requests, then twenty timed ones; the
   queries of one request are counted:
   - the HTML amendment list page ``/amendments/`` (anonymous): the baseline of the
     other ratios, measured in the same process on the same data;
   - ``GET /api/amendments/``: page 1 (50 a page) anonymously and with the NGO member's
     token, filtered by edition and status, and page 50 (of some 90: drafts are private);
   - ``GET /api/clauses/?edition=…`` (page 1 of 21), ``GET /api/amendments/<id>/`` and
     ``GET /api/clauses/<id>/`` (with its history);
   - ``GET /api/compare/<base>/<draft>/`` (1,025 rows) warm (cached by the warm-up, as the
     HTML comparison page ``/compare/<base>/<draft>/`` of the same pair is: its baseline) and
     cold (the cache cleared before each of five requests);
   - ``GET /search/?q=…`` (``bench_search``), if the URL name ``search`` resolves.
   Budget, on PostgreSQL (the issue's): every API list page's median under 100 ms.
   On SQLite, the embedded fallback, the figures are reported without a budget.

The exit code is 0 when every budget holds, 1 otherwise. ``--profile`` adds a cProfile of
the HTML list page, the API list and the API comparison.

Run from the repository root, on SQLite (default) or PostgreSQL::

    .venv/bin/python bench/api_search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api .venv/bin/python bench/api_search.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# The repository root goes first on the path: it makes ``bench.import_and_read``
# importable (Python puts the script's own directory, bench/, on the path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cProfile
import io
import pstats
import statistics
import time
from typing import TYPE_CHECKING

from bench.exports import set_up_synthetic
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
    timed,
)
from bench.report import record_rows

if TYPE_CHECKING:
    from django.test import Client

SYNTHETIC = "synthetic-bench-api"  # make_synthetic's slug: <slug>-base, <slug>-draft
TEST_DATABASE = "test_api_bench"
PAGE = 50  # the deep page asked for (of some 90: drafts are private)
SEARCHES = ("amendment", "justification 4999", "introuvable")
PROFILE_LINES = 25
COLD_REQUESTS = 5

# Every API list page on 1,000 clauses and 5,000 amendments (PostgreSQL).
LIST_BUDGET = Budget("median", 100.0)


def set_up() -> tuple[Synthetic, str]:
    """The data (``make_synthetic``), and the NGO member's API token."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from positions.models import Membership, Organisation

    # As the tests do: the default hasher costs a third of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    data = set_up_synthetic(SYNTHETIC)
    user = get_user_model().objects.create_user("bench-api-ngo", password="bench-api-ngo-pass")
    organisation = Organisation.objects.filter(kind=Organisation.Kind.NGO).earliest("pk")
    Membership.objects.create(user=user, organisation=organisation)
    token = Token.objects.create(user=user)
    return data, token.key


def bench_get(
    client: Client, url: str, who: str, size: str, *, secure: bool, budget: Budget | None = None
) -> Row:
    """Warm up, time the requests, then count one request's queries."""

    def get() -> int:
        return get_page(client, url, secure=secure)

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


def bench_cold(client: Client, url: str, who: str, size: str, *, secure: bool) -> Row:
    """The cache cleared before each of ``COLD_REQUESTS`` timed requests (and before the
    one whose queries are counted): what the first reader after a change waits."""
    from django.core.cache import cache

    def get() -> int:
        cache.clear()
        return get_page(client, url, secure=secure)

    get()  # imports and the like, not the data
    samples = [timed(get) for _ in range(COLD_REQUESTS)]
    queries = count_queries(get)
    kb = get() / 1024
    return Row(
        f"GET {url} {who} (x{COLD_REQUESTS})",
        f"{size}, {kb:.0f} kB",
        statistics.median(samples),
        p95(samples),
        queries,
    )


# --- the search page ---------------------------------------------------------------------


def bench_search(client: Client, size: str, *, secure: bool) -> list[Row]:
    """``GET /search/?q=…`` for a few queries, if the search page exists (its URL name is
    ``search``); its budget is ``bench/search.py``'s, so none here. A page that is not
    there yet, or that fails, is reported and fails nothing."""
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("search")
    except NoReverseMatch:
        print("search: not available yet")
        return []
    rows = []
    for query in SEARCHES:
        try:
            rows.append(
                bench_get(
                    client,
                    f"{url}?q={query.replace(' ', '+')}",
                    "anonymous",
                    size,
                    secure=secure,
                )
            )
        except RuntimeError as exc:
            print(f"search: {exc}")
    return rows


# --- the run -----------------------------------------------------------------------------


def name(row: Row) -> str:
    return row.operation.split(" (x")[0]


def format_ratios(pairs: list[tuple[Row, Row]]) -> str:
    """Each row's median over its baseline's, measured in this process on the same data."""
    lines = ["ratios (medians):"]
    lines += [
        f"  {name(row)} / {name(baseline)}: {row.median_ms / baseline.median_ms:.2f}x"
        for row, baseline in pairs
    ]
    return "\n".join(lines)


def profile_request(client: Client, url: str, *, secure: bool) -> str:
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
    return f"--- cProfile: GET {url} (x{TIMED_REQUESTS}) ---\n{out.getvalue()}"


def run_benchmarks(*, profile: bool) -> list[Row]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from amendments.models import Amendment
    from guidelines.models import Clause

    print(describe_database())
    start = time.perf_counter()
    data, token = set_up()
    print(f"synthetic: {data.describe()}")
    print(f"set-up in {time.perf_counter() - start:.1f} s (untimed for the table)")
    # Settings loaded with DEBUG=0 redirect plain HTTP: ask over HTTPS then.
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    budget = LIST_BUDGET if connection.vendor == "postgresql" else None
    anonymous = Client()
    member = Client(HTTP_AUTHORIZATION=f"Token {token}")

    draft, base = data.draft, data.base
    amendments = Amendment.objects.count()
    clauses = Clause.objects.filter(edition__slug=draft).count()
    amendment = Amendment.objects.filter(edition__slug=draft).order_by("pk").last()
    clause = Clause.objects.filter(edition__slug=draft, eid="para_125").get()
    assert amendment is not None
    listed = f"{data.size}, 50 a page"
    compared = f"{data.size}: base against draft, {data.summary.changed} changed"

    def get(client: Client, url: str, who: str, size: str, budget: Budget | None = None) -> Row:
        return bench_get(client, url, who, size, secure=secure, budget=budget)

    list_page = get(anonymous, "/amendments/", "anonymous (HTML)", listed)
    lists = [
        get(anonymous, "/api/amendments/", "anonymous", listed, budget),
        get(member, "/api/amendments/", "NGO member (token)", listed, budget),
        get(
            anonymous,
            f"/api/amendments/?edition={draft}&status=submitted",
            "anonymous",
            listed,
            budget,
        ),
        get(anonymous, f"/api/amendments/?page={PAGE}", "anonymous", listed, budget),
        get(
            anonymous,
            f"/api/clauses/?edition={draft}",
            "anonymous",
            f"{data.size}, 50 a page",
            budget,
        ),
    ]
    details = [
        get(anonymous, f"/api/amendments/{amendment.pk}/", "anonymous", f"1 of {amendments}"),
        get(
            anonymous,
            f"/api/clauses/{clause.pk}/",
            "anonymous",
            f"1 of {plural(clauses, 'clause')}, {plural(data.versions, 'version')} of history",
        ),
    ]
    compare_page = get(anonymous, f"/compare/{base}/{draft}/", "anonymous (HTML, warm)", compared)
    compare_api = get(anonymous, f"/api/compare/{base}/{draft}/", "anonymous (warm)", compared)
    compare_cold = bench_cold(
        anonymous,
        f"/api/compare/{base}/{draft}/",
        "anonymous (cold)",
        compared,
        secure=secure,
    )
    searches = bench_search(anonymous, data.size, secure=secure)
    rows = [list_page, *lists, *details, compare_page, compare_api, compare_cold, *searches]
    print(format_table(rows))
    record_rows(rows)
    pairs = [(row, list_page) for row in [*lists, *details, *searches]]
    print(format_ratios([*pairs, (compare_api, compare_page)]))
    if budget is None:
        print(f"budget ({LIST_BUDGET} on every API list page) applies on PostgreSQL only.")
    if profile:
        for url in (
            "/amendments/",
            "/api/amendments/",
            f"/api/compare/{base}/{draft}/",
        ):
            print(profile_request(anonymous, url, secure=secure))
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
        # A test database of its own: a test run on the same server keeps its own.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = TEST_DATABASE
        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = None  # in memory, as the tests
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
