"""The comparison computed a page at a time against the whole table computed as before.

``selectors.compare_editions(page=...)`` diffs and annotates only the page's rows, and
along a fork of stored editions aligns only them (SQL counts, the page read by index).
Whatever the editions, its pages laid end to end must be the old whole table
(``compare_reference.whole_table_comparison``), row for row, with the same summary.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amendments import services as amendment_services
from guidelines import selectors
from guidelines.models import Clause, Edition
from guidelines.selectors import CompareOptions
from tests.amendments.conftest import open_window
from tests.guidelines.compare_reference import whole_table_comparison

pytestmark = pytest.mark.django_db

WORDS = ["the", "parties", "shall", "promote", "access", "to", "diverse", "content", "online"]
PER_PAGE = 3
serial = itertools.count()


def row_signature(row: selectors.CompareRow) -> tuple[Any, ...]:
    return (
        row.anchor,
        row.kind,
        row.changed,
        round(row.score, 3),
        [(op.op, op.text) for op in row.ops],
        [p.id for p in row.positions],
        [m.pk for m in row.amendments],
    )


def windowed_pages(a: Edition, b: Edition, user: Any, options: CompareOptions) -> list[Any]:
    """Every page of the windowed comparison, first to last."""
    first = selectors.compare_editions(a=a, b=b, user=user, options=options, page="1",
                                       per_page=PER_PAGE)  # fmt: skip
    pages = [first]
    for number in range(2, first.pages + 1):
        pages.append(
            selectors.compare_editions(
                a=a, b=b, user=user, options=options, page=str(number), per_page=PER_PAGE
            )
        )
    return pages


def assert_windowed_equals_whole(a: Edition, b: Edition, user: Any, options: CompareOptions):
    whole = whole_table_comparison(a=a, b=b, user=user, options=options)
    pages = windowed_pages(a, b, user, options)
    shown = [row_signature(row) for page in pages for row in page.rows]
    assert shown == [row_signature(row) for row in whole.rows]
    for number, page in enumerate(pages, start=1):
        assert page.page == number
        assert len(page.rows) <= PER_PAGE
        assert page.count == len(whole.rows)
        assert page.summary == whole.summary
        assert page.amendment_summary == whole.amendment_summary
        assert (page.method, page.word_diff) == (whole.method, whole.word_diff)


paragraph_text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)
# What becomes of each of A's paragraphs in B.
fate = st.sampled_from(["keep", "keep", "reword", "typography", "delete", "renumber"])


@st.composite
def edition_pair(draw: st.DrawFn) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(number, text) of A's paragraphs and of B's: kept, reworded, changed in
    typography only, deleted or renumbered, with new paragraphs among them."""
    texts = draw(st.lists(paragraph_text, min_size=0, max_size=7))
    a = [(str(n), f"{text} {n}: end.") for n, text in enumerate(texts, start=1)]
    b: list[tuple[str, str]] = []
    fresh = itertools.count(100)
    for number, text in a:
        if draw(st.booleans()) and draw(st.booleans()):
            b.append((str(next(fresh)), draw(paragraph_text) + " new."))
        what = draw(fate)
        if what == "keep":
            b.append((number, text))
        elif what == "reword":
            b.append((number, draw(paragraph_text) + f" {number}: end."))
        elif what == "typography":
            b.append((number, text.replace(": ", "\u00a0: ").replace(" ", "\u00a0", 1)))
        elif what == "renumber":
            b.append((str(next(fresh)), text))
    if draw(st.booleans()):
        b.append((str(next(fresh)), draw(paragraph_text) + " last."))
    return a, b


def as_markdown(paragraphs: list[tuple[str, str]]) -> str:
    return "\n\n".join(f"{number}. {text}" for number, text in paragraphs) or "1. Only."


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pair=edition_pair(),
    fork=st.booleans(),
    partial=st.booleans(),
    options=st.sampled_from(
        [
            CompareOptions(),
            CompareOptions(),
            CompareOptions(typography=True),
            CompareOptions(typography=True, changed_only=True),
            CompareOptions(changed_only=True),
            CompareOptions(status="draft"),
            CompareOptions(stance="amend"),
        ]
    ),
    annotate=st.lists(st.integers(min_value=0, max_value=12), max_size=3),
)
def test_every_page_laid_end_to_end_is_the_whole_table(
    make_edition, ngo_user, pair, fork, partial, options, annotate
):
    cache.clear()
    n = next(serial)
    text_a, text_b = pair
    a = make_edition(as_markdown(text_a), slug=f"w{n}-a", instrument=f"w{n}",
                     status=Edition.Status.ADOPTED)  # fmt: skip
    b = make_edition(as_markdown(text_b), slug=f"w{n}-b", instrument=f"w{n}")
    Edition.objects.filter(pk=b.pk).update(
        based_on=a if fork else None,
        completeness=Edition.Completeness.PARTIAL if partial else Edition.Completeness.COMPLETE,
    )
    b.refresh_from_db()
    open_window(b)
    clauses = list(b.clauses.in_document_order())
    for index in annotate:
        amendment_services.amendment_create(
            user=ngo_user, edition=b, clause=clauses[index % len(clauses)],
            operation="replace", proposed_text="Other words.", justification="",
        )  # fmt: skip
    for user in (ngo_user, AnonymousUser()):
        assert_windowed_equals_whole(a, b, user, options)


