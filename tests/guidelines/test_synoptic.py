"""The synoptic table /compare/<a>/<b>/synoptic.<docx|pdf>: what delegations print."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm

from amendments import services as amendment_services
from amendments.models import Amendment
from guidelines.models import Clause, Edition
from positions import services as position_services
from tests.amendments.conftest import open_window
from tests.guidelines.test_compare import (
    COMPARE_QUERIES,
    annotated_pair,
    file,
    paper_with,
    submit,
)

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SCRIPT = "<script>alert(1)</script>"

A_TEXT = """1. Parties shall support artists in the digital environment.

2. Remuneration of creators shall be fair and transparent.

3. Parties report every four years.
"""
B_TEXT = """1. Parties should support artists and creators in the digital environment.

2. Remuneration of creators shall be fair and transparent.

3. Parties report every four years on their measures.
"""


@pytest.fixture(autouse=True)
def empty_cache():
    """Diffs are cached by text hashes: a test must not read another test's diffs."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Pair:
    a: Edition
    b: Edition
    cosigned: Amendment  # TC's A-1 on B's 1, co-signed by OF
    admissible: Amendment  # OF's A-2 on B's 3


@pytest.fixture
def pair(make_edition, ngo, other_ngo, ngo_user, other_ngo_user, secretariat_user) -> Pair:
    a = make_edition(A_TEXT, slug="syn-a", status=Edition.Status.ADOPTED)
    b = make_edition(B_TEXT, slug="syn-b")
    open_window(b)
    cosigned = submit(file(ngo_user, b, "para_1", text="Parties must support artists."), ngo_user)
    amendment_services.amendment_cosign(amendment=cosigned, user=other_ngo_user)
    admissible = amendment_services.amendment_screen(
        amendment=submit(file(other_ngo_user, b, "para_3"), other_ngo_user),
        user=secretariat_user,
        admissible=True,
        reason="",
    )
    paper = paper_with(other_ngo, "Reporting is a burden for small Parties.")
    position_services.position_create(
        paper=paper,
        stance="oppose",
        summary=f"Too heavy {SCRIPT}",
        excerpt="Reporting is a burden",
        links=[(Clause.objects.get(edition=b, eid="para_3"), "On reporting")],
    )
    return Pair(a, b, cosigned, admissible)


def synoptic_url(a: Edition | str, b: Edition | str, fmt: str, query: str = "") -> str:
    slugs = [e if isinstance(e, str) else e.slug for e in (a, b)]
    return reverse("compare_synoptic", args=[*slugs, fmt]) + (f"?{query}" if query else "")


def get_docx(client, a, b, query: str = ""):
    response = client.get(synoptic_url(a, b, "docx", query))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == DOCX_TYPE
    return Document(io.BytesIO(response.content))


def table_rows(document) -> list[list[str]]:
    """The table's rows (the header row first), each cell's text."""
    (table,) = document.tables
    return [[cell.text for cell in row.cells] for row in table.rows]


def runs_of(cell, *, underline: bool = False, strike: bool = False) -> list[str]:
    """The text of the runs formatted so, read from the run properties themselves."""
    return [
        run.text
        for paragraph in cell.paragraphs
        for run in paragraph.runs
        if (not underline or run.font.underline) and (not strike or run.font.strike)
    ]


def row_of(document, number: str):
    """The first table row whose B cell starts with the clause number (or the kind)."""
    (table,) = document.tables
    return next(row for row in table.rows[1:] if re.match(rf"{number}\s", row.cells[1].text))


# --- Word -----------------------------------------------------------------------------


