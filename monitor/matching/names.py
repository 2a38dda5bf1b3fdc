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
from monitor.matching.text import STOPWORDS

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
        self._decided: dict[str, tuple[str, float]] = {}

    def repair(self, doc: Doc) -> tuple[list[str], list[tuple[int, str, float]]]:
        """Token texts with misspelt or hyphenated names replaced by the alias word they are close to, and
        each repair as (token index, alias word, ratio)."""
        tokens = list(doc.tokens.texts)
        repairs: list[tuple[int, str, float]] = []
        if not self._keys:
            return tokens, repairs
        # What a word is repaired to depends on its text alone, so it is decided once per text; where it
        # stands (`Doc.is_capitalised`) is read only for the few words that are repaired.
        decided, decide, initials = self._decided, self._decide, self._initials
        for index in doc.capital_initials:
            text = tokens[index]
            if text[0] not in initials:
                continue  # only a word sharing an alias word's first letter can be repaired to one
            best, best_score = decided.get(text) or decide(text)
            if best and doc.is_capitalised(index):
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

    def _decide(self, text: str) -> tuple[str, float]:
        """`_repaired` for a capitalised word (sharing an alias word's first letter) of five letters or more that
        is no function word and no exact alias word, else ("", 0.0); remembered (bounded; a dict is
        thread-safe)."""
        found = ("", 0.0)
        if (len(text) >= NAME_LENGTH and text[0].isalpha() and text not in STOPWORDS
                and text not in self.alias_words):
            found = self._repaired(text)
        if len(self._decided) >= _CLOSEST_CACHE:
            self._decided.clear()
        self._decided[text] = found
        return found

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
