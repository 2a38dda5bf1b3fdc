"""The matcher: RuleSet + item text -> matches, one per (claim, speaker), each with its explanation.

Contract of `Matcher.match(title, text)`:

- the item is normalised once and scanned once by the candidate index (cost grows with the text);
- a candidate claim is *relevant* when at least one of its sentences is about it on its own (keyphrase, or
  anchor plus content words, or a close fuzzy match of the statement); for claims built from a bare
  statement the fitted relatedness model must agree as well;
- a claim whose rule names subject actors needs one of them in the item (exact or fuzzy alias): Russian
  drones over Kharkiv are not "China is supplying lethal aid to Russia". A sentence is about such a claim on
  its own only when the subject is near the claim's words: in the same sentence, or in the headline;
- sentences that only point back ("We have not seen that to date", "no comment on the claims"), or that
  repeat the claim without its subject, inherit relevance from a relevant (or inheriting) sentence at most
  two sentences before when they carry a stance cue; a sentence right before a relevant one inherits it when
  it carries one of the claim's own cue phrases ("Seoul said it saw no unusual signs. A report had said Kim
  ...");
- in an article body (BODY_SENTENCES or more), a sentence counts on its own only as part of a passage that
  also names one of the claim's objects (the sentence and its neighbours, or the headline), and a subject
  named only in the headline counts for the lead alone; relatedness is read by the body model from the
  best passage and the lead (`score.passage_features`), the headline also on its own;
- every relevant sentence gets a speaker (`speaker.py`) and a stance, each clause of a turning sentence its
  own ("X denies ..., but Y insists ..."); a quoted speaker who turns ('"They deny it, but ...," X said')
  is read from the turn on, and a speaker quoted inside another's quotation from the inner quotation, when
  that names the claim; sentences are grouped by speaker
  actor and each group yields one `Match` (label = argmax of the group's mean stance probabilities).
  Unattributed sentences (and the headline without attribution) form the UNATTRIBUTED group, read in the
  outlet view; attributed ones are read in the speaker view (see `stance.py`).

So the seed article yields a corroboration by uk-defence-secretary, a denial by
us-national-security-adviser and at most a `discusses` for China's embassy. `classify` gives the single
item-level label `claimwatch evaluate` needs: the outlet view of the headline (weight `title_weight`) and
the relevant body sentences, averaged, except that a body sentence denying the claim with probability
>= DECISIVE_DENIAL makes the item a denial (articles that restate a claim and then report it refuted); an
article body gets the fitted verdict over its passages and cues instead (`verdict.py`).
`explain` returns an Explanation whether or not the item matches.

Items in other languages (`language.py`: declared, else detected) are read with the same models: their cue
words are read as the English ones (`lexicon.py`), Chinese character by character, Cyrillic and Arabic words
by their stems; a claim's `keyphrases_by_language` count in such items only, never in English ones.

Matchers built with `lenient=True` (`Matcher.for_statement`, used by `claimwatch evaluate`) make every
claim a candidate and let the fitted relatedness model decide.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from monitor.matching.assessment import Assessment, TrainingView, Unit
from monitor.matching.cues import WORD_FAMILY
from monitor.matching.derive import ClaimProfile, actor_table, compile_claim
from monitor.matching.explanation import explain_assessment, folded_start, passage, span
from monitor.matching.index import CandidateIndex, Scan
from monitor.matching.language import Language
from monitor.matching.model import UNATTRIBUTED, Claim, Explanation, Label, Match, RuleSet, Span, Stance
from monitor.matching.normalize import Doc, Sentence, fold, fold_item, normalize, normalize_folded
from monitor.matching.passages import has_body, own_passages, relatedness_features
from monitor.matching.score import (
    SentenceEvidence,
    clause_evidence,
    empty_evidence,
    is_relevant,
    passage_features,
    sentence_evidence,
    with_fuzzy,
)
from monitor.matching.speaker import ItemSpeakers, Speaker, inner_quotation
from monitor.matching.stance import ACCUSING, STANCES, UnitCues, speaker_features, unit_features
from monitor.matching.text import wordset
from monitor.matching.verdict import body_cues, claim_cues, item_features
from monitor.matching.weights import Models, default_models

DECISIVE_DENIAL = 0.6
_REFERRING_NOUNS = wordset("""
claim claims claimed assertion assertions allegation allegations report reports accusation accusations suggestion
remarks comments story rumor rumour rumors rumours charge charges assessment assessments
""")
_CLAIM_CUES = ("claim:denies", "claim:corroborates")
# A statement about the future ("Apple will release ...", "X plans to ...").
_FUTURE = re.compile(r"\b(?:will|would|could|may|might|plans?|planning|going\s+to|to\s+be|soon)\b")
# A statement that is itself a report ("a priest ... says he met God").
_REPORTING = re.compile(r"\b(?:says?|said|claims?|claimed|tells|told|reports?|reported|insists|insisted)\b")
# Cues that carry a stance without naming the claim: the analyst's own cue phrases of the claim ("no unusual
# signs") among them.
_INHERITING_CUES = ("phrase:absence", "phrase:no-comment", "family:deny", "phrase:assert", "scope:negated-deny",
                    "claim:denies", "claim:corroborates")


class Matcher:
    """Compiled once per RuleSet (or per bare statement); `match`, `explain` and `classify` are pure."""

    def __init__(self, ruleset: RuleSet, models: Models | None = None, *, lenient: bool = False):
        self.ruleset = ruleset
        self.models = models or default_models()
        self.lenient = lenient
        table = actor_table(ruleset.actors)
        self.profiles = tuple(compile_claim(claim, table) for claim in ruleset.claims)
        self._by_id = {p.id: i for i, p in enumerate(self.profiles)}
        self._future = {p.id: bool(_FUTURE.search(p.statement)) for p in self.profiles}
        self._reported = {p.id: bool(_REPORTING.search(p.statement)) for p in self.profiles}
        self._subjects = {p.id: frozenset(a for a in p.claim.subjects if a in p.anchors) for p in self.profiles}
        self._objects = {p.id: frozenset(a for a in p.claim.objects if a in p.anchors) for p in self.profiles}
        self.index = CandidateIndex(self.profiles, ruleset.actors, lenient=lenient)
        self._cues: dict[str, dict[str, tuple[str, ...]]] = {
            p.id: {stance: tuple(fold(c) for c in getattr(p.claim.cues, stance)) for stance in STANCES}
            for p in self.profiles
        }

    @classmethod
    def for_statement(cls, statement: str, models: Models | None = None, claim_id: str = "claim") -> Matcher:
        """A matcher for one bare statement (what `claimwatch evaluate` builds)."""
        return cls(RuleSet((Claim(claim_id, statement),)), models, lenient=True)

    def match(self, title: str, text: str = "", language: str | None = None) -> list[Match]:
        """Every (claim, speaker) match of one item, most confident first (`language`: what the item or its
        feed declares; detected from the text otherwise)."""
        folded = fold_item(title, text)
        if self.index.rules_out(folded):
            return []  # names none of the claims' anchors: no candidate (most items)
        doc = normalize_folded(folded, language)
        scan = self.index.scan(doc)
        speakers = ItemSpeakers(doc, scan, self.ruleset.actors)  # shared by the claims, resolved on demand
        matches: list[Match] = []
        for claim_index in scan.candidates:
            subjects = self._subjects[self.profiles[claim_index].id]
            if subjects and not any(a in scan.anchors for a in subjects):
                continue  # names none of the claim's subjects: not relevant, nothing to assess
            assessment = self._assess(doc, scan, self.profiles[claim_index], True, speakers, all_units=False)
            if assessment.relevant:
                matches.extend(self._matches(doc, assessment))
        matches.sort(key=lambda m: (-m.score, m.claim_id, m.speaker))
        return matches

    def explain(self, claim_id: str, title: str, text: str = "") -> Explanation:
        """Why the item matches the claim, or why not (also for items that are not candidates)."""
        return self._explanation(*self._assess_one(claim_id, title, text))

    def classify(self, claim_id: str, title: str, text: str = "") -> tuple[Label, float, Explanation]:
        """The item-level label (outlet view) for one claim, its confidence and the explanation."""
        doc, assessment = self._assess_one(claim_id, title, text)
        return (*self._label(doc, assessment), self._explanation(doc, assessment))

    def label(self, claim_id: str, title: str, text: str = "") -> tuple[Label, float]:
        """The item-level label and its confidence, without the explanation (`claimwatch evaluate`)."""
        return self._label(*self._assess_one(claim_id, title, text, all_units=False))

    def training_view(self, claim_id: str, title: str, text: str = "") -> TrainingView:
        """What the fitter needs: relatedness features and the outlet-view stance features of the units.

        When no sentence qualifies as a unit, the headline (or first sentence) stands in, so every gold
        related pair contributes to the stance fit.
        """
        doc, assessment = self._assess_one(claim_id, title, text)
        units = [(dict(u.cues.features), self._unit_weight(u)) for u in assessment.units]
        if not units:
            first = doc.sentences[0]
            item = next((e for e in assessment.evidence if e.sentence.index == 0), empty_evidence(first))
            units = [(dict(self._unit_cues(doc, assessment.profile, item).features),
                      self.models.title_weight if first.is_title else 1.0)]
        body = has_body(doc)
        return TrainingView(assessment.candidate, dict(assessment.relevance_features), units, body,
                            body_cues(doc) if body else {})

    # -- internals -------------------------------------------------------------------------------------

    def _assess_one(self, claim_id: str, title: str, text: str, *, all_units: bool = True
                    ) -> tuple[Doc, Assessment]:
        if claim_id not in self._by_id:
            raise KeyError(f"unknown claim id {claim_id!r}; known: {', '.join(sorted(self._by_id))}")
        claim_index = self._by_id[claim_id]
        doc = _normalized(title, text)
        scan = self.index.scan(doc)
        candidate = claim_index in scan.candidates
        assessment = self._assess(doc, scan, self.profiles[claim_index], candidate,
                                  ItemSpeakers(doc, scan, self.ruleset.actors), all_units=all_units)
        return doc, assessment

    def _assess(self, doc: Doc, scan: Scan, profile: ClaimProfile, candidate: bool,
                speakers: ItemSpeakers, *, all_units: bool = True) -> Assessment:
        """What the item says of one claim. `all_units=False` leaves out the units of a claim the item is not
        relevant to, which `match` drops anyway."""
        evidence = [with_fuzzy(doc, profile, e) for e in sentence_evidence(doc, scan, profile)]
        bearing = [is_relevant(e, profile) for e in evidence]
        probability, passed, features = self._relatedness(doc, profile, evidence, bearing)
        subjects = self._subjects[profile.id]
        named = not subjects or any(s in scan.anchors for s in subjects)
        candidate = candidate and named
        own = own_passages(evidence, bearing, subjects, self._objects[profile.id], has_body(doc))
        if profile.explicit_keyphrases:
            relevant = candidate and any(own)
        else:
            relevant = candidate and passed
            if relevant and not any(own):
                if not evidence:
                    evidence = [empty_evidence(doc.sentences[0])]
                    own, bearing = [False], [False]
                best = max(range(len(evidence)), key=lambda i: (len(evidence[i].positions), -i))
                own[best] = True
        reason = self._reason(profile, candidate, any(own), probability, named)
        if (not candidate and not any(own)) or (not relevant and not all_units):
            return Assessment(profile, candidate, relevant, probability, reason, tuple(evidence), (), features)
        by_index = {e.sentence.index: (e, b) for e, b in zip(evidence, bearing, strict=True)}
        own_indexes = {e.sentence.index for e, is_own in zip(evidence, own, strict=True) if is_own}
        units: list[Unit] = []
        last: int | None = None
        for sentence in doc.sentences:
            index = sentence.index
            known, carries = by_index.get(index, (None, False))
            inherited = index not in own_indexes
            # Sentences that point back at a relevant one ("We have not seen that"), or that repeat the claim
            # without its subject, inherit it when they carry a stance cue; a sentence just before a relevant
            # one when it carries one of the claim's own cue phrases ("X said it had detected no unusual
            # signs. Reports had said Kim ...").
            behind = last is not None and index - last <= 2 and (carries or _points_back(doc, sentence))
            if inherited and not behind and index + 1 not in own_indexes:
                continue
            item = known or empty_evidence(sentence)
            cues_outlet = self._unit_cues(doc, profile, item)
            if inherited and not any(f in cues_outlet.features for f in (_INHERITING_CUES if behind else _CLAIM_CUES)):
                continue
            last = index
            units.extend(self._sentence_units(doc, scan, item, profile=profile, cues_outlet=cues_outlet,
                                              clauses=speakers.clauses(index), inherited=inherited))
        return Assessment(profile, candidate, relevant, probability, reason, tuple(evidence), tuple(units),
                          features)

    def _sentence_units(self, doc: Doc, scan: Scan, item: SentenceEvidence, *, profile: ClaimProfile,
                        cues_outlet: UnitCues, clauses: Sequence[tuple[Sentence, Speaker]], inherited: bool
                        ) -> list[Unit]:
        """The units of one relevant sentence: one, or one per clause of a sentence that turns."""
        if len(clauses) == 1:
            speaker = clauses[0][1]
            # An inner speaker means the inner quotation ('"Shapps said, \'...,\' and nobody was surprised,"');
            # a speaker who turns inside the quotation ('"Beijing denies it, but the evidence shows ...,"
            # Shapps said') means what follows the turn; either when it names the claim.
            focus = None if speaker.actor == UNATTRIBUTED else (
                inner_quotation(doc, item.sentence, speaker) or doc.quoted_turn(item.sentence))
            part = clause_evidence(scan, item, focus) if focus is not None else None
            if part is not None and part.positions:
                item, cues_outlet = part, self._unit_cues(doc, profile, part)
            return _with_partners([self._unit(doc, item, cues_outlet, speaker, inherited)])
        # A sentence that turns ("..., but ...") gives each clause its own speaker and stance; a speaker who
        # turns within one sentence ("no sign of X, but that Y") means what follows the turn.
        parts: list[Unit] = []
        for clause, speaker in clauses:
            part = clause_evidence(scan, item, clause)
            cues = self._unit_cues(doc, profile, part)
            # A clause that names only actors ("Kanaani said the reports were part of a campaign, but ...") has
            # nothing of the claim to take a side on: no unit, rather than the stance model's default. (A bare
            # statement's anchors are its own words, not actors.)
            carries = part.keyphrases or part.content or (self.lenient and part.positions)
            if carries or any(f in cues.features for f in _INHERITING_CUES):
                if parts and parts[-1].speaker.actor == speaker.actor != UNATTRIBUTED:
                    parts.pop()
                parts.append(self._unit(doc, part, cues, speaker, inherited))
        return _with_partners(parts)

    def _unit(self, doc: Doc, item: SentenceEvidence, cues: UnitCues, speaker: Speaker, inherited: bool) -> Unit:
        """A unit read in the outlet view and, when somebody is quoted, in the speaker view."""
        stance = self.models.stance
        outlet = stance.probabilities(cues.features)
        spoken = outlet
        if speaker.actor != UNATTRIBUTED:
            spoken = stance.probabilities(speaker_features(cues.features, _attributing_verb(doc, speaker)))
        return Unit(item.sentence, speaker, outlet, spoken, cues, inherited)

    def _relatedness(self, doc: Doc, profile: ClaimProfile, evidence: Sequence[SentenceEvidence],
                     bearing: Sequence[bool]) -> tuple[float, bool, dict[str, float]]:
        """P(related), whether it clears the model's threshold, and the features it was read from.

        An item with an article body is judged by the body model, on its passages and lead; its headline is
        also judged on its own by the headline model, and either may find the item related.
        """
        body = has_body(doc)
        model = self.models.relevance_for(body)
        features = relatedness_features(doc, profile, evidence, bearing, model)
        if body:
            features.update(passage_features(doc, profile, evidence, model))
        probability = model.probability(features)
        passed = probability >= model.threshold
        if body and not passed and doc.sentences[0].is_title:
            pairs = [(e, b) for e, b in zip(evidence, bearing, strict=True) if e.sentence.is_title]
            headline = self.models.relevance
            alone = headline.probability(relatedness_features(
                doc, profile, [e for e, _ in pairs], [b for _, b in pairs], headline))
            if alone >= headline.threshold:
                return alone, True, features
        return probability, passed, features

    def _label(self, doc: Doc, assessment: Assessment) -> tuple[Label, float]:
        if not assessment.relevant or not assessment.units:
            return "unrelated", round(1.0 - assessment.relevance, 4)
        outlets = [u.outlet for u in assessment.units]
        weights = [self._unit_weight(u) for u in assessment.units]
        if self.models.body_item is not None and self.models.body_stance is not None and has_body(doc):
            # The verdict reads the passages with the stance model fitted on article bodies.
            passages = [self.models.body_stance.probabilities(u.cues.features) for u in assessment.units]
            verdict = self.models.body_item.probabilities(
                item_features(passages, weights, body_cues(doc), claim_cues(assessment.profile.statement)))
            label = max(STANCES, key=lambda s: verdict[s])
            return label, round(verdict[label], 4)
        probabilities = self._combine(outlets, weights)
        label = max(STANCES, key=lambda s: probabilities[s])
        denial = max(u.outlet["denies"] for u in assessment.units)
        if len(assessment.units) > 1 and label != "denies" and denial >= DECISIVE_DENIAL:
            # An article that restates a claim and then reports it refuted is a denial.
            return "denies", round(denial, 4)
        return label, round(probabilities[label], 4)

    @staticmethod
    def _reason(profile: ClaimProfile, candidate: bool, own: bool, probability: float, named: bool) -> str:
        if not named:
            return "not a candidate: the item names none of the claim's subjects"
        if not candidate:
            return ("not a candidate: the item does not name one of the claim's anchors together with a "
                    "keyphrase or content word of its statement")
        if not own:
            return "candidate, but no sentence is about the claim on its own"
        return f"relevant sentences found; relatedness {probability:.2f}"

    def _unit_cues(self, doc: Doc, profile: ClaimProfile, item: SentenceEvidence) -> UnitCues:
        sentence = item.sentence
        folded = doc.folded[sentence.start:sentence.end]
        tokens = [(t.start - sentence.start, t.end - sentence.start, t.text) for t in doc.sentence_tokens(sentence)]
        positions = frozenset(i - sentence.first_token for i in item.positions)
        coverage = len(item.content) / max(1, len(profile.content))
        anchor_coverage = len(item.anchors) / max(1, len(profile.anchors)) if profile.anchors else coverage
        return unit_features(folded, tokens, positions, coverage, anchor_coverage,
                             claim_negated=profile.negated, claim_future=self._future[profile.id],
                             claim_reported=self._reported[profile.id],
                             is_title=sentence.is_title, extra_cues=self._cues[profile.id], language=doc.language)

    def _unit_weight(self, unit: Unit) -> float:
        return self.models.title_weight if unit.sentence.is_title else 1.0

    @staticmethod
    def _combine(distributions: Sequence[Mapping[str, float]], weights: Sequence[float]) -> dict[str, float]:
        total = sum(weights) or 1.0
        return {s: sum(d[s] * w for d, w in zip(distributions, weights, strict=True)) / total for s in STANCES}

    def _matches(self, doc: Doc, assessment: Assessment) -> list[Match]:
        groups: dict[str, list[Unit]] = defaultdict(list)
        for unit in assessment.units:
            groups[unit.speaker.actor].append(unit)
        explanation = self._explanation(doc, assessment)
        matches: list[Match] = []
        for actor, units in groups.items():
            views = [u.spoken if actor != UNATTRIBUTED else u.outlet for u in units]
            probabilities = self._combine(views, [self._unit_weight(u) for u in units])
            label: Stance = max(STANCES, key=lambda s: probabilities[s])
            best = max(zip(units, views, strict=True), key=lambda uv: uv[1][label])[0]
            start, end = doc.to_original(best.sentence.start, best.sentence.end)
            quote = Span(start, end, doc.original[start:end].strip(), "quote", best.speaker.actor,
                         round(100 * probabilities[label], 1))
            speaker_spans = tuple(span(doc, a, b, kind, actor)
                                  for u in units for a, b, kind in u.speaker.evidence)
            own = Explanation(
                claim_id=assessment.profile.id, relevant=True, reason=explanation.reason,
                evidence=explanation.evidence,
                cues=tuple(c for c in explanation.cues if any(u.sentence.start <= folded_start(doc, c) <
                                                                u.sentence.end for u in units)),
                speaker_evidence=speaker_spans,
                stance_scores={s: round(p, 4) for s, p in probabilities.items()},
                passages=tuple(passage(doc, u) for u in units),
            )
            matches.append(Match(assessment.profile.id, label, round(probabilities[label], 4), actor,
                                 units[0].speaker.affiliation, quote, own, best.speaker.clear))
        return matches


    def _explanation(self, doc: Doc, assessment: Assessment) -> Explanation:
        stance: dict[str, float] = {}
        if assessment.units:
            stance = self._combine([u.outlet for u in assessment.units],
                                   [self._unit_weight(u) for u in assessment.units])
        return explain_assessment(doc, assessment, stance)

def _attributing_verb(doc: Doc, speaker: Speaker) -> str:
    """The verb that attributes a unit to its speaker. An accusation is the speaker's own assertion in the
    active voice, in English ("Kyiv accused Russia of ..."), French and Spanish ("Washington accuse la Chine
    de ...", "Kiev acusa a Rusia de ..."): not in a headline's participle ("China accused of arming Russia", "la
    Chine accusée de ..."), nor in the other languages, whose impersonal forms ("Китай обвиняют") read as it."""
    for start, end, kind in speaker.evidence:
        if kind.startswith("attribution:"):
            verb = kind.removeprefix("attribution:")
            return "" if verb in ACCUSING and not _accusation_asserts(doc, start, end) else verb
    return ""


# The active forms of "accuse" that assert in French and Spanish (folded); nouns ("accusations") and
# participles ("accusée de") do not.
_ACCUSING_FORMS = {Language.FR: frozenset(["accuse", "accusent"]),
                   Language.ES: frozenset(["acusa", "acusan", "acuso", "acusaron"])}


def _accusation_asserts(doc: Doc, start: int, end: int) -> bool:
    """Whether the accusing verb at folded offsets start-end is its speaker's assertion: active, and not a
    participle followed by its charge ("accused of", "accusé de")."""
    if doc.language == Language.EN:
        return doc.folded[end:end + 4] != " of "
    forms, words = _ACCUSING_FORMS.get(doc.language, frozenset()), doc.folded[start:end].split()
    return bool(words) and words[-1] in forms and not doc.folded[end:end + 4].startswith((" de ", " d'"))


def _with_partners(units: list[Unit]) -> list[Unit]:
    """The units, each followed by the same unit for every name that speaks with its speaker ("Tehran and
    Moscow deny ...": both deny)."""
    return [shared for unit in units
            for shared in (unit, *(replace(unit, speaker=partner) for partner in unit.speaker.partners))]


# One item is often read against several claims in a row (`evaluate`, `rules explain` then `match`): keep
# the last few normalised (a pure function of its arguments, so the cache changes nothing but speed).
_normalized = functools.lru_cache(maxsize=64)(normalize)


# Pronouns point back only as objects or subjects of their own clause ("we have not seen that to date", "it is
# false"), not as a relative or complement "that" ("a peace plan that Kyiv dismissed").
_POINTERS = frozenset(["that", "this", "it"])
_AFTER_POINTER = frozenset(["to", "as", "on", "at", "in", "either", "yet", "outright", "again", "was", "is", "were",
                            "are", "has", "had", "for", "from", "until", "so", "too"])


def _points_back(doc: Doc, sentence: Sentence) -> bool:
    """Whether a sentence points at something said before: a referring noun ("the claims", "the assertion")
    or a pronoun used as one ("We have not seen that to date")."""
    tokens = doc.sentence_tokens(sentence)
    for position, token in enumerate(tokens):
        if token.text in _REFERRING_NOUNS:
            return True
        if token.text in _POINTERS:
            if token.text != "that" and position and WORD_FAMILY.get(tokens[position - 1].text) == "deny":
                return True  # "Tehran denied it the same day", "Moscow rejected this"
            after = tokens[position + 1] if position + 1 < len(tokens) else None
            gap = doc.folded[token.end:after.start] if after is not None else ""
            if after is None or after.text in _AFTER_POINTER or any(c in gap for c in ',.;:!?"'):
                return True
    return False
