"""Word-level diff of two clause texts with diff-match-patch.

Words (and the spaces and punctuation between them) are mapped to single characters,
diffed, and mapped back, so insertions and deletions never cut a word in two. Pure
Python, no Django.
"""

from __future__ import annotations

import re
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


def word_diff(a: str, b: str, *, timeout: float = 1.0) -> list[DiffOp]:
    """The operations that turn ``a`` into ``b``, word by word.

    Contract: the ``equal`` and ``delete`` texts concatenated give ``a``; the ``equal``
    and ``insert`` texts give ``b``. Adjacent operations of one kind are merged. After
    ``timeout`` seconds diff-match-patch returns a valid but coarser diff.
    """
    if a == b:
        return [DiffOp("equal", a)] if a else []
    codes: dict[str, str] = {}
    tokens: list[str] = []

    def encode(text: str) -> str:
        out = []
        for token in tokenize(text):
            code = codes.get(token)
            if code is None:
                code = codes[token] = _code(len(tokens))
                tokens.append(token)
            out.append(code)
        return "".join(out)

    encoded_a, encoded_b = encode(a), encode(b)
    engine = diff_match_patch()
    engine.Diff_Timeout = timeout
    diffs = engine.diff_main(encoded_a, encoded_b, False)
    engine.diff_cleanupSemantic(diffs)

    result: list[DiffOp] = []
    decode = {code: token for token, code in codes.items()}
    for op_code, chunk in diffs:
        op = _OPS[op_code]
        text = "".join(decode[ch] for ch in chunk)
        if not text:
            continue
        if result and result[-1].op == op:
            result[-1] = DiffOp(op, result[-1].text + text)
        else:
            result.append(DiffOp(op, text))
    return result


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
