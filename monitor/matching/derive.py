"""Compile a claim into what the index and the scorers read: anchors, keyphrases and content words.

Anchors are the entities the claim is about. With actors, they are the claim's subjects and objects (actor
ids); a claim without subjects or objects takes the actors whose aliases its statement names. Whatever
proper-noun-looking words of the statement no actor covers ("Foley", "ISIS") become entity anchors, keyed
"~word". Keyphrases are the claim's own, or, when it has none, derived from the statement: its content
words and adjacent content-word pairs. Content stems (the statement's words minus anchors and function
words) measure how much of the statement an item repeats.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.matching.model import Actor, Claim
from monitor.matching.normalize import fold
from monitor.matching.text import STOPWORDS, content_stems, stem, words, wordset

# Established transliteration pairs: an alias in one spelling also matches the other.
TRANSLITERATIONS: Mapping[str, tuple[str, ...]] = {
    "kyiv": ("kiev",), "kiev": ("kyiv",), "kharkiv": ("kharkov",), "kharkov": ("kharkiv",),
    "odesa": ("odessa",), "odessa": ("odesa",), "lviv": ("lvov",), "lvov": ("lviv",),
    "beijing": ("peking",), "mumbai": ("bombay",), "myanmar": ("burma",), "burma": ("myanmar",),
    "gaddafi": ("qaddafi", "kadhafi"), "qaddafi": ("gaddafi",), "zelenskyy": ("zelensky", "zelenskiy"),
    "zelensky": ("zelenskyy", "zelenskiy"), "al-qaeda": ("al-qaida", "al qaeda"), "al-qaida": ("al-qaeda",),
    "xi jinping": ("xi jin-ping", "xi jin ping"),
}
_NAME = r"[A-Z][\w'\u2019.-]*"
_PROPER = re.compile(rf"\b(?:{_NAME}|[a-z]+{_NAME})(?:\s+(?:{_NAME}|(?:al|el|bin|ibn)-{_NAME}|of|al|bin|de|von))*")
_LEADING = wordset("""
a an the there this that claim report reports video photo image new
""")
_NEGATION = wordset("""
not no never n't nobody nothing none isn't wasn't aren't weren't doesn't didn't don't won't can't cannot
hasn't haven't
""")


@dataclass(frozen=True)
class ClaimProfile:
    """A claim compiled for matching; every string folded."""

    claim: Claim
    statement: str
    anchors: tuple[str, ...]
    anchor_terms: Mapping[str, tuple[str, ...]]
    keyphrases: tuple[str, ...]
    explicit_keyphrases: bool
    content: tuple[str, ...]
    exclusions: tuple[str, ...]
    negated: bool

    @property
    def id(self) -> str:
        """The claim id."""
        return self.claim.id


def affiliation_chain(actor_id: str, actors: Mapping[str, Actor]) -> tuple[str, ...]:
    """The actor and every actor above it, nearest first (cycles and unknown ids stop the walk)."""
    chain: list[str] = []
    current: str | None = actor_id
    while current is not None and current not in chain:
        chain.append(current)
        actor = actors.get(current)
        current = actor.affiliation if actor else None
    return tuple(chain)


def top_affiliation(actor_id: str, actors: Mapping[str, Actor]) -> str:
    """The top of an actor's affiliation chain (the actor itself when it has none)."""
    return affiliation_chain(actor_id, actors)[-1]


def alias_variants(alias: str) -> tuple[str, ...]:
    """The folded forms of an alias the index searches for: itself, de-hyphenated and transliterated."""
    folded = fold(alias).strip()
    variants = {folded}
    if "-" in folded:
        variants.add(folded.replace("-", " "))
        variants.add(folded.replace("-", ""))
    for form in list(variants):
        variants.update(TRANSLITERATIONS.get(form, ()))
    if folded.startswith("the ") and len(folded) > 6:
        variants.add(folded[4:])
    return tuple(sorted(v for v in variants if v))


def actor_terms(actor: Actor) -> tuple[str, ...]:
    """Every folded name of an actor: its name, its aliases and their variants."""
    terms: set[str] = set()
    for name in (actor.name, *actor.aliases):
        terms.update(alias_variants(name))
    return tuple(sorted(terms))


def proper_nouns(statement: str) -> list[str]:
    """Proper-noun-looking phrases of a statement ("James Wright Foley", "ISIS", "U.S."), original case.

    A title-cased statement ("Mob Strips Adulterous Woman") has no telling capitals, so none.
    """
    found: list[str] = []
    alpha = [w for w in statement.split() if w[:1].isalpha()]
    if len(alpha) >= 3 and sum(w[:1].isupper() for w in alpha) >= 0.85 * len(alpha):
        return found
    for match in _PROPER.finditer(statement):
        phrase = match.group().strip(" .,'\u2019")
        tokens = phrase.split()
        while tokens and tokens[-1].lower() in ("of", "al", "bin", "de", "von"):
            tokens.pop()
        initial = match.start() == 0
        if initial and tokens and tokens[0].lower() in _LEADING:
            tokens, initial = tokens[1:], False
        if not tokens:
            continue
        phrase = re.sub(r"['\u2019]s?$", "", " ".join(tokens))
        if initial and len(tokens) == 1 and tokens[0][1:].islower() and (
                tokens[0].lower() in STOPWORDS or tokens[0].endswith("s")):
            # A capitalised first word may be just the start of the sentence ("Loggers cut down ...").
            continue
        if phrase.lower() in STOPWORDS:
            continue
        found.append(phrase)
    return found


