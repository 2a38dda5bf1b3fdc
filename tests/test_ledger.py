"""The claim ledger fed by the real poller: stories, positions and outbox rows, stage by stage."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from monitor.alerts.ledger import Ledger
from monitor.config import AlertSettings, ChannelSettings, Config
from monitor.daemon import Rules, make_owner, poller_for
from monitor.logs import make_logger
from storage.models import ALERTS, DELIVERIES, EVIDENCE, ITEMS, POSITIONS
from storage.silences import add_silence
from tests.feedserver import FeedServer, Reply
from tests.helpers import FakeClock, fast_polling, ingest_stack, rss

ROOT = Path(__file__).parent.parent
SCENARIO = json.loads((ROOT / "tests" / "fixtures" / "seed-scenario.json").read_text())
CLAIM = "china-lethal-aid-russia"
FEEDS = ("wire", "usdesk", "herald", "daily", "asia")


class Newsroom:
    """Five loopback feeds publishing the seed scenario's items, a rules folder with the shipped actors and
    the seed claim, and real poller runs on a FakeClock."""

    def __init__(self, tmp_path: Path, database_url: str, engine: Engine, server: FeedServer,
                 **alerts: Any) -> None:
        rules = tmp_path / "rules"
        (rules / "claims").mkdir(parents=True)
        shutil.copy(ROOT / "rules" / "actors.yaml", rules / "actors.yaml")
        shutil.copy(ROOT / "rules" / "claims" / f"{CLAIM}.yaml", rules / "claims" / f"{CLAIM}.yaml")
        lines = ["feeds:"] + [f"  - name: {name}\n    url: {server.url(f'/{name}.xml')}" for name in FEEDS]
        (rules / "feeds.yaml").write_text("\n".join(lines) + "\n")
        self.config = Config(state_dir=tmp_path / "state", rules_dir=rules, database_url=database_url,
                             polling=fast_polling(), alerts=AlertSettings(**alerts),
                             channels=[ChannelSettings(name="hook", url="json://127.0.0.1:9/", tags=["default"])])
        self.engine = engine
        self.server = server
        self.clock = FakeClock()
        self.published: dict[str, list[dict[str, str]]] = {name: [] for name in FEEDS}
        for name in FEEDS:
            self._serve(name)

    def _serve(self, name: str) -> None:
        self.server.add(f"/{name}.xml", Reply(body=rss(self.published[name], title=name)))

    def publish(self, items: list[dict[str, str]], *, age: timedelta = timedelta(minutes=10)) -> None:
        """Add items to their feeds, published `age` before the clock's now."""
        for item in items:
            fields = {k: v for k, v in item.items() if k != "feed"}
            fields["pubDate"] = format_datetime(self.clock() - age)
            self.published[item["feed"]].append(fields)
            self._serve(item["feed"])

    def poll(self) -> list[tuple[str, str, str]]:
        """Advance 20 minutes, poll every feed, and return the alerts this poll created (kind, holder, state)."""
        self.clock.advance(20 * 60)
        before = self.alerts()
        with ingest_stack(self.config, self.engine, self.clock) as poller:
            poller.run_once()
        return self.alerts()[len(before):]

    def store_only(self) -> None:
        """Advance 20 minutes and poll every feed with no ledger stage, as a process killed right after
        storing its items would leave them."""
        self.clock.advance(20 * 60)
        log = make_logger(json=True, level="error")
        rules = Rules(self.config, self.engine, log, make_owner(), self.clock)
        rules.reload("test")
        with poller_for(self.config, self.engine, log, self.clock, ledger=None) as poller:
            poller.run_once()

    def ledger(self) -> Ledger:
        """A ledger on the rules folder, as a (re)started daemon builds it."""
        log = make_logger(json=True, level="error")
        rules = Rules(self.config, self.engine, log, make_owner(), self.clock)
        rules.reload("test")
        return Ledger(self.engine, self.config, rules.current, self.clock, log)

    def alerts(self) -> list[tuple[str, str, str]]:
        """Every alert row in creation order."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(ALERTS.c.kind, ALERTS.c.holder, ALERTS.c.state)
                                      .order_by(ALERTS.c.created_at, ALERTS.c.id)).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def count(self, table: Any) -> int:
        """Rows in a table."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_seed_story_alerts_once_per_new_stance(tmp_path: Path, database_url: str, engine: Engine,
                                               feed_server: FeedServer) -> None:
    """The seed story stage by stage: the assertion, the US denial and China's rebuttal each alert once;
    retitled copies, the embassy's non-comment and a rerun alert nothing."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"]:
        newsroom.publish(stage["items"])
        created = newsroom.poll()
        assert [(kind, holder) for kind, holder, _ in created] == [tuple(a) for a in stage["alerts"]], stage["name"]
        assert all(state == "pending" for _, _, state in created)
    with engine.connect() as connection:
        positions = dict(connection.execute(select(POSITIONS.c.holder, POSITIONS.c.stance)
                                            .where(POSITIONS.c.claim_id == CLAIM)).all())
        copies = connection.execute(select(func.count()).select_from(EVIDENCE)
                                    .where(EVIDENCE.c.decision == "copy")).scalar_one()
        deliveries = connection.execute(select(DELIVERIES.c.channel, DELIVERIES.c.state)).all()
    assert positions["uk-government"] == "corroborates"
    assert positions["us-government"] == "denies"
    assert positions["china"] == "denies"
    assert copies >= 3
    assert deliveries == [("hook", "pending")] * 3


def test_old_news_enters_the_ledger_without_alerting(tmp_path: Path, database_url: str, engine: Engine,
                                                     feed_server: FeedServer) -> None:
    """An item already five days old when first seen updates the picture but sends nothing; a fresh one
    from another holder still alerts."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    newsroom.publish(SCENARIO["stages"][0]["items"], age=timedelta(days=5))
    assert newsroom.poll() == []
    with engine.connect() as connection:
        decisions = set(connection.execute(select(EVIDENCE.c.decision)).scalars())
        held = connection.execute(select(POSITIONS.c.stance).where(POSITIONS.c.holder == "uk-government")).scalar()
    assert "too_old" in decisions and held == "corroborates"
    newsroom.publish(SCENARIO["stages"][1]["items"])
    assert [(kind, holder) for kind, holder, _ in newsroom.poll()] == [("first_denial", "us-government")]


