"""Where a word hides inside longer words of an item (`Doc.compounds`): a claim word found as a part of a
hyphenated word or as the head or tail of a longer word counts as the claim's word."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from operator import contains

from monitor.matching.text import stem

_LONG = 6  # a word hides only in words of six letters or more


@dataclass(frozen=True)
class Compounds:
    """Where a word hides inside longer words of an item: as a part of a hyphenated word, stemmed
    ("three-breasted": "breast"), or as the head or tail of a word with three letters or more to spare
    ("crabzilla": "crab", "schoolboy": "boy")."""

    text: str  # the item's words, a line each
    parts: Mapping[str, tuple[int, ...]]
    found: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)  # answers so far

    @classmethod
    def of(cls, words: Sequence[str]) -> Compounds:
        """The compounds of an item's words (token texts, in order)."""
        parts: dict[str, list[int]] = {}
        for position in compress(count(), map(contains, words, repeat("-"))):
            for part in {stem(p) for p in words[position].split("-")}:
                parts.setdefault(part, []).append(position)
        return cls("\n".join(words), {w: tuple(p) for w, p in parts.items()})

    def find(self, word: str) -> tuple[int, ...]:
        """Token positions of the longer words that hold `word` (a folded stem of three letters or more;
        remembered, as one item is read for several claims)."""
        known = self.found.get(word)
        if known is not None:
            return known
        result = self.found[word] = tuple(sorted({*self.parts.get(word, ()), *self._holding(word)}))
        return result

    def _holding(self, word: str) -> list[int]:
        """The positions of the words (lines of `text`) that start or end with `word` and have three letters to
        spare."""
        text, size, positions = self.text, len(word), []
        start = text.find(word)
        while start >= 0:
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            if (line_end - line_start >= max(size + 3, _LONG)
                    and (start == line_start or start + size == line_end)):
                positions.append(text.count("\n", 0, line_start))  # a word's position is its line's number
            start = text.find(word, start + 1)
        return positions
