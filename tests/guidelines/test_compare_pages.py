"""A long comparison is shown a page of rows at a time."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from guidelines import views
from guidelines.models import Edition
from guidelines.synthetic import synthetic_text

pytestmark = pytest.mark.django_db

ROW_ANCHOR = re.compile(r'<tr id="([^"]+)"')


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def pair(make_edition, monkeypatch):
    """26 clauses on each side (2 sections, 6 paragraphs, 18 sub-paragraphs), ten rows a
    page: three pages."""
    monkeypatch.setattr(views, "COMPARE_ROWS_PER_PAGE", 10)
    text = synthetic_text(6, subparagraphs=3, sections_every=3)
    a = make_edition(text, slug="pa", instrument="pages", status=Edition.Status.ADOPTED)
    b = make_edition(text.replace("item 2 of", "point 2 of"), slug="pb", instrument="pages")
    return a, b


def rows_of(response) -> list[str]:
    return ROW_ANCHOR.findall(response.content.decode())


def test_pages_show_every_row_once_and_the_summary_counts_them_all(client, pair):
    pages = [client.get(f"/compare/pa/pb/?page={n}") for n in (1, 2, 3)]

    assert [r.status_code for r in pages] == [200, 200, 200]
    shown = [rows_of(r) for r in pages]
    assert [len(rows) for rows in shown] == [10, 10, 6]
    every = [eid for rows in shown for eid in rows]
    assert len(set(every)) == 26 == len(every)
    assert every == list(pair[1].clauses.in_document_order().values_list("eid", flat=True))
    first = pages[0].content.decode()
    assert "Page 1 of 3" in first and "<strong>6</strong> modified" in first
    assert 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    last = pages[2].content.decode()
    assert "Page 3 of 3" in last and 'rel="next"' not in last
    assert 'href="?page=2" rel="prev"' in last and 'href="?page=1" rel="first"' in last


def test_page_links_keep_the_filters_and_filters_count_pages_of_their_rows(client, pair):
    response = client.get("/compare/pa/pb/?changed=on")
    content = response.content.decode()
    # Six changed rows: one page, no navigation.
    assert len(rows_of(response)) == 6 and "Pages of the comparison" not in content

    response = client.get("/compare/pa/pb/?typography=on&page=2")
    content = response.content.decode()
    assert "Page 2 of 3" in content
    assert 'href="?typography=on&amp;page=3" rel="next"' in content


def test_each_page_is_cached_under_its_own_key(client, pair):
    first = rows_of(client.get("/compare/pa/pb/?page=1"))
    second = rows_of(client.get("/compare/pa/pb/?page=2"))
    assert first != second
    # Warm: both pages come from the cache, each with its own rows.
    assert rows_of(client.get("/compare/pa/pb/?page=1")) == first
    assert rows_of(client.get("/compare/pa/pb/?page=2")) == second


@pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("0", 3), ("-2", 3), ("999", 3)])
def test_a_bad_page_shows_the_first_or_the_last(client, pair, page, shown):
    response = client.get(f"/compare/pa/pb/?page={page}")
    assert response.status_code == 200
    assert f"Page {shown} of 3" in response.content.decode()


def test_short_comparison_has_no_page_navigation(client, make_edition):
    make_edition("1. One.\n\n2. Two.", slug="sa", instrument="short")
    make_edition("1. One.\n\n2. Deux.", slug="sb", instrument="short")
    content = client.get("/compare/sa/sb/").content.decode()
    assert "Pages of the comparison" not in content and 'id="para_2"' in content


def test_private_edition_pages_are_404(client, make_edition, reader_user, pair):
    make_edition("1. Private.", slug="hidden", instrument="pages", published=False)
    assert client.get("/compare/pa/hidden/?page=2").status_code == 404
    client.force_login(reader_user)
    assert client.get("/compare/hidden/pb/?page=2").status_code == 404
