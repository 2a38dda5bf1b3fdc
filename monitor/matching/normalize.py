"""Normalise an item once: NFKC, casefold for matching, sentences, tokens and quotes, offsets kept.

The item's original text is `title + "\\n\\n" + text` (either part may be empty; see `item_text`). Every
offset in a `Doc` (sentences, tokens, quotes) and so every `Span` the matcher returns points into that
original string. Matching works on `Doc.folded`: NFKC, casefolded, curly quotes and dashes made plain and
diacritics dropped, with `Doc.origin` mapping each folded character back to its original offset
(`folding.py`). `Doc.language` is the item's language; in another language than English the tokens' texts
are the English cue words they read as (`lexicon.py`), their stems the item's own.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress
from operator import itemgetter
from typing import NamedTuple, overload

from monitor.matching import folding
from monitor.matching.compounds import Compounds
from monitor.matching.folding import fold_with_origin, plain
from monitor.matching.language import Language, detect
from monitor.matching.lexicon import english_words
from monitor.matching.text import HAN, STOPWORDS, stems, wordset

fold = folding.fold  # phrases (aliases, keyphrases) fold as items do
INVISIBLE = folding.INVISIBLE  # feed text deletes what matching deletes

# Abbreviations whose final dot does not end a sentence (folded, without the dot).
_ABBREVIATIONS = wordset("""
mr mrs ms dr prof gen col lt sgt capt cmdr adm gov sen rep pres st jr sr co corp inc ltd vs etc jan feb mar
apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u u.s.a d.c a.m p.m e.g i.e approx est
""")
# A sentence ends at terminal punctuation (with closing quotes and brackets) before whitespace and a capital
# or digit, or at the end of the text; a blank line ends one too. The pattern opens with one character class
# so the regex engine skips ahead to candidate characters instead of trying every position.
# Chinese ends a sentence at "。", "!" or "?" with no space after.
_SENTENCE_END = re.compile(
    r"""[.!?\n\u3002](?:(?<=[.!?\u3002])[.!?\u3002]*["')\]]*(?:(?=\s+["'(\[]?[A-Z0-9\u0400-\u9fff])|\s*$"""
    r"""|(?<=[!?\u3002])(?=["'(\[]?[\u3400-\u9fff]))|(?<=\n)\s*\n)""")
# Words, as a capturing split: separators and words alternate, so offsets are running lengths. Possessive
# quantifiers (a word never gives characters back) spare the regex engine its backtracking bookkeeping.
# Han characters are words of their own: Chinese has no spaces, and a phrase is matched as its characters.
_TOKEN_SPLIT = re.compile(rf"({HAN}|[^\W{HAN[1:-1]}]++(?:['.-][^\W{HAN[1:-1]}]++)*+)", re.UNICODE)
_TOKEN_SPLIT_ASCII = re.compile(r"(\w++(?:['.-]\w++)*+)", re.ASCII)
# Where a sentence turns to another speaker or stance: "..., but ...", "; ", "while", "whereas", "however". A
# turn without a subject of its own ("... but has not verified them", "while visiting Beijing") continues the
# clause before it.
_CONTRAST = re.compile(
    r"(?:,?\s+(?:but|whereas|while|although|though)\s+|\s*;\s+(?:however,?\s+)?|,\s+yet\s+)"
    r"(?!(?:has|have|had|is|was|were|are|did|does|do|will|would|could|can|may|might|should|must|also|then|not|"
    r"never|only|rather|said|says|added|adds|insisted|denied|stressed|warned|noted|declined|refused|called|"
    r"gave|offered|provided|acknowledged|admitted)\b)(?=(\w+))")
_OPENING_CONTRAST = re.compile(r"""\s*["']?(?:while|whereas|although|though)\s[^,;]*?(,\s+)""")
NAME_LENGTH = 5
# A capital not preceded by a word character, apostrophe, dot or hyphen, then four or more word characters;
# the pattern opens with the capital so the regex engine skips ahead to candidates.
_CAPITALISED = re.compile(r"[A-Z](?<![\w'.-][A-Z])[\w'-]{4,}")
_CAPITAL = re.compile("[A-Z]")
_CAPITAL_FLAGS = bytes(1 if 65 <= code <= 90 else 0 for code in range(256))
_CAPITAL_MARKS = bytes(b"A"[0] if 65 <= code <= 90 else b"."[0] for code in range(256))
_QUOTE = re.compile(r'"(?:[^"\n]|\n(?!\s*\n)){2,800}?"')


class Token(NamedTuple):
    """One word: offsets into the folded text, its folded form and its stem."""

    start: int
    end: int
    text: str
    stem: str


_FIRST_FIVE = itemgetter(slice(0, 5))
# Builds a Token from a (start, end, text, stem) tuple without a Python-level call per token.
_new_token = functools.partial(tuple.__new__, Token)


@dataclass(frozen=True)
class Sentence:
    """A sentence: folded-text offsets, the slice of `Doc.tokens` it owns, and whether it is the title."""

    index: int
    start: int
    end: int
    first_token: int
    last_token: int
    is_title: bool


class TokenList(Sequence[Token]):
    """The item's tokens stored as parallel tuples (cheap to build); indexing yields `Token` values."""

    __slots__ = ("_slices", "ends", "starts", "stems", "texts")

    def __init__(self, starts: tuple[int, ...], ends: tuple[int, ...], texts: tuple[str, ...],
                 stems: tuple[str, ...]):
        self.starts, self.ends, self.texts, self.stems = starts, ends, texts, stems
        # Slices already built (sentences are read by several stages); values never change, so sharing is safe.
        self._slices: dict[tuple[int, int, int], tuple[Token, ...]] = {}

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, index: int) -> Token: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Token, ...]: ...

    def __getitem__(self, index: int | slice) -> Token | tuple[Token, ...]:
        if isinstance(index, slice):
            key = index.indices(len(self.texts))
            found = self._slices.get(key)
            if found is None:
                fields = zip(self.starts[index], self.ends[index], self.texts[index], self.stems[index], strict=True)
                found = self._slices[key] = tuple(map(_new_token, fields))
            return found
        return Token(self.starts[index], self.ends[index], self.texts[index], self.stems[index])


