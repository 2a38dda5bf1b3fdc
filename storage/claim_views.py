"""Named queries for the web view's claim pages: every claim's picture at once, each claim's latest evidence,
the light rows the timeline chart is drawn from, and the details one page of evidence shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from storage.ledger import ClaimStateRow, PositionRow, position_from_row
from storage.models import CLAIM_STATES, EVIDENCE, FEEDS, ITEMS, POSITIONS, STORIES

QUOTE_CHARS = 300


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
class ChartMark:
    """One piece of evidence as the timeline chart draws it; the quote is cut to QUOTE_CHARS."""

    id: int
    seen_at: datetime
    stance: str
    holder: str
    decision: str
    story_id: int
    copies: int
    quote: str


@dataclass(frozen=True)
class EvidenceDetail:
    """What the evidence list adds to a timeline entry: the matcher's cue and speaker spans."""

    id: int
    item_id: int
    cues: tuple[str, ...]
    speaker_words: tuple[str, ...]
    quote_start: int | None


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
    with engine.connect() as connection:
        rows = connection.execute(select(POSITIONS).order_by(POSITIONS.c.claim_id, POSITIONS.c.since,
                                                             POSITIONS.c.holder)).mappings().all()
    pictures: dict[str, list[PositionRow]] = {}
    for row in rows:
        pictures.setdefault(row["claim_id"], []).append(position_from_row(row))
    return pictures


def last_evidence(engine: Engine) -> dict[str, LastEvidence]:
    """Each claim's newest piece of evidence, by claim id."""
    newest = select(func.max(EVIDENCE.c.id).label("id")).group_by(EVIDENCE.c.claim_id).subquery()
    query = (select(EVIDENCE.c.claim_id, EVIDENCE.c.id, EVIDENCE.c.seen_at, EVIDENCE.c.stance, EVIDENCE.c.holder,
                    EVIDENCE.c.feed, ITEMS.c.title, EVIDENCE.c.url)
             .join(newest, newest.c.id == EVIDENCE.c.id).join(ITEMS, ITEMS.c.id == EVIDENCE.c.item_id))
    with engine.connect() as connection:
        return {row[0]: LastEvidence(*row[1:]) for row in connection.execute(query)}


def claim_state(engine: Engine, claim_id: str) -> ClaimStateRow | None:
    """When the claim was first corroborated and first denied; None before any evidence."""
    with engine.connect() as connection:
        row = connection.execute(
            select(CLAIM_STATES.c.claim_id, CLAIM_STATES.c.first_corroboration_at, CLAIM_STATES.c.first_denial_at)
            .where(CLAIM_STATES.c.claim_id == claim_id)).first()
    return ClaimStateRow(*row) if row is not None else None


def evidence_count(engine: Engine, claim_id: str) -> int:
    """How many pieces of evidence the claim has."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(EVIDENCE)
                                      .where(EVIDENCE.c.claim_id == claim_id)).scalar_one())


def chart_marks(engine: Engine, claim_id: str) -> list[ChartMark]:
    """Every piece of the claim's evidence in the few columns the chart needs, oldest first."""
    query = (select(EVIDENCE.c.id, EVIDENCE.c.seen_at, EVIDENCE.c.stance, EVIDENCE.c.holder, EVIDENCE.c.decision,
                    EVIDENCE.c.story_id, STORIES.c.copies, func.substr(EVIDENCE.c.quote, 1, QUOTE_CHARS))
             .join(STORIES, STORIES.c.id == EVIDENCE.c.story_id)
             .where(EVIDENCE.c.claim_id == claim_id).order_by(EVIDENCE.c.seen_at, EVIDENCE.c.id))
    with engine.connect() as connection:
        return [ChartMark(*row) for row in connection.execute(query)]


def evidence_details(engine: Engine, evidence_ids: Sequence[int]) -> dict[int, EvidenceDetail]:
    """The cue words, speaker words and quote offset of each piece of evidence, by id."""
    if not evidence_ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(select(EVIDENCE.c.id, EVIDENCE.c.item_id, EVIDENCE.c.explanation)
                                  .where(EVIDENCE.c.id.in_(list(evidence_ids)))).all()
    details = {}
    for evidence_id, item_id, explanation in rows:
        spans = explanation or {}
        quotes = spans.get("quote") or []
        details[evidence_id] = EvidenceDetail(
            id=evidence_id, item_id=item_id, cues=_words(spans.get("cues")),
            speaker_words=_words(spans.get("speaker")),
            quote_start=quotes[0].get("start") if quotes and isinstance(quotes[0], dict) else None)
    return details


def story_items(engine: Engine, story_ids: Sequence[int]) -> dict[int, list[StoryItem]]:
    """The items folded into each story, by story id, first seen first."""
    if not story_ids:
        return {}
    query = (select(ITEMS.c.story_id, ITEMS.c.id, FEEDS.c.name, ITEMS.c.title, ITEMS.c.url, ITEMS.c.first_seen_at)
             .join(FEEDS, FEEDS.c.id == ITEMS.c.feed_id).where(ITEMS.c.story_id.in_(list(story_ids)))
             .order_by(ITEMS.c.first_seen_at, ITEMS.c.id))
    stories: dict[int, list[StoryItem]] = {}
    with engine.connect() as connection:
        for story_id, *fields in connection.execute(query):
            stories.setdefault(story_id, []).append(StoryItem(*fields))
    return stories


def _words(spans: object) -> tuple[str, ...]:
    """The distinct texts of a list of span dicts, in order."""
    if not isinstance(spans, list):
        return ()
    return tuple(dict.fromkeys(str(span["text"]) for span in spans if isinstance(span, dict) and span.get("text")))
