"""Housekeeping: what retention removes, and what it must keep."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, FromClause, func, select, update

from storage.models import ALERTS, EVIDENCE, ITEMS, POSITIONS, STORIES
from storage.retention import maintain, prune
from tests.feedserver import FeedServer
from tests.newsroom import SCENARIO, Newsroom


def _count(engine: Engine, table: FromClause, *where: ColumnElement[bool]) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


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

    pruned = prune(engine, items_before=cutoff, alerts_before=newsroom.clock() + timedelta(seconds=1))
    maintain(engine)

    assert pruned.items == 5 and pruned.alerts == 1 and pruned.stories >= 2
    assert _count(engine, ITEMS) == recent_items == 1
    assert _count(engine, EVIDENCE, EVIDENCE.c.item_id.not_in(select(ITEMS.c.id))) == 0
    assert _count(engine, STORIES) == 1
    assert _count(engine, POSITIONS) == positions
    assert _count(engine, ALERTS) == alerts_before - 1
    assert prune(engine, items_before=cutoff, alerts_before=cutoff).items == 0


def test_db_prune_command(tmp_path: Path) -> None:
    """`claimwatch db prune` runs one pass on the configured database and says what it removed."""
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[retention]\nitems_days = 1\n')
    run = subprocess.run([sys.executable, "-m", "monitor", "db", "prune", "--config", str(config)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("pruned 0 items")
