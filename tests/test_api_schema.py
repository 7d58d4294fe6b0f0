"""The API against its own OpenAPI schema (``/api/schema/``), with schemathesis.

The schema is read in-process through the WSGI application, as a client reads it. On the
seed data plus a private draft, an unpublished working edition, a support and amendments
at several steps of the procedure, every operation is then called

- with requests generated from the schema (hypothesis; valid and invalid ones, a few per
  operation), as the public and as every role (token authentication); half of them name
  ids and slugs that exist, so that successful answers are checked too, not only 404s;
- with schemathesis's boundary cases (its coverage phase: each parameter and field at
  its limits, missing, of the wrong type), as the role the operation is meant for.

Every answer must be no server error, have a status code the schema declares and a body
that matches the schema.

schemathesis's pytest plugin (``from_fixture``) is not used: it writes a private attribute
of pytest's nodes that pytest 9 no longer has. The operations are driven directly.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from amendments import services as amendment_services
from amendments.models import Amendment, AmendmentSupport
from config.wsgi import application
from guidelines import seed
from guidelines import services as guideline_services
from guidelines.models import Clause, ClauseCorrespondence, Edition, Instrument
from positions.models import Position, PositionPaper

ROLES = ("anonymous", "reader", "ngo", "other_ngo", "delegate", "secretariat")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Generated requests per operation and role: 18 per operation in all.
EXAMPLES = 3

# Every operation of the schema, with the role its boundary cases are sent as (the one
# that may act, so that they reach the checks past the permission) and the object they
# name (see ``world``'s targets).
# fmt: off
OPERATIONS: dict[str, tuple[str, str | None]] = {
    "GET /api/amendments/":                   ("ngo", None),
    "POST /api/amendments/":                  ("ngo", None),
    "GET /api/amendments/{id}/":              ("ngo", "draft"),
    "PATCH /api/amendments/{id}/":            ("ngo", "draft"),
    "POST /api/amendments/{id}/cosign/":      ("other_ngo", "submitted"),
    "POST /api/amendments/{id}/decide/":      ("secretariat", "admissible"),
    "POST /api/amendments/{id}/recommend/":   ("secretariat", "submitted"),
    "POST /api/amendments/{id}/screen/":      ("secretariat", "submitted"),
    "POST /api/amendments/{id}/submit/":      ("ngo", "draft"),
    "POST /api/amendments/{id}/support/":     ("delegate", "submitted"),
    "POST /api/amendments/{id}/withdraw/":    ("ngo", "draft"),
    "GET /api/clauses/":                      ("secretariat", None),
    "GET /api/clauses/{id}/":                 ("secretariat", "clauses"),
    "GET /api/compare/{a}/{b}/":              ("secretariat", "compare"),
    "GET /api/correspondences/":              ("secretariat", None),
    "GET /api/correspondences/{id}/":         ("secretariat", "correspondences"),
    "GET /api/editions/":                     ("secretariat", None),
    "GET /api/editions/{slug}/":              ("secretariat", "draft-edition"),
    "POST /api/editions/{slug}/consolidate/": ("secretariat", "draft-edition"),
    "GET /api/instruments/":                  ("anonymous", None),
    "GET /api/instruments/{slug}/":           ("anonymous", "instrument"),
    "GET /api/papers/":                       ("anonymous", None),
    "GET /api/papers/{id}/":                  ("anonymous", "papers"),
    "GET /api/positions/":                    ("secretariat", None),
    "GET /api/positions/{id}/":               ("secretariat", "positions"),
    "GET /api/supports/":                     ("ngo", None),
    "GET /api/supports/{id}/":                ("ngo", "supports"),
}
# fmt: on


@cache
def api_schema() -> Any:
    """The schema as ``/api/schema/`` serves it (no database needed to serve it)."""
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def wsgi_database() -> Iterator[None]:
    """Django's handler closes the connection around each request (``close_old_connections``);
    here that connection holds the test's transaction: keep it open, as the test client
    does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(
    db, ngo_user, other_ngo_user, delegate_user, secretariat_user, reader_user
) -> dict[str, Any]:
    """The seed, the roles' tokens, and objects in every state the API shows."""
    call_command("load_seed", stdout=io.StringIO())
    draft_edition = Edition.objects.get(slug=seed.EDITION_DRAFT)
    now = timezone.now()
    amendment_services.window_set(
        edition=draft_edition,
        user=None,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=1),
    )
    # Unpublished: the secretariat's alone.
    working = guideline_services.edition_fork(
        base=draft_edition, user=secretariat_user, slug="og-working", label="Working draft"
    )
    clauses = list(Clause.objects.filter(edition=draft_edition).order_by("order"))
    guideline_services.editions_align(a=draft_edition, b=working)
    guideline_services.correspondence_set(
        user=secretariat_user,
        a=Edition.objects.get(slug=seed.EDITION_2017),
        b=draft_edition,
        source_eid="para_1",
        target_eid=clauses[0].eid,
        kind=ClauseCorrespondence.Kind.MODIFIED,
    )

    def file(clause: Clause) -> Amendment:
        return amendment_services.amendment_create(
            user=ngo_user,
            edition=draft_edition,
            clause=clause,
            operation=Amendment.Operation.REPLACE,
            proposed_text="Parties cherish diversity.",
            justification="Say it better.",
        )

    draft = file(clauses[0])  # stays a draft, private to the NGO
    submitted = file(clauses[1])
    submitted = amendment_services.amendment_submit(
        amendment=submitted, user=ngo_user, expected_version=submitted.version
    )
    amendment_services.amendment_support(amendment=submitted, user=delegate_user, stance="support")
    admissible = file(clauses[2])
    admissible = amendment_services.amendment_submit(
        amendment=admissible, user=ngo_user, expected_version=admissible.version
    )
    amendment_services.amendment_screen(
        amendment=admissible, user=secretariat_user, admissible=True, reason=""
    )
    users = {
        "reader": reader_user,
        "ngo": ngo_user,
        "other_ngo": other_ngo_user,
        "delegate": delegate_user,
        "secretariat": secretariat_user,
    }
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, user in users.items():
        headers[role] = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    editions = list(Edition.objects.values_list("slug", flat=True))
    known: dict[str, list[Any]] = {
        "/api/amendments/": list(Amendment.objects.values_list("pk", flat=True)),
        "/api/clauses/": list(
            Clause.objects.filter(edition__slug__in=[seed.EDITION_DRAFT, "og-working"]).values_list(
                "pk", flat=True
            )
        )
        + list(
            Clause.objects.filter(edition__slug=seed.EDITION_2017).values_list("pk", flat=True)[:5]
        ),
        "/api/correspondences/": list(ClauseCorrespondence.objects.values_list("pk", flat=True)),
        "/api/papers/": list(PositionPaper.objects.values_list("pk", flat=True)),
        "/api/positions/": list(Position.objects.values_list("pk", flat=True)),
        "/api/supports/": list(AmendmentSupport.objects.values_list("pk", flat=True)),
        "/api/editions/": editions,
        "/api/instruments/": list(Instrument.objects.values_list("slug", flat=True)),
        "/api/compare/": editions,
    }
    # The objects the boundary cases act on (their path parameters).
    targets: dict[str, dict[str, Any]] = {
        "draft": {"id": draft.pk},
        "submitted": {"id": submitted.pk},
        "admissible": {"id": admissible.pk},
        "compare": {"a": seed.EDITION_2017, "b": seed.EDITION_DRAFT},
        "draft-edition": {"slug": seed.EDITION_DRAFT},
        "instrument": {"slug": seed.INSTRUMENT},
    }
    for prefix in ("clauses", "correspondences", "papers", "positions", "supports"):
        targets[prefix] = {"id": known[f"/api/{prefix}/"][0]}
    return {"headers": headers, "known": known, "targets": targets}


