"""Stance cues: the built-in word lists and phrases, found with their negation scope.

Single words come in families (deny, hedge, report, confirm, negation, comment); multi-word phrases are
matched on the folded sentence. Scope rules turn a cue into what it means in context:

- a negator up to three words before a deny or confirm word: "would not deny", "has not confirmed" ->
  `negated-deny` / `negated-confirm` (both hedges, not denials);
- a deny word governing a deny noun: "rejected China's denial", "dismissed claims it was a hoax" ->
  `double-negation` (a corroboration);
- a negator before a claim word: "Banksy wasn't arrested" -> `negated-claim`; right after the claim's words:
  "Paul Rudd is not the hero" -> `negated-predicate`;
- a negated truth word: "not true", "isn't real" -> a deny cue (not a hedge);
- a deny word aimed at the reports of the claim: "rebuffs rumours", "rumours of his death debunked" ->
  `rejects-report` (a denial).

Claim-specific phrases from `StanceCues` are added per claim. Every cue carries a fixed prior (PRIORS):
what it means before any fitting; the fitted weights (weights.json) refine the rest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.matching.language import Language
from monitor.matching.lexicon import phrase_patterns
from monitor.matching.text import wordset

WORDS: Mapping[str, frozenset[str]] = {
    "deny": wordset("""
deny denies denied denial denials denying hoax hoaxes hoaxer fake fakes faked false falsely debunk debunks
debunked debunking untrue myth myths bogus fabricated fabricate fabrication photoshopped photoshop satire
satirical prank pranked parody spoof scam misleading refute refutes refuted rejects reject rejected dismiss
dismisses dismissed baseless groundless nonsense lie lies lying wrong inaccurate fiction fictional doctored
nope rubbish bs bullshit doubt doubts doubtful retract retracts retracted rebuff rebuffs rebuffed libel
misinformation disinformation disproved disproves dispels dispel contrary skeptical sceptical exaggerated
overblown unfounded unsubstantiated busted fooled duped fabricating slams absurd ridiculous bunk phony phoney
erroneous untruthful quash quashes quashed squash squashes squashed troll trolls trolled trolling slander
slanderous smear smears dismissing rejecting refuting rebuffing quashing downplays downplayed downplaying
rebut rebuts rebutted rebutting rebuttal
"""),
    "hedge": wordset("""
may might could possibly reportedly allegedly purportedly apparently suspected believed thought likely appears
appear seems seem unconfirmed speculation speculate speculates considering maybe perhaps probably potential
potentially would whether mystery questions question questioned investigating investigate investigates
investigation possible possibility expected expects plans plan supposedly purported rumor rumour rumored
rumoured rumors rumours hints hint suggests suggest mulls weighs considers poised unclear unverified alleged
allegation allegations accusation accusations accuses accused warns warned warning fears feared concern
concerns suspect suspects seemingly tipped predicts predicted predict forecast forecasts talks eyes eyeing
probe probes probing purports examining examine examines
"""),
    "report": wordset("""
claim claims claimed report reports reported according sources source say says said think thinks believes
tells told insists insisted suggests stated states quoted citing cited
"""),
    "confirm": wordset("""
confirms confirmed confirm confirming confirmation officially official proof proves proven prove reveals
revealed reveal admits admitted admit evidence shows showed indeed finally announces announced identified
verified verifies true actually
"""),
    "negation": wordset("""
