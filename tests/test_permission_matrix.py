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
- a page that needs a login sends anonymous visitors to log in (302); a logged-in user
  without the right gets 403.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from amendments import services
from amendments.models import Amendment
from positions import services as position_services
from tests.amendments.conftest import TEXT, clause_of, open_window

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

# fmt: off
MATRIX: list[tuple[str, tuple[int, int, int, int, int, int, int]]] = [
    # URL                                        anon reader ngo other deleg secr admin
    ("/",                                        (200, 200, 200, 200, 200, 200, 200)),
    ("/accounts/login/",                         (200, 200, 200, 200, 200, 200, 200)),
    ("/admin/",                                  (302, 302, 302, 302, 302, 302, 200)),
    # the published revision draft, with an open amendment window
    ("/editions/revision-draft/",                (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/revision-draft/para_1/",         (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/revision-draft/para_1/edit/",    (302, 403, 403, 403, 403, 200, 200)),
    ("/editions/revision-draft/fork/",           (302, 403, 403, 403, 403, 200, 200)),
    # an adopted edition: read by all, forked by the secretariat, never edited
    ("/editions/og-adopted/",                    (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/og-adopted/para_1/",             (200, 200, 200, 200, 200, 200, 200)),
    ("/editions/og-adopted/para_1/edit/",        (302, 403, 403, 403, 403, 403, 403)),
    ("/editions/og-adopted/fork/",               (302, 403, 403, 403, 403, 200, 200)),
    # an unpublished edition: the secretariat's alone
    ("/editions/hidden-draft/",                  (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/hidden-draft/para_1/",           (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/hidden-draft/para_1/edit/",      (404, 404, 404, 404, 404, 200, 200)),
    ("/editions/hidden-draft/fork/",             (404, 404, 404, 404, 404, 200, 200)),
    # amendments
    ("/amendments/",                             (200, 200, 200, 200, 200, 200, 200)),
    ("/amendments/preview/",                     (405, 405, 405, 405, 405, 405, 405)),
    (NEW.format(edition="revision-draft"),       (302, 403, 200, 200, 200, 403, 403)),
    (NEW.format(edition="og-adopted"),           (302, 403, 403, 403, 403, 403, 403)),
    (NEW.format(edition="hidden-draft"),         (404, 404, 404, 404, 404, 403, 403)),
    ("/amendments/{submitted}/",                 (200, 200, 200, 200, 200, 200, 200)),
    ("/amendments/{submitted}/edit/",            (302, 403, 403, 403, 403, 403, 403)),
    ("/amendments/{draft}/",                     (404, 404, 200, 404, 404, 404, 404)),
    ("/amendments/{draft}/edit/",                (404, 404, 200, 404, 404, 404, 404)),
    # positions
    ("/positions/",                              (200, 200, 200, 200, 200, 200, 200)),
    ("/papers/{paper}/",                         (200, 200, 200, 200, 200, 200, 200)),
]
# fmt: on

CASES = [
    pytest.param(url, role, expected[column], id=f"{role}-{url}")
    for url, expected in MATRIX
    for column, role in enumerate(ROLES)
]


@pytest.fixture
def world(make_edition, ngo, ngo_user) -> dict[str, int]:
    """The objects the URLs name: three editions, a submitted amendment and a draft of
    ``ngo`` on the revision draft, and a paper of ``ngo`` with a position on its clause."""
    revision = make_edition(TEXT, slug="revision-draft")
    open_window(revision)
    make_edition("1. Adopted words.", slug="og-adopted", status="adopted")
    make_edition("1. Private words.", slug="hidden-draft", published=False)

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
    position_services.position_create(
        paper=paper,
        stance="amend",
        summary="Name diversity plainly",
        excerpt="diversity must be named plainly",
        links=[(clause_of(revision, "para_1"), "It names diversity.")],
    )
    return {"submitted": submitted.pk, "draft": draft.pk, "paper": paper.pk}


def test_the_matrix_covers_every_role_once():
    assert len(set(ROLES)) == len(ROLES) == len(USERS)
    assert all(len(expected) == len(ROLES) for _url, expected in MATRIX)
    assert len({url for url, _expected in MATRIX}) == len(MATRIX)


@pytest.mark.parametrize(("url", "role", "expected"), CASES)
def test_get(client, request, world, url, role, expected):
    # The users exist for every role, so each row is tested against the same data.
    users = {name: request.getfixturevalue(f) for name, f in USERS.items() if f is not None}
    if role != "anonymous":
        client.force_login(users[role])
    path = url.format(**world)
    response = client.get(path)
    assert response.status_code == expected, f"{role} GET {path}"
    if expected == 302:
        # Sent to log in, and back here afterwards.
        login = "/admin/login/" if path.startswith("/admin/") else "/accounts/login/"
        assert response["Location"] == f"{login}?next={quote(path, safe='/')}"
