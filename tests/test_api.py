"""The REST API (/api/): every endpoint by every role, the writes and their refusals.

The expectations come from DESIGN.md ("Users") and the API's contract (config/api.py):
- reads show what the user may see: another organisation's draft, an unpublished
  edition and whatever hangs on it are 404 (and absent from the lists), as on the pages;
- writes go through the services: anonymous 401, a user without the right 403, an
  object the user cannot see 404, input that is refused 400 with the messages;
- clauses and amendments carry an ``ETag``; a write whose ``If-Match`` names another
  version (or another object) is refused with 412 and nothing is written;
- token authentication for scripts, session authentication (with CSRF) for the browser.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from amendments import services
from amendments.models import Amendment, AmendmentSupport, CoSponsorship
from guidelines import services as guideline_services
from guidelines.models import Clause, ClauseCorrespondence, Edition
from guidelines.synthetic import synthetic_text
from positions import services as position_services
from positions.models import Organisation
from tests.amendments.conftest import TEXT, clause_of, history_count, open_window, state
from tests.conftest import member, password_login

pytestmark = pytest.mark.django_db

S = Amendment.Status
ROLES = ("anonymous", "reader", "ngo", "other_ngo", "delegate", "secretariat")
USERS = {
    "reader": "reader_user",  # logged in, of no organisation: the public's rights
    "ngo": "ngo_user",  # a member of the organisation that proposes the amendments
    "other_ngo": "other_ngo_user",
    "delegate": "delegate_user",
    "secretariat": "secretariat_user",
}
ADOPTED_TEXT = """## Principles

1. Parties recognise the diversity of cultural expressions.