def _tokenize(folded: str) -> TokenList:
    # On ASCII text the ASCII classes match the same words, a little faster.
    parts = (_TOKEN_SPLIT_ASCII if folded.isascii() else _TOKEN_SPLIT).split(folded)
    offsets = tuple(accumulate(map(len, parts)))
    texts = tuple(parts[1::2])
    return TokenList(offsets[0:-1:2], offsets[1::2], texts, stems(texts))


def _in_english(tokens: TokenList, language: Language) -> TokenList:
    """The tokens with the cue words of another language read as the English ones (`lexicon.py`); their
    stems stay the item's own, so the claim's keyphrases in that language still match."""
    if language == Language.EN:
        return tokens
    texts = english_words(language, tokens.texts, tokens.stems)
    return TokenList(tokens.starts, tokens.ends, texts, tokens.stems)


@dataclass(frozen=True)
class Doc:
    """An item normalised once; everything downstream reads this, never the raw strings.

    Sentences and quotations are found on first use: an item the index finds no candidate in never needs
    them, and most items are such items.
    """

    original: str
    folded: str
    origin: tuple[int, ...] | None
    tokens: TokenList
    title_end: int
    language: Language = Language.EN

    @functools.cached_property
    def quotes(self) -> tuple[tuple[int, int], ...]:
        """Quotations as folded-text ranges, closing quote included."""
        return tuple((m.start(), m.end()) for m in _QUOTE.finditer(self.folded))

    @functools.cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """The title (when there is one) and the body's sentences, quotations kept whole."""
        return _sentences(self)

    @functools.cached_property
    def capital_initials(self) -> tuple[int, ...]:
        """Indexes of the tokens that open with a capital A-Z in the original: where a misspelt name may stand
        (computed once per item, whatever the claims)."""
        starts = self.tokens.starts
        if not starts:
            return ()
        if self.origin is not None:
            return tuple(i for i, start in enumerate(starts) if self.original_slice(start, start + 1).isupper())
        # Folded and original offsets agree: a byte table flags the capitals in a string of every token's first
        # letter (any other character encodes as "?", one byte each), and `compress` keeps their indexes.
        firsts = "".join(itemgetter(*starts)(self.original)).encode("ascii", "replace")
        return tuple(compress(range(len(firsts)), firsts.translate(_CAPITAL_FLAGS)))

    def is_capitalised(self, index: int) -> bool:
        """Whether the token at `index` (one of `capital_initials`) is a capitalised word as `_CAPITALISED`
        reads it: after no word character, apostrophe, dot or hyphen, and with four more word characters,
        apostrophes or hyphens."""
        if self.origin is not None:
            return True  # `capital_initials` reads the case of the original slice; the folded text decides
        # A capital inside an earlier match follows a word character, so the lookbehind rejects it there too.
        return _CAPITALISED.match(self.original, self.tokens.starts[index]) is not None

    @functools.cached_property
    def token_sentence(self) -> tuple[int, ...]:
        """The sentence index of each token."""
        token_sentence = [0] * len(self.tokens)
        for sentence in self.sentences:
            token_sentence[sentence.first_token:sentence.last_token] = [sentence.index] * (
                sentence.last_token - sentence.first_token)
        return tuple(token_sentence)

    @functools.cached_property
    def stem_positions(self) -> Mapping[str, Sequence[int]]:
        """The token indexes of each stem."""
        return stem_positions(self.tokens.stems)

    @functools.cached_property
    def stem_prefixes(self) -> frozenset[str]:
        """The five-letter prefixes of the item's stems of five letters or more (computed once per item)."""
        # A stem's first five letters are five letters long exactly when the stem is at least that long.
        return frozenset(p for p in set(map(_FIRST_FIVE, self.tokens.stems)) if len(p) == 5)

    @functools.cached_property
    def compounds(self) -> Compounds:
        """The item's long and hyphenated words, where a claim word can hide (computed on first use)."""
        return Compounds.of(self.tokens.texts)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) range of the folded text to the original text."""
        if self.origin is None:
            return start, end
        if start >= len(self.origin):
            return len(self.original), len(self.original)
        o_start = self.origin[start]
        o_end = self.origin[end] if end < len(self.origin) else len(self.original)
        return o_start, max(o_end, o_start)

    def original_slice(self, start: int, end: int) -> str:
        """The original text of a folded-text range."""
        a, b = self.to_original(start, end)
        return self.original[a:b]

    def sentence_tokens(self, sentence: Sentence) -> tuple[Token, ...]:
        """The tokens of one sentence."""
        return self.tokens[sentence.first_token:sentence.last_token]

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence containing a folded-text offset (the last one when past the end)."""
        for sentence in self.sentences:
            if offset < sentence.end:
                return sentence
        return self.sentences[-1]

    def clauses(self, sentence: Sentence) -> tuple[Sentence, ...]:
        """A sentence's clauses, split where it turns ("Beijing denies the claims, but the UK insists ...");
        never inside a quotation. Each clause is a `Sentence` with the sentence's index."""
        cuts = [(m.start(), m.end()) for m in _CONTRAST.finditer(self.folded, sentence.start, sentence.end)
                if not self.in_quote(m.start(), m.end()) and not self._participle(m.group(1), m.end())]
        opening = _OPENING_CONTRAST.match(self.folded, sentence.start, sentence.end)
        if opening is not None and not self.in_quote(opening.start(1), opening.end(1)):
            # "While Washington says ..., Tehran insists ...": the turn is the comma.
            cuts = sorted({(opening.start(1), opening.end(1)), *cuts})
        if not cuts:
            return (sentence,)
        bounds = [sentence.start, *(end for _, end in cuts)], [*(start for start, _ in cuts), sentence.end]
        clauses: list[Sentence] = []
        starts = self.tokens.starts
        for start, end in zip(*bounds, strict=True):
            first = bisect_left(starts, start, sentence.first_token, sentence.last_token)
            last = bisect_left(starts, end, first, sentence.last_token)
            if last > first:
                clauses.append(Sentence(sentence.index, start, end, first, last, sentence.is_title))
        return tuple(clauses) or (sentence,)

    def quoted_turn(self, sentence: Sentence) -> Sentence | None:
        """What follows the last turn inside a quotation ('"Beijing denies it, but the evidence shows ...,"
        Shapps said' -> 'the evidence shows ...," Shapps said'), or None when no quotation in it turns."""
        turns = [m for m in _CONTRAST.finditer(self.folded, sentence.start, sentence.end)
                 if self.in_quote(m.start(), m.end()) and not self._participle(m.group(1), m.end())]
        if not turns:
            return None
        start = turns[-1].end()
        first = bisect_left(self.tokens.starts, start, sentence.first_token, sentence.last_token)
        if first >= sentence.last_token:
            return None
        return Sentence(sentence.index, start, sentence.end, first, sentence.last_token, sentence.is_title)

    def _participle(self, word: str, start: int) -> bool:
        """Whether a word after a turn is a participle ("while visiting Beijing"), not a name ("but Beijing")."""
        return word.endswith("ing") and not self.original_slice(start, start + 1).isupper()

    def in_quote(self, start: int, end: int) -> bool:
        """Whether a folded-text range lies inside a quotation."""
        return any(q_start <= start and end <= q_end for q_start, q_end in self.quotes)


