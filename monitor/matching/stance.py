"""Stance of one unit (a headline or a sentence) toward one claim: cue features and a linear model.

Features are the cues of `cues.py` (word families, the cue words themselves, scoped negation, phrases),
how much of the claim the unit repeats, questions, and where the unit attributes what it says. Two views:

- the *outlet* view (`unit_features`) reads the unit as the publication's own stance: "X says Y" only
  reports Y, so reporting verbs and trailing attributions count toward `discusses`;
- the *speaker* view (`speaker_features` of the same) reads the unit as what its speaker asserts: "Shapps
  said Beijing is sending lethal aid" is the speaker corroborating, so the reporting cues are dropped.

Scores are a multinomial logistic model: fitted weights (weights.json, written by monitor.matching.fit) plus
the fixed cue priors of `cues.PRIORS`. Pure Python at run time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from monitor.matching.cues import PRIORS, WORDS, phrase_cues, word_cues
from monitor.matching.language import Language
from monitor.matching.model import Stance

STANCES: tuple[Stance, ...] = ("corroborates", "denies", "discusses")
_ATTRIBUTION_END = re.compile(
    r"""[:,\-]\s*(?:[\w.'"]+\s+){0,4}(?:says?|said|reports?|reported|claims?|sources?|paper|monitor|media|"""
    r"""officials?|study|poll|analysts?|insiders?)\W*$""")
_CLAIM_REPORTED = "claim-reported:"
# Attributing verbs that put the speaker against what follows ("questioned", "was disputed by").
_REJECTING = frozenset(["questioned", "questions", "disputed", "disputes", "challenged", "challenges",
                        "contradicted", "contradicts"])
# Attributing verbs by which the speaker asserts what the outlet would only call an accusation ("Kyiv accuses
# Russia of using chemical weapons"); passives ("was accused by") are not among them.
ACCUSING = frozenset(["accuses", "accused", "alleges", "alleged"])
# How far a negator reaches where every character is a word (Chinese): about four words.
_CHARACTER_REACH = 12
_NEGATED_SCOPES = frozenset(["scope:negated-claim", "scope:negated-predicate"])
_REPORT_FEATURES = frozenset({"family:report", "attribution-end"} | {f"word:{w}" for w in WORDS["report"]})


@dataclass(frozen=True)
class LinearModel:
    """A multinomial linear model: per-feature weight vectors, one entry per label."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]
    priors: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def scores(self, features: Mapping[str, float]) -> list[float]:
        """Raw log-odds per label."""
        totals = list(self.bias)
        for name, value in features.items():
            for table in (self.weights, self.priors):
                vector = table.get(name)
                if vector is not None:
                    for i, weight in enumerate(vector):
                        totals[i] += weight * value
        return totals

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        """Softmax of the scores, keyed by label."""
        return softmax(self.labels, self.scores(features))


def softmax(labels: Sequence[str], scores: Sequence[float]) -> dict[str, float]:
    """Probabilities from log-odds."""
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return {label: e / total for label, e in zip(labels, exps, strict=True)}


def default_stance_priors() -> dict[str, tuple[float, ...]]:
    """The fixed cue priors as a model table (labels in STANCES order)."""
    return {name: tuple(vector) for name, vector in PRIORS.items()}


@dataclass(frozen=True)
class UnitCues:
    """A unit's features and the cues behind them (for explanations)."""

    features: Mapping[str, float]
    cues: tuple[tuple[int, int, str], ...]


def unit_features(
    folded: str,
    tokens: Sequence[tuple[int, int, str]],
    claim_positions: frozenset[int],
    coverage: float,
    anchor_coverage: float,
    *,
    claim_negated: bool = False,
    claim_future: bool = False,
    claim_reported: bool = False,
    is_title: bool = True,
    extra_cues: Mapping[str, tuple[str, ...]] | None = None,
    language: Language = Language.EN,
) -> UnitCues:
    """Stance features of one unit, in the outlet view.

    `folded` is the unit's folded text; `tokens` its words as (start, end, text) relative to `folded`;
    `claim_positions` the token indexes that name the claim (anchors, keyphrases, content words).
    When the claim is itself a report ("the priest says he met God"), reporting it is asserting it: the
    reporting cues become features of their own (`claim-reported:...`).
    The returned cue ranges are character offsets into `folded`. In another `language` the words are already
    read as English cue words (`lexicon.py`) and that language's phrase cues are added.
    """
    features: dict[str, float] = {}
    cue_ranges: list[tuple[int, int, str]] = []

    def add(name: str, value: float = 1.0) -> None:
        if claim_reported and (name in _REPORT_FEATURES or name == "prefix:report"):
            name = _CLAIM_REPORTED + name
        features[name] = features.get(name, 0.0) + value

    words = [t[2] for t in tokens]
    add("coverage", coverage)
    add("coverage^2", coverage * coverage)
    add("anchor-coverage", anchor_coverage)
    add("length", min(len(words), 40) / 40)
    if not is_title:
        add("body-sentence")
    if claim_future:
        # A claim about what will happen can be predicted or reported, rarely shown: news discusses it.
        add("claim-future")
    stripped = folded.rstrip(" \"')")
    if "?" in folded:
        add("question")
        if stripped.endswith("?"):
            add("question-end")
    if _ATTRIBUTION_END.search(folded):
        add("attribution-end")
    phrases = phrase_cues(folded, extra_cues or {}, language)
    # A negator inside a non-comment ("Neither Tehran nor the Kremlin responded") negates the comment, not the
    # claim's names after it.
    silent = [(start, end) for start, end, feature in phrases if feature == "phrase:no-comment"]
    cues = [cue for cue in word_cues(words, claim_positions, _CHARACTER_REACH if language == Language.ZH else 4)
            if cue.feature not in _NEGATED_SCOPES or not any(a <= tokens[cue.first][0] < b for a, b in silent)]
    for cue in cues:
        if claim_negated and cue.feature in ("family:negation", "scope:negated-claim"):
            add("claim-negated:" + cue.feature)
            continue
        add(cue.feature)
        if cue.feature.startswith(("family:", "scope:")):
            start, end = tokens[cue.first][0], tokens[cue.last - 1][1]
            cue_ranges.append((start, end, cue.feature))
    colon = folded.find(":")
    if 0 < colon < 40:
        for word in folded[:colon].split()[:3]:
            family = _family(word)
            if family:
                add(f"prefix:{family}")
    for start, end, feature in phrases:
        add(feature)
        cue_ranges.append((start, end, feature))
    return UnitCues(features, tuple(cue_ranges))


def speaker_features(features: Mapping[str, float], verb: str = "") -> dict[str, float]:
    """The speaker view of a unit's outlet-view features: its reporting cues dropped; a speaker who negates the
    claim's own words ("Mao Ning said China has never provided lethal weapons to Russia") or whose attributing
    verb rejects it ("was questioned by the White House", `verb` "questioned by") marked as denying it, one
    who accuses ("Kyiv accuses Russia of ...") as asserting it (`speaker:negates`, `speaker:rejects`,
    `speaker:accuses`: priors only, the speaker view is never fitted)."""
    spoken = {name: value for name, value in features.items()
              if name.removeprefix(_CLAIM_REPORTED) not in _REPORT_FEATURES}
    if "scope:negated-claim" in spoken or "scope:negated-predicate" in spoken:
        spoken["speaker:negates"] = 1.0
    if verb.split(" ", maxsplit=1)[0] in _REJECTING:
        spoken["speaker:rejects"] = 1.0
    elif verb in ACCUSING and "speaker:negates" not in spoken:
        spoken["speaker:accuses"] = 1.0
    return spoken


def _family(word: str) -> str | None:
    for family, members in WORDS.items():
        if word in members:
            return family
    return None
