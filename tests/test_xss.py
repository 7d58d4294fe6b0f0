"""Hostile text in every user-writable field is shown as text: in every page, every export
and every API response, never as markup (tests/security_world.py builds the world)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile

import pytest
from lxml import etree

from tests.security_world import (
    ACRONYM,
    PAGES,
    RAW,
    hostile,
    page_url,
    parse_page,
)

pytestmark = pytest.mark.django_db


def login(client, world, role: str) -> None:
    if role != "anonymous":
        client.force_login(world.users[role])


def assert_no_markdown_markup(md: str, where: str) -> None:
    """Every "<" of the user's text is escaped: a Markdown renderer shows it as a "<"."""
    assert re.search(r"(?<!\\)<", md) is None, f"{where}: an unescaped <"
    assert "\\<script>alert(" in md


def assert_no_raw_markup(body: str, where: str) -> None:
    lowered = body.lower()
    for raw in RAW:
        assert raw.lower() not in lowered, f"{where}: {raw!r} unescaped"


@pytest.mark.parametrize(("role", "url", "markers"), PAGES, ids=[f"{r}-{u}" for r, u, _m in PAGES])
def test_every_page_shows_the_hostile_fields_as_text(client, hostile_world, role, url, markers):
    login(client, hostile_world, role)
    path = page_url(url, hostile_world)
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert_no_raw_markup(html, path)
    page = parse_page(html)
    assert page.injected == [], path
    assert page.handlers == [], path
    assert page.script_urls == [], path
    text = "".join(page.text)
    for marker in markers:
        # The field is on the page, and as its own text: the script element as words.
        assert marker in text, f"{path} does not show {marker}"
    if markers:
        assert "<script>alert(" in text, f"{path}: the payload is not shown as text"
        assert "{{7*7}}" in text, f"{path}: a template expression was evaluated"


def test_the_acronym_is_escaped_where_it_is_shown(client, hostile_world):
    response = client.get("/amendments/")
    assert ACRONYM not in response.content.decode()


def test_the_atom_feed_holds_the_payload_as_text(client, hostile_world):
    response = client.get("/editions/draftxss/feed.atom")
    assert response.status_code == 200
    feed = etree.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    summaries = [s for s in feed.iter(f"{atom}summary") if "proposedxss" in (s.text or "")]
    assert summaries, "the feed shows the proposed text"
    for summary in summaries:
        # Atom's summary is HTML (type="html"): the reader parses it as HTML, so the
        # proposed text must arrive there escaped once more.
        assert summary.get("type") == "html"
        parsed = parse_page(summary.text or "")
        assert parsed.inline_scripts == [] and parsed.injected == [] and parsed.handlers == []
        assert "<script>alert(" in "".join(parsed.text)
    assert all(child.tag.startswith(atom) for child in feed.iter() if isinstance(child.tag, str))


def test_markdown_and_json_exports_keep_the_payload_as_text(client, hostile_world):
    md = client.get("/editions/draftxss/export.md").content.decode()
    # Markdown renders inline HTML: the export escapes it, and it still reads back.
    assert_no_markdown_markup(md, "export.md")
    assert "clausetextxss" in md
    from guidelines.importing import parse

    clauses = {c.eid: c for c in parse(md).clauses}
    assert clauses["para_1"].text == hostile("clausetextxss")
    assert clauses["sec_1"].heading == hostile("headingxss")
    data = json.loads(client.get("/editions/draftxss/export.json").content)
    texts = {c["eid"]: c["text"] for c in data["clauses"]}
    assert texts["para_1"] == hostile("clausetextxss")
    assert data["edition"]["label"] == hostile("labelxss")


WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def word_text_and_markup(data: bytes) -> tuple[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        document = etree.fromstring(package.read("word/document.xml"))
    return "".join(t.text or "" for t in document.iter(f"{WORD}t")), document


def assert_word_holds_text_only(data: bytes, markers: tuple[str, ...]) -> None:
    text, document = word_text_and_markup(data)
    for marker in markers:
        assert marker in text
    assert "<script>alert(" in text
    # Never a field code or a hyperlink from the user's text (=HYPERLINK stays words).
    assert not list(document.iter(f"{WORD}instrText", f"{WORD}fldSimple", f"{WORD}hyperlink"))


@pytest.mark.parametrize(
    "url",
    ["/editions/draftxss/export.docx", "/editions/draftxss/export.docx?against=basexss"],
)
def test_word_exports_hold_the_payload_as_text(client, hostile_world, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_word_holds_text_only(response.content, ("clausetextxss", "headingxss"))


def test_the_synoptic_word_file_holds_the_payload_as_text(client, hostile_world):
    response = client.get("/compare/basexss/draftxss/synoptic.docx")
    assert response.status_code == 200
    assert_word_holds_text_only(response.content, ("clausetextxss", "positionsummaryxss"))


def test_the_compilation_word_file_holds_the_payload_as_text(client, hostile_world):
    response = client.get("/amendments/compilation/draftxss.docx")
    assert response.status_code == 200
    assert_word_holds_text_only(response.content, ("proposedxss", "justificationxss"))


def test_the_compilation_csv_neutralises_formulas(client, hostile_world):
    import csv

    response = client.get("/amendments/compilation/draftxss.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert any("proposedxss" in cell for cell in cells)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_compilation_json_keeps_the_payload_verbatim(client, hostile_world):
    response = client.get("/amendments/compilation/draftxss.json")
    assert response["Content-Type"].startswith("application/json")
    texts = [row["proposed_text"] for row in response.json()["amendments"]]
    assert hostile("proposedxss") in texts


def test_the_akoma_ntoso_export_holds_the_payload_in_text_nodes(client, hostile_world):
    response = client.get("/editions/draftxss/export.akn")
    assert response.status_code == 200
    tree = etree.fromstring(response.content)
    texts = "".join(tree.itertext())
    assert hostile("clausetextxss") in texts
    local = {etree.QName(e).localname for e in tree.iter() if isinstance(e.tag, str)}
    assert not local & {"script", "img", "a"}


def spy_on_weasyprint(monkeypatch) -> list[str]:
    """The HTML strings the PDF writers hand to WeasyPrint (which they import late)."""
    import weasyprint

    handed: list[str] = []
    real = weasyprint.HTML

    def spy(*args, **kwargs):
        handed.append(kwargs["string"])
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    return handed


def test_the_pdf_html_is_escaped_and_the_pdf_shows_the_payload(client, hostile_world, monkeypatch):
    handed = spy_on_weasyprint(monkeypatch)
    response = client.get("/editions/draftxss/export.pdf")
    assert response.status_code == 200
    assert handed, "the export goes through WeasyPrint's HTML"
    assert_no_raw_markup(handed[0], "the PDF's HTML")
    assert "&lt;script&gt;alert(" in handed[0]
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "<script>alert(" in text and "clausetextxss" in text


def test_the_synoptic_pdf_html_is_escaped(client, hostile_world, monkeypatch):
    handed = spy_on_weasyprint(monkeypatch)
    response = client.get("/compare/basexss/draftxss/synoptic.pdf")
    assert response.status_code == 200
    assert handed
    assert_no_raw_markup(handed[0], "the synoptic PDF's HTML")
    assert "positionsummaryxss" in handed[0]


@pytest.mark.parametrize("fmt", ["md", "json"], ids=["what-if markdown", "what-if json"])
def test_the_what_if_exports_keep_the_payload_as_text(client, hostile_world, fmt):
    response = client.get(f"/editions/draftxss/what-if/?format={fmt}")
    assert response.status_code == 200
    body = response.content.decode()
    if fmt == "md":
        assert_no_markdown_markup(body, "what-if.md")
        assert "openxss" in body
    else:
        texts = [c["text"] for c in json.loads(body)["clauses"]]
        assert hostile("openxss") in texts


API = [
    "/api/editions/draftxss/",
    "/api/clauses/?edition=draftxss",
    "/api/amendments/",
    "/api/amendments/{adopted}/",
    "/api/papers/{paper}/",
    "/api/positions/",
]


@pytest.mark.parametrize("url", API)
def test_api_json_holds_the_payload_verbatim(client, hostile_world, url):
    response = client.get(page_url(url, hostile_world), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.dumps(response.json(), ensure_ascii=False)
    assert "<script>alert(" in body  # data, for the client to escape where it shows it


@pytest.mark.parametrize("url", API)
def test_the_browsable_api_escapes_the_payload(client, hostile_world, url):
    response = client.get(page_url(url, hostile_world), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert_no_raw_markup(html, url)
    page = parse_page(html)
    assert page.injected == [] and page.handlers == []
    assert "<script>alert(" in "".join(page.text)


# --- through the pages' own forms -------------------------------------------------------------


def assert_page_shows_as_text(client, path: str, marker: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert_no_raw_markup(html, path)
    page = parse_page(html)
    assert page.injected == [] and page.handlers == [] and page.script_urls == []
    assert marker in "".join(page.text), f"{path} does not show {marker}"


def test_a_clause_edited_through_its_page_is_shown_as_text(client, hostile_world):
    from guidelines.models import Clause

    client.force_login(hostile_world.users["secretariat"])
    clause = Clause.objects.get(edition=hostile_world.draft, eid="para_3")
    response = client.post(
        "/editions/draftxss/para_3/edit/",
        {
            "text": hostile("formtextxss"),
            "heading": "",
            "reason": hostile("formreasonxss"),
            "version": clause.version,
        },
    )
    assert response.status_code == 302
    assert_page_shows_as_text(client, "/editions/draftxss/para_3/", "formreasonxss")
    assert_page_shows_as_text(client, "/editions/draftxss/", "formtextxss")


def test_an_amendment_filed_through_its_page_is_shown_as_text(client, hostile_world):
    client.force_login(hostile_world.users["ngo"])
    response = client.post(
        "/amendments/new/?edition=draftxss&clause=para_3",
        {
            "edition": "draftxss",
            "clause": "para_3",
            "operation": "replace",
            "proposed_text": hostile("formproposedxss"),
            "justification": hostile("formwhyxss"),
            "save": "1",
        },
    )
    assert response.status_code == 302
    assert_page_shows_as_text(client, response["Location"], "formwhyxss")


def test_the_live_preview_partial_escapes_the_typed_text(client, hostile_world):
    client.force_login(hostile_world.users["ngo"])
    response = client.post(
        "/amendments/preview/",
        {
            "edition": "draftxss",
            "clause": "para_3",
            "operation": "replace",
            "proposed_text": hostile("typedxss"),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_raw_markup(html, "the preview")
    page = parse_page(html)
    assert page.injected == [] and page.handlers == [] and page.inline_scripts == []
    assert "typedxss" in "".join(page.text)
