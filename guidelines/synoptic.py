"""The synoptic table of a comparison, as Word or PDF: what delegations print to negotiate.

Landscape A4, three columns: edition A's text | edition B's text with the changes marked
(inserted words underlined in bold, deleted words struck through: never colour alone) |
the amendments (number, operation, status, proposer, co-sponsors) and the positions
(stance, organisation) concerning the row. The input is the
:class:`~guidelines.selectors.Comparison` the page shows, its filters applied, so what is
printed is what is on screen. Across languages the texts stand side by side, unmarked,
and the document says so.

No queries: the comparison carries everything, its amendments with their co-sponsorships
prefetched (``compare_editions(..., with_cosponsors=True)``). python-docx, WeasyPrint and
the template engine are imported only when called. The PDF is ``synoptic_pdf.html``
(Django's template engine escapes every text) laid out by WeasyPrint with the edition
export's URL fetcher, which fetches nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from guidelines.exporting import DOCX_LANGUAGES, _refuse_fetch, xml_safe
from guidelines.selectors import NOT_KNOWN, UNMATCHED, CompareRow, Comparison

if TYPE_CHECKING:
    from guidelines.models import Edition

INSERT, DELETE, EQUAL = "insert", "delete", "equal"
HEADING_KINDS = ("section", "article")  # Clause.Kind values: rows set apart in print

KIND_LABELS = {
    "same": gettext_lazy("unchanged"),
    "modified": gettext_lazy("modified"),
    "renumbered": gettext_lazy("renumbered"),
    "new": gettext_lazy("new"),
    "deleted": gettext_lazy("deleted"),
    "split": gettext_lazy("split"),
    "merged": gettext_lazy("merged"),
    NOT_KNOWN: gettext_lazy("not known"),
    UNMATCHED: gettext_lazy("not matched"),
}


@dataclass(frozen=True)
class Run:
    op: str  # INSERT, DELETE or EQUAL
    text: str


@dataclass(frozen=True)
class ClauseText:
    number: str
    text: str


@dataclass(frozen=True)
class AmendmentNote:
    number: str
    operation: str
    status: str
    proposer: str
    cosponsors: tuple[str, ...]

    @property
    def proposed_by(self) -> str:
        if self.cosponsors:
            return _("Proposed by %(proposer)s; co-sponsored by %(cosponsors)s") % {
                "proposer": self.proposer,
                "cosponsors": ", ".join(self.cosponsors),
            }
        return _("Proposed by %(proposer)s") % {"proposer": self.proposer}


@dataclass(frozen=True)
class PositionNote:
    stance: str
    organisation: str
    summary: str


@dataclass(frozen=True)
class SynopticRow:
    kind: str
    kind_label: str
    changed: bool
    is_heading: bool  # a section or article heading: shaded, as a divider
    a: tuple[ClauseText, ...]  # empty: the clause is not in A
    b_number: str  # empty: no clause of B on this row, or an unnumbered heading
    b_remarks: tuple[str, ...]  # "was 8", "inserted by A-2"
    b_runs: tuple[Run, ...]  # empty: ``b_missing`` says why
    b_missing: str
    b_note: str
    amendments: tuple[AmendmentNote, ...]
    positions: tuple[PositionNote, ...]


@dataclass(frozen=True)
class EditionLine:
    label: str
    status: str
    partial: bool
    language: str  # the edition's language code: its texts are tagged with it
    language_name: str

    @property
    def text(self) -> str:
        """``label — status`` and ``— partial`` where it is."""
        parts = [self.label, self.status]
        if self.partial:
            parts.append(_("partial"))
        return " — ".join(parts)


@dataclass(frozen=True)
class SynopticTable:
    a: EditionLine
    b: EditionLine
    marked: bool  # False across languages: no marks, the texts side by side
    notices: tuple[str, ...]
    filters: tuple[str, ...]
    rows: tuple[SynopticRow, ...]

    @property
    def heading(self) -> str:
        return _("Synoptic table: %(a)s against %(b)s") % {"a": self.a.label, "b": self.b.label}

    @property
    def header_line(self) -> str:
        """The line at the top of every page: both editions, their statuses, "partial"."""
        return f"{self.a.text}  ↔  {self.b.text}"


def _edition_line(edition: Edition) -> EditionLine:
    return EditionLine(
        label=edition.label,
        status=str(edition.get_status_display()),
        partial=edition.is_partial,
        language=edition.language,
        language_name=str(edition.get_language_display()),
    )


def _number(clause: dict[str, Any]) -> str:
    """The number as printed: "Article 3" for an article, as the edition's page has it."""
    if clause.get("kind") == "article" and clause["number"]:
        return _("Article %(number)s") % {"number": clause["number"]}
    return str(clause["number"])


