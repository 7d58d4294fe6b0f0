"""Load test: `make serve` (gunicorn, production settings) on PostgreSQL, over loopback.

What it does, bounded in time and in count, and always stopping the server it started:

1. Creates the database (default ``postgres://postgres@127.0.0.1:5432/redraft_load``;
   a database whose name starts with ``redraft_load`` is dropped and created afresh on
   every run, any other is used as it is; ``test`` and ``test_test`` are refused).
2. Runs ``make serve`` as a subprocess in its own process group, with ``PORT``,
   ``DATABASE_URL``, a ``SECRET_KEY`` made for this run (a bench, not production) and
   ``ALLOWED_HOSTS=127.0.0.1``; ``make serve`` installs, collects the static files,
   migrates and starts gunicorn. Its output goes to ``var/load/serve.log``.
3. Seeds through the product's own command and services: ``load_seed``, then a
   synthetic adopted edition and its published revision draft (``synthetic_text``,
   about 200 clauses, through ``edition_import``), an amendment window open on the
   draft (``window_set``), five accredited NGOs (fictional) of two members each.
4. Readers: anonymous GETs of ``/compare/<adopted>/<draft>/`` (one in four) and of
   clause pages of the four editions, at a fixed rate (open loop: each request is sent
   at its scheduled time whatever the server is doing, and its latency counts from that
   time, so a server that falls behind cannot hide it). The rate goes up in steps
   (``--steps``, ``--step-seconds`` each), after the writers have logged in, stopping
   after two steps in a row whose p95 (readers' or writers') is 300 ms or more; then a
   final step of ``--final-seconds`` (60 s) at the highest rate held (the first step's
   rate if none held).
5. Writers, during every step: ten NGO members, each logged in through the login page,
   each repeatedly filing a draft amendment on the draft through ``/amendments/new/``
   and submitting it from its page (real forms, CSRF tokens, a think time between
   requests; closed loop, at most ``--max-filings`` each).
6. Checks, in the database: no 5xx answer; every draft whose filing was answered with
   its page is stored with the text sent (no lost write); every amendment whose
   submission was answered with success is submitted and numbered; the numbers of the
   draft edition are distinct and gapless (A-1 … A-n, n the number of submitted ones).

The server sees plain HTTP on loopback, as behind a TLS-terminating proxy: every
request says ``X-Forwarded-Proto: https`` (production settings redirect plain HTTP and
trust that header), and the client carries its cookies itself, since they are Secure
and a cookie jar would not send them over http://.

It prints one table (per step: readers and writers, requests, requests/s, p50, p95,
p99, errors, 5xx) and PASS or FAIL per budget; the exit code is 0 when every budget
holds. The machine is shared: beside each step's figures are the machine's load
average and the CPU the server's processes used (in cores).

    .venv/bin/python bench/load.py            # or: make load
    .venv/bin/python bench/load.py --steps 5,10 --step-seconds 10 --final-seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import http.cookiejar
import io
import math
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/redraft_load"
REFUSED_DATABASES = {"test", "test_test"}
HOST = "127.0.0.1"
P95_BUDGET_MS = 300.0
REQUEST_TIMEOUT = 10.0  # seconds; a slower answer counts as an error
START_TIMEOUT = 300.0  # seconds for `make serve` to install, migrate and listen
LOGIN_TIMEOUT = 120.0  # seconds for the ten writers to log in before step 1
MAX_IN_FLIGHT = 400  # readers' requests under way at once; past it a read is dropped
COMPARE_SHARE = 4  # one read in four is the comparison page
SYNTHETIC_PARAGRAPHS = 50
ADOPTED_SLUG = "load-adopted"
DRAFT_SLUG = "load-draft"
INSTRUMENT_SLUG = "load-instrument"
ORGANISATIONS = 5
WRITERS = 10
MARKER = "[load test {run} writer {writer} filing {n}]"

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMIT_VERSION = re.compile(
    r'action="/amendments/(\d+)/submit/">.*?name="version" value="(\d+)"', re.DOTALL
)


# --- figures ----------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # "read" or "write"
    step: int
    latency_ms: float
    status: int  # 0: no answer (timeout, connection error, dropped)
    page: str = ""  # the readers' "compare" or "clause"


@dataclass
class Step:
    number: int
    rate: float
    seconds: float
    final: bool = False
    load_average: float = 0.0
    server_cores: float = 0.0  # CPU the server's processes used during the step, in cores


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


@dataclass
class Summary:
    requests: int
    per_second: float
    p50: float
    p95: float
    p99: float
    errors: int
    server_errors: int


def summarise(samples: list[Sample], seconds: float) -> Summary:
    latencies = [s.latency_ms for s in samples]
    return Summary(
        requests=len(samples),
        per_second=len(samples) / seconds if seconds else 0.0,
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        errors=sum(1 for s in samples if s.status == 0 or s.status >= 400),
        server_errors=sum(1 for s in samples if s.status >= 500),
    )


# --- the HTTP client --------------------------------------------------------------------


class NoCookies(http.cookiejar.CookieJar):
    """httpx's jar would keep Secure cookies off http://; each session carries its own."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None

    def extract_cookies(self, response: object, request: object) -> None:
        return None

    def add_cookie_header(self, request: object) -> None:
        return None


