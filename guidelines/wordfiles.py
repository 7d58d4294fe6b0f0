"""Read Word files (.docx): safely, with their numbering, tracked changes and comments.

Pure Python (zipfile and lxml), no Django. A .docx is a zip package of XML parts; the
text is in the main document part, the automatic numbering in ``numbering.xml``, the
paragraph styles in ``styles.xml`` and the comments in ``comments.xml``.

Safety first, because the files come from outside (an upload page, an e-mail):

* the file must be a zip package (an encrypted Word file is an OLE compound file: named
  as such; an old ``.doc`` likewise), at most :data:`MAX_FILE_BYTES`;
* each part is read with a hard limit on its uncompressed size and on its compression
  ratio, whatever its header claims (a zip bomb stops at the limit, it is never
  inflated in full), and so is the total read;
* memory follows the XML's nodes more than its bytes: the elements and attributes of
  every part, the paragraphs and the text are bounded too (:data:`MAX_NODES`,
  :data:`MAX_PARAGRAPHS`, :data:`MAX_TEXT_CHARS`), and counted before they are built;
* XML is parsed by lxml with entity resolution, DTD loading and network access off, and
  a part that declares a DTD or entities at all is refused: Word never writes one.

Every refusal is an :class:`~guidelines.importing.ImportFailure` with a message for the
person who chose the file.

The text model keeps what tracked changes need: a paragraph is a list of tokens (runs
of text, each present in the original, after the changes, or both) and a paragraph mark
(also inserted, deleted or kept; in OOXML a paragraph's properties live on its mark).
:func:`view` reads the document as it was (``"old"``) or as it is with every change
accepted (``"new"``), numbering each view on its own, as Word would.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from lxml import etree

from guidelines.importing import (
    ITEM_RE,
    NUMBER_RE,
    ImportFailure,
    ImportWarning,
    ParsedEdition,
    parse,
)

MB = 1024 * 1024
MAX_FILE_BYTES = 20 * MB  # the file as uploaded; the longest real text is under 1 MB
MAX_PART_BYTES = 40 * MB  # one part, uncompressed
MAX_TOTAL_BYTES = 80 * MB  # every part read, uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for parts bigger than RATIO_FLOOR
RATIO_FLOOR = 1 * MB
MAX_MEMBERS = 10_000
# Memory follows the nodes, not the bytes: lxml takes 100 to 250 bytes for each element
# or attribute and the reader about 1 kB for each paragraph, so a 40 MB part of empty
# elements (1 MB zipped) would take gigabytes. A verbose Word file of a 1 MB text counts
# about 450,000 nodes and 10,000 paragraphs.
MAX_NODES = 600_000  # "<" and "=" in every part read: elements and attributes, at most
MAX_PARAGRAPHS = 20_000
MAX_TEXT_CHARS = 5_000_000  # the body's text, old and new: a text file's limit (5 MB)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = "/officeDocument"

Side = Literal["old", "new"]


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _attr(element: Any, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(w(name))
    return str(value) if value is not None else None


# --- the package ------------------------------------------------------------------------


def _refuse(message: str) -> ImportFailure:
    return ImportFailure(message)


class Package:
    """A .docx opened for reading, each part read once and within the limits."""

    def __init__(self, data: bytes) -> None:
        if not data:
            raise _refuse("the file is empty")
        if len(data) > MAX_FILE_BYTES:
            raise _refuse(f"the file is larger than {MAX_FILE_BYTES // MB} MB")
        if data.startswith(OLE_MAGIC):
            if "EncryptedPackage".encode("utf-16-le") in data:
                raise _refuse(
                    "the Word file is encrypted (protected by a password): open it in Word, "
                    "remove the password and save it again"
                )
            raise _refuse(
                "the file is an old Word 97-2003 document (.doc) or another OLE file: "
                "save it as a Word document (.docx)"
            )
        if not data.startswith(b"PK"):
            raise _refuse("the file is not a Word document (.docx): it is not a zip package")
        # Each part has an entry in the central directory: counted before zipfile reads
        # them all (200,000 of them fit in the file and take 120 MB and seconds to read).
        if data.count(b"PK\x01\x02") > MAX_MEMBERS:
            raise _refuse(f"the package holds more than {MAX_MEMBERS} parts: refused")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zlib.error, ValueError, EOFError):
            raise _refuse("the file is not a Word document (.docx): the zip is damaged") from None
        if len(infos) > MAX_MEMBERS:
            raise _refuse(f"the package holds more than {MAX_MEMBERS} parts: refused")
        self.infos = {info.filename: info for info in infos}
        self.total = 0
        self.nodes = 0

    def read(self, name: str) -> bytes | None:
        """The part's bytes, or None when the package has no such part."""
        info = self.infos.get(name)
        if info is None:
            return None
        if info.flag_bits & 0x1:
            raise _refuse("the Word file is encrypted (its parts are password-protected)")
        if info.file_size > MAX_PART_BYTES or self.total + info.file_size > MAX_TOTAL_BYTES:
            raise _refuse(self._bomb(name))
        limit = min(MAX_PART_BYTES, MAX_TOTAL_BYTES - self.total)
        chunks: list[bytes] = []
        size = 0
        try:
            with self.zip.open(info) as stream:
                # The header may lie: read in chunks, stop as soon as a limit is passed.
                while chunk := stream.read(256 * 1024):
                    size += len(chunk)
                    if size > limit or (
                        size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1)
                    ):
                        raise _refuse(self._bomb(name))
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise _refuse(f"the part {name} of the file is damaged") from None
        except NotImplementedError:
            raise _refuse(f"the part {name} uses a compression Word never uses") from None
        except RuntimeError:  # zipfile's "encrypted, password required"
            raise _refuse("the Word file is encrypted (its parts are password-protected)") from None
        self.total += size
        return b"".join(chunks)

    @staticmethod
    def _bomb(name: str) -> str:
        return (
            f"the part {name} inflates beyond the limits (more than {MAX_PART_BYTES // MB} MB, "
            f"{MAX_TOTAL_BYTES // MB} MB in all, or {MAX_RATIO} times its compressed size): "
            "refused as a zip bomb"
        )

    def xml(self, name: str) -> Any | None:
        data = self.read(name)
        if data is None:
            return None
        # Every element starts with "<", every attribute has "=": an upper bound on what
        # lxml would build, counted before it builds anything.
        self.nodes += data.count(b"<") + data.count(b"=")
        if self.nodes > MAX_NODES:
            raise _refuse(
                f"the part {name} holds too many XML elements (more than {MAX_NODES} "
                "in all): refused"
            )
        return parse_xml(data, name)

    def relationships(self, part: str) -> dict[str, str]:
        """Relationship type suffix (``/styles``) -> target part name, for ``part``."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", f"{base}.rels"))
        targets: dict[str, str] = {}
        if root is None:
            return targets
        for rel in root.iter(f"{{{PACKAGE_RELS_NS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            target = rel.get("Target") or ""
            name = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            targets.setdefault(f"/{kind}", posixpath.normpath(name))
        return targets


# In UTF-8 and in the encodings that spell them with other bytes: libxml2 reads a UTF-16
# part by its BOM, and its own refusal of a billion laughs there reads "not well-formed".
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def parse_xml(data: bytes, name: str) -> Any:
    """Parse one part with entities, DTDs and the network off; refuse any DTD."""
    if any(marker in data for marker in _DTD_MARKERS):
        raise _refuse(f"the part {name} declares a DTD or XML entities, which Word never writes")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _refuse(f"the part {name} is not well-formed XML ({exc.msg})") from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise _refuse(f"the part {name} declares a DTD or XML entities, which Word never writes")
    return root


# --- styles and numbering -----------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    name: str  # lower case: Word's built-in names are English whatever the interface
    based_on: str | None
    num: tuple[str, int] | None  # (numId, ilvl) of a numbered style
    outline: int | None  # 0 for a level-1 heading


def read_styles(root: Any | None) -> dict[str, Style]:
    styles: dict[str, Style] = {}
    if root is None:
        return styles
    for element in root.iter(w("style")):
        style_id = _attr(element, "styleId")
        if not style_id:
            continue
        ppr = element.find(w("pPr"))
        styles[style_id] = Style(
            name=(_attr(element.find(w("name")), "val") or style_id).lower(),
            based_on=_attr(element.find(w("basedOn")), "val"),
            num=_num_of(ppr),
            outline=_int(_attr(ppr.find(w("outlineLvl")), "val") if ppr is not None else None),
        )
    return styles


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _num_of(ppr: Any | None) -> tuple[str, int] | None:
    if ppr is None:
        return None
    num = ppr.find(w("numPr"))
    if num is None:
        return None
    num_id = _attr(num.find(w("numId")), "val")
    level = _int(_attr(num.find(w("ilvl")), "val")) or 0
    return (num_id, level) if num_id is not None else None


@dataclass(frozen=True)
class Level:
    start: int
    fmt: str  # decimal, lowerLetter, upperRoman, bullet, none, …
    text: str  # "%1.%2."
    legal: bool  # w:isLgl: every level shown in decimal
    restart: int | None  # w:lvlRestart


_NUMERALS = [
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
    (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
]  # fmt: skip


def _roman(value: int) -> str:
    out = []
    for amount, numeral in _NUMERALS:
        while value >= amount:
            out.append(numeral)
            value -= amount
    return "".join(out)


def _letters(value: int) -> str:
    # Word: a … z, aa … zz, aaa …
    if value < 1:
        return str(value)
    return chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)


def format_number(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        text = _letters(value)
        return text.upper() if fmt == "upperLetter" else text
    if fmt in ("lowerRoman", "upperRoman"):
        text = _roman(value) if value > 0 else str(value)
        return text.upper() if fmt == "upperRoman" else text
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)  # decimal and what we do not know


class Numbering:
    """Word's automatic numbering: lists, their levels and running counters.

    Counters belong to the abstract list, so two ``w:num`` of one abstract list continue
    each other, as in Word, unless a ``w:num`` restarts a level (``w:startOverride``).
    """

    def __init__(self, root: Any | None) -> None:
        self.abstract: dict[str, dict[int, Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.overridden: set[tuple[str, int]] = set()
        if root is None:
            return
        for element in root.iter(w("abstractNum")):
            abstract_id = _attr(element, "abstractNumId")
            if abstract_id is not None:
                self.abstract[abstract_id] = {
                    level: spec for level, spec in (_level(lvl) for lvl in element.iter(w("lvl")))
                }
        for element in root.iter(w("num")):
            num_id = _attr(element, "numId")
            abstract_id = _attr(element.find(w("abstractNumId")), "val")
            if num_id is None or abstract_id is None:
                continue
            starts: dict[int, int] = {}
            for override in element.iter(w("lvlOverride")):
                level = _int(_attr(override, "ilvl")) or 0
                start = _int(_attr(override.find(w("startOverride")), "val"))
                if start is not None:
                    starts[level] = start
            self.nums[num_id] = (abstract_id, starts)

    def label(self, num_id: str, level: int) -> str | None:
        """The next number of the list at this level ("2.2.1", "a)"), or None."""
        if num_id == "0" or num_id not in self.nums:
            return None
        abstract_id, starts = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        spec = levels.get(level)
        if spec is None:
            return None
        counters = self.counters.setdefault(abstract_id, {})
        if level in starts and (num_id, level) not in self.overridden:
            self.overridden.add((num_id, level))
            counters[level] = starts[level] - 1
        counters[level] = counters.get(level, spec.start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or restart > level:  # 0: never restarts
                del counters[deeper]
        if spec.fmt == "bullet":
            return "•"
        if spec.fmt == "none":
            return ""

        def value(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            other = levels.get(k)
            count = counters.get(k, other.start if other else 1)
            fmt = "decimal" if spec.legal and k != level else (other.fmt if other else "decimal")
            return format_number(count, fmt)

        return re.sub(r"%([1-9])", value, spec.text).strip()


def _level(element: Any) -> tuple[int, Level]:
    level = _int(_attr(element, "ilvl")) or 0
    return level, Level(
        start=_int(_attr(element.find(w("start")), "val")) or 0
        if element.find(w("start")) is not None
        else 1,
        fmt=_attr(element.find(w("numFmt")), "val") or "decimal",
        text=_attr(element.find(w("lvlText")), "val") or "",
        legal=element.find(w("isLgl")) is not None,
        restart=_int(_attr(element.find(w("lvlRestart")), "val")),
    )


# --- the document -------------------------------------------------------------------------


@dataclass
class Token:
    """A piece of a paragraph, present before the changes (old), after them (new) or both."""

    key: tuple[int, int]  # (paragraph, token): the same piece in both views
    text: str
    old: bool
    new: bool
    comment: str | None = None  # a comment anchored here (zero-width)


@dataclass
class Mark:
    """A paragraph's end, with the paragraph's properties (old ones may differ)."""

    key: tuple[int, int]
    style: str | None
    num: tuple[str, int] | None
    old_style: str | None
    old_num: tuple[str, int] | None
    old: bool
    new: bool


@dataclass
class SourceParagraph:
    tokens: list[Token]
    mark: Mark


@dataclass
class WordDocument:
    paragraphs: list[SourceParagraph]
    styles: dict[str, Style]
    numbering_root: Any | None
    comments: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    tracked: bool = False  # any insertion, deletion or move
    chars: int = 0  # text read so far, for MAX_TEXT_CHARS


_SKIPPED = {
    w("drawing"), w("pict"), w("object"), w("instrText"), w("delInstrText"),
    w("footnoteReference"), w("endnoteReference"), w("annotationRef"), w("rPr"), w("pPr"),
    w("fldChar"), w("lastRenderedPageBreak"), w("footnoteRef"), w("endnoteRef"),
}  # fmt: skip
_CHANGE_OLD = {w("del"), w("moveFrom")}
_CHANGE_NEW = {w("ins"), w("moveTo")}
_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"


def read_document(data: bytes) -> WordDocument:
    """The paragraphs of a .docx body with their changes; tables and text boxes left out."""
    package = Package(data)
    main = package.relationships("").get(OFFICE_DOCUMENT, "word/document.xml")
    root = package.xml(main)
    if root is None:
        raise _refuse(f"the package has no main document ({main}): it is not a Word document")
    if root.tag != w("document"):
        raise _refuse(
            "the package is not a Word document (it may be a spreadsheet or a presentation)"
        )
    related = package.relationships(main)
    folder = posixpath.dirname(main)

    def part(kind: str, default: str) -> Any | None:
        return package.xml(related.get(kind, posixpath.join(folder, default)))

    styles = read_styles(part("/styles", "styles.xml"))
    document = WordDocument(
        [],
        styles,
        part("/numbering", "numbering.xml"),
        read_comments(part("/comments", "comments.xml")),
    )
    body = root.find(w("body"))
    if body is None:
        raise _refuse("the main document has no body")
    tables = 0
    for element in _blocks(body):
        if element.tag == w("tbl"):
            tables += 1
            document.warnings.append(
                f"a table after paragraph {len(document.paragraphs)} is skipped: "
                "tables are not clauses"
            )
            continue
        if len(document.paragraphs) >= MAX_PARAGRAPHS:
            raise _refuse(f"the document has more than {MAX_PARAGRAPHS} paragraphs: refused")
        document.paragraphs.append(_paragraph(element, len(document.paragraphs), document))
    return document


def _blocks(container: Any) -> Iterator[Any]:
    for child in container:
        if child.tag in (w("p"), w("tbl")):
            yield child
        elif child.tag in (w("sdt"), w("customXml")):
            content = child.find(w("sdtContent")) if child.tag == w("sdt") else child
            if content is not None:
                yield from _blocks(content)
        elif child.tag in _CHANGE_NEW | _CHANGE_OLD:
            yield from _blocks(child)


def _paragraph(element: Any, index: int, document: WordDocument) -> SourceParagraph:
    tokens: list[Token] = []

    def add(text: str, old: bool, new: bool, comment: str | None = None) -> None:
        if text or comment:
            document.chars += len(text)
            if document.chars > MAX_TEXT_CHARS:
                raise _refuse(
                    f"the document holds more than {MAX_TEXT_CHARS} characters of text: refused"
                )
            tokens.append(Token((index, len(tokens)), text, old, new, comment))

    def walk(node: Any, old: bool, new: bool) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED or tag == _ALTERNATE:
                continue
            if tag in _CHANGE_OLD:
                document.tracked = True
                walk(child, old, False)
            elif tag in _CHANGE_NEW:
                document.tracked = True
                walk(child, False, new)
            elif tag in (w("t"), w("delText")):
                add(child.text or "", old, new)
            elif tag == w("tab"):
                add("\t", old, new)
            elif tag in (w("br"), w("cr")):
                add(" ", old, new)
            elif tag == w("noBreakHyphen"):
                add("\u2011", old, new)
            elif tag in (w("commentRangeStart"), w("commentReference")):
                add("", old, new, comment=_attr(child, "id"))
            else:  # runs, hyperlinks, smart tags, content controls, simple fields
                walk(child, old, new)

    walk(element, True, True)
    ppr = element.find(w("pPr"))
    style = _attr(ppr.find(w("pStyle")), "val") if ppr is not None else None
    num = _num_of(ppr)
    old_style, old_num = style, num
    mark_old = mark_new = True
    if ppr is not None:
        rpr = ppr.find(w("rPr"))
        if rpr is not None and rpr.find(w("ins")) is not None:
            mark_old, document.tracked = False, True
        if rpr is not None and rpr.find(w("del")) is not None:
            mark_new, document.tracked = False, True
        change = ppr.find(w("pPrChange"))
        before = change.find(w("pPr")) if change is not None else None
        if before is not None:  # the paragraph's properties before the change
            old_style = _attr(before.find(w("pStyle")), "val")
            old_num = _num_of(before)
    mark = Mark((index, -1), style, num, old_style, old_num, mark_old, mark_new)
    return SourceParagraph(tokens, mark)


def read_comments(root: Any | None) -> dict[str, str]:
    comments: dict[str, str] = {}
    if root is None:
        return comments
    for comment in root.iter(w("comment")):
        comment_id = _attr(comment, "id")
        if comment_id is None:
            continue
        paragraphs = [
            "".join(t.text or "" for t in p.iter(w("t"))).strip() for p in comment.iter(w("p"))
        ]
        comments[comment_id] = "\n".join(p for p in paragraphs if p)
    return comments


# --- the two views ------------------------------------------------------------------------


@dataclass
class ViewParagraph:
    """A paragraph as one view shows it."""

    text: str
    style: Style | None
    label: str | None  # from the automatic numbering; "•" for a bullet
    keys: set[tuple[int, int]]  # the tokens (and mark) it is made of
    comments: list[str]


def view(document: WordDocument, side: Side) -> list[ViewParagraph]:
    """The document as it was before its tracked changes (``old``) or after (``new``)."""
    numbering = Numbering(document.numbering_root)
    out: list[ViewParagraph] = []
    text: list[str] = []
    keys: set[tuple[int, int]] = set()
    comments: list[str] = []
    for paragraph in document.paragraphs:
        for token in paragraph.tokens:
            if getattr(token, side):
                text.append(token.text)
                keys.add(token.key)
                if token.comment is not None:
                    comments.append(token.comment)
        mark = paragraph.mark
        if not getattr(mark, side):
            continue  # the paragraph runs on into the next one in this view
        keys.add(mark.key)
        style_id = mark.style if side == "new" else mark.old_style
        num = mark.num if side == "new" else mark.old_num
        style = document.styles.get(style_id) if style_id else None
        if num is None:
            num = _style_num(document.styles, style_id)
        label = numbering.label(*num) if num is not None else None
        out.append(ViewParagraph("".join(text), style, label, keys, comments))
        text, keys, comments = [], set(), []
    if text or comments:  # content after the last kept mark
        out.append(ViewParagraph("".join(text), None, None, keys, comments))
    return out


def _style_num(styles: dict[str, Style], style_id: str | None) -> tuple[str, int] | None:
    seen: set[str] = set()
    while style_id and style_id not in seen and style_id in styles:
        seen.add(style_id)
        style = styles[style_id]
        if style.num is not None:
            return style.num
        style_id = style.based_on
    return None


def heading_level(styles: dict[str, Style], style: Style | None) -> int | None:
    """1 for "heading 1" (or a style based on it, or with outline level 0), else None."""
    seen: set[str] = set()
    while style is not None:
        match = re.fullmatch(r"heading ([1-9])", style.name)
        if match:
            return int(match.group(1))
        if style.outline is not None and 0 <= style.outline < 9:
            return style.outline + 1
        if not style.based_on or style.based_on in seen:
            return None
        seen.add(style.based_on)
        style = styles.get(style.based_on)
    return None


# --- a view as text for the importer --------------------------------------------------------

# Redraft's own Word export: its status lines are not text of the instrument, and a
# clause whose text is not known carries a placeholder in the edition's language.
STATUS_STYLES = {"edition status"}
NOT_KNOWN_PLACEHOLDERS = {"(text not known)", "(texte non connu)"}
_BULLETS = {"•", "-", "\u2013", "\u2014", "·", "▪", "◦", "\uf0b7"}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


@dataclass
class WordText:
    text: str  # Markdown, as guidelines.importing reads it
    paragraph_of_line: dict[int, int]  # line number -> view paragraph index (from 1)
    paragraphs: list[ViewParagraph]


def as_markdown(document: WordDocument, side: Side = "new") -> WordText:
    """A view as Markdown: headings from styles, numbers from the numbering or typed,
    text escaped so that nothing in it reads as markup."""
    from guidelines.exporting import escape_inline, escape_start

    paragraphs = view(document, side)
    lines: list[str] = []
    paragraph_of_line: dict[int, int] = {}
    for index, paragraph in enumerate(paragraphs, start=1):
        style = paragraph.style
        name = style.name if style else ""
        if name in STATUS_STYLES:
            continue
        text = paragraph.text.strip()
        label = paragraph.label
        if not label:
            label, text = _typed_label(text)
        if text in NOT_KNOWN_PLACEHOLDERS and label:
            text = ""
        text = _SPACES.sub(" ", text).strip()
        level = heading_level(document.styles, style)
        if name == "subtitle":  # front matter, never a clause: a "12." in it is text
            line = escape_start(_SPACES.sub(" ", paragraph.text).strip())
        elif name == "title":
            line = f"# {escape_inline(text)}" if text else ""
        elif level is not None:
            words = f"{label} {escape_inline(text)}" if label else escape_inline(text)
            line = f"{'#' * min(level + 1, 6)} {words}" if words else ""
        elif label in _BULLETS:
            line = f"- {escape_start(text)}"
        elif label:
            line = f"{label} {escape_inline(text)}".rstrip()
        else:
            line = escape_inline(text)
        if not line:
            continue
        paragraph_of_line[len(lines) + 1] = index
        lines += [line, ""]
    return WordText("\n".join(lines), paragraph_of_line, paragraphs)


def _typed_label(text: str) -> tuple[str | None, str]:
    """A number typed before a tab ("1.2<tab>text", "a)<tab>", "•<tab>") and the rest."""
    head, tab, rest = text.partition("\t")
    head = head.strip()
    if not tab or not head:
        return None, text
    if head in _BULLETS:
        return head, rest
    # "1.2 A" is printed with a no-break space; a typed ordinary one means the same.
    candidate = re.sub(r"^(\d[\d.]*) ([A-Z])$", "\\1\u00a0\\2", head)
    number = NUMBER_RE.match(candidate)
    if number and not number.group(5):
        return candidate, rest
    item = ITEM_RE.match(head)
    if item and not item.group(4):
        return head, rest
    return None, text


def parse_view(document: WordDocument, side: Side = "new") -> tuple[ParsedEdition, WordText]:
    """Parse one view; errors and warnings name the Word paragraph, not a line."""
    text = as_markdown(document, side)
    where = text.paragraph_of_line
    try:
        parsed = parse(text.text, markdown=True)
    except ImportFailure as exc:
        if exc.line is not None:
            raise ImportFailure(f"paragraph {where.get(exc.line, '?')}: {exc.message}") from None
        raise
    parsed.warnings = [
        ImportWarning(where.get(w.line, 0), w.message, unit="paragraph") for w in parsed.warnings
    ] + [ImportWarning(0, message, unit="") for message in document.warnings]
    return parsed, text


def parse_docx(data: bytes) -> ParsedEdition:
    """A .docx as an edition's clause tree, as ``guidelines.importing.parse`` gives."""
    document = read_document(data)
    parsed, _text = parse_view(document, "new")
    if document.tracked:
        parsed.warnings.append(
            ImportWarning(
                0,
                "the file has tracked changes: read as if every change were accepted",
                unit="",
            )
        )
    return parsed
