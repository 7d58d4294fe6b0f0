import pytest

from amendments import services
from amendments.models import Amendment
from amendments.tracked_changes import read_marked_up
from guidelines import selectors
from guidelines.wordfiles import read_document, view

pytestmark = pytest.mark.django_db


def adopt(edition, user, secretariat_user, **kw):
    from tests.amendments.conftest import clause_of
    a = services.amendment_create(user=user, edition=edition, clause=clause_of(edition, kw.pop("eid")), justification="j", **kw)
    a = services.amendment_submit(amendment=a, user=user, expected_version=a.version)
    a = services.amendment_screen(amendment=a, user=secretariat_user, admissible=True, reason="")
    return services.amendment_decide(amendment=a, user=secretariat_user, outcome="adopted", reason="d")


def test_explore(edition, window, ngo_user, secretariat_user):
    adopt(edition, ngo_user, secretariat_user, eid="para_1", operation="replace", proposed_text="Parties cherish the diversity of cultural expressions.")
    adopt(edition, ngo_user, secretariat_user, eid="para_2", operation="insert", insert_position="after", proposed_text="Parties cooperate.")
    adopt(edition, ngo_user, secretariat_user, eid="para_3", operation="delete", proposed_text="")
    adopt(edition, ngo_user, secretariat_user, eid="para_2-1", operation="insert", insert_position="before", proposed_text="Before two one.")
    fork, plan = services.edition_consolidate(base=edition, user=secretariat_user, slug="c", label="C")
    print(list(fork.clauses.order_by("order").values_list("eid", "number", "text")))
    data = selectors.edition_tracked_docx(base=edition, edition=fork)
    doc = read_document(data)
    for side in ("old", "new"):
        print(side, [(p.label, p.text) for p in view(doc, side)])
    for c in read_marked_up(data).changes: print(c)
    assert 0
