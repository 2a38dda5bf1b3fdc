"""Who makes a statement: the attribution of a sentence, resolved to an actor and its top affiliation.

Patterns, on the sentence's folded words and the actor names the index found in it (exact or fuzzy):

- "<name> said / told Reuters / denied / warned ...", "with <name> saying that ..."
- inverted after a quotation: '"...," said <name>'
- "according to <name>", "a senior U.S. official told Reuters" (the name inside the noun phrase)
- a headline prefix: "Beijing: ...", "Pentagon: ..."
- "no comment from <name>", "<name> declined to comment"
- "He said" / "she added": the previous sentence's speaker

When several attributions are found, the most specific actor wins (the longest affiliation chain, then the
last one). Names that are no actor of the RuleSet leave the speaker UNATTRIBUTED, with the words kept as
evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.matching.derive import affiliation_chain
from monitor.matching.index import Hit
from monitor.matching.model import UNATTRIBUTED, Actor
from monitor.matching.normalize import Doc, Sentence
from monitor.matching.text import wordset

SPEECH_VERBS = wordset("""
said says say told tells added adds stated states claimed claims denied denies deny insisted insists warned
warns confirmed confirms rejected rejects dismissed dismisses questioned questions announced announces argued
argues noted notes wrote writes tweeted tweets saying telling reported acknowledged admitted admits explained
declined revealed reveals alleged alleges accused accuses suggested suggests maintained maintains believes
asserted asserts disputed disputes refuted refutes called calls
""")
_INVERTIBLE = frozenset(["said", "says", "told", "added", "wrote", "tweeted", "stated", "according"])
_PRONOUNS = frozenset(["he", "she", "they"])
_FROM_CUES = frozenset(["comment", "response", "reply", "word", "statement"])


@dataclass(frozen=True)
class Speaker:
    """A resolved speaker: actor id (or UNATTRIBUTED), its top affiliation, and the words that say so."""

    actor: str
    affiliation: str | None
    evidence: tuple[tuple[int, int, str], ...]


UNKNOWN = Speaker(UNATTRIBUTED, None, ())


def resolve(
    doc: Doc,
    sentence: Sentence,
    actor_hits: Sequence[Hit],
    actors: Mapping[str, Actor],
    previous: Speaker | None = None,
) -> Speaker:
    """The speaker of one sentence (`actor_hits`: the item's actor hits; `previous`: last speaker)."""
    tokens = doc.sentence_tokens(sentence)
    hits = [h for h in actor_hits if sentence.first_token <= h.first_token < sentence.last_token]
    found, pronoun_at = _attributions(doc, sentence, hits)
    if sentence.is_title and not found:
        found = _headline_prefix(doc, sentence, hits)
    if not found:
        if pronoun_at is not None and previous is not None and previous.actor != UNATTRIBUTED:
            verb = tokens[pronoun_at]
            return Speaker(previous.actor, previous.affiliation,
                           ((tokens[pronoun_at - 1].start, verb.end, "pronoun"),))
        return UNKNOWN
    hit, verb_index, verb_text = max(found, key=lambda f: (len(affiliation_chain(f[0].key, actors)),
                                                             f[0].first_token))
    chain = affiliation_chain(hit.key, actors)
    verb_token = tokens[min(verb_index, len(tokens) - 1)]
    evidence = ((hit.start, hit.end, "name"), (verb_token.start, verb_token.end, f"attribution:{verb_text}"))
    return Speaker(hit.key, chain[-1] if chain else None, evidence)


def _name_before(hits: Sequence[Hit], base: int, index: int, reach: int = 6) -> Hit | None:
    """The name ending closest before token `index` (sentence-relative), longest on ties."""
    best: Hit | None = None
    for hit in hits:
        end = hit.last_token - base
        if index - reach <= end <= index and (best is None or hit.last_token > best.last_token or (
                hit.last_token == best.last_token and hit.first_token < best.first_token)):
            best = hit
    return best


def _name_after(hits: Sequence[Hit], base: int, index: int, reach: int = 8) -> Hit | None:
    """The name starting closest after token `index` (sentence-relative), longest on ties."""
    best: Hit | None = None
    for hit in hits:
        start = hit.first_token - base
        if index < start <= index + reach and (best is None or hit.first_token < best.first_token or (
                hit.first_token == best.first_token and hit.last_token > best.last_token)):
            best = hit
    return best


def _attributions(doc: Doc, sentence: Sentence, hits: Sequence[Hit]
                  ) -> tuple[list[tuple[Hit, int, str]], int | None]:
    """(name, verb index, verb) attributions of a sentence, and where a pronoun speaks, if anywhere."""
    tokens = doc.sentence_tokens(sentence)
    words = [t.text for t in tokens]
    base = sentence.first_token
    found: list[tuple[Hit, int, str]] = []
    pronoun_at: int | None = None
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if (word == "according" and following == "to") or (word in _FROM_CUES and following == "from"):
            hit = _name_after(hits, base, index + 1, 8 if word == "according" else 3)
            if hit is not None:
                found.append((hit, index, f"{word} {following}"))
            continue
        if word not in SPEECH_VERBS:
            continue
        hit = _name_before(hits, base, index)
        if hit is not None and not _inside_quote_only(doc, hit, tokens[index].start):
            found.append((hit, index, word))
            continue
        if word in _INVERTIBLE and index > 0 and _after_quote(doc, tokens[index].start):
            hit = _name_after(hits, base, index, 4)
            if hit is not None:
                found.append((hit, index, word))
                continue
        if index > 0 and words[index - 1] in _PRONOUNS:
            pronoun_at = index
    return found, pronoun_at


def _headline_prefix(doc: Doc, sentence: Sentence, hits: Sequence[Hit]) -> list[tuple[Hit, int, str]]:
    """'Beijing: ...' in a headline: the name before an early colon speaks."""
    colon = doc.folded.find(":", sentence.start, sentence.end)
    if colon <= 0:
        return []
    prefix = [h for h in hits if h.end <= colon and h.first_token - sentence.first_token <= 5]
    if not prefix:
        return []
    hit = max(prefix, key=lambda h: h.end - h.start)
    return [(hit, hit.first_token - sentence.first_token, ":")]


def _after_quote(doc: Doc, offset: int) -> bool:
    """Whether a quotation closes just before `offset` ('..., " said Sullivan')."""
    before = doc.folded[max(0, offset - 4):offset]
    return '"' in before or "," in before


def _inside_quote_only(doc: Doc, hit: Hit, verb_start: int) -> bool:
    """A name inside a quotation is not the speaker of the verb after the quotation."""
    return doc.in_quote(hit.start, hit.end) and not doc.in_quote(verb_start, verb_start + 1)
