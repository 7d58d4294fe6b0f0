from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from guidelines.diffing import DiffOp, has_changes, tokenize, word_diff

FRENCH = st.lists(
    st.sampled_from(
        [
            *"abcdeéèêàçœôûïAÉŒ ’'«»\u00a0\u202f.,;:!?-–()0123456789\n",
            *["œuvre", "oeuvre", "l’", "d'", " ", "  ", "créateurs", "e\u0301"],
        ]
    ),
    max_size=60,
).map("".join)


def rebuild(ops: list[DiffOp], keep: str) -> str:
    return "".join(op.text for op in ops if op.op in ("equal", keep))


@given(FRENCH, FRENCH)
def test_diff_reconstructs_both_texts(a, b):
    ops = word_diff(a, b)
    assert rebuild(ops, "delete") == a
    assert rebuild(ops, "insert") == b


@given(st.text(max_size=200), st.text(max_size=200))
def test_diff_reconstructs_any_unicode(a, b):
    ops = word_diff(a, b)
    assert rebuild(ops, "delete") == a
    assert rebuild(ops, "insert") == b


@given(FRENCH)
def test_equal_texts_have_no_changes(a):
    ops = word_diff(a, a)
    assert not has_changes(ops)


def test_changes_are_whole_words():
    ops = word_diff(
        "reconnaître et valoriser le travail des créateurs",
        "reconnaître et protéger le travail des créatrices et créateurs",
    )
    assert ops == [
        DiffOp("equal", "reconnaître et "),
        DiffOp("delete", "valoriser"),
        DiffOp("insert", "protéger"),
        DiffOp("equal", " le travail des "),
        DiffOp("insert", "créatrices et "),
        DiffOp("equal", "créateurs"),
    ]


def test_adjacent_operations_are_merged():
    ops = word_diff("a b c", "x y z")
    assert [op.op for op in ops] == ["delete", "insert"]


def test_tokens_keep_apostrophes_and_accents_apart_from_words():
    assert tokenize("l’œuvre d'art") == ["l", "’", "œuvre", " ", "d", "'", "art"]


def test_many_distinct_tokens_skip_the_surrogate_range():
    words_a = " ".join(f"w{n}" for n in range(60000))
    words_b = words_a.replace("w59999", "changed")
    ops = word_diff(words_a, words_b, timeout=5)
    assert rebuild(ops, "delete") == words_a
    assert rebuild(ops, "insert") == words_b


def test_typography_fold_leaves_only_wording():
    from guidelines.diffing import typography_fold

    a = "la mise en œuvre de l’article\u00a0; « culture » !"
    b = 'la mise en oeuvre de l\'article; "culture"!'
    assert typography_fold(a) == typography_fold(b)
    assert not has_changes(word_diff(typography_fold(a), typography_fold(b)))
    assert has_changes(word_diff(typography_fold(a), typography_fold(b + " nouveau")))


@given(FRENCH, FRENCH)
def test_folded_diff_quotes_the_new_text_exactly(a, b):
    from guidelines.diffing import typography_fold

    ops = word_diff(a, b, fold=typography_fold)
    assert rebuild(ops, "insert") == b


def test_folded_diff_ignores_only_typography():
    from guidelines.diffing import typography_fold

    a = "La mise en œuvre de l’article\u00a0; « la culture »\u00a0!"
    b = 'La mise en oeuvre de l\'article; "la culture"!'
    assert word_diff(a, b, fold=typography_fold) == [DiffOp("equal", b)]
    assert word_diff(a, b + " encore", fold=typography_fold)[-1] == DiffOp("insert", " encore")
