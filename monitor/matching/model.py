"""What the matcher reads and what it returns: plain frozen values, no I/O, no database.

The rulebook turns the analysts' YAML into a RuleSet; `claimwatch evaluate` builds one from a bare
statement. The matcher never sees YAML, files or storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Stance = Literal["corroborates", "denies", "discusses"]
Label = Literal["corroborates", "denies", "discusses", "unrelated"]
UNATTRIBUTED = "unattributed"


@dataclass(frozen=True)
class Actor:
    """A government, official, agency, person or country, with every name the press uses for it.

    `demonyms` are the analyst's own adjectival and plural references ("Chinese", "North Koreans"); an actor of
    kind country or government that names a known country also gets that country's demonyms, capital and seats
    of government unless `derive_names` is off (see `derive.actor_references`).
    """

    id: str
    name: str
    kind: str = "organisation"
    aliases: tuple[str, ...] = ()
    affiliation: str | None = None
    groups: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    derive_names: bool = True


@dataclass(frozen=True)
class StanceCues:
    """Extra phrases that signal a stance for one claim, on top of the built-in cues."""

    corroborates: tuple[str, ...] = ()
    denies: tuple[str, ...] = ()
    discusses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """A tracked claim. Only `id` and `statement` are required; the rest refine matching."""

    id: str
    statement: str
    subjects: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    keyphrases: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    cues: StanceCues = field(default_factory=StanceCues)
    keyphrases_by_language: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (language code, phrases)


@dataclass(frozen=True)
class RuleSet:
    """The active claims and every actor they may refer to (by id)."""

    claims: tuple[Claim, ...]
    actors: Mapping[str, Actor] = field(default_factory=dict)


@dataclass(frozen=True)
class Span:
    """A piece of the item's original text: [start, end) character offsets, what it is, and its score."""

    start: int
    end: int
    text: str
    kind: str
    source: str
    score: float = 100.0


@dataclass(frozen=True)
class Explanation:
    """Why an item matched a claim (or did not): evidence spans, stance cues, speaker evidence, verdict, and
    the claim-bearing passages (each sentence or clause read for a stance, its source the speaker)."""

    claim_id: str
    relevant: bool
    reason: str
    evidence: tuple[Span, ...] = ()
    cues: tuple[Span, ...] = ()
    speaker_evidence: tuple[Span, ...] = ()
    stance_scores: Mapping[str, float] = field(default_factory=dict)
    passages: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Match:
    """An item's match to one claim: its stance, confidence, who says it, and why.

    `speaker` is the actor id resolved from the attribution ("Sullivan said" -> the US national security
    adviser) or UNATTRIBUTED; `speaker_affiliation` is the top of its affiliation chain (the US government),
    which is whose stance the ledger tracks. `clear_speaker` says whether that speaker is the unambiguous
    speaker of the claim-bearing passage (named in its own clause, or the outlet itself when nobody is
    quoted); evidence without a clear speaker never flips a holder's stance.
    """

    claim_id: str
    label: Stance
    score: float
    speaker: str
    speaker_affiliation: str | None
    quote: Span | None
    explanation: Explanation
    clear_speaker: bool = True
