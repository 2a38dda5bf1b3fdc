"""Who makes a statement: the attribution of a sentence, resolved to an actor and its top affiliation.

Patterns, on the sentence's folded words and the actor names the index found in it (exact or fuzzy):

- "<name> said / told Reuters / denied / warned ...", "with <name> saying that ...", "as <name> put it"
- inverted after a quotation: '"...," said <name>'
- "according to <name>", "a senior U.S. official told Reuters" (the name inside the noun phrase)
- a headline prefix: "Beijing: ...", "Pentagon: ..."; a prefix that shortens the name of a speaker of the
  body ("Defence Secretary: ..." over a story quoting the British Defence Secretary) is that speaker
- "no comment from <name>", "<name> declined to comment"
- a passive with its agent: "was denied by <name>", "were dismissed as groundless by <name>"; a passive
  without one ("was said to be at risk") names nobody
- "a spokesman for <name>"; "<name>'s foreign ministry said"; a demonym heading an institution ("Chinese
  officials", "North Korean state media")
- "He said" / "she added" / "it said" / "the spokesperson said": the previous sentence's speaker, or the name
  opening the sentence before when that one quotes nobody ("Peskov was asked about the report. He said ...");
  "he" and "she" never stand for a country or government, "it" never for a person
- a quotation that opens a sentence without attribution continues the previous speaker's quotation

Each clause of a turning sentence ("Beijing denies the claims, but the UK defence secretary insists ...")
has its own speaker (`ItemSpeakers.clauses`). A speaker is *clear* when named in the unit's own clause; one
carried by a pronoun or from an earlier sentence is not.

A name speaks only from subject position: a name governed by a preposition ("aid to Russia", "into
Ukraine", "in the Ukraine conflict"), opening a relative clause ("a plan that Kyiv dismissed"), or a
possessive before a thing ("Shapps' claims", "the leader's health") is the object or setting of the
sentence, not its speaker. A name inside a quotation is somebody else's words and never speaks, unless it
opens a quotation of its own there (the inner speaker speaks). An attribution inside a subordinate clause
("..., hours after Shapps said ...", "rejecting what Shapps told the press") reports what someone said
earlier; it speaks for the sentence only when the sentence has no main attribution. Among the remaining
attributions the most specific actor wins (the longest affiliation chain, then the last one).
Names that are no actor of the RuleSet leave the speaker UNATTRIBUTED.

The patterns within one sentence or clause, and their word lists, are in `attribution.py`; this module
resolves them to speakers, carries speakers from sentence to sentence and gives each clause its own.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from monitor.matching.attribution import (
    DETERMINERS,
    INNER_QUOTE,
    INSTITUTIONS,
    SPEECH_VERBS,
    SPOKESPEOPLE,
    attributions,
    coordinated,
    headline_attribution,
    subordinate,
)
from monitor.matching.derive import actor_terms, affiliation_chain
from monitor.matching.index import Hit, Scan
from monitor.matching.model import UNATTRIBUTED, Actor
from monitor.matching.normalize import Doc, Sentence
from monitor.matching.text import wordset

_PERSONAL = frozenset(["he", "she"])
_COLLECTIVE = frozenset(["country", "government", "media", "group"])
# Where an inner quotation closes: a single quote before punctuation, a space or the outer quotation's end.
_INNER_CLOSE = re.compile(r"'(?=[\s,.;:!?\"]|$)")
# Words that may open a clause before its subject: "while Shapps has offered no proof, ...".
# Nouns of a closing apposition that another speaker answers: "..., a charge China has denied".
_CHARGES = wordset("""
charge accusation claim allegation assertion
""")
# What opens a closing phrase in which another speaker answers: "..., despite denials from Tehran".
_COUNTERING = wordset("""
despite amid
""")
_COUNTER_NOUNS = wordset("""
denial denials rejection rejections
""")
_OPENERS = wordset("""
while whereas although though but however and yet
""")


@dataclass(frozen=True)
class Speaker:
    """A resolved speaker: actor id (or UNATTRIBUTED), its top affiliation, and the words that say so."""

    actor: str
    affiliation: str | None
    evidence: tuple[tuple[int, int, str], ...]
    partners: tuple[Speaker, ...] = ()  # who speak with it: "Tehran and Moscow deny ..."

    @property
    def clear(self) -> bool:
        """Whether the speaker is named in the unit's own clause (or nobody is quoted and the outlet speaks),
        not carried over from a pronoun, an earlier sentence or another clause."""
        return self.actor == UNATTRIBUTED or any(kind.startswith("attribution:") for _, _, kind in self.evidence)


UNKNOWN = Speaker(UNATTRIBUTED, None, ())


def resolve(
    doc: Doc,
    sentence: Sentence,
    actor_hits: Sequence[Hit],
    actors: Mapping[str, Actor],
    previous: Speaker | None = None,
    *,
    adjacent: bool = True,
    antecedent: Speaker | None = None,
) -> Speaker:
    """The speaker of one sentence (`actor_hits`: the item's actor hits; `previous`: last speaker, who spoke
    in the sentence just before when `adjacent`; `antecedent`: the name opening the sentence before, when
    that sentence quotes nobody)."""
    first, last = sentence.first_token, sentence.last_token
    hits = [h for h in actor_hits if first <= h.first_token < last]
    found, pronoun_at = attributions(doc, sentence, hits)
    if sentence.is_title and not found:
        found = headline_attribution(doc, sentence, hits)
    if not found:
        starts, ends = doc.tokens.starts, doc.tokens.ends
        if pronoun_at is not None:
            pronoun = doc.tokens.texts[first + pronoun_at - 1]
            referent = next((s for s in (antecedent, previous) if s is not None and s.actor != UNATTRIBUTED
                             and _agrees(pronoun, s.actor, actors)), None)
            if referent is None:
                return UNKNOWN
            return Speaker(referent.actor, referent.affiliation,
                           ((starts[first + pronoun_at - 1], ends[first + pronoun_at], "pronoun"),))
        if previous is None or previous.actor == UNATTRIBUTED:
            return UNKNOWN
        if adjacent and last > first and _continues_quote(doc, sentence):
            return Speaker(previous.actor, previous.affiliation,
                           ((starts[first], ends[first], "continued quotation"),))
        return UNKNOWN
    main = [f for f in found if not subordinate(doc, sentence, f[0])]
    found = main or found
    hit, verb_index, verb_text = max(found, key=lambda f: (len(affiliation_chain(f[0].key, actors)),
                                                             f[0].first_token))
    chain = affiliation_chain(hit.key, actors)
    verb = first + min(verb_index, last - first - 1)
    said = (doc.tokens.starts[verb], doc.tokens.ends[verb], f"attribution:{verb_text}")
    partners = tuple(Speaker(h.key, _top(h.key, actors), ((h.start, h.end, "name"), said))
                     for h in coordinated(doc, sentence, hits, hit) if h.key != hit.key)
    return Speaker(hit.key, chain[-1] if chain else None, ((hit.start, hit.end, "name"), said), partners)


def _top(actor_id: str, actors: Mapping[str, Actor]) -> str | None:
    chain = affiliation_chain(actor_id, actors)
    return chain[-1] if chain else None


def _agrees(pronoun: str, actor_id: str, actors: Mapping[str, Actor]) -> bool:
    """Whether a pronoun can stand for an actor: "he" and "she" for a person or an agency (whose aliases name
    its spokespeople), never a country or government; "it" for anything but a person."""
    actor = actors.get(actor_id)
    if actor is None or pronoun == "they":
        return True
    if pronoun in _PERSONAL:
        return actor.kind not in _COLLECTIVE
    return actor.kind != "person"


def opening_name(doc: Doc, sentence: Sentence, hits: Sequence[Hit], actors: Mapping[str, Actor]) -> Speaker | None:
    """The actor named at the head of a sentence ("Peskov was asked ...", "The Unification Ministry briefed
    ..."), which a pronoun in the next sentence may stand for; None when the sentence opens otherwise."""
    words = doc.tokens.texts[sentence.first_token:sentence.last_token]
    position = 0
    while position < len(words) and (words[position] in DETERMINERS or words[position] in _OPENERS):
        position += 1
    if words[position:position + 1] and words[position] in SPOKESPEOPLE and words[position + 1:position + 2] in (
            ("for",), ("of",), ("at",), ("from",), ("in",)):
        position += 2  # "A spokesman for South Korea's presidential office spoke ...": the office
        while position < len(words) and words[position] in DETERMINERS:
            position += 1
    # The longest name there: "Russia's defence ministry", not "Russia".
    hit = max((h for h in hits if h.first_token - sentence.first_token == position), key=lambda h: h.last_token,
              default=None)
    if hit is None or doc.in_quote(hit.start, hit.end):
        return None
    if doc.tokens.texts[hit.last_token - 1].endswith("'s") or doc.folded[hit.end:hit.end + 1] == "'":
        # "South Korea's unification ministry briefed ...": the institution acts, named or not; "Kim's
        # health ...": a possessor before a thing does not.
        owned = next((h for h in hits if h.first_token == hit.last_token), None)
        if owned is not None:
            hit = owned
        elif hit.last_token - sentence.first_token >= len(words) or words[hit.last_token - sentence.first_token] \
                not in INSTITUTIONS:
            return None
    chain = affiliation_chain(hit.key, actors)
    return Speaker(hit.key, chain[-1] if chain else None, ((hit.start, hit.end, "name"),))


def inner_quotation(doc: Doc, sentence: Sentence, speaker: Speaker) -> Sentence | None:
    """The words of an inner speaker quoted inside someone else's quotation ('"Shapps said, \'Beijing is
    sending lethal aid,\' and nobody was surprised," a staffer recalled' -> 'Beijing is sending lethal aid'),
    or None when the speaker is not quoted that way."""
    verb = next((start for start, _, kind in speaker.evidence if kind.startswith("attribution:")), None)
    if verb is None or not doc.in_quote(verb, verb + 1):
        return None
    opening = INNER_QUOTE.match(doc.folded, verb, sentence.end)
    if opening is None:
        return None
    start = opening.end() - 1
    closing = _INNER_CLOSE.search(doc.folded, start, sentence.end)
    end = closing.start() if closing is not None else sentence.end
    starts = doc.tokens.starts
    first = bisect_left(starts, start, sentence.first_token, sentence.last_token)
    last = bisect_left(starts, end, first, sentence.last_token)
    return Sentence(sentence.index, start, end, first, last, sentence.is_title) if last > first else None


def _continues_quote(doc: Doc, sentence: Sentence) -> bool:
    """Whether a sentence opens with a quotation (a quoted paragraph continuing the last speaker)."""
    head = doc.folded[sentence.start:sentence.end].lstrip()
    return head.startswith('"') and not sentence.is_title


def shortened_prefix(doc: Doc, sentence: Sentence, body: Iterable[Speaker], actors: Mapping[str, Actor]
                     ) -> Speaker | None:
    """A headline prefix naming a body speaker by a shortened alias ("Defence Secretary: ...")."""
    colon = doc.folded.find(":", sentence.start, sentence.end)
    if colon <= sentence.start:
        return None
    prefix = " ".join(doc.folded[sentence.start:colon].split())
    if not prefix or len(prefix.split()) > 4:
        return None
    for speaker in body:
        actor = actors.get(speaker.actor)
        if actor is not None and any(t == prefix or t.endswith(" " + prefix) for t in actor_terms(actor)):
            return Speaker(speaker.actor, speaker.affiliation, ((sentence.start, colon, "name"),
                                                                (colon, colon + 1, "attribution::")))
    return None


class ItemSpeakers:
    """The speakers of an item's sentences (`speakers[i]`), resolved in order and only as far as asked.

    A sentence's speaker depends only on the sentences before it (the last speaker carries over to "he
    said" and to a continued quotation), so the units of a claim, mostly near the top of an item, rarely
    need all of them. An unattributed headline may be named by a body speaker ("Defence Secretary: ...");
    the body is then resolved until one of its speakers does.
    """

    def __init__(self, doc: Doc, scan: Scan, actors: Mapping[str, Actor]):
        self._doc, self._scan, self._actors = doc, scan, actors
        self._hits: dict[int, list[Hit]] | None = None
        self._resolved: list[Speaker] = []  # as `resolve` finds them, the headline's before any renaming
        self._incoming: list[Speaker | None] = []  # the last speaker before each sentence
        self._antecedents: list[Speaker | None] = []  # the name opening the sentence before, if unquoted
        self._previous: Speaker | None = None
        self._antecedent: Speaker | None = None
        self._headline: Speaker | None = None

    def __getitem__(self, index: int) -> Speaker:
        self._resolve_through(index)
        if index == 0:
            if self._headline is None:
                self._headline = self._named_headline(self._resolved[0])
            return self._headline
        return self._resolved[index]

    def clauses(self, index: int) -> list[tuple[Sentence, Speaker]]:
        """The clauses of sentence `index`, each with its own speaker.

        A clause names its own speaker ("Beijing denies the claims, but the UK defence secretary insists
        ..."); a clause without one takes a trailing attribution of the last clause ("..., but ..., Shapps
        said"), else a pronoun's antecedent ("but he added"), else nobody: a contrast turns away from the
        speaker before it, so the speaker of another clause is never carried across. A sentence that joins two
        attributed statements with "and" ("Russia denies it and Kyiv says ...") turns there as well.
        """
        whole = self[index]
        sentence = self._doc.sentences[index]
        hits = self._hits.get(index, ()) if self._hits else ()
        clauses = self._doc.clauses(sentence)
        if len(clauses) == 1 and whole.actor != UNATTRIBUTED:
            clauses = (_and_turn(self._doc, sentence, hits) or _appositive_turn(self._doc, sentence, hits)
                       or _countering_turn(self._doc, sentence, hits) or clauses)
        if len(clauses) == 1:
            return [(sentence, whole)]
        carried = self._incoming[index]
        found: list[Speaker] = []
        antecedent = self._antecedents[index]
        for clause in clauses:
            speaker = resolve(self._doc, clause, hits, self._actors, carried, adjacent=False, antecedent=antecedent)
            found.append(speaker)
            if speaker.actor != UNATTRIBUTED:
                carried, antecedent = speaker, None
            else:  # "While Shapps has offered no proof, he said ...": the pronoun stands for Shapps
                antecedent = opening_name(self._doc, clause, hits, self._actors) or antecedent
        for position in range(1, len(found)):
            if found[position].actor == UNATTRIBUTED and self._doc.folded.startswith("that ", clauses[position].start):
                found[position] = found[position - 1]  # "X said A, but that B": X's reported speech goes on
        trailing = found[-1] if found[-1].clear and _trailing(self._doc, clauses[-1], found[-1]) else None
        return [(clause, trailing if trailing is not None and speaker.actor == UNATTRIBUTED else speaker)
                for clause, speaker in zip(clauses, found, strict=True)]

    def _resolve_through(self, index: int) -> None:
        if self._hits is None:
            self._hits = _hits_by_sentence(self._doc, [h for h in self._scan.hits if h.kind == "actor" or (
                h.kind == "demonym" and _heads_institution(self._doc, h))])
        sentences, resolved = self._doc.sentences, self._resolved
        while len(resolved) <= index and len(resolved) < len(sentences):
            sentence = sentences[len(resolved)]
            self._incoming.append(self._previous)
            self._antecedents.append(self._antecedent)
            adjacent = bool(resolved) and resolved[-1].actor != UNATTRIBUTED
            hits = self._hits.get(sentence.index, ())
            found = resolve(self._doc, sentence, hits, self._actors, self._previous, adjacent=adjacent,
                            antecedent=self._antecedent) if self._hits else UNKNOWN
            resolved.append(found)
            if found.actor != UNATTRIBUTED:
                self._previous, self._antecedent = found, None
            else:
                self._antecedent = opening_name(self._doc, sentence, hits, self._actors)

    def _named_headline(self, found: Speaker) -> Speaker:
        first = self._doc.sentences[0]
        if not first.is_title or found.actor != UNATTRIBUTED:
            return found
        return shortened_prefix(self._doc, first, self._attributed_body(), self._actors) or found

    def _attributed_body(self) -> Iterator[Speaker]:
        index = 1
        while index < len(self._doc.sentences):
            self._resolve_through(index)
            if self._resolved[index].actor != UNATTRIBUTED:
                yield self._resolved[index]
            index += 1


def _and_turn(doc: Doc, sentence: Sentence, hits: Sequence[Hit]) -> tuple[Sentence, Sentence] | None:
    """A sentence split before "and <name> <speech verb>" when a speech verb comes before the "and" too
    ("Russia denies using chemical weapons and Kyiv says it has proof"); None when there is no such turn, or
    when the name is a second subject of the same verb ("Tehran and Moscow deny")."""
    texts, starts = doc.tokens.texts, doc.tokens.starts
    for hit in hits:
        position = hit.first_token - 1
        while position > sentence.first_token and texts[position] in DETERMINERS:
            position -= 1
        if position <= sentence.first_token or texts[position] != "and" or doc.in_quote(hit.start, hit.end):
            continue
        if coordinated(doc, sentence, hits, hit):
            continue  # "Tehran and Moscow deny": one verb, two subjects
        after = texts[hit.last_token:min(sentence.last_token, hit.last_token + 3)]
        before = texts[sentence.first_token:position]
        # "requests from Kyiv and Moscow to investigate claims": an infinitive after the name is no statement
        if after[:1] != ("to",) and any(w in SPEECH_VERBS for w in after) and any(w in SPEECH_VERBS for w in before):
            cut = starts[position]
            return (Sentence(sentence.index, sentence.start, cut, sentence.first_token, position, sentence.is_title),
                    Sentence(sentence.index, starts[position + 1], sentence.end, position + 1, sentence.last_token,
                             sentence.is_title))
    return None


def _appositive_turn(doc: Doc, sentence: Sentence, hits: Sequence[Hit]) -> tuple[Sentence, Sentence] | None:
    """A sentence split before a closing apposition that names a second speaker ("Washington accused Beijing
    of arming Russia, a charge China has denied"; "..., an accusation Tehran rejected as baseless"); None when
    there is none."""
    texts, starts = doc.tokens.texts, doc.tokens.starts
    for hit in hits:
        noun = hit.first_token - 1
        if noun - 1 <= sentence.first_token or texts[noun] not in _CHARGES or texts[noun - 1] not in ("a", "an"):
            continue
        if "," not in doc.folded[doc.tokens.ends[noun - 2]:starts[noun - 1]] or doc.in_quote(hit.start, hit.end):
            continue
        after = texts[hit.last_token:min(sentence.last_token, hit.last_token + 3)]
        if not any(w in SPEECH_VERBS for w in after):
            continue
        cut = noun - 1
        return (Sentence(sentence.index, sentence.start, doc.tokens.ends[cut - 1], sentence.first_token, cut,
                         sentence.is_title),
                Sentence(sentence.index, starts[cut], sentence.end, cut, sentence.last_token, sentence.is_title))
    return None


def _countering_turn(doc: Doc, sentence: Sentence, hits: Sequence[Hit]) -> tuple[Sentence, Sentence] | None:
    """A sentence split before a closing phrase in which a second speaker answers ("Blinken insisted that Iran
    had sent missiles, despite denials from Tehran"); None when there is none."""
    texts, starts, ends = doc.tokens.texts, doc.tokens.starts, doc.tokens.ends
    for hit in hits:
        turn = hit.first_token - 1
        if (turn > sentence.first_token and texts[turn] in _COUNTERING and hit.last_token < sentence.last_token
                and texts[hit.last_token - 1].endswith("'s") and texts[hit.last_token] in _COUNTER_NOUNS
                and not doc.in_quote(hit.start, hit.end)):
            # "Shapps insists ... despite Beijing's denials": no comma needed before the possessive form
            return (Sentence(sentence.index, sentence.start, ends[turn - 1], sentence.first_token, turn,
                             sentence.is_title),
                    Sentence(sentence.index, starts[turn], sentence.end, turn, sentence.last_token,
                             sentence.is_title))
        source = hit.first_token - 1
        noun = source - 1
        if noun - 1 <= sentence.first_token or texts[source] not in ("from", "by") or texts[noun] not in _COUNTER_NOUNS:
            continue
        opener = next((i for i in (noun - 1, noun - 2) if i > sentence.first_token and texts[i] in _COUNTERING), None)
        if opener is None or "," not in doc.folded[ends[opener - 1]:starts[opener]] or doc.in_quote(hit.start, hit.end):
            continue
        return (Sentence(sentence.index, sentence.start, ends[opener - 1], sentence.first_token, opener,
                         sentence.is_title),
                Sentence(sentence.index, starts[opener], sentence.end, opener, sentence.last_token, sentence.is_title))
    return None


def _heads_institution(doc: Doc, hit: Hit) -> bool:
    """Whether a demonym names who speaks ("Chinese officials", "the Russian defence ministry", "North Korean
    state media") rather than what is spoken of ("Chinese drones")."""
    following = doc.tokens.texts[hit.last_token:hit.last_token + 3]
    for word in following:
        if word in INSTITUTIONS:
            return True
        if word in SPEECH_VERBS:
            return False
    return False


def _trailing(doc: Doc, clause: Sentence, speaker: Speaker) -> bool:
    """Whether a clause's attribution closes the sentence (", Shapps said." or ', said Sullivan.')."""
    verb = next((start for start, _, kind in speaker.evidence if kind.startswith("attribution:")), None)
    if verb is None:
        return False
    tail = doc.folded[verb:clause.end]
    return len(tail.split()) <= 6 and "," in doc.folded[clause.start:verb]


def _hits_by_sentence(doc: Doc, hits: Sequence[Hit]) -> dict[int, list[Hit]]:
    """Hits filed under the sentence holding their first token (sentences own disjoint token ranges)."""
    sentences = doc.sentences
    firsts = [s.first_token for s in sentences]
    grouped: dict[int, list[Hit]] = defaultdict(list)
    for hit in hits:
        sentence = sentences[max(0, bisect_right(firsts, hit.first_token) - 1)]
        if sentence.first_token <= hit.first_token < sentence.last_token:
            grouped[sentence.index].append(hit)
    return grouped