def _b_cell(row: CompareRow, marked: bool) -> tuple[str, tuple[str, ...], tuple[Run, ...], str]:
    """B's number, remarks, marked text, and what stands there when there is no text.

    The page's ``_compare_cell_b.html`` in plain data; across languages nothing is marked.
    """
    if row.b is None:
        if row.kind == NOT_KNOWN:
            return "", (), (), _("Not known: the second edition is partial.")
        if row.kind == UNMATCHED:
            return "", (), (), _("Not matched.")
        if marked:  # deleted: A's words, struck through
            return "", (), (Run(DELETE, row.a[0]["words"]),), ""
        return "", (), (), "—"
    remarks: list[str] = []
    if row.b.get("inserted_by"):
        remarks.append(_("inserted by %(n)s") % {"n": row.b["inserted_by"]})
    if len(row.a) == 1 and row.a[0]["number"] and row.a[0]["number"] != row.b["number"]:
        remarks.append(_("was %(n)s") % {"n": row.a[0]["number"]})
    runs: tuple[Run, ...] = ()
    if marked and row.a:
        runs = tuple(Run(op.op, op.text) for op in row.ops if op.text)
    elif row.b["words"]:
        runs = (Run(INSERT if marked and row.kind == "new" else EQUAL, row.b["words"]),)
    return (
        _number(row.b),
        tuple(remarks),
        runs,
        "" if runs else _("(text not known)"),
    )


def synoptic_table(comparison: Comparison, *, filters: Sequence[str] = ()) -> SynopticTable:
    """The comparison as plain, translated values for the writers.

    ``filters`` are the options and filters in force, as the reader should see them
    ("Changed rows only", "Stance: oppose"): the printout says what it leaves out.
    """
    a, b = _edition_line(comparison.a), _edition_line(comparison.b)
    marked = comparison.word_diff
    notices: list[str] = []
    if not marked:
        notices.append(
            _(
                "The two editions are in different languages (%(la)s, %(lb)s): their texts "
                "stand side by side, without marking the changes."
            )
            % {"la": a.language_name, "lb": b.language_name}
        )
    if b.partial:
        notices.append(
            _(
                "The second edition is partial: only some of its provisions are known. A "
                "clause of the first edition with no counterpart reads “not known”, not "
                "“deleted”."
            )
        )
    rows = []
    for row in comparison.rows:
        b_number, b_remarks, b_runs, b_missing = _b_cell(row, marked)
        rows.append(
            SynopticRow(
                kind=row.kind,
                kind_label=str(KIND_LABELS.get(row.kind, row.kind)),
                changed=row.changed,
                is_heading=any(c.get("kind") in HEADING_KINDS for c in [*row.a, row.b or {}]),
                a=tuple(ClauseText(_number(c), c["words"]) for c in row.a),
                b_number=b_number,
                b_remarks=b_remarks,
                b_runs=b_runs,
                b_missing=b_missing,
                b_note=(row.b or {}).get("note", ""),
                amendments=tuple(
                    AmendmentNote(
                        # A draft has no number until it is submitted.
                        number=amendment.number or _("unnumbered"),
                        operation=str(amendment.get_operation_display()),
                        status=str(amendment.get_status_display()),
                        proposer=str(amendment.proposer),
                        cosponsors=tuple(
                            str(c.organisation) for c in amendment.cosponsorships.all()
                        ),
                    )
                    for amendment in row.amendments
                ),
                positions=tuple(
                    PositionNote(p.stance_label, p.organisation, p.summary) for p in row.positions
                ),
            )
        )
    return SynopticTable(a, b, marked, tuple(notices), tuple(filters), tuple(rows))


def _page_parts() -> list[tuple[str, str]]:
    """The footer's "Page X of Y" in the reader's language, cut around the two numbers:
    [("text", "Page "), ("page", ""), ("text", " of "), ("pages", "")]."""
    template = _("Page %(page)s of %(pages)s")
    parts: list[tuple[str, str]] = []
    for index, piece in enumerate(re.split(r"%\((page|pages)\)s", template)):
        if index % 2:
            parts.append((piece, ""))
        elif piece:
            parts.append(("text", piece))
    return parts


# --- Word -----------------------------------------------------------------------------

DOCX_PAGE_CM = (29.7, 21.0)  # A4, landscape
DOCX_MARGIN_CM = 1.5
DOCX_COLUMNS_CM = (9.6, 10.2, 6.9)  # A | B | amendments and positions: the page's width
DOCX_TEXT_PT = 9.5
DOCX_CELL_STYLE = "Synoptic Cell"
DOCX_SMALL_PT = 8
DOCX_HEADER_FILL = "E7E7E7"
DOCX_HEADING_FILL = "F3F3F3"


