"""Word files (.docx): Redraft's own export read back, Word's numbering and styles,
tracked changes, and hostile files (refused with a clear message, nothing written, in
bounded memory)."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from guidelines import wordfiles
from guidelines.exporting import EditionData, escape_heading, escape_inline, escape_start, to_docx
from guidelines.importing import (
    KIND_PARAGRAPH,
    KIND_SECTION,
    KIND_SUBPARAGRAPH,
    ImportFailure,
    ParsedClause,
    ParsedEdition,
    parse,
)
from guidelines.models import Clause, Edition
from guidelines.wordfiles import parse_docx, read_document, view
from tests.guidelines.test_exporting import TEXTS, editions
from tests.wordbuilder import (
    DOC_REL,
    W,
    abstract_num,
    change,
    docx,
    level,
    num,
    p,
    part,
    patch_member,
    relationships,
    style,
    t,
    zip_bytes,
)


def shape(clauses: list[ParsedClause]) -> list[tuple[str, str, str, str | None, str, str]]:
    return [(c.kind, c.number, c.eid, c.parent_eid, c.heading, c.text) for c in clauses]


def tree(parsed: ParsedEdition) -> list[tuple[str, str | None]]:
    """(number or eid, parent) of each clause: the numbering and the nesting."""
    return [(c.number or c.eid, c.parent_eid) for c in parsed.clauses]


def edition_data(title: str, subtitle: str, clauses: list[ParsedClause]) -> EditionData:
    return EditionData("inst", "ed", "Label", "fr", "adopted", "complete", title, subtitle, clauses)


def views(data: bytes, side: wordfiles.Side = "new") -> list[tuple[str | None, str]]:
    return [(v.label, v.text) for v in view(read_document(data), side)]


def messages(parsed: ParsedEdition) -> list[str]:
    return [str(w) for w in parsed.warnings]


# --- Redraft's own Word export reads back ------------------------------------------------


def test_the_2017_text_exported_to_word_reads_back_to_the_same_clauses(seed_text):
    parsed = parse(seed_text, markdown=False)
    data = to_docx(edition_data(parsed.title, parsed.subtitle, parsed.clauses))
    back = parse_docx(data)
    assert shape(back.clauses) == shape(parsed.clauses)
    assert len(back.clauses) == 103
    assert (back.title, back.subtitle) == (parsed.title, parsed.subtitle)
    assert back.warnings == []


def test_a_partial_edition_s_notice_and_a_text_not_known_read_back():
    clauses = [
        ParsedClause("paragraph", "1", "para_1", None, text="Known."),
        ParsedClause("paragraph", "2", "para_2", None, text=""),  # "(texte non connu)"
    ]
    edition = replace(edition_data("Titre", "", clauses), completeness="partial")
    back = parse_docx(to_docx(edition))
    assert shape(back.clauses) == shape(clauses)
    assert (back.title, back.subtitle) == ("Titre", "")


def unambiguous(text: str, escape: Callable[[str], str]) -> str:
    """``text``, or with a word before it when its start would read as a marker: Markdown
    escapes it (a backslash), a Word paragraph cannot, so "12. x" in a section's text or
    an unnumbered heading "II. x" is read as a number, as a person typing it means."""
    return text if escape(text) == escape_inline(text) else f"Parties {text}"


@st.composite
def word_editions(draw: st.DrawFn) -> EditionData:
    """The Markdown round trip's editions, with inserted clauses: "3 bis" or "1.2 ter"
    after a clause's subtree, "3 A" or "1.2 A" before the clause."""
    edition = draw(editions())
    clauses = list(edition.clauses)
    out: list[ParsedClause] = []
    after: dict[int, list[ParsedClause]] = {}
    for index, clause in enumerate(clauses):
        out += after.pop(index, [])
        if clause.kind == KIND_SECTION:
            if clause.text:
                clause = replace(clause, text=unambiguous(clause.text, escape_start))
            if not clause.number:
                clause = replace(clause, heading=unambiguous(clause.heading, escape_heading))
        suffix = ""
        if clause.kind in (KIND_PARAGRAPH, KIND_SUBPARAGRAPH):
            suffix = draw(st.sampled_from(["", "", "bis", "ter", "A"]))
        if suffix:
            inserted = replace(
                clause,
                number=f"{clause.number} {suffix}",
                eid=f"{clause.eid}{suffix}",
                text=draw(TEXTS),
            )
            if suffix == "A":
                out.append(inserted)
            else:
                end = next(
                    (j for j in range(index + 1, len(clauses)) if clauses[j].depth <= clause.depth),
                    len(clauses),
                )
                after.setdefault(end, []).insert(0, inserted)  # inner clauses first
        out.append(clause)
    out += after.pop(len(clauses), [])
    return replace(edition, clauses=out)


