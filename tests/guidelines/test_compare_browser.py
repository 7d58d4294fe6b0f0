"""The comparison's projector view in a real browser (Debian's chromium, Playwright)."""

from __future__ import annotations

import pytest

from guidelines.models import Edition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT_A = (
    "1. Parties support artists and creators.\n\n"
    "2. Remuneration shall be fair and transparent.\n\n"
    "3. The secretariat keeps a register of reports.\n"
)
TEXT_B = (
    "1. Parties support artists and creators.\n\n"
    "2. Remuneration shall be fair, transparent and timely.\n\n"
    "3. Generative models need transparency obligations.\n"
)
# B's order; A's 3 (deleted) stands where it stood, after the row of A's 2.
ROWS = ["para_1", "para_2", "a-para_3", "para_3"]
URL = "/compare/a/b/?mode=projector"


@pytest.fixture
def editions(make_edition) -> tuple[Edition, Edition]:
    return make_edition(TEXT_A, slug="a"), make_edition(TEXT_B, slug="b")


def visible_rows(page) -> list[str]:
    return [slide.get_attribute("id") or "" for slide in page.locator(".slide:visible").all()]


def hash_of(page) -> str:
    return page.evaluate("location.hash")


def test_projector_shows_one_row_at_a_time_moved_by_the_keyboard(page, editions):
    page.goto(URL)
    page.locator(".projector.one-at-a-time").wait_for(state="attached")
    assert page.locator(".slide").count() == len(ROWS)
    assert visible_rows(page) == ["para_1"]
    assert hash_of(page) == "#para_1"
    for expected in ROWS[1:]:
        page.keyboard.press("ArrowRight")
        assert visible_rows(page) == [expected]
        assert hash_of(page) == f"#{expected}"
    page.keyboard.press("ArrowRight")  # the last row stays
    assert visible_rows(page) == [ROWS[-1]]
    page.keyboard.press("ArrowLeft")
    assert visible_rows(page) == [ROWS[-2]]
    assert hash_of(page) == f"#{ROWS[-2]}"
    page.keyboard.press("Home")
    assert visible_rows(page) == [ROWS[0]]
    page.keyboard.press("ArrowLeft")  # the first row stays
    assert visible_rows(page) == [ROWS[0]]
    page.keyboard.press("End")
    assert visible_rows(page) == [ROWS[-1]]
    assert hash_of(page) == f"#{ROWS[-1]}"
    assert "Generative models" in page.locator(".slide:visible").inner_text()


def test_projector_opens_at_the_row_in_the_link(page, editions):
    page.goto(f"{URL}#a-para_3")
    page.locator(".projector.one-at-a-time").wait_for(state="attached")
    assert visible_rows(page) == ["a-para_3"]
    assert "keeps a register" in page.locator(".slide:visible").inner_text()
    page.keyboard.press("ArrowLeft")
    assert visible_rows(page) == ["para_2"]
    assert hash_of(page) == "#para_2"


def test_without_javascript_every_row_is_visible(browser, live_server, editions):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(URL)
        assert visible_rows(page) == ROWS
        assert page.locator(".projector.one-at-a-time").count() == 0
        page.keyboard.press("ArrowRight")
        assert visible_rows(page) == ROWS
    finally:
        context.close()
