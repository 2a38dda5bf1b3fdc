"""Storage on SQLite and PostgreSQL: migrations, leases, and storing one poll atomically."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, text

from storage.engine import is_current, make_engine, reading, upgrade
from storage.feeds import CatalogEntry, PollResult, PollStatus, lease_due_feeds, list_feeds, sync_catalog
from storage.items import ItemRecord, store_poll
from storage.models import FEEDS, ITEMS

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def _record(key: str, text_: str = "body") -> ItemRecord:
    return ItemRecord(key=key, url=f"http://e.com/{key}", title=key, summary=text_, content="", author=None,
                      language="en", published_at=NOW, updated_at=None, content_hash=f"hash-{text_}")


def test_migrations_create_schema_and_are_idempotent(engine: Engine, database_url: str) -> None:
    """Upgrading twice is harmless and leaves the schema at the newest migration with both tables."""
    upgrade(engine)
    assert is_current(engine)
    assert {"feeds", "items", "alembic_version"} <= set(inspect(engine).get_table_names())


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The embedded default is WAL, with foreign keys enforced and a busy timeout."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'cw.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    engine.dispose()


def _write_row(path: Path) -> str:
    """Insert a row from another connection that waits at most a quarter of a second for the write lock:
    "ok", or SQLite's error."""
    writer = sqlite3.connect(path, timeout=0.25, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO notes VALUES ('written')")
        writer.execute("COMMIT")
        return "ok"
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        writer.close()


def test_sqlite_readers_leave_the_write_lock_to_writers(tmp_path: Path) -> None:
    """On SQLite a `reading` connection mid-transaction keeps its snapshot and never blocks a writer, while
    a connection that may write holds the lock from its BEGIN."""
    path = tmp_path / "cw.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    count = text("SELECT count(*) FROM notes")
    with reading(engine) as reader:
        assert reader.execute(count).scalar() == 0
        assert _write_row(path) == "ok"
        assert reader.execute(count).scalar() == 0  # the reader's snapshot
    with reading(engine) as reader:
        assert reader.execute(count).scalar() == 1
    with engine.connect() as connection:
        connection.execute(count)
        assert _write_row(path) == "database is locked"
    engine.dispose()


def test_a_due_feed_is_leased_once(engine: Engine) -> None:
    """A leased feed is not handed to another owner until its lease expires."""
    sync_catalog(engine, [CatalogEntry("a", "http://a/"), CatalogEntry("b", "http://b/")], NOW)
    first = lease_due_feeds(engine, now=NOW, owner="one", lease=LEASE, limit=10)
    assert sorted(feed.name for feed in first) == ["a", "b"]
    assert lease_due_feeds(engine, now=NOW + timedelta(minutes=1), owner="two", lease=LEASE, limit=10) == []
    expired = lease_due_feeds(engine, now=NOW + timedelta(minutes=6), owner="two", lease=LEASE, limit=10)
    assert sorted(feed.name for feed in expired) == ["a", "b"]


def test_concurrent_leasing_never_hands_a_feed_to_two_owners(engine: Engine) -> None:
    """Eight threads leasing at once from 200 due feeds claim each feed exactly once."""
    sync_catalog(engine, [CatalogEntry(f"f{n}", f"http://h/{n}") for n in range(200)], NOW)
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def worker(owner: str) -> None:
        mine: list[int] = []
        while batch := lease_due_feeds(engine, now=NOW, owner=owner, lease=LEASE, limit=7):
            mine.extend(feed.id for feed in batch)
        with lock:
            claimed.append(mine)

    threads = [threading.Thread(target=worker, args=(f"owner-{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [feed_id for mine in claimed for feed_id in mine]
    assert len(every) == 200 and len(set(every)) == 200


def test_store_poll_inserts_updates_and_moves_schedule(engine: Engine) -> None:
    """New items are inserted, changed ones updated in place, repeats ignored, and the feed rescheduled."""
    sync_catalog(engine, [CatalogEntry("a", "http://a/")], NOW)
    [feed] = lease_due_feeds(engine, now=NOW, owner="me", lease=LEASE, limit=1)
    ok = PollResult(status=PollStatus.ok, success=True, next_poll_at=NOW + timedelta(minutes=15), etag='"1"')
    first = store_poll(engine, feed, ok, [_record("x"), _record("y"), _record("x")], NOW)
    assert (len(first.new_ids), first.updated_ids, first.unchanged) == (2, [], 0)
    [feed] = lease_due_feeds(engine, now=NOW + timedelta(minutes=20), owner="me", lease=LEASE, limit=1)
    assert feed.etag == '"1"'
    second = store_poll(engine, feed, ok, [_record("x"), _record("y", "edited"), _record("z")], NOW)
    assert (len(second.new_ids), len(second.updated_ids), second.unchanged) == (1, 1, 1)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ITEMS)).scalar() == 3
        revisions = dict(connection.execute(select(ITEMS.c.key, ITEMS.c.revision)).all())
    assert revisions == {"x": 1, "y": 2, "z": 1}
    [row] = list_feeds(engine)
    assert (row.status, row.items, row.next_poll) == ("ok", 3, NOW + timedelta(minutes=15))


def test_store_poll_after_losing_the_lease_writes_nothing(engine: Engine) -> None:
    """A process whose lease was taken over (it stalled past expiry) cannot overwrite the new owner's work."""
    sync_catalog(engine, [CatalogEntry("a", "http://a/")], NOW)
    [stale] = lease_due_feeds(engine, now=NOW, owner="slow", lease=LEASE, limit=1)
    [fresh] = lease_due_feeds(engine, now=NOW + timedelta(minutes=6), owner="fast", lease=LEASE, limit=1)
    ok = PollResult(status=PollStatus.ok, success=True, next_poll_at=NOW + timedelta(hours=1))
    outcome = store_poll(engine, stale, ok, [_record("x")], NOW)
    assert outcome.lease_lost and outcome.new_ids == []
    assert store_poll(engine, fresh, ok, [_record("x")], NOW).new_ids != []
    with engine.connect() as connection:
        assert connection.execute(select(FEEDS.c.lease_owner)).scalar() is None


def test_catalog_syncs_at_the_same_moment_add_each_feed_once(database_url: str) -> None:
    """Four daemons' engines syncing the same new feeds at the same moment all succeed, and each feed is
    added once."""
    engines = [make_engine(database_url) for _ in range(4)]
    upgrade(engines[0])
    entries = [CatalogEntry(f"f{n}", f"http://h/{n}") for n in range(50)]
    start = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def sync(engine: Engine) -> None:
        start.wait()
        try:
            sync_catalog(engine, entries, NOW)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sync, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engines[0].connect() as connection:
        names = list(connection.execute(select(FEEDS.c.name)).scalars())
    for engine in engines:
        engine.dispose()
    assert errors == []
    assert sorted(names) == sorted(entry.name for entry in entries)
