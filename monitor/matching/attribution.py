"""Attribution patterns within one sentence or clause: which name a speech verb, "according to", a passive's
"by", a "comment from" or a headline's colon attributes the sentence to (`attributions`,
`headline_attribution`), and the word lists that decide it. `speaker.py` resolves these to a speaker, carries
speakers across sentences and splits clauses; the rules themselves are described in its docstring.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import compress

from monitor.matching.index import Hit
from monitor.matching.language import Language
from monitor.matching.normalize import Doc, Sentence
from monitor.matching.text import wordset

SPEECH_VERBS = wordset("""
said says say told tells added adds stated states claimed claims denied denies deny insisted insists warned
warns confirmed confirms rejected rejects dismissed dismisses questioned questions announced announces argued
argues noted notes wrote writes tweeted tweets saying telling reported acknowledged admitted admits explained
declined revealed reveals alleged alleges accused accuses suggested suggests maintained maintains believes
asserted asserts disputed disputes refuted refutes called calls answered answers replied replies responded
responds reject dismiss confirm insist warn accuse dispute refute allege admit argue maintain assert
described describes downplays downplayed rebuts rebutted slams slammed urged urges echoed echoes retracted
retracts
""")
# Verbs that speak only with their particle: "Seoul plays down reports ...", "Beijing hits back at ...".
_PHRASAL = {"play": "down", "plays": "down", "played": "down", "hits": "back", "hit": "back", "pushes": "back",
            "pushed": "back", "walked": "back", "walks": "back"}
_INVERTIBLE = frozenset(["said", "says", "told", "added", "wrote", "tweeted", "stated", "according"])
_PRONOUNS = frozenset(["he", "she", "they", "it"])
_FROM_CUES = frozenset(["comment", "response", "reply", "word", "statement", "denial", "denials"])
# "according to" in one word of another language: "selon", "laut", "según", "据" (`lexicon.py`).
_ACCORDING_TO = "according_to"
# Every word that can open an attribution: a sentence with none of them has none.
_TRIGGERS = SPEECH_VERBS | _FROM_CUES | _PHRASAL.keys() | {"according", _ACCORDING_TO, "put", "citing", "seen"}
# Words that govern a following name as an object or setting, never as the speaker.
_PREPOSITIONS = wordset("""
to into in on at for from of with by over against about toward towards across between among amid onto upon
through via within without near behind beyond under like than that which whom whose
""")
# Determiners and modifiers that may stand between a preposition and the name it governs.
DETERMINERS = wordset("""
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
INNER_QUOTE = re.compile(r"\w+(?:\s+[\w.]+){0,3}?\s*[,:]?\s*'\w")
# What may follow the name of an inverted attribution that closes its clause: "..., said Peskov on Monday".
_AFTER_INVERSION = wordset("""
on in at during after before while when late earlier yesterday today tonight monday tuesday wednesday thursday
friday saturday sunday
""")
# Auxiliaries that show a name after a speech verb to be the subject of the reported clause.
_AUXILIARIES = wordset("""
is are was were has have had will would could can may might did does do should must
""")
# How many words a parenthesis between a speaking name and its verb may run to.
_PARENTHESIS_REACH = 16
# Forms of "be" that make a following speech verb passive.
_BE = wordset("""
is are was were be been being
""")
# Nouns that make a possessive or a demonym the speaker: "China's foreign ministry", "Chinese officials".
INSTITUTIONS = wordset("""
government governments ministry ministries foreign defence defense interior state embassy officials official press
deputy
spokesperson spokesman spokeswoman president leader leaders military army navy intelligence media agency
envoy ambassador diplomat diplomats mission office minister ministers secretary council parliament news
authorities authority sources leadership administration cabinet spy security top senior chief national
presidential central state-run investigators prosecutors police commanders generals negotiators lawmakers
general staff forces
""")
_SEPARATING = frozenset(["that", "which", "who", "whom", "whose", "while", "whereas"])
# Who speaks for somebody else: "a spokesman for X", "officials of X".
SPOKESPEOPLE = wordset("""
spokesman spokeswoman spokesperson spokespeople representative representatives official officials envoy
""")
# Anaphoric heads: "the spokesperson said" speaks for the previous speaker.
_ANAPHORS = wordset("""
spokesperson spokesman spokeswoman official officials ministry minister embassy adviser advisor secretary
president department office agency government
""")


