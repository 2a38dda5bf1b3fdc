"""Candidate retrieval: one Aho-Corasick automaton over every alias and keyphrase of every active claim.

The automaton runs over the item's *stem string* (" beijing is send ... lethal aid to russia "), so
"supplied" finds the keyphrase "supplying" and "China's" finds "China". Names the exact pass misses are
repaired first (`names.py`): a capitalised word within one edit of an alias word ("Shapps'" / "Sulivan"), or
a hyphenated spelling of a one-word alias ("Jin-ping"), is replaced by the alias word's stem before the
search. All of this costs per word of the item, not per claim.

A claim becomes a candidate only with enough evidence: one of its anchors (an actor it is about, or an
entity of its statement) together with one of its keyphrases or content words. Those conjunctions are
indexed as pair keys, so retrieval enumerates the item's (anchor, evidence) pairs rather than the claims:
"China and Russia sign a soybean deal" names two anchors of the lethal-aid claim and no evidence, so it is
never a candidate. A claim with no anchors at all is retrieved by its keyphrases alone.

Before any of this, `rules_out` (`prefilter.py`) reads the folded text for the words an anchor needs; an item
that cannot have one, most items, is never tokenised.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import NamedTuple

import ahocorasick

from monitor.matching.derive import ClaimProfile, actor_references, actor_terms, affiliation_chain
from monitor.matching.lexicon import cue_words
from monitor.matching.model import Actor
from monitor.matching.names import NameRepair
from monitor.matching.normalize import Doc, Folded, fold, stem_positions
from monitor.matching.prefilter import Prefilter
from monitor.matching.text import stem, words


class Hit(NamedTuple):
    """A phrase found in the item: folded-text offsets, token range, what it names and how exactly."""

    start: int
    end: int
    first_token: int
    last_token: int
    kind: str
    key: str
    score: float = 100.0


# Builds a Hit from a full tuple of its fields without a Python-level call.
_new_hit = functools.partial(tuple.__new__, Hit)


# What an automaton key names, one tuple per entry: kind, key, whether case matters, the anchors a hit adds
# (an actor and its affiliations, an entity) and whether it is a keyphrase.
_Named = tuple[str, str, bool, tuple[str, ...], bool]


class _Key(NamedTuple):
    """The automaton's value for one key: its length and unit count and what it names.

    `anchors` are the anchors its entries add whatever the item's case is; `special` says whether an entry
    needs a closer look in the quick pass (a case-sensitive name, a keyphrase or an exclusion).
    """

    length: int
    units: int
    entries: tuple[_Named, ...]
    anchors: frozenset[str]
    special: bool


_KEY_ANCHORS = attrgetter("anchors")


@dataclass(frozen=True)
class Scan:
    """What the index found in one item, arranged for per-claim lookups.

    `candidates` comes from a quick pass over the automaton's matches; the hits and the per-claim lookup
    tables are built on first use, which items without candidates (most items) never need.
    """

    doc: Doc
    candidates: tuple[int, ...]
    token_stems: tuple[str, ...]
    units: Sequence[str]
    stem_string: str
    owners: Sequence[int]
    matches: Sequence[tuple[int, _Key]]
    fuzzy_names: tuple[Hit, ...] = field(default=())

    @functools.cached_property
    def _found(self) -> tuple[tuple[Hit, ...], dict[str, list[Hit]], dict[str, list[Hit]]]:
        return _hits(self.doc, self.stem_string, self.owners, self.matches,
                     {h.first_token: h.score for h in self.fuzzy_names})

    @property
    def hits(self) -> tuple[Hit, ...]:
        """Every alias, keyphrase and exclusion found, in the automaton's order."""
        return self._found[0]

    @property
    def anchors(self) -> Mapping[str, Sequence[Hit]]:
        """The hits of each anchor named (an actor and its affiliations, an entity)."""
        return self._found[1]

    @property
    def keyphrases(self) -> Mapping[str, Sequence[Hit]]:
        """The hits of each keyphrase found."""
        return self._found[2]

    @functools.cached_property
    def stems(self) -> frozenset[str]:
        """The stems the automaton read."""
        return frozenset(self.units)

    @functools.cached_property
    def stem_positions(self) -> Mapping[str, Sequence[int]]:
        """The token indexes of each stem (the item's own unless names were repaired)."""
        if self.token_stems is self.doc.tokens.stems:
            return self.doc.stem_positions
        return stem_positions(self.token_stems)

    @property
    def token_sentence(self) -> tuple[int, ...]:
        """The sentence index of each token."""
        return self.doc.token_sentence


