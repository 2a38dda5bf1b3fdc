"""Housekeeping: what retention removes, and what it must keep."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, FromClause, func, select, update

from storage.models import ALERTS, EVIDENCE, ITEMS, POSITIONS, STORIES
from storage.retention import Pruned, maintain, prune
from tests.feedserver import FeedServer
from tests.newsroom import SCENARIO, Newsroom


def _count(engine: Engine, table: FromClause, *where: ColumnElement[bool]) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _prune_with_defaults(engine: Engine, now: datetime) -> Pruned:
    """One pass with the default periods: text after 90 days, keys after 365, alerts after 30."""
    return prune(engine, items_before=now - timedelta(days=90), keys_before=now - timedelta(days=365),
                 alerts_before=now - timedelta(days=30), now=now)


def test_prune_drops_old_items_and_settled_alerts_only(tmp_path: Path, database_url: str, engine: Engine,
                                                       feed_server: FeedServer) -> None:
    """Items past retention go with their evidence and stories, positions stay; a sent alert past its
    period goes, a pending one stays; newer items stay; a second pass removes nothing."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"][:3]:
        newsroom.publish(stage["items"])
        newsroom.poll()
    cutoff = newsroom.clock() + timedelta(seconds=1)
    newsroom.publish(SCENARIO["stages"][4]["items"])
    newsroom.poll()
    with engine.begin() as connection:
        first = connection.execute(select(ALERTS.c.id).order_by(ALERTS.c.created_at).limit(1)).scalar_one()
        connection.execute(update(ALERTS).where(ALERTS.c.id == first).values(state="sent"))
    alerts_before = _count(engine, ALERTS)
    positions = _count(engine, POSITIONS)
    recent_items = _count(engine, ITEMS, ITEMS.c.first_seen_at >= cutoff)

    pruned = prune(engine, items_before=cutoff, keys_before=cutoff - timedelta(days=1),
                   alerts_before=newsroom.clock() + timedelta(seconds=1), now=newsroom.clock())
    maintain(engine)

    assert pruned.items == 5 and pruned.keys == 0 and pruned.alerts == 1 and pruned.stories >= 2
    assert _count(engine, ITEMS, ITEMS.c.pruned_at.is_(None)) == recent_items == 1
    assert _count(engine, ITEMS, ITEMS.c.pruned_at.is_not(None), ITEMS.c.title == "", ITEMS.c.content == "",
                  ITEMS.c.story_id.is_(None)) == 5
    assert _count(engine, EVIDENCE, EVIDENCE.c.item_id.in_(select(ITEMS.c.id).where(
        ITEMS.c.pruned_at.is_not(None)))) == 0
    assert _count(engine, STORIES) == 1
    assert _count(engine, POSITIONS) == positions
    assert _count(engine, ALERTS) == alerts_before - 1
    again = prune(engine, items_before=cutoff, keys_before=cutoff - timedelta(days=1), alerts_before=cutoff,
                  now=newsroom.clock())
    assert again.items == again.keys == 0


def test_a_pruned_item_its_feed_still_lists_stays_known(tmp_path: Path, database_url: str, engine: Engine,
                                                        feed_server: FeedServer) -> None:
    """An undated item past retention that its feed still lists is neither stored nor alerted on again;
    only past keys_days is its row deleted."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    newsroom.publish(SCENARIO["stages"][0]["items"], age=None)
    assert [kind for kind, _, _ in newsroom.poll()] == ["first_corroboration"]

    newsroom.clock.advance(91 * 86400)
    pruned = _prune_with_defaults(engine, newsroom.clock())
    assert pruned.items == 1 and pruned.keys == 0

    assert newsroom.poll() == []
    assert _count(engine, ITEMS) == 1 and _count(engine, ITEMS, ITEMS.c.pruned_at.is_(None)) == 0

    newsroom.clock.advance(275 * 86400)
    pruned = _prune_with_defaults(engine, newsroom.clock())
    assert pruned.keys == 1 and _count(engine, ITEMS) == 0


def test_db_prune_command(tmp_path: Path) -> None:
    """`claimwatch db prune` runs one pass on the configured database and says what it removed."""
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[retention]\nitems_days = 1\n')
    run = subprocess.run([sys.executable, "-m", "monitor", "db", "prune", "--config", str(config)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("pruned 0 items")