def client(base: str, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        cookies=NoCookies(),
        follow_redirects=False,
        timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=0),
        headers={"X-Forwarded-Proto": "https"},
    )


@dataclass
class Session:
    """One logged-in browser: its cookies, and the origin its forms are posted from."""

    http: httpx.AsyncClient
    origin: str
    cookies: dict[str, str] = field(default_factory=dict)

    def headers(self, post: bool = False) -> dict[str, str]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if post:
            # HTTPS requests must show where the form was posted from (Django's CSRF).
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + "/"
        return headers

    def keep(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or not value.strip('"'):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value

    async def get(self, url: str) -> httpx.Response:
        response = await self.http.get(url, headers=self.headers())
        self.keep(response)
        return response

    async def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        response = await self.http.post(url, data=data, headers=self.headers(post=True))
        self.keep(response)
        return response


# --- the server -------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    """Create the load test's database; one named redraft_load* is made afresh."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SystemExit(f"the load test runs on PostgreSQL: {url} is not a PostgreSQL URL")
    if not name or name in REFUSED_DATABASES:
        raise SystemExit(f"refusing the database {name!r}: CI uses it")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        quoted = psycopg.sql.Identifier(name)
        if exists and name.startswith("redraft_load"):
            connection.execute(psycopg.sql.SQL("DROP DATABASE {} WITH (FORCE)").format(quoted))
            exists = None
        if not exists:
            connection.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(quoted))


