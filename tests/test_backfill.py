"""Backfills on a ledger built by the real poller: a claim added later gets its picture from the stored items."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from monitor.alerts.backfill import Backfiller, start_backfills
from monitor.config import Config
from monitor.daemon import Rules, make_owner
from monitor.logs import make_logger
from monitor.rulebook.loader import load_rulebook
from storage.backfills import BackfillState, lease_backfill, list_backfills
from storage.claims import claim_positions
from storage.models import ALERTS, DELIVERIES, EVIDENCE
from tests.feedserver import FeedServer
from tests.helpers import FakeClock
from tests.newsroom import CLAIM, COPY, SCENARIO, Newsroom, add_copy


def _seeded(tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer, **alerts: object) -> Newsroom:
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server, **alerts)
    for stage in SCENARIO["stages"]:
        newsroom.publish(stage["items"])
        newsroom.poll()
    return newsroom


def _backfiller(engine: Engine, config: Config, clock: FakeClock, owner: str | None = None) -> Backfiller:
    return Backfiller(engine, config, lambda: load_rulebook(config.rules_dir), clock,
                      make_logger(io.StringIO(), json=True), owner=owner or make_owner())


def _picture(engine: Engine, claim: str) -> dict[str, str]:
    return {p.holder: p.stance for p in claim_positions(engine, claim)}


def _evidence(engine: Engine, claim: str) -> list[tuple[int, str, str]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(EVIDENCE.c.item_id, EVIDENCE.c.speaker, EVIDENCE.c.decision)
            .where(EVIDENCE.c.claim_id == claim).order_by(EVIDENCE.c.item_id, EVIDENCE.c.speaker))]


def test_a_claim_added_later_gets_the_picture_and_one_summary(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """A copy of the seed claim added after the story was recorded is backfilled: the same holders and stances
    as the original, its evidence recorded as backfill or copy, no alert per item, and one summary message
    naming who corroborates and who denies."""
    newsroom = _seeded(tmp_path, database_url, engine, feed_server)
    alerts_before = newsroom.count(ALERTS)
    add_copy(newsroom.config.rules_dir)
    rules = Rules(newsroom.config, engine, make_logger(io.StringIO()), make_owner(), newsroom.clock)
    rules.reload("claim added")
    [run] = [r for r in _backfiller(engine, newsroom.config, newsroom.clock).run_due() if r.claim_id == COPY]
    assert run.state == BackfillState.done and run.evidence > 0
    assert _picture(engine, COPY) == _picture(engine, CLAIM)
    assert {decision for _, _, decision in _evidence(engine, COPY)} <= {"backfill", "copy", "reported", "discusses",
                                                                          "same_item", "needs_review"}
    assert len(_evidence(engine, COPY)) == len(_evidence(engine, CLAIM))
    with engine.connect() as connection:
        new = connection.execute(select(ALERTS.c.id, ALERTS.c.kind, ALERTS.c.claim_id, ALERTS.c.detail)
                                 .order_by(ALERTS.c.created_at).offset(alerts_before)).all()
        deliveries = connection.execute(select(func.count()).select_from(DELIVERIES)
                                        .where(DELIVERIES.c.alert_id == new[0][0])).scalar_one()
    [(alert_id, kind, claim, detail)] = new
    assert (alert_id, kind, claim) == (f"backfill-{run.backfill_id}", "backfill", COPY)
    assert "UK government" in detail["speaker_name"] and "China" in detail["speaker_name"]
    assert detail["headline"].startswith("Backfilled: ") and deliveries == 1


def test_the_summary_can_be_turned_off_and_an_unchanged_reload_starts_nothing(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """With alerts.backfill_summary off the backfill still builds the picture but sends nothing; loading the
    same rules again starts no second backfill."""
    newsroom = _seeded(tmp_path, database_url, engine, feed_server, backfill_summary=False)
    alerts_before = newsroom.count(ALERTS)
    add_copy(newsroom.config.rules_dir)
    book = load_rulebook(newsroom.config.rules_dir)
    assert len(start_backfills(engine, book, newsroom.config, newsroom.clock())) == 1
    assert start_backfills(engine, book, newsroom.config, newsroom.clock()) == []
    _backfiller(engine, newsroom.config, newsroom.clock).run_due()
    assert _picture(engine, COPY) == _picture(engine, CLAIM)
    assert newsroom.count(ALERTS) == alerts_before


def test_a_stopped_backfill_resumes_at_its_cursor(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """A backfill stopped after its first batch keeps its cursor in the database; another process picks it
    up there and finishes it, and every item is recorded once."""
    newsroom = _seeded(tmp_path, database_url, engine, feed_server)
    newsroom.config = newsroom.config.model_copy(update={"alerts": newsroom.config.alerts.model_copy(
        update={"backfill_batch": 1})})
    add_copy(newsroom.config.rules_dir)
    book = load_rulebook(newsroom.config.rules_dir)
    [backfill_id] = start_backfills(engine, book, newsroom.config, newsroom.clock())
    stop = threading.Event()
    leased = lease_backfill(engine, "first:1:a", newsroom.clock(), timedelta(minutes=2), backfill_id)
    assert leased is not None
    run = _backfiller(engine, newsroom.config, newsroom.clock, "first:1:a").run(
        leased, stop=stop, progress=lambda _n: stop.set())
    assert run.state == BackfillState.running and run.items == 1
    [paused] = [b for b in list_backfills(engine) if b.id == backfill_id]
    assert paused.cursor_item_id > 0 and paused.lease_owner is None and paused.items_done == 1
    second = _backfiller(engine, newsroom.config, newsroom.clock, "second:2:b")
    [finished] = [r for r in second.run_due() if r.backfill_id == backfill_id]
    assert finished.state == BackfillState.done and finished.items == paused.items_total - 1
    evidence = _evidence(engine, COPY)
    assert len(evidence) == len(set(evidence)) == len(_evidence(engine, CLAIM))
    assert _picture(engine, COPY) == _picture(engine, CLAIM)


def test_two_daemons_never_run_the_same_backfill(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Four backfillers racing for the waiting backfills record each item once for the new claim."""
    newsroom = _seeded(tmp_path, database_url, engine, feed_server)
    newsroom.config = newsroom.config.model_copy(update={"alerts": newsroom.config.alerts.model_copy(
        update={"backfill_batch": 1})})
    add_copy(newsroom.config.rules_dir)
    start_backfills(engine, load_rulebook(newsroom.config.rules_dir), newsroom.config, newsroom.clock())
    workers = [_backfiller(engine, newsroom.config, newsroom.clock, f"racer:{n}:a") for n in range(4)]
    start = threading.Barrier(len(workers))

    def race(worker: Backfiller) -> None:
        start.wait()
        worker.run_due()

    threads = [threading.Thread(target=race, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    evidence = _evidence(engine, COPY)
    assert evidence and len(evidence) == len(set(evidence)) == len(_evidence(engine, CLAIM))
    assert all(b.state == BackfillState.done for b in list_backfills(engine))
    with engine.connect() as connection:
        summaries = connection.execute(select(func.count()).select_from(ALERTS)
                                       .where(ALERTS.c.kind == "backfill")).scalar_one()
    assert summaries == 1
