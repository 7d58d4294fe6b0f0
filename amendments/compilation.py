"""The compilation of amendments of an edition, written out as CSV, JSON or Word.

Pure writers: plain rows in (``CompilationRow``, built by
``amendments.selectors.compilation_rows``), bytes or text out. The only Django import
is ``gettext``, for the Word document's own words (title, column headings); the display
labels of statuses and operations come in the rows, already translated.

CSV and JSON carry the stable codes (``adopted_as_amended``, ``insert``) so that a
spreadsheet filter or a script does not depend on the interface language; the Word
document, which a Committee secretary circulates, carries the labels.

Public exports name organisations, never individual users: nothing here knows a user.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and
# carriage return, as the start of one after its own trimming): OWASP's CSV injection list.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 forbids: lxml refuses them, so a Word document would fail to build.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

CSV_COLUMNS = (
    "number",
    "clause_number",
    "clause_eid",
    "operation",
    "insert_position",
    "base_text",
    "proposed_text",
    "adopted_text",
    "justification",
    "proposer",
    "cosponsors",
    "supports",
    "status",
    "recommendation",
    "recommended_outcome",
)


@dataclass(frozen=True)
class CompilationEdition:
    """The edition compiled: what the JSON contract of exports shows, plus the label of
    its status for the Word document."""

    slug: str
    label: str
    language: str
    status: str
    completeness: str
    status_label: str = ""

    @property
    def is_partial(self) -> bool:
        return self.completeness == "partial"


@dataclass(frozen=True)
class CompilationSupport:
    """An organisation's stance on an amendment (``support`` or ``oppose``)."""

    organisation: str
    stance: str
    stance_label: str = ""


@dataclass(frozen=True)
class CompilationRow:
    """One amendment. Codes (``operation``, ``status``…) with their display labels
    (``*_label``) beside them; empty strings for what does not apply."""

    number: str
    clause_number: str
    clause_eid: str
    operation: str
    insert_position: str
    base_text: str
    proposed_text: str
    adopted_text: str
    justification: str
    proposer: str
    status: str
    recommendation: str
    recommended_outcome: str
    cosponsors: tuple[str, ...] = ()
    supports: tuple[CompilationSupport, ...] = ()
    operation_label: str = ""
    insert_position_label: str = ""
    status_label: str = ""
    recommended_outcome_label: str = ""


def neutralise_cell(value: str) -> str:
    """``value`` made safe for a spreadsheet cell: a quote before a leading ``=``, ``+``,
    ``-``, ``@``, tab or carriage return, so that Excel or LibreOffice shows the text
    instead of evaluating it as a formula (``=HYPERLINK(…)`` and the like).

    Only the first character counts: a text that merely contains them later is left as
    it is. A legitimate text starting with ``-`` (a bullet, a negative number) gets the
    quote too; that is the accepted price of the defence (OWASP's advice), and the
    quote is visible only in the raw file, not as a change of meaning.
    """
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _supports_text(supports: Sequence[CompilationSupport]) -> str:
    return "; ".join(f"{s.organisation}: {s.stance}" for s in supports)


def csv_record(row: CompilationRow) -> list[str]:
    """The row's cells in ``CSV_COLUMNS`` order, before neutralisation. Co-sponsors and
    supports are joined with ``"; "``."""
    return [
        row.number,
        row.clause_number,
        row.clause_eid,
        row.operation,
        row.insert_position,
        row.base_text,
        row.proposed_text,
        row.adopted_text,
        row.justification,
        row.proposer,
        "; ".join(row.cosponsors),
        _supports_text(row.supports),
        row.status,
        row.recommendation,
        row.recommended_outcome,
    ]


