"""Who may GET which page: every URL of the application by every role, as a table.

The expectations come from DESIGN.md ("Users"), not from the code:
- the public reads published editions, submitted amendments and positions;
- NGO members and delegates file amendments (for their own organisation);
- a draft amendment is private to its organisation: 404 to everyone else, the
  secretariat included, and to anonymous visitors (its existence stays private);
- an unpublished edition is the secretariat's: 404 to everyone else;
- the secretariat edits the clauses of drafts and forks editions; an adopted edition is
  never edited; nobody edits an amendment once submitted (its text is frozen);
- the admin (a superuser) has the secretariat's rights and belongs to no organisation;
- a page that needs a login sends anonymous visitors to log in (``L``, a 302 to the
  login page); a logged-in user without the right gets 403; the API answers anonymous
  writes with 401 (it asks for a token).

Every named URL pattern of the site (the API's included; read from the resolver) has at
least one row, GET or POST: a new URL without its row fails
``test_every_url_pattern_has_a_row``. Adding a row is one line.
"""

# ruff: noqa: E501  (the matrices are tables: one row, one line)
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.urls import resolve

from amendments import services
from amendments.models import Amendment
from guidelines import services as guideline_services
from guidelines.models import ClauseCorrespondence
from positions import services as position_services
from tests.amendments.conftest import TEXT, clause_of, open_window
from tests.security_world import all_rows, inline_code, parse_page
from tests.site_urls import site_names

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reader", "ngo", "other_ngo", "delegate", "secretariat", "admin")
USERS = {
    "anonymous": None,
    "reader": "reader_user",  # logged in, of no organisation
    "ngo": "ngo_user",  # a member of the organisation that proposed the amendments
    "other_ngo": "other_ngo_user",
    "delegate": "delegate_user",
    "secretariat": "secretariat_user",
    "admin": "admin_user",
}

NEW = "/amendments/new/?edition={edition}&clause=para_1"
L = "login"  # a 302 to the login page, and back here afterwards

