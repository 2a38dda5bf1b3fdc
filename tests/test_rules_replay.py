"""Replaying rules over stored items: the daemon's own decisions, compared with the record, nothing written."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from monitor.alerts.ledger import Recorder
from monitor.alerts.rules_replay import ChangeKind, replay
from monitor.daemon import Rules, make_owner
from monitor.logs import make_logger
from monitor.rulebook.loader import load_rulebook
from storage.history import ledger_start, stored_items
from storage.models import ALERTS, CLAIM_STATES, EVIDENCE, ITEMS, POSITIONS
from tests.feedserver import FeedServer
from tests.helpers import FakeClock
from tests.newsroom import CLAIM, SCENARIO, SCOPES, Newsroom, edited_rules


def _seeded(tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> Newsroom:
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"]:
        newsroom.publish(stage["items"])
        newsroom.poll()
    newsroom.publish([SCOPES])
    newsroom.poll()
    return newsroom


def test_replaying_the_rules_in_force_changes_nothing(tmp_path: Path, database_url: str, engine: Engine,
                                                      feed_server: FeedServer) -> None:
    """The rules the daemon ran, replayed over the seed story, decide every item as it was recorded."""
    newsroom = _seeded(tmp_path, database_url, engine, feed_server)
    book = load_rulebook(newsroom.config.rules_dir)
    report = replay(engine, book, newsroom.config.alerts, since=newsroom.clock() - timedelta(days=7))
    assert report.items >= 7 and report.claims == (CLAIM,)
    assert report.changes == ()


def test_an_edited_claim_shows_the_alert_it_would_add_and_writes_nothing(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Adding 'rifle scopes' to the claim lists one new alert, Ukraine corroborating in the scopes item,
    explained; the database is left as it was."""
    newsroom = _seeded(tmp_path, database_url, engine, feed_server)
    book = load_rulebook(edited_rules(newsroom.config.rules_dir, tmp_path / "edited", "rifle scopes"))
    counts = [newsroom.count(table) for table in (EVIDENCE, ALERTS, POSITIONS)]
    report = replay(engine, book, newsroom.config.alerts, since=newsroom.clock() - timedelta(days=7),
                    claim_ids=[CLAIM])
    [change] = report.changes
    assert (change.kind, change.holder, change.title) == (ChangeKind.new_alert, "ukraine", SCOPES["title"])
    assert change.recorded is None and change.replayed is not None
    assert (change.replayed.stance, change.replayed.speaker) == ("corroborates", "ukraine-military-intelligence")
    assert change.explanation.startswith("corroborates") and "Budanov" in change.explanation
    assert [newsroom.count(table) for table in (EVIDENCE, ALERTS, POSITIONS)] == counts


def test_a_window_that_opens_late_starts_from_the_picture_before_it(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Replaying only the last poll starts from the picture recorded before it, so China's denial there is
    still a new speaker, as recorded, and nothing differs."""
    newsroom = _seeded(tmp_path, database_url, engine, feed_server)
    book = load_rulebook(newsroom.config.rules_dir)
    report = replay(engine, book, newsroom.config.alerts, since=newsroom.clock() - timedelta(minutes=50))
    assert 0 < report.items < 7 and report.changes == ()


def test_items_recorded_out_of_id_order_replay_in_the_ledgers_order(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Items stored first and recorded by the real ledger in the reverse of their ids (as concurrent poll
    workers may) replay unchanged under the rules that recorded them."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"]:
        newsroom.publish(stage["items"])
        newsroom.store_only()
    ledger = newsroom.ledger()
    with engine.connect() as connection:
        ids = list(connection.execute(select(ITEMS.c.id).order_by(ITEMS.c.id.desc())).scalars())
    for item_id in ids:
        newsroom.clock.advance(60)
        ledger.record([item_id])
    with engine.connect() as connection:
        first = connection.execute(select(ITEMS.c.title).join(EVIDENCE, EVIDENCE.c.item_id == ITEMS.c.id)
                                   .where(EVIDENCE.c.decision == "first_corroboration")).scalar_one()
    assert first != SCENARIO["stages"][0]["items"][0]["title"]  # a later copy was the ledger's first
    book = load_rulebook(newsroom.config.rules_dir)
    report = replay(engine, book, newsroom.config.alerts, since=newsroom.clock() - timedelta(days=7))
    assert report.items == len(ids) and report.changes == ()


def test_items_stamped_alike_replay_in_id_order(tmp_path: Path, database_url: str, engine: Engine,
                                                feed_server: FeedServer) -> None:
    """Items the ledger stamps with one time (one pass, a clock that did not move) are walked in id order,
    the order that pass recorded them in, a page at a time."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"]:
        newsroom.publish(stage["items"])
    newsroom.store_only()
    newsroom.ledger().record()
    since = newsroom.clock() - timedelta(days=7)
    walked = []
    with engine.connect() as connection:
        after = ledger_start(connection, since)
        while after is not None:
            page = stored_items(connection, since=since, after=after, limit=2)
            walked += [stored.item.id for stored in page.items]
            after = page.last
        ids = list(connection.execute(select(ITEMS.c.id).order_by(ITEMS.c.id)).scalars())
    assert walked == ids and len(ids) > 2


class WatchingClock:
    """The newsroom's clock, a second later at each reading, noting whether the claim's state row was locked
    by another transaction when it was read."""

    def __init__(self, clock: FakeClock, database_url: str, engine: Engine) -> None:
        self.clock, self.database_url, self.engine = clock, database_url, engine
        self.locked_at: dict[datetime, bool] = {}

    def __call__(self) -> datetime:
        self.clock.advance(1)
        now = self.clock()
        self.locked_at[now] = self.locked()
        return now

    def locked(self) -> bool:
        """Whether another transaction holds the lock a recording takes first."""
        if self.engine.dialect.name == "sqlite":  # the write lock, taken at BEGIN IMMEDIATE
            probe = sqlite3.connect(self.database_url.removeprefix("sqlite:///"), timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                probe.close()
        with self.engine.connect() as connection:
            try:
                connection.execute(select(CLAIM_STATES.c.claim_id).where(CLAIM_STATES.c.claim_id == CLAIM)
                                   .with_for_update(nowait=True)).all()
                return False
            except OperationalError:
                return True
            finally:
                connection.rollback()


def test_the_ledger_stamps_an_item_while_it_holds_the_claims_lock(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """The ledger reads the time it stamps an item with once the item's claims are locked, so concurrent
    workers' stamps follow the order in which the ledger decided their items."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"][:2]:
        newsroom.publish(stage["items"])
        newsroom.store_only()
    with engine.connect() as connection:
        first, second = connection.execute(select(ITEMS.c.id).order_by(ITEMS.c.id)).scalars().all()[:2]
    newsroom.ledger().record([first])  # the claim's state row exists from here on
    log = make_logger(json=True, level="error")
    rules = Rules(newsroom.config, engine, log, make_owner(), newsroom.clock)
    rules.reload("test")
    clock = WatchingClock(newsroom.clock, database_url, engine)
    assert Recorder(engine, newsroom.config, rules.current, clock, log).record([second]).evidence > 0
    with engine.connect() as connection:
        stamped = connection.execute(select(ITEMS.c.ledger_at).where(ITEMS.c.id == second)).scalar_one()
    assert clock.locked_at[stamped] and not clock.locked()