@hypothesis_settings(max_examples=40)
@given(word_editions())
def test_word_export_reads_back_to_the_same_clauses(edition):
    back = parse_docx(to_docx(edition))
    assert shape(back.clauses) == shape(list(edition.clauses))
    assert (back.title, back.subtitle) == (edition.title, edition.subtitle)
    assert back.warnings == []


def test_inserted_numbers_read_back_from_word():
    clauses = [
        ParsedClause("paragraph", "1", "para_1", None, text="One."),
        ParsedClause("subparagraph", "1.2 A", "para_1-2A", "para_1", text="Before.", depth=1),
        ParsedClause("subparagraph", "1.2", "para_1-2", "para_1", text="Two.", depth=1),
        ParsedClause("subparagraph", "1.2 bis", "para_1-2bis", "para_1", text="After.", depth=1),
        ParsedClause("paragraph", "1 ter", "para_1ter", None, text="Third."),
    ]
    back = parse_docx(to_docx(edition_data("T", "", clauses)))
    assert shape(back.clauses) == shape(clauses)


# --- automatic numbering ------------------------------------------------------------------

BULLET = "\uf0b7"  # Word's bullet, in the Symbol font
MULTILEVEL = abstract_num(
    1,
    level(0, "decimal", "%1."),
    level(1, "decimal", "%1.%2"),
    level(2, "decimal", "%1.%2.%3"),
    level(3, "lowerLetter", "%4)"),
    level(4, "bullet", BULLET),
)


def test_multilevel_numbering_gives_the_numbers_and_the_parents():
    body = "".join(
        p(text, num=(1, ilvl))
        for text, ilvl in [
            ("One", 0), ("One one", 1), ("One two", 1), ("Two", 0), ("Two one", 1),
            ("Two two", 1), ("Two two one", 2), ("Letter", 3), ("Bullet", 4),
            ("Three", 0), ("Three one", 1), ("Three one one", 2),
        ]
    )  # fmt: skip
    parsed = parse_docx(docx(body, numbering=MULTILEVEL + num(1, 1)))
    assert tree(parsed) == [
        ("1", None),
        ("1.1", "para_1"),
        ("1.2", "para_1"),
        ("2", None),
        ("2.1", "para_2"),
        ("2.2", "para_2"),
        ("2.2.1", "para_2-2"),
        ("a)", "para_2-2-1"),
        ("para_2-2-1__point_1", "para_2-2-1"),  # the bullet
        ("3", None),
        ("3.1", "para_3"),  # deeper levels restart after a higher one
        ("3.1.1", "para_3-1"),
    ]
    assert [c.text for c in parsed.clauses][6:9] == ["Two two one", "Letter", "Bullet"]
    assert parsed.warnings == []


def test_numbering_inherited_from_a_heading_style_numbers_the_sections():
    styles = style("Heading1", "heading 1", num=(2, 0)) + style("Title", "Title")
    numbering = abstract_num(2, level(0, "upperRoman", "%1.")) + num(2, 2)
    numbering += abstract_num(1, level(0, "decimal", "%1.")) + num(1, 1)
    body = (
        p("Guidelines", "Title")
        + p("Introduction", "Heading1")
        + p("First.", num=(1, 0))
        + p("Background", "Heading1")
        + p("Second.", num=(1, 0))
        + p("Annex", "Heading1", num=(0, 0))  # numId 0: no number, whatever the style
        + p("Third.", num=(1, 0))
    )
    parsed = parse_docx(docx(body, numbering=numbering, styles=styles))
    assert parsed.title == "Guidelines"
    sections = [(c.eid, c.number, c.heading) for c in parsed.clauses if c.kind == "section"]
    assert sections == [
        ("sec_I", "I", "Introduction"),
        ("sec_II", "II", "Background"),
        ("sec_3", "", "Annex"),
    ]
    assert tree(parsed)[-1] == ("3", "sec_3")