@dataclass(frozen=True)
class _Entry:
    kind: str
    key: str
    case_sensitive: bool


class CandidateIndex:
    """Built once per RuleSet; `scan` is pure and safe to share between threads."""

    def __init__(self, profiles: Sequence[ClaimProfile], actors: Mapping[str, Actor], *, lenient: bool = False):
        self.profiles = tuple(profiles)
        self.actors = actors
        self.lenient = lenient
        self._ancestors = {actor_id: affiliation_chain(actor_id, actors) for actor_id in actors}
        raw_terms: list[tuple[str, _Entry]] = []
        references = actor_references(actors)
        for actor in actors.values():
            short_caps = {fold(a) for a in (actor.name, *actor.aliases, *actor.demonyms)
                          if a.isupper() and len(a) <= 3}
            names = (*actor_terms(actor), *references[actor.id].aliases)
            raw_terms.extend((term, _Entry("actor", actor.id, term in short_caps)) for term in names)
            # Demonyms anchor the actor like its names, but are told apart: "Chinese drones" names no speaker.
            raw_terms.extend((term, _Entry("demonym", actor.id, term in short_caps))
                             for term in references[actor.id].demonyms)
        for profile in self.profiles:
            for key, terms in profile.anchor_terms.items():
                raw_terms.extend((term, _Entry("entity", key, False)) for term in terms)
            raw_terms.extend((phrase, _Entry("keyphrase", phrase, False)) for phrase in profile.keyphrases)
            raw_terms.extend((phrase, _Entry("exclusion", phrase, False)) for phrase in profile.exclusions)
        # One-word alias forms: hyphenated spellings of them are joined ("jin-ping" -> "jinping"). Demonym words
        # are among them, so that name repair never takes "Russian" for a misspelt "Russia".
        # Names from other languages ("Chine", "Londres") are left out: "Chile" is no misspelt "Chine".
        abroad = frozenset(term for found in references.values() for term in found.abroad)
        self._joined = frozenset(
            w for term, entry in raw_terms if entry.kind in ("actor", "demonym", "entity") and term not in abroad
            for w in words(term) if "-" not in w and w.isalpha())
        self._names = NameRepair(self._joined)
        table: dict[str, list[_Entry]] = defaultdict(list)
        for term, entry in raw_terms:
            key = self._key(term)
            if key.strip() and entry not in table[key]:
                table[key].append(entry)
        self._automaton = ahocorasick.Automaton()
        shared: dict[frozenset[str], frozenset[str]] = {}  # one copy of each anchor set (most are an actor's)
        for key, entries in table.items():
            named = tuple((e.kind, e.key, e.case_sensitive, self._anchors_of(e), e.kind == "keyphrase")
                          for e in entries)
            anchors = frozenset(a for e in entries if not e.case_sensitive for a in self._anchors_of(e))
            special = any(e.case_sensitive or e.kind in ("keyphrase", "exclusion") for e in entries)
            self._automaton.add_word(key, _Key(len(key), key.count(" ") - 1, named,
                                               shared.setdefault(anchors, anchors), special))
        if table:
            self._automaton.make_automaton()
        self._empty = not table
        self._phrase_keys = {p: self._key(p) for profile in self.profiles for p in profile.keyphrases}
        pairs, self._singles, self._evidence_vocab = self._candidate_keys()
        # The pair keys per piece of evidence: an item names few of them, and each is then matched against
        # the item's anchors in one set intersection.
        by_evidence: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for (anchor, item), claims in pairs.items():
            by_evidence[item][anchor] = claims
        self._pairs_by_evidence = dict(by_evidence)
        self._content_vocab = frozenset(item[1:] for item in self._evidence_vocab if item[0] == "s")
        self._prefilter = self._quick_test(table)

    def _quick_test(self, table: Mapping[str, Sequence[_Entry]]) -> Prefilter | None:
        """The prefilter of the keys that name the claims' anchors; None unless every claim needs an anchor
        to be a candidate (strict matching)."""
        if self.lenient or not all(profile.anchors for profile in self.profiles):
            return None
        wanted = {anchor for profile in self.profiles for anchor in profile.anchors}
        keys = [key.split() for key, entries in table.items()
                if any(wanted.intersection(self._anchors_of(entry)) for entry in entries)]
        return Prefilter.build(keys, self._names, cue_words())

    def rules_out(self, item: Folded) -> bool:
        """Whether the folded item certainly has no candidate (`prefilter.py`); False when it may have one."""
        return self._prefilter is not None and self._prefilter.rules_out(item)

    def _anchors_of(self, entry: _Entry) -> tuple[str, ...]:
        if entry.kind in ("actor", "demonym"):
            return self._ancestors.get(entry.key, (entry.key,))
        return (entry.key,) if entry.kind == "entity" else ()

    def _parts(self, token: str) -> list[str]:
        """A hyphenated word as automaton units: split at its hyphens, unless joined it is a name
        ("jin-ping" -> "jinping")."""
        joined = token.replace("-", "")
        parts = [joined] if joined in self._joined else [part for part in token.split("-") if part]
        return [stem(part) for part in parts]

    def _term_units(self, tokens: Sequence[str]) -> list[str]:
        """The stem sequence of an alias or keyphrase, as the automaton reads items."""
        units: list[str] = []
        for token in tokens:
            if "-" in token:
                units.extend(self._parts(token))
            else:
                units.append(stem(token))
        return units

    def _item_units(self, tokens: Sequence[str], stems: Sequence[str], hyphenated: Sequence[int]
                    ) -> tuple[Sequence[str], Sequence[int]]:
        """The stem sequence the automaton reads and each unit's token: the token stems, with the
        `hyphenated` tokens' stems replaced by their parts."""
        if not hyphenated:
            return stems, range(len(stems))
        units: list[str] = []
        owners: list[int] = []
        # Only hyphenated tokens change; the stretches between them are copied as they are.
        previous = 0
        for index in hyphenated:
            units.extend(stems[previous:index])
            owners.extend(range(previous, index))
            parts = self._parts(tokens[index])
            units.extend(parts)
            owners.extend([index] * len(parts))
            previous = index + 1
        units.extend(stems[previous:])
        owners.extend(range(previous, len(stems)))
        return units, owners

    def _key(self, term: str) -> str:
        return f" {' '.join(self._term_units(words(term)))} "

    def _candidate_keys(self) -> tuple[dict[tuple[str, str], list[int]], dict[str, list[int]], frozenset[str]]:
        """Pair keys (anchor, evidence) -> claims; single keys for anchorless or lenient claims.

        A content word used by too many claims (more than max(20, 1%) of them) retrieves nothing on its own
        account, which keeps every posting list short however many claims there are.
        """
        pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
        singles: dict[str, list[int]] = defaultdict(list)
        usage: Counter[str] = Counter(c for p in self.profiles for c in set(p.content))
        cap = max(20, len(self.profiles) // 100)
        vocab: set[str] = set()
        for index, profile in enumerate(self.profiles):
            evidence = {"k" + self._key(k) for k in profile.keyphrases}
            evidence.update("s" + c for c in profile.content if self.lenient or usage[c] <= cap)
            vocab.update(evidence)
            if profile.anchors and not self.lenient:
                for anchor in profile.anchors:
                    for item in evidence:
                        pairs[(anchor, item)].append(index)
            else:
                for item in evidence:
                    singles[item].append(index)
                for anchor in profile.anchors:
                    singles["a" + anchor].append(index)
        return dict(pairs), dict(singles), frozenset(vocab)

    def scan(self, doc: Doc) -> Scan:
        """Find every alias, keyphrase and exclusion in the item and the claims with enough evidence."""
        tokens, repairs = self._names.repair(doc)
        starts, ends = doc.tokens.starts, doc.tokens.ends
        repaired = [Hit(starts[i], ends[i], i, i + 1, "name", word, score) for i, word, score in repairs]
        token_stems = doc.tokens.stems
        if repaired:
            restemmed = list(token_stems)
            for hit in repaired:
                restemmed[hit.first_token] = stem(tokens[hit.first_token])
            token_stems = tuple(restemmed)
        units, owners = self._item_units(tokens, token_stems, _hyphenated(doc, tokens))
        stem_string = " " + " ".join(units) + " "
        matches: list[tuple[int, _Key]] = []
        if not self._empty and units:
            matches = list(self._automaton.iter(stem_string))
        candidates = self._candidates(doc, units, stem_string, owners, matches)
        return Scan(doc, candidates, token_stems, units, stem_string, owners, matches, tuple(repaired))

    def _candidates(self, doc: Doc, units: Sequence[str], stem_string: str, owners: Sequence[int],
                    matches: Sequence[tuple[int, _Key]]) -> tuple[int, ...]:
        """Claims with an anchor and a keyphrase, or an anchor and two content words (or two anchors and one)."""
        anchors, keys, excluded = self._named(doc, stem_string, owners, matches)
        content = {"s" + s for s in self._content_vocab.intersection(units)}
        # Lenient (bare-statement) matching leaves relatedness to the fitted model: every claim is a candidate.
        found = set(range(len(self.profiles))) if self.lenient else self._paired(anchors, keys, content)
        if self._singles:
            for item in keys | content:
                found.update(self._singles.get(item, ()))
            for anchor in anchors:
                found.update(self._singles.get("a" + anchor, ()))
        result = []
        for index in sorted(found):
            profile = self.profiles[index]
            if excluded and any(e in excluded for e in profile.exclusions):
                continue
            if self.lenient or not profile.anchors or any(a in anchors for a in profile.anchors):
                result.append(index)
        return tuple(result)

    def _named(self, doc: Doc, stem_string: str, owners: Sequence[int], matches: Sequence[tuple[int, _Key]]
               ) -> tuple[set[str], set[str], set[str]]:
        """The anchors, keyphrase keys and exclusions the automaton's matches name, without building hits.

        The anchors a key names are known in advance; only keys with a case-sensitive name, a keyphrase or an
        exclusion are looked at one by one.
        """
        anchors: set[str] = set().union(*map(_KEY_ANCHORS, map(itemgetter(1), matches)))
        keys: set[str] = set()
        excluded: set[str] = set()
        for end_char, value in matches:
            if not value.special:
                continue
            for kind, key, case_sensitive, named, is_keyphrase in value.entries:
                if case_sensitive:
                    tokens = _token_range(stem_string, owners, end_char, value)
                    if tokens is not None and doc.original_slice(
                            doc.tokens.starts[tokens[0]], doc.tokens.ends[tokens[1]]).isupper():
                        anchors.update(named)
                elif is_keyphrase:
                    keys.add("k" + self._phrase_keys[key])
                elif kind == "exclusion":
                    excluded.add(key)
        return anchors, keys, excluded

    def _paired(self, anchors: set[str], keys: set[str], content: set[str]) -> set[int]:
        found: set[int] = set()
        content_votes: dict[int, set[str]] = defaultdict(set)
        anchor_votes: dict[int, set[str]] = defaultdict(set)
        named = anchors
        for item in keys:
            table = self._pairs_by_evidence.get(item)
            if table is not None:
                for anchor in table.keys() & named:
                    found.update(table[anchor])
        for item in content:
            table = self._pairs_by_evidence.get(item)
            if table is None:
                continue
            for anchor in table.keys() & named:
                for claim in table[anchor]:
                    content_votes[claim].add(item)
                    anchor_votes[claim].add(anchor)
        found.update(claim for claim, items in content_votes.items()
                     if len(items) >= 2 or len(anchor_votes[claim]) >= 2)
        return found


def _hyphenated(doc: Doc, tokens: Sequence[str]) -> list[int]:
    """The indexes of the `tokens` (the item's, some perhaps replaced) that contain a hyphen, in order.

    Found from the hyphens of the folded text (a few per item) rather than by looking at every token.
    """
    folded, starts = doc.folded, doc.tokens.starts
    found: list[int] = []
    position = folded.find("-")
    while position >= 0:
        index = bisect_right(starts, position) - 1
        if index >= 0 and (not found or found[-1] != index) and "-" in tokens[index]:
            found.append(index)
        position = folded.find("-", position + 1)
    return found


def _token_range(stem_string: str, owners: Sequence[int], end_char: int, value: _Key, spaces: int | None = None
                 ) -> tuple[int, int] | None:
    """The first and last token of a match ending at `end_char` of the stem string (None when it covers no
    unit). Units contain no spaces, so the spaces before the match's leading space number the units before
    it; `spaces` passes that count when the caller keeps it."""
    if spaces is None:
        spaces = stem_string.count(" ", 0, end_char - value.length + 1)
    first_unit, last_unit = spaces, spaces + value.units - 1
    if first_unit > last_unit or first_unit >= len(owners):
        return None
    return owners[first_unit], owners[last_unit]


def _hits(doc: Doc, stem_string: str, owners: Sequence[int], matches: Sequence[tuple[int, _Key]],
          fuzzy_tokens: Mapping[int, float]) -> tuple[tuple[Hit, ...], dict[str, list[Hit]], dict[str, list[Hit]]]:
    """The automaton's matches mapped back to tokens and offsets, each hit filed under the anchors it names
    (an actor and its affiliations, an entity) or its keyphrase."""
    count = stem_string.count
    starts, ends = doc.tokens.starts, doc.tokens.ends
    hits: list[Hit] = []
    anchors: dict[str, list[Hit]] = defaultdict(list)
    keyphrases: dict[str, list[Hit]] = defaultdict(list)
    # Matches come roughly in text order, so the count of spaces runs on from the previous match.
    cursor = spaces = 0
    for end_char, value in matches:
        leading = end_char - value.length + 1
        if leading >= cursor:
            spaces += count(" ", cursor, leading)
        else:
            spaces = count(" ", 0, leading)
        cursor = leading
        found = _token_range(stem_string, owners, end_char, value, spaces)
        if found is None:
            continue
        first_token, last_token = found
        start, end = starts[first_token], ends[last_token]
        score = 100.0
        if fuzzy_tokens:
            if first_token == last_token:
                score = fuzzy_tokens.get(first_token, 100.0)
            else:
                score = min(map(fuzzy_tokens.get, range(first_token, last_token + 1), repeat(100.0)))
        for kind, key, case_sensitive, named, is_keyphrase in value.entries:
            if case_sensitive and not doc.original_slice(start, end).isupper():
                continue
            hit = _new_hit((start, end, first_token, last_token + 1, kind, key, score))
            hits.append(hit)
            for anchor in named:
                anchors[anchor].append(hit)
            if is_keyphrase:
                keyphrases[key].append(hit)
    return tuple(hits), dict(anchors), dict(keyphrases)