def stem_positions(stems: Sequence[str]) -> dict[str, list[int]]:
    """The token indexes of each stem of a token-stem sequence."""
    positions: dict[str, list[int]] = {}
    for index, token_stem in enumerate(stems):
        positions.setdefault(token_stem, []).append(index)
    return positions


def item_text(title: str, text: str) -> str:
    """The original text an item's spans refer to: the title, a blank line, the body."""
    title, text = title.strip(), text.strip()
    if title and text:
        return f"{title}\n\n{text}"
    return title or text


def _sentence_bounds(folded: str, original_upper: str, start: int, end: int) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    cursor = start
    for found in _SENTENCE_END.finditer(original_upper, start, end):
        stop = found.end()
        if original_upper[found.start()] == "." and found.group().strip() == ".":
            before = folded[max(cursor, found.start() - 12):found.start()]
            word = before[before.rfind(" ") + 1:].lstrip("\"'(")
            if word in _ABBREVIATIONS or len(word) == 1:
                continue
        if folded[cursor:stop].strip():
            bounds.append((cursor, stop))
        cursor = stop
    if folded[cursor:end].strip():
        bounds.append((cursor, end))
    return bounds


def _merge_quoted(bounds: list[tuple[int, int, bool]], quotes: tuple[tuple[int, int], ...]
                  ) -> list[tuple[int, int, bool]]:
    """Keep a quotation in one sentence: '"We have not seen that. I look forward...," Sullivan said.'"""
    merged: list[tuple[int, int, bool]] = []
    quote_starts = [q_start for q_start, _ in quotes]  # in order, and quotations never overlap
    for start, end, is_title in bounds:
        if merged and not is_title and not merged[-1][2]:
            previous = merged[-1]
            # Only the last quotation opening before the previous sentence's end can hold that end.
            last = bisect_left(quote_starts, previous[1]) - 1
            if last >= 0 and previous[1] <= quotes[last][1] - 1 and quotes[last][1] > start:
                merged[-1] = (previous[0], end, False)
                continue
        merged.append((start, end, is_title))
    return merged


