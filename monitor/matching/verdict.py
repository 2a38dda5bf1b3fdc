"""The stance of a whole article body toward a claim, for the item-level label (`claimwatch evaluate`).

A body that restates a claim and then debunks it, or that only reports it, says so across its passages
more than in any one of them. The verdict reads the claim-bearing passages' stances together (their mean
and their strongest) and how the body as a whole speaks: the share of its sentences with denial, hedge,
reporting, confirmation and negation words, and its denial and hedge phrases. A small linear model
(weights.json, `body_item`) turns that into the label.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence

from monitor.matching.cues import PHRASE_PATTERNS, WORD_FAMILY
from monitor.matching.normalize import Doc
from monitor.matching.score import LEAD_SENTENCES
from monitor.matching.stance import STANCES
from monitor.matching.text import words

FAMILIES = ("deny", "hedge", "report", "confirm", "negation")
PHRASE_FAMILIES = ("absence", "no-comment", "hedge-phrase", "assert")
CLAIM_FAMILIES = ("deny", "hedge", "negation", "report", "confirm")


def body_cues(doc: Doc) -> dict[str, float]:
    """How the body speaks as a whole: cue words and phrases per sentence (each in [0, 1])."""
    sentences = max(1, len(doc.sentences))
    counts = Counter(map(WORD_FAMILY.get, doc.tokens.texts))
    features: dict[str, float] = {}
    for family in FAMILIES:
        found = counts.get(family, 0)
        features[f"body:{family}-rate"] = min(1.0, found / sentences)
        features[f"body:{family}-any"] = 1.0 if found else 0.0
    for family, found in zip(PHRASE_FAMILIES, _phrase_counts(doc.folded), strict=True):
        features[f"body:{family}"] = min(1.0, found / 3)
    lead = doc.sentences[:LEAD_SENTENCES]
    lead_counts = Counter(map(WORD_FAMILY.get, doc.tokens.texts[:lead[-1].last_token])) if lead else Counter()
    for family in FAMILIES:
        features[f"lead:{family}-rate"] = min(1.0, lead_counts.get(family, 0) / max(1, len(lead)))
    return features


def claim_cues(statement: str) -> dict[str, float]:
    """What the claim itself says (folded statement): a claim that is a denial or a doubt ("... turns out
    not to have ...", "... is a hoax") is corroborated by a body that debunks."""
    counts = Counter(map(WORD_FAMILY.get, words(statement)))
    return {f"claim:{family}": 1.0 for family in CLAIM_FAMILIES if counts.get(family)}


@functools.lru_cache(maxsize=64)
def _phrase_counts(folded: str) -> tuple[int, ...]:
    """How often each of PHRASE_FAMILIES occurs in a body (memoised: a body is read against several claims,
    and the phrase search is the dearest part of the verdict)."""
    return tuple(len(PHRASE_PATTERNS[family].findall(folded)) for family in PHRASE_FAMILIES)


def item_features(units: Sequence[Mapping[str, float]], weights: Sequence[float], cues: Mapping[str, float],
                  claim: Mapping[str, float]) -> dict[str, float]:
    """The verdict's features: the passages' stance probabilities as the body stance model reads them
    (weighted mean and maximum), how many passages there are, the body's cues, and the body's denial cues read
    against a claim that denies."""
    total = sum(weights) or 1.0
    features = {f"units:{s}": sum(u[s] * w for u, w in zip(units, weights, strict=True)) / total
                for s in STANCES}
    features.update({f"units:max-{s}": max((u[s] for u in units), default=0.0) for s in STANCES})
    features["units:count"] = min(len(units), 10) / 10
    features.update(cues)
    for name, value in claim.items():
        features[name] = value
        for other in ("body:deny-rate", "body:hedge-rate", "units:denies", "units:corroborates"):
            features[f"{name}*{other}"] = value * features.get(other, 0.0)
    return features
