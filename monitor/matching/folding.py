"""Folding: the matching form of text. NFKC, casefolded, curly quotes and dashes made plain, diacritics
dropped (Cyrillic letters keep theirs: "й" is not "и", "ї" is not "і"; "ё" reads as "е"), with a map from
each folded character back to its original offset.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Characters mapped before casefolding; everything else goes through NFKC + casefold.
_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "", "\u061f": "?", "\u060c": ",", "\u061b": ";",
})

_PLAIN_MAP = {chr(code): str(target or "") for code, target in _PLAIN.items()}
_PLAIN_CHARS = re.compile("[" + "".join(map(re.escape, _PLAIN_MAP)) + "]")

# Stretches of non-ASCII characters, as a capturing split: ASCII and non-ASCII stretches alternate.
_NON_ASCII_RUN = re.compile(r"([^\x00-\x7f]+)")
# Each character's folded form as a `str.translate` table: the capitals of ASCII, and each other character
# once it has been seen (a memo of a pure function, like `_fold_char`'s cache; it only grows by new characters).
_TRANSLATE: dict[int, str] = {ord(c): c.lower() for c in map(chr, range(65, 91))}


def fold(text: str) -> str:
    """The matching form of a phrase (alias, keyphrase): the same folding `normalize` applies to items."""
    return fold_with_origin(text)[0]


@functools.lru_cache(maxsize=1 << 12)
def _fold_char(char: str) -> str:
    """The folded form of one non-ASCII character (memoised: a pure function of its argument)."""
    folded = unicodedata.normalize("NFKC", char.translate(_PLAIN)).casefold()
    if folded.isascii():
        return folded
    if len(folded) == 1 and "\u0400" <= folded <= "\u04ff":
        return "\u0435" if folded == "\u0451" else folded  # Cyrillic keeps its letters; "ё" reads as "е"
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_PLAIN) or folded


def plain(text: str) -> str:
    """`text.translate(_PLAIN)`, with the regex engine finding the few characters to replace."""
    return _PLAIN_CHARS.sub(_plain_char, text)


def _plain_char(found: re.Match[str]) -> str:
    return _PLAIN_MAP[found.group()]


def fold_with_origin(text: str) -> tuple[str, tuple[int, ...] | None]:
    """The folded text and, unless it is one character per character, each folded character's origin."""
    if text.isascii():
        return text.lower(), None
    pieces = _NON_ASCII_RUN.split(text)
    if sum(map(len, pieces[1::2])) * 4 < len(text):
        return _fold_runs(pieces)
    # Text mostly in another script: if it folds one character to one character, one `str.translate` over a
    # table of its distinct characters does it all.
    table = _TRANSLATE
    identity = True
    for char in set(text):
        if char > "\x7f":
            folded = table.get(ord(char))
            if folded is None:
                folded = table[ord(char)] = _fold_char(char)
            identity = identity and len(folded) == 1
    if identity:
        return text.translate(table), None
    return _fold_runs(pieces)


def _fold_runs(pieces: list[str]) -> tuple[str, tuple[int, ...] | None]:
    """Fold a text split into ASCII and non-ASCII stretches: the ASCII ones lowered in one call each, the
    others folded character by character."""
    parts: list[str] = []
    runs: list[list[str]] = []
    identity = True
    for position, piece in enumerate(pieces):
        if position % 2 == 0:
            parts.append(piece.lower())
            continue
        chars = list(map(_fold_char, piece))
        runs.append(chars)
        parts.append("".join(chars))
        identity = identity and len(parts[-1]) == len(piece) and max(map(len, chars)) == 1
    folded_text = "".join(parts)
    if identity:
        return folded_text, None
    origin: list[int] = []
    offset = 0
    for position, piece in enumerate(pieces):
        if position % 2 == 0:
            origin.extend(range(offset, offset + len(piece)))
        else:
            for index, folded in enumerate(runs[position // 2]):
                origin.extend([offset + index] * len(folded))
        offset += len(piece)
    return folded_text, tuple(origin)