def coordinated(doc: Doc, sentence: Sentence, hits: Sequence[Hit], hit: Hit) -> list[Hit]:
    """The names joined to a speaking name as subjects of one verb ("Tehran and Moscow both deny", "the US,
    Britain and France say"); none when the first of them is governed by a preposition ("aid to Russia and
    Iran said")."""
    texts, ends = doc.tokens.texts, doc.tokens.ends
    partners: list[Hit] = []
    current = hit
    listed = hit.last_token < sentence.last_token and texts[hit.last_token] == "and"  # "Britain and France say"
    while True:
        position = current.first_token - 1
        while position >= sentence.first_token and texts[position] in DETERMINERS:
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
        while position >= sentence.first_token and texts[position] in (DETERMINERS | {"both"}):
            position -= 1
        if position >= sentence.first_token and texts[position] in _PREPOSITIONS and "," not in doc.folded[
                ends[position]:current.start]:
            return []
    return partners


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


def attributions(doc: Doc, sentence: Sentence, hits: Sequence[Hit]
                  ) -> tuple[list[tuple[Hit, int, str]], int | None]:
    """(name, verb index, verb) attributions of a sentence, and where a pronoun speaks, if anywhere."""
    found, pronoun_at = _spoken(doc, sentence, hits)
    if found:
        return found, pronoun_at
    words = doc.tokens.texts[sentence.first_token:sentence.last_token]
    if pronoun_at is not None and words[pronoun_at - 1] in _PRONOUNS:
        return found, pronoun_at  # "he said, citing US intelligence, ...": his
    # A named source cited outweighs an unnamed one that speaks ("the agency reported, citing US officials").
    cited = _cited(words, hits, sentence.first_token)
    return (cited, None) if cited else (found, pronoun_at)


def _spoken(doc: Doc, sentence: Sentence, hits: Sequence[Hit]) -> tuple[list[tuple[Hit, int, str]], int | None]:
    """The attributions by a speech verb, "according to" or "comment from", and where a pronoun speaks."""
    base = sentence.first_token
    words = doc.tokens.texts[base:sentence.last_token]
    found: list[tuple[Hit, int, str]] = []
    pronoun_at: int | None = None
    if _TRIGGERS.isdisjoint(words):
        return found, pronoun_at  # most sentences: no speech verb, no "according to", no "comment from"
    # "Tehran's denials", "Beijing's response": the sentence's speaker only when nobody else is.
    owned = [(h, i, f"'s {words[i]}") for i in range(len(words)) if words[i] in _FROM_CUES
             for h in hits if h.last_token == base + i and _possessive(doc, h)]
    # Only the trigger words can attribute; the others are skipped without a look.
    for index in compress(range(len(words)), map(_TRIGGERS.__contains__, words)):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == _ACCORDING_TO or (word == "according" and following == "to") or (
                word in _FROM_CUES and following in ("from", "by")):
            after = index if word == _ACCORDING_TO else index + 1
            hit = _name_after(hits, base, after, 3 if word in _FROM_CUES else 8)
            if hit is not None:
                found.append((hit, index, "according to" if word == _ACCORDING_TO else f"{word} {following}"))
            continue
        if not _speaks(word, following, words[index - 1] if index > 0 else ""):
            continue
        quoted = _quoted_as_saying(words, index)
        if quoted is not None:
            # "Zelensky was quoted by Interfax as saying ...": the subject of "was quoted" speaks.
            hit = _name_before(hits, base, quoted)
            if hit is not None and _is_subject(doc, words, base, hit, quoted):
                found.append((hit, index, "quoted as saying"))
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
                words[index - 1] in _ANAPHORS and index > 1 and words[index - 2] in ("the", "its"))):
            pronoun_at = index
    return found or ([] if pronoun_at is not None else owned), pronoun_at


def _cited(words: Sequence[str], hits: Sequence[Hit], base: int) -> list[tuple[Hit, int, str]]:
    """The source a sentence cites ("..., the agency reported, citing US officials"), which holds the claim
    when nobody in the sentence says it ("Kyiv said, citing US intelligence, ..." is Kyiv's, and "he said,
    citing ..." is his)."""
    for index in (i for i, word in enumerate(words) if word == "citing"):
        hit = _name_after(hits, base, index, 4)
        if hit is not None:
            return [(hit, index, "citing")]
    return []


