"""`claimwatch rules test`: every claim's examples run through the real matcher, failures explained."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.matching.matcher import Matcher
from monitor.matching.model import Explanation, Match
from monitor.matching.stance import STANCES
from monitor.rulebook.loader import RuleBook


@dataclass(frozen=True)
class ExampleResult:
    """One example's outcome: what it should get, what it got, and the matcher's explanation. `index` counts
    the claim's examples from 1, in file order."""

    claim_id: str
    index: int
    text: str
    expected: str
    got: str
    score: float
    expected_speaker: str | None
    speakers: tuple[str, ...]
    explanation: Explanation

    @property
    def passed(self) -> bool:
        """Right label, and the expected speaker among those found (when one is expected)."""
        speaker_ok = self.expected_speaker is None or self.expected_speaker in self.speakers
        return self.got == self.expected and speaker_ok


def run_examples(book: RuleBook) -> list[ExampleResult]:
    """Every example of every claim (paused and retired ones too) through one matcher over all claims."""
    matcher = Matcher(book.ruleset([claim.id for claim in book.claims]))
    results = []
    for claim in book.claims:
        for index, example in enumerate(claim.examples, start=1):
            explanation = matcher.explain(claim.id, example.text)
            matches = [match for match in matcher.match(example.text) if match.claim_id == claim.id]
            speakers = {name for match in matches for name in (match.speaker, match.speaker_affiliation) if name}
            label, score = item_label(matches, example.speaker)
            results.append(ExampleResult(claim.id, index, example.text, example.label, label, score,
                                         example.speaker, tuple(sorted(speakers)), explanation))
    return results


def item_label(matches: list[Match], speaker: str | None = None) -> tuple[str, float]:
    """The label an item gets for alerting and its score (the stance model's probability of that label in
    the deciding match), or unrelated with score 0 when nothing matches."""
    best = label_match(matches, speaker)
    return (best.label, best.score) if best is not None else ("unrelated", 0.0)


def label_match(matches: list[Match], speaker: str | None = None) -> Match | None:
    """The match that decides the item's label: the stance of `speaker` when given and found, else the
    strongest corroboration or denial by anyone, else discusses; None (unrelated) when nothing matches."""
    if speaker is not None:
        own = [m for m in matches if speaker in (m.speaker, m.speaker_affiliation)]
        matches = own or matches
    taking_sides = [m for m in matches if m.label != "discusses"]
    pool = taking_sides or matches
    return max(pool, key=lambda match: match.score, default=None)


def model_scores(explanation: Explanation) -> tuple[float | None, dict[str, float]]:
    """The explanation's scores apart: the relatedness model's probability that the item is about the claim,
    and the stance model's probability of each stance (every relevant sentence, read as the outlet's)."""
    scores = explanation.stance_scores
    return scores.get("relatedness"), {stance: scores[stance] for stance in STANCES if stance in scores}


def describe(explanation: Explanation) -> list[str]:
    """The explanation as indented lines for a terminal."""
    lines = [f"reason: {explanation.reason}"]
    relatedness, stance = model_scores(explanation)
    if relatedness is not None:
        lines.append(f"relatedness: {relatedness:.2f} (the relatedness model)")
    if stance:
        scores = ", ".join(f"{name} {value:.2f}" for name, value in stance.items())
        lines.append(f"stance model: {scores} (every relevant sentence, read as the outlet's)")
    for span in explanation.passages:
        lines.append(f"passage: {span.text!r} -> {span.source} at {span.start}-{span.end}")
    for span in explanation.evidence:
        lines.append(f"evidence: {span.kind} {span.text!r} ({span.source}, score {span.score:.0f}) "
                     f"at {span.start}-{span.end}")
    for span in explanation.cues:
        lines.append(f"cue: {span.kind} {span.text!r} ({span.source})")
    for span in explanation.speaker_evidence:
        lines.append(f"speaker: {span.kind} {span.text!r} -> {span.source}")
    return lines