class Folded(NamedTuple):
    """An item's text folded, the first step of `normalize`: the original text, the folded text, each folded
    character's origin (None when one to one) and where the title ends in the folded text."""

    original: str
    folded: str
    origin: tuple[int, ...] | None
    title_end: int


def fold_item(title: str, text: str = "") -> Folded:
    """Fold an item's title and body (either may be empty)."""
    original = item_text(title, text)
    folded, origin = fold_with_origin(original)
    title_end = len(title.strip()) if title.strip() else 0
    if origin is not None:
        title_end = bisect_left(origin, title_end)
    return Folded(original, folded, origin, title_end)


def capitalised_texts(item: Folded) -> Iterator[str]:
    """The texts of the capitalised words of five letters or more that are no function words (the words
    `NameRepair.repair` may repair; perhaps a few more), read without tokenising the item; for an item folded
    one character to one (`Folded.origin` is None), `Doc.is_capitalised` reads the original by the same
    pattern."""
    token = _TOKEN_SPLIT_ASCII if item.folded.isascii() else _TOKEN_SPLIT
    for start in _capitals(item.original):
        # A match follows no word character, apostrophe, dot or hyphen, so a token starts there.
        word = token.match(item.folded, start) if _CAPITALISED.match(item.original, start) else None
        if word is not None:
            text = word.group()
            if len(text) >= NAME_LENGTH and text[0].isalpha() and text not in STOPWORDS:
                yield text