def to_docx(comparison: Comparison, *, filters: Sequence[str] = ()) -> bytes:
    """The synoptic table as a Word document: landscape A4, a three-column table whose
    header row repeats on every page, the changes as run formatting (inserted words
    underlined and bold, deleted ones struck through), both editions in each page's
    header and "Page X of Y" in its footer."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table_data = synoptic_table(comparison, filters=filters)
    document = Document()
    properties = document.core_properties
    properties.title = xml_safe(table_data.heading)
    properties.subject = xml_safe(table_data.header_line)
    # The template's author ("python-docx") would show in Word: the file is the product's.
    properties.author = properties.last_modified_by = "Redraft"
    language = get_language() or "en"
    properties.language = language
    # The document's own words are in the reader's language; each text run is tagged
    # with its edition's.
    for lang in document.styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), DOCX_LANGUAGES.get(language, language))
    document.styles["Normal"].font.size = Pt(10)
    cell_style = document.styles.add_style(DOCX_CELL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    cell_style.base_style = document.styles["Normal"]
    cell_style.font.size = Pt(DOCX_TEXT_PT)
    cell_style.paragraph_format.space_before = Pt(0)
    cell_style.paragraph_format.space_after = Pt(3)
    _docx_page(document, table_data)

    document.add_heading(xml_safe(table_data.heading), level=1)
    for letter, edition in (("A", table_data.a), ("B", table_data.b)):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(f"{letter}\u2003").bold = True
        paragraph.add_run(xml_safe(edition.text))
    for notice in table_data.notices:
        document.add_paragraph().add_run(xml_safe(notice)).italic = True
    if table_data.filters:
        filters_line = _("Filters: %(filters)s") % {"filters": "; ".join(table_data.filters)}
        document.add_paragraph(xml_safe(filters_line))
    if table_data.marked:
        legend = document.add_paragraph(_("Legend:") + " ")
        legend_runs = [Run(INSERT, _("inserted words")), Run(EQUAL, ", ")]
        _docx_runs(legend, [*legend_runs, Run(DELETE, _("deleted words"))], language)
    _docx_table(document, table_data)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_page(document: Any, table_data: SynopticTable) -> None:
    """Landscape A4; both editions in the header, "Page X of Y" (fields) in the footer."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(DOCX_PAGE_CM[0]), Cm(DOCX_PAGE_CM[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(DOCX_MARGIN_CM))
    section.header_distance = section.footer_distance = Cm(0.8)
    # The page numbers are fields, which take the paragraph's size: set it on the style.
    for style in ("Header", "Footer"):
        document.styles[style].font.size = Pt(DOCX_SMALL_PT)
    section.header.paragraphs[0].add_run(xml_safe(table_data.header_line))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for part, text in _page_parts():
        if part == "text":
            footer.add_run(text)
        else:
            field = OxmlElement("w:fldSimple")
            field.set(qn("w:instr"), "PAGE" if part == "page" else "NUMPAGES")
            footer._p.append(field)