@contextlib.contextmanager
def make_serve(env: dict[str, str], port: int, log_path: Path) -> Iterator[subprocess.Popen]:
    """`make serve` in its own process group, stopped (the whole group) on the way out."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop_group(process)


def stop_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # gunicorn's workers may outlive the master by a moment: the group goes too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


async def wait_for_server(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with client(base, 2) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(
                    f"make serve stopped (exit {process.returncode}); see {log_path}:\n"
                    + log_path.read_text(errors="replace")[-3000:]
                )
            with contextlib.suppress(httpx.HTTPError):
                response = await http.get("/")
                if response.status_code == 200:
                    return
            await asyncio.sleep(1.0)
    raise SystemExit(f"make serve did not answer within {START_TIMEOUT:.0f} s; see {log_path}")


# --- seed data (the product's own command and services) ---------------------------------


@dataclass
class Seed:
    readers: list[str]  # URLs
    compare_url: str
    writer_clauses: list[str]  # eids of the draft that amendments replace
    clause_texts: dict[str, str]
    users: list[tuple[str, str]]  # username, password
    draft_id: int


def seed(run: str) -> Seed:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from amendments.services import window_set
    from guidelines import seed as seed_data
    from guidelines import services
    from guidelines.importing import parse
    from guidelines.models import Clause, Edition
    from guidelines.synthetic import synthetic_text
    from positions.models import Membership, Organisation

    call_command("load_seed", stdout=io.StringIO())
    text = synthetic_text(SYNTHETIC_PARAGRAPHS)
    for slug, status, body in (
        (ADOPTED_SLUG, Edition.Status.ADOPTED, text),
        (DRAFT_SLUG, Edition.Status.DRAFT, text.replace("item 2 of", "point 2 of")),
    ):
        services.edition_import(
            parsed=parse(body, markdown=True),
            instrument_slug=INSTRUMENT_SLUG,
            slug=slug,
            label=f"Load test ({slug}, synthetic)",
            language="en",
            status=status,
            published=True,
            reason="load test",
        )
    draft = Edition.objects.get(slug=DRAFT_SLUG)
    now = timezone.now()
    window_set(
        edition=draft,
        user=None,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
    )
    users = []
    user_model = get_user_model()
    with transaction.atomic():
        organisations = [
            Organisation.objects.create(
                name=f"Load Test Coalition {n} (fictional)",
                acronym=f"LTC{n}",
                kind=Organisation.Kind.NGO,
                accredited=True,
            )
            for n in range(1, ORGANISATIONS + 1)
        ]
        for n in range(1, WRITERS + 1):
            username, password = f"load-ngo-{n}", secrets.token_urlsafe(16)
            user = user_model.objects.create_user(username=username, password=password)
            Membership.objects.create(
                user=user, organisation=organisations[(n - 1) % ORGANISATIONS]
            )
            users.append((username, password))
    readers = []
    for slug in (ADOPTED_SLUG, DRAFT_SLUG, seed_data.EDITION_2017, seed_data.EDITION_DRAFT):
        readers += [
            f"/editions/{slug}/{eid}/"
            for eid in Clause.objects.filter(edition__slug=slug)
            .numbered()
            .values_list("eid", flat=True)
        ]
    clauses = dict(Clause.objects.filter(edition=draft).numbered().values_list("eid", "text"))
    connection.close()
    return Seed(
        readers=readers,
        compare_url=f"/compare/{ADOPTED_SLUG}/{DRAFT_SLUG}/",
        writer_clauses=sorted(clauses),
        clause_texts=clauses,
        users=users,
        draft_id=draft.pk,
    )


# --- the load ---------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the writers were told, to check against the database afterwards."""

    filed: dict[int, str] = field(default_factory=dict)  # amendment id -> text sent
    submitted: set[int] = field(default_factory=set)  # answered "submitted"
    refused: list[str] = field(default_factory=list)
    logged_in: int = 0


class Clock:
    def __init__(self) -> None:
        self.step = 0

    def now_ms(self) -> float:
        return time.perf_counter() * 1000.0


async def timed(
    samples: list[Sample],
    kind: str,
    clock: Clock,
    call,
    scheduled_ms: float | None = None,
    page: str = "",
) -> httpx.Response | None:
    step = clock.step
    start = scheduled_ms if scheduled_ms is not None else clock.now_ms()
    try:
        response = await call()
    except (httpx.HTTPError, OSError):
        samples.append(Sample(kind, step, clock.now_ms() - start, 0, page))
        return None
    samples.append(Sample(kind, step, clock.now_ms() - start, response.status_code, page))
    return response