def test_start_override_restarts_a_list_at_its_value():
    numbering = abstract_num(1, level(0, "decimal", "%1.")) + num(1, 1) + num(2, 1, {0: 10})
    body = p("One", num=(1, 0)) + p("Two", num=(1, 0)) + p("Ten", num=(2, 0))
    body += p("Eleven", num=(2, 0))
    parsed = parse_docx(docx(body, numbering=numbering))
    assert [(c.number, c.text) for c in parsed.clauses] == [
        ("1", "One"),
        ("2", "Two"),
        ("10", "Ten"),
        ("11", "Eleven"),
    ]
    assert messages(parsed) == ["paragraph 3: paragraph 10 follows 2"]


def test_two_lists_of_one_abstract_list_continue_the_count():
    numbering = abstract_num(1, level(0, "decimal", "%1.")) + num(1, 1) + num(2, 1)
    body = p("One", num=(1, 0)) + p("Two", num=(2, 0)) + p("Three", num=(1, 0))
    parsed = parse_docx(docx(body, numbering=numbering))
    assert [(c.number, c.text) for c in parsed.clauses] == [
        ("1", "One"),
        ("2", "Two"),
        ("3", "Three"),
    ]


def test_num_id_0_means_no_number_and_takes_none():
    numbering = abstract_num(1, level(0, "decimal", "%1.")) + num(1, 1)
    body = p("One:", num=(1, 0)) + p("continued", num=(0, 0)) + p("Two", num=(1, 0))
    parsed = parse_docx(docx(body, numbering=numbering))
    assert [(c.number, c.text) for c in parsed.clauses] == [("1", "One: continued"), ("2", "Two")]


def test_a_level_that_never_restarts_continues_across_higher_levels():
    numbering = abstract_num(
        1,
        level(0, "decimal", "%1."),
        level(1, "decimal", "%1.%2", extra='<w:lvlRestart w:val="0"/>'),
    )
    body = "".join(
        p(text, num=(1, ilvl)) for text, ilvl in [("A", 0), ("B", 1), ("C", 0), ("D", 1)]
    )
    labels = [label for label, _ in views(docx(body, numbering=numbering + num(1, 1)))]
    assert labels == ["1.", "1.1", "2.", "2.2"]


def test_lettered_roman_and_legal_formats():
    numbering = abstract_num(
        1,
        level(0, "decimal", "%1."),
        level(1, "lowerRoman", "(%2)"),
        level(2, "upperLetter", "%3."),
        level(3, "lowerRoman", "%1.%4", extra="<w:isLgl/>"),
        level(4, "decimalZero", "%5"),
    )
    body = "".join(p("x", num=(1, ilvl)) for ilvl in [0, 1, 1, 1, 1, 2, 3, 4, 0])
    labels = [label for label, _ in views(docx(body, numbering=numbering + num(1, 1)))]
    assert labels == ["1.", "(i)", "(ii)", "(iii)", "(iv)", "A.", "1.i", "01", "2."]


# --- headings, typed numbers, what is not text ---------------------------------------------

STYLES = (
    style("Title", "Title")
    + style("Subtitle", "Subtitle")
    + style("Heading1", "heading 1")
    + style("Heading2", "heading 2")
    + style("Titre1", "heading 1")  # a French Word: the id is translated, not the name
    + style("PartHeading", "Part Heading", based_on="Heading1")
    + style("Outline", "Outline Only", outline=0)
    + style("EditionStatus", "Edition Status")
)