def _docx_table(document: Any, table_data: SynopticTable) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    titles = (table_data.a.label, table_data.b.label, _("Amendments and positions"))
    table = document.add_table(rows=1, cols=len(titles))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Room above and below the text in each cell (in twentieths of a point).
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 40), ("left", 100), ("bottom", 20), ("right", 100)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    # Where the schema's sequence puts it: Word refuses elements out of order.
    table._tbl.tblPr.insert_element_before(
        margins, "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"
    )
    header_row = table.rows[0]
    # Word (and LibreOffice) repeat a row marked so at the top of each page.
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, title in zip(header_row.cells, titles, strict=True):
        _docx_paragraph(cell).add_run(xml_safe(title)).bold = True
        _docx_shade(cell, DOCX_HEADER_FILL)
    for row in table_data.rows:
        _docx_row(table.add_row().cells, row, table_data)
    if not table_data.rows:
        cells = table.add_row().cells
        empty = _docx_paragraph(cells[0].merge(cells[-1]))
        empty.add_run(_("No row matches the filters.")).italic = True
    # Word reads the cells' widths, LibreOffice the grid's: set both.
    for column, width in zip(table.columns, DOCX_COLUMNS_CM, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _docx_row(cells: Sequence[Any], row: SynopticRow, table_data: SynopticTable) -> None:
    a_cell, b_cell, notes_cell = cells
    if row.is_heading:
        _docx_shade(a_cell, DOCX_HEADING_FILL)
        _docx_shade(b_cell, DOCX_HEADING_FILL)
    for clause in row.a:
        paragraph = _docx_paragraph(a_cell)
        if clause.number:
            paragraph.add_run(xml_safe(clause.number) + "\u2003").bold = True
        _docx_runs(paragraph, [Run(EQUAL, clause.text)], table_data.a.language)
    if not row.a:
        _docx_paragraph(a_cell).add_run("—")

    paragraph = _docx_paragraph(b_cell)
    if row.b_number:
        paragraph.add_run(xml_safe(row.b_number) + " ").bold = True
    _docx_small(paragraph, ", ".join([row.kind_label, *row.b_remarks]) + "\u2003", italic=True)
    if row.b_runs:
        _docx_runs(paragraph, row.b_runs, table_data.b.language)
    else:
        paragraph.add_run(xml_safe(row.b_missing)).italic = True
    if row.b_note:
        _docx_small(_docx_paragraph(b_cell), row.b_note, italic=True)

    for amendment in row.amendments:
        paragraph = _docx_paragraph(notes_cell)
        paragraph.add_run(xml_safe(amendment.number)).bold = True
        paragraph.add_run(xml_safe(f" — {amendment.operation} — {amendment.status}"))
        _docx_small(_docx_paragraph(notes_cell), amendment.proposed_by)
    for position in row.positions:
        paragraph = _docx_paragraph(notes_cell)
        paragraph.add_run(xml_safe(f"[{position.stance}] ")).italic = True
        paragraph.add_run(xml_safe(position.organisation)).bold = True
        if position.summary:
            paragraph.add_run(xml_safe(f" — {position.summary}"))


# What follows <w:shd> in a cell's properties (ECMA-376 CT_TcPr).
TC_PR_AFTER_SHADING = (
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
    "headers",
    "cellIns",
    "cellDel",
    "cellMerge",
    "tcPrChange",
)


def _docx_shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().insert_element_before(
        shading, *(f"w:{tag}" for tag in TC_PR_AFTER_SHADING)
    )


def _docx_paragraph(cell: Any) -> Any:
    """A new paragraph in a table cell, in the cells' style; a new cell's own empty
    paragraph is used first."""
    paragraphs = cell.paragraphs
    if len(paragraphs) == 1 and not paragraphs[0].runs:
        paragraph = paragraphs[0]
    else:
        paragraph = cell.add_paragraph()
    paragraph.style = DOCX_CELL_STYLE
    return paragraph


def _docx_runs(paragraph: Any, runs: Sequence[Run], language: str) -> None:
    """Inserted words underlined and bold, deleted ones struck through; tagged with the
    edition's language (for the spell checker)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for item in runs:
        run = paragraph.add_run(xml_safe(item.text))
        if item.op == INSERT:
            run.font.underline = run.font.bold = True
        elif item.op == DELETE:
            run.font.strike = True
        if language:
            lang = OxmlElement("w:lang")
            lang.set(qn("w:val"), DOCX_LANGUAGES.get(language, language))
            run._r.get_or_add_rPr().append(lang)


def _docx_small(paragraph: Any, text: str, *, italic: bool = False) -> Any:
    from docx.shared import Pt

    run = paragraph.add_run(xml_safe(text))
    run.font.size = Pt(DOCX_SMALL_PT)
    run.italic = italic or None
    return run


# --- PDF ------------------------------------------------------------------------------

PDF_TEMPLATE = "guidelines/synoptic_pdf.html"


def to_pdf(comparison: Comparison, *, filters: Sequence[str] = ()) -> bytes:
    """The synoptic table as a landscape A4 PDF: ``synoptic_pdf.html`` (Django's template
    engine escapes every text) laid out by WeasyPrint, which fetches nothing. The table
    header repeats on every page; each page's header names both editions, its footer
    "Page X of Y"."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    table_data = synoptic_table(comparison, filters=filters)
    html = render_to_string(
        PDF_TEMPLATE,
        {
            "table": table_data,
            "language": get_language() or "en",
            "page_parts": _page_parts(),
        },
    )
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None  # no target given: WeasyPrint returns the bytes
    return bytes(pdf)


# --- the table the download view uses --------------------------------------------------


@dataclass(frozen=True)
class SynopticFormat:
    write: Callable[..., bytes]
    content_type: str
    extension: str


FORMATS: dict[str, SynopticFormat] = {
    "docx": SynopticFormat(
        to_docx,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "pdf": SynopticFormat(to_pdf, "application/pdf", "pdf"),
}
