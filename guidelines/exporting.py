"""Write an edition out as JSON or Markdown. Pure Python, no Django.

The Markdown is written so that :func:`guidelines.importing.parse` reads it back to the
same clauses: whatever in a text would read as markup is escaped with a backslash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

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

_ALWAYS_ESCAPED = re.compile(r"([\\`*_\[\]#])")


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
            lines.append(f"{clause.number}. {escape_inline(clause.text)}".rstrip())
        elif clause.kind == KIND_SUBPARAGRAPH:
            lines.append(f"{indent}- {clause.number} {escape_inline(clause.text)}".rstrip())
        elif clause.kind == KIND_POINT:
            # After a number the text is not read for markers; a bare bullet's text is.
            if clause.number:
                body = f"{clause.number} {escape_inline(clause.text)}"
            else:
                body = escape_start(clause.text)
            lines.append(f"{indent}- {body}".rstrip())
    return "\n".join(lines).rstrip() + "\n"
