"""Where a word hides inside longer words of an item (`Doc.compounds`): a claim word found as a part of a
hyphenated word or as the head or tail of a longer word counts as the claim's word."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from monitor.matching.text import stem


@dataclass(frozen=True)
class Compounds:
    """Where a word hides inside longer words of an item: as a part of a hyphenated word, stemmed
    ("three-breasted": "breast"), or as the head or tail of a word with three letters or more to spare
    ("crabzilla": "crab", "schoolboy": "boy")."""

    positions: Mapping[str, tuple[int, ...]]
    text: str
    parts: Mapping[str, tuple[int, ...]]
    found: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)  # answers so far

    @classmethod
    def of(cls, words: Sequence[str]) -> Compounds:
        """The compounds of an item's words (token texts, in order)."""
        positions: dict[str, list[int]] = {}
        parts: dict[str, list[int]] = {}
        for position, word in enumerate(words):
            if "-" in word:
                for part in {stem(p) for p in word.split("-")}:
                    parts.setdefault(part, []).append(position)
            if len(word) >= 6:
                positions.setdefault(word, []).append(position)
        return cls({w: tuple(p) for w, p in positions.items()}, "\n".join(positions),
                   {w: tuple(p) for w, p in parts.items()})

    def find(self, word: str) -> tuple[int, ...]:
        """Token positions of the longer words that hold `word` (a folded stem of three letters or more;
        remembered, as one item is read for several claims)."""
        known = self.found.get(word)
        if known is not None:
            return known
        found = list(self.parts.get(word, ()))
        for line in self._holding(word):
            found.extend(self.positions[line])
        result = self.found[word] = tuple(sorted(set(found)))
        return result

    def _holding(self, word: str) -> set[str]:
        """The long words (lines of `text`) that start or end with `word` and have three letters to spare."""
        text, size, lines = self.text, len(word), set()
        start = text.find(word)
        while start >= 0:
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", start)
            line_end = len(text) if line_end < 0 else line_end
            if line_end - line_start >= size + 3 and (start == line_start or start + size == line_end):
                lines.add(text[line_start:line_end])
            start = text.find(word, start + 1)
        return lines
