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
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u061f": "?", "\u060c": ",", "\u061b": ";",
})
# Characters that draw nothing (Unicode's default-ignorable code points): zero-width space, non-joiner and
# joiner, direction marks and embeddings, word joiner and invisible operators, byte-order mark, soft hyphen,
# fillers, variation selectors, tag characters. They are deleted, never read as a space, because they sit
# inside words ("Bei\u200bjing"); feed text (monitor.feeds.text) deletes the same set.
_INVISIBLE_CLASS = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
                    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]")
# Cyrillic and Greek letters drawn like a Latin letter (after Unicode's confusables.txt), read as that letter
# where they touch a Latin letter: "\u0412eijing" with a Cyrillic capital ve is Beijing. A word written wholly
# in Cyrillic or Greek is left in its script.
_LOOKALIKES = dict(zip(
    "\u0410\u0430\u0412\u0415\u0435\u041a\u043a\u041c\u041d\u041e\u043e\u0420\u0440\u0421\u0441\u0422"
    "\u0423\u0443\u0425\u0445\u0405\u0455\u0406\u0456\u0408\u0458\u04ae\u04af\u04bb\u0501\u051b\u051c"
    "\u051d\u04c0\u04cf\u050c\u0474\u0475"
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03bf\u03b9"
    "\u03bd\u03b1\u03c1\u03c5\u03b3\u03f2\u03f9\u03f3\u037f\u03ba",
    "AaBEeKkMHOoPpCcTYyXxSsIiJjYyhdqWwIlGVv"
    "ABEZHIKMNOPTYXoivapuycCjJk", strict=True))
# A look-alike or invisible character next to an ASCII letter: only then is a look-alike read as Latin.
_LOOKALIKE_CLASS = "".join(_LOOKALIKES) + _INVISIBLE_CLASS
_TOUCHING_LATIN = re.compile(f"[A-Za-z][{_LOOKALIKE_CLASS}]|[{_LOOKALIKE_CLASS}][A-Za-z]")

_PLAIN_MAP = {chr(code): str(target or "") for code, target in _PLAIN.items()}
_PLAIN_CHARS = re.compile("[" + "".join(map(re.escape, _PLAIN_MAP)) + "]")

# One non-ASCII character, as a capturing split: ASCII stretches and single characters alternate.
_NON_ASCII = re.compile(r"([^\x00-\x7f])")
# Each character's folded form as a `str.translate` table: the capitals of ASCII, and each other character
# once it has been seen (a memo of a pure function, like `_fold_char`'s cache; it only grows by new characters).
_TRANSLATE: dict[int, str] = {ord(c): c.lower() for c in map(chr, range(65, 91))}


def fold(text: str) -> str:
    """The matching form of a phrase (alias, keyphrase): the same folding `normalize` applies to items."""
    return fold_with_origin(text)[0]


@functools.lru_cache(maxsize=1 << 12)
def _fold_char(char: str) -> str:
    """The folded form of one non-ASCII character (memoised: a pure function of its argument)."""
    if INVISIBLE.match(char):
        return ""
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
    if 2 * len(text.encode()) > 3 * len(text) and not _TOUCHING_LATIN.search(text):
        translated = _translated(text)
        if translated is not None:
            return translated, None
    # ASCII stretches are lowered in one call; only the other characters are folded one by one.
    pieces = _NON_ASCII.split(text)
    if not _LOOKALIKES.keys().isdisjoint(pieces[1::2]):
        _read_lookalikes(pieces)
    parts: list[str] = []
    identity = True
    for position, piece in enumerate(pieces):
        if position % 2 == 0:
            parts.append(piece.lower())
            continue
        folded = _fold_char(piece)
        parts.append(folded)
        identity = identity and len(folded) == 1
    folded_text = "".join(parts)
    if identity:
        return folded_text, None
    origin: list[int] = []
    offset = 0
    for position, (piece, folded) in enumerate(zip(pieces, parts, strict=True)):
        if position % 2 == 0:
            origin.extend(range(offset, offset + len(piece)))
        else:
            origin.extend([offset] * len(folded))
        offset += len(piece)
    return folded_text, tuple(origin)


def _translated(text: str) -> str | None:
    """Text mostly in another script, with no look-alike letter to read as Latin, folded by one `str.translate`
    over a table of its distinct characters; None when a character does not fold to exactly one."""
    table = _TRANSLATE
    for char in set(text):
        if char > "\x7f":
            folded = table.get(ord(char))
            if folded is None:
                folded = table[ord(char)] = _fold_char(char)
            if len(folded) != 1:
                return None
    return text.translate(table)


def _read_lookalikes(pieces: list[str]) -> None:
    """In `pieces` (ASCII stretches and single other characters, alternating), replace the look-alike letters of
    each run of look-alikes and invisible characters that touches an ASCII letter; one character for one."""
    run: list[int] = []
    for index in range(1, len(pieces), 2):
        char = pieces[index]
        if char in _LOOKALIKES or not _fold_char(char):
            if not (run and pieces[index - 1] == ""):
                _read_run(pieces, run)
                run = []
            run.append(index)
        else:
            _read_run(pieces, run)
            run = []
    _read_run(pieces, run)


def _read_run(pieces: list[str], run: list[int]) -> None:
    if run and (pieces[run[0] - 1][-1:].isalpha() or pieces[run[-1] + 1][:1].isalpha()):
        for index in run:
            pieces[index] = _LOOKALIKES.get(pieces[index], pieces[index])
