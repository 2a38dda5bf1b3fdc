"""Where an item carries a claim: which sentences do on their own, whether the item has an article body, and the
item-level relatedness features the fitted models read.

A sentence carries a claim when it bears the claim's words and names one of its subjects; in an article body
it must also sit in a passage (the sentence and its neighbours) that names one of the claim's objects, and a
subject named only in the headline counts for the lead alone. Scattered mentions make no passage.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.matching.derive import ClaimProfile
from monitor.matching.normalize import Doc
from monitor.matching.score import LEAD_SENTENCES, RelevanceModel, SentenceEvidence, relevance_features
from monitor.matching.text import STOPWORDS

BODY_SENTENCES = 4


def own_passages(evidence: Sequence[SentenceEvidence], bearing: Sequence[bool], subjects: frozenset[str],
                 objects: frozenset[str], body: bool) -> list[bool]:
    """Which sentences carry the claim on their own: they bear its words and name one of its subjects (or the
    headline does, for a short item or a sentence of the lead); in an article body they also name one of its
    objects in the passage around them (the sentence and its neighbours) or in the headline.

    Other bearing sentences only carry the claim on from one of these; a long body's scattered mentions of a
    subject, an object and a keyphrase make no passage.
    """
    anchors = {e.sentence.index: e.anchors for e in evidence}
    headline = anchors.get(0, frozenset()) if evidence and evidence[0].sentence.is_title else frozenset()

    def named(wanted: frozenset[str], index: int, reach: int) -> bool:
        return not wanted or not wanted.isdisjoint(headline) or any(
            not wanted.isdisjoint(anchors.get(i, frozenset())) for i in range(index - reach, index + reach + 1))

    own = []
    for carries, e in zip(bearing, evidence, strict=True):
        index = e.sentence.index
        in_lead = not body or index < LEAD_SENTENCES
        subject = not subjects or not subjects.isdisjoint(e.anchors) or (in_lead and named(subjects, index, 0))
        own.append(carries and subject and (not body or named(objects, index, 1)))
    return own


def has_body(doc: Doc) -> bool:
    """Whether an item has an article body of its own (BODY_SENTENCES sentences or more besides the title)."""
    sentences = doc.sentences
    return len(sentences) - (1 if sentences[0].is_title else 0) >= BODY_SENTENCES


def relatedness_features(doc: Doc, profile: ClaimProfile, evidence: Sequence[SentenceEvidence],
                         bearing: Sequence[bool], model: RelevanceModel) -> dict[str, float]:
    """The item-level relatedness features of some sentences' evidence."""
    features = _with_interactions(relevance_features(doc, profile, evidence, model), profile, any(bearing))
    features["item-share"] = _item_share(doc, evidence)
    return features


def _with_interactions(features: dict[str, float], profile: ClaimProfile, bearing: bool) -> dict[str, float]:
    """Relatedness features the linear model cannot build itself: thresholds and conjunctions.

    Fuzzy ratios have a floor well above zero for any two English sentences, so only their excess over
    0.6 is used; a statement's named entities missing from the item weakens what its words share.
    """
    missing = 1.0 if profile.anchors and not features.get("anchor-any") else 0.0
    features["anchor-miss"] = missing
    features["anchor-miss*coverage"] = missing * features.get("weighted-coverage", 0.0)
    features["token-set-excess"] = max(0.0, features.pop("token-set-ratio", 0.0) - 0.6) / 0.4
    features["partial-excess"] = max(0.0, features.pop("partial-ratio", 0.0) - 0.6) / 0.4
    features["sentence-bears-claim"] = 1.0 if bearing else 0.0
    return features


def _item_share(doc: Doc, evidence: Sequence[SentenceEvidence]) -> float:
    """The share of the best sentence's content words that are the statement's (a long unrelated headline
    sharing one word with the claim scores low)."""
    best = max(evidence, key=lambda e: len(e.positions), default=None)
    if best is None:
        return 0.0
    stems = [doc.tokens.stems[i] for i in range(best.sentence.first_token, best.sentence.last_token)]
    content = [s for s in stems if s not in STOPWORDS and len(s) > 1]
    return min(1.0, len(best.positions) / max(1, len(content)))
