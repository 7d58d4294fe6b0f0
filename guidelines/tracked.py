"""An edition as Word tracked changes against another: the changes that turn the base
into the edition, each one an insertion (``w:ins``) or a deletion (``w:del``) that a
reader accepts or rejects in Word or LibreOffice.

Pure: plain data in (:class:`TrackedParagraph`, built by
``guidelines.selectors.tracked_changes``), bytes out. python-docx writes the document and
its styles (the same as :func:`guidelines.exporting.to_docx`); it has no API for tracked
changes, so the runs are written here as OOXML elements with lxml, as ECMA-376 Part 1
§17.13.5 describes them:

* an inserted run is ``<w:ins w:id w:author w:date><w:r><w:t>…</w:t></w:r></w:ins>``;
* a deleted run is ``<w:del …><w:r><w:delText>…</w:delText></w:r></w:del>``;
* a paragraph that is inserted or deleted as a whole has its paragraph mark marked too
  (``<w:pPr><w:rPr><w:ins …/></w:rPr></w:pPr>``), so accepting removes or keeps the
  paragraph itself, not just its words.

Each change names its author (the organisation that proposed the amendment which made
it) and its date (the amendment's adoption); ``w:id`` is unique in the document.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from guidelines.diffing import DiffOp
from guidelines.exporting import (
    EditionData,
    docx_bytes,
    docx_document,
    docx_paragraph_adder,
    words_for,
    xml_safe,
)

MarkChange = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class Author:
    """Who made a change and when (``None``: the date is not known)."""

    name: str
    date: datetime.datetime | None


@dataclass(frozen=True)
class TrackedParagraph:
    style: str  # a paragraph style of the Word export ("Heading 1", "Clause 2", …)
    ops: Sequence[DiffOp]  # the printed paragraph (number, tab, text), base to edition
    mark: MarkChange  # the paragraph itself: kept, inserted or deleted
    author: Author


def to_tracked_docx(
    edition: EditionData, *, base_label: str, paragraphs: Sequence[TrackedParagraph]
) -> bytes:
    """The edition with its differences from the base as tracked changes."""
    notice = words_for(edition)["tracked_against"].format(base=base_label)
    document = docx_document(edition, notices=[notice])
    ids = iter(range(1, 10**9))
    add = docx_paragraph_adder(document)
    for paragraph in paragraphs:
        p = add(paragraph.style)._p
        for op in paragraph.ops:
            if not op.text:
                continue
            if op.op == "equal":
                p.append(_run(op.text, deleted=False))
            else:
                change = _change("w:ins" if op.op == "insert" else "w:del", paragraph.author, ids)
                change.append(_run(op.text, deleted=op.op == "delete"))
                p.append(change)
        if paragraph.mark != "equal":
            _mark_paragraph(p, paragraph.mark, paragraph.author, ids)
    return docx_bytes(document)


def _change(tag: str, author: Author, ids: Iterator[int]) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    element.set(qn("w:id"), str(next(ids)))
    element.set(qn("w:author"), xml_safe(author.name) or "Redraft")
    if author.date is not None:
        when = author.date.astimezone(datetime.UTC).replace(microsecond=0, tzinfo=None)
        element.set(qn("w:date"), f"{when.isoformat()}Z")
    return element


def _run(text: str, *, deleted: bool) -> Any:
    """A run of text, tabs as ``w:tab``; deleted text is ``w:delText``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = OxmlElement("w:r")
    for index, piece in enumerate(xml_safe(text).split("\t")):
        if index:
            run.append(OxmlElement("w:tab"))
        if piece:
            element = OxmlElement("w:delText" if deleted else "w:t")
            element.text = piece
            element.set(qn("xml:space"), "preserve")
            run.append(element)
    return run


def _mark_paragraph(p: Any, mark: MarkChange, author: Author, ids: Iterator[int]) -> None:
    from docx.oxml import OxmlElement

    properties = p.get_or_add_pPr()
    run_properties = OxmlElement("w:rPr")
    run_properties.append(_change("w:ins" if mark == "insert" else "w:del", author, ids))
    # w:rPr follows w:pStyle and the other paragraph properties (CT_PPrBase's sequence);
    # the export sets only the style, so it goes last.
    properties.append(run_properties)