def _capitals(original: str) -> Iterator[int]:
    """The offsets of the capitals A-Z in the text."""
    if not original.isascii():
        yield from (found.start() for found in _CAPITAL.finditer(original))
        return
    # On ASCII text a byte table marks the capitals, and `find` (memchr) walks them: faster than the regex.
    marks = original.encode("ascii").translate(_CAPITAL_MARKS)
    position = marks.find(b"A")
    while position >= 0:
        yield position
        position = marks.find(b"A", position + 1)


def normalize(title: str, text: str = "", language: str | None = None) -> Doc:
    """Normalise an item (title and body, either may be empty) into a `Doc`; `language` is what the item
    or its feed declares (detected from the text when it names no supported language)."""
    return normalize_folded(fold_item(title, text), language)


def normalize_folded(item: Folded, language: str | None = None) -> Doc:
    """`normalize` from an item already folded (`fold_item`)."""
    original, folded, origin, title_end = item
    tokens = _tokenize(folded)
    found = detect(original, tokens.texts, language, folded)
    return Doc(original, folded, origin, _in_english(tokens, found), title_end, found)


def _sentences(doc: Doc) -> tuple[Sentence, ...]:
    """Split a `Doc` into sentences, each with the slice of `Doc.tokens` it owns."""
    folded, origin, original, title_end = doc.folded, doc.origin, doc.original, doc.title_end
    # Sentence boundaries need the case of the next word: use a case-preserving copy of the folded text.
    cased = original if origin is None else "".join(original[o] if original[o].isascii() else folded[i]
                                                     for i, o in enumerate(origin))
    cased = plain(cased)
    bounds: list[tuple[int, int, bool]] = []
    if title_end:
        bounds.append((0, title_end, True))
    bounds.extend((a, b, False) for a, b in _sentence_bounds(folded, cased, title_end, len(folded)))
    bounds = _merge_quoted(bounds, doc.quotes)
    sentences: list[Sentence] = []
    token_index = 0
    token_starts = doc.tokens.starts
    for index, (start, end, is_title) in enumerate(bounds):
        first = max(token_index, bisect_left(token_starts, start))
        token_index = max(first, bisect_left(token_starts, end))
        sentences.append(Sentence(index, start, end, first, token_index, is_title))
    if not sentences:
        sentences.append(Sentence(0, 0, len(folded), 0, len(doc.tokens), bool(title_end)))
    return tuple(sentences)
