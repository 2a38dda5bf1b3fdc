"""What the matcher concludes about one claim for one item: its relevant units (sentence, speaker, stance) and
the assessment they make up, and the view of a pair the fitter reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from monitor.matching.derive import ClaimProfile
from monitor.matching.normalize import Sentence
from monitor.matching.score import SentenceEvidence
from monitor.matching.speaker import Speaker
from monitor.matching.stance import UnitCues


@dataclass(frozen=True)
class Unit:
    """One relevant sentence of one claim: its speaker and stance in both views."""

    sentence: Sentence
    speaker: Speaker
    outlet: Mapping[str, float]
    spoken: Mapping[str, float]
    cues: UnitCues
    inherited: bool


@dataclass(frozen=True)
class Assessment:
    """Everything the matcher concluded about one claim for one item."""

    profile: ClaimProfile
    candidate: bool
    relevant: bool
    relevance: float
    reason: str
    evidence: tuple[SentenceEvidence, ...]
    units: tuple[Unit, ...]
    relevance_features: Mapping[str, float]


@dataclass(frozen=True)
class TrainingView:
    """One pair as the fitter sees it."""

    candidate: bool
    relevance_features: Mapping[str, float]
    units: list[tuple[dict[str, float], float]]
    body: bool
    body_cues: Mapping[str, float]