def test_headings_come_from_the_styles():
    body = (
        p("The Guidelines", "Title")
        + p("As approved", "Subtitle")
        + p("General", "Heading1")
        + p("1.\tOne.")
        + p("Details", "Heading2")
        + p("2.\tTwo.")
        + p("Scope", "Titre1")
        + p("3.\tThree.")
        + p("Roles", "PartHeading")
        + p("4.\tFour.")
        + p("Annex", "Outline")
        + p("5.\tFive.")
    )
    parsed = parse_docx(docx(body, styles=STYLES))
    assert (parsed.title, parsed.subtitle) == ("The Guidelines", "As approved")
    sections = [(c.eid, c.heading) for c in parsed.clauses if c.kind == "section"]
    assert sections == [
        ("sec_1", "General"),
        ("sec_2", "Details"),
        ("sec_3", "Scope"),
        ("sec_4", "Roles"),
        ("sec_5", "Annex"),
    ]
    assert tree(parsed)[-1] == ("5", "sec_5")
    assert parsed.warnings == []


def test_typed_numbers_are_read():
    body = p("Title", "Title") + p("12. Twelve.") + p("12.1\tTwelve one.") + p("a)\tLetter.")
    body += p("•\tBullet.") + p("13.\tThirteen.") + p("12 bis\tInserted.")
    parsed = parse_docx(docx(body, styles=STYLES))
    assert [(c.number or c.eid, c.parent_eid, c.text) for c in parsed.clauses] == [
        ("12", None, "Twelve."),
        ("12.1", "para_12", "Twelve one."),
        ("a)", "para_12-1", "Letter."),
        ("para_12-1__point_1", "para_12-1", "Bullet."),
        ("13", None, "Thirteen."),
        ("12 bis", None, "Inserted."),
    ]


def test_a_table_is_skipped_with_a_warning_and_its_text_is_in_no_clause():
    table = (
        "<w:tbl><w:tblPr/><w:tr><w:tc>"
        + p("1.\tCell paragraph")
        + "</w:tc><w:tc>"
        + p("Cell words")
        + "</w:tc></w:tr></w:tbl>"
    )
    parsed = parse_docx(docx(p("1.\tOne.") + table + p("2.\tTwo.")))
    assert [(c.number, c.text) for c in parsed.clauses] == [("1", "One."), ("2", "Two.")]
    assert messages(parsed) == ["a table after paragraph 1 is skipped: tables are not clauses"]
    assert "Cell" not in json.dumps([parsed.title, parsed.subtitle, shape(parsed.clauses)])


def test_footnotes_stay_out_of_the_clause_text():
    reference = (
        '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
        '<w:footnoteReference w:id="2"/></w:r>'
    )
    footnotes = (
        '<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r>'
        "<w:r><w:t>Footnote words.</w:t></w:r></w:p></w:footnote>"
    )
    body = p(runs=t("1.\tThe Parties") + reference + t(" shall act."))
    parsed = parse_docx(docx(body, footnotes=footnotes))
    assert [c.text for c in parsed.clauses] == ["The Parties shall act."]


TEXT_BOX = (
    '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
    "<a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>"
    + p("2.\tBox words")
    + "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
    "</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>"
    + p("2.\tBox words")
    + "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent>"
    "</w:r>"
)
DRAWING = (
    "<w:r><w:drawing><wp:inline><a:graphic><a:graphicData><wps:wsp><wps:txbx>"
    "<w:txbxContent>" + p("Drawing words") + "</w:txbxContent></wps:txbx></wps:wsp>"
    "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
)


def test_text_boxes_and_drawings_are_ignored():
    body = p(runs=t("1.\tOne") + TEXT_BOX + t(" and") + DRAWING + t(" only."))
    parsed = parse_docx(docx(body))
    assert [(c.number, c.text) for c in parsed.clauses] == [("1", "One and only.")]


def test_line_breaks_and_tabs_become_spaces():
    body = p(
        runs=t("1.\tFirst line") + "<w:r><w:br/><w:t>second</w:t><w:tab/><w:t>part</w:t></w:r>"
    )
    body += p(runs=t("2.\tA") + '<w:r><w:br w:type="page"/><w:cr/><w:t>B</w:t></w:r>')
    parsed = parse_docx(docx(body))
    assert [c.text for c in parsed.clauses] == ["First line second part", "A B"]


