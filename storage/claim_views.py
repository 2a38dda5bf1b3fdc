"""Named queries for the web view's claim pages: every claim's picture at once, each claim's latest evidence,
the versions that key what is drawn from them, and the details one page of evidence shows (the chart's queries
are in chart_views.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from storage.corrections import CorrectionRow, latest_corrections
from storage.engine import reading
from storage.ledger import ClaimStateRow, PositionRow
from storage.models import CLAIM_STATES, CORRECTIONS, EVIDENCE, FEEDS, ITEMS, POSITIONS


@dataclass(frozen=True)
class LastEvidence:
    """A claim's newest piece of evidence, as the claims list shows it."""

    id: int
    seen_at: datetime
    stance: str
    holder: str
    feed: str
    title: str
    url: str | None


@dataclass(frozen=True)
class EvidenceDetail:
    """What the evidence list adds to a timeline entry: the words of the matcher's cue and speaker spans, and
    the analyst's latest correction of it."""

    id: int
    cues: tuple[str, ...]
    speaker_words: tuple[str, ...]
    correction: CorrectionRow | None = None


@dataclass(frozen=True)
class StoryItem:
    """One item folded into a story: which feed carried it, under what title, where."""

    id: int
    feed: str
    title: str
    url: str | None
    first_seen_at: datetime


def all_positions(engine: Engine) -> dict[str, list[PositionRow]]:
    """Every claim's picture, by claim id, each oldest first."""
    query = (select(POSITIONS.c.claim_id, POSITIONS.c.holder, POSITIONS.c.stance, POSITIONS.c.since,
                    POSITIONS.c.last_seen_at, POSITIONS.c.last_alerted_at, POSITIONS.c.evidence_count)
             .order_by(POSITIONS.c.claim_id, POSITIONS.c.since, POSITIONS.c.holder))
    pictures: dict[str, list[PositionRow]] = {}
    with reading(engine) as connection:
        for claim_id, *fields in connection.execute(query):
            pictures.setdefault(claim_id, []).append(PositionRow(*fields))
    return pictures


def last_evidence(engine: Engine) -> dict[str, LastEvidence]:
    """Each claim's newest piece of evidence, by claim id."""
    newest = select(func.max(EVIDENCE.c.id).label("id")).group_by(EVIDENCE.c.claim_id).subquery()
    query = (select(EVIDENCE.c.claim_id, EVIDENCE.c.id, EVIDENCE.c.seen_at, EVIDENCE.c.stance, EVIDENCE.c.holder,
                    EVIDENCE.c.feed, ITEMS.c.title, EVIDENCE.c.url)
             .join(newest, newest.c.id == EVIDENCE.c.id).join(ITEMS, ITEMS.c.id == EVIDENCE.c.item_id))
    with reading(engine) as connection:
        return {row[0]: LastEvidence(*row[1:]) for row in connection.execute(query)}


def claim_state(engine: Engine, claim_id: str) -> ClaimStateRow | None:
    """When the claim was first corroborated and first denied; None before any evidence."""
    with reading(engine) as connection:
        row = connection.execute(
            select(CLAIM_STATES.c.claim_id, CLAIM_STATES.c.first_corroboration_at, CLAIM_STATES.c.first_denial_at)
            .where(CLAIM_STATES.c.claim_id == claim_id)).first()
    return ClaimStateRow(*row) if row is not None else None


def evidence_version(engine: Engine, claim_id: str) -> tuple[int, int | None, int | None]:
    """How many pieces of evidence the claim has, the newest one's id and its newest correction's id: they
    change whenever its evidence (and so its picture) does, so they key what is drawn from it."""
    with reading(engine) as connection:
        count, newest = connection.execute(select(func.count(), func.max(EVIDENCE.c.id))
                                           .where(EVIDENCE.c.claim_id == claim_id)).one()
        corrected = connection.execute(select(func.max(CORRECTIONS.c.id))
                                       .where(CORRECTIONS.c.claim_id == claim_id)).scalar()
    return int(count), newest, corrected


def ledger_version(engine: Engine) -> tuple[int, int | None, int, int | None]:
    """How many pieces of evidence there are, the newest one's id, how many positions and the newest
    correction's id: they change whenever the ledger does, so they key what is drawn from it."""
    with reading(engine) as connection:
        count, newest = connection.execute(select(func.count(), func.max(EVIDENCE.c.id))).one()
        held = connection.execute(select(func.count()).select_from(POSITIONS)).scalar_one()
        corrected = connection.execute(select(func.max(CORRECTIONS.c.id))).scalar()
    return int(count), newest, int(held), corrected


def evidence_details(engine: Engine, evidence_ids: Sequence[int]) -> dict[int, EvidenceDetail]:
    """The cue words, speaker words and latest correction of each piece of evidence, by id."""
    if not evidence_ids:
        return {}
    with reading(engine) as connection:
        rows = connection.execute(select(EVIDENCE.c.id, EVIDENCE.c.explanation)
                                  .where(EVIDENCE.c.id.in_(list(evidence_ids)))).all()
        corrections = latest_corrections(connection, evidence_ids)
    return {evidence_id: EvidenceDetail(evidence_id, _words((spans or {}).get("cues")),
                                        _words((spans or {}).get("speaker")), corrections.get(evidence_id))
            for evidence_id, spans in rows}


def corrections_of(engine: Engine, evidence_ids: Sequence[int]) -> dict[int, CorrectionRow]:
    """The latest correction of each of these pieces of evidence that has one, by evidence id."""
    with reading(engine) as connection:
        return latest_corrections(connection, evidence_ids)


def story_items(engine: Engine, story_ids: Sequence[int]) -> dict[int, list[StoryItem]]:
    """The items folded into each story, by story id, first seen first."""
    if not story_ids:
        return {}
    query = (select(ITEMS.c.story_id, ITEMS.c.id, FEEDS.c.name, ITEMS.c.title, ITEMS.c.url, ITEMS.c.first_seen_at)
             .join(FEEDS, FEEDS.c.id == ITEMS.c.feed_id).where(ITEMS.c.story_id.in_(list(story_ids)))
             .order_by(ITEMS.c.first_seen_at, ITEMS.c.id))
    stories: dict[int, list[StoryItem]] = {}
    with reading(engine) as connection:
        for story_id, *fields in connection.execute(query):
            stories.setdefault(story_id, []).append(StoryItem(*fields))
    return stories


def _words(spans: object) -> tuple[str, ...]:
    """The distinct texts of a list of span dicts, in order."""
    if not isinstance(spans, list):
        return ()
    return tuple(dict.fromkeys(str(span["text"]) for span in spans if isinstance(span, dict) and span.get("text")))
