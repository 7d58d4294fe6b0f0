"""The comparison's cache stamp changes with every change of either edition's clauses.

It reads the latest clause history row of each edition and the edition's count of moves
(clauses moved without a history row), not every clause: each path that writes clauses
must move one or the other.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from guidelines import selectors, services
from guidelines.importing import parse
from guidelines.models import Edition

pytestmark = pytest.mark.django_db

TEXT = "1. One.\n\n2. Two.\n\n3. Three."


@pytest.fixture
def pair(make_edition):
    a = make_edition(TEXT, slug="sa", instrument="stamp", status=Edition.Status.ADOPTED)
    b = make_edition(TEXT, slug="sb", instrument="stamp")
    return a, b


def stamp(a: Edition, b: Edition) -> str:
    a.refresh_from_db()
    b.refresh_from_db()
    return selectors.comparison_stamp(a=a, b=b, user=AnonymousUser())


def test_stamp_is_stable_while_nothing_changes(pair):
    assert stamp(*pair) == stamp(*pair)


def test_edit_insert_and_delete_change_the_stamp(pair, secretariat_user):
    a, b = pair
    seen = {stamp(a, b)}
    clause = b.clauses.get(eid="para_2")
    services.clause_update(
        clause=clause, user=secretariat_user, expected_version=1, reason="r", text="Deux."
    )
    seen.add(stamp(a, b))
    services.clause_insert(
        edition=b, user=secretariat_user, eid="para_4", number="4", kind="paragraph",
        parent_eid=None, text="Four.", reason="r",
    )  # fmt: skip
    seen.add(stamp(a, b))
    services.clause_delete(clause=b.clauses.get(eid="para_4"), user=secretariat_user, reason="r")
    seen.add(stamp(a, b))
    assert len(seen) == 4


def test_a_move_without_a_new_version_changes_the_stamp(pair):
    a, b = pair
    before = stamp(a, b)
    services.clause_reorder(edition=b, eids=["para_3", "para_1", "para_2"])
    moved = stamp(a, b)
    assert moved != before
    assert b.clauses.get(eid="para_3").version == 1  # no new version, no history row
    services.clause_reorder(edition=b, eids=["para_1", "para_2", "para_3"])
    assert stamp(a, b) not in (before, moved)


def test_a_reimport_that_only_moves_clauses_changes_the_stamp(pair):
    a, b = pair
    before = stamp(a, b)
    result = services.edition_import(
        parsed=parse("1. One.\n\n3. Three.\n\n2. Two."),
        instrument_slug="stamp",
        slug="sb",
        label="sb",
        language="en",
        reason="reordered",
    )
    assert result.moved and not result.changed and not result.added
    assert stamp(a, b) != before


def test_the_stamp_reads_each_edition_in_one_lookup(pair, django_assert_num_queries):
    a, b = pair
    # The clauses, the correspondences, amendment history, positions, links.
    with django_assert_num_queries(5):
        selectors.comparison_stamp(a=a, b=b, user=AnonymousUser())
