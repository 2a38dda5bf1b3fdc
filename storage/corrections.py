"""Named queries on evidence corrections: an analyst dismisses a piece of evidence or restates its stance or
speaker; the evidence row and its alert stay, the correction is kept beside them, and the claim's picture
(positions and first stances) is rewritten from the evidence as corrected."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, exists, insert, select, update

from storage.ledger import ClaimStateRow, PositionRow
from storage.models import CLAIM_STATES, CORRECTIONS, EVIDENCE, ITEMS, POSITIONS


class CorrectionAction(StrEnum):
    """What an analyst did to a piece of evidence."""

    dismiss = "dismiss"
    correct = "correct"


@dataclass(frozen=True)
class CorrectionRow:
    """One correction: what, by whom, when and why."""

    id: int
    evidence_id: int
    action: CorrectionAction
    stance: str | None
    speaker: str | None
    holder: str | None
    reason: str
    corrected_by: str
    created_at: datetime


@dataclass(frozen=True)
class EvidenceRow:
    """A piece of evidence as the analyst reviews it, with its item and its latest correction."""

    id: int
    item_id: int
    claim_id: str
    stance: str
    speaker: str
    holder: str
    score: float
    decision: str
    alert_id: str | None
    seen_at: datetime
    feed: str
    url: str | None
    title: str
    text: str
    quote: str
    why: str
    correction: CorrectionRow | None


@dataclass(frozen=True)
class NewCorrection:
    """A correction to store."""

    evidence_id: int
    action: CorrectionAction
    reason: str
    corrected_by: str
    created_at: datetime
    stance: str | None = None
    speaker: str | None = None
    holder: str | None = None


_EVIDENCE_COLUMNS = (EVIDENCE.c.id, EVIDENCE.c.item_id, EVIDENCE.c.claim_id, EVIDENCE.c.stance, EVIDENCE.c.speaker,
                     EVIDENCE.c.holder, EVIDENCE.c.score, EVIDENCE.c.decision, EVIDENCE.c.alert_id,
                     EVIDENCE.c.seen_at, EVIDENCE.c.feed, EVIDENCE.c.url, ITEMS.c.title, ITEMS.c.summary,
                     ITEMS.c.content, EVIDENCE.c.quote, EVIDENCE.c.why)


def claim_evidence(connection: Connection, claim_id: str, *, corrected_only: bool = False,
                   before: datetime | None = None) -> list[EvidenceRow]:
    """The claim's evidence (seen before `before`, when given) in the order it was recorded, each with its
    latest correction."""
    query = (select(*_EVIDENCE_COLUMNS).join(ITEMS, ITEMS.c.id == EVIDENCE.c.item_id)
             .where(EVIDENCE.c.claim_id == claim_id).order_by(EVIDENCE.c.id))
    if before is not None:
        query = query.where(EVIDENCE.c.seen_at < before)
    if corrected_only:
        query = query.where(exists().where(CORRECTIONS.c.evidence_id == EVIDENCE.c.id))
    rows = connection.execute(query).all()
    corrections = _latest_corrections(connection, claim_id)
    return [_evidence(row, corrections.get(row[0])) for row in rows]


def evidence_by_id(connection: Connection, evidence_id: int) -> EvidenceRow | None:
    """One piece of evidence with its latest correction, or None."""
    row = connection.execute(select(*_EVIDENCE_COLUMNS).join(ITEMS, ITEMS.c.id == EVIDENCE.c.item_id)
                             .where(EVIDENCE.c.id == evidence_id)).first()
    if row is None:
        return None
    return _evidence(row, _latest_corrections(connection, row[2]).get(evidence_id))


def _evidence(row: Sequence[Any], correction: CorrectionRow | None) -> EvidenceRow:
    (evidence_id, item_id, claim_id, stance, speaker, holder, score, decision, alert_id, seen_at, feed, url, title,
     summary, content, quote, why) = row
    return EvidenceRow(evidence_id, item_id, claim_id, stance, speaker, holder, score, decision, alert_id, seen_at,
                       feed, url, title, "\n\n".join(filter(None, (summary, content))), quote, why, correction)


def _latest_corrections(connection: Connection, claim_id: str) -> dict[int, CorrectionRow]:
    rows = connection.execute(select(CORRECTIONS).where(CORRECTIONS.c.claim_id == claim_id)
                              .order_by(CORRECTIONS.c.id)).mappings().all()
    return {row["evidence_id"]: _correction(row) for row in rows}


def latest_corrections(connection: Connection, evidence_ids: Collection[int]) -> dict[int, CorrectionRow]:
    """The latest correction of each of these pieces of evidence that has one, by evidence id."""
    if not evidence_ids:
        return {}
    rows = connection.execute(select(CORRECTIONS).where(CORRECTIONS.c.evidence_id.in_(list(evidence_ids)))
                              .order_by(CORRECTIONS.c.id)).mappings().all()
    return {row["evidence_id"]: _correction(row) for row in rows}


def _correction(row: RowMapping) -> CorrectionRow:
    return CorrectionRow(row["id"], row["evidence_id"], CorrectionAction(row["action"]), row["stance"],
                         row["speaker"], row["holder"], row["reason"], row["corrected_by"], row["created_at"])


def add_correction(connection: Connection, evidence: EvidenceRow, correction: NewCorrection) -> int:
    """Store a correction of `evidence`; returns its id."""
    return int(connection.execute(insert(CORRECTIONS).values(
        evidence_id=evidence.id, item_id=evidence.item_id, claim_id=evidence.claim_id, action=correction.action,
        stance=correction.stance, speaker=correction.speaker, holder=correction.holder, reason=correction.reason,
        corrected_by=correction.corrected_by, created_at=correction.created_at)
        .returning(CORRECTIONS.c.id)).scalar_one())


def dismissed_claims(connection: Connection, item_id: int) -> set[str]:
    """The claims an analyst dismissed this item's evidence for."""
    return set(connection.execute(select(CORRECTIONS.c.claim_id).where(
        CORRECTIONS.c.item_id == item_id, CORRECTIONS.c.action == CorrectionAction.dismiss).distinct()).scalars())


def replace_picture(connection: Connection, positions: Sequence[tuple[PositionRow, int]], state: ClaimStateRow,
                    now: datetime) -> None:
    """Rewrite the claim's positions (each with its latest evidence id) and first stances."""
    claim_id = state.claim_id
    connection.execute(delete(POSITIONS).where(POSITIONS.c.claim_id == claim_id))
    if positions:
        connection.execute(insert(POSITIONS), [
            {"claim_id": claim_id, "holder": p.holder, "stance": p.stance, "since": p.since,
             "last_seen_at": p.last_seen_at, "last_evidence_id": evidence_id, "last_alerted_at": p.last_alerted_at,
             "evidence_count": p.evidence_count} for p, evidence_id in positions])
    connection.execute(update(CLAIM_STATES).where(CLAIM_STATES.c.claim_id == claim_id).values(
        first_corroboration_at=state.first_corroboration_at, first_denial_at=state.first_denial_at, updated_at=now))

