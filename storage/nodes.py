"""Named queries on nodes: each daemon's heartbeat, and freeing the leases of daemons that stopped beating."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from storage.engine import reading
from storage.models import BACKFILLS, DELIVERIES, FEEDS, NODES, RULES_STATE


@dataclass(frozen=True)
class NodeInfo:
    """Who a daemon is: the owner name its leases carry, where it runs, which release, since when."""

    id: str
    host: str
    pid: int
    version: str
    started_at: datetime


@dataclass(frozen=True)
class NodeRow:
    """A daemon as its latest heartbeat left it."""

    id: str
    host: str
    pid: int
    version: str
    started_at: datetime
    heartbeat_at: datetime
    last_stored_at: datetime | None
    problem: str | None


def beat(engine: Engine, node: NodeInfo, *, now: datetime, last_stored_at: datetime | None,
         problem: str | None) -> bool:
    """Record that `node` is alive (and what it reports); False when its row was gone (it had been taken
    for dead, or this is its first beat) and was written afresh."""
    values = {"heartbeat_at": now, "last_stored_at": last_stored_at, "problem": problem}
    with engine.begin() as connection:
        if connection.execute(update(NODES).where(NODES.c.id == node.id).values(values)).rowcount == 1:
            return True
        connection.execute(insert(NODES).values(id=node.id, host=node.host, pid=node.pid, version=node.version,
                                                started_at=node.started_at, **values))
    return False


def leave(engine: Engine, node_id: str) -> None:
    """A daemon stopping cleanly: give back any lease it still holds and drop its node and rules rows."""
    with engine.begin() as connection:
        _free(connection, [node_id])


def reap_stale(engine: Engine, *, beaten_before: datetime, keep: str) -> list[str]:
    """Take every node (but `keep`) whose last heartbeat is older than `beaten_before` for dead: free its
    feed and delivery leases and drop its node and rules rows, in one transaction. Returns their ids.

    On PostgreSQL the stale rows are locked with FOR UPDATE SKIP LOCKED, so peers reaping at the same
    moment share the work instead of waiting on each other."""
    with engine.begin() as connection:
        stale = list(connection.execute(
            select(NODES.c.id).where(NODES.c.heartbeat_at < beaten_before, NODES.c.id != keep)
            .with_for_update(skip_locked=True)).scalars())
        _free(connection, stale)
    return stale


def reap(engine: Engine, node_ids: Collection[str]) -> None:
    """Free the leases of these owners and drop their node and rules rows (their processes are gone)."""
    with engine.begin() as connection:
        _free(connection, list(node_ids))


def _free(connection: Connection, owners: list[str]) -> None:
    if not owners:
        return
    connection.execute(update(FEEDS).where(FEEDS.c.lease_owner.in_(owners)).values(lease_owner=None, lease_until=None))
    connection.execute(update(DELIVERIES).where(DELIVERIES.c.lease_owner.in_(owners))
                       .values(lease_owner=None, lease_until=None))
    connection.execute(update(BACKFILLS).where(BACKFILLS.c.lease_owner.in_(owners))
                       .values(lease_owner=None, lease_until=None))
    connection.execute(delete(RULES_STATE).where(RULES_STATE.c.owner.in_(owners)))
    connection.execute(delete(NODES).where(NODES.c.id.in_(owners)))


def list_nodes(engine: Engine) -> list[NodeRow]:
    """Every node that has not stopped cleanly nor been reaped, by host and start."""
    with reading(engine) as connection:
        rows = connection.execute(select(NODES).order_by(NODES.c.host, NODES.c.started_at)).mappings().all()
    return [NodeRow(**row) for row in rows]