@pytest.fixture
def fork_pair(make_edition):
    """A fork whose draft deletes 2 and 5, rewords 3 and inserts a paragraph after 6."""
    a = make_edition(
        "\n\n".join(f"{n}. Paragraph {n} of the text." for n in range(1, 9)),
        slug="fa", instrument="fork", status=Edition.Status.ADOPTED,
    )  # fmt: skip
    kept = [f"{n}. Paragraph {n} of the text." for n in (1, 4, 6, 7, 8)]
    kept.insert(1, "3. Paragraph 3, reworded.")
    kept.insert(4, "60. A new paragraph.")
    b = make_edition("\n\n".join(kept), slug="fb", instrument="fork")
    Edition.objects.filter(pk=b.pk).update(based_on=a)
    b.refresh_from_db()
    return a, b


def anchors(comparison: selectors.Comparison) -> list[str]:
    return [row.anchor for row in comparison.rows]


def test_fork_pages_cut_the_rows_at_their_boundaries(fork_pair):
    a, b = fork_pair
    user = AnonymousUser()
    whole = anchors(whole_table_comparison(a=a, b=b, user=user))
    # A's 2 stands after 1, A's 5 after 4: B's order, A's deleted clauses where they stood.
    assert whole == ["para_1", "a-para_2", "para_3", "para_4", "a-para_5", "para_6",
                     "para_60", "para_7", "para_8"]  # fmt: skip
    for size in (1, 2, 4, 9, 10):
        pages = [
            selectors.compare_editions(a=a, b=b, user=user, page=str(n), per_page=size)
            for n in range(1, -(-len(whole) // size) + 1)
        ]
        assert [anchor for page in pages for anchor in anchors(page)] == whole
        assert {page.pages for page in pages} == {-(-len(whole) // size)}
    # A page past the last is the last, a bad one the first (as Paginator.get_page).
    last = selectors.compare_editions(a=a, b=b, user=user, page="99", per_page=4)
    assert (last.page, anchors(last)) == (3, ["para_8"])
    bad = selectors.compare_editions(a=a, b=b, user=user, page="x", per_page=4)
    assert (bad.page, anchors(bad)) == (1, whole[:4])
    summary = selectors.compare_editions(a=a, b=b, user=user, page="1", per_page=2).summary
    assert summary == {"same": 5, "modified": 1, "new": 1, "deleted": 2}


def test_fork_deleting_its_first_clauses_puts_them_first(make_edition):
    a = make_edition("1. One.\n\n2. Two.\n\n3. Three.", slug="ha", instrument="head",
                     status=Edition.Status.ADOPTED)  # fmt: skip
    b = make_edition("3. Three.\n\n4. Four.", slug="hb", instrument="head")
    Edition.objects.filter(pk=b.pk).update(based_on=a)
    b.refresh_from_db()
    pages = [
        selectors.compare_editions(a=a, b=b, user=AnonymousUser(), page=str(n), per_page=1)
        for n in (1, 2, 3, 4)
    ]
    assert [anchors(p) for p in pages] == [["a-para_1"], ["a-para_2"], ["para_3"], ["para_4"]]


def test_fork_with_no_pair_at_all_puts_a_after_b(make_edition):
    a = make_edition("1. One.", slug="na", instrument="none", status=Edition.Status.ADOPTED)
    b = make_edition("7. Seven.", slug="nb", instrument="none")
    Edition.objects.filter(pk=b.pk).update(based_on=a)
    b.refresh_from_db()
    page = selectors.compare_editions(a=a, b=b, user=AnonymousUser(), page="1", per_page=5)
    assert anchors(page) == ["para_7", "a-para_1"]
    assert anchors(page) == anchors(whole_table_comparison(a=a, b=b, user=AnonymousUser()))


def test_fork_page_reads_a_fixed_number_of_queries_whatever_the_size(
    make_edition, django_assert_num_queries
):
    counts = []
    for size in (10, 200):
        text = "\n\n".join(f"{n}. Paragraph {n}." for n in range(1, size + 1))
        a = make_edition(text, slug=f"qa{size}", instrument=f"q{size}",
                         status=Edition.Status.ADOPTED)  # fmt: skip
        b = make_edition(text.replace("Paragraph 3.", "Paragraph three.").replace(
            "\n\n5. Paragraph 5.", ""), slug=f"qb{size}", instrument=f"q{size}")  # fmt: skip
        Edition.objects.filter(pk=b.pk).update(based_on=a)
        b.refresh_from_db()
        # The stored-correspondence check, the summary, A's missing clauses, their rows'
        # ranks in B, the page's B orders, its B clauses, its A clauses, its positions, its
        # amendments, the amendments' count: ten, at any length.
        with django_assert_num_queries(10) as captured:
            page = selectors.compare_editions(a=a, b=b, user=AnonymousUser(), page="1",
                                              per_page=5)  # fmt: skip
        counts.append(len(captured.captured_queries))
        assert len(page.rows) == 5 and page.method == "eid"
    assert counts[0] == counts[1]


def test_a_row_changed_only_by_typography_is_unchanged_once_folded(make_edition):
    a = make_edition("1. Access to content: online.", slug="ta", instrument="typo",
                     status=Edition.Status.ADOPTED)  # fmt: skip
    b = make_edition("1. Access to\u00a0content : online.", slug="tb", instrument="typo")
    plain = selectors.compare_editions(a=a, b=b, user=AnonymousUser(), page="1")
    folded = selectors.compare_editions(
        a=a, b=b, user=AnonymousUser(), page="1", options=CompareOptions(typography=True)
    )
    assert plain.summary == {"modified": 1} and plain.rows[0].changed
    assert folded.summary == {"same": 1} and not folded.rows[0].changed
    assert Clause.objects.filter(edition=b).count() == 1
