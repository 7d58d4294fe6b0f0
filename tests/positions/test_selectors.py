"""positions_for_clauses (for the clause page) and the paper's segments."""

from __future__ import annotations

import pytest

from positions import selectors, services

pytestmark = pytest.mark.django_db


def test_positions_for_clauses_in_one_query(
    django_assert_num_queries, paper, draft, make_paper, other_ngo
):
    one, two, three = draft.clauses.in_document_order()
    first = services.position_create(
        paper=paper,
        stance="oppose",
        summary="Delete one",
        excerpt="We ask that clause 1 be deleted.",
        links=[(one, "Names clause 1."), (two, "Mentions clause 2.")],
    )
    other = make_paper(other_ngo, text="Je cite « la clause 2 ».", title="Autre", language="fr")
    second = services.position_create(
        paper=other, stance="support", summary="Two", excerpt="« la clause 2 »", links=[(two, "R")]
    )
    services.position_create(paper=paper, stance="concern", summary="G", excerpt="Capacity")
    with django_assert_num_queries(1):
        result = selectors.positions_for_clauses(clause_ids=[one.pk, two.pk, three.pk], user=None)
    assert set(result) == {one.pk, two.pk}
    assert [p.id for p in result[one.pk]] == [first.pk]
    assert [(p.id, p.rationale) for p in result[two.pk]] == [
        (first.pk, "Mentions clause 2."),
        (second.pk, "R"),
    ]
    row = result[two.pk][1]
    assert row.excerpt == "« la clause 2 »"
    assert (row.stance, row.stance_label, row.summary, row.language) == (
        "support",
        "support",
        "Two",
        "fr",
    )
    assert (row.organisation, row.organisation_name, row.paper_title) == (
        "OF",
        other_ngo.name,
        "Autre",
    )
    assert row.url == f"/papers/{other.pk}/#position-{second.pk}"
    with django_assert_num_queries(0):
        assert selectors.positions_for_clauses(clause_ids=[], user=None) == {}


def test_positions_for_clauses_hides_private_editions_from_the_public(
    paper, make_edition, secretariat_user, reader_user
):
    private = make_edition("1. Private.", slug="private", published=False)
    clause = private.clauses.get()
    services.position_create(
        paper=paper, stance="oppose", summary="S", excerpt="Clause", links=[(clause, "R")]
    )
    assert selectors.positions_for_clauses(clause_ids=[clause.pk], user=reader_user) == {}
    assert (
        len(
            selectors.positions_for_clauses(clause_ids=[clause.pk], user=secretariat_user)[
                clause.pk
            ]
        )
        == 1
    )


def test_excerpts_cut_by_the_database_match_python_on_non_ascii_text(make_paper, ngo, draft):
    text = "Élan — œuvre « créée » 😀 ici\u00a0: fin.\nDeuxième ligne."
    paper = make_paper(ngo, text=text, title="Unicode", language="fr")
    clause = draft.clauses.get(eid="para_1")
    for excerpt in ("œuvre « créée » 😀 ici\u00a0: fin.", "😀", "fin.\nDeuxième"):
        services.position_create(
            paper=paper, stance="support", summary="S", excerpt=excerpt, links=[(clause, "R")]
        )
    rows = selectors.positions_for_clauses(clause_ids=[clause.pk], user=None)[clause.pk]
    assert sorted(r.excerpt for r in rows) == sorted(
        ["œuvre « créée » 😀 ici\u00a0: fin.", "😀", "fin.\nDeuxième"]
    )


def test_paper_segments_join_up_to_the_text(paper):
    text = paper.text
    a = services.position_create(paper=paper, stance="oppose", summary="A", excerpt="We ask")
    b = services.position_create(
        paper=paper, stance="oppose", summary="B", excerpt="ask that clause 1"
    )
    c = services.position_create(paper=paper, stance="oppose", summary="C", excerpt="matters.\n")
    positions = selectors.paper_positions(paper=paper, user=None)
    assert [p.id for p in positions] == [a.pk, b.pk, c.pk]
    assert [p.number for p in positions] == [1, 2, 3]
    segments = selectors.paper_segments(text=text, positions=positions)
    assert "".join(s.text for s in segments) == text
    quoted = [(s.text, [p.id for p in s.positions]) for s in segments if s.positions]
    assert quoted == [
        ("We ", [a.pk]),
        ("ask", [a.pk, b.pk]),
        (" that clause 1", [b.pk]),
        ("matters.\n", [c.pk]),
    ]
    assert segments[-1].text == "matters.\n" and segments[-1].ends[0].id == c.pk
    assert selectors.paper_segments(text=text, positions=[]) == [selectors.Segment(text)]
