"""Read an edition's text (Markdown or plain text) into a tree of clauses.

Pure Python, no Django: the management command and the services call it, the tests
and benchmarks use it alone.

The rules, each with a test of its own in ``tests/guidelines/test_importing.py``:

* The clause tree follows the numbering, not the indentation. ``14.6`` is a child of
  ``14``; unnumbered bullets belong to the last numbered clause; lettered items
  (``a)``, ``(b)``) belong to the last numbered clause and roman items (``(iv)``) to
  the current lettered item, if any.
* Numbered paragraphs are ``12.`` or ``12`` (the bare form only when it is the next
  number and text follows on the line, so a page number or a year is not taken for a
  paragraph); dotted sub-paragraphs ``8.1`` or ``8.1.``.
* Headings: Markdown ``#`` lines in the body, ``Article N`` lines, roman-numbered
  lines (``II. Background``) and, in plain text, a short standalone line that is
  directly followed by a numbered clause.
* Text broken by a page break or wrapped over lines is joined to the clause it
  continues. Markdown noise (``**``, ``__``, emphasis, links, list markers, thematic
  breaks, trailing hard-break spaces) never reaches a clause.
* The title block (everything before the body) becomes the edition's title and
  subtitle.
* In Markdown, a backslash escapes the next character (``\\*``, ``12\\.``) and, at the
  start of a heading or item, a letter (``\\Article 5`` is a heading that merely reads
  "Article 5"), so an exported text reads back exactly.

Bad input raises :class:`ImportFailure` naming the line; doubtful structure is kept and
reported in :attr:`ParsedEdition.warnings`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

KIND_SECTION = "section"
KIND_ARTICLE = "article"
KIND_PARAGRAPH = "paragraph"
KIND_SUBPARAGRAPH = "subparagraph"
KIND_POINT = "point"

# The text may be at most this big: the longest real instrument is far below.
MAX_BYTES = 5 * 1024 * 1024

_ESCAPABLE = r"""\`*_{}[]()#+-.!|<>~"'=•"""
_PUA = 0xF0000  # supplementary private use area: escaped characters live here meanwhile
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")
_THEMATIC = re.compile(r"^\s{0,3}([-*_=])(?:\s*\1){2,}\s*$")
_ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•])\s+(.*)$")
# Latin ordinals after a number mark a clause inserted after it ("1.2 bis"); a capital
# letter joined by a no-break space marks one inserted before it ("1.2\u00a0A": with an
# ordinary space, "1.2 A new text" would be ambiguous). Consolidation numbers both ways.
LATIN_SUFFIXES = (
    "bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "novies", "decies"
)  # fmt: skip
NUMBER_RE = re.compile(
    r"^(\d{1,4}(?:\.\d{1,4})*)"
    r"(?:[ \u00a0](" + "|".join(LATIN_SUFFIXES) + r")|\u00a0([A-Z]))?"
    r"(\.?)(?=\s|$)\s*(.*)$"
)
ITEM_RE = re.compile(r"^(\(([a-z]{1,6})\)|([a-z]{1,6})\))(?=\s|$)\s*(.*)$")
ARTICLE_RE = re.compile(
    r"^(?:article|art\.)\s+(\d{1,4}[a-z]?|[IVXLC]{1,7})\b\s*(?:[.:–—-]\s*)?(.*)$", re.I
)
ROMAN_HEADING_RE = re.compile(r"^([IVXLC]{1,7})\.\s+(\S.*)$")
ARABIC_HEADING_RE = re.compile(r"^(\d{1,3})\.\s+(\S.*)$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_STRONG = re.compile(r"\*\*|__")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])")
_ROMAN_VALID = re.compile(r"^m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_TERMINAL = (".", "!", "?", ";", ":", "…", "»", '"', "”", ")")


class ImportFailure(Exception):
    """The text cannot be read as an edition; nothing must be written."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class ImportWarning:
    line: int
    message: str
    unit: str = "line"  # "paragraph" for a Word file; "" for the whole file

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}" if self.unit else self.message


@dataclass
class ParsedClause:
    kind: str
    number: str
    eid: str
    parent_eid: str | None
    heading: str = ""
    text: str = ""
    line: int = 0
    depth: int = 0


@dataclass
class ParsedEdition:
    title: str
    subtitle: str
    clauses: list[ParsedClause]
    warnings: list[ImportWarning] = field(default_factory=list)

    def numbered(self) -> list[ParsedClause]:
        return [c for c in self.clauses if c.kind in (KIND_PARAGRAPH, KIND_SUBPARAGRAPH)]


def normalise_text(value: str) -> str:
    """NFC, runs of ASCII white space made one space, trimmed.

    Non-breaking spaces are kept: in French they are typography, not layout.
    """
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFC", value)).strip()


def read_at_most(path: Path, limit: int) -> bytes:
    """The file's first ``limit + 1`` bytes: enough for the importer to refuse a file over
    ``limit`` with its message, without reading a huge one whole into memory."""
    with path.open("rb") as stream:
        return stream.read(limit + 1)


def decode(data: bytes) -> str:
    """Bytes of an uploaded or read file to text, refusing what is not a text file."""
    if len(data) > MAX_BYTES:
        raise ImportFailure(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise ImportFailure("the file is empty")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ImportFailure("the file is binary (it contains NUL bytes), not a text file", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailure(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8",
            line,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text: str, *, markdown: bool = True) -> ParsedEdition:
    """Parse the text of an edition. ``markdown`` turns on backslash escapes."""
    return _Parser(text, markdown=markdown).run()


def is_valid_roman(token: str) -> bool:
    return bool(token) and bool(_ROMAN_VALID.match(token.lower()))


# --- lines -------------------------------------------------------------------------

BLANK, THEMATIC, HEADING, NUMBERED, ITEM, BULLET, TEXT = (
    "blank",
    "thematic",
    "heading",
    "numbered",
    "item",
    "bullet",
    "text",
)


@dataclass
class _Line:
    no: int
    type: str
    content: str = ""  # text after the marker, markup stripped, escapes protected
    level: int = 0  # heading level (0: a plain-text heading)
    number: str = ""  # as printed, without the trailing dot ("14.6", "a)", "(iv)")
    token: str = ""  # item letter or roman numeral, lower case
    marker: bool = False  # the line began with a list marker
    explicit_dot: bool = False
    suffix: str = ""  # "bis", "A": an inserted clause's number


def _protect(line: str) -> str:
    """Turn ``\\X`` into a private-use character so no rule reads X as markup."""

    def repl(m: re.Match[str]) -> str:
        return chr(_PUA + ord(m.group(1)))

    return re.sub(r"\\([" + re.escape(_ESCAPABLE) + r"])", repl, line)


def _protect_leading_letter(content: str) -> str:
    if content.startswith("\\") and len(content) > 1 and content[1].isalnum():
        return chr(_PUA + ord(content[1])) + content[2:]
    return content


def _restore(value: str) -> str:
    return "".join(chr(ord(ch) - _PUA) if _PUA <= ord(ch) < _PUA + 0x10000 else ch for ch in value)


def _strip_markup(value: str) -> str:
    value = _LINK.sub(r"\1", value)
    value = _STRONG.sub("", value)
    value = _EMPHASIS.sub(r"\1", value)
    return value.strip()


def _classify(no: int, raw: str, markdown: bool) -> _Line:
    line = _protect(raw) if markdown else raw
    if not line.strip():
        return _Line(no, BLANK)
    if _THEMATIC.match(line):
        return _Line(no, THEMATIC)
    heading = _ATX_HEADING.match(line)
    if heading:
        content = heading.group(2) or ""
        if markdown:
            content = _protect_leading_letter(content)
        return _Line(no, HEADING, _strip_markup(content), level=len(heading.group(1)))
    marker = _LIST_MARKER.match(line)
    content = marker.group(1) if marker else line
    if markdown:
        content = _protect_leading_letter(content.lstrip())
    content = _strip_markup(content)
    number = NUMBER_RE.match(content)
    if number:
        suffix = number.group(2) or number.group(3) or ""
        return _Line(
            no,
            NUMBERED,
            number.group(5),
            number=f"{number.group(1)} {suffix}" if suffix else number.group(1),
            marker=bool(marker),
            explicit_dot=bool(number.group(4)),
            suffix=suffix,
        )
    item = ITEM_RE.match(content)
    if item:
        token = item.group(2) or item.group(3)
        return _Line(no, ITEM, item.group(4), number=item.group(1), token=token)
    if marker:
        return _Line(no, BULLET, content, marker=True)
    return _Line(no, TEXT, content)


# --- the parser --------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, *, markdown: bool) -> None:
        if "\x00" in text:
            raise ImportFailure("the text is binary (it contains NUL bytes)")
        self.markdown = markdown
        raw_lines = text.split("\n")
        self.lines = [_classify(i + 1, raw, markdown) for i, raw in enumerate(raw_lines)]
        self.clauses: list[ParsedClause] = []
        self.warnings: list[ImportWarning] = []
        self.eids: set[str] = set()
        self.by_eid: dict[str, ParsedClause] = {}  # to find a parent in one step
        # (scope, number parts, suffix) -> clause: "1.2 bis" is not "1.2".
        self.registry: dict[tuple[str, tuple[int, ...], str], ParsedClause] = {}
        self.first_line_of: dict[tuple[str, tuple[int, ...], str], int] = {}
        self.last_top: dict[str, int] = {}
        self.last_child: dict[tuple[str, tuple[int, ...]], int] = {}
        self.bullets_of: dict[str, int] = {}
        self.items_of: dict[str, set[str]] = {}
        self.section_count = 0
        self.section: ParsedClause | None = None
        self.article: ParsedClause | None = None
        self.numbered: ParsedClause | None = None
        self.letter_item: ParsedClause | None = None
        self.last: ParsedClause | None = None

    # -- helpers
    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ImportWarning(line, message))

    def scope(self) -> str:
        return self.article.eid if self.article else ""

    def container(self) -> ParsedClause | None:
        return self.article or self.section

    def add(self, clause: ParsedClause) -> ParsedClause:
        if clause.eid in self.eids:
            raise ImportFailure(f"two clauses would share the identifier {clause.eid}", clause.line)
        parent = self.by_eid.get(clause.parent_eid) if clause.parent_eid else None
        clause.depth = parent.depth + 1 if parent else 0
        self.eids.add(clause.eid)
        self.by_eid[clause.eid] = clause
        self.clauses.append(clause)
        self.last = clause
        return clause

    def is_numbered_start(self, index: int) -> bool:
        """Whether the line at ``index`` would open a numbered clause."""
        line = self.lines[index]
        return line.type == NUMBERED and self.accepts_number(line)

    def accepts_number(self, line: _Line) -> bool:
        if "." in line.number or line.explicit_dot or (line.suffix and line.content):
            return True
        # A bare "12": only the next paragraph number, with text after it, and no list
        # marker; otherwise it is a page number, a year or the start of a sentence.
        expected = self.last_top.get(self.scope(), 0) + 1
        return not line.marker and bool(line.content) and int(line.number) == expected

    def next_content_index(self, index: int) -> int | None:
        for j in range(index + 1, len(self.lines)):
            if self.lines[j].type not in (BLANK, THEMATIC):
                return j
        return None

    def plain_heading(self, index: int) -> bool:
        """A standalone short line with no end punctuation, followed by a clause."""
        line = self.lines[index]
        if line.type != TEXT or not line.content:
            return False
        before = self.lines[index - 1].type if index > 0 else BLANK
        after = self.lines[index + 1].type if index + 1 < len(self.lines) else BLANK
        if before not in (BLANK, THEMATIC) or after not in (BLANK, THEMATIC):
            return False
        # Matched on the protected text, so an escaped "\\Article 5" stays prose.
        content = line.content
        if ROMAN_HEADING_RE.match(content) or ARTICLE_RE.match(content):
            return True
        if self.markdown:
            return False  # in Markdown, other headings are marked with "#"
        if content.endswith((".", ";", ",", ":")) or len(content.split()) > 15:
            return False
        if not content[0].isupper():
            return False
        nxt = self.next_content_index(index)
        if nxt is None:
            return False
        following = self.lines[nxt]
        return following.type == NUMBERED or bool(ARTICLE_RE.match(following.content))

    # -- front matter
    def body_start(self) -> int:
        first = next((i for i, ln in enumerate(self.lines) if ln.type == NUMBERED), None)
        # Bare numbers are judged against the numbering, which is not known yet: the
        # first numbered line must be explicit ("1." or "1.1") or a bare "1".
        while first is not None:
            line = self.lines[first]
            if (
                "." in line.number
                or line.explicit_dot
                or (line.number == "1" and line.content and not line.marker)
            ):
                break
            first = next(
                (i for i in range(first + 1, len(self.lines)) if self.lines[i].type == NUMBERED),
                None,
            )
        if first is None:
            raise ImportFailure("no numbered clause found (paragraphs are numbered 1., 2., 2.1 …)")
        breaks = [i for i in range(first) if self.lines[i].type == THEMATIC]
        if breaks:
            return breaks[-1] + 1
        headings = [i for i in range(first) if self.lines[i].type == HEADING]
        deeper = [i for i in headings if self.lines[i].level >= 2]
        if deeper:
            return deeper[0]
        if len(headings) >= 2:
            return headings[1]
        plain = [i for i in range(first) if self.plain_heading(i)]
        if plain:
            return plain[0]
        return first

    def front_matter(self, end: int) -> tuple[str, str]:
        paragraphs: list[tuple[bool, int, str]] = []  # (is heading, level, text)
        current: list[str] = []
        for line in self.lines[:end]:
            if line.type in (BLANK, THEMATIC) or line.type == HEADING:
                if current:
                    paragraphs.append((False, 0, " ".join(current)))
                    current = []
                if line.type == HEADING and line.content:
                    paragraphs.append((True, line.level, line.content))
                continue
            current.append(line.content if line.type == TEXT else _line_text(line))
        if current:
            paragraphs.append((False, 0, " ".join(current)))
        paragraphs = [(h, lv, normalise_text(_restore(t))) for h, lv, t in paragraphs]
        paragraphs = [p for p in paragraphs if p[2]]
        if not paragraphs:
            return "", ""
        headings = [i for i, p in enumerate(paragraphs) if p[0]]
        if headings:
            top = min(paragraphs[i][1] for i in headings)
            title_at = [i for i in headings if paragraphs[i][1] == top][-1]
        else:
            title_at = 0
        subtitle = "\n".join(p[2] for p in paragraphs[title_at + 1 :] if not p[0])
        return paragraphs[title_at][2], subtitle

    # -- body
    def run(self) -> ParsedEdition:
        start = self.body_start()
        title, subtitle = self.front_matter(start)
        previous = BLANK
        for index in range(start, len(self.lines)):
            line = self.lines[index]
            kind = line.type
            if kind == TEXT and self.plain_heading(index):
                kind = HEADING
            if kind == NUMBERED and not self.accepts_number(line):
                kind = TEXT
                line.content = _line_text(line)
            handler = {
                HEADING: self.on_heading,
                NUMBERED: self.on_numbered,
                ITEM: self.on_item,
                BULLET: self.on_bullet,
                TEXT: self.on_text,
            }.get(kind)
            if handler is not None:
                handler(line, after_blank=previous in (BLANK, THEMATIC))
            previous = kind if kind in (BLANK, THEMATIC) else TEXT
        for clause in self.clauses:
            clause.text = normalise_text(_restore(clause.text))
            clause.heading = normalise_text(_restore(clause.heading))
        if not self.numbered_seen():
            raise ImportFailure("no numbered clause found (paragraphs are numbered 1., 2., 2.1 …)")
        return ParsedEdition(title, subtitle, self.clauses, self.warnings)

    def numbered_seen(self) -> bool:
        return any(c.kind in (KIND_PARAGRAPH, KIND_SUBPARAGRAPH) for c in self.clauses)

    def on_heading(self, line: _Line, *, after_blank: bool) -> None:
        content = line.content  # protected: escaped characters match no rule
        if not content:
            return
        article = ARTICLE_RE.match(content)
        if article:
            number, heading = article.group(1), article.group(2)
            parent = self.section
            eid = f"art_{number}"
            if parent is not None and parent.eid.startswith("art_"):
                parent = None
            self.add(
                ParsedClause(
                    KIND_ARTICLE,
                    number,
                    eid,
                    parent.eid if parent else None,
                    heading=line.content[len(line.content) - len(heading) :] if heading else "",
                    line=line.no,
                )
            )
            self.article = self.last
            self.numbered = self.letter_item = None
            return
        self.section_count += 1
        numbered = ROMAN_HEADING_RE.match(content) or (
            ARABIC_HEADING_RE.match(content) if line.level else None
        )
        if numbered:
            number = numbered.group(1)
            # Keep the escapes protected in the heading; restored at the end.
            heading = line.content[len(line.content) - len(numbered.group(2)) :]
            eid = f"sec_{number}"
        else:
            number, heading, eid = "", line.content, f"sec_{self.section_count}"
        self.add(ParsedClause(KIND_SECTION, number, eid, None, heading=heading, line=line.no))
        self.section = self.last
        self.article = self.numbered = self.letter_item = None

    def on_numbered(self, line: _Line, *, after_blank: bool) -> None:
        digits = line.number.split(" ")[0]
        parts = tuple(int(p) for p in digits.split("."))
        scope = self.scope()
        key = (scope, parts, line.suffix)
        if key in self.registry:
            first = self.first_line_of[key]
            raise ImportFailure(
                f"the number {line.number} is used twice (first at line {first})", line.no
            )
        parent: ParsedClause | None = None
        for k in range(len(parts) - 1, 0, -1):
            parent = self.registry.get((scope, parts[:k], ""))
            if parent:
                break
        if len(parts) > 1 and (parent is None or len(parent.number.split(".")) != len(parts) - 1):
            self.warn(
                line.no,
                f"{line.number} has no parent {'.'.join(map(str, parts[:-1]))}; "
                f"placed under {parent.number if parent else 'its heading'}",
            )
        if parent is None:
            parent = self.container()
        if line.suffix:
            pass  # an inserted clause stands outside the sequence it was inserted in
        elif len(parts) == 1:
            previous = self.last_top.get(scope)
            if previous is not None and parts[0] != previous + 1:
                self.warn(line.no, f"paragraph {line.number} follows {previous}")
            self.last_top[scope] = parts[0]
        else:
            sibling_key = (scope, parts[:-1])
            previous = self.last_child.get(sibling_key, 0)
            if parts[-1] != previous + 1:
                after = (
                    f"follows {line.number.rsplit('.', 1)[0]}.{previous}"
                    if previous
                    else ("is the first of its level")
                )
                self.warn(line.no, f"sub-paragraph {line.number} {after}")
            self.last_child[sibling_key] = parts[-1]
        prefix = f"{self.article.eid}__" if self.article else ""
        # As consolidation names an inserted clause: the suffix joined to the eid.
        eid = f"{prefix}para_{'-'.join(map(str, parts))}{line.suffix}"
        kind = KIND_PARAGRAPH if len(parts) == 1 else KIND_SUBPARAGRAPH
        clause = self.add(
            ParsedClause(
                kind,
                line.number,
                eid,
                parent.eid if parent else None,
                text=line.content,
                line=line.no,
            )
        )
        self.registry[key] = clause
        self.first_line_of[key] = line.no
        self.numbered = clause
        self.letter_item = None

    def on_item(self, line: _Line, *, after_blank: bool) -> None:
        mark = line.token
        base = self.numbered or self.container()
        if base is None:
            raise ImportFailure("a lettered item comes before any clause or heading", line.no)
        used = self.items_of.setdefault(base.eid, set())
        is_letter = len(mark) == 1 and (
            mark == "a"
            or (self.letter_item is not None and ord(mark) == ord(self.letter_item.eid[-1]) + 1)
        )
        if not is_letter and is_valid_roman(mark):
            parent = self.letter_item or base
        elif len(mark) == 1:
            parent, is_letter = base, True
        else:
            # Not a letter and not a roman numeral: ordinary text such as "(see)".
            line.content = _line_text(line)
            self.on_text(line, after_blank=after_blank)
            return
        eid = f"{parent.eid}__point_{mark}"
        if eid in self.eids:
            raise ImportFailure(f"the item {line.number} is used twice in {base.number}", line.no)
        used.add(mark)
        clause = self.add(
            ParsedClause(KIND_POINT, line.number, eid, parent.eid, text=line.content, line=line.no)
        )
        if is_letter:
            self.letter_item = clause

    def on_bullet(self, line: _Line, *, after_blank: bool) -> None:
        parent = self.numbered or self.container()
        if parent is None:
            raise ImportFailure("a bullet comes before any clause or heading", line.no)
        count = self.bullets_of.get(parent.eid, 0) + 1
        self.bullets_of[parent.eid] = count
        self.add(
            ParsedClause(
                KIND_POINT,
                "",
                f"{parent.eid}__point_{count}",
                parent.eid,
                text=line.content,
                line=line.no,
            )
        )

    def on_text(self, line: _Line, *, after_blank: bool) -> None:
        target = self.last
        if target is None:
            raise ImportFailure("text comes before any clause or heading", line.no)
        # Only the end of the text so far matters: restoring all of it for every line
        # would make a long run of continuation lines quadratic.
        current = _restore(target.text.rstrip()[-1:])
        if (
            after_blank
            and current.endswith(_TERMINAL)
            and line.content[:1].isupper()
            and target.kind != KIND_SECTION
        ):
            self.warn(
                line.no,
                f"an unnumbered paragraph is joined to {target.number or target.eid}",
            )
        target.text = f"{target.text} {line.content}" if target.text else line.content


def _line_text(line: _Line) -> str:
    """The line's words as they stand, when a marker turned out not to be one."""
    if line.type == NUMBERED:
        return f"{line.number}{'.' if line.explicit_dot else ''} {line.content}".strip()
    if line.type == ITEM:
        return f"{line.number} {line.content}".strip()
    return line.content


def format_tree(parsed: ParsedEdition) -> str:
    """The tree as text, one clause a line, for ``--dry-run``."""
    out = [f"title:    {parsed.title}", f"subtitle: {parsed.subtitle}", ""]
    for clause in parsed.clauses:
        label = clause.number or ("•" if clause.kind == KIND_POINT else "")
        words = clause.heading or clause.text
        if len(words) > 70:
            words = words[:69] + "…"
        out.append(f"{'  ' * clause.depth}{label:<6} {clause.eid:<28} {words}")
    return "\n".join(out)
