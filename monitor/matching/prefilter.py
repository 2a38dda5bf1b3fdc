"""A quick test on an item's folded text that rules out every candidate of a `CandidateIndex` before the item
is tokenised and stemmed: most items name none of a claim's anchors, and this is their whole cost.

Under strict matching (every claim has anchors), a claim is a candidate only when one of its anchors is named,
and an anchor is named only by an automaton key all of whose units are among the item's units. A unit is the
stem of a word of the folded text: a whole token, a part of a hyphenated token, or a hyphenated token joined
up. The stem only takes endings off (`text.stem`), so it is the start of its word, but for a final "i" that may
stand for "y" or "ies" ("suppli"), and but for the irregular forms it maps ("told": "tell"). So a key can match
only where one of its units (less a final "i"), or an irregular form with that stem, starts a word of the
folded text, or of the folded text with its hyphens inside words taken out (the joined spellings). The test
looks, for each key, for its most telling unit: the longest ("kremlin" of "the kremlin").

Units come from elsewhere in three cases, and the test then leaves the item to the full path:
- name repair puts an alias word in place of a capitalised word within an edit or two of it ("Sulivan"): the
  test runs the repair's own check over the same words, for the alias words that start a key;
- Cyrillic and Arabic words take Snowball stems, which are not word starts, and an item folded other than
  one character to one has its capitalised words read through offsets: such items are never ruled out;
- in another language some words read as English cue words ("dementi": "denied"), which are what name
  repair and hyphen splitting then see: checked once, when the test is built (none of them is hyphenated or
  repairable to an alias word that starts a key, or the test is not used).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

import ahocorasick

from monitor.matching.names import NameRepair
from monitor.matching.normalize import Folded, capitalised_texts
from monitor.matching.text import HAN, irregular_forms, stem

# A character a token may hold (`normalize._tokenize`): one before a found key means it starts no word.
_TOKEN_CHAR = re.compile(rf"[^\W{HAN[1:-1]}]")
_INNER_HYPHEN = re.compile(rf"(?<=[^\W{HAN[1:-1]}])-(?=[^\W{HAN[1:-1]}])")
_SPACED = bytes(code if chr(code).isascii() and (chr(code).isalnum() or chr(code) == "_") else 32
                for code in range(256))
# Words in these scripts take stems that are not their starts (`text._script_stem`).
_SNOWBALL_SCRIPTS = re.compile("[\u0400-\u06ff]")


class Prefilter:
    """Built once per index from the first units of the keys that name its claims' anchors; `rules_out` is
    pure and safe to share between threads."""

    def __init__(self, keys: Iterable[Sequence[str]], names: NameRepair) -> None:
        self._names = names
        self._units = frozenset(_telling_units(keys))
        units = self._units
        starts = {start for unit in units for start in _word_starts(unit)}
        self._usable = "" not in starts
        self._starts = _automaton({start: len(start) for start in starts})
        # For ASCII text: each start after a space, searched in the text with every character no token holds
        # made a space, so that only starts of words are found.
        self._ascii_starts = _automaton({" " + _spaced(start): 0 for start in starts if start.isascii()})

    @classmethod
    def build(cls, keys: Iterable[Sequence[str]], names: NameRepair, cue_words: Iterable[str]) -> Prefilter | None:
        """The test for these keys (each as its units), or None when it cannot be used: a unit too short to say
        anything, or a cue word that hyphen splitting or name repair would change into a unit looked for."""
        prefilter = cls(keys, names)
        for word in cue_words:
            if "-" in word or prefilter._repairs_to_key(word):
                return None
        return prefilter if prefilter._usable else None

    def rules_out(self, item: Folded) -> bool:
        """Whether the item certainly names none of the anchors (False: it may, match it in full)."""
        folded = item.folded
        if item.origin is not None:
            return False
        if folded.isascii():
            starts_a_word = self._starts_an_ascii_word
        elif _SNOWBALL_SCRIPTS.search(folded):
            return False
        else:
            starts_a_word = self._starts_a_word
        if starts_a_word(folded) or ("-" in folded and starts_a_word(_INNER_HYPHEN.sub("", folded))):
            return False
        return not any(self._repairs_to_key(text) for text in capitalised_texts(item))

    def _starts_a_word(self, text: str) -> bool:
        if self._starts is None:
            return False
        for end, length in self._starts.iter(text):
            start = end - length + 1
            if start == 0 or _TOKEN_CHAR.match(text, start - 1) is None:
                return True
        return False

    def _starts_an_ascii_word(self, text: str) -> bool:
        if self._ascii_starts is None:
            return False
        return next(self._ascii_starts.iter(_spaced(" " + text)), None) is not None

    def _repairs_to_key(self, text: str) -> bool:
        """Whether name repair would turn a capitalised word with this text into a unit looked for."""
        replaced = self._names.repairs_to(text) if text[:1].isalpha() else ""
        return bool(replaced) and stem(replaced) in self._units


def _telling_units(keys: Iterable[Sequence[str]]) -> set[str]:
    """One unit of each key to look for: one that is a key on its own when the key has such a unit ("china" of
    "china foreign ministry"), or else its longest. Keys with a Cyrillic or Arabic unit are left out: only an
    item in that script, which is never ruled out, has them."""
    wanted = [key for key in keys if not any(_SNOWBALL_SCRIPTS.match(unit) for unit in key)]
    alone = {key[0] for key in wanted if len(key) == 1}
    units = set(alone)
    for key in wanted:
        if alone.isdisjoint(key):
            units.add(max(key, key=lambda unit: (min(map(len, _word_starts(unit))), unit)))
    return units


def _automaton(words: dict[str, int]) -> ahocorasick.Automaton | None:
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for word, value in words.items():
        automaton.add_word(word, value)
    automaton.make_automaton()
    return automaton


def _spaced(text: str) -> str:
    """ASCII text with every character no token holds (all but letters, digits and "_") made a space."""
    return text.encode("ascii").translate(_SPACED).decode("ascii")


@functools.cache
def _irregular_stems() -> dict[str, tuple[str, ...]]:
    by_stem: dict[str, list[str]] = {}
    for form in sorted(irregular_forms()):
        by_stem.setdefault(stem(form), []).append(form)
    return {unit: tuple(forms) for unit, forms in by_stem.items()}


def _word_starts(unit: str) -> tuple[str, ...]:
    """What a word with this stem starts with: the stem less a final "i", or an irregular form of it."""
    # Only a stem of four letters or more can end in an "i" that `stem` put there.
    return (unit[:-1] if unit.endswith("i") and len(unit) >= 4 else unit, *_irregular_stems().get(unit, ()))
