"""The daily digest: every claim's changes in the 24 hours before `digest_hour` UTC, as one notice. Pure.

Its alert id is the day (`digest-2026-11-28`), so however many daemons reach the hour, it is queued once
(`storage.outbox.enqueue_once`) and goes out once to the channels tagged by `digest_channels`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from monitor.alerts.render import PICTURE_ORDER, PICTURE_WORDS
from storage.alert_views import ClaimChanges
from storage.outbox import NewAlert

KIND = "digest"
STANCE_WORDS = {"corroborates": "corroborating", "denies": "denying", "discusses": "discussing"}


@dataclass(frozen=True)
class DigestWindow:
    """The day a digest is for and the 24 hours it covers, (since, until]."""

    day: date
    since: datetime
    until: datetime

    @property
    def alert_id(self) -> str:
        """The digest's alert id: the same for every daemon on the same day."""
        return f"digest-{self.day.isoformat()}"


def digest_window(now: datetime, hour: int) -> DigestWindow | None:
    """Today's digest window once `now` (UTC) has reached `hour`, else None."""
    until = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if now < until:
        return None
    return DigestWindow(day=until.date(), since=until - timedelta(days=1), until=until)


def digest_notice(window: DigestWindow, changes: Sequence[ClaimChanges], now: datetime,
                  names: Mapping[str, str] | None = None) -> NewAlert:
    """The digest as an operator-style notice: a title and a plain-text body, one paragraph per claim."""
    names = names or {}
    paragraphs = [_paragraph(change, names) for change in changes]
    body = "\n\n".join(paragraphs) if paragraphs else "No claim had new evidence or alerts."
    body += f"\n\nCovers {window.since:%Y-%m-%d %H:%M} to {window.until:%Y-%m-%d %H:%M} UTC."
    count = len(changes)
    title = f"Daily digest {window.day.isoformat()}: {count} claim{'s' * (count != 1)} changed"
    return NewAlert(id=window.alert_id, kind=KIND, priority=5, created_at=now, severity="low",
                    detail={"title": title, "body": body, "claims": [change.claim_id for change in changes]})


def _paragraph(change: ClaimChanges, names: Mapping[str, str]) -> str:
    lines = [f"{change.claim_id}: {change.statement}" if change.statement else change.claim_id]
    counted = [f"{n} {STANCE_WORDS.get(stance, stance)}" for stance, n in sorted(change.evidence.items()) if n]
    if counted:
        lines.append(f"- evidence: {', '.join(counted)}")
    if change.alerts:
        told = [f"{alert.headline or alert.kind} ({names.get(alert.holder or '', alert.holder or '-')}"
                f"{'' if alert.state in ('sent', 'pending') else ', ' + alert.state})" for alert in change.alerts]
        lines.append(f"- alerts: {'; '.join(told)}")
    picture = []
    for stance in PICTURE_ORDER:
        holders = [names.get(p.holder, p.holder) for p in change.positions if p.stance == stance]
        if holders:
            picture.append(f"{PICTURE_WORDS[stance].lower()} {', '.join(holders)}")
    if picture:
        lines.append(f"- now: {'; '.join(picture)}")
    return "\n".join(lines)
