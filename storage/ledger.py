"""Named queries on the claim ledger: items waiting to be matched, stories, evidence, positions, claim states.

The ledger stage runs one transaction per matching item: it locks the states of the claims it matched
(`lock_claims`, so concurrent daemons decide "first" and "new" one at a time), claims the item (`claim_items`,
stamping `ledger_at`), folds the item into a story, and writes evidence, positions and outbox rows together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, RowMapping, case, exists, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.engine import reading
from storage.models import CLAIM_STATES, EVIDENCE, FEEDS, ITEMS, POSITIONS, STORIES


@dataclass(frozen=True)
class PendingItem:
    """An item revision waiting to be matched into the ledger, with its feed's name and tags."""

    id: int
    revision: int
    feed: str
    feed_tags: tuple[str, ...]
    url: str | None
    title: str
    text: str
    published_at: datetime | None
    first_seen_at: datetime
    language: str | None = None  # as the item or its feed declares it


@dataclass(frozen=True)
class StoryRow:
    """A story as folding compares it."""

    id: int
    url: str | None
    fingerprint: str
    title: str
    lead: str


@dataclass(frozen=True)
class PositionRow:
    """A holder's standing position on a claim."""

    holder: str
    stance: str
    since: datetime
    last_seen_at: datetime
    last_alerted_at: datetime | None
    evidence_count: int


@dataclass(frozen=True)
class ClaimStateRow:
    """When a claim was first corroborated and first denied."""

    claim_id: str
    first_corroboration_at: datetime | None
    first_denial_at: datetime | None


def pending_items(engine: Engine, *, ids: Sequence[int] | None = None, limit: int = 200) -> list[PendingItem]:
    """Items not yet matched into the ledger (of `ids`, or the oldest), oldest first."""
    query = (select(ITEMS.c.id, ITEMS.c.revision, FEEDS.c.name, FEEDS.c.tags, ITEMS.c.url, ITEMS.c.title,
                    ITEMS.c.summary, ITEMS.c.content, ITEMS.c.published_at, ITEMS.c.first_seen_at,
                    ITEMS.c.language)
             .join(FEEDS, FEEDS.c.id == ITEMS.c.feed_id)
             .where(ITEMS.c.ledger_at.is_(None)).order_by(ITEMS.c.id).limit(limit))
    if ids is not None:
        query = query.where(ITEMS.c.id.in_(list(ids)))
    with reading(engine) as connection:
        rows = connection.execute(query).all()
    return [PendingItem(id=row[0], revision=row[1], feed=row[2], feed_tags=tuple(row[3] or ()), url=row[4],
                        title=row[5], text="\n\n".join(filter(None, (row[6], row[7]))), published_at=row[8],
                        first_seen_at=row[9], language=row[10]) for row in rows]


def claim_items(connection: Connection, items: Sequence[PendingItem], now: datetime) -> int:
    """Mark the items recorded, each only at the revision that was read and matched; returns how many were
    still waiting at it. The others were taken by another process, or changed since they were read (a new
    revision waits to be matched on its own); a caller recording one item rolls back when it gets 0."""
    if not items:
        return 0
    result = connection.execute(update(ITEMS).where(
        tuple_(ITEMS.c.id, ITEMS.c.revision).in_([(item.id, item.revision) for item in items]),
        ITEMS.c.ledger_at.is_(None)).values(ledger_at=now))
    return int(result.rowcount)


def lock_claims(connection: Connection, claim_ids: Sequence[str], now: datetime) -> dict[str, ClaimStateRow]:
    """Create the claims' state rows if missing and lock them (in id order, so no two processes deadlock)."""
    ordered = sorted(set(claim_ids))
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(CLAIM_STATES).on_conflict_do_nothing(index_elements=["claim_id"]),
                       [{"claim_id": claim_id, "updated_at": now} for claim_id in ordered])
    rows = connection.execute(select(CLAIM_STATES).where(CLAIM_STATES.c.claim_id.in_(ordered))
                              .order_by(CLAIM_STATES.c.claim_id).with_for_update()).mappings().all()
    return {row["claim_id"]: ClaimStateRow(row["claim_id"], row["first_corroboration_at"], row["first_denial_at"])
            for row in rows}