2. Parties support digital skills.
"""


# --- the world the URLs name -------------------------------------------------------------


@pytest.fixture
def users(request) -> dict[str, Any]:
    """Every role's user (None for anonymous), all created, so every row of a matrix is
    tested against the same data."""
    return {"anonymous": None} | {
        role: request.getfixturevalue(name) for role, name in USERS.items()
    }


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def file(user, edition: Edition, eid: str, text: str = "Parties cherish diversity.") -> Amendment:
    return services.amendment_create(
        user=user,
        edition=edition,
        clause=clause_of(edition, eid),
        operation=Amendment.Operation.REPLACE,
        proposed_text=text,
        justification="Say it better.",
    )


def submit(amendment: Amendment, user) -> Amendment:
    return services.amendment_submit(
        amendment=amendment, user=user, expected_version=amendment.version
    )


@pytest.fixture
def world(
    make_edition, users, ngo, ngo_user, other_ngo_user, delegate_user, secretariat_user
) -> SimpleNamespace:
    """A published revision draft with an open window, an adopted edition, an unpublished
    draft; amendments of ``ngo``: submitted (supported by the delegate), a draft, and a
    submitted one on the unpublished edition; a draft of the other NGO; a paper with a
    position linked to a clause of the revision draft and one of the unpublished draft;
    a correspondence between the published editions and one towards the unpublished."""
    revision = make_edition(TEXT, slug="revision-draft")
    open_window(revision)
    adopted = make_edition(ADOPTED_TEXT, slug="og-adopted", status=Edition.Status.ADOPTED)
    hidden = make_edition(
        "1. Private words.\n\n2. More private words.", slug="hidden-draft", published=False
    )
    submitted = submit(file(ngo_user, revision, "para_1"), ngo_user)
    support = services.amendment_support(
        amendment=submitted, user=delegate_user, stance=AmendmentSupport.Stance.SUPPORT
    )
    draft = file(ngo_user, revision, "para_3")
    other_draft = file(other_ngo_user, revision, "para_2")
    hidden_amendment = services.amendment_record(
        proposer=ngo,
        edition=hidden,
        clause=clause_of(hidden, "para_1"),
        operation=Amendment.Operation.REPLACE,
        proposed_text="Public words.",
        justification="",
        reason="test",
    )
    paper = position_services.paper_import(
        text="We say: diversity must be named plainly.",
        organisations=[ngo],
        title="Our paper",
        language="en",
    ).paper
    position = position_services.position_create(
        paper=paper,
        stance="amend",
        summary="Name diversity plainly",
        excerpt="diversity must be named plainly",
        links=[
            (clause_of(revision, "para_1"), "It names diversity."),
            (clause_of(hidden, "para_1"), "A private clause."),
        ],
    )
    correspondence = guideline_services.correspondence_set(
        user=secretariat_user,
        a=adopted,
        b=revision,
        source_eid="para_1",
        target_eid="para_1",
        kind=ClauseCorrespondence.Kind.MODIFIED,
    )
    hidden_correspondence = guideline_services.correspondence_set(
        user=secretariat_user,
        a=revision,
        b=hidden,
        source_eid="para_1",
        target_eid="para_1",
        kind=ClauseCorrespondence.Kind.MODIFIED,
    )
    return SimpleNamespace(
        users=users,
        revision=revision,
        adopted=adopted,
        hidden=hidden,
        submitted=submitted,
        support=support,
        draft=draft,
        other_draft=other_draft,
        hidden_amendment=hidden_amendment,
        paper=paper,
        position=position,
        correspondence=correspondence,
        hidden_correspondence=hidden_correspondence,
        clause=clause_of(revision, "para_1"),
        hidden_clause=clause_of(hidden, "para_1"),
    )


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- reads: every endpoint by every role -----------------------------------------------

ALL = (200, 200, 200, 200, 200, 200)
SECRETARIAT_ONLY = (404, 404, 404, 404, 404, 200)
# fmt: off
READS: list[tuple[str, tuple[int, int, int, int, int, int]]] = [
    # URL                                             anon reader ngo other deleg secr
    ("/api/",                                         ALL),
    ("/api/schema/",                                  ALL),
    ("/api/docs/",                                    ALL),
    ("/api/instruments/",                             ALL),
    ("/api/instruments/test-instrument/",             ALL),
    ("/api/instruments/no-such-instrument/",          (404, 404, 404, 404, 404, 404)),
    ("/api/editions/",                                ALL),
    ("/api/editions/revision-draft/",                 ALL),
    ("/api/editions/og-adopted/",                     ALL),
    ("/api/editions/hidden-draft/",                   SECRETARIAT_ONLY),
    ("/api/clauses/",                                 ALL),
    ("/api/clauses/{clause}/",                        ALL),
    ("/api/clauses/{hidden_clause}/",                 SECRETARIAT_ONLY),
    ("/api/correspondences/",                         ALL),
    ("/api/correspondences/{correspondence}/",        ALL),
    ("/api/correspondences/{hidden_correspondence}/", SECRETARIAT_ONLY),
    ("/api/papers/",                                  ALL),
    ("/api/papers/{paper}/",                          ALL),
    ("/api/positions/",                               ALL),
    ("/api/positions/{position}/",                    ALL),
    ("/api/amendments/",                              ALL),
    ("/api/amendments/{submitted}/",                  ALL),
    # a draft is its organisation's alone, not even the secretariat's
    ("/api/amendments/{draft}/",                      (404, 404, 200, 404, 404, 404)),
    ("/api/amendments/{other_draft}/",                (404, 404, 404, 200, 404, 404)),
    # submitted, but on an unpublished edition: hidden with it, even from its proposer
    ("/api/amendments/{hidden_amendment}/",           SECRETARIAT_ONLY),
    ("/api/amendments/999999/",                       (404, 404, 404, 404, 404, 404)),
    ("/api/supports/",                                ALL),
    ("/api/supports/{support}/",                      ALL),
    ("/api/compare/og-adopted/revision-draft/",       ALL),
    ("/api/compare/revision-draft/hidden-draft/",     SECRETARIAT_ONLY),
    ("/api/compare/hidden-draft/revision-draft/",     SECRETARIAT_ONLY),
    ("/api/compare/revision-draft/no-such-edition/",  (404, 404, 404, 404, 404, 404)),
]
# fmt: on


def test_the_read_matrix_covers_every_role_once():
    assert len(set(ROLES)) == len(ROLES) == len(USERS) + 1
    assert all(len(expected) == len(ROLES) for _url, expected in READS)
    assert len({url for url, _expected in READS}) == len(READS)


def test_the_read_matrix_covers_every_endpoint():
    """Every route of the API is in the matrix (a new endpoint must be added to it)."""
    from config.api_urls import router

    listed = {url.split("/")[2] for url, _expected in READS if url.count("/") > 2}
    assert {prefix for prefix, _viewset, _basename in router.registry} <= listed
    assert {"schema", "docs", "compare"} <= listed


@pytest.mark.parametrize(("url", "expected"), READS, ids=[url for url, _expected in READS])
def test_get(world, url, expected):
    """One row of the matrix: the status each role gets, compared as a whole."""
    path = url.format(
        clause=world.clause.pk,
        hidden_clause=world.hidden_clause.pk,
        correspondence=world.correspondence.pk,
        hidden_correspondence=world.hidden_correspondence.pk,
        paper=world.paper.pk,
        position=world.position.pk,
        submitted=world.submitted.pk,
        draft=world.draft.pk,
        other_draft=world.other_draft.pk,
        hidden_amendment=world.hidden_amendment.pk,
        support=world.support.pk,
    )
    responses = {role: api(world.users[role]).get(path) for role in ROLES}
    got = {role: response.status_code for role, response in responses.items()}
    assert got == dict(zip(ROLES, expected, strict=True)), f"GET {path}"
    for response in responses.values():
        if response.status_code == 404:
            # A refusal says nothing of the object: the same answer as for no object at all.
            assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_what_the_role_may_see(world, role):
    client = api(world.users[role])
    secretariat = role == "secretariat"

    amendments = ids(client.get("/api/amendments/"))
    assert world.submitted.pk in amendments
    assert (world.draft.pk in amendments) is (role == "ngo")
    assert (world.other_draft.pk in amendments) is (role == "other_ngo")
    assert (world.hidden_amendment.pk in amendments) is secretariat

    editions = {e["slug"] for e in client.get("/api/editions/").json()["results"]}
    assert {"revision-draft", "og-adopted"} <= editions
    assert ("hidden-draft" in editions) is secretariat

    clauses = client.get("/api/clauses/?page_size=500").json()["results"]
    assert {c["edition"] for c in clauses} == editions
    assert (world.hidden_clause.pk in {c["id"] for c in clauses}) is secretariat

    correspondences = ids(client.get("/api/correspondences/"))
    assert world.correspondence.pk in correspondences
    assert (world.hidden_correspondence.pk in correspondences) is secretariat

    # Positions are public; their links to a clause of an unpublished edition are not.
    [position] = client.get("/api/positions/").json()["results"]
    linked = {link["edition"] for link in position["links"]}
    assert linked == ({"revision-draft", "hidden-draft"} if secretariat else {"revision-draft"})
    hidden = client.get(f"/api/positions/?clause={world.hidden_clause.pk}")
    assert (world.position.pk in ids(hidden)) is secretariat

    assert ids(client.get("/api/supports/")) == {world.support.pk}


def test_an_amendment_names_organisations_never_people(world):
    body = api().get(f"/api/amendments/{world.submitted.pk}/").json()
    assert body["proposer"] == "Test Coalition"
    assert body["number"] == "A-1"
    assert body["edition"] == "revision-draft"
    assert body["clause"] == "para_1"
    assert not {"created_by", "user", "username", "history_user"} & set(body)
    support = api().get(f"/api/supports/{world.support.pk}/").json()
    assert support == support | {"organisation": "Testland", "stance": "support"}
    assert "user" not in support  # the delegate who recorded it stays unnamed


def test_clause_detail_has_its_history_and_an_etag(world, secretariat_user):
    clause = world.clause
    guideline_services.clause_update(
        clause=clause,
        user=secretariat_user,
        expected_version=clause.version,
        reason="Typo",
        text="Parties recognise the diversity of cultural expressions.",
    )
    response = api().get(f"/api/clauses/{clause.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"clause-{clause.pk}-v2"'
    body = response.json()
    assert body["version"] == 2
    assert [v["version"] for v in body["history"]] == [2, 1]
    assert body["history"][0]["reason"] == "Typo"
    # The organisation that changed it, never the person.
    assert body["history"][0]["organisation"] == "Secretariat of the Convention"


def test_amendment_detail_has_an_etag(world, ngo_user):
    response = api(ngo_user).get(f"/api/amendments/{world.draft.pk}/")
    assert response["ETag"] == f'"amendment-{world.draft.pk}-v{world.draft.version}"'


# --- pagination and filters ------------------------------------------------------------


def test_pages_have_a_count_and_a_next_link(world):
    body = api().get("/api/clauses/?edition=revision-draft&page_size=2").json()
    assert body["count"] == Clause.objects.filter(edition=world.revision).count() == 6
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"] and "page_size=2" in body["next"]
    last = api().get("/api/clauses/?edition=revision-draft&page_size=2&page=3").json()
    assert last["next"] is None and len(last["results"]) == 2
    assert api().get("/api/clauses/?page=99").status_code == 404
    assert api().get("/api/clauses/?page=first").status_code == 404


def test_page_size_is_capped_at_500(make_edition):
    edition = make_edition(synthetic_text(130, subparagraphs=3), slug="long")
    assert edition.clauses.count() > 500
    body = api().get("/api/clauses/?edition=long&page_size=10000").json()
    assert len(body["results"]) == 500
    assert body["count"] == edition.clauses.count()
    assert len(api().get("/api/clauses/?edition=long").json()["results"]) == 50


def test_amendment_filters(world, ngo, ngo_user, secretariat_user):
    client = api(ngo_user)
    assert ids(client.get("/api/amendments/?edition=revision-draft")) == {
        world.submitted.pk,
        world.draft.pk,
    }
    assert ids(client.get("/api/amendments/?status=draft")) == {world.draft.pk}
    assert ids(client.get("/api/amendments/?status=submitted")) == {world.submitted.pk}
    assert ids(client.get(f"/api/amendments/?organisation={ngo.pk}")) == {
        world.submitted.pk,
        world.draft.pk,
    }
    other = Organisation.objects.get(name="Other Federation")
    assert ids(client.get(f"/api/amendments/?organisation={other.pk}")) == set()
    assert ids(client.get("/api/amendments/?clause=para_3")) == {world.draft.pk}
    assert ids(client.get("/api/amendments/?clause=para_1&status=submitted")) == {
        world.submitted.pk
    }
    # The secretariat sees the unpublished edition's amendment, filtered by it.
    assert ids(api(secretariat_user).get("/api/amendments/?edition=hidden-draft")) == {
        world.hidden_amendment.pk
    }


BAD_AMENDMENT_FILTERS = [
    "status=bogus",
    "operation=bogus",
    "organisation=abc",
    "organisation=999999",
    "edition=no-such-edition",
    # an unpublished edition is not a choice: the same answer as for none at all
    "edition=hidden-draft",
    "sort=bogus",
]


def test_a_bad_amendment_filter_is_a_400(world, ngo_user):
    client = api(ngo_user)
    responses = {query: client.get(f"/api/amendments/?{query}") for query in BAD_AMENDMENT_FILTERS}
    assert {q: r.status_code for q, r in responses.items()} == dict.fromkeys(responses, 400)
    for query, response in responses.items():
        assert query.split("=")[0] in response.json(), query


def test_clause_filters(world):
    client = api()
    clauses = client.get("/api/clauses/?edition=revision-draft").json()["results"]
    assert [c["eid"] for c in clauses] == [
        "sec_1",
        "para_1",
        "para_2",
        "para_2-1",
        "sec_2",
        "para_3",
    ]
    sections = client.get("/api/clauses/?edition=revision-draft&kind=section").json()
    assert [c["eid"] for c in sections["results"]] == ["sec_1", "sec_2"]
    assert client.get("/api/clauses/?edition=hidden-draft").json()["count"] == 0
    assert client.get("/api/clauses/?edition=no-such-edition").json()["count"] == 0


def test_edition_filters(world, make_edition):
    make_edition("1. Des mots.", slug="edition-fr", language="fr", instrument="other-instrument")
    client = api()

    def slugs(query: str) -> list[str]:
        response = client.get(f"/api/editions/?{query}")
        assert response.status_code == 200, response.content
        return [e["slug"] for e in response.json()["results"]]

    assert slugs("language=fr") == ["edition-fr"]
    assert slugs("language=en") == ["og-adopted", "revision-draft"]
    assert slugs("instrument=other-instrument") == ["edition-fr"]
    assert slugs("instrument=test-instrument&status=adopted") == ["og-adopted"]
    assert client.get("/api/editions/?status=bogus").status_code == 400


BAD_FILTERS = [
    ("/api/positions/?clause=abc", "clause"),
    ("/api/positions/?clause=1.5", "clause"),
    # past the database's integers: was a 500 on SQLite
    ("/api/positions/?clause=99999999999999999999", "clause"),
    ("/api/positions/?organisation=1.5", "organisation"),  # was taken for organisation 1
    ("/api/positions/?organisation=1e400", "organisation"),
    ("/api/positions/?paper=99999999999999999999", "paper"),
    ("/api/positions/?stance=bogus", "stance"),
    ("/api/supports/?amendment=abc", "amendment"),
    ("/api/supports/?amendment=99999999999999999999", "amendment"),
    ("/api/supports/?stance=bogus", "stance"),
    ("/api/correspondences/?kind=bogus", "kind"),
    ("/api/papers/?language=xx", "language"),
    ("/api/clauses/?kind=bogus", "kind"),
    ("/api/editions/?language=xx", "language"),
]


def test_a_bad_filter_value_is_a_400_not_a_500(world):
    client = api()
    responses = {url: client.get(url) for url, _field in BAD_FILTERS}
    assert {u: r.status_code for u, r in responses.items()} == dict.fromkeys(responses, 400)
    for url, field in BAD_FILTERS:
        assert field in responses[url].json(), url


def test_another_organisations_draft_is_no_choice_of_the_support_filter(world, ngo_user):
    """Filtering supports by a draft the user cannot see answers as for an id that does
    not exist: its existence stays private."""
    client = api(ngo_user)
    for pk in (world.other_draft.pk, 999999):
        response = client.get(f"/api/supports/?amendment={pk}")
        assert response.status_code == 400
        assert "amendment" in response.json()
    own = client.get(f"/api/supports/?amendment={world.submitted.pk}")
    assert ids(own) == {world.support.pk}


def test_position_filters(world, ngo):
    client = api()
    assert ids(client.get(f"/api/positions/?clause={world.clause.pk}")) == {world.position.pk}
    assert ids(client.get(f"/api/positions/?organisation={ngo.pk}")) == {world.position.pk}
    assert ids(client.get("/api/positions/?stance=oppose")) == set()


def test_the_browsable_api_renders_the_amendment_list(world, ngo_user):
    """The HTML form of the list's filters needs the editions the user may read."""
    response = api(ngo_user).get("/api/amendments/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "revision-draft" in response.content.decode()
    assert "hidden-draft" not in response.content.decode()


# --- writes ----------------------------------------------------------------------------

NEW = {
    "edition": "revision-draft",
    "clause": "para_2",
    "operation": "replace",
    "proposed_text": "Parties support digital skills for all.",
    "justification": "Broader.",
}


@pytest.mark.parametrize(
    ("role", "edition", "expected"),
    [
        ("anonymous", "revision-draft", 401),
        ("reader", "revision-draft", 403),
        ("ngo", "revision-draft", 201),
        ("other_ngo", "revision-draft", 201),
        ("delegate", "revision-draft", 201),
        ("secretariat", "revision-draft", 403),
        ("anonymous", "hidden-draft", 401),
        ("reader", "hidden-draft", 404),
        ("ngo", "hidden-draft", 404),
        ("delegate", "hidden-draft", 404),
        ("secretariat", "hidden-draft", 403),
        ("ngo", "no-such-edition", 404),
        ("reader", "og-adopted", 403),
        ("ngo", "og-adopted", 400),
    ],
)
def test_create_a_draft(world, role, edition, expected):
    before = Amendment.objects.count()
    clause = "para_1" if edition != "revision-draft" else NEW["clause"]
    response = api(world.users[role]).post(
        "/api/amendments/", NEW | {"edition": edition, "clause": clause}, format="json"
    )
    assert response.status_code == expected, response.content
    if expected != 201:
        assert Amendment.objects.count() == before
        return
    body = response.json()
    amendment = Amendment.objects.get(pk=body["id"])
    assert amendment.status == S.DRAFT
    assert amendment.proposer == Organisation.objects.get(memberships__user=world.users[role])
    assert body["proposed_text"] == NEW["proposed_text"]
    assert body["base_text"] == clause_of(world.revision, "para_2").text
    assert body["number"] == ""
    assert response["ETag"] == f'"amendment-{amendment.pk}-v1"'
    assert response["Content-Type"] == "application/json"


BAD_DRAFTS: list[tuple[dict[str, str], str, str | None]] = [
    ({"clause": "para_99"}, "clause", "No such clause in this edition."),
    ({"operation": "bogus"}, "operation", None),
    ({"clause": ""}, "clause", None),
    ({"edition": "not a slug!"}, "edition", None),
    ({"proposed_text": ""}, "detail", "Write the text you propose."),
    ({"operation": "insert"}, "detail", None),  # an insertion says where it goes
    (
        {"proposed_text": "Parties support the development of digital skills."},
        "detail",
        "The proposed text is the clause's current text: there is nothing to amend.",
    ),
]


def test_create_with_bad_input_is_a_400_with_messages(world, ngo_user):
    client = api(ngo_user)
    before = Amendment.objects.count()
    for change, field, message in BAD_DRAFTS:
        response = client.post("/api/amendments/", NEW | change, format="json")
        assert response.status_code == 400, (change, response.content)
        messages = response.json()[field]
        assert messages and all(isinstance(m, str) and m for m in messages), change
        if message:
            assert messages == [message]
    assert Amendment.objects.count() == before


def test_create_outside_the_window_is_a_400(world, ngo_user):
    world.revision.amendment_window.delete()
    response = api(ngo_user).post("/api/amendments/", NEW, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Amendment.objects.filter(clause__eid="para_2", proposer__name="Test Coalition")


# Each action on the amendment it is meant for, by every role: (action, amendment,
# body, expected codes for anon, reader, ngo, other_ngo, delegate, secretariat).
# fmt: off
ACTIONS: list[tuple[str, str, dict[str, Any], tuple[int, int, int, int, int, int]]] = [
    ("patch",     "draft",      {"proposed_text": "Parties report yearly."},
                                                     (401, 404, 200, 404, 404, 404)),
    ("patch",     "submitted",  {"proposed_text": "Parties value diversity."},
                                                     (401, 403, 400, 403, 403, 403)),
    ("submit",    "draft",      {},                  (401, 404, 200, 404, 404, 404)),
    ("submit",    "other_draft", {},                 (401, 404, 404, 200, 404, 404)),
    ("withdraw",  "draft",      {"reason": "Never mind."},
                                                     (401, 404, 200, 404, 404, 404)),
    ("withdraw",  "submitted",  {"reason": "Superseded."},
                                                     (401, 403, 200, 403, 403, 403)),
    ("cosign",    "submitted",  {},                  (401, 403, 400, 200, 200, 403)),
    ("cosign",    "draft",      {},                  (401, 404, 400, 404, 404, 404)),
    ("support",   "submitted",  {"stance": "oppose"}, (401, 403, 403, 403, 200, 403)),
    ("support",   "draft",      {"stance": "support"}, (401, 404, 403, 404, 404, 404)),
    ("screen",    "submitted",  {"admissible": True}, (401, 403, 403, 403, 403, 200)),
    ("screen",    "draft",      {"admissible": True}, (401, 404, 403, 404, 404, 404)),
    ("recommend", "submitted",  {"recommendation": "Adopt it.", "outcome": "adopted"},
                                                     (401, 403, 403, 403, 403, 200)),
    ("decide",    "admissible", {"outcome": "adopted", "reason": "Decision 19.IGC 7"},
                                                     (401, 403, 403, 403, 403, 200)),
    ("decide",    "hidden_amendment", {"outcome": "rejected", "reason": "Decision 19.IGC 7"},
                                                     (401, 404, 404, 404, 404, 400)),
]
# fmt: on

OUTCOMES = {
    "patch": lambda a: a.proposed_text == "Parties report yearly.",
    "submit": lambda a: a.status == S.SUBMITTED and a.number == "A-2",
    "withdraw": lambda a: a.status == S.WITHDRAWN,
    "cosign": lambda a: a.cosponsorships.count() == 1,
    "support": lambda a: a.supports.filter(stance="oppose").count() == 1,
    "screen": lambda a: a.status == S.ADMISSIBLE,
    "recommend": lambda a: a.recommendation == "Adopt it." and a.recommended_outcome == "adopted",
    "decide": lambda a: a.status == S.ADOPTED and a.decided_at is not None,
}


def action_url(action: str, amendment: Amendment) -> str:
    if action == "patch":
        return f"/api/amendments/{amendment.pk}/"
    return f"/api/amendments/{amendment.pk}/{action}/"


def send(client: APIClient, action: str, amendment: Amendment, body: dict, **headers: str):
    url = action_url(action, amendment)
    if action == "patch":
        return client.patch(url, body, format="json", headers=headers)
    return client.post(url, body, format="json", headers=headers)


@pytest.fixture
def admissible(world, secretariat_user) -> Amendment:
    return services.amendment_screen(
        amendment=world.submitted, user=secretariat_user, admissible=True, reason=""
    )


@pytest.mark.parametrize(
    ("action", "target", "body", "expected"),
    ACTIONS,
    ids=[f"{action}-{target}" for action, target, _body, _expected in ACTIONS],
)
def test_action(request, world, action, target, body, expected):
    """One row of the matrix: every role tries the action on the same amendment, each
    try rolled back before the next; the statuses are compared as a whole."""
    amendment = (
        request.getfixturevalue("admissible") if target == "admissible" else getattr(world, target)
    )
    before = state(amendment)
    got = {}
    for role in ROLES:
        with transaction.atomic():
            response = send(api(world.users[role]), action, amendment, body)
            got[role] = response.status_code
            if response.status_code == 200:
                fresh = Amendment.objects.get(pk=amendment.pk)
                assert OUTCOMES[action](fresh), f"{role} {action}: answered 200, not done"
                assert response.json()["status"] == fresh.status
                assert response["ETag"] == f'"amendment-{fresh.pk}-v{fresh.version}"'
            else:
                assert state(amendment) == before, f"{role} {action}: refused, yet written"
                assert response.json(), f"{role} {action}: a refusal without a message"
            transaction.set_rollback(True)
    assert got == dict(zip(ROLES, expected, strict=True)), f"{action} {target}"


def test_a_refused_action_says_why(world, ngo_user):
    response = send(api(ngo_user), "cosign", world.submitted, {})
    assert response.status_code == 400
    assert response.json() == {"detail": ["TC proposes A-1: it cannot also co-sign it."]}
    response = send(api(ngo_user), "withdraw", world.submitted, {"reason": ""})
    assert response.status_code == 400
    assert response.json() == {"detail": ["Say why the amendment is withdrawn."]}


def test_patch_changes_only_what_is_sent(world, ngo_user):
    draft = world.draft
    response = send(api(ngo_user), "patch", draft, {"justification": "Clearer."})
    assert response.status_code == 200, response.content
    fresh = Amendment.objects.get(pk=draft.pk)
    assert (fresh.proposed_text, fresh.justification) == (draft.proposed_text, "Clearer.")
    assert fresh.version == draft.version + 1


@pytest.mark.parametrize("role", ROLES)
def test_consolidate(world, admissible, secretariat_user, role):
    services.amendment_decide(
        amendment=admissible, user=secretariat_user, outcome="adopted", reason="Decision"
    )
    expected = {"anonymous": 401, "secretariat": 201}.get(role, 403)
    response = api(world.users[role]).post(
        "/api/editions/revision-draft/consolidate/",
        {"slug": "consolidated", "label": "Consolidated"},
        format="json",
    )
    assert response.status_code == expected, response.content
    created = Edition.objects.filter(slug="consolidated").first()
    if expected != 201:
        assert created is None
        return
    assert created is not None
    assert response.json() == response.json() | {
        "slug": "consolidated",
        "status": "working",
        "based_on": "revision-draft",
        "published": False,
    }
    assert clause_of(created, "para_1").text == "Parties cherish diversity."


@pytest.mark.parametrize(
    ("role", "slug", "body", "expected"),
    [
        ("ngo", "hidden-draft", {"slug": "c", "label": "C"}, 404),
        ("secretariat", "hidden-draft", {"slug": "c", "label": "C"}, 201),
        ("secretariat", "no-such-edition", {"slug": "c", "label": "C"}, 404),
        ("secretariat", "revision-draft", {"slug": "og-adopted", "label": "C"}, 400),
        ("secretariat", "revision-draft", {"slug": "not a slug", "label": "C"}, 400),
        ("secretariat", "revision-draft", {"label": "C"}, 400),
        # an amendment that is not adopted, of another edition, or no amendment at all
        (
            "secretariat",
            "revision-draft",
            {"slug": "c", "label": "C", "amendments": ["{draft}"]},
            400,
        ),
        ("secretariat", "revision-draft", {"slug": "c", "label": "C", "amendments": [999999]}, 400),
        # past the database's integers: was a 500 on SQLite
        ("secretariat", "revision-draft", {"slug": "c", "label": "C", "amendments": [2**70]}, 400),
    ],
)
def test_consolidate_refusals(world, role, slug, body, expected):
    editions = Edition.objects.count()
    if "amendments" in body:
        body = body | {
            "amendments": [world.draft.pk if a == "{draft}" else a for a in body["amendments"]]
        }
    response = api(world.users[role]).post(
        f"/api/editions/{slug}/consolidate/", body, format="json"
    )
    assert response.status_code == expected, response.content
    assert Edition.objects.count() == editions + (expected == 201)


# --- If-Match and ETags --------------------------------------------------------------------


def etag_of(amendment: Amendment, version: int | None = None) -> str:
    return f'"amendment-{amendment.pk}-v{amendment.version if version is None else version}"'


@pytest.mark.parametrize(
    ("action", "target", "body", "user"),
    [
        ("patch", "draft", {"proposed_text": "Parties report yearly."}, "ngo_user"),
        ("submit", "draft", {}, "ngo_user"),
        ("withdraw", "submitted", {"reason": "Superseded."}, "ngo_user"),
        ("cosign", "submitted", {}, "other_ngo_user"),
        ("support", "submitted", {"stance": "support"}, "other_delegate"),
        ("screen", "submitted", {"admissible": True}, "secretariat_user"),
        ("recommend", "submitted", {"recommendation": "Adopt it."}, "secretariat_user"),
        ("decide", "admissible", {"outcome": "rejected", "reason": "Vote"}, "secretariat_user"),
    ],
)
def test_a_stale_if_match_is_a_412_and_nothing_is_written(
    request, world, django_user_model, action, target, body, user
):
    if user == "other_delegate":
        party = Organisation.objects.create(name="Otherland", kind=Organisation.Kind.PARTY)
        actor = member(django_user_model, "other-delegate", party)
    else:
        actor = request.getfixturevalue(user)
    amendment = (
        request.getfixturevalue("admissible") if target == "admissible" else getattr(world, target)
    )
    amendment.refresh_from_db()
    stale = etag_of(amendment, amendment.version - 1 or 99)
    before = state(amendment)
    history = history_count(amendment)
    signatures, supports = CoSponsorship.objects.count(), AmendmentSupport.objects.count()

    response = send(api(actor), action, amendment, body, **{"If-Match": stale})

    assert response.status_code == 412, response.content
    assert response.json()["detail"]
    assert state(amendment) == before
    assert history_count(amendment) == history
    assert (CoSponsorship.objects.count(), AmendmentSupport.objects.count()) == (
        signatures,
        supports,
    )
    # The same write with the current ETag goes through.
    response = send(api(actor), action, amendment, body, **{"If-Match": etag_of(amendment)})
    assert response.status_code == 200, response.content


OTHER_TAGS = [
    '"amendment-{other}-v{version}"',  # another amendment's tag, at the same version
    '"clause-{pk}-v{version}"',  # a clause's tag with this amendment's id
    "amendment-{pk}-v{version}",  # not quoted: not a tag
    '"amendment-{pk}-vX"',
    "garbage",
]


def test_an_if_match_naming_something_else_is_a_412(world, ngo_user):
    draft = world.draft
    before = state(draft)
    for tag in OTHER_TAGS:
        header = tag.format(pk=draft.pk, other=world.submitted.pk, version=draft.version)
        response = send(api(ngo_user), "submit", draft, {}, **{"If-Match": header})
        assert response.status_code == 412, (header, response.content)
        assert state(draft) == before


GOOD_TAGS = [
    None,
    "*",
    '"amendment-{pk}-v{version}"',
    'W/"amendment-{pk}-v{version}"',
    '"amendment-{other}-v1", "amendment-{pk}-v{version}"',
]


def test_a_current_star_or_absent_if_match_proceeds(world, ngo_user):
    draft = world.draft
    for tag in GOOD_TAGS:
        with transaction.atomic():  # each write rolled back before the next
            headers = {}
            if tag is not None:
                headers["If-Match"] = tag.format(
                    pk=draft.pk, other=world.submitted.pk, version=draft.version
                )
            body = {"proposed_text": "Parties report yearly."}
            response = send(api(ngo_user), "patch", draft, body, **headers)
            assert response.status_code == 200, (tag, response.content)
            assert response["ETag"] == etag_of(draft, draft.version + 1)
            assert Amendment.objects.get(pk=draft.pk).proposed_text == "Parties report yearly."
            transaction.set_rollback(True)


def test_the_etag_read_is_the_one_to_send_back(world, ngo_user):
    client = api(ngo_user)
    tag = client.get(f"/api/amendments/{world.draft.pk}/")["ETag"]
    first = send(client, "patch", world.draft, {"proposed_text": "One."}, **{"If-Match": tag})
    assert first.status_code == 200
    # A second writer who read the same version loses, and is told so.
    second = send(client, "patch", world.draft, {"proposed_text": "Two."}, **{"If-Match": tag})
    assert second.status_code == 412
    assert Amendment.objects.get(pk=world.draft.pk).proposed_text == "One."
    third = send(
        client, "patch", world.draft, {"proposed_text": "Two."}, **{"If-Match": first["ETag"]}
    )
    assert third.status_code == 200


# --- authentication -------------------------------------------------------------------------


def test_token_authentication(world, ngo_user):
    token = Token.objects.create(user=ngo_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"/api/amendments/{world.draft.pk}/").status_code == 200
    response = client.post("/api/amendments/", NEW, format="json")
    assert response.status_code == 201, response.content
    assert Amendment.objects.get(pk=response.json()["id"]).created_by == ngo_user


def test_a_bad_token_is_a_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/amendments/").status_code == 401
    response = client.post("/api/amendments/", NEW, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_writes_are_a_401_that_asks_for_a_token(world):
    response = APIClient().post(f"/api/amendments/{world.submitted.pk}/withdraw/", {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_authentication_enforces_csrf(world, ngo_user):
    client = APIClient(enforce_csrf_checks=True)
    assert password_login(client, "ngo", "ngo-pass-123")
    # Reads need no token.
    assert client.get(f"/api/amendments/{world.draft.pk}/").status_code == 200
    before = Amendment.objects.count()
    response = client.post("/api/amendments/", NEW, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Amendment.objects.count() == before
    response = send(client, "submit", world.draft, {})
    assert response.status_code == 403
    assert Amendment.objects.get(pk=world.draft.pk).status == S.DRAFT

    client.get("/accounts/login/")  # a page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post("/api/amendments/", NEW, format="json", headers={"X-CSRFToken": csrf})
    assert response.status_code == 201, response.content


# --- the comparison ----------------------------------------------------------------------


def compare(user, a: str = "og-adopted", b: str = "revision-draft") -> dict[str, Any]:
    response = api(user).get(f"/api/compare/{a}/{b}/")
    assert response.status_code == 200, response.content
    return response.json()


def row_of(body: dict[str, Any], eid: str) -> dict[str, Any]:
    [row] = [row for row in body["rows"] if row["b"] == eid]
    return row


def test_compare_rows_carry_word_operations(world):
    body = compare(None)
    assert (body["a"], body["b"]) == ("og-adopted", "revision-draft")
    assert body["method"] == "stored"
    assert body["word_diff"] is True
    row = row_of(body, "para_1")
    assert row["a"] == ["para_1"]
    assert row["changed"] is True
    assert all(isinstance(op, list) and len(op) == 2 for op in row["ops"])
    assert {op for op, _text in row["ops"]} == {"equal", "delete", "insert"}
    assert ["delete", "diversity"] in row["ops"] and ["insert", "diversité"] in row["ops"]
    # The texts come back from the operations: equal+delete is A, equal+insert is B.
    assert (
        "".join(t for op, t in row["ops"] if op != "insert")
        == clause_of(world.adopted, "para_1").text
    )
    assert "".join(t for op, t in row["ops"] if op != "delete") == world.clause.text


@pytest.mark.parametrize("role", ROLES)
def test_compare_shows_only_the_positions_and_amendments_the_role_may_see(world, role):
    body = compare(world.users[role])
    amendments = {pk for row in body["rows"] for pk in row["amendments"]}
    positions = {pk for row in body["rows"] for pk in row["positions"]}
    assert world.position.pk in row_of(body, "para_1")["positions"]
    assert positions == {world.position.pk}
    assert world.submitted.pk in row_of(body, "para_1")["amendments"]
    assert (world.draft.pk in amendments) is (role == "ngo")
    assert (world.other_draft.pk in amendments) is (role == "other_ngo")
    assert world.hidden_amendment.pk not in amendments


def test_the_comparison_is_never_stale(world, ngo_user, other_ngo_user, secretariat_user):
    """The comparison is cached (as the page's table is), never past a change."""

    def amendments(user) -> set[int]:
        return {pk for row in compare(user)["rows"] for pk in row["amendments"]}

    assert world.draft.pk in amendments(ngo_user)
    assert world.draft.pk not in amendments(other_ngo_user)  # cached per viewer
    submit(world.draft, ngo_user)  # public now
    assert world.draft.pk in amendments(other_ngo_user)
    guideline_services.clause_update(
        clause=world.clause,
        user=secretariat_user,
        expected_version=world.clause.version,
        reason="Typo",
        text="Parties recognise the diversity of cultural expressions.",
    )
    assert row_of(compare(other_ngo_user), "para_1")["changed"] is False


# --- query counts -------------------------------------------------------------------------


def queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


def test_amendment_list_queries_do_not_grow_with_rows(
    world, ngo_user, other_ngo_user, django_assert_max_num_queries
):
    client = api(ngo_user)
    url = "/api/amendments/?page_size=100"
    assert len(client.get(url).json()["results"]) == 2
    few = queries(client, url)
    clauses = list(world.revision.clauses.numbered())
    for n in range(28):
        amendment = submit(
            file(ngo_user, world.revision, clauses[n % len(clauses)].eid, f"Text {n}."), ngo_user
        )
        services.amendment_cosign(amendment=amendment, user=other_ngo_user)
    assert len(client.get(url).json()["results"]) == 30
    assert queries(client, url) == few
    with django_assert_max_num_queries(3):  # count, page, co-sponsors
        client.get(url)


def test_clause_list_queries_do_not_grow_with_rows(make_edition, django_assert_max_num_queries):
    make_edition("## Two\n\n1. One.", slug="two")
    make_edition(
        "\n\n".join(["## Thirty", *(f"{n}. Paragraph {n}." for n in range(1, 30))]),
        slug="thirty",
    )
    client = api()
    assert client.get("/api/clauses/?edition=two").json()["count"] == 2
    assert client.get("/api/clauses/?edition=thirty").json()["count"] == 30
    few = queries(client, "/api/clauses/?edition=two")
    assert queries(client, "/api/clauses/?edition=thirty") == few
    with django_assert_max_num_queries(2):  # count, page
        client.get("/api/clauses/?edition=thirty")
