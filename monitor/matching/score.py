"""Fuzzy evidence scoring: which sentences of an item are about a claim, and how strongly the item is.

Exact evidence comes from the index (anchors, keyphrases, content stems per sentence). rapidfuzz adds what
exact search misses: `token_set_ratio` of the statement against each sentence (reordered and paraphrased
statements) and `partial_ratio_alignment` for the best-aligned stretch, snapped to word boundaries. The
item-level relatedness is a small logistic model over these figures (weights.json, `relevance`).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from monitor.matching.derive import ClaimProfile
from monitor.matching.index import Hit, Scan
from monitor.matching.language import Language
from monitor.matching.normalize import Doc, Sentence
from monitor.matching.text import content_stems


@dataclass(frozen=True)
class SentenceEvidence:
    """What one sentence says of one claim."""

    sentence: Sentence
    anchors: frozenset[str]
    keyphrases: frozenset[str]
    content: frozenset[str]
    positions: frozenset[int]
    hits: tuple[Hit, ...]
    fuzzy: float = 0.0


@dataclass(frozen=True)
class RelevanceModel:
    """Logistic relatedness model: bias, feature weights, decision threshold and content-word weights."""

    bias: float
    weights: Mapping[str, float]
    threshold: float
    idf: Mapping[str, float]
    default_idf: float = 1.0

    def probability(self, features: Mapping[str, float]) -> float:
        """P(related) for an item's relevance features."""
        total = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))

    def weight(self, content_stem: str) -> float:
        """How telling a content word is (rare across claims: close to 1)."""
        return self.idf.get(content_stem, self.default_idf)


def sentence_evidence(doc: Doc, scan: Scan, profile: ClaimProfile) -> list[SentenceEvidence]:
    """The sentences that name the claim at all, in order, with its anchors, keyphrases and content words.

    Cost follows the claim's own evidence in the item (hits and positions looked up), not the item length.
    """
    anchors: dict[int, set[str]] = defaultdict(set)
    keys: dict[int, set[str]] = defaultdict(set)
    content: dict[int, set[str]] = defaultdict(set)
    positions: dict[int, set[int]] = defaultdict(set)
    hits: dict[int, list[Hit]] = defaultdict(list)
    where = scan.token_sentence
    for anchor in profile.anchors:
        for hit in scan.anchors.get(anchor, ()):
            index = where[hit.first_token]
            anchors[index].add(anchor)
            positions[index].update(range(hit.first_token, hit.last_token))
            hits[index].append(hit)
    # A keyphrase of another language is no evidence in an English item: French "armes" is not English "arms".
    foreign = profile.foreign_keyphrases if doc.language == Language.EN else frozenset()
    for phrase in profile.keyphrases:
        if phrase in foreign:
            continue
        for hit in scan.keyphrases.get(phrase, ()):
            index = where[hit.first_token]
            keys[index].add(phrase)
            positions[index].update(range(hit.first_token, hit.last_token))
            hits[index].append(hit)
    for word in profile.content:
        found = scan.stem_positions.get(word, ())
        if not found and len(word) >= 3 and word.isalpha():
            # A claim word inside a compound or blend of the item ("crab" in "crabzilla", "boy" in "x-boy").
            found = doc.compounds.find(word)
        for token in found:
            index = where[token]
            content[index].add(word)
            positions[index].add(token)
    return [
        SentenceEvidence(doc.sentences[i], frozenset(anchors.get(i, ())), frozenset(keys.get(i, ())),
                         frozenset(content.get(i, ())), frozenset(positions[i]), tuple(hits.get(i, ())))
        for i in sorted(positions)
    ]


def clause_evidence(scan: Scan, item: SentenceEvidence, clause: Sentence) -> SentenceEvidence:
    """A sentence's evidence restricted to one of its clauses."""
    inside = range(clause.first_token, clause.last_token)
    positions = frozenset(p for p in item.positions if p in inside)
    stems = {scan.token_stems[p] for p in positions}
    return SentenceEvidence(
        clause,
        frozenset(a for a in item.anchors if any(h.first_token in inside for h in scan.anchors.get(a, ()))),
        frozenset(k for k in item.keyphrases if any(h.first_token in inside for h in scan.keyphrases.get(k, ()))),
        frozenset(c for c in item.content if c in stems),
        positions,
        tuple(h for h in item.hits if h.first_token in inside),
        item.fuzzy,
    )


