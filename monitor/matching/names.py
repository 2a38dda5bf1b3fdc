"""Name repair: the item's capitalised words that are misspellings of an alias word ("Shapps'" / "Sulivan"),
or hyphenated spellings of a one-word alias ("Jin-ping"), mapped to that alias word before the candidate
search. SymSpell-style deletion keys find the alias words within one edit (two for long words), rapidfuzz
verifies them; the cost is per capitalised word of the item, not per claim.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from monitor.matching.normalize import NAME_LENGTH, Doc

MIN_LENGTH = NAME_LENGTH
_CLOSEST_CACHE = 1 << 14


class NameRepair:
    """Built once per index from the alias words; `repair` is pure and safe to share between threads."""

    def __init__(self, alias_words: frozenset[str]):
        self.alias_words = alias_words
        self._keys = _deletion_keys(w for w in alias_words if len(w) >= MIN_LENGTH)
        self._initials = frozenset(w[0] for w in alias_words if len(w) >= MIN_LENGTH)
        # `_closest` is a pure function of the word: remember its answers (bounded; a dict is thread-safe).
        self._closest_seen: dict[str, tuple[str, float]] = {}

    def repair(self, doc: Doc) -> tuple[list[str], list[tuple[int, str, float]]]:
        """Token texts with misspelt or hyphenated names replaced by the alias word they are close to, and
        each repair as (token index, alias word, ratio)."""
        tokens = list(doc.tokens.texts)
        repairs: list[tuple[int, str, float]] = []
        if not self._keys:
            return tokens, repairs
        for index in self._name_like(doc):
            best, best_score = self._repaired(tokens[index])
            if best:
                tokens[index] = best
                repairs.append((index, best, best_score))
        return tokens, repairs

    def repairs_to(self, text: str) -> str:
        """The alias word `repair` puts in place of a capitalised word of five letters or more with this text
        (no function word), or "" when it leaves it as it is."""
        if not self._keys or text[0] not in self._initials or text in self.alias_words:
            return ""
        return self._repaired(text)[0]

    def _repaired(self, text: str) -> tuple[str, float]:
        """The alias word a name-like token's text is repaired to and its ratio, or ("", 0.0)."""
        bare = text[:-2] if text.endswith("'s") else text
        if "-" in bare:
            bare = bare.replace("-", "")
        if bare in self.alias_words:
            return "", 0.0
        return self._closest(bare)

    def _name_like(self, doc: Doc) -> list[int]:
        """Indexes of capitalised tokens of five letters or more that are not exact alias words."""
        known, initials, texts = self.alias_words, self._initials, doc.tokens.texts
        # Only a word sharing an alias word's first letter can be repaired to one.
        return [i for i in doc.capitalised if texts[i][0] in initials and texts[i] not in known]

    def _closest(self, bare: str) -> tuple[str, float]:
        """The alias word within one edit (two for long words) with the same first letter, and its ratio."""
        found = self._closest_seen.get(bare)
        if found is None:
            found = self._closest_uncached(bare)
            if len(self._closest_seen) >= _CLOSEST_CACHE:
                self._closest_seen.clear()
            self._closest_seen[bare] = found
        return found

    def _closest_uncached(self, bare: str) -> tuple[str, float]:
        best, best_score = "", 0.0
        if bare[:1] not in self._initials:
            return best, best_score  # every candidate shares the first letter
        for key in (bare, *_deletes(bare)):
            for word in self._keys.get(key, ()):
                if word[0] != bare[0] or word == bare:
                    continue
                limit = 2 if min(len(word), len(bare)) >= 8 else 1
                if Levenshtein.distance(word, bare, score_cutoff=limit) <= limit:
                    score = fuzz.ratio(word, bare)
                    if score > best_score:
                        best, best_score = word, score
        return best, best_score


def _deletes(word: str) -> list[str]:
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def _deletion_keys(vocabulary: Iterable[str]) -> dict[str, tuple[str, ...]]:
    keys: dict[str, set[str]] = defaultdict(set)
    for word in vocabulary:
        keys[word].add(word)
        for variant in _deletes(word):
            keys[variant].add(word)
    return {k: tuple(sorted(v)) for k, v in keys.items()}
