"""Named queries that read alerts: the `alerts list` listing, and what a message about a group of alerts
needs (each alert with its claim's current positions and its story's other sources)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, exists, func, select

from storage.engine import reading
from storage.models import ALERTS, DELIVERIES, EVIDENCE, FEEDS, ITEMS, POSITIONS


@dataclass(frozen=True)
class DeliveryListing:
    """One channel's delivery of an alert."""

    channel: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class AlertListing:
    """One row of `claimwatch alerts list`."""

    id: str
    created_at: datetime
    claim_id: str | None
    kind: str
    priority: int
    severity: str
    stance: str | None
    holder: str | None
    state: str
    deliveries: tuple[DeliveryListing, ...]


def list_alerts(engine: Engine, *, failed: bool = False, claim_id: str | None = None,
                limit: int = 50) -> list[AlertListing]:
    """The newest alerts first with their deliveries; `failed` keeps those with a dead delivery."""
    query = select(ALERTS).order_by(ALERTS.c.created_at.desc(), ALERTS.c.id).limit(limit)
    if failed:
        query = query.where(exists().where(DELIVERIES.c.alert_id == ALERTS.c.id, DELIVERIES.c.state == "dead"))
    if claim_id is not None:
        query = query.where(ALERTS.c.claim_id == claim_id)
    with reading(engine) as connection:
        alerts = connection.execute(query).mappings().all()
        ids = [row["id"] for row in alerts]
        deliveries: dict[str, list[DeliveryListing]] = {}
        if ids:
            for row in connection.execute(select(DELIVERIES).where(DELIVERIES.c.alert_id.in_(ids))
                                          .order_by(DELIVERIES.c.channel)).mappings():
                deliveries.setdefault(row["alert_id"], []).append(DeliveryListing(
                    channel=row["channel"], state=row["state"], attempts=row["attempts"],
                    next_attempt_at=row["next_attempt_at"], last_error=row["last_error"], sent_at=row["sent_at"]))
    return [AlertListing(id=row["id"], created_at=row["created_at"], claim_id=row["claim_id"], kind=row["kind"],
                         priority=row["priority"], severity=row["severity"], stance=row["stance"],
                         holder=row["holder"], state=row["state"], deliveries=tuple(deliveries.get(row["id"], ())))
            for row in alerts]


@dataclass(frozen=True)
class PositionView:
    """A holder's current stance on the claim and since when."""

    holder: str
    stance: str
    since: datetime


@dataclass(frozen=True)
class SourceView:
    """Another item of the alert's story: which feed carried it, where, under what title."""

    feed: str
    url: str | None
    title: str


@dataclass(frozen=True)
class AlertContext:
    """An alert as a message shows it: the ledger's detail, the claim's picture, the story's other sources."""

    id: str
    claim_id: str | None
    kind: str
    priority: int
    severity: str
    stance: str | None
    holder: str | None
    created_at: datetime
    detail: Mapping[str, object]
    positions: tuple[PositionView, ...] = ()
    other_sources: tuple[SourceView, ...] = ()