not no never nobody nothing none neither nor without isn't wasn't aren't weren't doesn't didn't don't won't
can't cannot hasn't haven't hadn't shouldn't wouldn't couldn't isnt wasnt doesnt didnt dont wont cant
"""),
    "alive": frozenset(["alive", "safe", "fine"]),
}
WORD_FAMILY: Mapping[str, str] = {w: family for family, ws in WORDS.items() for w in ws}

# Multi-word cues on the folded sentence (regex fragments); each family has a prior below.
PHRASES: Mapping[str, tuple[str, ...]] = {
    "absence": (
        r"\b(?:have|has|had)\s+not\s+(?:yet\s+)?seen\s+(?:that|this|it|any|such|anything|evidence|signs?)\b",
        r"\b(?:we|i|they|he|she|it|washington|officials?)\s+(?:have|has|had)\s+not\s+(?:yet\s+)?seen\b",
        r"\b(?:haven't|hasn't|hadn't)\s+(?:yet\s+)?seen\b", r"\bno\s+(?:credible\s+|hard\s+|such\s+)?evidence\b",
        r"\bno\s+(?:sign|indication|proof|basis|truth)\b",
        r"\bnot\s+(?:backed|supported|substantiated|based)\s+(?:up\s+)?(?:by|on|with)\s+(?:any\s+)?"
        r"(?:evidence|facts|proof)\b",
        r"\bnot\s+(?:true|real|the\s+case|accurate|correct)\b",
        r"\bnothing\s+to\s+(?:it|suggest|indicate)\b", r"\b(?:is|was|are)n't\s+(?:true|real)\b",
        r"\bruled?\s+out\b", r"\bmade\s+up\b", r"\bset(?:ting)?\s+the\s+record\s+straight\b",
        r"\bpants\s+on\s+fire\b", r"\btoo\s+good\s+to\s+(?:check|be\s+true)\b", r"\bcasts?\s+doubts?\b",
        r"\braises?\s+doubts?\b", r"\bpours?\s+cold\s+water\b",
        r"\bshoot(?:s|ing)?\s+down\s+(?:[\w']+\s+){0,3}(?:claims?|reports?|rumou?rs?|story|stories|theory)\b",
        r"\bcall(?:s|ed|ing)?\s+(?!for\b|on\b|upon\b)(?:[\w']+\s+){0,7}(?:baseless|groundless|false|nonsense|a\s+lie|fake"
        r"|absurd|untrue|(?:a\s+|pure\s+)?fabrication|slander|a\s+smear|propaganda|disinformation)\b",
        r"\bplay(?:s|ed|ing)?\s+down\b", r"\bhit(?:s|ting)?\s+back\s+at\b",
        r"\bpush(?:es|ed|ing)?\s+back\s+(?:against|on)\b",
        r"\bturns?\s+out\s+(?:not|to\s+be\s+(?:fake|false|a\s+hoax))\b",
        r"\bno\s+such\s+thing\b", r"\bnot\s+by\b",
        r"^\W*no\s*[,:!.-]", r":\s*no\s*[,:!.-]", r"\b(?:fall|falls|fell|falling|fallen)\s+for\b",
        r"\bif\s+only\b", r"\b(?:probably|likely|almost\s+certainly)\s+(?:a\s+)?(?:hoax|fake|false)\b",
        r"\bnever\s+(?:happened|existed)\b",
        # A denial by ellipsis closing a clause: "Tehran says it has not."
        r"\b(?:says?|said|insists?|insisted|maintains?|maintained)\s+(?:that\s+)?(?:it|they|he|she|we|i)\s+"
        r"(?:has|have|had|did|does|do|is|are|was|were)(?:\s+not|n't)\s*[.;!]?[\"']?\s*$",
        r"\b(?:put|puts|putting)\s+(?:[\w']+\s+){0,4}to\s+rest\b",
        r"\bkill(?:s|ed)?\s+(?:[\w']+\s+){0,4}rumou?rs?\b",
    ),
    "no-comment": (
        r"\bdeclined?\s+(?:to\s+)?comment", r"\b(?:silent|silence)\s+(?:on|over|about)\b",
        r"\b(?:would|could|did)\s+not\s+(?:immediately\s+)?comment\b",
        r"\bno\s+(?:immediate\s+)?(?:comment|response|reply)\b", r"\bdid\s+not\s+(?:immediately\s+)?respond\b",
        r"\bcould\s+not\s+be\s+reached\b", r"\brefus(?:e|es|ed|ing)\s+to\s+(?:comment|confirm|deny|say)\b",
        r"\b(?:won't|will\s+not|wouldn't)\s+(?:say|confirm|deny|comment)\b",
        r"\bneither\s+confirm(?:ed)?\s+nor\s+den(?:y|ied)\b", r"\bwould\s+not\s+(?:deny|confirm|say)\b",
        r"\bdid\s+not\s+(?:deny|confirm)\b", r"\bdeclin(?:e|es|ed|ing)\s+to\s+(?:confirm|deny|say)\b",
        r"\bnot\s+(?:yet\s+)?(?:been\s+)?(?:confirmed|verified)\b",
        r"\bneither\s+(?:[\w'.-]+\s+){1,6}nor\s+(?:[\w'.-]+\s+){1,6}(?:commented|responded|replied)\b",
        r"\b(?:could|can|would)\s*(?:not|n't)\s+(?:yet\s+|immediately\s+|independently\s+)?confirm\b",
        r"\b(?:cannot|unable\s+to)\s+(?:yet\s+|immediately\s+|independently\s+)?confirm\b",
    ),
    "hedge-phrase": (
        r"\b(?:is|are|was|were)\s+(?:said|thought|believed|reported|alleged|rumou?red)\s+to\b",
        r"\bappears?\s+to\b", r"\bseems?\s+to\b", r"\bif\s+true\b", r"\bit\s+is\s+unclear\b", r"\bremains?\s+unclear\b",
        r"\blooking\s+into\b",
        r"\b(?:examin|investigat|review|study|studying|check|look(?:ing)?\s+into)\w*\s+(?:the\s+|these\s+)?"
        r"(?:reports?|claims?|allegations?|accusations?)\b",
        r"\bwarned?\s+(?:about|that|of)\b", r"\bquestions?\s+(?:over|about|raised)\b",
        r"\b(?:warn(?:s|ed|ing)?|urg(?:es|ed|ing)|caution(?:s|ed)?|press(?:es|ed)?)\s+(?:[\w'.-]+\s+){1,4}"
        r"(?:not\s+to|against)\b",
        r"\b(?:if|whether)\s+(?:[\w'.-]+\s+){1,4}(?:were|was)\s+(?:found|shown|proven|confirmed)\b",
        r"\bwithout\s+providing\s+evidence\b",
        r"\bcould\s+not\s+(?:be\s+)?(?:independently\s+)?verif",
        r"\bstop(?:s|ped|ping)?\s+short\s+of\b",
    ),
    "either-or": (
        r"\bor\s+(?:[\w'-]+\s+){0,2}(?:a\s+)?(?:hoax|fake|not|fiction|myth)\b",
        r"\b(?:hoax|fake|real|true)\s+or\s+(?:[\w'-]+\s+){0,2}(?:real|not|true|freak|hoax|fake)\b",
    ),
    "assert": (
        r"\bwe\s+have\s+evidence\b", r"\bevidence\s+(?:shows|showed|that)\b", r"\bcan\s+(?:reveal|confirm)\b",
        r"\bit'?s\s+official\b", r"\bproof\s+that\b", r"\bhas\s+been\s+confirmed\b", r"\bconfirmed\s+that\b",
        r"\b(?:is|was)\s+true\b", r"\breally\s+did\b",
    ),
}
PHRASE_PATTERNS: Mapping[str, re.Pattern[str]] = {family: re.compile("|".join(f"(?:{p})" for p in patterns))
                                                  for family, patterns in PHRASES.items()}
# What a cue means before any fitting: log-odds added to (corroborates, denies, discusses).
PRIORS: Mapping[str, tuple[float, float, float]] = {
    "phrase:absence": (-1.5, 2.5, 0.0),
    "phrase:no-comment": (-2.0, -2.0, 2.5),
    "phrase:hedge-phrase": (-1.0, -0.5, 1.5),
    "phrase:either-or": (-1.0, -2.0, 2.5),
    "phrase:assert": (1.5, -1.0, -0.5),
    "scope:negated-deny": (-0.5, -3.0, 2.0),
    "scope:negated-confirm": (-1.5, 0.0, 1.0),
    "scope:double-negation": (2.0, -3.5, 0.0),
    "scope:negated-claim": (-1.5, 2.0, -0.5),
    "scope:rejects-report": (-1.5, 2.0, -0.5),
    "scope:negated-predicate": (-1.0, 1.5, -0.5),
    "scope:epistemic": (-1.5, -0.5, 1.5),
    "speaker:negates": (-1.5, 1.5, -0.5),
    "speaker:rejects": (-2.0, 2.0, 0.0),
    "speaker:accuses": (2.0, -1.0, -1.0),
    "claim:denies": (-1.5, 3.0, 0.0),
    "claim:corroborates": (2.5, -1.5, 0.0),
    "claim:discusses": (-1.0, -1.0, 2.0),
}
_DENY_NOUNS = wordset("""
denial denials denying hoax hoaxes lie lies myth myths fake falsehood
""")
# Nouns naming a counter-claim: rejecting one upholds the claim ("rejected China's denial"). A hoax-like noun
# does so only as the content of what is rejected ("dismissed claims it was a hoax"); "debunked the hoax"
# and "dismissed as a hoax" are denials.
_COUNTER_NOUNS = wordset("""
denial denials denying
""")
_REPORTED = wordset("""
claims claim reports report suggestions rumours rumors allegations that
""")
# Hedges that put the claim itself in doubt, whatever else the sentence says ("alleged audio", "reportedly").
_EPISTEMIC = wordset("""
alleged allegedly purported purportedly reportedly unconfirmed unverified rumored rumoured supposedly
apparently apparent
""")
_TRUTH = frozenset(["true", "real", "accurate", "correct"])
# What a rejection is aimed at when it rejects the claim as reported ("rebuffs rumours", "rumours debunked").
_REPORT_NOUNS = wordset("""
claim claims report reports rumor rumors rumour rumours allegation allegations accusation accusations suggestion
suggestions story stories speculation
""")
_NEGATORS = WORDS["negation"]
_DENY_VERBS = wordset("""
deny denies denied denying reject rejects rejected dismiss dismisses dismissed refute refutes refuted debunk
debunks debunked rebuff rebuffs rebuffed dispel dispels dispelled quash quashes quashed dismissing rejecting
refuting rebuffing quashing downplays downplayed downplaying rebut rebuts rebutted rebutting
""")


@dataclass(frozen=True)
class Cue:
    """A stance cue in a sentence: token range (sentence-relative), the feature it sets and its text."""

    first: int
    last: int
    feature: str
    text: str


def word_cues(tokens: Sequence[str], claim_positions: frozenset[int], reach: int = 4) -> list[Cue]:
    """Single-word cues with negation scope and double negation resolved (tokens are folded words; `reach`:
    how many words after a negator it negates, more where a word is one character)."""
    cues: list[Cue] = []
    consumed: set[int] = set()
    for index, word in enumerate(tokens):
        token = word
        family = WORD_FAMILY.get(token)
        if family is None and "-" in token:
            # "Fake-News", "Twitter-Trolled": a hyphenated word carries the denial of its parts.
            token = next((part for part in token.split("-") if WORD_FAMILY.get(part) == "deny"), token)
            family = WORD_FAMILY.get(token)
        if family is None or index in consumed or (word, tokens[index - 1:index]) == ("states", ["united"]):
            continue  # "the United States" reports nothing
        window = tokens[max(0, index - 3):index]
        negated = any(w in _NEGATORS or w.endswith("n't") for w in window)
        if family == "deny" and negated:
            cues.append(Cue(index, index + 1, "scope:negated-deny", token))
            continue
        if family == "confirm" and negated and token in _TRUTH:
            cues.append(Cue(index, index + 1, "family:deny", token))  # "not true", "isn't real"
            continue
        if family == "confirm" and negated:
            cues.append(Cue(index, index + 1, "scope:negated-confirm", token))
            continue
        if family == "deny" and token in _DENY_VERBS:
            following = tokens[index + 1:index + 5]
            governed = _governed_counter_claim(tokens, index)
            if governed and following[:1] not in (["that"], ["it"], ["they"]):
                consumed.add(governed[0])
                text = " ".join(tokens[index:governed[0] + 1])
                cues.append(Cue(index, governed[0] + 1, "scope:double-negation", text))
                continue
        if family == "deny" and _rejects_report(tokens, index):
            cues.append(Cue(index, index + 1, "scope:rejects-report", token))
        if token in _EPISTEMIC:
            cues.append(Cue(index, index + 1, "scope:epistemic", token))
        scoped = _negation_scope(tokens, index, claim_positions, reach) if family == "negation" else None
        if scoped is not None:
            cues.append(scoped)
        cues.append(Cue(index, index + 1, f"family:{family}", token))
        cues.append(Cue(index, index + 1, f"word:{token}", token))
    return cues


def _negation_scope(tokens: Sequence[str], index: int, claim_positions: frozenset[int], reach: int = 4
                    ) -> Cue | None:
    """What a negator negates: the claim's words after it, or the predicate after the claim's subject."""
    token = tokens[index]
    if tokens[index + 1:index + 2] == ["to"]:
        return None  # "warned China not to send weapons": an instruction or an intention, no statement of fact
    if any(i in claim_positions for i in range(index + 1, min(len(tokens), index + reach + 1))):
        return Cue(index, index + 1, "scope:negated-claim", token)
    if token not in ("no", "without", "nor", "neither") and any(
            i in claim_positions for i in range(max(0, index - 3), index)):
        # The claim's subject, then its predicate denied: "Paul Rudd is not the hero", "X not dead".
        return Cue(index, index + 1, "scope:negated-predicate", token)
    return None


def _rejects_report(tokens: Sequence[str], index: int) -> bool:
    """A deny word aimed at the reports of the claim: "rebuffs rumours that ...", "rumours of X debunked"."""
    if tokens[index] not in _DENY_VERBS or (index > 0 and tokens[index - 1] in ("or", "to", "nor")):
        return False  # "refuses to confirm or deny reports" is no denial
    if _REPORT_NOUNS.intersection(tokens[index + 1:index + 4]):
        return True
    return tokens[index].endswith("ed") and bool(_REPORT_NOUNS.intersection(tokens[max(0, index - 6):index]))


def _governed_counter_claim(tokens: Sequence[str], verb: int) -> list[int]:
    """Positions of counter-claim nouns a deny verb governs ("rejected China's denial").

    A denial noun counts within four words. A hoax-like noun counts only as the content of a reported claim
    ("dismissed claims it was a hoax", "denies hoax claims"), never as the verdict ("dismissed as a hoax",
    "debunked the hoax").
    """
    found: list[int] = []
    for i in range(verb + 1, min(len(tokens), verb + 7)):
        word = tokens[i]
        if word in _COUNTER_NOUNS and i <= verb + 4:
            found.append(i)
        elif word in _DENY_NOUNS and "as" not in tokens[max(verb + 1, i - 2):i]:
            reported_before = bool(_REPORTED.intersection(tokens[verb + 1:i]))
            reported_after = i <= verb + 4 and i + 1 < len(tokens) and tokens[i + 1] in _REPORTED
            if reported_before or reported_after:
                found.append(i)
    return found


@functools.lru_cache(maxsize=1 << 12)
def _built_in_phrases(folded_sentence: str, language: Language = Language.EN) -> tuple[tuple[int, int, str], ...]:
    """The built-in phrase cues of a sentence, the English ones and those of its language (memoised: a
    sentence read for several claims is searched once)."""
    found = [(m.start(), m.end(), f"phrase:{family}") for family, pattern in PHRASE_PATTERNS.items()
             for m in pattern.finditer(folded_sentence)]
    if language != Language.EN:
        found.extend((m.start(), m.end(), f"phrase:{family}") for family, pattern in
                     phrase_patterns(language).items() for m in pattern.finditer(folded_sentence))
    return tuple(found)


def phrase_cues(folded_sentence: str, extra: Mapping[str, tuple[str, ...]], language: Language = Language.EN
                ) -> list[tuple[int, int, str]]:
    """Multi-word cues as (start, end, feature) character ranges of the folded sentence.

    `extra` maps a stance ("corroborates", "denies", "discusses") to the claim's own folded phrases.
    """
    found = list(_built_in_phrases(folded_sentence, language))
    for stance, phrases in extra.items():
        for phrase in phrases:
            for m in re.finditer(rf"\b{re.escape(phrase)}\b", folded_sentence):
                found.append((m.start(), m.end(), f"claim:{stance}"))
    return found
