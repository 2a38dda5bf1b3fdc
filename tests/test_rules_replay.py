"""Replaying rules over stored items: the daemon's own decisions, compared with the record, nothing written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from monitor.alerts.rules_replay import ChangeKind, replay
from monitor.rulebook.loader import load_rulebook
from storage.models import ALERTS, EVIDENCE, POSITIONS
from tests.feedserver import FeedServer
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
