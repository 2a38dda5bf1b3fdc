"""An assessment as the analyst reads it: the spans of the item that made the claim relevant (names,
keyphrases, content words, the alignment with the statement), the stance cues, the speakers' evidence, the
passages and the scores (`Explanation`)."""

from __future__ import annotations

from collections.abc import Mapping

from monitor.matching.assessment import Assessment, Unit
from monitor.matching.index import Hit
from monitor.matching.model import Explanation, Span
from monitor.matching.normalize import Doc
from monitor.matching.score import alignment


def explain_assessment(doc: Doc, assessment: Assessment, stance: Mapping[str, float]) -> Explanation:
    """The explanation of an assessment; `stance` is its units' combined outlet view (empty without units)."""
    evidence: list[Span] = []
    seen: set[tuple[int, int, str]] = set()
    for item in assessment.evidence:
        for hit in item.hits:
            _add_hit(doc, hit, evidence, seen)
        for index in sorted(item.positions):
            token = doc.tokens[index]
            key = (token.start, token.end, "content")
            if token.stem in item.content and key not in seen:
                seen.add(key)
                evidence.append(span(doc, token.start, token.end, "content", token.stem))
    best = max(assessment.evidence, key=lambda e: (e.fuzzy, len(e.positions)), default=None)
    if best is not None and best.positions:
        start, end, score = alignment(doc, assessment.profile, best.sentence)
        if end > start:
            evidence.append(span(doc, start, end, "alignment", "statement", score=score))
    cues = tuple(span(doc, u.sentence.start + a, u.sentence.start + b, "cue", feature)
                 for u in assessment.units for a, b, feature in u.cues.cues)
    speaker_evidence = tuple(span(doc, a, b, kind, u.speaker.actor)
                             for u in assessment.units for a, b, kind in u.speaker.evidence)
    scores: dict[str, float] = {"relatedness": round(assessment.relevance, 4)}
    scores.update({s: round(p, 4) for s, p in stance.items()})
    return Explanation(assessment.profile.id, assessment.relevant, assessment.reason, tuple(evidence), cues,
                       speaker_evidence, scores, tuple(passage(doc, u) for u in assessment.units))


def span(doc: Doc, start: int, end: int, kind: str, source: str, *, score: float = 100.0) -> Span:
    """A folded-text range as a span of the original text."""
    a, b = doc.to_original(start, end)
    return Span(a, b, doc.original[a:b], kind, source, round(score, 1))


def passage(doc: Doc, unit: Unit) -> Span:
    """A unit's sentence or clause, its source the speaker, its score the outlet view's top probability."""
    start, end = doc.to_original(unit.sentence.start, unit.sentence.end)
    return Span(start, end, doc.original[start:end].strip(), "passage", unit.speaker.actor,
                round(100 * max(unit.outlet.values()), 1))


def folded_start(doc: Doc, original: Span) -> int:
    """Where a span of the original text starts in the folded text."""
    if doc.origin is None:
        return original.start
    return next((i for i, o in enumerate(doc.origin) if o >= original.start), len(doc.folded))


def _add_hit(doc: Doc, hit: Hit, spans: list[Span], seen: set[tuple[int, int, str]]) -> None:
    key = (hit.start, hit.end, hit.kind)
    if key not in seen:
        seen.add(key)
        spans.append(span(doc, hit.start, hit.end, hit.kind, hit.key, score=hit.score))