def test_docx_is_a_landscape_three_column_table_with_a_repeated_header(client, pair):
    document = get_docx(client, pair.a, pair.b)
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    (table,) = document.tables
    assert len(table.columns) == 3
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
    assert not any(row._tr.trPr is not None for row in table.rows[1:])
    assert [c.text for c in header.cells] == ["Syn A", "Syn B", "Amendments and positions"]
    widths = sum(col.width for col in table.columns)
    assert widths <= section.page_width - section.left_margin - section.right_margin
    assert widths > Cm(25)
    # Each page: both editions with their statuses above, "Page X of Y" below.
    assert section.header.paragraphs[0].text == "Syn A — adopted  ↔  Syn B — draft"
    footer = section.footer.paragraphs[0]
    assert footer.text == "Page  of "
    fields = [f.get(qn("w:instr")) for f in footer._p.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE", "NUMPAGES"]


def test_docx_marks_inserted_words_underlined_and_deleted_ones_struck(client, pair):
    document = get_docx(client, pair.a, pair.b)
    row = row_of(document, "1")
    b_cell = row.cells[1]
    assert runs_of(b_cell, underline=True) == ["should", "and creators "]
    assert all(run.font.bold for p in b_cell.paragraphs for run in p.runs if run.font.underline)
    assert runs_of(b_cell, strike=True) == ["shall"]
    assert b_cell.text == (
        "1 modified\u2003Parties shallshould support artists and creators in the digital "
        "environment."
    )
    # A's column is A's text as it is, unmarked.
    assert row.cells[0].text == "1\u2003Parties shall support artists in the digital environment."
    assert runs_of(row.cells[0], underline=True) == runs_of(row.cells[0], strike=True) == []
    # The changes are in the edition's language, for the spell checker.
    languages = [
        lang.get(qn("w:val"))
        for run in b_cell.paragraphs[0].runs
        if (lang := run._r.rPr.find(qn("w:lang"))) is not None
    ]
    assert languages == ["en-GB"] * 6  # the six runs of the text, not the number
    # The unchanged row says so and marks nothing.
    unchanged = row_of(document, "2").cells[1]
    assert (
        unchanged.text == "2 unchanged\u2003Remuneration of creators shall be fair and transparent."
    )
    assert runs_of(unchanged, underline=True) == runs_of(unchanged, strike=True) == []


def test_docx_third_column_has_amendments_with_cosponsors_and_positions(client, pair):
    document = get_docx(client, pair.a, pair.b)
    notes = {number: row_of(document, number).cells[2].text for number in ("1", "2", "3")}
    assert notes["1"] == "A-1 — replace the text — submitted\nProposed by TC; co-sponsored by OF"
    assert notes["2"] == ""
    assert notes["3"] == (
        "A-2 — replace the text — admissible\nProposed by OF\n"
        f"[oppose] OF — Too heavy {SCRIPT}"  # the markup is text, printed as typed
    )
    assert "Legend: inserted words, deleted words" in [p.text for p in document.paragraphs]


def test_docx_filters_are_the_pages_and_say_so(client, pair, ngo):
    document = get_docx(client, pair.a, pair.b, "changed=on")
    assert [row[1].split(" ")[0] for row in table_rows(document)[1:]] == ["1", "3"]
    assert "Filters: Changed rows only" in [p.text for p in document.paragraphs]
    document = get_docx(client, pair.a, pair.b, f"organisation={ngo.pk}&typography=on")
    rows = table_rows(document)[1:]
    assert [row[1].split(" ")[0] for row in rows] == ["1"]
    assert "Filters: Ignore typography; Organisation: Test Coalition" in [
        p.text for p in document.paragraphs
    ]
    document = get_docx(client, pair.a, pair.b, "stance=concern")
    assert table_rows(document)[1:] == [["No row matches the filters."] * 3]  # merged cell
    # The projector's mode changes nothing in print.
    plain = table_rows(get_docx(client, pair.a, pair.b))
    assert table_rows(get_docx(client, pair.a, pair.b, "mode=projector")) == plain


def test_docx_of_a_partial_edition_says_so_and_leaves_missing_clauses_not_known(
    client, make_edition
):
    a = make_edition(A_TEXT, slug="syn-a")
    b = make_edition("2. Remuneration of creators shall be fair.\n", slug="syn-partial")
    Edition.objects.filter(pk=b.pk).update(completeness=Edition.Completeness.PARTIAL)
    document = get_docx(client, a, b)
    assert document.sections[0].header.paragraphs[0].text.endswith("Syn Partial — draft — partial")
    paragraphs = [p.text for p in document.paragraphs]
    assert any(p.startswith("The second edition is partial") for p in paragraphs)
    assert "B\u2003Syn Partial — draft — partial" in paragraphs
    rows = table_rows(document)[1:]
    assert [row[1] for row in rows] == [
        "not known\u2003Not known: the second edition is partial.",
        "2 modified\u2003Remuneration of creators shall be fair and transparent.",
        "not known\u2003Not known: the second edition is partial.",
    ]
    assert not any(runs_of(c, strike=True) for c in row_of(document, "not known").cells)


def test_docx_across_languages_puts_texts_side_by_side_without_marks(client, make_edition):
    a = make_edition(
        "1. Les Parties soutiennent les artistes.\n\n2. La rémunération est juste.\n",
        slug="syn-fr",
        language="fr",
    )
    b = make_edition("1. Parties support artists.\n\n2. A new idea.\n", slug="syn-en")
    document = get_docx(client, a, b)
    paragraphs = [p.text for p in document.paragraphs]
    assert any(
        p.startswith("The two editions are in different languages (French, English)")
        for p in paragraphs
    )
    assert not any(p.startswith("Legend") for p in paragraphs)
    (table,) = document.tables
    for row in table.rows[1:]:
        for cell in row.cells:
            assert runs_of(cell, underline=True) == runs_of(cell, strike=True) == []
    cells = table_rows(document)[1:]
    assert [row[1] for row in cells] == [
        "1 not matched\u2003Parties support artists.",
        "2 not matched\u2003A new idea.",
        "not matched\u2003Not matched.",
        "not matched\u2003Not matched.",
    ]
    assert [row[0] for row in cells][2:] == [
        "1\u2003Les Parties soutiennent les artistes.",
        "2\u2003La rémunération est juste.",
    ]
    french = row_of(document, "not matched").cells[0].paragraphs[0].runs[1]
    assert french._r.rPr.find(qn("w:lang")).get(qn("w:val")) == "fr-FR"


def test_docx_is_an_attachment_named_for_the_pair(client, pair):
    response = client.get(synoptic_url(pair.a, pair.b, "docx"))
    assert response["Content-Disposition"] == 'attachment; filename="synoptic-syn-a-syn-b.docx"'


# --- the view: what it refuses ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "DOCX", "pdf.gz", "json", "md"])
def test_unknown_format_is_404(client, pair, fmt):
    assert client.get(f"/compare/{pair.a.slug}/{pair.b.slug}/synoptic.{fmt}").status_code == 404


@pytest.mark.parametrize(("a", "b"), [("nope", "syn-b"), ("syn-a", "nope")])
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_unknown_edition_is_404(client, pair, a, b, fmt):
    assert client.get(synoptic_url(a, b, fmt)).status_code == 404


@pytest.mark.parametrize(
    "query", ["organisation=abc", "stance=xyz", "status=draft", "mode=slides", "organisation=0"]
)
def test_bad_filter_value_is_400_with_the_forms_errors(client, pair, query):
    response = client.get(synoptic_url(pair.a, pair.b, "docx", query))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    content = response.content.decode()
    assert "Select a valid choice" in content
    assert pair.cosigned.get_absolute_url() not in content


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_unpublished_edition_is_404_to_outsiders(
    client, make_edition, ngo_user, secretariat_user, fmt
):
    a = make_edition(A_TEXT, slug="syn-a")
    b = make_edition(B_TEXT, slug="syn-private", published=False)
    assert client.get(synoptic_url(a, b, fmt)).status_code == 404
    client.force_login(ngo_user)
    assert client.get(synoptic_url(a, b, fmt)).status_code == 404
    if fmt == "docx":  # the PDF's layout is the slow part, tested below
        client.force_login(secretariat_user)
        assert client.get(synoptic_url(a, b, fmt)).status_code == 200


def test_another_organisations_draft_is_not_printed(client, pair, ngo_user, other_ngo_user):
    file(ngo_user, pair.b, "para_2", text="A private draft of TC.")
    client.force_login(other_ngo_user)
    assert row_of(get_docx(client, pair.a, pair.b), "2").cells[2].text == ""
    client.force_login(ngo_user)
    assert row_of(get_docx(client, pair.a, pair.b), "2").cells[2].text == (
        "unnumbered — replace the text — draft\nProposed by TC"
    )


def test_refuses_post(client, pair):
    assert client.post(synoptic_url(pair.a, pair.b, "docx")).status_code == 405


def test_comparison_page_links_to_both_printouts_with_its_query(client, pair):
    query = "changed=on&stance=oppose"
    content = client.get(f"/compare/{pair.a.slug}/{pair.b.slug}/?{query}").content.decode()
    for fmt in ("docx", "pdf"):
        assert f'href="/compare/syn-a/syn-b/synoptic.{fmt}?changed=on&amp;stance=oppose"' in content
    plain = client.get(f"/compare/{pair.a.slug}/{pair.b.slug}/").content.decode()
    assert 'href="/compare/syn-a/syn-b/synoptic.docx"' in plain


# --- queries --------------------------------------------------------------------------

# The page's queries and one more: the co-sponsorships of all the amendments (with their
# organisations), read in one go.
SYNOPTIC_QUERIES = COMPARE_QUERIES + 1


@pytest.mark.parametrize("logged_in", [False, True])
def test_query_count_does_not_grow_with_the_size(
    client, django_assert_num_queries, make_edition, ngo, ngo_user, other_ngo_user, logged_in
):
    small = annotated_pair(make_edition, ngo, ngo_user, slug="small", paragraphs=3, annotate=2)
    large = annotated_pair(make_edition, ngo, ngo_user, slug="large", paragraphs=60, annotate=30)
    for _a, b in (small, large):
        for amendment in Amendment.objects.filter(edition=b):
            amendment_services.amendment_cosign(amendment=amendment, user=other_ngo_user)
    if logged_in:
        client.force_login(ngo_user)
    # Logged in: the session, the user, the organisation (a file has no page header, so
    # no count of unread notifications).
    expected = SYNOPTIC_QUERIES + 3 * logged_in
    signatures = []
    for a, b in (small, large):
        for query in ("", "changed=on&stance=amend&typography=on"):
            # A stance filter leaves the amendments out: they are not counted either.
            with django_assert_num_queries(expected - ("stance" in query)):
                document = get_docx(client, a, b, query)
            signatures.append(
                sum(
                    cell.count("co-sponsored by OF")
                    for row in table_rows(document)[1:]
                    for cell in row
                )
            )
    assert signatures == [2, 0, 30, 0]  # the stance filter leaves amendments out


# --- PDF ------------------------------------------------------------------------------


def poppler(tool: str, path: Path, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: `make pdf-deps` installs poppler-utils")
    result = subprocess.run(
        [tool, *args, str(path), "-"] if tool == "pdftotext" else [tool, *args, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def get_pdf(client, tmp_path: Path, a, b, query: str = "") -> Path:
    response = client.get(synoptic_url(a, b, "pdf", query))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "synoptic.pdf"
    path.write_bytes(response.content)
    return path


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return re.sub(r"\s+", " ", poppler("pdftotext", path, *pages))


def page_sizes(path: Path) -> list[tuple[float, float]]:
    info = poppler("pdfinfo", path, "-f", "1", "-l", "99")
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)
    ]


@pytest.mark.office
def test_pdf_is_a_landscape_a4_table_with_labels_marks_and_notes(client, pair, tmp_path):
    response = client.get(synoptic_url(pair.a, pair.b, "pdf"))
    assert response["Content-Disposition"] == 'attachment; filename="synoptic-syn-a-syn-b.pdf"'
    path = get_pdf(client, tmp_path, pair.a, pair.b)
    assert page_sizes(path) == [(841.89, 595.276)]  # A4, wider than high
    text = pdf_text(path)
    assert "Syn A — adopted ↔ Syn B — draft" in text  # the page header
    assert "Synoptic table: Syn A against Syn B" in text
    assert "Amendments and positions" in text  # the table's header row
    # B's column: the struck word, then the inserted one.
    assert "1 Parties shall should support artists and creators in the digital" in text
    assert "A-1 — replace the text — submitted" in text
    assert "Proposed by TC; co-sponsored by OF" in text
    assert "[oppose] OF — Too heavy <script>alert(1)<" in text  # the markup is text
    assert "Page 1 of 1" in text


@pytest.mark.office
def test_pdf_repeats_the_table_header_and_numbers_the_pages(
    client, make_edition, ngo, ngo_user, tmp_path
):
    a, b = annotated_pair(make_edition, ngo, ngo_user, slug="long", paragraphs=20, annotate=5)
    path = get_pdf(client, tmp_path, a, b)
    pages = len(page_sizes(path))
    assert pages >= 3
    for page in (2, pages):
        text = pdf_text(path, page)
        assert "Long A — adopted ↔ Long B — draft" in text  # the page header
        assert "Amendments and positions" in text  # the table's header row, again
        assert f"Page {page} of {pages}" in text


@pytest.mark.office
def test_pdf_across_languages_says_so(client, make_edition, tmp_path):
    a = make_edition("1. Les Parties soutiennent les artistes.\n", slug="syn-fr", language="fr")
    b = make_edition("1. Parties support artists.\n", slug="syn-en")
    text = pdf_text(get_pdf(client, tmp_path, a, b))
    assert "The two editions are in different languages (French, English)" in text
    assert "Legend" not in text
    assert "Les Parties soutiennent les artistes." in text


@pytest.mark.office
def test_pdf_applies_the_filters(client, pair, tmp_path):
    text = pdf_text(get_pdf(client, tmp_path, pair.a, pair.b, "changed=on"))
    assert "Filters: Changed rows only" in text
    assert "Remuneration of creators" not in text  # the unchanged row
    assert "Parties report every four years" in text