def cases(operation: Any, known: dict[str, list[Any]]) -> st.SearchStrategy:
    """Generated cases, valid and not (positive and negative); for half of them, path
    parameters that name objects that exist."""
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    generated = st.one_of([operation.as_strategy(generation_mode=mode) for mode in modes])
    names = [p.name for p in operation.path_parameters]
    if not names:
        return generated
    prefix = next(p for p in known if operation.path.startswith(p))
    values = known[prefix]
    assert values, f"no {prefix} in the test data"
    existing = st.fixed_dictionaries({name: st.sampled_from(values) for name in names}).flatmap(
        lambda parameters: st.one_of(
            [
                operation.as_strategy(generation_mode=mode, path_parameters=parameters)
                for mode in modes
            ]
        )
    )
    return st.one_of(existing, generated)


def boundary_cases(operation: Any, path_parameters: dict[str, Any]) -> CoverageGenerator:
    """schemathesis's coverage phase for one operation, naming an object that exists."""
    generation = operation.schema.config.generation_for(operation=operation, phase="coverage")
    return CoverageGenerator(
        operation=operation,
        generation_modes=generation.modes,
        generation_config=generation,
        auth_storage=None,
        override=Override(path_parameters={k: str(v) for k, v in path_parameters.items()}),
        feedback=FeedbackSources(),
    )