def mark_claim_stance(connection: Connection, claim_id: str, stance: str, now: datetime) -> None:
    """Record the claim's first corroboration or first denial (a later one leaves the first in place)."""
    column = {"corroborates": CLAIM_STATES.c.first_corroboration_at, "denies": CLAIM_STATES.c.first_denial_at}[stance]
    connection.execute(update(CLAIM_STATES).where(CLAIM_STATES.c.claim_id == claim_id, column.is_(None))
                       .values({column.key: now, "updated_at": now}))


def story_candidates(connection: Connection, claim_ids: Sequence[str], url: str | None, fingerprint: str,
                     since: datetime) -> list[StoryRow]:
    """Stories seen since `since` that the item could be a copy of: same URL, same fingerprint, or
    evidence for one of the item's claims."""
    has_claim = exists().where(EVIDENCE.c.story_id == STORIES.c.id, EVIDENCE.c.claim_id.in_(list(claim_ids)))
    alike = [STORIES.c.fingerprint == fingerprint, has_claim]
    if url:
        alike.append(STORIES.c.url == url)
    rows = connection.execute(
        select(STORIES.c.id, STORIES.c.url, STORIES.c.fingerprint, STORIES.c.title, STORIES.c.lead)
        .where(STORIES.c.last_seen_at >= since, or_(*alike)).order_by(STORIES.c.id)).all()
    return [StoryRow(*row) for row in rows]


def add_story(connection: Connection, *, url: str | None, fingerprint: str, title: str, lead: str,
              item_id: int, now: datetime) -> int:
    """A new story whose first item is `item_id`."""
    return int(connection.execute(insert(STORIES).values(
        url=url, fingerprint=fingerprint, title=title, lead=lead, first_item_id=item_id, first_seen_at=now,
        last_seen_at=now, copies=1).returning(STORIES.c.id)).scalar_one())


def join_story(connection: Connection, story_id: int, now: datetime) -> None:
    """Count one more copy of the story, seen at `now` (a backfill's copies may be older than the last one)."""
    connection.execute(update(STORIES).where(STORIES.c.id == story_id).values(
        copies=STORIES.c.copies + 1,
        last_seen_at=case((STORIES.c.last_seen_at < now, now), else_=STORIES.c.last_seen_at)))


def set_item_story(connection: Connection, item_id: int, story_id: int) -> None:
    """Link the item to its story."""
    connection.execute(update(ITEMS).where(ITEMS.c.id == item_id).values(story_id=story_id))


def story_claims(connection: Connection, story_id: int) -> set[str]:
    """The claims the story already has evidence for."""
    return set(connection.execute(select(EVIDENCE.c.claim_id).where(EVIDENCE.c.story_id == story_id)
                                  .distinct()).scalars())


def positions(connection: Connection, claim_id: str) -> dict[str, PositionRow]:
    """Every holder's position on the claim."""
    rows = connection.execute(select(POSITIONS).where(POSITIONS.c.claim_id == claim_id)).mappings().all()
    return {row["holder"]: position_from_row(row) for row in rows}


def position_from_row(row: RowMapping) -> PositionRow:
    return PositionRow(row["holder"], row["stance"], row["since"], row["last_seen_at"], row["last_alerted_at"],
                       row["evidence_count"])


def add_evidence(connection: Connection, **values: object) -> int:
    """Store one piece of evidence; returns its id."""
    return int(connection.execute(insert(EVIDENCE).values(**values).returning(EVIDENCE.c.id)).scalar_one())


def link_alert(connection: Connection, evidence_id: int, alert_id: str) -> None:
    """Note the alert an evidence row caused."""
    connection.execute(update(EVIDENCE).where(EVIDENCE.c.id == evidence_id).values(alert_id=alert_id))


def save_position(connection: Connection, claim_id: str, position: PositionRow, evidence_id: int) -> None:
    """Store the holder's position (see `monitor.alerts.decide.next_position`), `evidence_id` its latest evidence."""
    values = {"stance": position.stance, "since": position.since, "last_seen_at": position.last_seen_at,
              "last_evidence_id": evidence_id, "last_alerted_at": position.last_alerted_at,
              "evidence_count": position.evidence_count}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(POSITIONS).values(claim_id=claim_id, holder=position.holder, **values)
                       .on_conflict_do_update(index_elements=["claim_id", "holder"], set_=values))


def count_pending(engine: Engine) -> int:
    """How many item revisions wait to be matched into the ledger."""
    with reading(engine) as connection:
        return int(connection.execute(select(func.count()).select_from(ITEMS)
                                      .where(ITEMS.c.ledger_at.is_(None))).scalar_one())