def test_redraft_s_edition_status_paragraphs_are_not_text():
    body = p("Titre", "Title") + p("Label — adopted", "EditionStatus")
    body += p("Partial edition: only the provisions reproduced here are known.", "EditionStatus")
    body += p("1.\tOne.")
    parsed = parse_docx(docx(body, styles=STYLES))
    assert (parsed.title, parsed.subtitle) == ("Titre", "")
    assert shape(parsed.clauses) == [("paragraph", "1", "para_1", None, "", "One.")]


def test_a_subtitle_that_looks_like_a_number_stays_the_subtitle():
    body = p("Titre", "Title") + p("12. - not a clause", "Subtitle") + p("1.\tOne.")
    parsed = parse_docx(docx(body, styles=STYLES))
    assert (parsed.title, parsed.subtitle) == ("Titre", "12. - not a clause")
    assert [c.number for c in parsed.clauses] == ["1"]


def test_comments_are_read_apart_from_the_text():
    runs = (
        '<w:commentRangeStart w:id="7"/>'
        + t("1.\tOne")
        + '<w:commentRangeEnd w:id="7"/><w:r><w:commentReference w:id="7"/></w:r>'
    )
    comments = '<w:comment w:id="7"><w:p><w:r><w:t>Why one?</w:t></w:r></w:p></w:comment>'
    document = read_document(docx(p(runs=runs), comments=comments))
    assert document.comments == {"7": "Why one?"}
    (paragraph,) = view(document, "new")
    assert (paragraph.text, paragraph.comments) == ("1.\tOne", ["7", "7"])


# --- tracked changes ----------------------------------------------------------------------


def test_insertions_and_deletions_give_the_old_and_the_new_text():
    runs = t("1.\tThe Parties ") + change("del", t("may"), 1) + change("ins", t("shall"), 2)
    runs += t(" act.")
    data = docx(p(runs=runs))
    assert views(data, "old") == [(None, "1.\tThe Parties may act.")]
    assert views(data, "new") == [(None, "1.\tThe Parties shall act.")]
    assert read_document(data).tracked


def test_an_inserted_paragraph_mark_joins_the_paragraphs_in_the_old_view():
    inserted = '<w:ins w:id="3" w:author="T" w:date="2025-01-01T00:00:00Z"/>'
    body = p("1.\tOne and ", mark=inserted) + p("two.") + p("2.\tThree.")
    data = docx(body)
    assert views(data, "old") == [(None, "1.\tOne and two."), (None, "2.\tThree.")]
    assert views(data, "new") == [(None, "1.\tOne and "), (None, "two."), (None, "2.\tThree.")]


def test_a_deleted_paragraph_mark_joins_the_paragraphs_in_the_new_view():
    deleted = '<w:del w:id="4" w:author="T" w:date="2025-01-01T00:00:00Z"/>'
    body = p("1.\tOne ", mark=deleted) + p(runs=change("del", t("2.\t"), 5) + t("and two."))
    data = docx(body)
    assert views(data, "old") == [(None, "1.\tOne "), (None, "2.\tand two.")]
    assert views(data, "new") == [(None, "1.\tOne and two.")]


def test_each_view_is_numbered_on_its_own():
    numbering = abstract_num(1, level(0, "decimal", "%1.")) + num(1, 1)
    was_plain = (
        '<w:pPrChange w:id="6" w:author="T" w:date="2025-01-01T00:00:00Z"><w:pPr/></w:pPrChange>'
    )
    body = (
        p("One", num=(1, 0))
        + f'<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>{was_plain}'
        f"</w:pPr>{t('New')}</w:p>" + p("Two", num=(1, 0))
    )
    data = docx(body, numbering=numbering)
    assert views(data, "old") == [("1.", "One"), (None, "New"), ("2.", "Two")]
    assert views(data, "new") == [("1.", "One"), ("2.", "New"), ("3.", "Two")]


