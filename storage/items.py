"""Named queries on items: storing one poll's items together with its feed state, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from storage.feeds import LeasedFeed, PollResult, record_poll
from storage.models import ITEMS

KEY_CHUNK = 500


@dataclass(frozen=True)
class ItemRecord:
    """One feed entry ready to store: plain text, canonical URL, UTC times, a hash of what it says."""

    key: str
    url: str | None
    title: str
    summary: str
    content: str
    author: str | None
    language: str | None
    published_at: datetime | None
    updated_at: datetime | None
    content_hash: str


_FIELDS = tuple(f.name for f in fields(ItemRecord))


@dataclass(frozen=True)
class StoreOutcome:
    """What one poll stored."""

    new_ids: list[int]
    updated_ids: list[int]
    unchanged: int
    lease_lost: bool = False
    keys: dict[int, str] = field(default_factory=dict)


def store_poll(engine: Engine, feed: LeasedFeed, result: PollResult, items: Sequence[ItemRecord],
               now: datetime) -> StoreOutcome:
    """Insert new items, record changed ones, and update the feed's state, all in one transaction.

    The feed row moves to its next poll only when its items are committed, so a process killed before
    the commit leaves the feed due and its items are fetched again; one killed after it never stores
    them twice. If the lease was lost meanwhile (another process took the feed over) nothing is written.
    """
    unique = list({record.key: record for record in items}.values())
    with engine.begin() as connection:
        if not record_poll(connection, feed, result, now):
            connection.rollback()
            return StoreOutcome([], [], 0, lease_lost=True)
        known = _known_hashes(connection, feed.id, [record.key for record in unique])
        fresh = [record for record in unique if record.key not in known]
        changed = [record for record in unique
                   if record.key in known and known[record.key][1] != record.content_hash]
        new_ids = _insert(connection, feed.id, fresh, now)
        updated_ids = _update(connection, feed.id, changed, known, now)
    keys = dict(zip(new_ids, (r.key for r in fresh), strict=True)) | {
        known[r.key][0]: r.key for r in changed}
    return StoreOutcome(new_ids, updated_ids, len(unique) - len(fresh) - len(changed), keys=keys)


def _chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), KEY_CHUNK):
        yield keys[start:start + KEY_CHUNK]


def _known_hashes(connection: Connection, feed_id: int, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    known: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(keys):
        rows = connection.execute(
            select(ITEMS.c.key, ITEMS.c.id, ITEMS.c.content_hash)
            .where(ITEMS.c.feed_id == feed_id, ITEMS.c.key.in_(chunk)))
        known.update({key: (item_id, digest) for key, item_id, digest in rows})
    return known


def _insert(connection: Connection, feed_id: int, records: Sequence[ItemRecord], now: datetime) -> list[int]:
    if not records:
        return []
    rows = [{**_shallow(record), "feed_id": feed_id, "revision": 1, "first_seen_at": now} for record in records]
    result = connection.execute(insert(ITEMS).returning(ITEMS.c.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def _shallow(record: ItemRecord) -> dict[str, object]:
    # dataclasses.asdict deep-copies every value; the fields are immutable, so a plain read is enough.
    return {name: getattr(record, name) for name in _FIELDS}


def _update(connection: Connection, feed_id: int, records: Sequence[ItemRecord],
            known: dict[str, tuple[int, str]], now: datetime) -> list[int]:
    if not records:
        return []
    fields = [name for name in ItemRecord.__dataclass_fields__ if name != "key"]
    statement = (update(ITEMS).where(ITEMS.c.id == bindparam("b_id"))
                 .values({name: bindparam(f"b_{name}") for name in fields})
                 .values(revision=ITEMS.c.revision + 1, changed_at=now, ledger_at=None, pruned_at=None))
    params = [{"b_id": known[record.key][0], **{f"b_{name}": getattr(record, name) for name in fields}}
              for record in records]
    connection.execute(statement, params)
    return [known[record.key][0] for record in records]


def store_article_text(engine: Engine, item_id: int, revision: int, text: str, now: datetime) -> bool:
    """Replace the item's content with its article's text as a new revision waiting to be matched again;
    False when the item has meanwhile changed (its newer revision is left alone). The content hash stays
    the feed's, so the feed listing the item unchanged does not bring the short text back."""
    with engine.begin() as connection:
        changed = connection.execute(
            update(ITEMS).where(ITEMS.c.id == item_id, ITEMS.c.revision == revision)
            .values(content=text, revision=ITEMS.c.revision + 1, changed_at=now, ledger_at=None)).rowcount
    return bool(changed)