@dataclass(frozen=True)
class ActorTable:
    """The RuleSet's actors prepared once: folded terms, affiliation chains, and who stands under whom."""

    actors: Mapping[str, Actor]
    terms: Mapping[str, tuple[str, ...]]
    chains: Mapping[str, tuple[str, ...]]
    covered: Mapping[str, frozenset[str]]
    by_words: Mapping[str, tuple[str, ...]]
    max_words: int


def actor_table(actors: Mapping[str, Actor]) -> ActorTable:
    """Prepare the actors for compiling many claims."""
    terms = {actor_id: actor_terms(actor) for actor_id, actor in actors.items()}
    chains = {actor_id: affiliation_chain(actor_id, actors) for actor_id in actors}
    stems: dict[str, set[str]] = {actor_id: set() for actor_id in actors}
    by_words: dict[str, list[str]] = {}
    for actor_id, actor_terms_ in terms.items():
        own = {stem(w) for term in actor_terms_ for w in words(term)}
        for ancestor in chains[actor_id]:
            if ancestor in stems:
                stems[ancestor].update(own)
        for term in actor_terms_:
            by_words.setdefault(" ".join(words(term)), []).append(actor_id)
    return ActorTable(actors, terms, chains, {k: frozenset(v) for k, v in stems.items()},
                      {k: tuple(v) for k, v in by_words.items()},
                      max((len(k.split()) for k in by_words), default=0))


def _mentioned_actors(statement_folded: str, table: ActorTable) -> list[str]:
    found: list[str] = []
    tokens = words(statement_folded)
    for size in range(min(table.max_words, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            for actor_id in table.by_words.get(" ".join(tokens[start:start + size]), ()):
                if actor_id not in found:
                    found.append(actor_id)
    return found


def _entity_terms(phrase: str) -> tuple[str, ...]:
    folded = fold(phrase)
    tokens = [t for t in words(folded) if t not in STOPWORDS and len(t) > 1 and not t.isdigit()]
    terms = set(alias_variants(phrase))
    if len(tokens) > 1:
        terms.update(t for t in tokens if len(t) > 2)
    return tuple(sorted(t for t in terms if t))


def compile_claim(claim: Claim, actors: Mapping[str, Actor] | ActorTable) -> ClaimProfile:
    """Compile one claim against the RuleSet's actors (pass an `actor_table` when compiling many)."""
    table = actors if isinstance(actors, ActorTable) else actor_table(actors)
    statement = fold(claim.statement)
    anchors: list[str] = [a for a in (*claim.subjects, *claim.objects) if a in table.actors]
    # Actors the statement names ("... for use in Ukraine") anchor the claim too, unless an anchor
    # already stands for them (an official of a subject government).
    for actor_id in _mentioned_actors(statement, table):
        if not any(a in table.chains[actor_id] for a in anchors):
            anchors.append(actor_id)
    anchor_terms: dict[str, tuple[str, ...]] = {}
    covered: set[str] = set()
    for actor_id in anchors:
        covered.update(table.covered[actor_id])
        anchor_terms[actor_id] = ()
    for phrase in proper_nouns(claim.statement):
        phrase_stems = {stem(w) for w in words(fold(phrase))}
        if phrase_stems <= covered:
            continue
        key = "~" + fold(phrase)
        if key not in anchor_terms:
            anchor_terms[key] = _entity_terms(phrase)
            anchors.append(key)
            covered.update(phrase_stems)
    stems = content_stems(statement)
    content = tuple(dict.fromkeys(s for s in stems if s not in covered and len(s) > 1))
    if claim.keyphrases:
        keyphrases = tuple(dict.fromkeys(fold(k).strip() for k in claim.keyphrases if fold(k).strip()))
    else:
        keyphrases = _derived_keyphrases(statement, covered)
    return ClaimProfile(
        claim=claim,
        statement=statement,
        anchors=tuple(dict.fromkeys(anchors)),
        anchor_terms=anchor_terms,
        keyphrases=keyphrases,
        explicit_keyphrases=bool(claim.keyphrases),
        content=content,
        exclusions=tuple(fold(e).strip() for e in claim.exclusions if fold(e).strip()),
        negated=any(w in _NEGATION for w in words(statement)),
    )


def _derived_keyphrases(statement: str, covered: set[str]) -> tuple[str, ...]:
    """Adjacent content-word pairs of the statement: 'lethal aid', 'bean bag'; anchors excluded."""
    tokens = words(statement)
    phrases: list[str] = []
    for first, second in itertools.pairwise(tokens):
        if first in STOPWORDS or second in STOPWORDS or len(first) < 3 or len(second) < 3:
            continue
        if stem(first) in covered and stem(second) in covered:
            continue
        phrases.append(f"{first} {second}")
    return tuple(dict.fromkeys(phrases))
