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
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress

from monitor.matching.derive import actor_terms, affiliation_chain
from monitor.matching.index import Hit, Scan
from monitor.matching.language import Language
from monitor.matching.model import UNATTRIBUTED, Actor
from monitor.matching.normalize import Doc, Sentence
from monitor.matching.text import wordset

SPEECH_VERBS = wordset("""
said says say told tells added adds stated states claimed claims denied denies deny insisted insists warned
warns confirmed confirms rejected rejects dismissed dismisses questioned questions announced announces argued
argues noted notes wrote writes tweeted tweets saying telling reported acknowledged admitted admits explained
declined revealed reveals alleged alleges accused accuses suggested suggests maintained maintains believes
asserted asserts disputed disputes refuted refutes called calls answered answers replied replies responded
responds reject dismiss confirm insist warn accuse dispute refute allege admit argue maintain assert
""")
_INVERTIBLE = frozenset(["said", "says", "told", "added", "wrote", "tweeted", "stated", "according"])
_PRONOUNS = frozenset(["he", "she", "they", "it"])
_PERSONAL = frozenset(["he", "she"])
_COLLECTIVE = frozenset(["country", "government", "media", "group"])
_FROM_CUES = frozenset(["comment", "response", "reply", "word", "statement"])
# "according to" in one word of another language: "selon", "laut", "según", "据" (`lexicon.py`).
_ACCORDING_TO = "according_to"
# Every word that can open an attribution: a sentence with none of them has none.
_TRIGGERS = SPEECH_VERBS | _FROM_CUES | {"according", _ACCORDING_TO, "put"}
# Words that govern a following name as an object or setting, never as the speaker.
_PREPOSITIONS = wordset("""
to into in on at for from of with by over against about toward towards across between among amid onto upon
through via within without near behind beyond under like than that which whom whose
""")
# Determiners and modifiers that may stand between a preposition and the name it governs.
_DETERMINERS = wordset("""
the a an its his her their our this that these those northern southern eastern western northeastern
northwestern southeastern southwestern occupied neighbouring neighboring
""")
# Speech verbs that are also nouns: after a preposition or determiner ("on claims", "the reports") they
# attribute nothing.
_NOUN_FORMS = wordset("""
claims reports questions notes calls answers replies comments statements warns tweets writes
""")
# Subordinators that put an attribution into a clause about an earlier statement.
_SUBORDINATORS = wordset("""
after before since following until when while once hours days weeks what
""")
# A speech verb that opens a quotation inside a quotation: "told reporters, 'China ...".
_INNER_QUOTE = re.compile(r"\w+(?:\s+[\w.]+){0,3}?\s*[,:]?\s*'\w")
# What may follow the name of an inverted attribution that closes its clause: "..., said Peskov on Monday".
_AFTER_INVERSION = wordset("""
on in at during after before while when late earlier yesterday today tonight monday tuesday wednesday thursday
friday saturday sunday
""")
# Where an inner quotation closes: a single quote before punctuation, a space or the outer quotation's end.
_INNER_CLOSE = re.compile(r"'(?=[\s,.;:!?\"]|$)")
# Words that may open a clause before its subject: "while Shapps has offered no proof, ...".
_OPENERS = wordset("""
while whereas although though but however and yet
""")
# Auxiliaries that show a name after a speech verb to be the subject of the reported clause.
_AUXILIARIES = wordset("""
is are was were has have had will would could can may might did does do should must
""")
# Forms of "be" that make a following speech verb passive.
_BE = wordset("""
is are was were be been being
""")
# Nouns that make a possessive or a demonym the speaker: "China's foreign ministry", "Chinese officials".
_INSTITUTIONS = wordset("""
government governments ministry ministries foreign defence defense interior state embassy officials official press
deputy
spokesperson spokesman spokeswoman president leader leaders military army navy intelligence media agency
envoy ambassador diplomat diplomats mission office minister ministers secretary council parliament news
authorities authority sources leadership administration cabinet spy security top senior chief national
presidential central state-run investigators prosecutors police commanders generals negotiators lawmakers
""")
# Who speaks for somebody else: "a spokesman for X", "officials of X".
_SPOKESPEOPLE = wordset("""
spokesman spokeswoman spokesperson spokespeople representative representatives official officials envoy
""")
# Anaphoric heads: "the spokesperson said" speaks for the previous speaker.
_ANAPHORS = wordset("""
spokesperson spokesman spokeswoman official officials ministry minister embassy adviser advisor secretary
president department office agency government
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
    found, pronoun_at = _attributions(doc, sentence, hits)
    if sentence.is_title and not found:
        found = _headline_prefix(doc, sentence, hits)
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
    main = [f for f in found if not _subordinate(doc, sentence, f[0])]
    found = main or found
    hit, verb_index, verb_text = max(found, key=lambda f: (len(affiliation_chain(f[0].key, actors)),
                                                             f[0].first_token))
    chain = affiliation_chain(hit.key, actors)
    verb = first + min(verb_index, last - first - 1)
    said = (doc.tokens.starts[verb], doc.tokens.ends[verb], f"attribution:{verb_text}")
    partners = tuple(Speaker(h.key, _top(h.key, actors), ((h.start, h.end, "name"), said))
                     for h in _coordinated(doc, sentence, hits, hit) if h.key != hit.key)
    return Speaker(hit.key, chain[-1] if chain else None, ((hit.start, hit.end, "name"), said), partners)


def _top(actor_id: str, actors: Mapping[str, Actor]) -> str | None:
    chain = affiliation_chain(actor_id, actors)
    return chain[-1] if chain else None


def _coordinated(doc: Doc, sentence: Sentence, hits: Sequence[Hit], hit: Hit) -> list[Hit]:
    """The names joined to a speaking name as subjects of one verb ("Tehran and Moscow both deny", "the US,
    Britain and France say"); none when the first of them is governed by a preposition ("aid to Russia and
    Iran said")."""
    texts, ends = doc.tokens.texts, doc.tokens.ends
    partners: list[Hit] = []
    current = hit
    listed = hit.last_token < sentence.last_token and texts[hit.last_token] == "and"  # "Britain and France say"
    while True:
        position = current.first_token - 1
        while position >= sentence.first_token and texts[position] in _DETERMINERS:
            position -= 1
        if position >= sentence.first_token and texts[position] == "and":
            end = position  # "Tehran and Moscow"
        elif (partners or listed) and position >= sentence.first_token and "," in doc.folded[
                ends[position]:current.start]:
            end = position + 1  # "the US, Britain and France"
        else:
            break
        partner = next((h for h in hits if h.last_token == end), None)
        if partner is None:
            break
        partners.append(partner)
        current = partner
    if partners:
        position = current.first_token - 1
        while position >= sentence.first_token and texts[position] in (_DETERMINERS | {"both"}):
            position -= 1
        if position >= sentence.first_token and texts[position] in _PREPOSITIONS and "," not in doc.folded[
                ends[position]:current.start]:
            return []
    return partners


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
    while position < len(words) and (words[position] in _DETERMINERS or words[position] in _OPENERS):
        position += 1
    hit = next((h for h in hits if h.first_token - sentence.first_token == position), None)
    if hit is None or doc.in_quote(hit.start, hit.end):
        return None
    if doc.tokens.texts[hit.last_token - 1].endswith("'s") or doc.folded[hit.end:hit.end + 1] == "'":
        # "South Korea's unification ministry briefed ...": the institution acts, named or not; "Kim's
        # health ...": a possessor before a thing does not.
        owned = next((h for h in hits if h.first_token == hit.last_token), None)
        if owned is not None:
            hit = owned
        elif hit.last_token - sentence.first_token >= len(words) or words[hit.last_token - sentence.first_token] \
                not in _INSTITUTIONS:
            return None
    chain = affiliation_chain(hit.key, actors)
    return Speaker(hit.key, chain[-1] if chain else None, ((hit.start, hit.end, "name"),))


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
    base = sentence.first_token
    words = doc.tokens.texts[base:sentence.last_token]
    found: list[tuple[Hit, int, str]] = []
    pronoun_at: int | None = None
    if _TRIGGERS.isdisjoint(words):
        return found, pronoun_at  # most sentences: no speech verb, no "according to", no "comment from"
    # Only the trigger words can attribute; the others are skipped without a look.
    for index in compress(range(len(words)), map(_TRIGGERS.__contains__, words)):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == _ACCORDING_TO or (word == "according" and following == "to") or (
                word in _FROM_CUES and following == "from"):
            after = index if word == _ACCORDING_TO else index + 1
            hit = _name_after(hits, base, after, 3 if word in _FROM_CUES else 8)
            if hit is not None:
                found.append((hit, index, "according to" if word == _ACCORDING_TO else f"{word} {following}"))
            continue
        if not _speaks(word, following, words[index - 1] if index > 0 else ""):
            continue
        if index > 0 and words[index - 1] in _BE:
            # A passive: "was denied by X" names its speaker after "by"; "was said to be" names none.
            by = next((i for i in range(index + 1, min(len(words), index + 5)) if words[i] == "by"), None)
            if by is not None:
                hit = _name_after(hits, base, by, 4)
                if hit is not None:
                    found.append((hit, index, f"{word} by"))
            continue
        inverted = (_inverted(doc, hits, base, index) if doc.language != Language.EN
                    else _closing_inversion(doc, words, hits, base, index))
        hit = inverted or _subject_before(doc, words, hits, base, index) or _inverted_after(doc, words, hits, base,
                                                                                             index)
        if hit is not None:
            found.append((hit, index, word))
            continue
        if index > 0 and (words[index - 1] in _PRONOUNS or (
                words[index - 1] in _ANAPHORS and index > 1 and words[index - 2] == "the")):
            pronoun_at = index
    return found, pronoun_at


def _subject_before(doc: Doc, words: Sequence[str], hits: Sequence[Hit], base: int, index: int) -> Hit | None:
    """The name before a speech verb that is its subject: the closest one, or, past a name inside a
    parenthesis set off by commas ("Zelensky, speaking in Kyiv, said"), the one before the parenthesis."""
    verb_start = doc.tokens.starts[base + index]
    hit = _name_before(hits, base, index)
    if hit is None:
        return None
    if _is_subject(doc, words, base, hit, index) and not _inside_quote_only(doc, hit, verb_start):
        return hit
    if "," not in doc.folded[doc.tokens.ends[base + index - 1]:verb_start]:
        return None
    outer = next((h for h in sorted(hits, key=lambda h: -h.last_token)
                  if h.last_token < hit.first_token and index - (h.last_token - base) <= 10
                  and "," in doc.folded[h.end:doc.tokens.starts[h.last_token]]), None)
    if outer is None or not _is_subject(doc, words, base, outer, index) or _inside_quote_only(doc, outer, verb_start):
        return None
    return outer


def _inverted_after(doc: Doc, words: Sequence[str], hits: Sequence[Hit], base: int, index: int) -> Hit | None:
    """'"...," said White House spokesman ...': the name right after a speech verb that follows a quotation or
    comma, unless a verb follows it ("..., said Russia had used ...": the name opens the reported clause)."""
    if words[index] not in _INVERTIBLE or index == 0 or not _after_quote(doc, doc.tokens.starts[base + index]):
        return None
    hit = _name_after(hits, base, index, 4)
    if hit is None:
        return None
    after = hit.last_token - base
    return None if after < len(words) and words[after] in _AUXILIARIES else hit


def _speaks(word: str, following: str, before: str) -> bool:
    """Whether a word is a speech verb here: "as Sullivan put it" attributes, "China put weapons on trains"
    does not; "commented on claims" and "the reports" are nouns."""
    if word == "put":
        return following == "it"
    if word in _NOUN_FORMS and (before in _PREPOSITIONS or before in _DETERMINERS):
        return False
    return word in SPEECH_VERBS


def _inverted(doc: Doc, hits: Sequence[Hit], base: int, index: int) -> Hit | None:
    """In another language, the name right after a speech verb that follows a comma or quotation (Russian,
    German, Spanish...: ", заявил Песков", ", sagte Peskow"), or, in Arabic, which puts the verb before its
    subject, after one with no name before it ("قال شابس إن ...")."""
    after_comma = index > 0 and _after_quote(doc, doc.tokens.starts[base + index])
    verb_first = doc.language == Language.AR and _name_before(hits, base, index) is None
    return _name_after(hits, base, index, 4) if after_comma or verb_first else None


def _closing_inversion(doc: Doc, words: Sequence[str], hits: Sequence[Hit], base: int, index: int) -> Hit | None:
    """In English, the name of an inverted attribution that closes its clause ("Kim Jong Un not gravely ill,
    says Seoul"; '"...," said the Kremlin on Monday'): it speaks even when another name stands before the
    verb. A name followed by more of the sentence ("..., said Beijing was arming Russia") is not one."""
    if words[index] not in _INVERTIBLE or index == 0 or not _after_quote(doc, doc.tokens.starts[base + index]):
        return None
    hit = _name_after(hits, base, index, 4)
    if hit is None or any(w not in _DETERMINERS and w not in _INSTITUTIONS
                          for w in words[index + 1:hit.first_token - base]):
        return None
    after = hit.last_token - base
    if after >= len(words) or words[after] in _AFTER_INVERSION:
        return hit
    gap = doc.folded[hit.end:doc.tokens.starts[hit.last_token]]
    return hit if any(c in gap for c in ',;:.!?"()') else None


def _headline_prefix(doc: Doc, sentence: Sentence, hits: Sequence[Hit]) -> list[tuple[Hit, int, str]]:
    """'Beijing: ...' in a headline: the name opening it before an early colon speaks; '...: US' or
    '... - foreign ministry', a name that is all that follows the last colon or dash, speaks too. A name
    inside the words before the colon ('Iran sent missiles to Russia: US') does not."""
    words = doc.tokens.texts[sentence.first_token:sentence.last_token]
    opening = 0
    while opening < len(words) and words[opening] in _DETERMINERS:
        opening += 1
    colon = doc.folded.find(":", sentence.start, sentence.end)
    if colon > 0:
        prefix = [h for h in hits if h.end <= colon and h.first_token - sentence.first_token <= opening
                  and len(doc.folded[h.end:colon].split()) <= 1]
        if prefix:
            hit = max(prefix, key=lambda h: h.end - h.start)
            return [(hit, hit.first_token - sentence.first_token, ":")]
    tail = max(doc.folded.rfind(": ", sentence.start, sentence.end),
               doc.folded.rfind(" - ", sentence.start, sentence.end))
    suffix = [h for h in hits if h.start > tail > sentence.start
              and not doc.folded[h.end:sentence.end].strip(" .!\"'")
              and all(w in _DETERMINERS or w in _INSTITUTIONS
                      for w in doc.folded[tail + 2:h.start].split())]
    if suffix:
        hit = min(suffix, key=lambda h: h.start)
        return [(hit, hit.first_token - sentence.first_token, ":")]
    return []


def _after_quote(doc: Doc, offset: int) -> bool:
    """Whether a quotation closes just before `offset` ('..., " said Sullivan')."""
    before = doc.folded[max(0, offset - 4):offset]
    return '"' in before or "," in before


def _inside_quote_only(doc: Doc, hit: Hit, verb_start: int) -> bool:
    """A name inside a quotation is somebody else's words: it speaks neither for the verb after the quotation
    nor for one inside it ('"Washington says it has seen nothing," the commentator said'), unless that verb
    opens a quotation of its own inside the first ('"Mao Ning told reporters, \'China has never ...\'"': the
    inner speaker speaks)."""
    if not doc.in_quote(hit.start, hit.end):
        return False
    if not doc.in_quote(verb_start, verb_start + 1):
        return True
    after = doc.folded[verb_start:verb_start + 40]
    return _INNER_QUOTE.match(after) is None


def inner_quotation(doc: Doc, sentence: Sentence, speaker: Speaker) -> Sentence | None:
    """The words of an inner speaker quoted inside someone else's quotation ('"Shapps said, \'Beijing is
    sending lethal aid,\' and nobody was surprised," a staffer recalled' -> 'Beijing is sending lethal aid'),
    or None when the speaker is not quoted that way."""
    verb = next((start for start, _, kind in speaker.evidence if kind.startswith("attribution:")), None)
    if verb is None or not doc.in_quote(verb, verb + 1):
        return None
    opening = _INNER_QUOTE.match(doc.folded, verb, sentence.end)
    if opening is None:
        return None
    start = opening.end() - 1
    closing = _INNER_CLOSE.search(doc.folded, start, sentence.end)
    end = closing.start() if closing is not None else sentence.end
    starts = doc.tokens.starts
    first = bisect_left(starts, start, sentence.first_token, sentence.last_token)
    last = bisect_left(starts, end, first, sentence.last_token)
    return Sentence(sentence.index, start, end, first, last, sentence.is_title) if last > first else None


def _is_subject(doc: Doc, words: Sequence[str], base: int, hit: Hit, verb_index: int) -> bool:
    """Whether a name before a speech verb can be its subject (not an object, setting or possessor)."""
    first, last = hit.first_token - base, hit.last_token - base
    between = words[last:verb_index]
    if any(w in ("that", "which", "who", "whom", "whose", "while", "whereas") for w in between):
        return False
    possessive = doc.folded[hit.end:hit.end + 1] == "'" or doc.tokens.texts[hit.last_token - 1].endswith("'s")
    qualifier = first > 0 and words[first - 1] in ("a", "an") and bool(between)
    if (possessive or qualifier) and (not between or between[0] not in _INSTITUTIONS):
        # "Shapps' claims", "China's denials", "the leader's health was said ...": a possessive before a noun
        # is the topic; before an institution ("China's foreign ministry said") it is the speaker. So for a
        # name qualifying a noun: "a US outlet reported" names none, "a US official said" speaks for it.
        return False
    tokens = doc.tokens
    position = first - 1
    while position >= 0 and words[position] in _DETERMINERS and words[position] != "that":
        position -= 1
    if position < 0 or words[position] not in _PREPOSITIONS:
        return True
    if words[position] == "with" and words[verb_index].endswith("ing"):
        return True  # "..., with Sullivan saying that ...": the name is the participle's subject
    if words[position] in ("for", "of", "in") and position > 0 and words[position - 1] in _SPOKESPEOPLE:
        return True  # "a spokesman for the Chinese embassy", "officials in Beijing": the one spoken for speaks
    # Punctuation between the preposition and the name ends the phrase ('"... seen that," Sullivan said').
    gap = doc.folded[tokens.ends[base + position]:hit.start]
    return any(c in gap for c in ',;:"()')


def _subordinate(doc: Doc, sentence: Sentence, hit: Hit) -> bool:
    """Whether a name stands in a subordinate clause ("hours after Shapps said", "following Biden's remarks")."""
    tokens = doc.tokens
    start = max(sentence.first_token, hit.first_token - 5)
    for index in range(hit.first_token - 1, start - 1, -1):
        if "," in doc.folded[tokens.ends[index]:tokens.starts[index + 1]]:
            return False
        if tokens.texts[index] in _SUBORDINATORS:
            return True
    return False


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
            clauses = _and_turn(self._doc, sentence, hits) or clauses
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
        while position > sentence.first_token and texts[position] in _DETERMINERS:
            position -= 1
        if position <= sentence.first_token or texts[position] != "and" or doc.in_quote(hit.start, hit.end):
            continue
        if _coordinated(doc, sentence, hits, hit):
            continue  # "Tehran and Moscow deny": one verb, two subjects
        after = texts[hit.last_token:min(sentence.last_token, hit.last_token + 3)]
        before = texts[sentence.first_token:position]
        if any(w in SPEECH_VERBS for w in after) and any(w in SPEECH_VERBS for w in before):
            cut = starts[position]
            return (Sentence(sentence.index, sentence.start, cut, sentence.first_token, position, sentence.is_title),
                    Sentence(sentence.index, starts[position + 1], sentence.end, position + 1, sentence.last_token,
                             sentence.is_title))
    return None


def _heads_institution(doc: Doc, hit: Hit) -> bool:
    """Whether a demonym names who speaks ("Chinese officials", "the Russian defence ministry", "North Korean
    state media") rather than what is spoken of ("Chinese drones")."""
    following = doc.tokens.texts[hit.last_token:hit.last_token + 3]
    for word in following:
        if word in _INSTITUTIONS:
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
