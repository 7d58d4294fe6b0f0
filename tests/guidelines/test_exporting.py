"""Markdown and JSON exports, and the Markdown round trip."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from guidelines.exporting import EditionData, to_json, to_markdown
from guidelines.importing import ParsedClause, parse

# Words chosen to look like markup: every one must come back as text.
WORDS = st.sampled_from(
    [
        "Parties", "œuvre", "l’art", "d'accès", "créée", "12.", "3", "1.2", "2.1.", "a)",
        "(iv)", "(b)", "i)", "-", "--", "---", "*", "**", "***", "#", "##", "_", "__", "\\",
        "\\*", "[x](y)", "![i](j)", "Article", "Art.", "II.", "IV", "—", "«", "»", "culture;",
        ":", "!", "`", "+", "•", "=", "===", "n°", "<b>", "&amp;", "x\u00a0:",
    ]
)  # fmt: skip
TEXTS = st.lists(WORDS, min_size=1, max_size=7).map(" ".join)
ROMAN = ["I", "II", "III", "IV"]


@st.composite
def editions(draw) -> EditionData:
    clauses: list[ParsedClause] = []

    def add(kind, number, eid, parent, depth, heading="", text=""):
        clauses.append(ParsedClause(kind, number, eid, parent, heading, text, depth=depth))

    sections = draw(st.integers(0, 3))
    paragraph = 0
    for index in range(max(sections, 1)):
        base = 0
        parent = None
        if sections:
            numbered = draw(st.booleans())
            number = ROMAN[index] if numbered else ""
            parent = f"sec_{number or index + 1}"
            add("section", number, parent, None, 0, heading=draw(TEXTS))
            if draw(st.booleans()):
                clauses[-1].text = draw(TEXTS)
            base = 1
        for _ in range(draw(st.integers(1, 3))):
            paragraph += 1
            eid = f"para_{paragraph}"
            add("paragraph", str(paragraph), eid, parent, base, text=draw(TEXTS))
            for b in range(draw(st.integers(0, 2))):
                add("point", "", f"{eid}__point_{b + 1}", eid, base + 1, text=draw(TEXTS))
            for letter in "ab"[: draw(st.integers(0, 2))]:
                item = f"{eid}__point_{letter}"
                add("point", f"{letter})", item, eid, base + 1, text=draw(TEXTS))
                for roman in ["i", "ii"][: draw(st.integers(0, 2))]:
                    add(
                        "point",
                        f"({roman})",
                        f"{item}__point_{roman}",
                        item,
                        base + 2,
                        text=draw(TEXTS),
                    )
            for k in range(1, draw(st.integers(0, 2)) + 1):
                sub = f"{eid}-{k}"
                add("subparagraph", f"{paragraph}.{k}", sub, eid, base + 1, text=draw(TEXTS))
                for b in range(draw(st.integers(0, 2))):
                    add("point", "", f"{sub}__point_{b + 1}", sub, base + 2, text=draw(TEXTS))
    subtitle = "\n".join(draw(st.lists(TEXTS, max_size=2)))
    return EditionData(
        "inst", "ed", "Label", "fr", "draft", "complete", draw(TEXTS), subtitle, clauses
    )


def shape(clauses):
    return [(c.kind, c.number, c.eid, c.parent_eid, c.heading, c.text, c.depth) for c in clauses]


@given(editions())
def test_markdown_export_reads_back_to_the_same_clauses(edition):
    markdown = to_markdown(edition)
    parsed = parse(markdown, markdown=True)
    assert shape(parsed.clauses) == shape(edition.clauses), markdown
    assert (parsed.title, parsed.subtitle) == (edition.title, edition.subtitle)
    assert parsed.warnings == []


def test_markdown_export_escapes_what_would_read_as_markup():
    edition = EditionData(
        "i", "e", "L", "en", "draft", "complete", "Title", "", [
            ParsedClause("paragraph", "1", "para_1", None, text="**not bold** # not heading"),
            ParsedClause("point", "", "para_1__point_1", "para_1", text="12. no number", depth=1),
        ],
    )  # fmt: skip
    assert to_markdown(edition) == (
        "# Title\n\n---\n\n1. \\*\\*not bold\\*\\* \\# not heading\n- 12\\. no number\n"
    )


def test_json_export_follows_the_contract():
    edition = EditionData(
        "og", "ed", "Label", "fr", "adopted", "complete", "T", "", [
            ParsedClause("section", "", "sec_1", None, heading="Heading"),
            ParsedClause("paragraph", "1", "para_1", "sec_1", text="Texte « œuvre »", depth=1),
        ],
    )  # fmt: skip
    data = json.loads(to_json(edition))
    assert data == {
        "instrument": "og",
        "edition": {
            "slug": "ed",
            "label": "Label",
            "language": "fr",
            "status": "adopted",
            "completeness": "complete",
        },
        "clauses": [
            {
                "eid": "sec_1",
                "number": "",
                "kind": "section",
                "parent_eid": None,
                "heading": "Heading",
                "text": "",
            },
            {
                "eid": "para_1",
                "number": "1",
                "kind": "paragraph",
                "parent_eid": "sec_1",
                "heading": "",
                "text": "Texte « œuvre »",
            },
        ],
    }