async def writer(
    number: int,
    username: str,
    password: str,
    *,
    base: str,
    run: str,
    data: Seed,
    samples: list[Sample],
    ledger: Ledger,
    clock: Clock,
    stop: asyncio.Event,
    think: float,
    max_filings: int,
) -> None:
    rng = random.Random(f"{run}-{number}")
    async with client(base, 2) as http:
        session = Session(http, origin=f"https://{HOST}:{urlsplit(base).port}")

        async def pause() -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), think * (0.5 + rng.random()))

        page = await timed(samples, "write", clock, lambda: session.get("/accounts/login/"))
        token = CSRF_INPUT.search(page.text) if page is not None else None
        if token is None:
            ledger.refused.append(f"{username}: no login form")
            return
        answer = await timed(
            samples,
            "write",
            clock,
            lambda: session.post(
                "/accounts/login/",
                {"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
            ),
        )
        if answer is None or answer.status_code != 302 or "sessionid" not in session.cookies:
            ledger.refused.append(f"{username}: login refused")
            return
        ledger.logged_in += 1
        for n in range(1, max_filings + 1):
            if stop.is_set():
                return
            await pause()
            eid = rng.choice(data.writer_clauses)
            new_url = f"/amendments/new/?edition={DRAFT_SLUG}&clause={eid}"
            form = await timed(samples, "write", clock, lambda u=new_url: session.get(u))
            token = CSRF_INPUT.search(form.text) if form is not None else None
            if token is None:
                continue
            await pause()
            text = f"{data.clause_texts[eid]} {MARKER.format(run=run, writer=number, n=n)}"
            created = await timed(
                samples,
                "write",
                clock,
                lambda u=new_url, t=text, c=token[1]: session.post(
                    u,
                    {
                        "operation": "replace",
                        "proposed_text": t,
                        "justification": "Load test.",
                        "csrfmiddlewaretoken": c,
                    },
                ),
            )
            if created is None or created.status_code != 302:
                if created is not None:
                    ledger.refused.append(f"{username}: filing answered {created.status_code}")
                continue
            match = re.fullmatch(r"/amendments/(\d+)/", created.headers["location"])
            if match is None:
                ledger.refused.append(f"{username}: filing sent to {created.headers['location']}")
                continue
            pk = int(match[1])
            ledger.filed[pk] = text
            if stop.is_set():
                return
            detail = await timed(
                samples, "write", clock, lambda p=pk: session.get(f"/amendments/{p}/")
            )
            found = SUBMIT_VERSION.search(detail.text) if detail is not None else None
            token = CSRF_INPUT.search(detail.text) if detail is not None else None
            if found is None or token is None or int(found[1]) != pk:
                ledger.refused.append(f"{username}: no submit form on amendment {pk}")
                continue
            await pause()
            submitted = await timed(
                samples,
                "write",
                clock,
                lambda p=pk, v=found[2], c=token[1]: session.post(
                    f"/amendments/{p}/submit/", {"version": v, "csrfmiddlewaretoken": c}
                ),
            )
            if submitted is not None and submitted.status_code == 302:
                ledger.submitted.add(pk)
            elif submitted is not None:
                ledger.refused.append(f"{username}: submission answered {submitted.status_code}")


async def readers(
    step: Step, *, base: str, data: Seed, samples: list[Sample], clock: Clock, rng: random.Random
) -> None:
    """Open loop: request i is sent at start + i / rate, whatever came back before."""
    count = round(step.rate * step.seconds)
    in_flight: set[asyncio.Task] = set()
    async with client(base, MAX_IN_FLIGHT) as http:
        start = clock.now_ms()
        for i in range(count):
            scheduled = start + i * 1000.0 / step.rate
            delay = (scheduled - clock.now_ms()) / 1000.0
            if delay > 0:
                await asyncio.sleep(delay)
            if len(in_flight) >= MAX_IN_FLIGHT:
                # Dropped (the client is swamped): an error, counted as a timeout.
                samples.append(Sample("read", step.number, REQUEST_TIMEOUT * 1000.0, 0))
                continue
            page = "compare" if i % COMPARE_SHARE == 0 else "clause"
            url = data.compare_url if page == "compare" else rng.choice(data.readers)
            task = asyncio.create_task(
                timed(
                    samples,
                    "read",
                    clock,
                    lambda u=url: http.get(u),
                    scheduled_ms=scheduled,
                    page=page,
                )
            )
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=REQUEST_TIMEOUT + 5)


