"""Build small Word files (.docx) for tests from raw OOXML.

A test writes the ``<w:body>`` it needs, and the parts it needs (numbering, styles,
comments, footnotes) as XML text; :func:`docx` wraps them in a minimal valid package:
``[Content_Types].xml``, ``_rels/.rels``, ``word/document.xml`` and
``word/_rels/document.xml.rels`` with one relationship for each part given. ``members``
then adds raw zip members, replaces built ones or (``None``) leaves them out, to make
broken or hostile packages.

    docx(p("1.\\tFirst.") + p("Part", style="Heading1"), styles=styles_xml(...))

The helpers return XML text; what they are given as text is escaped.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape, quoteattr

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
V = "urn:schemas-microsoft-com:vml"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml"

# Every namespace a test body may use, declared once on each part's root.
NAMESPACES = (
    f'xmlns:w="{W}" xmlns:r="{R}" xmlns:mc="{MC}" xmlns:wp="{WP}" xmlns:a="{A}" '
    f'xmlns:wps="{WPS}" xmlns:v="{V}"'
)
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# part in word/ -> (relationship type, content type), for the optional parts.
PARTS = {
    "numbering.xml": ("numbering", f"{MAIN_TYPE}.numbering+xml"),
    "styles.xml": ("styles", f"{MAIN_TYPE}.styles+xml"),
    "comments.xml": ("comments", f"{MAIN_TYPE}.comments+xml"),
    "footnotes.xml": ("footnotes", f"{MAIN_TYPE}.footnotes+xml"),
}


def docx(
    body: str,
    *,
    numbering: str | None = None,
    styles: str | None = None,
    comments: str | None = None,
    footnotes: str | None = None,
    members: Mapping[str, str | bytes | None] | None = None,
) -> bytes:
    """A .docx whose body is ``body``; each optional part is the inner XML of its root
    (``<w:abstractNum>…``, ``<w:style>…``, ``<w:comment>…``, ``<w:footnote>…``)."""
    given = {"numbering.xml": numbering, "styles.xml": styles}
    given |= {"comments.xml": comments, "footnotes.xml": footnotes}
    roots = {"numbering.xml": "numbering", "styles.xml": "styles"}
    roots |= {"comments.xml": "comments", "footnotes.xml": "footnotes"}
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": content_types(name for name, xml in given.items() if xml),
        "_rels/.rels": relationships([(f"{DOC_REL}/officeDocument", "word/document.xml")]),
        "word/document.xml": part("document", f"<w:body>{body}</w:body>"),
        "word/_rels/document.xml.rels": relationships(
            [(f"{DOC_REL}/{PARTS[name][0]}", name) for name, xml in given.items() if xml]
        ),
    }
    for name, xml in given.items():
        if xml:
            files[f"word/{name}"] = part(roots[name], xml)
    for name, content in (members or {}).items():
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    return zip_bytes(files)


def zip_bytes(files: Mapping[str, str | bytes]) -> bytes:
    """A zip of these members (text as UTF-8), deflated as Word does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def part(root: str, inner: str) -> str:
    """An XML part ``<w:root …namespaces…>inner</w:root>``."""
    return f"{DECLARATION}<w:{root} {NAMESPACES}>{inner}</w:{root}>"


def content_types(parts: Iterable[str] = ()) -> str:
    overrides = "".join(
        f'<Override PartName="/word/{name}" ContentType="{PARTS[name][1]}"/>' for name in parts
    )
    return (
        f'{DECLARATION}<Types xmlns="{TYPES}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        f'ContentType="{MAIN_TYPE}.document.main+xml"/>{overrides}</Types>'
    )


def relationships(targets: list[tuple[str, str]]) -> str:
    """A .rels part: (relationship type, target) pairs, ids rId1, rId2…"""
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, start=1)
    )
    return f'{DECLARATION}<Relationships xmlns="{RELS}">{rels}</Relationships>'


# --- the body ---------------------------------------------------------------------------