def empty_evidence(sentence: Sentence) -> SentenceEvidence:
    """Evidence for a sentence that names nothing of the claim."""
    return SentenceEvidence(sentence, frozenset(), frozenset(), frozenset(), frozenset(), ())


def with_fuzzy(doc: Doc, profile: ClaimProfile, evidence: SentenceEvidence) -> SentenceEvidence:
    """The evidence with its sentence's token_set_ratio against the statement filled in."""
    text = doc.folded[evidence.sentence.start:evidence.sentence.end]
    score = fuzz.token_set_ratio(profile.statement, text) if evidence.positions else 0.0
    return SentenceEvidence(evidence.sentence, evidence.anchors, evidence.keyphrases, evidence.content,
                            evidence.positions, evidence.hits, score)


def is_relevant(evidence: SentenceEvidence, profile: ClaimProfile) -> bool:
    """Whether a sentence, on its own, is about the claim."""
    n_content = len(evidence.content)
    if profile.explicit_keyphrases:
        if evidence.keyphrases and (evidence.anchors or n_content or len(evidence.keyphrases) >= 2):
            # A lone one-word keyphrase ("drones") is the claim's predicate only beside its object, when it
            # has one: Chinese farm drones sold to Spain are not lethal aid to Russia.
            weak = not n_content and len(evidence.keyphrases) == 1 and " " not in next(iter(evidence.keyphrases))
            objects = frozenset(profile.claim.objects).intersection(profile.anchors)
            if not (weak and objects and objects.isdisjoint(evidence.anchors)):
                return True
        return (bool(evidence.anchors) and n_content >= 2) or evidence.fuzzy >= 85
    needed = max(2, math.ceil(0.4 * len(profile.content)))
    if evidence.anchors and (n_content or evidence.keyphrases):
        return True
    if not profile.anchors and (n_content >= needed or evidence.keyphrases):
        return True
    return evidence.fuzzy >= 80


def alignment(doc: Doc, profile: ClaimProfile, sentence: Sentence) -> tuple[int, int, float]:
    """Best-aligned stretch of a sentence for the statement (folded offsets, snapped to words) and its score."""
    text = doc.folded[sentence.start:sentence.end]
    found = fuzz.partial_ratio_alignment(profile.statement, text)
    if found is None:
        return sentence.start, sentence.start, 0.0
    start, end = snap(text, found.dest_start, found.dest_end)
    return sentence.start + start, sentence.start + end, found.score


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole words of `text` and trim surrounding spaces."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def relevance_features(
    doc: Doc, profile: ClaimProfile, evidences: Sequence[SentenceEvidence], model: RelevanceModel
) -> dict[str, float]:
    """Item-level relatedness features (all in [0, 1])."""
    content = set().union(*(e.content for e in evidences)) if evidences else set()
    anchors = set().union(*(e.anchors for e in evidences)) if evidences else set()
    keys = set().union(*(e.keyphrases for e in evidences)) if evidences else set()
    total_weight = sum(model.weight(c) for c in profile.content) or 1.0
    matched_weight = math.fsum(model.weight(c) for c in content)  # exact: a set's order must not matter
    best_tsr = max((e.fuzzy for e in evidences), default=0.0) / 100
    best = max(evidences, key=lambda e: (e.fuzzy, len(e.positions)), default=None)
    partial = 0.0
    if best is not None and best.positions:
        partial = fuzz.partial_ratio(profile.statement, doc.folded[best.sentence.start:best.sentence.end]) / 100
    features = {
        "weighted-coverage": matched_weight / total_weight,
        "coverage": len(content) / max(1, len(profile.content)),
        "content-count": min(len(content), 5) / 5,
        "max-weight": max((model.weight(c) for c in content), default=0.0),
        "anchor-coverage": len(anchors) / max(1, len(profile.anchors)),
        "anchor-any": 1.0 if anchors else 0.0,
        "no-anchors": 0.0 if profile.anchors else 1.0,
        "keyphrase-any": 1.0 if keys else 0.0,
        "token-set-ratio": best_tsr,
        "partial-ratio": partial,
    }
    features["weighted-coverage^2"] = features["weighted-coverage"] ** 2
    if profile.anchors:
        # Anchors weigh like content words: "James Wright Foley" tells more than "ISIS", which many claims name.
        weights = {a: _anchor_weight(model, a) for a in profile.anchors}
        features["anchor-weighted-coverage"] = math.fsum(weights[a] for a in anchors) / (sum(weights.values()) or 1.0)
        features["anchor-max-weight"] = max((weights[a] for a in anchors), default=0.0)
    # Word-family matches the stemmer misses ("castrated" / "castration"): shared five-letter prefixes.
    missing = [c for c in profile.content if c not in content and len(c) >= 5]
    if missing:
        prefixes = doc.stem_prefixes
        found = [c for c in missing if c[:5] in prefixes]
        features["prefix-coverage"] = math.fsum(model.weight(c) for c in found) / total_weight
    return features


