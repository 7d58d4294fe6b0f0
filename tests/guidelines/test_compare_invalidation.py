"""What a write re-renders of the comparison page, and that no page is ever stale.

The text cells of a page are cached under the stamp of the texts alone; its notes are
read for the page's clauses on every request. A submission changes one row's notes and
the summary, and re-renders no text cell; an edit of a clause re-renders its page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from amendments import services as amendment_services
from amendments.models import Amendment
from guidelines import selectors, services, views
from guidelines.models import Clause, Edition
from guidelines.selectors import CompareOptions
from guidelines.synthetic import synthetic_text
from positions import services as position_services
from tests.amendments.conftest import open_window
from tests.guidelines.compare_reference import whole_table_comparison
from tests.guidelines.test_compare import file, paper_with, submit

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr id="([^"]+)"[^>]*>(.*?)</tr>', re.S)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture(params=[True, False], ids=["fork", "text"])
def pair(request, make_edition, monkeypatch):
    """26 clauses on each side, ten rows a page: three pages; B forked from A or not
    (matched by eid in a window, or by words over the whole editions)."""
    monkeypatch.setattr(views, "COMPARE_ROWS_PER_PAGE", 10)
    text = synthetic_text(6, subparagraphs=3, sections_every=3)
    a = make_edition(text, slug="ia", instrument="inval", status=Edition.Status.ADOPTED)
    b = make_edition(text.replace("item 2 of", "point 2 of"), slug="ib", instrument="inval")
    if request.param:
        Edition.objects.filter(pk=b.pk).update(based_on=a)
        b.refresh_from_db()
    open_window(b)
    return a, b


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def page(client, number: int, query: str = "") -> str:
    response = client.get(f"/compare/ia/ib/?page={number}{query}")
    assert response.status_code == 200
    return without_csrf(response.content.decode())


def rows(html: str) -> dict[str, str]:
    return dict(ROW.findall(html))


def fresh(client, number: int, query: str = "") -> str:
    """The page computed from nothing cached: what a never-stale page must show."""
    cache.clear()
    return page(client, number, query)


def test_a_submission_changes_that_rows_notes_and_the_summary_only(
    client, pair, ngo_user, monkeypatch
):
    _a, b = pair
    client.force_login(ngo_user)
    before = [page(client, n) for n in (1, 2, 3)]
    target = "para_5-3"  # on the third page
    assert target in rows(before[2])
    submit(file(ngo_user, b, target), ngo_user)

    # Warm text cells: nothing is aligned, diffed or rendered again for the texts.
    def refuse(**kwargs):
        raise AssertionError("the text cells were computed again")

    monkeypatch.setattr(selectors, "compare_editions", refuse)
    read: list[Any] = []
    real_notes = selectors.comparison_notes

    def notes_spy(*, rows, **kwargs):
        read.extend(rows)
        return real_notes(rows=rows, **kwargs)

    monkeypatch.setattr(selectors, "comparison_notes", notes_spy)
    after = [page(client, n) for n in (1, 2, 3)]
    # Only the row that shows the amended clause had its notes read and rendered again.
    [(_a_ids, b_id)] = read
    assert Clause.objects.get(pk=b_id).eid == target
    for n in (0, 1):
        assert rows(after[n]) == rows(before[n])  # no note of theirs changed
    changed = [eid for eid, html in rows(after[2]).items() if html != rows(before[2])[eid]]
    assert changed == [target]
    assert 'class="note-amendment"' in rows(after[2])[target]
    for html in after:
        assert "<strong>1</strong> amendments submitted" in html
    monkeypatch.undo()
    monkeypatch.setattr(views, "COMPARE_ROWS_PER_PAGE", 10)
    assert after == [fresh(client, n) for n in (1, 2, 3)]


def test_a_withdrawal_and_a_new_position_are_never_stale(client, pair, ngo_user, ngo):
    _a, b = pair
    amendment = submit(file(ngo_user, b, "para_1-1"), ngo_user)
    page(client, 1)  # warm
    amendment_services.amendment_withdraw(
        amendment=Amendment.objects.get(pk=amendment.pk), user=ngo_user,
        expected_version=Amendment.objects.get(pk=amendment.pk).version, reason="test",
    )  # fmt: skip
    paper = paper_with(ngo, "On paragraph 2.")
    position_services.position_create(
        paper=paper, stance="support", summary="Keep it", excerpt="On paragraph 2.",
        links=[(Clause.objects.get(edition=b, eid="para_2"), "B")],
    )  # fmt: skip
    warm = page(client, 1)
    assert 'class="note-position"' in rows(warm)["para_2"]
    assert "amendments withdrawn" in warm
    assert warm == fresh(client, 1)


def test_an_edited_clause_rerenders_its_page(client, pair, secretariat_user):
    _a, b = pair
    page(client, 1)
    clause = Clause.objects.get(edition=b, eid="para_1-1")
    services.clause_update(
        clause=clause, user=secretariat_user, expected_version=clause.version,
        reason="test", text="Entirely different words here.",
    )  # fmt: skip
    warm = page(client, 1)
    assert "Entirely different words here." in rows(warm)["para_1-1"]
    assert warm == fresh(client, 1)


@pytest.mark.parametrize("query", ["&changed=on", "&status=submitted", "&organisation="])
def test_filters_work_across_pages(client, pair, ngo_user, ngo, monkeypatch, query):
    a, b = pair
    monkeypatch.setattr(views, "COMPARE_ROWS_PER_PAGE", 2)
    for eid in ("para_1", "para_3-2", "para_5", "para_6-3", "para_6"):
        submit(file(ngo_user, b, eid), ngo_user)
    options = {
        "&changed=on": CompareOptions(changed_only=True),
        "&status=submitted": CompareOptions(status="submitted"),
        "&organisation=": CompareOptions(organisation=ngo.pk),
    }[query]
    if query == "&organisation=":
        query += str(ngo.pk)
    expected = [
        row.anchor for row in whole_table_comparison(a=a, b=b, user=ngo_user, options=options).rows
    ]
    assert len(expected) > 2  # more than one page
    shown: list[str] = []
    for number in range(1, -(-len(expected) // 2) + 1):
        html = page(client, number, query)
        assert f"Page {number} of {-(-len(expected) // 2)}" in html
        shown += list(rows(html))
    assert shown == expected


def api_page(url: str, status: int = 200):
    response = APIClient().get(url)
    assert response.status_code == status, response.content
    return response.json()


def test_api_compare_is_paginated_like_the_other_lists(pair):
    _a, b = pair
    first = api_page("/api/compare/ia/ib/?page_size=10")
    assert first["count"] == 26 and len(first["rows"]) == 10
    assert first["previous"] is None
    assert first["next"].endswith("/api/compare/ia/ib/?page=2&page_size=10")
    second = api_page(first["next"])
    assert second["previous"].endswith("/api/compare/ia/ib/?page_size=10")
    third = api_page(second["next"])
    assert third["next"] is None and len(third["rows"]) == 6
    assert third["previous"].endswith("page=2&page_size=10")
    every = [row["b"] for body in (first, second, third) for row in body["rows"]]
    assert every == list(b.clauses.in_document_order().values_list("eid", flat=True))
    assert first["summary"] == third["summary"] == {"same": 20, "modified": 6}
    # The default page size is the other lists' (50): one page here.
    assert len(api_page("/api/compare/ia/ib/")["rows"]) == 26


@pytest.mark.parametrize("bad", ["0", "4", "-1", "x", "1.5", "9" * 20])
def test_api_compare_refuses_a_page_that_is_not_one_of_its_pages(pair, bad):
    body = api_page(f"/api/compare/ia/ib/?page={bad}&page_size=10", status=404)
    assert body == {"detail": "Invalid page."}


def test_api_compare_of_a_private_edition_is_404_on_every_page(pair, make_edition):
    make_edition("1. Private.", slug="hidden", instrument="inval", published=False)
    api_page("/api/compare/ia/hidden/?page=2", status=404)