async def run_load(
    args: argparse.Namespace, base: str, run: str, data: Seed, server_cpu: Callable[[], float]
):
    samples: list[Sample] = []
    ledger = Ledger()
    clock = Clock()
    stop = asyncio.Event()
    rng = random.Random(run)
    clock.step = 0  # the writers' log-ins and first filings: a warm-up, not reported
    writers = [
        asyncio.create_task(
            writer(
                n,
                username,
                password,
                base=base,
                run=run,
                data=data,
                samples=samples,
                ledger=ledger,
                clock=clock,
                stop=stop,
                think=args.think,
                max_filings=args.max_filings,
            )
        )
        for n, (username, password) in enumerate(data.users, start=1)
    ]
    steps: list[Step] = []
    try:
        # Log-ins (PBKDF2, slow on purpose) are not part of any step: wait for them all.
        deadline = time.monotonic() + LOGIN_TIMEOUT
        while ledger.logged_in + len(ledger.refused) < len(writers):
            if time.monotonic() > deadline or all(task.done() for task in writers):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(args.warm_up)
        held: float | None = None
        misses = 0

        async def run_step(step: Step) -> None:
            steps.append(step)
            clock.step = step.number
            cpu, wall = server_cpu(), time.monotonic()
            await readers(step, base=base, data=data, samples=samples, clock=clock, rng=rng)
            step.server_cores = (server_cpu() - cpu) / (time.monotonic() - wall)
            step.load_average = os.getloadavg()[0]

        for number, rate in enumerate(args.steps, start=1):
            await run_step(Step(number, rate, args.step_seconds))
            if holds(samples, number):
                held, misses = rate, 0
            else:
                misses += 1
                if misses == 2:  # two steps in a row over the budget: higher ones would be too
                    break
        await run_step(Step(len(steps) + 1, held or args.steps[0], args.final_seconds, True))
    finally:
        stop.set()
        done, pending = await asyncio.wait(writers, timeout=REQUEST_TIMEOUT * 4 + args.think * 2)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                ledger.refused.append(f"writer crashed: {task.exception()!r}")
    return samples, ledger, steps


def holds(samples: list[Sample], step: int) -> bool:
    """A step holds when its readers' and its writers' p95 are both under the budget."""
    for kind in ("read", "write"):
        latencies = [s.latency_ms for s in samples if s.step == step and s.kind == kind]
        if latencies and percentile(latencies, 0.95) >= P95_BUDGET_MS:
            return False
    return True


# --- the checks -------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_database(data: Seed, ledger: Ledger) -> list[Check]:
    from django.db import connection

    from amendments.models import Amendment

    stored = {
        a.pk: a
        for a in Amendment.objects.filter(edition_id=data.draft_id).only(
            "pk", "proposed_text", "status", "sequence", "number"
        )
    }
    lost = [pk for pk, text in ledger.filed.items() if pk not in stored]
    changed = [
        pk for pk, text in ledger.filed.items() if pk in stored and stored[pk].proposed_text != text
    ]
    unnumbered = [
        pk
        for pk in ledger.submitted
        if pk not in stored
        or stored[pk].status != Amendment.Status.SUBMITTED
        or stored[pk].number != f"A-{stored[pk].sequence}"
    ]
    sequences = sorted(a.sequence for a in stored.values() if a.sequence is not None)
    gapless = sequences == list(range(1, len(sequences) + 1))
    connection.close()
    return [
        Check(
            "every filed draft stored with the text sent (no lost write)",
            not lost and not changed and bool(ledger.filed),
            f"{len(ledger.filed)} filed, {len(lost)} missing, {len(changed)} with other text",
        ),
        Check(
            "every answered submission stored, submitted and numbered",
            not unnumbered and bool(ledger.submitted),
            f"{len(ledger.submitted)} submitted, {len(unnumbered)} not stored as submitted",
        ),
        Check(
            "numbers distinct and gapless per edition (A-1 … A-n)",
            gapless and len(set(sequences)) == len(sequences),
            f"A-1 … A-{sequences[-1] if sequences else 0}, {len(sequences)} numbered",
        ),
    ]


# --- CPU: who used the machine during the load ------------------------------------------