PASSAGE_SENTENCES = 3
LEAD_SENTENCES = 4


def passage_features(doc: Doc, profile: ClaimProfile, evidences: Sequence[SentenceEvidence],
                     model: RelevanceModel) -> dict[str, float]:
    """Where an article body gathers the claim (all in [0, 1]): its best passage (PASSAGE_SENTENCES
    consecutive sentences), its lead, and how much of the body bears the claim at all.

    A long body accumulates distant mentions of a subject, an object and a keyphrase; only a passage that
    holds them together, or a lead that does, says the article is about the claim.
    """
    total = sum(model.weight(c) for c in profile.content) or 1.0
    anchor_weights = {a: _anchor_weight(model, a) for a in profile.anchors}
    anchor_total = sum(anchor_weights.values()) or 1.0

    def cover(group: Sequence[SentenceEvidence]) -> tuple[float, float, float]:
        content = set().union(*(e.content for e in group))
        anchors = set().union(*(e.anchors for e in group))
        words = math.fsum(model.weight(c) for c in content) / total  # exact, whatever the sets' order
        named = math.fsum(anchor_weights[a] for a in anchors) / anchor_total if profile.anchors else words
        return words, named, 1.0 if any(e.keyphrases for e in group) else 0.0

    best = (0.0, 0.0, 0.0)
    for position, first in enumerate(evidences):
        end = first.sentence.index + PASSAGE_SENTENCES
        group = [first]
        for later in evidences[position + 1:]:
            if later.sentence.index >= end:
                break
            group.append(later)
        found = cover(group)
        if found[0] + found[1] > best[0] + best[1]:
            best = found
    lead = cover([e for e in evidences if e.sentence.index < LEAD_SENTENCES])
    sentences = len(doc.sentences)
    bearing = sum(1 for e in evidences if len(e.content) >= 2 or (e.anchors and e.content))
    return {
        "passage-coverage": best[0],
        "passage-anchor-coverage": best[1],
        "passage-both": best[0] * best[1],
        "passage-keyphrase": best[2],
        "lead-coverage": lead[0],
        "lead-anchor-coverage": lead[1],
        "bearing-share": bearing / max(1, sentences),
        "bearing-count": min(bearing, 10) / 10,
    }


def _anchor_weight(model: RelevanceModel, anchor: str) -> float:
    """How telling an anchor is: the weight of its rarest word for a name the statement gave ("~isis"), the
    default weight for an actor of the catalogue."""
    if not anchor.startswith("~"):
        return model.default_idf
    return max((model.weight(s) for s in _name_stems(anchor[1:])), default=model.default_idf)


@functools.lru_cache(maxsize=1 << 14)
def _name_stems(name: str) -> tuple[str, ...]:
    """The content stems of a name (memoised: names repeat across every item)."""
    return tuple(content_stems(name))
