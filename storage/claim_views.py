"""Named queries for the web view's claim pages: every claim's picture at once, each claim's latest evidence,
the timeline chart's summary of a claim's evidence, and the details one page of evidence shows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    Integer,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql import FromClause

from storage.ledger import ClaimStateRow, PositionRow
from storage.models import CLAIM_STATES, CORRECTIONS, EVIDENCE, FEEDS, ITEMS, POSITIONS, STORIES
from storage.types import UTCDateTime

QUOTE_CHARS = 200


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
class MarkBucket:
    """The claim's evidence of one holder and stance said within one slice of time, as one chart mark."""

    holder: str
    stance: str
    count: int
    last_id: int
    first_at: datetime
    last_at: datetime
    copies: int
    quote: str


@dataclass(frozen=True)
class StanceChange:
    """Evidence where a holder took a stance for the first time (no previous) or turned to the other one, in
    the order the ledger saw them; `at` is when it was said (see `said_at`)."""

    id: int
    holder: str
    stance: str
    seen_at: datetime
    at: datetime
    previous_id: int | None
    previous_stance: str | None
    previous_at: datetime | None


@dataclass(frozen=True)
class ChartData:
    """What the timeline chart draws: its marks, summarised into `columns` slices of [start, end], and the
    changes of stance."""

    start: datetime
    end: datetime
    buckets: list[MarkBucket]
    changes: list[StanceChange]


@dataclass(frozen=True)
class EvidenceDetail:
    """What the evidence list adds to a timeline entry: the words of the matcher's cue and speaker spans."""

    id: int
    cues: tuple[str, ...]
    speaker_words: tuple[str, ...]


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
    with engine.connect() as connection:
        for claim_id, *fields in connection.execute(query):
            pictures.setdefault(claim_id, []).append(PositionRow(*fields))
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


def evidence_version(engine: Engine, claim_id: str) -> tuple[int, int | None, int | None]:
    """How many pieces of evidence the claim has, the newest one's id and its newest correction's id: they
    change whenever its evidence (and so its picture) does, so they key what is drawn from it."""
    with engine.connect() as connection:
        count, newest = connection.execute(select(func.count(), func.max(EVIDENCE.c.id))
                                           .where(EVIDENCE.c.claim_id == claim_id)).one()
        corrected = connection.execute(select(func.max(CORRECTIONS.c.id))
                                       .where(CORRECTIONS.c.claim_id == claim_id)).scalar()
    return int(count), newest, corrected


def said_at(evidence: FromClause = EVIDENCE) -> ColumnElement[datetime]:
    """When a piece of evidence was said: its item's publication time, or when it was seen if the item has
    none or claims a time after it was seen."""
    published, seen = evidence.c.published_at, evidence.c.seen_at
    return type_coerce(case((and_(published.is_not(None), published <= seen), published), else_=seen), UTCDateTime())


def claim_span(engine: Engine, claim_id: str) -> tuple[datetime | None, datetime | None]:
    """When the claim's first and last evidence was said."""
    when = said_at()
    with engine.connect() as connection:
        first, last = connection.execute(select(func.min(when), func.max(when))
                                         .where(EVIDENCE.c.claim_id == claim_id)).one()
    return first, last


def ledger_version(engine: Engine) -> tuple[int, int | None, int, int | None]:
    """How many pieces of evidence there are, the newest one's id, how many positions and the newest
    correction's id: they change whenever the ledger does, so they key what is drawn from it."""
    with engine.connect() as connection:
        count, newest = connection.execute(select(func.count(), func.max(EVIDENCE.c.id))).one()
        held = connection.execute(select(func.count()).select_from(POSITIONS)).scalar_one()
        corrected = connection.execute(select(func.max(CORRECTIONS.c.id))).scalar()
    return int(count), newest, int(held), corrected


def chart_data(engine: Engine, claim_id: str, *, start: datetime, end: datetime, columns: int,
               keeps_position: Collection[str]) -> ChartData:
    """The claim's evidence summarised for a chart of `columns` slices of the time it was said between `start`
    and `end`: one bucket per holder, stance and slice (with its count, time range, largest story and newest
    quote), and each holder's changes of stance, in the order the ledger saw them, among the evidence that
    sets positions (decisions not in `keeps_position`)."""
    width = max((end - start).total_seconds(), 1.0) / columns
    when = said_at()
    column = cast((extract("epoch", when) - int(start.timestamp())) / width, Integer).label("slice")
    grouped = (select(EVIDENCE.c.holder, EVIDENCE.c.stance, func.count().label("n"), func.max(EVIDENCE.c.id)
                      .label("last_id"), func.min(when).label("first_at"), func.max(when).label("last_at"))
               .where(EVIDENCE.c.claim_id == claim_id).group_by(EVIDENCE.c.holder, EVIDENCE.c.stance, column)
               .subquery())
    newest = EVIDENCE.alias("newest")
    buckets = (select(grouped, STORIES.c.copies, func.substr(newest.c.quote, 1, QUOTE_CHARS))
               .join(newest, newest.c.id == grouped.c.last_id).join(STORIES, STORIES.c.id == newest.c.story_id))

    def before(value: Any, type_: Any) -> Any:
        return func.lag(value, type_=type_).over(partition_by=EVIDENCE.c.holder,
                                                 order_by=(EVIDENCE.c.seen_at, EVIDENCE.c.id))

    setting = (select(EVIDENCE.c.id, EVIDENCE.c.stance, before(EVIDENCE.c.id, BigInteger()).label("previous_id"),
                      before(EVIDENCE.c.stance, String()).label("previous_stance"))
               .where(EVIDENCE.c.claim_id == claim_id, EVIDENCE.c.stance.in_(("corroborates", "denies")),
                      EVIDENCE.c.decision.not_in(list(keeps_position))).subquery())
    change, previous = EVIDENCE.alias("change"), EVIDENCE.alias("previous")
    changes = (select(change.c.id, change.c.holder, change.c.stance, change.c.seen_at, said_at(change),
                      setting.c.previous_id, setting.c.previous_stance, said_at(previous))
               .join(change, change.c.id == setting.c.id).outerjoin(previous, previous.c.id == setting.c.previous_id)
               .where(or_(setting.c.previous_stance.is_(None), setting.c.previous_stance != setting.c.stance)))
    with engine.connect() as connection:
        return ChartData(start, end, [MarkBucket(*row) for row in connection.execute(buckets)],
                         [StanceChange(*row) for row in connection.execute(changes)])


def evidence_details(engine: Engine, evidence_ids: Sequence[int]) -> dict[int, EvidenceDetail]:
    """The cue words and speaker words of each piece of evidence, by id."""
    if not evidence_ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(select(EVIDENCE.c.id, EVIDENCE.c.explanation)
                                  .where(EVIDENCE.c.id.in_(list(evidence_ids)))).all()
    return {evidence_id: EvidenceDetail(evidence_id, _words((spans or {}).get("cues")),
                                        _words((spans or {}).get("speaker")))
            for evidence_id, spans in rows}


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
