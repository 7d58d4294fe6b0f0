"""Word diffs are cached by the pair of text hashes."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from guidelines import selectors
from guidelines.diffing import DiffOp


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_warm_batch_does_no_diff_work(monkeypatch):
    pairs = [("a b c", "a x c"), ("same", "same"), ("one", "two")]
    cold = selectors.word_diffs(pairs)
    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        return []

    monkeypatch.setattr(selectors, "word_diff", spy)
    assert selectors.word_diffs(pairs) == cold
    assert calls == []


def test_equal_texts_skip_the_diff_and_the_cache(monkeypatch):
    monkeypatch.setattr(selectors, "word_diff", lambda *a, **k: pytest.fail("diffed"))
    assert selectors.word_diffs([("x y", "x y"), ("", "")]) == [[DiffOp("equal", "x y")], []]


def test_a_changed_text_is_diffed_again_and_the_others_stay_cached(monkeypatch):
    selectors.word_diffs([("a b", "a c"), ("d e", "d f")])
    calls = []
    real = selectors.word_diff

    def spy(a, b, **kwargs):
        calls.append((a, b))
        return real(a, b, **kwargs)

    monkeypatch.setattr(selectors, "word_diff", spy)
    selectors.word_diffs([("a b", "a c"), ("d e", "d g")])
    assert calls == [("d e", "d g")]
