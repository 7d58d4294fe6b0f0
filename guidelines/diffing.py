"""Word-level diff of two clause texts with diff-match-patch.

Words (and the spaces and punctuation between them) are mapped to single characters,
diffed, and mapped back, so insertions and deletions never cut a word in two. Pure
Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

Op = Literal["equal", "insert", "delete"]

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_OPS: dict[int, Op] = {0: "equal", 1: "insert", -1: "delete"}
_FIRST_CODE = 0x100
_SURROGATES = range(0xD800, 0xE000)


@dataclass(frozen=True)
class DiffOp:
    op: Op
    text: str


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _code(index: int) -> str:
    point = _FIRST_CODE + index
    if point >= _SURROGATES.start:
        point += len(_SURROGATES)
    return chr(point)


def word_diff(
    a: str, b: str, *, timeout: float = 1.0, fold: Callable[[str], str] | None = None
) -> list[DiffOp]:
    """The operations that turn ``a`` into ``b``, word by word.

    Contract: the ``equal`` and ``delete`` texts concatenated give ``a``; the ``equal``
    and ``insert`` texts give ``b``. Adjacent operations of one kind are merged. After
    ``timeout`` seconds diff-match-patch returns a valid but coarser diff.

    With ``fold`` (such as :func:`typography_fold`), words are compared by their folded
    form and ``equal`` parts are quoted from ``b``: then only the ``b`` side of the
    contract holds, which is what a reader of the new text needs.
    """
    if a == b:
        return [DiffOp("equal", a)] if a else []
    tokens_a, tokens_b = _tokens(a, fold), _tokens(b, fold)
    codes: dict[str, str] = {}

    def encode(tokens: list[tuple[str, str]]) -> str:
        out = []
        for _text, key in tokens:
            code = codes.get(key)
            if code is None:
                code = codes[key] = _code(len(codes))
            out.append(code)
        return "".join(out)

    encoded_a, encoded_b = encode(tokens_a), encode(tokens_b)
    if encoded_a == encoded_b:
        return [DiffOp("equal", b)] if b else []
    engine = diff_match_patch()
    engine.Diff_Timeout = timeout
    diffs = engine.diff_main(encoded_a, encoded_b, False)
    engine.diff_cleanupSemantic(diffs)

    result: list[DiffOp] = []
    next_a = next_b = 0
    for op_code, chunk in diffs:
        op = _OPS[op_code]
        count = len(chunk)
        if op == "delete":
            text = "".join(t for t, _k in tokens_a[next_a : next_a + count])
            next_a += count
        elif op == "insert":
            text = "".join(t for t, _k in tokens_b[next_b : next_b + count])
            next_b += count
        else:
            text = "".join(t for t, _k in tokens_b[next_b : next_b + count])
            next_a, next_b = next_a + count, next_b + count
        if not text:
            continue
        if result and result[-1].op == op:
            result[-1] = DiffOp(op, result[-1].text + text)
        else:
            result.append(DiffOp(op, text))
    return result


_GLUED_BEFORE = {";", ":", "!", "?", "%", "»"}  # French puts a space before these
_GLUED_AFTER = {"«"}  # and after this


def _tokens(text: str, fold: Callable[[str], str] | None) -> list[tuple[str, str]]:
    """(text, key) per word, space or mark; the key is what is compared."""
    raw = tokenize(text)
    if fold is None:
        return [(token, token) for token in raw]
    # A space that typography alone puts there (before ; : ! ? », after «) is glued to
    # its mark, so that its presence or absence is not a difference.
    glued: list[tuple[str, str]] = []
    pending = ""
    for index, token in enumerate(raw):
        if token.isspace():
            following = raw[index + 1] if index + 1 < len(raw) else ""
            if following in _GLUED_BEFORE:
                pending += token
                continue
            if glued and glued[-1][0].rstrip().endswith(tuple(_GLUED_AFTER)):
                glued[-1] = (glued[-1][0] + token, glued[-1][1])
                continue
            glued.append((pending + token, " "))
        else:
            glued.append((pending + token, fold(token)))
        pending = ""
    if pending:
        glued.append((pending, " "))
    return glued


def has_changes(ops: list[DiffOp]) -> bool:
    return any(op.op != "equal" for op in ops)


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"'})
_GUILLEMETS = re.compile(r"«\s*|\s*»")
_NO_BREAK = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([;:!?%])")
_SPACES = re.compile(r" {2,}")


def typography_fold(text: str) -> str:
    """The text with typography folded away, so only wording changes remain.

    œ/oe and æ/ae, typographic and straight apostrophes and quotes (« » become "),
    non-breaking spaces, and the space French puts before ; : ! ? are made the same.
    """
    folded = text.translate(_NO_BREAK)
    folded = _GUILLEMETS.sub('"', folded)
    folded = folded.translate(_LIGATURES).translate(_QUOTES)
    folded = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", folded)
    return _SPACES.sub(" ", folded)


def words_differ(a: str, b: str, *, fold: Callable[[str], str] | None = None) -> bool:
    """Whether ``word_diff(a, b, fold=fold)`` would show a change, without diffing: the
    words (their folded keys with ``fold``) of both texts are compared in sequence."""
    if a == b:
        return False
    if fold is None:
        return True
    return [key for _t, key in _tokens(a, fold)] != [key for _t, key in _tokens(b, fold)]
