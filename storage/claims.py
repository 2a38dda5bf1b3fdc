"""Named queries for the analysts' view of claims: each claim's picture (positions) and timeline (evidence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Engine, func, select, true

from storage.engine import reading
from storage.ledger import PositionRow, position_from_row
from storage.models import EVIDENCE, ITEMS, POSITIONS, STORIES


@dataclass(frozen=True)
class ClaimSummary:
    """One claim's ledger in numbers."""

    claim_id: str
    evidence: int
    stories: int
    corroborating: int
    denying: int
    last_seen_at: datetime | None


@dataclass(frozen=True)
class TimelineEntry:
    """One piece of evidence as the timeline shows it."""

    id: int
    seen_at: datetime
    published_at: datetime | None
    stance: str
    speaker: str
    holder: str
    score: float
    feed: str
    title: str
    url: str | None
    quote: str
    why: str
    decision: str
    alert_id: str | None
    story_id: int
    story_copies: int
    clear_speaker: bool


def claim_summaries(engine: Engine) -> dict[str, ClaimSummary]:
    """Every claim with evidence, by id."""
    with reading(engine) as connection:
        evidence = connection.execute(
            select(EVIDENCE.c.claim_id, func.count(), func.count(EVIDENCE.c.story_id.distinct()),
                   func.max(EVIDENCE.c.seen_at)).group_by(EVIDENCE.c.claim_id)).all()
        stances = connection.execute(
            select(POSITIONS.c.claim_id, POSITIONS.c.stance, func.count())
            .group_by(POSITIONS.c.claim_id, POSITIONS.c.stance)).all()
    counts = {(claim_id, stance): n for claim_id, stance, n in stances}
    return {claim_id: ClaimSummary(claim_id, n, stories, counts.get((claim_id, "corroborates"), 0),
                                   counts.get((claim_id, "denies"), 0), last)
            for claim_id, n, stories, last in evidence}


def claim_positions(engine: Engine, claim_id: str) -> list[PositionRow]:
    """The claim's picture: every holder's stance and since when, oldest first."""
    with reading(engine) as connection:
        rows = connection.execute(select(POSITIONS).where(POSITIONS.c.claim_id == claim_id)
                                  .order_by(POSITIONS.c.since, POSITIONS.c.holder)).mappings().all()
    return [position_from_row(row) for row in rows]


def claim_timeline(engine: Engine, claim_id: str, *, limit: int = 100, decision: str | None = None,
                   before: int | None = None) -> list[TimelineEntry]:
    """The claim's latest evidence (at most `limit`; only that of one `decision` kind when given; only
    evidence older than the id `before` when given, to page back), oldest first. Evidence recorded before its
    explanation said whether the speaker is clear counts as clear, as the ledger treated it then."""
    latest = select(EVIDENCE.c.id).where(EVIDENCE.c.claim_id == claim_id).order_by(EVIDENCE.c.id.desc()).limit(limit)
    if decision is not None:
        latest = latest.where(EVIDENCE.c.decision == decision)
    if before is not None:
        latest = latest.where(EVIDENCE.c.id < before)
    query = (select(EVIDENCE.c.id, EVIDENCE.c.seen_at, EVIDENCE.c.published_at, EVIDENCE.c.stance,
                    EVIDENCE.c.speaker, EVIDENCE.c.holder, EVIDENCE.c.score, EVIDENCE.c.feed, ITEMS.c.title,
                    EVIDENCE.c.url, EVIDENCE.c.quote, EVIDENCE.c.why, EVIDENCE.c.decision, EVIDENCE.c.alert_id,
                    EVIDENCE.c.story_id, STORIES.c.copies,
                    func.coalesce(EVIDENCE.c.explanation["clear_speaker"].as_boolean(), true(), type_=Boolean))
             .join(ITEMS, ITEMS.c.id == EVIDENCE.c.item_id).join(STORIES, STORIES.c.id == EVIDENCE.c.story_id)
             .where(EVIDENCE.c.id.in_(latest.scalar_subquery())).order_by(EVIDENCE.c.id.desc()))
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return [TimelineEntry(*row) for row in reversed(rows)]
