"""An analyst's corrections of evidence: dismiss it, or restate its stance or speaker. The correction is
stored beside the evidence (which stays, with any alert it caused) and the claim's picture is rebuilt at once
(`picture.rebuild`), in one transaction with the claim's state locked, as the ledger locks it.

Corrected items also become examples for the claim file: `examples_yaml` renders them as YAML entries of the
claim's `examples:` list, so that each real mistake turns into a regression test of `claimwatch rules test`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString
from sqlalchemy import Engine

from monitor.alerts.picture import Picture, rebuild
from monitor.errors import CorrectionError
from monitor.matching.model import UNATTRIBUTED
from monitor.rulebook.loader import RuleBook
from storage.corrections import (
    CorrectionAction,
    EvidenceRow,
    NewCorrection,
    add_correction,
    claim_evidence,
    evidence_by_id,
    replace_picture,
)
from storage.ledger import lock_claims

STANCES = ("corroborates", "denies", "discusses")
EXAMPLE_TEXT_LIMIT = 20_000


@dataclass(frozen=True)
class CorrectionRequest:
    """What the analyst asks: dismiss, or correct to `stance` and/or `speaker`, and why; with `claim_id`, only
    when the evidence is that claim's."""

    evidence_id: int
    action: CorrectionAction
    reason: str
    by: str
    stance: str | None = None
    speaker: str | None = None
    claim_id: str | None = None


@dataclass(frozen=True)
class Corrected:
    """The evidence as it was, and the claim's picture once corrected."""

    evidence: EvidenceRow
    picture: Picture


def apply_correction(engine: Engine, book: RuleBook, request: CorrectionRequest, now: datetime) -> Corrected:
    """Store the correction and rebuild the claim's picture; CorrectionError when it cannot apply."""
    check_request(book, request)
    with engine.begin() as connection:
        evidence = evidence_by_id(connection, request.evidence_id)
        if evidence is None:
            raise CorrectionError(f"no evidence {request.evidence_id} (claimwatch evidence list --claim CLAIM)")
        if request.claim_id is not None and evidence.claim_id != request.claim_id:
            raise CorrectionError(f"evidence {evidence.id} is evidence of {evidence.claim_id}, "
                                  f"not of {request.claim_id}")
        earlier = evidence.correction
        if earlier is not None and earlier.action == CorrectionAction.dismiss:
            raise CorrectionError(f"evidence {evidence.id} was already dismissed by {earlier.corrected_by}: "
                                  f"{earlier.reason}")
        lock_claims(connection, [evidence.claim_id], now)
        add_correction(connection, evidence, NewCorrection(
            evidence.id, request.action, request.reason.strip(), request.by, now, stance=request.stance,
            speaker=request.speaker, holder=top_affiliation(book, request.speaker) if request.speaker else None))
        picture = rebuild(evidence.claim_id, claim_evidence(connection, evidence.claim_id))
        replace_picture(connection, picture.positions, picture.state, now)
    return Corrected(evidence, picture)


def check_request(book: RuleBook, request: CorrectionRequest) -> None:
    """CorrectionError naming the field to fix when the request cannot apply whatever the evidence: no reason,
    a stance not allowed, an actor not in actors.yaml, or a correction that changes nothing."""
    if not request.reason.strip():
        raise CorrectionError("a reason is required: say why, for whoever reads the evidence next")
    if request.stance is not None and request.stance not in STANCES:
        raise CorrectionError(f"stance {request.stance!r} is not allowed: use one of {', '.join(STANCES)}")
    names = {actor.id for actor in book.actors}
    if request.speaker is not None and request.speaker not in names:
        raise CorrectionError(f"speaker {request.speaker!r}: no such actor in actors.yaml")
    if request.action == CorrectionAction.correct and request.stance is None and request.speaker is None:
        raise CorrectionError("say what to correct: a stance, a speaker, or both")


def top_affiliation(book: RuleBook, actor_id: str) -> str:
    """Whose position the actor's words are: the top of its affiliation chain (a minister -> the government)."""
    parents = {actor.id: actor.affiliation for actor in book.actors}
    seen = {actor_id}
    while (parent := parents.get(actor_id)) and parent not in seen:
        seen.add(parent)
        actor_id = parent
    return actor_id


def examples_yaml(evidence: Sequence[EvidenceRow]) -> str:
    """The corrected pieces of evidence as YAML `examples:` entries: a dismissed item is `unrelated`; a
    corrected one gets its corrected stance and speaker."""
    entries = []
    for row in evidence:
        correction = row.correction
        if correction is None:
            continue
        text = "\n\n".join(filter(None, (row.title.strip(), row.text.strip())))[:EXAMPLE_TEXT_LIMIT].strip()
        entry: dict[str, object] = {"text": LiteralScalarString(text) if "\n" in text else text}
        if correction.action == CorrectionAction.dismiss:
            entry["label"] = "unrelated"
        else:
            entry["label"] = correction.stance or row.stance
            speaker = correction.speaker or (row.speaker if row.speaker != UNATTRIBUTED else None)
            if speaker:
                entry["speaker"] = speaker
        entries.append(entry)
    if not entries:
        return ""
    yaml = YAML(typ="rt")
    yaml.width = 100
    out = io.StringIO()
    yaml.dump(entries, out)
    return out.getvalue()
