"""Write an edition out as JSON, Markdown, Akoma Ntoso XML, Word or PDF.

Pure writers: an :class:`EditionData` in, text or bytes out. No Django, except the PDF,
which renders its HTML through Django's template engine (user text is escaped there) and
imports it, python-docx and WeasyPrint only when called, to keep this module quick to
import. ``FORMATS`` is the one table the command and the download view both use.

The Markdown is written so that :func:`guidelines.importing.parse` reads it back to the
same clauses: whatever in a text would read as markup is escaped with a backslash.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from guidelines.importing import (
    ARABIC_HEADING_RE,
    ARTICLE_RE,
    ITEM_RE,
    KIND_ARTICLE,
    KIND_PARAGRAPH,
    KIND_POINT,
    KIND_SECTION,
    KIND_SUBPARAGRAPH,
    NUMBER_RE,
    ROMAN_HEADING_RE,
    ParsedClause,
)

# "<" too: Markdown renders inline HTML, and a clause's "<script>" must stay words.
_ALWAYS_ESCAPED = re.compile(r"([\\`*_\[\]#<])")


@dataclass(frozen=True)
class EditionData:
    instrument: str
    slug: str
    label: str
    language: str
    status: str
    completeness: str
    title: str
    subtitle: str
    clauses: Sequence[ParsedClause]
    # The edition's own date; None when its source gives none (the exports never make one up).
    date: datetime.date | None = None


def to_json(edition: EditionData) -> str:
    """The JSON contract of DESIGN.md, clauses in document order."""
    payload = {
        "instrument": edition.instrument,
        "edition": {
            "slug": edition.slug,
            "label": edition.label,
            "language": edition.language,
            "status": edition.status,
            "completeness": edition.completeness,
        },
        "clauses": [
            {
                "eid": c.eid,
                "number": c.number,
                "kind": c.kind,
                "parent_eid": c.parent_eid,
                "heading": c.heading,
                "text": c.text,
            }
            for c in edition.clauses
        ],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def escape_inline(text: str) -> str:
    return _ALWAYS_ESCAPED.sub(r"\\\1", text)


def escape_start(text: str) -> str:
    """Escape a text that follows a marker (or starts a line) and could read as one."""
    text = escape_inline(text)
    if NUMBER_RE.match(text):
        # "12. x" or "1.2 x" would be read as a number: escape its first dot, or the
        # space after a bare number.
        match = re.match(r"^(\d+)(\.?)", text)
        assert match is not None
        if match.group(2) or "." in text.split(" ", 1)[0]:
            return text.replace(".", "\\.", 1)
        return "\\" + text
    if ITEM_RE.match(text):
        return text.replace("(", "\\(", 1) if text.startswith("(") else text.replace(")", "\\)", 1)
    if (text and text[0] in "-+•=") or ARTICLE_RE.match(text):
        return "\\" + text
    if ROMAN_HEADING_RE.match(text):
        return text.replace(".", "\\.", 1)
    return text


def escape_heading(text: str) -> str:
    text = escape_start(text)
    if ARABIC_HEADING_RE.match(text):
        return text.replace(".", "\\.", 1)
    return text


def printed_number(number: str) -> str:
    """A number as printed: the letter of an inserted "1.2 A" joined by a no-break space,
    so that the importer reads it as a number, not as text starting with "A"."""
    digits, _, suffix = number.partition(" ")
    if len(suffix) == 1 and suffix.isupper():
        return f"{digits}\u00a0{suffix}"
    return number


def to_markdown(edition: EditionData) -> str:
    lines: list[str] = []
    if edition.title:
        lines += [f"# {escape_heading(edition.title)}", ""]
    for paragraph in edition.subtitle.split("\n") if edition.subtitle else []:
        lines += [escape_start(paragraph), ""]
    lines += ["---", ""]
    for clause in edition.clauses:
        indent = "  " * max(0, clause.depth - 1)
        if clause.kind == KIND_SECTION:
            if clause.number:
                lines += [f"## {clause.number}. {escape_inline(clause.heading)}", ""]
            else:
                lines += [f"## {escape_heading(clause.heading)}", ""]
            if clause.text:
                lines += [escape_start(clause.text), ""]
        elif clause.kind == KIND_ARTICLE:
            heading = f" — {escape_inline(clause.heading)}" if clause.heading else ""
            lines += [f"## Article {clause.number}{heading}", ""]
            if clause.text:
                lines += [escape_start(clause.text), ""]
        elif clause.kind == KIND_PARAGRAPH:
            if lines and lines[-1] != "":
                lines.append("")
            number = printed_number(clause.number)
            lines.append(f"{number}. {escape_inline(clause.text)}".rstrip())
        elif clause.kind == KIND_SUBPARAGRAPH:
            number = printed_number(clause.number)
            lines.append(f"{indent}- {number} {escape_inline(clause.text)}".rstrip())
        elif clause.kind == KIND_POINT:
            # After a number the text is not read for markers; a bare bullet's text is.
            if clause.number:
                body = f"{clause.number} {escape_inline(clause.text)}"
            else:
                body = escape_start(clause.text)
            lines.append(f"{indent}- {body}".rstrip())
    return "\n".join(lines).rstrip() + "\n"


# --- what the document formats share (Akoma Ntoso, Word, PDF) -------------------------

HEADING_KINDS = (KIND_SECTION, KIND_ARTICLE)

# A document's own words are in the edition's language, not the reader's interface
# language: the French text's PDF reads French throughout, whoever downloads it.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "adopted": "adopted",
        "draft": "draft",
        "working": "working draft",
        "partial": "partial",
        "partial_notice": (
            "Partial edition: only the provisions reproduced here are known. "
            "A provision missing here is not known, not deleted."
        ),
        "text_not_known": "(text not known)",
        "tracked_against": (
            "Changes against {base} are shown as tracked changes: accept or reject each "
            "one in Word (Review \u203a Track Changes) or LibreOffice (Edit \u203a Track Changes)."
        ),
        "page": "page",
        "of": "of",
    },
    "fr": {
        "adopted": "adoptée",
        "draft": "projet",
        "working": "projet de travail",
        "partial": "partielle",
        "partial_notice": (
            "Édition partielle\u00a0: seules les dispositions reproduites ici sont connues. "
            "Une disposition absente n\u2019est pas connue\u00a0; elle n\u2019est pas supprimée."
        ),
        "text_not_known": "(texte non connu)",
        "tracked_against": (
            "Les modifications par rapport à {base} apparaissent en suivi des "
            "modifications\u00a0: acceptez ou refusez chacune dans Word (Révision \u203a Suivi "
            "des modifications) ou LibreOffice (Édition \u203a Suivi des modifications)."
        ),
        "page": "page",
        "of": "sur",
    },
}

# Characters XML 1.0 cannot hold: lxml refuses them, so one in a clause would break the
# Word and Akoma Ntoso files. Tabs and line breaks stay.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def words_for(edition: EditionData) -> dict[str, str]:
    return WORDS.get(edition.language, WORDS["en"])


def is_partial(edition: EditionData) -> bool:
    return edition.completeness == "partial"


def status_line(edition: EditionData) -> str:
    """``label — status`` and ``— partial`` where it is: the line every document shows."""
    words = words_for(edition)
    parts = [edition.label, words.get(edition.status, edition.status)]
    if is_partial(edition):
        parts.append(words["partial"])
    return " — ".join(parts)


@dataclass(frozen=True)
class OutlineRow:
    clause: ParsedClause
    is_heading: bool
    # 0 for a heading; 1 for a paragraph; one more for each numbered parent
    # (sub-paragraph 14.6 is 2, its bullets 3).
    level: int
    # What is printed before the text: "II.", "Article 3", "8.", "14.6", "a)", "•".
    label: str
    heading_text: str  # the heading line of a section or article, label included


def outline(clauses: Sequence[ParsedClause]) -> list[OutlineRow]:
    """The clauses in document order with their printed number and indentation level."""
    level_of: dict[str, int] = {}
    rows: list[OutlineRow] = []
    for clause in clauses:
        if clause.kind in HEADING_KINDS:
            level = 0
            if clause.kind == KIND_ARTICLE:
                label = f"Article {clause.number}"
                heading_text = f"{label} — {clause.heading}" if clause.heading else label
            else:
                label = f"{clause.number}." if clause.number else ""
                heading_text = f"{label} {clause.heading}".strip()
        else:
            level = level_of.get(clause.parent_eid or "", 0) + 1
            # Paragraphs are printed "8." as in the adopted text; deeper numbers carry
            # their own punctuation ("8.1", "a)", "(iv)"); a bare bullet gets one.
            number = printed_number(clause.number)
            if clause.kind == KIND_PARAGRAPH and clause.number.split(" ")[0].isdigit():
                label = f"{number}."
            else:
                label = number or "•"
            heading_text = ""
        level_of[clause.eid] = level
        rows.append(OutlineRow(clause, clause.kind in HEADING_KINDS, level, label, heading_text))
    return rows


# --- Akoma Ntoso 3.0 ------------------------------------------------------------------

AKN_NAMESPACE = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
# For the edition's own facts in <proprietary>, which takes elements of another namespace.
REDRAFT_NAMESPACE = "urn:redraft:export:1"
# ISO 639-2 three-letter codes, as the Akoma Ntoso naming convention uses them.
AKN_LANGUAGES = {"fr": "fra", "en": "eng"}
# What an edition's own date is the date of.
AKN_DATE_NAMES = {"adopted": "adoption", "draft": "draft", "working": "working"}
# Akoma Ntoso's element for each clause kind.
AKN_ELEMENTS = {
    KIND_SECTION: "section",
    KIND_ARTICLE: "article",
    KIND_PARAGRAPH: "paragraph",
    KIND_SUBPARAGRAPH: "subparagraph",
    KIND_POINT: "point",
}


def to_akn(edition: EditionData, *, exported: datetime.date | None = None) -> str:
    """The edition as an Akoma Ntoso 3.0 ``<doc name="guidelines">``.

    Each clause is the element of its kind, nested as the clause tree, with the clause's
    ``eId``, ``<num>``, ``<heading>``; its text is ``<content><p>`` (an empty ``<p/>``
    when the text is not known), or ``<intro><p>`` when sub-clauses follow, as the
    schema requires. FRBRdate is the edition's date; an edition without one gets the
    export date, named "export", never a made-up adoption date. The status and a
    partial edition are marked in the preface and in ``<proprietary>``. Text goes in
    through lxml, which escapes it.
    """
    from lxml import etree

    exported = exported or datetime.date.today()
    ns = f"{{{AKN_NAMESPACE}}}"

    def add(parent: Any, tag: str, text: str = "", **attrs: str) -> Any:
        node = etree.SubElement(parent, ns + tag, attrs)
        if text:  # an empty text stays an empty element: <p/>
            node.text = xml_safe(text)
        return node

    words = words_for(edition)
    language = AKN_LANGUAGES.get(edition.language, edition.language)
    work = f"/akn/un/doc/guidelines/{edition.instrument}"
    expression = f"{work}/{language}@{edition.slug}"
    if edition.date:
        date, date_name = edition.date, AKN_DATE_NAMES.get(edition.status, "date")
    else:
        date, date_name = exported, "export"

    root = etree.Element(ns + "akomaNtoso", nsmap={None: AKN_NAMESPACE})
    doc = add(root, "doc", name="guidelines")
    meta = add(doc, "meta")
    identification = add(meta, "identification", source="#redraft")
    levels = [
        ("FRBRWork", f"{work}/!main", work, date, date_name),
        ("FRBRExpression", f"{expression}/!main", expression, date, date_name),
        # The manifestation is this XML file, made on the export date.
        ("FRBRManifestation", f"{expression}/!main.xml", f"{expression}.akn", exported, "export"),
    ]
    for tag, this, uri, level_date, level_date_name in levels:
        frbr = add(identification, tag)
        add(frbr, "FRBRthis", value=this)
        add(frbr, "FRBRuri", value=uri)
        add(frbr, "FRBRdate", date=level_date.isoformat(), name=level_date_name)
        add(frbr, "FRBRauthor", href="#redraft")
        if tag == "FRBRWork":
            # Not a country: the code the naming convention's UN documents use.
            add(frbr, "FRBRcountry", value="un")
        elif tag == "FRBRExpression":
            add(frbr, "FRBRlanguage", language=language)
        else:
            add(frbr, "FRBRformat", value="application/akn+xml")
    references = add(meta, "references", source="#redraft")
    add(
        references,
        "TLCOrganization",
        eId="redraft",
        href="/ontology/organization/redraft",
        showAs="Redraft",
    )
    proprietary = add(meta, "proprietary", source="#redraft")
    etree.SubElement(
        proprietary,
        f"{{{REDRAFT_NAMESPACE}}}edition",
        {
            "instrument": edition.instrument,
            "slug": edition.slug,
            "label": xml_safe(edition.label),
            "status": edition.status,
            "completeness": edition.completeness,
        },
        nsmap={"redraft": REDRAFT_NAMESPACE},
    )

    preface = add(doc, "preface")
    long_title = add(preface, "longTitle")
    title = add(long_title, "p")
    title.text = ""  # mixed content: keeps pretty-printing from indenting inside the <p>
    add(title, "docTitle", edition.title or edition.label)
    for line in edition.subtitle.split("\n") if edition.subtitle else []:
        add(preface, "p", line, **{"class": "subtitle"})
    status = add(preface, "p", f"{edition.label} — ", **{"class": "status"})
    add(status, "docStatus", words.get(edition.status, edition.status))
    if is_partial(edition):
        add(preface, "p", words["partial_notice"], **{"class": "partial"})

    main_body = add(doc, "mainBody")
    has_children = {c.parent_eid for c in edition.clauses if c.parent_eid}
    element_of: dict[str, Any] = {}
    for clause in edition.clauses:
        parent = element_of.get(clause.parent_eid or "", main_body)
        element = add(parent, AKN_ELEMENTS.get(clause.kind, "level"), eId=clause.eid)
        element_of[clause.eid] = element
        if clause.number:
            add(element, "num", clause.number)
        if clause.heading:
            add(element, "heading", clause.heading)
        if clause.eid in has_children:
            if clause.text:
                add(add(element, "intro"), "p", clause.text)
        else:
            add(add(element, "content"), "p", clause.text)
    if not edition.clauses:
        add(main_body, "p")  # the schema wants something in the body

    xml = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml


# --- Word -----------------------------------------------------------------------------

DOCX_LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}
DOCX_STATUS_STYLE = "Edition Status"
DOCX_CLAUSE_STYLE = "Clause {level}"  # one paragraph style per indentation level
DOCX_LEVELS = 4
DOCX_INDENT_CM = 1.25


def to_docx(edition: EditionData) -> bytes:
    """The edition as a Word document on A4, in Word's own styles.

    Title (style Title), subtitle (Subtitle), the status line and the partial notice
    (Edition Status), sections and articles as Heading 1, then each clause as a
    paragraph in the style ``Clause N`` of its level (hanging indent, the tab stop after
    the number): the number typed at the start, a tab, the text. The header repeats the
    status line; the footer numbers the pages. The core properties carry the title and
    the language, and so does the default text language (for the spell checker).
    """
    document = docx_document(edition)
    words = words_for(edition)
    add = docx_paragraph_adder(document)
    for row in outline(edition.clauses):
        clause = row.clause
        if row.is_heading:
            add(DOCX_HEADING_STYLE).add_run(xml_safe(row.heading_text))
            if clause.text:
                add(DOCX_BODY_STYLE).add_run(xml_safe(clause.text))
            continue
        paragraph = add(docx_clause_style(row.level))
        paragraph.add_run(f"{row.label}\t")
        if clause.text:
            paragraph.add_run(xml_safe(clause.text))
        else:
            paragraph.add_run(words["text_not_known"]).italic = True
    return docx_bytes(document)


DOCX_HEADING_STYLE = "Heading 1"
DOCX_BODY_STYLE = "Body Text"


def docx_clause_style(level: int) -> str:
    return DOCX_CLAUSE_STYLE.format(level=min(level, DOCX_LEVELS))


def docx_document(edition: EditionData, *, notices: Sequence[str] = ()) -> Any:
    """A python-docx ``Document`` with Redraft's styles, page, header, footer, title block
    and status lines (and ``notices`` after them), ready for the clauses."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    words = words_for(edition)
    title = xml_safe(edition.title or edition.label)
    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.subject = xml_safe(edition.label)
    properties.language = edition.language
    properties.keywords = " ".join([edition.instrument, edition.slug])
    # The template's author ("python-docx") would show in Word: the file is the product's.
    properties.author = "Redraft"
    properties.last_modified_by = "Redraft"
    properties.comments = xml_safe(status_line(edition))

    styles = document.styles
    language = DOCX_LANGUAGES.get(edition.language, edition.language)
    for lang in styles.element.iter(qn("w:lang")):  # the template's document defaults
        lang.set(qn("w:val"), language)

    status_style = styles.add_style(DOCX_STATUS_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    status_style.base_style = styles["Normal"]
    status_style.font.italic = True
    status_style.paragraph_format.space_after = Pt(6)
    for level in range(1, DOCX_LEVELS + 1):
        style = styles.add_style(DOCX_CLAUSE_STYLE.format(level=level), WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        indent = Cm(DOCX_INDENT_CM * level)
        style.paragraph_format.left_indent = indent
        style.paragraph_format.first_line_indent = -Cm(DOCX_INDENT_CM)
        style.paragraph_format.tab_stops.add_tab_stop(indent)
        style.paragraph_format.space_after = Pt(6)

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.header.paragraphs[0].text = xml_safe(status_line(edition))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_field = OxmlElement("w:fldSimple")
    page_field.set(qn("w:instr"), "PAGE")
    footer._p.append(page_field)

    document.add_paragraph(title, style="Title")
    for line in edition.subtitle.split("\n") if edition.subtitle else []:
        document.add_paragraph(xml_safe(line), style="Subtitle")
    document.add_paragraph(xml_safe(status_line(edition)), style=DOCX_STATUS_STYLE)
    if is_partial(edition):
        document.add_paragraph(words["partial_notice"], style=DOCX_STATUS_STYLE)
    for notice in notices:
        document.add_paragraph(xml_safe(notice), style=DOCX_STATUS_STYLE)
    return document


def docx_paragraph_adder(document: Any) -> Callable[[str], Any]:
    """``add(style_name)`` appends an empty paragraph in that paragraph style.

    python-docx looks a style up by name in every ``add_paragraph(style=…)``, scanning
    every style of the document each time: 90% of a long export. The ids are read once.
    """
    from docx.enum.style import WD_STYLE_TYPE

    ids = {
        style.name: style.style_id
        for style in document.styles
        if style.type == WD_STYLE_TYPE.PARAGRAPH
    }

    def add(style: str) -> Any:
        paragraph = document.add_paragraph()
        paragraph._p.get_or_add_pPr().style = ids[style]
        return paragraph

    return add


def docx_bytes(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF ------------------------------------------------------------------------------

PDF_TEMPLATE = "guidelines/export_pdf.html"
PDF_LEVELS = 4


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # The template is self-contained: nothing in a PDF export may reach the network or
    # the file system, whatever a text holds.
    raise ValueError(f"PDF export fetches nothing ({url!r})")


def pdf_context(edition: EditionData) -> dict[str, Any]:
    """What ``export_pdf.html`` renders: plain values, the texts still to be escaped."""
    return {
        "language": edition.language,
        "title": edition.title or edition.label,
        "subtitle_lines": edition.subtitle.split("\n") if edition.subtitle else [],
        "status_line": status_line(edition),
        "partial": is_partial(edition),
        "words": words_for(edition),
        "rows": [
            {
                "eid": row.clause.eid,
                "is_heading": row.is_heading,
                "level": min(row.level, PDF_LEVELS),
                "label": row.label,
                "heading_text": row.heading_text,
                "text": row.clause.text,
            }
            for row in outline(edition.clauses)
        ],
    }


def to_pdf(edition: EditionData) -> bytes:
    """The edition as an A4 PDF: ``export_pdf.html`` (Django's template engine, which
    escapes every text) laid out by WeasyPrint. Each page's header carries the status
    line (label, status, "partial" where it is), its footer "page X of Y"."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string(PDF_TEMPLATE, pdf_context(edition))
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None  # no target given: WeasyPrint returns the bytes
    return bytes(pdf)


# --- the table the command and the download view share --------------------------------


@dataclass(frozen=True)
class ExportFormat:
    write: Callable[[EditionData], str | bytes]
    content_type: str
    extension: str


FORMATS: dict[str, ExportFormat] = {
    "json": ExportFormat(to_json, "application/json", "json"),
    "md": ExportFormat(to_markdown, "text/markdown; charset=utf-8", "md"),
    "docx": ExportFormat(
        to_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "pdf": ExportFormat(to_pdf, "application/pdf", "pdf"),
    # The media type of OASIS's "Akoma Ntoso Media Type" specification; the file keeps
    # .xml, which every XML tool opens.
    "akn": ExportFormat(to_akn, "application/akn+xml", "xml"),
}
