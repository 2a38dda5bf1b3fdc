"""Compile a claim into what the index and the scorers read: anchors, keyphrases and content words.

Anchors are the entities the claim is about. With actors, they are the claim's subjects and objects (actor
ids); a claim without subjects or objects takes the actors whose aliases its statement names. Whatever
proper-noun-looking words of the statement no actor covers ("Foley", "ISIS") become entity anchors, keyed
"~word". Keyphrases are the claim's own, or, when it has none, derived from the statement: its content
words and adjacent content-word pairs. Content stems (the statement's words minus anchors and function
words) measure how much of the statement an item repeats.

Actors are named by their names and aliases, by the demonyms an analyst lists, and, for a country or its
government, by the demonyms, capital and seats of government of the country it names (`countries.py`,
`actor_references`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from monitor.matching.countries import Country, country_named
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
# Actors of these kinds that name a country take its demonyms, capitals and seats of government.
DERIVING_KINDS = frozenset({"country", "government"})
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
    foreign_keyphrases: frozenset[str] = frozenset()  # from keyphrases_by_language only: never in English items

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
    return _folded((actor.name, *actor.aliases))


def _folded(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({variant for name in names for variant in alias_variants(name)}))


@dataclass(frozen=True)
class ActorReferences:
    """How the press refers to an actor besides its name and aliases, folded like `actor_terms`.

    `aliases` (a country's capital and seats of government) name the actor as its own aliases do; `demonyms`
    ("chinese", "north koreans") point to the actor without naming a speaker.
    """

    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    abroad: frozenset[str] = frozenset()  # those of `aliases` and `demonyms` from other languages


def term_key(term: str) -> str:
    """How two folded terms are compared: by their word stems ("russians" and "russian" are one term)."""
    return " ".join(stem(w) for w in words(term.replace("-", " ")))


def named_countries(actor: Actor) -> tuple[Country, ...]:
    """The countries whose references an actor takes: those its name or aliases name, when it is a country or
    a government and derives names."""
    if not actor.derive_names or actor.kind not in DERIVING_KINDS:
        return ()
    found = (country_named(name) for name in (actor.name, *actor.aliases))
    return tuple(dict.fromkeys(country for country in found if country is not None))


def actor_references(actors: Mapping[str, Actor]) -> dict[str, ActorReferences]:
    """Each actor's references beyond its names: the analyst's demonyms, then its countries' derived ones.

    Every name, alias and demonym an analyst listed keeps its actor: a derived reference any form of which is
    already listed (on this actor or another) is left out, and so is a listed demonym that is also one of the
    actor's aliases. A country named by several actors goes to the first of them.
    """
    owner: dict[str, str] = {}
    for actor in actors.values():
        for term in (*actor_terms(actor), *_folded(actor.demonyms)):
            owner.setdefault(term_key(term), actor.id)
    taken: set[Country] = set()
    references: dict[str, ActorReferences] = {}
    for actor in actors.values():
        own = {term_key(term) for term in actor_terms(actor)}
        demonyms = [term for term in _folded(actor.demonyms) if term_key(term) not in own]
        aliases: list[str] = []
        abroad: set[str] = set()
        for country in named_countries(actor):
            if country in taken:
                continue
            taken.add(country)
            aliases.extend(_unclaimed((*country.capitals, *country.seats), actor.id, owner))
            demonyms.extend(_unclaimed(country.demonyms, actor.id, owner))
            # The country's names, capitals and demonyms in other languages name it as the English ones do.
            foreign = _unclaimed(country.abroad, actor.id, owner)
            foreign_demonyms = _unclaimed(country.abroad_demonyms, actor.id, owner)
            aliases.extend(foreign)
            demonyms.extend(foreign_demonyms)
            abroad.update(foreign, foreign_demonyms)
        references[actor.id] = ActorReferences(tuple(dict.fromkeys(aliases)), tuple(dict.fromkeys(demonyms)),
                                               frozenset(abroad))
    return references


def _unclaimed(names: Iterable[str], actor_id: str, owner: dict[str, str]) -> list[str]:
    """The folded forms of the `names` none of whose forms has an owner yet; `actor_id` now owns them."""
    found: list[str] = []
    for name in names:
        forms = alias_variants(name)
        keys = {term_key(form) for form in forms}
        if keys.isdisjoint(owner):
            owner.update(dict.fromkeys(keys, actor_id))
            found.extend(forms)
    return found


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
    """The RuleSet's actors prepared once: folded terms (derived references included), affiliation chains,
    and who stands under whom."""

    actors: Mapping[str, Actor]
    terms: Mapping[str, tuple[str, ...]]
    chains: Mapping[str, tuple[str, ...]]
    covered: Mapping[str, frozenset[str]]
    by_words: Mapping[str, tuple[str, ...]]
    max_words: int


def actor_table(actors: Mapping[str, Actor]) -> ActorTable:
    """Prepare the actors for compiling many claims."""
    references = actor_references(actors)
    terms = {actor_id: tuple(sorted({*actor_terms(actor), *references[actor_id].aliases,
                                     *references[actor_id].demonyms}))
             for actor_id, actor in actors.items()}
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
    # The keyphrases of other languages, less those one already listed matches ("дроны" and Ukrainian "дрони"
    # are one stem): each is one piece of evidence however many languages list it.
    known = {term_key(k) for k in keyphrases}
    foreign: list[str] = []
    for _, phrases in claim.keyphrases_by_language:
        for phrase in (fold(k).strip() for k in phrases):
            if phrase and term_key(phrase) not in known:
                known.add(term_key(phrase))
                foreign.append(phrase)
    return ClaimProfile(
        claim=claim,
        statement=statement,
        anchors=tuple(dict.fromkeys(anchors)),
        anchor_terms=anchor_terms,
        keyphrases=(*keyphrases, *foreign),
        explicit_keyphrases=bool(claim.keyphrases),
        content=content,
        exclusions=tuple(fold(e).strip() for e in claim.exclusions if fold(e).strip()),
        negated=any(w in _NEGATION for w in words(statement)),
        foreign_keyphrases=frozenset(foreign),
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
