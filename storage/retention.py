"""Housekeeping: drop items' text, evidence and stories past the retention period, forget their keys
later, prune delivered alerts, and keep a SQLite file tidy. Changes run in small batches so no transaction
holds the database for long; every step is idempotent, so several daemons may run it at once.

An item past retention keeps its row, without text, as long as `keys_before` allows: a feed that still
lists the entry (an evergreen page, an undated item) finds it known and unchanged, instead of storing it
as new and alerting on it again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Delete, Engine, Select, Update, delete, exists, select, update

from storage.engine import reading
from storage.models import ALERTS, EVIDENCE, ITEMS, SILENCES, STORIES

BATCH = 2_000
SETTLED = ("sent", "silenced", "recorded")


@dataclass(frozen=True)
class Pruned:
    """What one housekeeping pass removed."""

    items: int = 0
    keys: int = 0
    stories: int = 0
    alerts: int = 0
    silences: int = 0


def prune(engine: Engine, *, items_before: datetime, keys_before: datetime, alerts_before: datetime,
          now: datetime, batch: int = BATCH) -> Pruned:
    """Empty items first seen before `items_before` (text gone, evidence deleted, out of their story) and
    delete the stories left without items; delete the rows of items first seen before `keys_before`;
    delete settled alerts (sent, silenced) and ended silences from before `alerts_before`. Items still
    waiting for the ledger and alerts still pending or dead are kept."""
    old_items = (select(ITEMS.c.id).where(ITEMS.c.pruned_at.is_(None), ITEMS.c.first_seen_at < items_before,
                                          ITEMS.c.ledger_at.is_not(None)).limit(batch))
    items = _drain(engine, old_items, lambda ids: [
        delete(EVIDENCE).where(EVIDENCE.c.item_id.in_(ids)),
        update(ITEMS).where(ITEMS.c.id.in_(ids)).values(title="", summary="", content="", author=None,
                                                        story_id=None, pruned_at=now)])
    old_keys = (select(ITEMS.c.id).where(ITEMS.c.first_seen_at < keys_before, ITEMS.c.ledger_at.is_not(None))
                .limit(batch))
    keys = _drain(engine, old_keys, lambda ids: [delete(EVIDENCE).where(EVIDENCE.c.item_id.in_(ids)),
                                                 delete(ITEMS).where(ITEMS.c.id.in_(ids))])
    orphans = (select(STORIES.c.id).where(STORIES.c.last_seen_at < items_before,
                                          ~exists().where(ITEMS.c.story_id == STORIES.c.id),
                                          ~exists().where(EVIDENCE.c.story_id == STORIES.c.id)).limit(batch))
    stories = _drain(engine, orphans, lambda ids: [delete(STORIES).where(STORIES.c.id.in_(ids))])
    settled = (select(ALERTS.c.id).where(ALERTS.c.created_at < alerts_before, ALERTS.c.state.in_(SETTLED))
               .limit(batch))
    alerts = _drain(engine, settled, lambda ids: [delete(ALERTS).where(ALERTS.c.id.in_(ids))])
    with engine.begin() as connection:
        silences = connection.execute(delete(SILENCES).where(SILENCES.c.ends_at < alerts_before)).rowcount
    return Pruned(items, keys, stories, alerts, silences)


def _drain(engine: Engine, chooser: Select[Any],
           statements: Callable[[list[int]], Sequence[Delete | Update]]) -> int:
    """Run `statements(ids)` for batches of ids chosen by `chooser` until none is left (each batch must take
    its ids out of what `chooser` selects); the count of ids."""
    total = 0
    while True:
        with engine.begin() as connection:
            ids: list[int] = list(connection.execute(chooser).scalars())
            if not ids:
                return total
            for statement in statements(ids):
                connection.execute(statement)
        total += len(ids)


def maintain(engine: Engine) -> None:
    """SQLite: fold the write-ahead log back into the file and refresh the planner's statistics.
    PostgreSQL looks after itself (autovacuum)."""
    if engine.dialect.name != "sqlite":
        return
    with reading(engine) as connection:
        # On the driver's connection: these pragmas cannot run inside the BEGIN IMMEDIATE that SQLAlchemy's
        # connection would open first.
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA optimize")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
