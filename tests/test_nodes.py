"""The nodes table on SQLite and PostgreSQL: heartbeats, and peers taking over a silent node's leases; and the
health verdict drawn from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from monitor.config import NodeSettings
from monitor.service_health import NodeCondition, node_condition, unhealthy_reasons
from storage.feeds import CatalogEntry, lease_due_feeds, sync_catalog
from storage.health import Health
from storage.models import DELIVERIES, FEEDS
from storage.nodes import NodeInfo, NodeRow, beat, leave, list_nodes, reap_stale
from storage.outbox import NewAlert, enqueue, lease_deliveries
from storage.rules_state import record_rules_load, rules_statuses

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LEASE = timedelta(hours=1)


def _node(name: str) -> NodeInfo:
    return NodeInfo(id=f"{name}:1:abcd", host=name, pid=1, version="1.0", started_at=NOW)


def test_a_silent_node_is_reaped_and_its_leases_freed(engine: Engine) -> None:
    """A node whose heartbeat is older than the threshold loses its feed and delivery leases, its rules row
    and its node row to the peer that reaps it; the peer's own and fresh nodes are left alone."""
    dead, alive = _node("dead"), _node("alive")
    sync_catalog(engine, [CatalogEntry(f"f{n}", f"http://h/{n}") for n in range(4)], NOW)
    assert len(lease_due_feeds(engine, now=NOW, owner=dead.id, lease=LEASE, limit=3)) == 3
    with engine.begin() as connection:
        enqueue(connection, NewAlert(id="a1", kind="first_corroboration", priority=1, created_at=NOW), ["hook"], NOW)
    assert len(lease_deliveries(engine, now=NOW, owner=dead.id, lease=LEASE, limit=5)) == 1
    record_rules_load(engine, dead.id, now=NOW, ok=True, fingerprint="f", loaded_at=NOW, claims=1, problems=[])
    assert beat(engine, dead, now=NOW, last_stored_at=None, problem=None) is False
    assert beat(engine, alive, now=NOW, last_stored_at=None, problem=None) is False
    assert beat(engine, alive, now=NOW + timedelta(seconds=30), last_stored_at=NOW, problem=None) is True
    assert reap_stale(engine, beaten_before=NOW + timedelta(seconds=10), keep=alive.id) == [dead.id]
    with engine.connect() as connection:
        assert connection.execute(select(FEEDS.c.lease_owner).where(FEEDS.c.lease_owner.is_not(None))).all() == []
        assert connection.execute(select(DELIVERIES.c.lease_owner)).scalar() is None
    assert [node.id for node in list_nodes(engine)] == [alive.id]
    assert rules_statuses(engine) == []
    assert reap_stale(engine, beaten_before=NOW + timedelta(hours=1), keep=alive.id) == []
    assert len(lease_due_feeds(engine, now=NOW, owner=alive.id, lease=LEASE, limit=10)) == 4


def test_a_reaped_node_that_beats_again_is_listed_again(engine: Engine) -> None:
    """A node taken for dead while it was only stalled writes its row afresh at its next beat; a clean stop
    removes it."""
    node = _node("slow")
    beat(engine, node, now=NOW, last_stored_at=None, problem=None)
    assert reap_stale(engine, beaten_before=NOW + timedelta(seconds=1), keep="other") == [node.id]
    assert beat(engine, node, now=NOW + timedelta(seconds=40), last_stored_at=None, problem="cannot write") is False
    [row] = list_nodes(engine)
    assert (row.id, row.heartbeat_at, row.problem) == (node.id, NOW + timedelta(seconds=40), "cannot write")
    leave(engine, node.id)
    assert list_nodes(engine) == []


SETTINGS = NodeSettings(heartbeat_seconds=5, stale_seconds=20, overdue_seconds=600)


def _row(age: float, problem: str | None = None) -> NodeRow:
    return NodeRow(id="h:1:x", host="h", pid=1, version="1.0", started_at=NOW - timedelta(hours=1),
                   heartbeat_at=NOW - timedelta(seconds=age), last_stored_at=None, problem=problem)


@pytest.mark.parametrize(("age", "problem", "condition"), [
    (3, None, NodeCondition.OK),
    (3, "cannot write polls for 25 s: disk I/O error", NodeCondition.FAILING),
    (20, None, NodeCondition.STALE),
    (300, "cannot write polls for 25 s: disk I/O error", NodeCondition.STALE),
])
def test_node_condition_follows_heartbeat_age_and_reported_problem(age: float, problem: str | None,
                                                                   condition: NodeCondition) -> None:
    """A node is stale once its heartbeat is stale_seconds old, failing while it reports a problem, else ok."""
    assert node_condition(_row(age, problem), NOW, SETTINGS) is condition


@pytest.mark.parametrize(("health", "nodes", "expected"), [
    (Health(feeds={"ok": 3}), [_row(1)], []),
    (Health(feeds={}), [], []),
    (Health(feeds={"failing": 2}), [_row(1)], ["no feed is healthy"]),
    (Health(feeds={"ok": 1, "overdue": 2}, oldest_due_at=NOW - timedelta(seconds=900)), [],
     ["2 feeds overdue, the oldest due 900 s ago"]),
    (Health(feeds={"ok": 1}), [_row(60)], ["node h:1:x: no heartbeat for 60 s"]),
    (Health(feeds={"ok": 1}), [_row(1, "cannot write polls for 30 s: disk I/O error")],
     ["node h:1:x: cannot write polls for 30 s: disk I/O error"]),
    (Health(feeds={"ok": 1}, alerts={"dead": 2}), [], ["2 alerts dead in the outbox"]),
])
def test_unhealthy_reasons_name_what_to_look_at(health: Health, nodes: list[NodeRow], expected: list[str]) -> None:
    """Each condition that makes the service unhealthy gives one reason, starting with what to look at."""
    reasons = unhealthy_reasons(health, [], nodes, NOW, SETTINGS)
    assert len(reasons) == len(expected)
    for reason, start in zip(reasons, expected, strict=True):
        assert reason.startswith(start), reason