def test_silenced_alert_is_recorded_not_queued(tmp_path: Path, database_url: str, engine: Engine,
                                               feed_server: FeedServer) -> None:
    """Under a silence for the claim the alert is stored as silenced, with no delivery."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    add_silence(engine, claim_id=CLAIM, speaker=None, reason="briefing the minister", now=newsroom.clock(),
                ends_at=newsroom.clock() + timedelta(hours=6))
    newsroom.publish(SCENARIO["stages"][0]["items"])
    assert newsroom.poll() == [("first_corroboration", "uk-government", "silenced")]
    assert newsroom.count(DELIVERIES) == 0


def test_items_left_unrecorded_are_recorded_by_the_backlog(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Items stored by a process that died before its ledger stage wait in the database; the backlog pass
    of the next daemon records them, and a second pass finds nothing left."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    newsroom.publish(SCENARIO["stages"][0]["items"])
    newsroom.store_only()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ITEMS)
                                  .where(ITEMS.c.ledger_at.is_(None))).scalar_one() == 1
    ledger = newsroom.ledger()
    assert ledger.backlog().alerts == 1
    assert ledger.backlog().items == 0
    assert [kind for kind, _, _ in newsroom.alerts()] == ["first_corroboration"]


def test_concurrent_ledgers_record_each_item_once(tmp_path: Path, database_url: str, engine: Engine,
                                                  feed_server: FeedServer) -> None:
    """Four ledgers (as four daemons would) racing over the same waiting items record each one once and
    decide one first corroboration and one first denial, not four of each."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"][:3]:
        newsroom.publish(stage["items"])
    newsroom.store_only()
    ledgers = [newsroom.ledger() for _ in range(4)]
    start = threading.Barrier(len(ledgers))

    def race(ledger: Ledger) -> None:
        start.wait()
        ledger.backlog()

    threads = [threading.Thread(target=race, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with engine.connect() as connection:
        per_item = connection.execute(select(EVIDENCE.c.item_id, EVIDENCE.c.speaker, func.count())
                                      .group_by(EVIDENCE.c.item_id, EVIDENCE.c.speaker)).all()
        pending = connection.execute(select(func.count()).select_from(ITEMS)
                                     .where(ITEMS.c.ledger_at.is_(None))).scalar_one()
    assert per_item and all(n == 1 for _, _, n in per_item) and pending == 0
    kinds = sorted(kind for kind, _, _ in newsroom.alerts())
    assert kinds == ["first_corroboration", "first_denial"]
