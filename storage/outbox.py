"""Named queries on the alert outbox: alerts and their per-channel deliveries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, insert

from storage.models import ALERTS, DELIVERIES


@dataclass(frozen=True)
class NewAlert:
    """An alert as the ledger decided it; `state` is pending (to send), silenced or recorded (not sent)."""

    id: str
    kind: str
    priority: int
    created_at: datetime
    state: str = "pending"
    claim_id: str | None = None
    stance: str | None = None
    holder: str | None = None
    evidence_id: int | None = None
    severity: str = "medium"
    silence_id: int | None = None
    detail: Mapping[str, object] = field(default_factory=dict)


def enqueue(connection: Connection, alert: NewAlert, channels: Sequence[str], due_at: datetime) -> None:
    """Write the alert and, when it is pending, one delivery per channel due at `due_at` (the end of its
    grouping window), inside the caller's transaction."""
    connection.execute(insert(ALERTS).values(
        id=alert.id, claim_id=alert.claim_id, kind=alert.kind, priority=alert.priority, stance=alert.stance,
        holder=alert.holder, evidence_id=alert.evidence_id, severity=alert.severity, detail=dict(alert.detail),
        state=alert.state, silence_id=alert.silence_id, created_at=alert.created_at))
    if alert.state != "pending" or not channels:
        return
    group = alert.claim_id or alert.kind
    connection.execute(insert(DELIVERIES), [
        {"alert_id": alert.id, "channel": channel, "group_key": group, "state": "pending", "attempts": 0,
         "next_attempt_at": due_at, "created_at": alert.created_at} for channel in dict.fromkeys(channels)])