def test_a_tracked_file_is_read_with_every_change_accepted_and_a_warning():
    runs = t("1.\tThe Parties ") + change("del", t("may"), 1) + change("ins", t("shall"), 2)
    body = p(runs=runs + t(" act.")) + p(runs=change("ins", t("2.\tNew paragraph."), 3))
    parsed = parse_docx(docx(body))
    assert [(c.number, c.text) for c in parsed.clauses] == [
        ("1", "The Parties shall act."),
        ("2", "New paragraph."),
    ]
    assert messages(parsed) == [
        "the file has tracked changes: read as if every change were accepted"
    ]


# --- hostile files ---------------------------------------------------------------------------

BIG = 150 * wordfiles.MB


def bomb(size: int = BIG, *, name: str = "word/document.xml") -> bytes:
    """A package whose ``name`` is ``size`` bytes of spaces, deflated (about 1000:1),
    written in chunks so that the test never holds it whole."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(name, "w") as stream:
            chunk = b" " * wordfiles.MB
            for _ in range(size // wordfiles.MB):
                stream.write(chunk)
    return buffer.getvalue()


def lying_header() -> bytes:
    """A 30 MB part whose headers say 1,000 bytes."""
    data = bomb(30 * wordfiles.MB)
    return patch_member(data, "word/document.xml", file_size=1000)


def many_elements() -> bytes:
    """40 MB of empty paragraphs: within the bytes and the ratio, not within the nodes
    (before the node limit, this 1 MB file took 6 GB and two minutes)."""
    rng = random.Random(0)
    buffer = io.BytesIO()
    head, tail = part("document", "<w:body>|</w:body>").split("|")
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as stream,
    ):
        stream.write(head.encode())
        for _ in range(120_000):  # noise keeps the ratio near 40
            stream.write(b"<w:p/>" * 50 + f"<!--{rng.getrandbits(32):08x}-->".encode())
        stream.write(tail.encode())
    return buffer.getvalue()


def many_members() -> bytes:
    files = {f"word/media/{i}.xml": b"" for i in range(wordfiles.MAX_MEMBERS + 1)}
    return docx(p("1.\tOne."), members=files)


LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)  # 10^9 "lol" once expanded
BILLION_LAUGHS = (
    f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{LAUGHS}]>'
    f'<w:document xmlns:w="{W}"><w:body>{p(runs="<w:r><w:t>1. &lol9;</w:t></w:r>")}'
    "</w:body></w:document>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<w:document xmlns:w="{W}"><w:body>{p(runs="<w:r><w:t>1. &x;</w:t></w:r>")}'
    "</w:body></w:document>"
)


def utf16(xml: str) -> bytes:
    """The same part in UTF-16, where the bytes b"<!DOCTYPE" are nowhere."""
    return xml.replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>').encode("utf-16")


def utf7(xml: str) -> bytes:
    """The same part in UTF-7, its "<" of the DTD spelled "+ADw-": only libxml2 sees it."""
    xml = xml.replace('version="1.0"?>', 'version="1.0" encoding="UTF-7"?>')
    return xml.encode().replace(b"<!D", b"+ADw-!D").replace(b"<!E", b"+ADw-!E")


def encrypted_member() -> bytes:
    data = zip_bytes({"[Content_Types].xml": "<Types/>"})
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", part("document", f"<w:body>{p('1. x')}</w:body>"))
    return patch_member(buffer.getvalue(), "word/document.xml", flag_bits=0x1)


def spreadsheet() -> bytes:
    workbook = (
        '<?xml version="1.0"?><workbook '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'
    )
    return docx(
        "",
        members={
            "word/document.xml": None,
            "_rels/.rels": relationships([(f"{DOC_REL}/officeDocument", "xl/workbook.xml")]),
            "xl/workbook.xml": workbook,
        },
    )


def damaged() -> bytes:
    """A package whose main part's deflated data is overwritten in the middle."""
    info = zipfile.ZipFile(io.BytesIO(GOOD)).getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    return GOOD[:start] + b"\xff" * 20 + GOOD[start + 20 :]


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
GOOD = docx(p("1.\tOne."))