def cpu_seconds(process_group: int, database: str) -> dict[str, float]:
    """CPU seconds so far of the server (its process group), of this database's
    PostgreSQL backends, and of this client: on a shared machine, what each took."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"gunicorn": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        # After the command: state, ppid, pgrp, …; utime and stime are fields 14 and 15.
        group, cpu = int(fields[2]), (int(fields[11]) + int(fields[12])) / tick
        if group == process_group:
            used["gunicorn"] += cpu
        elif command.startswith("postgres: ") and f" {database} " in command:
            used["postgres"] += cpu
    mine = os.times()
    used["client"] = mine.user + mine.system
    return used


# --- the report -------------------------------------------------------------------------

ACCESS_LINE = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) \S+ ".*" (\d+)ms$')


def server_side(log_path: Path, offset: int) -> dict[str, list[float]]:
    """Time spent in gunicorn per request (its access log), from ``offset`` on: set
    beside the client's figures, it shows how much of a latency is queueing."""
    times: dict[str, list[float]] = {"compare": [], "clause": [], "write": [], "login": []}
    with log_path.open("rb") as log:
        log.seek(offset)
        for raw in log:
            match = ACCESS_LINE.search(raw.decode(errors="replace").rstrip())
            if match is None:
                continue
            method, path, _status, took = match.groups()
            if method == "GET" and path.startswith("/compare/"):
                times["compare"].append(float(took))
            elif method == "GET" and path.startswith("/editions/"):
                times["clause"].append(float(took))
            elif path.startswith("/amendments/"):
                times["write"].append(float(took))
            elif path.startswith("/accounts/login/"):
                times["login"].append(float(took))  # PBKDF2 is slow on purpose
    return times


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def report(
    samples: list[Sample],
    steps: list[Step],
    checks: list[Check],
    refused: list[str],
    served: dict[str, list[float]],
) -> bool:
    header = (
        f"{'step':<10}{'who':<9}{'rate/s':>7}{'requests':>10}{'req/s':>8}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>8}{'5xx':>6}{'load':>6}"
        f"{'srv cpu':>8}  held"
    )
    lines = [header, "-" * len(header)]
    for step in steps:
        name = f"final {step.number}" if step.final else f"step {step.number}"
        held = "yes" if holds(samples, step.number) else "no"
        for kind, page, who in (
            ("read", "", "readers"),
            ("read", "compare", " compare"),
            ("read", "clause", " clauses"),
            ("write", "", "writers"),
        ):
            figures = summarise(
                [
                    s
                    for s in samples
                    if s.step == step.number and s.kind == kind and (not page or s.page == page)
                ],
                step.seconds,
            )
            rate = f"{step.rate:g}" if who == "readers" else ""
            lines.append(
                f"{name:<10}{who:<9}{rate:>7}{figures.requests:>10}{figures.per_second:>8.1f}"
                f"{ms(figures.p50):>8}{ms(figures.p95):>8}{ms(figures.p99):>8}"
                f"{figures.errors:>8}{figures.server_errors:>6}{step.load_average:>6.1f}"
                f"{step.server_cores:>8.2f}"
                f"  {held if who == 'readers' else ''}"
            )
    lines.append(
        "load: the machine's 1-minute load average after the step; srv cpu: cores the "
        "server's processes used during it"
    )
    held_rates = [s.rate for s in steps if not s.final and holds(samples, s.number)]
    measured = [s for s in samples if s.step > 0]
    server_errors = sum(1 for s in samples if s.status >= 500)
    lines.append("")
    lines.append(
        f"highest reader rate held with p95 < {P95_BUDGET_MS:.0f} ms (readers and writers): "
        + (f"{max(held_rates):g} requests/s" if held_rates else "none of the steps")
    )
    final = steps[-1]
    lines.append(
        f"final step: {final.rate:g} reads/s for {final.seconds:g} s with {WRITERS} writers, "
        f"p95 {'held' if holds(samples, final.number) else 'NOT held'}"
    )
    lines.append(
        f"requests measured: {len(measured)} (plus {len(samples) - len(measured)} warm-up)"
    )
    lines.append(
        "time in the server (gunicorn's access log, whole run) p50/p95/p99 ms: "
        + "; ".join(
            f"{name} {ms(percentile(v, 0.5))}/{ms(percentile(v, 0.95))}/{ms(percentile(v, 0.99))}"
            for name, v in served.items()
        )
    )
    lines.append("")
    budgets = [
        Check("no 5xx", server_errors == 0, f"{server_errors} answers 5xx"),
        *checks,
    ]
    for check in budgets:
        lines.append(f"{'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    if refused:
        lines.append(f"writers' refusals ({len(refused)}), first ones:")
        lines += [f"  {line}" for line in refused[:10]]
    print("\n".join(lines))
    return all(check.ok for check in budgets)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", "8150")))
    parser.add_argument(
        "--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--steps",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[5.0, 10.0, 20.0, 40.0, 80.0, 120.0, 160.0],
        help="readers' rates (requests/s), one step each, in order",
    )
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--final-seconds", type=float, default=60.0)
    parser.add_argument(
        "--warm-up", type=float, default=5.0, help="seconds after the log-ins, before step 1"
    )
    parser.add_argument("--think", type=float, default=1.0, help="writers' mean pause (s)")
    parser.add_argument("--max-filings", type=int, default=200, help="per writer")
    parser.add_argument("--cache-url", default="", help="e.g. redis://127.0.0.1:6379/3")
    args = parser.parse_args()
    if not args.steps or any(rate <= 0 for rate in args.steps):
        parser.error("--steps takes positive rates")
    return args


def main() -> int:
    args = arguments()
    started = time.monotonic()
    run = secrets.token_hex(4)
    base = f"http://{HOST}:{args.port}"
    load_before = os.getloadavg()
    prepare_database(args.database_url)
    # DEBUG is make serve's to set (off); the cache is this script's option.
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CACHE_URL"}}
    env.update(
        DATABASE_URL=args.database_url,
        # Made for this run: the bench's own server, never a production key.
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        PORT=str(args.port),
        # No SMTP relay here: any notification is written to the server's log instead.
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    log_path = ROOT / "var" / "load" / "serve.log"
    with make_serve(env, args.port, log_path) as process:
        asyncio.run(wait_for_server(base, process, log_path))
        ready = time.monotonic()
        # The seeding runs here with the server's own settings (DEBUG off).
        os.environ.update(env, DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings")
        data = seed(run)
        seeded = time.monotonic()
        print(
            f"server up in {ready - started:.0f} s, seeded in {seeded - ready:.0f} s: "
            f"{len(data.readers)} clause pages, {len(data.writer_clauses)} clauses to amend, "
            f"{len(data.users)} writers in {ORGANISATIONS} organisations; "
            f"workers: {env.get('WEB_CONCURRENCY') or f'2 x {os.cpu_count()} cores + 1'}; "
            f"cache: {args.cache_url or 'per worker (locmem)'}",
            flush=True,
        )
        log_offset = log_path.stat().st_size
        database = urlsplit(args.database_url).path[1:]
        cpu_before, wall_before = cpu_seconds(process.pid, database), time.monotonic()
        samples, ledger, steps = asyncio.run(
            run_load(args, base, run, data, lambda: cpu_seconds(process.pid, database)["gunicorn"])
        )
        cpu_after, wall = cpu_seconds(process.pid, database), time.monotonic() - wall_before
        if process.poll() is not None:
            print(f"make serve stopped during the load (exit {process.returncode})")
    checks = check_database(data, ledger)
    print(
        f"\nLoad test of make serve at {base} on {urlsplit(args.database_url).path[1:]} "
        f"(PostgreSQL), {time.monotonic() - started:.0f} s in all; load average "
        f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} cores "
        f"(shared with whatever else runs here)\n"
    )
    print(
        f"CPU during the load ({wall:.0f} s, {os.cpu_count()} cores): "
        + ", ".join(
            f"{name} {cpu_after[name] - cpu_before[name]:.0f} s "
            f"({(cpu_after[name] - cpu_before[name]) / wall:.2f} cores)"
            for name in cpu_after
        )
        + "; the rest of the machine's load is not this test's\n"
    )
    ok = report(samples, steps, checks, ledger.refused, server_side(log_path, log_offset))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
