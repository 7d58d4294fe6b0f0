"""Alignment proposals, on small editions of their own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from guidelines.aligning import AlignItem, align_by_eid, align_by_text

A_TEXTS = {
    1: ("1", "The Parties shall support artists and creators in the digital environment."),
    2: ("2", "The Parties shall promote fair remuneration of artists and rights holders."),
    3: ("3", "Civil society shall be consulted at every stage of the process."),
    4: ("4", "Public institutions shall offer online access to diverse cultural expressions."),
}


def items(texts: dict[int, tuple[str, str]], offset: int = 0) -> list[AlignItem]:
    return [
        AlignItem(key + offset, f"para_{number}", number, "paragraph", text)
        for key, (number, text) in texts.items()
    ]


def kinds(matches, offset=100):
    return {
        (m.source, m.target - offset if m.target is not None else None): m.kind for m in matches
    }


def test_identical_text_same_number_is_same_and_other_number_is_renumbered():
    b = {1: ("1", A_TEXTS[1][1]), 2: ("3", A_TEXTS[2][1])}
    result = kinds(align_by_text(items(A_TEXTS), items(b, 100)))
    assert result[(1, 1)] == "same"
    assert result[(2, 2)] == "renumbered"
    assert result[(3, None)] == "deleted"
    assert result[(4, None)] == "deleted"


def test_small_change_is_modified_with_a_score():
    b = {1: ("1", A_TEXTS[1][1].replace("support", "protect"))}
    matches = align_by_text(items(A_TEXTS), items(b, 100))
    modified = next(m for m in matches if m.target == 101)
    assert (modified.source, modified.kind) == (1, "modified")
    assert 0.8 < modified.score < 1.0


def test_unrelated_text_is_new():
    b = {1: ("1", "Generative models require transparency obligations for deployers.")}
    result = kinds(align_by_text(items(A_TEXTS), items(b, 100)))
    assert result[(None, 1)] == "new"
    assert sorted(k for k, v in result.items() if v == "deleted") == [
        (1, None),
        (2, None),
        (3, None),
        (4, None),
    ]


def test_split_one_clause_into_two():
    b = {
        1: ("1", "The Parties shall support artists and creators."),
        2: ("2", "in the digital environment the Parties shall support creators."),
    }
    a = {1: A_TEXTS[1]}
    result = kinds(align_by_text(items(a), items(b, 100)))
    assert result == {(1, 1): "split", (1, 2): "split"}


def test_merge_two_clauses_into_one():
    a = {1: A_TEXTS[1], 2: A_TEXTS[2]}
    b = {1: ("1", A_TEXTS[1][1] + " " + A_TEXTS[2][1])}
    result = kinds(align_by_text(items(a), items(b, 100)))
    assert result == {(1, 1): "merged", (2, 1): "merged"}


def test_headings_match_only_headings():
    a = [AlignItem(1, "sec_1", "", "section", "Role of civil society")]
    b = [AlignItem(101, "para_1", "1", "paragraph", "Role of civil society")]
    result = kinds(align_by_text(a, b))
    assert result == {(1, None): "deleted", (None, 1): "new"}


def test_accents_and_case_do_not_hide_a_match():
    a = [AlignItem(1, "para_1", "1", "paragraph", "Les œuvres créées par les artistes")]
    b = [AlignItem(101, "para_1", "1", "paragraph", "les OEUVRES creees par les artistes")]
    assert kinds(align_by_text(a, b)) == {(1, 1): "modified"}


def test_fork_matches_by_eid():
    a = items(A_TEXTS)
    b = [
        AlignItem(101, "para_1", "1", "paragraph", A_TEXTS[1][1]),
        AlignItem(102, "para_2", "2", "paragraph", "Entirely rewritten."),
        AlignItem(103, "para_3", "3bis", "paragraph", A_TEXTS[3][1]),
        AlignItem(105, "para_5", "5", "paragraph", "A new paragraph."),
    ]
    result = kinds(align_by_eid(a, b))
    assert result == {
        (1, 1): "same",
        (2, 2): "modified",
        (3, 3): "renumbered",
        (None, 5): "new",
        (4, None): "deleted",
    }


SENTENCES = st.lists(
    st.sampled_from(["art", "culture", "digital", "Parties", "support", "les", "œuvres", "AI"]),
    min_size=1,
    max_size=8,
).map(" ".join)


@given(st.lists(SENTENCES, max_size=8), st.lists(SENTENCES, max_size=8))
def test_every_clause_is_accounted_for(texts_a, texts_b):
    a = [AlignItem(i, f"a{i}", str(i), "paragraph", t) for i, t in enumerate(texts_a)]
    b = [AlignItem(100 + i, f"b{i}", str(i), "paragraph", t) for i, t in enumerate(texts_b)]
    matches = align_by_text(a, b)
    assert {m.source for m in matches if m.source is not None} == {x.key for x in a}
    assert {m.target for m in matches if m.target is not None} == {x.key for x in b}
    one_to_one = [m for m in matches if m.kind in ("same", "modified", "renumbered")]
    assert len({m.source for m in one_to_one}) == len(one_to_one)
    assert len({m.target for m in one_to_one}) == len(one_to_one)
