"""How a match explains itself in the ledger: one line for analysts, and the whole explanation as JSON."""

from __future__ import annotations

from collections.abc import Iterable

from monitor.matching.model import Match, Span


def why(match: Match) -> str:
    """One line on why the item matched: what was found, the stance cues, and who says it."""
    found = _quoted(s for s in match.explanation.evidence if s.kind != "content")
    cues = _quoted(match.explanation.cues)
    speaker = _quoted(match.explanation.speaker_evidence)
    parts = [f"{match.label} {match.score:.2f}"]
    if found:
        parts.append(f"found {found}")
    if cues:
        parts.append(f"cues {cues}")
    if speaker:
        parts.append(f"speaker {speaker}")
    return "; ".join(parts)


def _quoted(spans: Iterable[Span], limit: int = 4) -> str:
    texts = list(dict.fromkeys(span.text.strip() for span in spans if span.text.strip()))
    return ", ".join(f"'{text}'" for text in texts[:limit])


def explanation_json(match: Match) -> dict[str, object]:
    """The match's explanation as JSON for the evidence row, with whether its speaker is clear."""
    def spans(items: Iterable[Span]) -> list[dict[str, object]]:
        return [{"start": s.start, "end": s.end, "text": s.text, "kind": s.kind, "source": s.source,
                 "score": s.score} for s in items]

    explanation = match.explanation
    return {"reason": explanation.reason, "evidence": spans(explanation.evidence), "cues": spans(explanation.cues),
            "speaker": spans(explanation.speaker_evidence), "clear_speaker": match.clear_speaker,
            "stance_scores": dict(explanation.stance_scores), "passages": spans(explanation.passages),
            "quote": spans([match.quote]) if match.quote else []}
