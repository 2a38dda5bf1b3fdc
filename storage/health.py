"""Named queries for the service's health: what `claimwatch status`, the systemd STATUS line and the
Prometheus metrics report. Everything comes from the database, so any process can report on all daemons."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select, text

from storage.engine import reading
from storage.feeds import status_word
from storage.models import ALERTS, DELIVERIES, EVIDENCE, FEEDS, ITEMS


@dataclass(frozen=True)
class Health:
    """Counts across every daemon sharing the database."""

    feeds: dict[str, int] = field(default_factory=dict)
    items: int = 0
    items_today: int = 0
    last_poll_at: datetime | None = None
    ledger_backlog: int = 0
    evidence: int = 0
    alerts: dict[str, int] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)
    last_alert_sent_at: datetime | None = None
    oldest_due_at: datetime | None = None


def ping(engine: Engine) -> None:
    """Raise unless the database answers."""
    with reading(engine) as connection:
        connection.execute(text("SELECT 1"))


def read_health(engine: Engine, now: datetime, overdue_before: datetime | None = None) -> Health:
    """The counts, in one connection; feeds due before `overdue_before` and not polled since count as
    overdue."""
    with reading(engine) as connection:
        feed_rows = connection.execute(select(FEEDS.c.active, FEEDS.c.retired, FEEDS.c.consecutive_errors,
                                              FEEDS.c.last_polled_at, FEEDS.c.next_poll_at)).all()
        items, today, backlog = connection.execute(select(
            func.count(),
            func.count().filter(ITEMS.c.first_seen_at >= now - timedelta(days=1)),
            func.count().filter(ITEMS.c.ledger_at.is_(None)))).one()
        evidence = connection.execute(select(func.count()).select_from(EVIDENCE)).scalar_one()
        alerts: dict[str, int] = dict(connection.execute(select(ALERTS.c.state, func.count())
                                                         .group_by(ALERTS.c.state)).all())
        deliveries: dict[str, int] = dict(connection.execute(select(DELIVERIES.c.state, func.count())
                                             .group_by(DELIVERIES.c.state)).all())
        last_sent = connection.execute(select(func.max(DELIVERIES.c.sent_at))).scalar()
    feeds = Counter(status_word(active, retired, errors, polled,
                                overdue=overdue_before is not None and due < overdue_before)
                    for active, retired, errors, polled, due in feed_rows)
    last_poll = max((row[3] for row in feed_rows if row[3] is not None), default=None)
    oldest_due = min((row[4] for row in feed_rows if row[0] and not row[1]), default=None)
    return Health(dict(feeds), items, today, last_poll, backlog, evidence, alerts, deliveries, last_sent, oldest_due)