def message_context(engine: Engine, alert_ids: Sequence[str]) -> list[AlertContext]:
    """The alerts (in the order given; unknown ids left out) with their claims' current positions and
    the other items of the story their evidence belongs to."""
    if not alert_ids:
        return []
    with reading(engine) as connection:
        rows = {row["id"]: row for row in connection.execute(
            select(ALERTS, EVIDENCE.c.story_id.label("ev_story_id"), EVIDENCE.c.item_id.label("ev_item_id"))
            .outerjoin(EVIDENCE, EVIDENCE.c.id == ALERTS.c.evidence_id)
            .where(ALERTS.c.id.in_(list(alert_ids)))).mappings()}
        claims = {row["claim_id"] for row in rows.values() if row["claim_id"] is not None}
        positions: dict[str, list[PositionView]] = {}
        if claims:
            for row in connection.execute(select(POSITIONS).where(POSITIONS.c.claim_id.in_(claims))
                                          .order_by(POSITIONS.c.since, POSITIONS.c.holder)).mappings():
                positions.setdefault(row["claim_id"], []).append(
                    PositionView(holder=row["holder"], stance=row["stance"], since=row["since"]))
        stories = {row["ev_story_id"] for row in rows.values() if row["ev_story_id"] is not None}
        sources: dict[int, list[tuple[int, SourceView]]] = {}
        if stories:
            for row in connection.execute(
                    select(ITEMS.c.id, ITEMS.c.story_id, ITEMS.c.url, ITEMS.c.title, FEEDS.c.name)
                    .join(FEEDS, FEEDS.c.id == ITEMS.c.feed_id).where(ITEMS.c.story_id.in_(stories))
                    .order_by(ITEMS.c.first_seen_at, ITEMS.c.id)).mappings():
                sources.setdefault(row["story_id"], []).append(
                    (row["id"], SourceView(feed=row["name"], url=row["url"], title=row["title"])))
    contexts = []
    for alert_id in dict.fromkeys(alert_ids):
        if alert_id not in rows:
            continue
        row = rows[alert_id]
        others = tuple(view for item_id, view in sources.get(row["ev_story_id"], ()) if item_id != row["ev_item_id"])
        contexts.append(AlertContext(
            id=row["id"], claim_id=row["claim_id"], kind=row["kind"], priority=row["priority"],
            severity=row["severity"], stance=row["stance"], holder=row["holder"], created_at=row["created_at"],
            detail=dict(row["detail"] or {}), positions=tuple(positions.get(row["claim_id"], ())),
            other_sources=others))
    return contexts


@dataclass(frozen=True)
class AlertBrief:
    """An alert as the daily digest mentions it."""

    id: str
    kind: str
    stance: str | None
    holder: str | None
    state: str
    headline: str | None


@dataclass(frozen=True)
class ClaimChanges:
    """What happened to one claim in a window: evidence by stance, its alerts, and its picture now."""

    claim_id: str
    statement: str | None
    evidence: Mapping[str, int]
    alerts: tuple[AlertBrief, ...]
    positions: tuple[PositionView, ...]


def claim_changes(engine: Engine, since: datetime, until: datetime) -> list[ClaimChanges]:
    """Every claim with evidence or alerts in (since, until], by claim id, with its current positions."""
    window_evidence = (select(EVIDENCE.c.claim_id, EVIDENCE.c.stance, func.count().label("n"))
                       .where(EVIDENCE.c.seen_at > since, EVIDENCE.c.seen_at <= until)
                       .group_by(EVIDENCE.c.claim_id, EVIDENCE.c.stance))
    window_alerts = (select(ALERTS).where(ALERTS.c.claim_id.is_not(None), ALERTS.c.created_at > since,
                                          ALERTS.c.created_at <= until)
                     .order_by(ALERTS.c.created_at, ALERTS.c.id))
    evidence: dict[str, dict[str, int]] = {}
    alerts: dict[str, list[AlertBrief]] = {}
    statements: dict[str, str] = {}
    with reading(engine) as connection:
        for row in connection.execute(window_evidence).mappings():
            evidence.setdefault(row["claim_id"], {})[row["stance"]] = int(row["n"])
        for row in connection.execute(window_alerts).mappings():
            detail = row["detail"] or {}
            headline = detail.get("headline")
            alerts.setdefault(row["claim_id"], []).append(AlertBrief(
                id=row["id"], kind=row["kind"], stance=row["stance"], holder=row["holder"], state=row["state"],
                headline=headline if isinstance(headline, str) else None))
            if isinstance(detail.get("statement"), str):
                statements[row["claim_id"]] = detail["statement"]
        claims = sorted(set(evidence) | set(alerts))
        positions: dict[str, list[PositionView]] = {}
        if claims:
            for row in connection.execute(select(POSITIONS).where(POSITIONS.c.claim_id.in_(claims))
                                          .order_by(POSITIONS.c.since, POSITIONS.c.holder)).mappings():
                positions.setdefault(row["claim_id"], []).append(
                    PositionView(holder=row["holder"], stance=row["stance"], since=row["since"]))
    return [ClaimChanges(claim_id=claim, statement=statements.get(claim), evidence=evidence.get(claim, {}),
                         alerts=tuple(alerts.get(claim, ())), positions=tuple(positions.get(claim, ())))
            for claim in claims]
