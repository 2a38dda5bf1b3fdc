"""Named queries that read back what is already stored, for a replay of edited rules and for backfills: items
in the order the ledger recorded them (a replay) or in id order (a backfill) from a cursor, the evidence
recorded for them, and what the ledger held before a moment."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, tuple_

from storage.ledger import PendingItem
from storage.models import CORRECTIONS, EVIDENCE, FEEDS, ITEMS
from storage.types import UTCDateTime


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
class LedgerCursor:
    """A place in the ledger's order, which is (ledger_at, id): the ledger stamps each item when it records
    it, and items stamped alike were recorded in id order (one pass, one timestamp)."""

    ledger_at: datetime
    item_id: int


@dataclass(frozen=True)
class Page:
    """One page of `stored_items`: the items that qualify, and the last item looked at (the next cursor;
    None when there was nothing after the cursor)."""

    items: list[StoredItem]
    last: LedgerCursor | None


_ITEM_COLUMNS = (ITEMS.c.id, ITEMS.c.revision, FEEDS.c.name, FEEDS.c.tags, ITEMS.c.url, ITEMS.c.title,
                 ITEMS.c.summary, ITEMS.c.content, ITEMS.c.published_at, ITEMS.c.first_seen_at, ITEMS.c.story_id,
                 ITEMS.c.language, ITEMS.c.ledger_at, ITEMS.c.pruned_at)


def _stored(row: Sequence[Any]) -> StoredItem:
    return StoredItem(PendingItem(id=row[0], revision=row[1], feed=row[2], feed_tags=tuple(row[3] or ()),
                                  url=row[4], title=row[5], text="\n\n".join(filter(None, (row[6], row[7]))),
                                  published_at=row[8], first_seen_at=row[9], language=row[11]), row[10])


def ledger_start(connection: Connection, since: datetime) -> LedgerCursor | None:
    """A cursor just before the first item, in the ledger's order, of those first seen since `since` (None
    when none of them is recorded yet)."""
    first = connection.execute(select(func.min(ITEMS.c.ledger_at)).where(ITEMS.c.first_seen_at >= since)).scalar()
    return LedgerCursor(first, 0) if first is not None else None


def stored_items(connection: Connection, *, since: datetime, after: LedgerCursor, limit: int) -> Page:
    """The next `limit` recorded items after `after` in the ledger's order, keeping those first seen since
    `since` and not pruned. The page walks the (ledger_at, id) index alone (the other tests are applied to
    its rows), so each page costs the same however far the cursor has gone."""
    position = tuple_(ITEMS.c.ledger_at, ITEMS.c.id)
    query = (select(*_ITEM_COLUMNS).join(FEEDS, FEEDS.c.id == ITEMS.c.feed_id)
             .where(position > tuple_(bindparam("after_at", after.ledger_at, type_=UTCDateTime()),
                                      bindparam("after_id", after.item_id)))
             .order_by(ITEMS.c.ledger_at, ITEMS.c.id).limit(limit))
    rows = connection.execute(query).all()
    items = [_stored(row) for row in rows if row[13] is None and row[9] >= since]
    return Page(items, LedgerCursor(rows[-1][12], rows[-1][0]) if rows else None)


@dataclass(frozen=True)
class TextPage:
    """One page of `stored_texts`: (id, title, text) of the items that qualify, and the last id looked at."""

    texts: list[tuple[int, str, str]]
    last_id: int | None


def stored_texts(connection: Connection, *, since: datetime, after_id: int, limit: int,
                 upto_id: int | None = None) -> TextPage:
    """The next `limit` item ids after `after_id` (up to `upto_id`) in id order, each with its title and text
    when it was first seen since `since`, is recorded in the ledger and not pruned: what matching needs, read
    without the cost of the other columns (a backfill reads the rest with `items_by_id` for the few that
    match). The page walks the primary key alone, so each costs the same however far the cursor has gone."""
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
    query = (select(*_ITEM_COLUMNS).join(FEEDS, FEEDS.c.id == ITEMS.c.feed_id)
             .where(ITEMS.c.id.in_(sorted(item_ids))).order_by(ITEMS.c.id))
    return [_stored(row) for row in connection.execute(query)]


def cursor_before(connection: Connection, since: datetime) -> int:
    """A cursor just before the first item first seen since `since` (items are stored in time order, so a
    walk from there skips the older ones without reading them)."""
    first = connection.execute(select(func.min(ITEMS.c.id)).where(ITEMS.c.first_seen_at >= since)).scalar()
    return int(first) - 1 if first is not None else newest_item_id(connection)


def count_stored_items(connection: Connection, *, since: datetime, after_id: int = 0,
                       upto_id: int | None = None) -> int:
    """How many items a walk since `since` goes through (`stored_items`, or `stored_texts` between the ids)."""
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
