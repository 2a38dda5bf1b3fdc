"""Named queries on the alert outbox: alerts and their per-channel deliveries, leasing the due ones,
recording each send's outcome, retrying dead ones."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, Engine, FromClause, exists, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from storage.engine import reading
from storage.models import ALERTS, DELIVERIES


class AlertState(StrEnum):
    """An alert's state: pending until its deliveries settle as sent or dead; silenced and recorded are never sent."""

    pending = "pending"
    sent = "sent"
    dead = "dead"
    silenced = "silenced"
    recorded = "recorded"


class DeliveryState(StrEnum):
    """One delivery's state: pending (due, or backing off), sent, or dead (given up)."""

    pending = "pending"
    sent = "sent"
    dead = "dead"


@dataclass(frozen=True)
class NewAlert:
    """An alert as the ledger decided it; `state` is pending (to send), silenced or recorded (not sent)."""

    id: str
    kind: str
    priority: int
    created_at: datetime
    state: AlertState = AlertState.pending
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
    if alert.state != AlertState.pending or not channels:
        return
    group = alert.claim_id or alert.kind
    connection.execute(insert(DELIVERIES), [
        {"alert_id": alert.id, "channel": channel, "group_key": group, "state": DeliveryState.pending, "attempts": 0,
         "next_attempt_at": due_at, "created_at": alert.created_at} for channel in dict.fromkeys(channels)])