def test_the_schema_is_valid_and_generated_without_warnings(tmp_path):
    """``manage.py spectacular --validate --fail-on-warn``: the OpenAPI document validates
    and drf-spectacular guessed nothing (a guess is a warning)."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/amendments/{id}/submit/" in target.read_text()


def test_the_schema_declares_the_refusals():
    """What the API answers besides success is in the schema: 401 everywhere (credentials
    that are not valid), 400/403/404 on every write, 412 and ``If-Match`` on the writes
    to an amendment, 404 on every detail, 400 on every filtered list."""
    document = api_schema().raw_schema
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            declared = set(operation["responses"])
            label = f"{method.upper()} {path}"
            assert "401" in declared, label
            if method != "get":
                assert {"400", "403", "404"} <= declared, label
            if "{" in path:
                assert "404" in declared, label
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if path.startswith("/api/amendments/{id}/") and method != "get":
                assert "412" in declared and "If-Match" in headers, label
            else:
                assert "412" not in declared and not headers, label
    assert "400" in document["paths"]["/api/amendments/"]["get"]["responses"]
    anonymous_reads = document["paths"]["/api/amendments/"]["get"]["security"]
    assert {} in anonymous_reads  # reads need no credentials


def test_every_operation_is_exercised():
    labels = [result.ok().label for result in api_schema().get_all_operations()]
    assert sorted(labels) == sorted(OPERATIONS)


def fuzz(
    operation: Any, known: dict[str, list[Any]], headers: dict[str, str], statuses: list[int]
) -> None:
    """Send the operation's generated requests; the first that fails a check raises."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=cases(operation, known))
    def check(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.append(response.status_code)

    check()


@pytest.mark.parametrize("role", ROLES)
def test_generated_requests_match_the_schema(role, world, wsgi_database):
    failures = []
    statuses: list[int] = []
    for label in OPERATIONS:
        operation = api_schema().find_operation_by_label(label)
        try:
            fuzz(operation, world["known"], world["headers"][role], statuses)
        except Exception as exc:
            exc.add_note(f"{label} as {role}")
            failures.append(exc)
    if failures:
        raise ExceptionGroup(f"{len(failures)} operations break the schema as {role}", failures)
    # Not only refusals: the generated requests also reached what the role may read.
    assert 200 in statuses, sorted(set(statuses))
    assert {400, 404} <= set(statuses), sorted(set(statuses))


def test_boundary_cases_match_the_schema(world, wsgi_database):
    failures = []
    statuses: list[int] = []
    for label, (role, target) in OPERATIONS.items():
        operation = api_schema().find_operation_by_label(label)
        sent = 0
        for case in boundary_cases(operation, world["targets"][target] if target else {}):
            try:
                response = case.call_and_validate(headers=world["headers"][role], checks=CHECKS)
            except Exception as exc:
                exc.add_note(f"{label} as {role}")
                failures.append(exc)
                break  # the first failure of each operation is enough
            statuses.append(response.status_code)
            sent += 1
        assert sent or failures, f"{label}: no boundary case"
    if failures:
        raise ExceptionGroup(f"{len(failures)} operations break the schema", failures)
    assert {200, 201, 400, 404} <= set(statuses), sorted(set(statuses))