def t(text: str) -> str:
    """Runs for ``text``: a tab becomes ``<w:tab/>``, a line feed ``<w:br/>``."""
    pieces = []
    for i, line in enumerate(text.split("\n")):
        if i:
            pieces.append("<w:r><w:br/></w:r>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                pieces.append("<w:r><w:tab/></w:r>")
            if chunk:
                pieces.append(f'<w:r><w:t xml:space="preserve">{escape(chunk)}</w:t></w:r>')
    return "".join(pieces)


def ppr(style: str | None = None, num: tuple[int, int] | None = None, extra: str = "") -> str:
    """Paragraph properties: a style id, a (numId, ilvl) and any raw XML after them."""
    inner = f"<w:pStyle w:val={quoteattr(style)}/>" if style else ""
    if num is not None:
        inner += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    inner += extra
    return f"<w:pPr>{inner}</w:pPr>" if inner else ""


def p(
    text: str = "",
    style: str | None = None,
    num: tuple[int, int] | None = None,
    *,
    runs: str | None = None,
    mark: str = "",
) -> str:
    """A paragraph of ``text`` (or of raw ``runs``); ``mark`` is raw XML for the
    paragraph mark's run properties (``<w:ins …/>`` for an inserted mark)."""
    extra = f"<w:rPr>{mark}</w:rPr>" if mark else ""
    return f"<w:p>{ppr(style, num, extra)}{t(text) if runs is None else runs}</w:p>"


def change(tag: str, runs: str, change_id: int = 1) -> str:
    """A tracked change: ``change("ins", t("new"))``; ``del`` turns w:t into w:delText."""
    if tag == "del":
        runs = runs.replace("<w:t ", "<w:delText ").replace("</w:t>", "</w:delText>")
    return (
        f'<w:{tag} w:id="{change_id}" w:author="Test" w:date="2025-01-01T00:00:00Z">'
        f"{runs}</w:{tag}>"
    )


# --- styles and numbering ---------------------------------------------------------------


def style(
    style_id: str,
    name: str,
    *,
    based_on: str | None = None,
    num: tuple[int, int] | None = None,
    outline: int | None = None,
) -> str:
    """A paragraph style; ``num`` numbers every paragraph of the style."""
    inner = f"<w:name w:val={quoteattr(name)}/>"
    if based_on:
        inner += f"<w:basedOn w:val={quoteattr(based_on)}/>"
    extra = f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else ""
    inner += ppr(None, num, extra)
    return f'<w:style w:type="paragraph" w:styleId={quoteattr(style_id)}>{inner}</w:style>'


def level(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    """One level of a list: ``level(1, "decimal", "%1.%2")``."""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f"<w:lvlText w:val={quoteattr(text)}/>{extra}</w:lvl>"
    )


def abstract_num(abstract_id: int, *levels: str) -> str:
    return f'<w:abstractNum w:abstractNumId="{abstract_id}">{"".join(levels)}</w:abstractNum>'


def num(num_id: int, abstract_id: int, starts: Mapping[int, int] | None = None) -> str:
    """A list instance; ``starts`` maps a level to its w:startOverride."""
    overrides = "".join(
        f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
        for ilvl, start in (starts or {}).items()
    )
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'


# --- patching the zip's headers ---------------------------------------------------------

# Where each field is in a local file header (PK\3\4) and a central directory entry
# (PK\1\2): offset and struct format.
_LOCAL = {"name_length": (26, "<H"), "flag_bits": (6, "<H"), "file_size": (22, "<I")}
_CENTRAL = {"name_length": (28, "<H"), "flag_bits": (8, "<H"), "file_size": (24, "<I")}


def patch_member(data: bytes, name: str, **fields: int) -> bytes:
    """Rewrite ``flag_bits`` or ``file_size`` of member ``name`` in both its local and
    central headers, the data left as it is: a zip whose headers lie."""
    out = bytearray(data)
    encoded = name.encode()
    patched = 0
    for signature, layout, name_at in ((b"PK\x03\x04", _LOCAL, 30), (b"PK\x01\x02", _CENTRAL, 46)):
        at = out.find(signature)
        while at != -1:
            offset, fmt = layout["name_length"]
            length = struct.unpack_from(fmt, out, at + offset)[0]
            if out[at + name_at : at + name_at + length] == encoded:
                for field, value in fields.items():
                    offset, fmt = layout[field]
                    struct.pack_into(fmt, out, at + offset, value)
                patched += 1
            at = out.find(signature, at + 4)
    assert patched == 2, f"{name}: {patched} headers found, not 2"
    return bytes(out)