def _subject_before(doc: Doc, words: Sequence[str], hits: Sequence[Hit], base: int, index: int) -> Hit | None:
    """The name before a speech verb that is its subject: the closest one, or, past a name inside a
    parenthesis set off by commas ("Zelensky, speaking in Kyiv, said"), the one before the parenthesis."""
    verb_start = doc.tokens.starts[base + index]
    framed = _before_parenthesis(doc, words, hits, base, index)
    if framed is not None:
        return framed
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


def _quoted_as_saying(words: Sequence[str], index: int) -> int | None:
    """Where "<be> quoted" stands before "as saying" ("was quoted by Yonhap as saying"), or None."""
    if words[index] != "saying" or index == 0 or words[index - 1] != "as":
        return None
    for position in range(index - 2, max(0, index - 9), -1):
        if words[position] == "quoted" and words[position - 1] in _BE:
            return position - 1
    return None


def _before_parenthesis(doc: Doc, words: Sequence[str], hits: Sequence[Hit], base: int, index: int) -> Hit | None:
    """The name before a parenthesis that ends right before a speech verb: "Shapps, who was speaking in London,
    said", "Beijing, which has denied arming Russia, said", "the Pentagon (which tracks the shipments) said",
    "Araghchi, Iran's foreign minister, said"; the names inside the parenthesis do not speak for the verb."""
    tokens, folded = doc.tokens, doc.folded
    if index == 0 or not any(c in folded[tokens.ends[base + index - 1]:tokens.starts[base + index]] for c in ",)"):
        return None
    for hit in sorted(hits, key=lambda h: -h.last_token):
        last = hit.last_token - base
        if last >= index or index - last > _PARENTHESIS_REACH:
            continue
        if not any(c in folded[hit.end:tokens.starts[hit.last_token]] for c in ",("):
            continue
        inside = words[last:index]
        if not inside or inside[0] in ("and", "or") or any(w in SPEECH_VERBS and w not in ("denied", "denies")
                                                            for w in inside):
            continue
        if '"' in folded[hit.end:tokens.starts[base + index]] or doc.in_quote(hit.start, hit.end):
            continue
        closing = folded[hit.end:tokens.starts[base + index]]
        if closing.count(",") + closing.count(")") < 2 and not ("(" in closing and ")" in closing):
            continue  # one comma only: "X, Y said" is a list or a new clause, not a parenthesis
        first = hit.first_token - base
        position = first - 1
        while position >= 0 and words[position] in DETERMINERS:
            position -= 1
        if position >= 0 and (words[position] in _PREPOSITIONS or words[position] in SPEECH_VERBS):
            continue
        return hit
    return None


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
    """Whether a word is a speech verb here: "as Sullivan put it" and "Seoul plays down" attribute, "China put
    weapons on trains" does not; "commented on claims" and "the reports" are nouns."""
    if word == "put":
        return following == "it"
    if word == "seen":
        return before in ("not", "never")  # "the White House has not seen evidence ..."
    if word in _PHRASAL:
        return following == _PHRASAL[word]
    if before == "的" or (word in _NOUN_FORMS and (before in _PREPOSITIONS or before in DETERMINERS)):
        return False  # "的指控" is "the accusation", as "the reports" is a noun
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
    if hit is None or any(w not in DETERMINERS and w not in INSTITUTIONS
                          for w in words[index + 1:hit.first_token - base]):
        return None
    after = hit.last_token - base
    if after >= len(words) or words[after] in _AFTER_INVERSION:
        return hit
    gap = doc.folded[hit.end:doc.tokens.starts[hit.last_token]]
    return hit if any(c in gap for c in ',;:.!?"()') else None