def to_csv(rows: Sequence[CompilationRow]) -> bytes:
    """UTF-8 with a byte-order mark (so that Excel reads it as UTF-8), a header row,
    every cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in csv_record(row)])
    return buffer.getvalue().encode("utf-8-sig")


def json_record(row: CompilationRow) -> dict[str, Any]:
    """The row as the JSON export shows it: the CSV's fields, co-sponsors and supports as
    lists."""
    return {
        "number": row.number,
        "clause_number": row.clause_number,
        "clause_eid": row.clause_eid,
        "operation": row.operation,
        "insert_position": row.insert_position,
        "base_text": row.base_text,
        "proposed_text": row.proposed_text,
        "adopted_text": row.adopted_text,
        "justification": row.justification,
        "proposer": row.proposer,
        "cosponsors": list(row.cosponsors),
        "supports": [{"organisation": s.organisation, "stance": s.stance} for s in row.supports],
        "status": row.status,
        "recommendation": row.recommendation,
        "recommended_outcome": row.recommended_outcome,
    }


def to_json(edition: CompilationEdition, rows: Sequence[CompilationRow]) -> str:
    """``{"edition": {slug, label, language, status, completeness}, "amendments": [...]}``,
    the amendments in the rows' order."""
    payload = {
        "edition": {
            "slug": edition.slug,
            "label": edition.label,
            "language": edition.language,
            "status": edition.status,
            "completeness": edition.completeness,
        },
        "amendments": [json_record(row) for row in rows],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


# --- Word ---------------------------------------------------------------------------


def xml_safe(value: str) -> str:
    """``value`` without the control characters XML cannot hold (tab and line breaks stay:
    python-docx writes them as Word tabs and breaks)."""
    return _XML_ILLEGAL.sub("", value)


def _clause_cell(row: CompilationRow) -> str:
    if row.clause_number and row.clause_number != row.clause_eid:
        return f"{row.clause_number} ({row.clause_eid})"
    return row.clause_eid


def _operation_cell(row: CompilationRow) -> str:
    label = row.operation_label or row.operation
    if row.insert_position:
        return f"{label} ({row.insert_position_label or row.insert_position})"
    return label


def _organisations_cell(row: CompilationRow) -> list[str]:
    lines = [_("Proposed by: %(organisation)s") % {"organisation": row.proposer}]
    if row.cosponsors:
        lines.append(_("Co-sponsors: %(names)s") % {"names": "; ".join(row.cosponsors)})
    supporting = [s.organisation for s in row.supports if s.stance == "support"]
    opposing = [s.organisation for s in row.supports if s.stance == "oppose"]
    if supporting:
        lines.append(_("Supported by: %(names)s") % {"names": "; ".join(supporting)})
    if opposing:
        lines.append(_("Opposed by: %(names)s") % {"names": "; ".join(opposing)})
    return lines


def _status_cell(row: CompilationRow) -> list[str]:
    lines = [row.status_label or row.status]
    if row.adopted_text:
        lines.append(_("Adopted text: %(text)s") % {"text": row.adopted_text})
    if row.recommendation or row.recommended_outcome:
        outcome = row.recommended_outcome_label or row.recommended_outcome
        recommendation = " — ".join(part for part in (outcome, row.recommendation) if part)
        lines.append(_("Recommendation: %(text)s") % {"text": recommendation})
    return lines


def _docx_cells(row: CompilationRow) -> list[list[str]]:
    """The Word table's cells for one row, each a list of paragraphs."""
    proposed = row.proposed_text if row.operation != "delete" else ""
    return [
        [row.number],
        [_clause_cell(row)],
        [_operation_cell(row)],
        [proposed] if proposed else [],
        [row.justification] if row.justification else [],
        _organisations_cell(row),
        _status_cell(row),
    ]


def _fill(cell: Any, paragraphs: Sequence[str], *, bold: bool = False) -> None:
    """Write paragraphs into a table cell (which starts with one empty paragraph)."""
    for index, text in enumerate(paragraphs):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        run = paragraph.add_run(xml_safe(text))
        run.bold = bold or None


def to_docx(edition: CompilationEdition, rows: Sequence[CompilationRow]) -> bytes:
    """A Word document: the title, the edition's status and completeness, then one table
    row per amendment (number, clause, operation, proposed text, justification,
    proposing and co-sponsoring organisations with the supports, status with the
    adopted text and the recommendation). The heading row repeats on every page; the
    page is landscape, for seven columns.

    Texts are written as text (python-docx escapes them in the XML): nothing in an
    amendment can become markup.
    """
    # Imported here: the CSV and JSON downloads (and every page importing the selectors)
    # need not load python-docx and lxml.
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    document = Document()
    document.core_properties.title = xml_safe(
        _("Compilation of amendments — %(edition)s") % {"edition": edition.label}
    )
    # The template's own author ("python-docx") would show in Word's properties: the
    # document is the product's, not a person's.
    document.core_properties.author = "Redraft"
    document.core_properties.last_modified_by = "Redraft"
    document.core_properties.comments = ""

    # A4 landscape (UNESCO's paper), 2 cm margins: 25.7 cm for seven columns.
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)

    document.add_heading(document.core_properties.title, level=0)
    document.add_paragraph(
        xml_safe(
            _("Edition: %(label)s (%(slug)s). Status: %(status)s.")
            % {
                "label": edition.label,
                "slug": edition.slug,
                "status": edition.status_label or edition.status,
            }
        )
    )
    document.add_paragraph(
        _(
            "Partial edition: it holds only the provisions known so far; other provisions "
            "of the text are missing."
        )
        if edition.is_partial
        else _("Complete edition.")
    )

    columns = [  # heading, width in cm: the texts get the room
        (_("No."), 1.5),
        (_("Clause"), 2.4),
        (_("Operation"), 2.8),
        (_("Proposed text"), 6.5),
        (_("Justification"), 5.5),
        (_("Proposer and co-sponsors"), 3.6),
        (_("Status and recommendation"), 3.4),
    ]
    headings = [heading for heading, _width in columns]
    widths = [Cm(width) for _heading, width in columns]
    table = document.add_table(rows=1, cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # LibreOffice reads the grid
    header = table.rows[0]
    for cell, heading, width in zip(header.cells, headings, widths, strict=True):
        cell.width = width  # Word reads the cells
        _fill(cell, [heading], bold=True)
    # Mark the first row as the table's heading: Word repeats it on every page and
    # screen readers announce it as column headings.
    header_properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_properties.append(repeat)

    for row in rows:
        cells = table.add_row().cells
        for cell, paragraphs, width in zip(cells, _docx_cells(row), widths, strict=True):
            cell.width = width
            _fill(cell, paragraphs)

    if not rows:
        document.add_paragraph(_("No amendment has been submitted to this edition."))

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