# id -> (the file, words of the message)
HOSTILE: dict[str, tuple[Callable[[], bytes], list[str]]] = {
    "empty": (lambda: b"", ["the file is empty"]),
    "plain text": (lambda: b"1. One.\n2. Two.\n", ["not a Word document", "not a zip"]),
    "random bytes": (lambda: random.Random(1).randbytes(4096), ["not a zip"]),
    "pdf": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", ["not a zip"]),
    "truncated zip": (lambda: GOOD[: len(GOOD) // 2], ["the zip is damaged"]),
    "damaged part": (damaged, ["the part word/document.xml of the file is damaged"]),
    "zip bomb, 150 MB": (bomb, ["word/document.xml", "zip bomb", "40 MB"]),
    "zip bomb by ratio, 30 MB": (
        lambda: bomb(30 * wordfiles.MB),
        ["word/document.xml", "zip bomb", "100 times"],
    ),
    "header lying about the size": (lying_header, ["word/document.xml", "damaged"]),
    "too many members": (many_members, ["more than 10000 parts"]),
    "too many elements": (many_elements, ["too many XML elements"]),
    "billion laughs": (
        lambda: docx("", members={"word/document.xml": BILLION_LAUGHS}),
        ["word/document.xml", "DTD or XML entities"],
    ),
    "billion laughs in UTF-16": (
        lambda: docx("", members={"word/document.xml": utf16(BILLION_LAUGHS)}),
        ["word/document.xml", "DTD or XML entities"],
    ),
    "external entity": (
        lambda: docx("", members={"word/document.xml": EXTERNAL_ENTITY}),
        ["word/document.xml", "DTD or XML entities"],
    ),
    "external entity in UTF-16": (
        lambda: docx("", members={"word/document.xml": utf16(EXTERNAL_ENTITY)}),
        ["DTD or XML entities"],
    ),
    "billion laughs in UTF-7": (  # libxml2 stops it: its message, not ours
        lambda: docx("", members={"word/document.xml": utf7(BILLION_LAUGHS)}),
        ["word/document.xml", "not well-formed XML"],
    ),
    "external entity in UTF-7": (
        lambda: docx("", members={"word/document.xml": utf7(EXTERNAL_ENTITY)}),
        ["DTD or XML entities"],
    ),
    "no word/document.xml": (
        lambda: docx(p("1. x"), members={"word/document.xml": None}),
        ["no main document", "not a Word document"],
    ),
    "spreadsheet": (spreadsheet, ["not a Word document", "spreadsheet"]),
    "encrypted Word file": (
        lambda: OLE + "EncryptedPackage".encode("utf-16-le") + bytes(100),
        ["encrypted", "password"],
    ),
    "legacy .doc": (lambda: OLE + b"Microsoft Word-Dokument" + bytes(100), [".doc", ".docx"]),
    "encrypted member": (encrypted_member, ["encrypted"]),
    "over MAX_FILE_BYTES": (
        lambda: GOOD + bytes(wordfiles.MAX_FILE_BYTES + 1 - len(GOOD)),
        ["larger than 20 MB"],
    ),
    "not XML": (
        lambda: docx("", members={"word/document.xml": b"<w:document><w:body>"}),
        ["word/document.xml", "not well-formed XML"],
    ),
}


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    """Each hostile file, built once, on disk."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for index, (case, (build, _words)) in enumerate(HOSTILE.items()):
        paths[case] = folder / f"{index}.docx"
        paths[case].write_bytes(build())
    return paths


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_is_refused_with_a_clear_message(case, hostile_files):
    with pytest.raises(ImportFailure) as error:
        parse_docx(hostile_files[case].read_bytes())
    for words in HOSTILE[case][1]:
        assert words in str(error.value)
    assert "root:" not in str(error.value)  # nothing of /etc/passwd, whatever the case


@pytest.mark.django_db
@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_imports_nothing(case, hostile_files, make_edition):
    edition = make_edition("1. Existing.\n\n2. Text.", slug="draft-x", instrument="test-inst")
    counts = (Edition.objects.count(), Clause.objects.count(), Clause.history.count())
    with pytest.raises(CommandError) as error:
        call_command(
            "import_edition", str(hostile_files[case]), "--instrument", "test-inst",
            "--edition", "draft-x", "--label", "Draft X", "--language", "en",
        )  # fmt: skip
    assert str(error.value).startswith(f"{hostile_files[case]}: ")
    for words in HOSTILE[case][1]:
        assert words in str(error.value)
    assert (Edition.objects.count(), Clause.objects.count(), Clause.history.count()) == counts
    assert [c.text for c in Clause.objects.filter(edition=edition).order_by("order")] == [
        "Existing.",
        "Text.",
    ]


MEASURE = """
import json, resource, sys
import django
django.setup()
from guidelines.importing import ImportFailure
from guidelines.wordfiles import parse_docx
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    parse_docx(data)
    error = None
except ImportFailure as exc:
    error = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth": after - before, "error": error}))
"""
MEMORY_LIMIT_KB = 200 * 1024  # ru_maxrss is in kilobytes on Linux


def measure(path: Path) -> tuple[int, str | None]:
    """Peak resident memory of a fresh process reading ``path``: its growth from after
    Django started and the file's bytes were read (kB), and the refusal, if any."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env=env,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return figures["growth"], figures["error"]


@pytest.mark.parametrize(
    "case",
    [
        "zip bomb, 150 MB",
        "zip bomb by ratio, 30 MB",
        "header lying about the size",
        "too many members",
        "too many elements",
        "billion laughs",
        "billion laughs in UTF-16",
        "billion laughs in UTF-7",
    ],
)
def test_a_hostile_file_is_refused_in_bounded_memory(case, hostile_files):
    growth, error = measure(hostile_files[case])
    assert error is not None and HOSTILE[case][1][-1] in error
    assert growth < MEMORY_LIMIT_KB, f"{case}: {growth // 1024} MB"


def test_the_costliest_file_within_the_limits_is_read_in_bounded_memory(tmp_path):
    """Attributes cost lxml the most (about 240 bytes each): a part of empty runs of 200
    attributes, just under MAX_NODES, is read, within the memory bound."""
    rng = random.Random(0)
    attributes = " ".join(f'a{i}=""' for i in range(200))
    count = (wordfiles.MAX_NODES - 1_000) // 204  # 200 "=" and 4 "<" in each paragraph
    body = p("1.\tOne.") + "".join(
        f"<w:p><w:r {attributes}/><!--{rng.getrandbits(64):016x}--></w:p>" for _ in range(count)
    )
    path = tmp_path / "costly.docx"
    path.write_bytes(docx(body))
    growth, error = measure(path)
    assert error is None
    assert growth < MEMORY_LIMIT_KB, f"{growth // 1024} MB"


def test_a_part_is_read_within_the_total_limit(monkeypatch):
    styles = style("Heading1", "heading 1") * 200
    data = docx(p("1.\tOne."), styles=styles)
    assert parse_docx(data).clauses  # within the limits
    monkeypatch.setattr(wordfiles, "MAX_TOTAL_BYTES", len(part("styles", styles)) + 100)
    # The main part is read first; styles.xml would fit alone, not after it.
    with pytest.raises(ImportFailure, match=r"the part word/styles.xml inflates beyond"):
        parse_docx(data)


def test_a_part_over_the_part_limit_is_refused_whatever_its_ratio(monkeypatch):
    monkeypatch.setattr(wordfiles, "MAX_PART_BYTES", 1000)
    with pytest.raises(ImportFailure, match="refused as a zip bomb"):
        parse_docx(docx(p("1.\tOne. " + "Words, " * 200)))


def test_too_many_paragraphs_are_refused():
    body = p("1.\tOne.") + "<w:p/>" * wordfiles.MAX_PARAGRAPHS
    with pytest.raises(ImportFailure, match="more than 20000 paragraphs"):
        parse_docx(docx(body))
    assert parse_docx(docx(body[: -len("<w:p/>")])).clauses


def test_too_much_text_is_refused(monkeypatch):
    monkeypatch.setattr(wordfiles, "MAX_TEXT_CHARS", 100)
    with pytest.raises(ImportFailure, match="more than 100 characters of text"):
        parse_docx(docx(p("1.\t" + "x" * 50) + p(runs=change("del", t("y" * 50)))))
    assert parse_docx(docx(p("1.\t" + "x" * 50) + p("y" * 45)))