def headline_attribution(doc: Doc, sentence: Sentence, hits: Sequence[Hit]) -> list[tuple[Hit, int, str]]:
    """'Beijing: ...' in a headline: the name opening it before an early colon speaks; '...: US' or
    '... - foreign ministry', a name that is all that follows the last colon or dash, speaks too. A name
    inside the words before the colon ('Iran sent missiles to Russia: US') does not."""
    words = doc.tokens.texts[sentence.first_token:sentence.last_token]
    opening = 0
    while opening < len(words) and words[opening] in DETERMINERS:
        opening += 1
    colon = doc.folded.find(":", sentence.start, sentence.end)
    if colon > 0:
        prefix = [h for h in hits if h.end <= colon and h.first_token - sentence.first_token <= opening
                  and len(doc.folded[h.end:colon].split()) <= 1 and not _possessive(doc, h)]
        if prefix:
            hit = max(prefix, key=lambda h: h.end - h.start)
            return [(hit, hit.first_token - sentence.first_token, ":")]
        # "'Absurd': Peskov on US chemical weapons charge": a quotation, then who said it on what.
        after = [h for h in hits if h.start > colon and not doc.folded[colon + 1:h.start].strip()
                 and h.last_token < sentence.last_token and doc.tokens.texts[h.last_token] == "on"]
        if after and doc.folded[sentence.start:colon].lstrip()[:1] in "'\"":
            return [(after[0], after[0].first_token - sentence.first_token, ":")]
    tail = max(doc.folded.rfind(": ", sentence.start, sentence.end),
               doc.folded.rfind(" - ", sentence.start, sentence.end))
    suffix = [h for h in hits if h.start > tail > sentence.start
              and not doc.folded[h.end:sentence.end].strip(" .!\"'")
              and all(w in DETERMINERS or w in INSTITUTIONS
                      for w in doc.folded[tail + 2:h.start].split())]
    if suffix:
        hit = min(suffix, key=lambda h: h.start)
        return [(hit, hit.first_token - sentence.first_token, ":")]
    return []


def _possessive(doc: Doc, hit: Hit) -> bool:
    """Whether a name is a possessor ("Kim Jong Un's health", "Shapps' claims")."""
    return doc.folded[hit.end:hit.end + 1] == "'" or doc.tokens.texts[hit.last_token - 1].endswith("'s")


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
    return INNER_QUOTE.match(after) is None


def _is_subject(doc: Doc, words: Sequence[str], base: int, hit: Hit, verb_index: int) -> bool:
    """Whether a name before a speech verb can be its subject (not an object, setting or possessor)."""
    first, last = hit.first_token - base, hit.last_token - base
    between = words[last:verb_index]
    # A relative clause between, or an infinitive with a verb of its own ("Moscow to investigate claims"; "was
    # quick to deny" speaks), separates the name from the verb.
    if any(w in _SEPARATING for w in between) or ("to" in between and between[-1] != "to"):
        return False
    possessive = _possessive(doc, hit)
    qualifier = first > 0 and words[first - 1] in ("a", "an") and bool(between)
    if (possessive or qualifier) and (not between or between[0] not in INSTITUTIONS):
        # "Shapps' claims", "China's denials", "the leader's health was said ...": a possessive before a noun
        # is the topic; before an institution ("China's foreign ministry said") it is the speaker. So for a
        # name qualifying a noun: "a US outlet reported" names none, "a US official said" speaks for it.
        return False
    tokens = doc.tokens
    position = first - 1
    while position >= 0 and words[position] in DETERMINERS and words[position] != "that":
        position -= 1
    if position < 0 or words[position] not in _PREPOSITIONS:
        return True
    if words[position] == "with" and words[verb_index].endswith("ing"):
        return True  # "..., with Sullivan saying that ...": the name is the participle's subject
    if words[position] in ("for", "of", "in", "at", "from") and position > 0 and words[position - 1] in SPOKESPEOPLE:
        # "a spokesman for the Chinese embassy", "officials in Beijing", "an official at the presidential
        # office": the one spoken for speaks
        return True
    # Punctuation between the preposition and the name ends the phrase ('"... seen that," Sullivan said').
    gap = doc.folded[tokens.ends[base + position]:hit.start]
    return any(c in gap for c in ',;:"()')


def subordinate(doc: Doc, sentence: Sentence, hit: Hit) -> bool:
    """Whether a name stands in a subordinate clause ("hours after Shapps said", "following Biden's remarks")."""
    tokens = doc.tokens
    start = max(sentence.first_token, hit.first_token - 5)
    for index in range(hit.first_token - 1, start - 1, -1):
        if "," in doc.folded[tokens.ends[index]:tokens.starts[index + 1]]:
            return False
        if tokens.texts[index] in _SUBORDINATORS:
            return True
    return False
