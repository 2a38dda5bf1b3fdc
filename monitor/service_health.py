"""Whether the service is healthy, judged from what the database says about every daemon sharing it (pure:
the CLI reads, this decides). Each reason names what an operator should look at."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from monitor.config import NodeSettings
from storage.health import Health
from storage.nodes import NodeRow
from storage.rules_state import RulesStatus


class NodeCondition(StrEnum):
    """How a daemon looks from its row in the nodes table."""

    OK = "ok"
    STALE = "stale"  # no heartbeat for stale_seconds: dead, hung, or unable to write
    FAILING = "failing"  # it beats, but reports that its writes keep failing


def node_condition(node: NodeRow, now: datetime, settings: NodeSettings) -> NodeCondition:
    """The node's condition at `now`."""
    if now - node.heartbeat_at >= timedelta(seconds=settings.stale_seconds):
        return NodeCondition.STALE
    return NodeCondition.FAILING if node.problem else NodeCondition.OK


def unhealthy_reasons(health: Health, rules: Sequence[RulesStatus], nodes: Sequence[NodeRow], now: datetime,
                      settings: NodeSettings) -> list[str]:
    """Why the service is unhealthy; empty when it is healthy."""
    reasons = [f"rules edit rejected by daemon {status.owner}" for status in rules if not status.ok]
    feeds = health.feeds
    if feeds and feeds.get("ok", 0) + feeds.get("new", 0) == 0 and not feeds.get("overdue"):
        reasons.append("no feed is healthy")
    if health.alerts.get("dead", 0):
        reasons.append(f"{health.alerts['dead']} alerts dead in the outbox (claimwatch alerts list --failed)")
    if feeds.get("overdue") and health.oldest_due_at is not None:
        late = (now - health.oldest_due_at).total_seconds()
        reasons.append(f"{feeds['overdue']} feeds overdue, the oldest due {late:.0f} s ago: no daemon polls them "
                       "or their polls cannot be stored")
    for node in nodes:
        condition = node_condition(node, now, settings)
        if condition is NodeCondition.STALE:
            silent = (now - node.heartbeat_at).total_seconds()
            reasons.append(f"node {node.id}: no heartbeat for {silent:.0f} s (stopped, hung, or cannot write)")
        elif condition is NodeCondition.FAILING:
            reasons.append(f"node {node.id}: {node.problem}")
    return reasons