# fmt: off
MATRIX: list[tuple[str, tuple[int | str, ...]]] = [
    # URL                                        anon reader ngo other deleg secr admin
    ("/",                                        (200, 200, 200, 200, 200, 200, 200)),
    ("/accounts/login/",                         (200, 200, 200, 200, 200, 200, 200)),
    ("/admin/",                                  (L,   L,   L,   L,   L,   L,   200)),
    # the published revision draft, with an open amendment window
    ("/editions/revision-draft/",                (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/revision-draft/para_1/",         (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/revision-draft/para_1/edit/",    (L,   403, 403, 403, 403, 200, 200)),
    ("/editions/revision-draft/fork/",           (L,   403, 403, 403, 403, 200, 200)),
    # an adopted edition: read by all, forked by the secretariat, never edited
    ("/editions/og-adopted/",                    (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/og-adopted/para_1/",             (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/og-adopted/para_1/edit/",        (L,   403, 403, 403, 403, 403, 403)),
    ("/editions/og-adopted/fork/",               (L,   403, 403, 403, 403, 200, 200)),
    # an unpublished edition: the secretariat's alone
    ("/editions/hidden-draft/",                  (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/hidden-draft/para_1/",           (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/hidden-draft/para_1/edit/",      (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/hidden-draft/fork/",             (404, 404, 404, 404, 404, 200, 200)),
    # amendments
    ("/amendments/",                             (200, 200, 200, 200, 200, 200, 200)),
    ("/amendments/preview/",                     (405, 405, 405, 405, 405, 405, 405)),
    (NEW.format(edition="revision-draft"),       (L,   403, 200, 200, 200, 403, 403)),
    (NEW.format(edition="og-adopted"),           (L,   403, 403, 403, 403, 403, 403)),
    (NEW.format(edition="hidden-draft"),         (404, 404, 404, 404, 404, 403, 403)),
    ("/amendments/{submitted}/",                 (200, 200, 200, 200, 200, 200, 200)),
    ("/amendments/{submitted}/edit/",            (L,   403, 403, 403, 403, 403, 403)),
    ("/amendments/{draft}/",                     (404, 404, 200, 404, 404, 404, 404)),
    ("/amendments/{draft}/edit/",                (404, 404, 200, 404, 404, 404, 404)),
    ("/amendments/{submitted}/receipt.json",     (200, 200, 200, 200, 200, 200, 200)),
    ("/amendments/{draft}/receipt.json",         (404, 404, 200, 404, 404, 404, 404)),
    # positions
    ("/positions/",                              (200, 200, 200, 200, 200, 200, 200)),
    ("/papers/{paper}/",                         (200, 200, 200, 200, 200, 200, 200)),
    # accounts
    ("/accounts/logout/",                        (405, 405, 405, 405, 405, 405, 405)),
    ("/accounts/password_change/",               (L,   200, 200, 200, 200, 200, 200)),
    ("/accounts/password_change/done/",          (L,   200, 200, 200, 200, 200, 200)),
    ("/accounts/password_reset/",                (200, 200, 200, 200, 200, 200, 200)),
    ("/accounts/password_reset/done/",           (200, 200, 200, 200, 200, 200, 200)),
    ("/accounts/reset/MQ/set-password/",         (200, 200, 200, 200, 200, 200, 200)),
    ("/accounts/reset/done/",                    (200, 200, 200, 200, 200, 200, 200)),
    ("/i18n/setlang/",                           (302, 302, 302, 302, 302, 302, 302)),
    # two-factor authentication (force_login stands for a login with both factors)
    ("/accounts/two-factor/",                    (L,   200, 200, 200, 200, 200, 200)),
    ("/accounts/two-factor/setup/",              (L,   200, 200, 200, 200, 200, 200)),
    ("/accounts/two-factor/qr.svg",              (L,   404, 404, 404, 404, 404, 404)),
    ("/accounts/two-factor/verify/",             (L,   302, 302, 302, 302, 302, 302)),
    ("/accounts/two-factor/backup-codes/",       (L,   405, 405, 405, 405, 405, 405)),
    ("/accounts/two-factor/disable/",            (L,   405, 405, 405, 405, 405, 405)),
    # following
    ("/follow/",                                 (405, 405, 405, 405, 405, 405, 405)),
    ("/notifications/",                          (L,   200, 200, 200, 200, 200, 200)),
    ("/notifications/read/",                     (405, 405, 405, 405, 405, 405, 405)),
    ("/editions/revision-draft/feed.atom",       (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/hidden-draft/feed.atom",         (404, 404, 404, 404, 404, 200, 200)),
    # the edition's pages and files
    ("/editions/revision-draft/export.md",       (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/revision-draft/export.akn",      (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/hidden-draft/export.json",       (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/revision-draft/export.exe",      (404, 404, 404, 404, 404, 404, 404)),
    ("/editions/revision-draft/window/",         (L,   403, 403, 403, 403, 200, 200)),
    ("/editions/hidden-draft/window/",           (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/revision-draft/what-if/",        (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/hidden-draft/what-if/",          (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/revision-draft/consolidate/",    (L,   403, 403, 403, 403, 200, 200)),
    ("/editions/hidden-draft/consolidate/",      (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/revision-draft/word-amendments/", (L,  403, 200, 200, 200, 403, 403)),
    ("/editions/og-adopted/word-amendments/",    (L,   403, 403, 403, 403, 403, 403)),
    ("/editions/hidden-draft/word-amendments/",  (404, 404, 404, 404, 404, 403, 403)),
    ("/amendments/compilation/revision-draft.csv", (200, 200, 200, 200, 200, 200, 200)),
    ("/amendments/compilation/hidden-draft.json", (404, 404, 404, 404, 404, 200, 200)),
    ("/amendments/{submitted}/withdraw/",        (405, 405, 405, 405, 405, 405, 405)),
    # comparison and search
    ("/compare/og-adopted/revision-draft/",      (200, 200, 200, 200, 200, 200, 200)),
    ("/compare/og-adopted/hidden-draft/",        (404, 404, 404, 404, 404, 200, 200)),
    ("/compare/og-adopted/revision-draft/map/",  (L,   403, 403, 403, 403, 200, 200)),
    ("/compare/og-adopted/hidden-draft/map/",    (404, 404, 404, 404, 404, 200, 200)),
    ("/compare/og-adopted/revision-draft/synoptic.docx", (200, 200, 200, 200, 200, 200, 200)),
    ("/compare/og-adopted/hidden-draft/synoptic.pdf", (404, 404, 404, 404, 404, 200, 200)),
    ("/search/?q=words",                         (200, 200, 200, 200, 200, 200, 200)),
    # organisations
    ("/organisations/",                          (L,   403, 403, 403, 403, 200, 200)),
    ("/organisations/{other_ngo}/accredit/",     (405, 405, 405, 405, 405, 405, 405)),
    ("/organisations/{other_ngo}/invite/",       (405, 405, 405, 405, 405, 405, 405)),
    ("/invitations/not-a-token/",                (404, 404, 404, 404, 404, 404, 404)),
    # the API: reads show what the user may see
    ("/api/",                                    (200, 200, 200, 200, 200, 200, 200)),
    ("/api/schema/",                             (200, 200, 200, 200, 200, 200, 200)),
    ("/api/docs/",                               (200, 200, 200, 200, 200, 200, 200)),
    ("/api/instruments/",                        (200, 200, 200, 200, 200, 200, 200)),
    ("/api/instruments/test-instrument/",        (200, 200, 200, 200, 200, 200, 200)),
    ("/api/editions/",                           (200, 200, 200, 200, 200, 200, 200)),
    ("/api/editions/revision-draft/",            (200, 200, 200, 200, 200, 200, 200)),
    ("/api/editions/hidden-draft/",              (404, 404, 404, 404, 404, 200, 200)),
    ("/api/editions/revision-draft/consolidate/", (405, 405, 405, 405, 405, 405, 405)),
    ("/api/clauses/",                            (200, 200, 200, 200, 200, 200, 200)),
    ("/api/clauses/{clause}/",                   (200, 200, 200, 200, 200, 200, 200)),
    ("/api/clauses/{hidden_clause}/",            (404, 404, 404, 404, 404, 200, 200)),
    ("/api/correspondences/",                    (200, 200, 200, 200, 200, 200, 200)),
    ("/api/correspondences/{correspondence}/",   (200, 200, 200, 200, 200, 200, 200)),
    ("/api/compare/og-adopted/revision-draft/",  (200, 200, 200, 200, 200, 200, 200)),
    ("/api/compare/og-adopted/hidden-draft/",    (404, 404, 404, 404, 404, 200, 200)),
    ("/api/papers/",                             (200, 200, 200, 200, 200, 200, 200)),
    ("/api/papers/{paper}/",                     (200, 200, 200, 200, 200, 200, 200)),
    ("/api/positions/",                          (200, 200, 200, 200, 200, 200, 200)),
    ("/api/positions/{position}/",               (200, 200, 200, 200, 200, 200, 200)),
    ("/api/amendments/",                         (200, 200, 200, 200, 200, 200, 200)),
    ("/api/amendments/{submitted}/",             (200, 200, 200, 200, 200, 200, 200)),
    ("/api/amendments/{draft}/",                 (404, 404, 200, 404, 404, 404, 404)),
    ("/api/amendments/{draft}/submit/",          (405, 405, 405, 405, 405, 405, 405)),
    ("/api/supports/",                           (200, 200, 200, 200, 200, 200, 200)),
    ("/api/supports/{support}/",                 (200, 200, 200, 200, 200, 200, 200)),
]

# Form data of the POST rows.
AMEND = {"operation": "replace", "proposed_text": "Better.", "justification": "Why."}
FILE_ON = {"clause": "para_1", "save": "1", **AMEND}
PREVIEW = {"clause": "para_1", "operation": "replace", "proposed_text": "x"}
CLAUSE = {"text": "New words.", "reason": "Typo.", "version": "1"}
FORK = {"slug": "og-fork", "label": "Fork"}
WINDOW = {"opens_at": "2030-01-01T10:00", "closes_at": "2030-02-01T10:00"}
INVITED = {"username": "x", "password1": "p", "password2": "p"}
CONSOLIDATE = {"slug": "consolidated", "label": "Consolidated"}
API_AMEND = {"edition": "revision-draft", "clause": "para_1", **AMEND}

# POST: (URL, form data, expected per role). The API's rows send JSON.
POSTS: list[tuple[str, dict[str, Any], tuple[int | str, ...]]] = [
    # URL                                   data                          anon reader ngo other deleg secr admin
    ("/accounts/logout/",                   {},                            (302, 302, 302, 302, 302, 302, 302)),
    ("/accounts/login/",                    {"username": "x", "password": "y"}, (200, 200, 200, 200, 200, 200, 200)),
    ("/accounts/password_reset/",           {"email": "x@example.org"},    (302, 302, 302, 302, 302, 302, 302)),
    ("/i18n/setlang/",                      {"language": "fr", "next": "/"}, (302, 302, 302, 302, 302, 302, 302)),
    ("/follow/",                            {"action": "follow", "edition": "revision-draft"}, (L, 302, 302, 302, 302, 302, 302)),
    ("/follow/",                            {"action": "follow", "edition": "hidden-draft"},   (L, 404, 404, 404, 404, 302, 302)),
    ("/follow/",                            {"action": "follow", "amendment": "{draft}"},      (L, 404, 302, 404, 404, 404, 404)),
    ("/notifications/read/",                {},                            (L,   302, 302, 302, 302, 302, 302)),
    ("/accounts/two-factor/disable/",       {"token": "000000"},           (L,   400, 400, 400, 400, 403, 403)),
    ("/accounts/two-factor/backup-codes/",  {},                            (L,   302, 302, 302, 302, 200, 200)),
    ("/amendments/{draft}/receipt.json",    {},                            (405, 405, 405, 405, 405, 405, 405)),
    ("/amendments/preview/",                {"edition": "revision-draft", **PREVIEW}, (200, 200, 200, 200, 200, 200, 200)),
    ("/amendments/preview/",                {"edition": "hidden-draft", **PREVIEW},   (404, 404, 404, 404, 404, 200, 200)),
    (NEW.format(edition="revision-draft"),  {"edition": "revision-draft", **FILE_ON}, (L, 403, 302, 302, 302, 403, 403)),
    (NEW.format(edition="hidden-draft"),    {"edition": "hidden-draft", **FILE_ON},   (404, 404, 404, 404, 404, 403, 403)),
    ("/amendments/{draft}/edit/",           {"version": "1", **AMEND},     (404, 404, 302, 404, 404, 404, 404)),
    ("/amendments/{submitted}/edit/",       {"version": "2", **AMEND},     (L,   403, 403, 403, 403, 403, 403)),
    ("/amendments/{draft}/submit/",         {"version": "1"},              (404, 404, 302, 404, 404, 404, 404)),
    ("/amendments/{submitted}/withdraw/",   {"version": "2", "reason": "Superseded."}, (L, 403, 302, 403, 403, 403, 403)),
    ("/amendments/{submitted}/cosign/",     {},                            (L,   403, 400, 302, 302, 403, 403)),
    ("/amendments/{draft}/cosign/",         {},                            (404, 404, 400, 404, 404, 404, 404)),
    ("/amendments/{submitted}/support/",    {"stance": "support"},         (L,   403, 403, 403, 302, 403, 403)),
    ("/amendments/{submitted}/screen/",     {"admissible": "1", "version": "2"}, (L, 403, 403, 403, 403, 302, 302)),
    ("/amendments/{submitted}/recommend/",  {"recommendation": "Adopt.", "version": "2"}, (L, 403, 403, 403, 403, 302, 302)),
    ("/amendments/{submitted}/decide/",     {"outcome": "adopted", "reason": "IGC", "version": "2"}, (L, 403, 403, 403, 403, 400, 400)),
    ("/amendments/{submitted}/nonsense/",   {},                            (400, 400, 400, 400, 400, 400, 400)),
    ("/editions/revision-draft/para_1/edit/", CLAUSE,                      (L,   403, 403, 403, 403, 302, 302)),
    ("/editions/og-adopted/para_1/edit/",   CLAUSE,                        (L,   403, 403, 403, 403, 403, 403)),
    ("/editions/hidden-draft/para_1/edit/", CLAUSE,                        (404, 404, 404, 404, 404, 302, 302)),
    ("/editions/og-adopted/fork/",          FORK,                          (L,   403, 403, 403, 403, 302, 302)),
    ("/editions/hidden-draft/fork/",        FORK,                          (404, 404, 404, 404, 404, 302, 302)),
    ("/editions/revision-draft/window/",    WINDOW,                        (L,   403, 403, 403, 403, 302, 302)),
    ("/editions/revision-draft/consolidate/", {"create": "1"},             (L,   403, 403, 403, 403, 400, 400)),
    ("/editions/revision-draft/word-amendments/", {},                      (L,   403, 400, 400, 400, 403, 403)),
    ("/compare/og-adopted/revision-draft/map/", {"action": "align"},       (L,   403, 403, 403, 403, 302, 302)),
    ("/organisations/",                     {"name": "New NGO", "kind": "ngo"}, (L, 403, 403, 403, 403, 302, 302)),
    ("/organisations/{other_ngo}/accredit/", {"accredited": "0"},          (L,   403, 403, 403, 403, 302, 302)),
    ("/organisations/{other_ngo}/invite/",  {"email": "new@example.org"},  (L,   403, 403, 403, 403, 302, 302)),
    ("/invitations/not-a-token/",           INVITED,                       (404, 404, 404, 404, 404, 404, 404)),
    # the API (JSON)
    ("/api/amendments/",                    API_AMEND,                     (401, 403, 201, 201, 201, 403, 403)),
    ("/api/amendments/{draft}/submit/",     {},                            (401, 404, 200, 404, 404, 404, 404)),
    ("/api/amendments/{submitted}/withdraw/", {"reason": "Superseded."},   (401, 403, 200, 403, 403, 403, 403)),
    ("/api/amendments/{submitted}/cosign/", {},                            (401, 403, 400, 200, 200, 403, 403)),
    ("/api/amendments/{submitted}/support/", {"stance": "support"},        (401, 403, 403, 403, 200, 403, 403)),
    ("/api/amendments/{submitted}/screen/", {"admissible": True},          (401, 403, 403, 403, 403, 200, 200)),
    ("/api/amendments/{submitted}/recommend/", {"recommendation": "Adopt."}, (401, 403, 403, 403, 403, 200, 200)),
    ("/api/amendments/{submitted}/decide/", {"outcome": "adopted", "reason": "IGC"}, (401, 403, 403, 403, 403, 400, 400)),
    ("/api/editions/revision-draft/consolidate/", CONSOLIDATE,             (401, 403, 403, 403, 403, 201, 201)),
    ("/api/editions/hidden-draft/consolidate/", CONSOLIDATE,               (401, 404, 404, 404, 404, 201, 201)),
]
# fmt: on

CASES = [
    pytest.param(url, role, expected[column], id=f"{role}-{url}")
    for url, expected in MATRIX
    for column, role in enumerate(ROLES)
]


POST_CASES = [
    pytest.param(url, data, role, expected[column], id=f"{role}-POST-{url}-{index}")
    for index, (url, data, expected) in enumerate(POSTS)
    for column, role in enumerate(ROLES)
]


@pytest.fixture
def world(make_edition, ngo, ngo_user, other_ngo, delegate_user) -> dict[str, int]:
    """The objects the URLs name: three editions, a submitted amendment and a draft of
    ``ngo`` on the revision draft, and a paper of ``ngo`` with a position on its clause."""
    revision = make_edition(TEXT, slug="revision-draft")
    open_window(revision)
    adopted = make_edition("1. Adopted words.", slug="og-adopted", status="adopted")
    hidden = make_edition("1. Private words.", slug="hidden-draft", published=False)
    guideline_services.editions_align(a=adopted, b=revision)

    def file(eid: str) -> Amendment:
        return services.amendment_create(
            user=ngo_user,
            edition=revision,
            clause=clause_of(revision, eid),
            operation=Amendment.Operation.REPLACE,
            proposed_text="Parties cherish diversity.",
            justification="Say it better.",
        )

    submitted = services.amendment_submit(
        amendment=file("para_1"), user=ngo_user, expected_version=1
    )
    draft = file("para_3")
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
        links=[(clause_of(revision, "para_1"), "It names diversity.")],
    )
    support = services.amendment_support(amendment=submitted, user=delegate_user, stance="oppose")
    return {
        "submitted": submitted.pk,
        "draft": draft.pk,
        "paper": paper.pk,
        "position": position.pk,
        "other_ngo": other_ngo.pk,
        "clause": clause_of(revision, "para_1").pk,
        "hidden_clause": clause_of(hidden, "para_1").pk,
        "correspondence": ClauseCorrespondence.objects.first().pk,  # type: ignore[union-attr]
        "support": support.pk,
    }


def test_the_matrix_covers_every_role_once():
    assert len(set(ROLES)) == len(ROLES) == len(USERS)
    assert all(len(expected) == len(ROLES) for _url, expected in MATRIX)
    assert all(len(expected) == len(ROLES) for _url, _data, expected in POSTS)
    assert len({url for url, _expected in MATRIX}) == len(MATRIX)


def test_every_url_pattern_has_a_row():
    """Each named pattern of the site and the API, read from the resolver, is reached by
    a row (the admin's own pages are Django's, behind its staff check: one row)."""
    placeholders = dict.fromkeys(
        ["submitted", "draft", "paper", "position", "other_ngo", "clause", "hidden_clause",
         "correspondence", "support"], 1,
    )  # fmt: skip
    urls = [url for url, _ in MATRIX] + [url for url, _data, _ in POSTS]
    covered = {resolve(url.format(**placeholders).split("?")[0]).view_name for url in urls}
    missing = site_names() - covered
    assert missing == set(), f"URL patterns without a row in the matrix: {sorted(missing)}"


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_get(client, request, world, url, role, expected):
    # The users exist for every role, so each row is tested against the same data.
    users = {name: request.getfixturevalue(f) for name, f in USERS.items() if f is not None}
    if role != "anonymous":
        client.force_login(users[role])
    path = url.format(**world)
    response = client.get(path)
    check(response, expected, path, f"{role} GET {path}")
    # Every page of the matrix, as each role sees it, obeys the Content-Security-Policy.
    assert "default-src 'self'" in response["Content-Security-Policy"]
    if response["Content-Type"].startswith("text/html"):
        assert inline_code(parse_page(response.content.decode())) == [], path


def check(response, expected: int | str, path: str, what: str, *, back: bool = True) -> None:
    what = f"{what}: {response.status_code}"
    if expected == L:
        # Sent to log in, and back here afterwards.
        assert response.status_code == 302, what
        login = "/admin/login/" if path.startswith("/admin/") else "/accounts/login/"
        assert response["Location"].startswith(f"{login}?next="), what
        if back and "?" not in path:
            assert response["Location"] == f"{login}?next={quote(path, safe='/')}", what
    else:
        assert response.status_code == expected, what


@pytest.mark.parametrize(("url", "data", "role", "expected"), POST_CASES)
def test_post(client, request, world, url, data, role, expected):
    """Each action by each role; a refusal (4xx, or sent to log in) writes nothing."""
    users = {name: request.getfixturevalue(f) for name, f in USERS.items() if f is not None}
    if role != "anonymous":
        client.force_login(users[role])
    path = url.format(**world)
    data = {key: value.format(**world) if isinstance(value, str) else value
            for key, value in data.items()}  # fmt: skip
    before = all_rows()
    if path.startswith("/api/"):
        response = client.post(path, data, content_type="application/json")
    else:
        response = client.post(path, data)
    # Sent to log in, then back to the page the action was on.
    check(response, expected, path, f"{role} POST {path}", back=False)
    if expected == L or (isinstance(expected, int) and expected >= 400):
        assert all_rows() == before, f"{role} POST {path} was refused but wrote"
