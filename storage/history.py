"""Named queries that read back what is already stored, for a replay of edited rules and for backfills: items
in id order from a cursor, the evidence recorded for them, and what the ledger held before a moment."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, select

from storage.ledger import PendingItem
from storage.models import CORRECTIONS, EVIDENCE, FEEDS, ITEMS


@dataclass(frozen=True)
class StoredItem:
    """An item already matched into the ledger, and the story it was folded into (None when it matched nothing)."""

    item: PendingItem
    story_id: int | None


@dataclass(frozen=True)
class RecordedMatch:
    """What the ledger recorded for one (item, claim, speaker) match."""

    evidence_id: int
    item_id: int
    claim_id: str
    stance: str
    speaker: str
    holder: str
    decision: str
    alert_id: str | None
    why: str


@dataclass(frozen=True)
class Page:
    """One page of `stored_items`: the items that qualify, and the last id looked at (the next cursor; None
    when there was nothing after the cursor)."""

    items: list[StoredItem]
    last_id: int | None


def stored_items(connection: Connection, *, since: datetime, after_id: int, limit: int,
                 upto_id: int | None = None, only: Collection[int] | None = None) -> Page:
    """The next `limit` item ids after `after_id` (up to `upto_id`), keeping those first seen since `since`,
    already matched into the ledger and not pruned. The page walks the primary key alone (the other tests
    are applied to its rows), so each page costs the same however far the cursor has gone."""
    query = (select(ITEMS.c.id, ITEMS.c.revision, FEEDS.c.name, FEEDS.c.tags, ITEMS.c.url, ITEMS.c.title,
                    ITEMS.c.summary, ITEMS.c.content, ITEMS.c.published_at, ITEMS.c.first_seen_at, ITEMS.c.story_id,
                    ITEMS.c.ledger_at, ITEMS.c.pruned_at, ITEMS.c.language)
             .join(FEEDS, FEEDS.c.id == ITEMS.c.feed_id).where(ITEMS.c.id > after_id)
             .order_by(ITEMS.c.id).limit(limit))
    if upto_id is not None:
        query = query.where(ITEMS.c.id <= upto_id)
    if only is not None:
        query = query.where(ITEMS.c.id.in_(list(only)))
    rows = connection.execute(query).all()
    items = [StoredItem(PendingItem(id=row[0], revision=row[1], feed=row[2], feed_tags=tuple(row[3] or ()),
                                    url=row[4], title=row[5], text="\n\n".join(filter(None, (row[6], row[7]))),
                                    published_at=row[8], first_seen_at=row[9], language=row[13]), row[10])
             for row in rows if row[11] is not None and row[12] is None and row[9] >= since]
    return Page(items, rows[-1][0] if rows else None)


@dataclass(frozen=True)
class TextPage:
    """One page of `stored_texts`: (id, title, text) of the items that qualify, and the last id looked at."""

    texts: list[tuple[int, str, str]]
    last_id: int | None


def stored_texts(connection: Connection, *, since: datetime, after_id: int, limit: int,
                 upto_id: int | None = None) -> TextPage:
    """As `stored_items`, only each item's id, title and text: what matching needs, read without the cost
    of the other columns (a backfill reads the rest with `items_by_id` for the few that match)."""
    eligible = and_(ITEMS.c.ledger_at.is_not(None), ITEMS.c.pruned_at.is_(None), ITEMS.c.first_seen_at >= since)
    query = (select(ITEMS.c.id, ITEMS.c.title, ITEMS.c.summary, ITEMS.c.content, eligible)
             .where(ITEMS.c.id > after_id).order_by(ITEMS.c.id).limit(limit))
    if upto_id is not None:
        query = query.where(ITEMS.c.id <= upto_id)
    rows = connection.execute(query).all()
    texts = [(row[0], row[1], "\n\n".join(filter(None, (row[2], row[3])))) for row in rows if row[4]]
    return TextPage(texts, rows[-1][0] if rows else None)


def items_by_id(connection: Connection, item_ids: Collection[int]) -> list[StoredItem]:
    """These items in full, with their feeds and stories, in id order."""
    if not item_ids:
        return []
    ids = sorted(item_ids)
    return stored_items(connection, since=datetime.min.replace(tzinfo=UTC), after_id=ids[0] - 1,
                        upto_id=ids[-1], limit=ids[-1] - ids[0] + 1, only=ids).items


def cursor_before(connection: Connection, since: datetime) -> int:
    """A cursor just before the first item first seen since `since` (items are stored in time order, so a
    walk from there skips the older ones without reading them)."""
    first = connection.execute(select(func.min(ITEMS.c.id)).where(ITEMS.c.first_seen_at >= since)).scalar()
    return int(first) - 1 if first is not None else newest_item_id(connection)


def count_stored_items(connection: Connection, *, since: datetime, after_id: int = 0,
                       upto_id: int | None = None) -> int:
    """How many items `stored_items` would go through."""
    query = select(func.count()).select_from(ITEMS).where(
        ITEMS.c.id > after_id, ITEMS.c.ledger_at.is_not(None), ITEMS.c.pruned_at.is_(None),
        ITEMS.c.first_seen_at >= since)
    if upto_id is not None:
        query = query.where(ITEMS.c.id <= upto_id)
    return int(connection.execute(query).scalar_one())


def newest_item_id(connection: Connection) -> int:
    """The highest item id stored (0 when there is none)."""
    return int(connection.execute(select(func.coalesce(func.max(ITEMS.c.id), 0))).scalar_one())


def recorded_matches(connection: Connection, item_ids: Collection[int],
                     claim_ids: Collection[str] | None = None) -> list[RecordedMatch]:
    """The evidence recorded for these items (of these claims), in the order it was recorded."""
    query = (select(EVIDENCE.c.id, EVIDENCE.c.item_id, EVIDENCE.c.claim_id, EVIDENCE.c.stance, EVIDENCE.c.speaker,
                    EVIDENCE.c.holder, EVIDENCE.c.decision, EVIDENCE.c.alert_id, EVIDENCE.c.why)
             .where(EVIDENCE.c.item_id.in_(list(item_ids))).order_by(EVIDENCE.c.id))
    if claim_ids is not None:
        query = query.where(EVIDENCE.c.claim_id.in_(list(claim_ids)))
    return [RecordedMatch(*row) for row in connection.execute(query)]


def items_with_evidence(connection: Connection, claim_id: str, item_ids: Collection[int]) -> set[int]:
    """Those of the items that already have evidence for the claim."""
    return set(connection.execute(select(EVIDENCE.c.item_id).where(
        EVIDENCE.c.claim_id == claim_id, EVIDENCE.c.item_id.in_(list(item_ids))).distinct()).scalars())


def dismissed_pairs(connection: Connection, item_ids: Collection[int]) -> set[tuple[int, str]]:
    """(item, claim) pairs an analyst dismissed, among these items."""
    return {(row[0], row[1]) for row in connection.execute(
        select(CORRECTIONS.c.item_id, CORRECTIONS.c.claim_id).where(
            CORRECTIONS.c.item_id.in_(list(item_ids)), CORRECTIONS.c.action == "dismiss").distinct())}


def stories_covered_before(connection: Connection, before: datetime,
                           claim_ids: Collection[str]) -> set[tuple[int, str]]:
    """(story, claim) pairs that had evidence recorded before `before`."""
    return {(row[0], row[1]) for row in connection.execute(
        select(EVIDENCE.c.story_id, EVIDENCE.c.claim_id).where(
            EVIDENCE.c.seen_at < before, EVIDENCE.c.claim_id.in_(list(claim_ids))).distinct())}