@dataclass(frozen=True)
class LeasedDelivery:
    """One delivery this process has claimed: the alert it carries to which channel, and its history."""

    id: int
    alert_id: str
    channel: str
    group_key: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    lease_owner: str


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one send did to one delivery: `state` sent, pending (try again at `next_attempt_at`) or dead."""

    id: int
    alert_id: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None = None
    error: str | None = None


def _lease_free(table: FromClause, now: datetime) -> ColumnElement[bool]:
    return or_(table.c.lease_until.is_(None), table.c.lease_until < now)


def lease_deliveries(engine: Engine, *, now: datetime, owner: str, lease: timedelta, limit: int,
                     flush: bool = False, alert_ids: Collection[str] | None = None,
                     siblings: bool = True) -> list[LeasedDelivery]:
    """Claim up to `limit` due deliveries for `owner` until now + lease, together with every still-pending
    sibling of the same (channel, group_key) even when not yet due, so one claim's alerts inside the
    grouping window go out as one message (`siblings` False leaves them). With `flush`, every pending
    delivery counts as due; `alert_ids` narrows the due ones to those alerts.

    On PostgreSQL both selections lock their rows with FOR UPDATE SKIP LOCKED, so daemons sharing one
    database never claim the same delivery; SQLite serialises writers, which gives the same guarantee.
    """
    if limit <= 0:
        return []
    due = (select(DELIVERIES.c.id, DELIVERIES.c.channel, DELIVERIES.c.group_key)
           .where(DELIVERIES.c.state == "pending", _lease_free(DELIVERIES, now)))
    if not flush:
        due = due.where(DELIVERIES.c.next_attempt_at <= now)
    if alert_ids is not None:
        due = due.where(DELIVERIES.c.alert_id.in_(list(alert_ids)))
    due = due.order_by(DELIVERIES.c.next_attempt_at).limit(limit).with_for_update(skip_locked=True)
    picked = due.subquery("due")
    chosen = select(picked.c.id)
    if siblings:
        sibling = DELIVERIES.alias("sibling")
        groups = select(picked.c.channel, picked.c.group_key)
        chosen = (select(sibling.c.id)
                  .where(sibling.c.state == "pending", _lease_free(sibling, now),
                         tuple_(sibling.c.channel, sibling.c.group_key).in_(groups))
                  .with_for_update(skip_locked=True))
    claim = (update(DELIVERIES).where(DELIVERIES.c.id.in_(chosen.scalar_subquery()))
             .values(lease_owner=owner, lease_until=now + lease)
             .returning(DELIVERIES.c.id, DELIVERIES.c.alert_id, DELIVERIES.c.channel, DELIVERIES.c.group_key,
                        DELIVERIES.c.attempts, DELIVERIES.c.next_attempt_at, DELIVERIES.c.created_at))
    with engine.begin() as connection:
        rows = sorted(connection.execute(claim).mappings(), key=lambda row: (row["created_at"], row["id"]))
    return [LeasedDelivery(id=row["id"], alert_id=row["alert_id"], channel=row["channel"],
                           group_key=row["group_key"], attempts=row["attempts"],
                           next_attempt_at=row["next_attempt_at"], created_at=row["created_at"], lease_owner=owner)
            for row in rows]


def record_outcomes(engine: Engine, owner: str, now: datetime, outcomes: Sequence[DeliveryOutcome]) -> list[int]:
    """Write each send's outcome and release its lease, then move every touched alert to sent (all its
    deliveries sent) or dead (any dead), in one transaction. Returns the ids of the deliveries written; a
    delivery whose lease `owner` lost meanwhile (another process took it over) is left as it is."""
    written: list[int] = []
    with engine.begin() as connection:
        for outcome in outcomes:
            values: dict[str, object] = {"state": outcome.state, "attempts": outcome.attempts,
                                         "lease_owner": None, "lease_until": None}
            if outcome.state == "sent":
                values.update(sent_at=now, last_error=None)
            else:
                values["last_error"] = outcome.error
                if outcome.next_attempt_at is not None:
                    values["next_attempt_at"] = outcome.next_attempt_at
            result = connection.execute(update(DELIVERIES).where(DELIVERIES.c.id == outcome.id,
                                                                 DELIVERIES.c.lease_owner == owner).values(values))
            if result.rowcount == 1:
                written.append(outcome.id)
        settle_alerts(connection, {o.alert_id for o in outcomes if o.id in written})
    return written


def settle_alerts(connection: Connection, alert_ids: Collection[str]) -> None:
    """Alert state follows its deliveries: dead when any is dead, sent when all are sent, else pending."""
    if not alert_ids:
        return
    ids = list(alert_ids)
    delivery = DELIVERIES.alias("d")
    any_dead = exists().where(delivery.c.alert_id == ALERTS.c.id, delivery.c.state == "dead")
    unsent = exists().where(delivery.c.alert_id == ALERTS.c.id, delivery.c.state != "sent")
    active = ALERTS.c.state.in_(("pending", "sent", "dead"))
    connection.execute(update(ALERTS).where(ALERTS.c.id.in_(ids), active, any_dead).values(state="dead"))
    connection.execute(update(ALERTS).where(ALERTS.c.id.in_(ids), active, ~any_dead, ~unsent).values(state="sent"))
    connection.execute(update(ALERTS).where(ALERTS.c.id.in_(ids), active, ~any_dead, unsent).values(state="pending"))


def retry_alert(engine: Engine, alert_id: str, now: datetime) -> int | None:
    """Put the alert's dead deliveries back in the queue, due now, with a fresh retry budget. Returns how
    many were requeued, or None when there is no such alert."""
    with engine.begin() as connection:
        if connection.execute(select(ALERTS.c.id).where(ALERTS.c.id == alert_id)).first() is None:
            return None
        result = connection.execute(
            update(DELIVERIES).where(DELIVERIES.c.alert_id == alert_id, DELIVERIES.c.state == "dead")
            .values(state="pending", attempts=0, created_at=now, next_attempt_at=now, lease_owner=None,
                    lease_until=None))
        settle_alerts(connection, [alert_id])
        return result.rowcount


def release_delivery_leases(engine: Engine, *owners: str) -> None:
    """Give back every delivery lease these owners still hold, keeping each delivery's schedule."""
    with engine.begin() as connection:
        connection.execute(update(DELIVERIES).where(DELIVERIES.c.lease_owner.in_(owners))
                           .values(lease_owner=None, lease_until=None))


def delivery_lease_owners(engine: Engine) -> list[str]:
    """Every owner that holds a delivery lease now."""
    with reading(engine) as connection:
        return list(connection.execute(select(DELIVERIES.c.lease_owner)
                                       .where(DELIVERIES.c.lease_owner.is_not(None)).distinct()).scalars())


def enqueue_once(engine: Engine, alert: NewAlert, channels: Sequence[str], due_at: datetime) -> bool:
    """enqueue in a transaction of its own; False (nothing written) when an alert with this id exists, so
    a deterministic id makes a notice or a digest go out once however many processes try."""
    try:
        with engine.begin() as connection:
            if connection.execute(select(ALERTS.c.id).where(ALERTS.c.id == alert.id)).first() is not None:
                return False
            enqueue(connection, alert, channels, due_at)
    except IntegrityError:
        return False
    return True
