"""Named queries on feeds: catalog sync, leasing due feeds, recording each poll's outcome, listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine, RowMapping, Update, bindparam, func, or_, select, update
from sqlmodel import Session

from storage.engine import reading
from storage.models import FEEDS, ITEMS, Feed


@dataclass(frozen=True)
class CatalogEntry:
    """A feed as the analysts' feeds.yaml declares it."""

    name: str
    url: str
    interval_seconds: float | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogChanges:
    """What a catalog sync did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LeasedFeed:
    """A feed this process has claimed for one poll, with what the fetch needs."""

    id: int
    name: str
    url: str
    etag: str | None
    last_modified: str | None
    interval_seconds: float | None
    consecutive_errors: int
    lease_owner: str


class PollStatus(StrEnum):
    """How one poll went: new content, unchanged (304), retired (410), or failed."""

    ok = "ok"
    not_modified = "not_modified"
    gone = "gone"
    error = "error"


@dataclass(frozen=True)
class PollResult:
    """What one poll changes on its feed row; None leaves a field as it is."""

    status: PollStatus
    next_poll_at: datetime
    http_status: int | None = None
    error: str | None = None
    success: bool = False
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retired: bool = False


# Key of the PostgreSQL advisory lock that serialises catalog syncs (migrations hold 7243001).
CATALOG_LOCK = 7243002


def sync_catalog(engine: Engine, entries: Sequence[CatalogEntry], now: datetime) -> CatalogChanges:
    """Make the feeds table match feeds.yaml: add new feeds (due now), update changed ones, deactivate
    removed ones (their items stay).

    Daemons sharing a database sync one at a time, so two of them adding the same feed at once cannot
    collide: on PostgreSQL the transaction first takes an advisory lock (the one waiting then sees the
    other's feeds); SQLite's BEGIN IMMEDIATE serialises writers already.
    """
    changes = CatalogChanges()
    with Session(engine) as session, session.begin():
        if engine.dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(CATALOG_LOCK)))
        existing = {feed.name: feed for feed in session.scalars(select(Feed))}
        for entry in entries:
            feed = existing.pop(entry.name, None)
            if feed is None:
                session.add(Feed(name=entry.name, source_url=entry.url, url=entry.url,
                                 interval_seconds=entry.interval_seconds, tags=list(entry.tags),
                                 next_poll_at=now, created_at=now))
                changes.added.append(entry.name)
                continue
            modified = False
            if feed.source_url != entry.url:
                # The analyst pointed the feed elsewhere: start over at the new address.
                feed.source_url = feed.url = entry.url
                feed.etag = feed.last_modified = None
                feed.retired = False
                feed.consecutive_errors = 0
                feed.next_poll_at = now
                modified = True
            if feed.interval_seconds != entry.interval_seconds or feed.tags != list(entry.tags):
                feed.interval_seconds = entry.interval_seconds
                feed.tags = list(entry.tags)
                modified = True
            if not feed.active:
                feed.active = True
                feed.next_poll_at = min(feed.next_poll_at, now)
                modified = True
            if modified:
                changes.changed.append(entry.name)
        for feed in existing.values():
            if feed.active:
                feed.active = False
                changes.removed.append(feed.name)
    return changes


def lease_due_feeds(engine: Engine, *, now: datetime, owner: str, lease: timedelta, limit: int) -> list[LeasedFeed]:
    """Claim up to `limit` due feeds for `owner` until now + lease.

    On PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED, so several daemons sharing
    one database never claim the same feed; SQLite serialises writers, which gives the same guarantee.
    """
    if limit <= 0:
        return []
    due = (
        select(FEEDS.c.id)
        .where(FEEDS.c.active, ~FEEDS.c.retired, FEEDS.c.next_poll_at <= now)
        .where(or_(FEEDS.c.lease_until.is_(None), FEEDS.c.lease_until < now))
        .order_by(FEEDS.c.next_poll_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (update(FEEDS).where(FEEDS.c.id.in_(due.scalar_subquery()))
             .values(lease_owner=owner, lease_until=now + lease)
             .returning(FEEDS.c.id, FEEDS.c.name, FEEDS.c.url, FEEDS.c.etag, FEEDS.c.last_modified,
                        FEEDS.c.interval_seconds, FEEDS.c.consecutive_errors, FEEDS.c.next_poll_at))
    with engine.begin() as connection:
        rows = sorted(connection.execute(claim).mappings(), key=lambda row: row["next_poll_at"])
    return [LeasedFeed(id=row["id"], name=row["name"], url=row["url"], etag=row["etag"],
                       last_modified=row["last_modified"], interval_seconds=row["interval_seconds"],
                       consecutive_errors=row["consecutive_errors"], lease_owner=owner)
            for row in rows]


_POLL_COLUMNS = ("last_status", "last_polled_at", "next_poll_at", "last_http_status", "consecutive_errors",
                 "last_error", "url", "etag", "last_modified", "retired")
# Built once: the per-poll UPDATE is the hottest statement of a re-poll where every feed answers 304.
_POLL_UPDATE = (update(FEEDS)
                .where(FEEDS.c.id == bindparam("b_id"), FEEDS.c.lease_owner == bindparam("b_owner"))
                .values({name: bindparam(f"b_{name}") for name in _POLL_COLUMNS})
                .values(lease_owner=None, lease_until=None,
                        last_success_at=func.coalesce(bindparam("b_last_success_at"), FEEDS.c.last_success_at)))


def poll_update_values(feed: LeasedFeed, result: PollResult, now: datetime) -> dict[str, object]:
    """The bound values of one poll's UPDATE: every column it sets, from the lease and the result."""
    keep_validators = result.etag is None and result.last_modified is None
    return {
        "b_id": feed.id,
        "b_owner": feed.lease_owner,
        "b_last_status": result.status,
        "b_last_polled_at": now,
        "b_next_poll_at": result.next_poll_at,
        "b_last_http_status": result.http_status,
        "b_consecutive_errors": 0 if result.success else feed.consecutive_errors + 1,
        "b_last_error": None if result.success else result.error,
        "b_last_success_at": now if result.success else None,
        "b_url": result.url if result.url is not None else feed.url,
        "b_etag": feed.etag if keep_validators else result.etag,
        "b_last_modified": feed.last_modified if keep_validators else result.last_modified,
        "b_retired": result.retired,
    }


def poll_update_statement() -> Update:
    """The prebuilt per-poll UPDATE, for executemany with poll_update_values rows."""
    return _POLL_UPDATE


def record_poll(connection: Connection, feed: LeasedFeed, result: PollResult, now: datetime) -> bool:
    """Apply one poll's outcome, guarded by the lease; False when the lease was lost (nothing changed)."""
    return connection.execute(_POLL_UPDATE, poll_update_values(feed, result, now)).rowcount == 1


def release_leases(engine: Engine, *owners: str) -> None:
    """Give back every lease these owners still hold, keeping each feed's schedule."""
    with engine.begin() as connection:
        connection.execute(update(FEEDS).where(FEEDS.c.lease_owner.in_(owners))
                           .values(lease_owner=None, lease_until=None))


def release_feeds(engine: Engine, owner: str, feed_ids: Sequence[int]) -> None:
    """Give back these feeds' leases if `owner` still holds them, keeping their schedule (they stay due)."""
    with engine.begin() as connection:
        connection.execute(update(FEEDS).where(FEEDS.c.id.in_(list(feed_ids)), FEEDS.c.lease_owner == owner)
                           .values(lease_owner=None, lease_until=None))


def lease_owners(engine: Engine) -> list[str]:
    """Every owner that holds a lease now."""
    with reading(engine) as connection:
        return list(connection.execute(select(FEEDS.c.lease_owner).where(FEEDS.c.lease_owner.is_not(None))
                                       .distinct()).scalars())


@dataclass(frozen=True)
class FeedListing:
    """One row of `claimwatch feeds list`."""

    name: str
    url: str
    status: str
    last_result: str | None
    last_poll: datetime | None
    next_poll: datetime | None
    consecutive_errors: int
    last_error: str | None
    items: int
    tags: list[str]


def list_feeds(engine: Engine, overdue_before: datetime | None = None) -> list[FeedListing]:
    """Every feed with its state and stored item count, active ones first, by name; a feed due before
    `overdue_before` and still not polled shows as overdue."""
    counts = select(ITEMS.c.feed_id, func.count().label("n")).group_by(ITEMS.c.feed_id).subquery()
    query = (select(FEEDS, func.coalesce(counts.c.n, 0).label("item_count"))
             .outerjoin(counts, counts.c.feed_id == FEEDS.c.id)
             .order_by(FEEDS.c.active.desc(), FEEDS.c.name))
    with reading(engine) as connection:
        rows = connection.execute(query).mappings().all()
    return [FeedListing(name=row["name"], url=row["url"], status=feed_status(row, overdue_before),
                        last_result=row["last_status"],
                        last_poll=row["last_polled_at"],
                        next_poll=row["next_poll_at"] if row["active"] and not row["retired"] else None,
                        consecutive_errors=row["consecutive_errors"], last_error=row["last_error"],
                        items=row["item_count"], tags=list(row["tags"]))
            for row in rows]


def feed_status(row: RowMapping, overdue_before: datetime | None = None) -> str:
    """ok, failing, overdue, retired, removed or new: the word operators see."""
    return status_word(row["active"], row["retired"], row["consecutive_errors"], row["last_polled_at"],
                       overdue=overdue_before is not None and row["next_poll_at"] < overdue_before)


def status_word(active: bool, retired: bool, consecutive_errors: int, last_polled_at: datetime | None, *,
                overdue: bool = False) -> str:
    """ok, failing, overdue, retired, removed or new, from the feed's columns; `overdue` when it fell due
    long ago and no poll of it has been stored since (nothing polls it, or its polls cannot be stored)."""
    if not active:
        return "removed"
    if retired:
        return "retired"
    if overdue:
        return "overdue"
    if consecutive_errors:
        return "failing"
    return "new" if last_polled_at is None else "ok"
