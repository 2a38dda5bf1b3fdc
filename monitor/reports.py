"""What `--json` prints and the web view's JSON API serves: one shape per report, built from the same
named queries in storage/, so a script reading either gets the same fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from monitor.config import NodeSettings
from monitor.feeds.urls import hide_credentials
from monitor.rulebook.loader import RuleBook
from monitor.rulebook.schema import ClaimSpec
from monitor.service_health import NodeCondition, node_condition, unhealthy_reasons
from storage.alert_views import AlertListing
from storage.backfills import BackfillRow
from storage.claim_views import LastEvidence
from storage.claims import ClaimSummary, TimelineEntry
from storage.corrections import CorrectionRow
from storage.feeds import FeedListing
from storage.health import Health
from storage.ledger import PositionRow
from storage.nodes import NodeRow
from storage.rules_state import RulesStatus
from storage.silences import SilenceRow

Report = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    """ISO 8601, or None."""
    return value.isoformat() if value else None


def actor_names(book: RuleBook) -> dict[str, str]:
    """Actor id -> the name alerts show."""
    return {actor.id: actor.name for actor in book.actors}


def picture_json(positions: Sequence[PositionRow], names: Mapping[str, str]) -> list[Report]:
    """A claim's picture: each holder's stance, since when, and how much evidence it rests on."""
    return [{"holder": p.holder, "name": names.get(p.holder, p.holder), "stance": p.stance, "since": iso(p.since),
             "last_seen_at": iso(p.last_seen_at), "evidence": p.evidence_count} for p in positions]


def claim_row(claim: ClaimSpec, summary: ClaimSummary | None, positions: Sequence[PositionRow],
              last: LastEvidence | None, names: Mapping[str, str]) -> Report:
    """One claim of `claims list`: status, evidence in numbers, its picture and its newest evidence."""
    return {"id": claim.id, "status": claim.status, "severity": claim.severity, "tags": list(claim.tags),
            "statement": claim.statement, "evidence": summary.evidence if summary else 0,
            "stories": summary.stories if summary else 0,
            "corroborating": summary.corroborating if summary else 0,
            "denying": summary.denying if summary else 0,
            "last_seen_at": iso(summary.last_seen_at) if summary else None,
            "picture": picture_json(positions, names),
            "last_evidence": None if last is None else {
                "id": last.id, "seen_at": iso(last.seen_at), "stance": last.stance, "holder": last.holder,
                "source": last.feed, "title": last.title, "url": last.url}}


def claim_report(claim: ClaimSpec, positions: Sequence[PositionRow], timeline: Sequence[TimelineEntry],
                 review: Sequence[TimelineEntry], names: Mapping[str, str], *,
                 corrections: Mapping[int, CorrectionRow] | None = None) -> Report:
    """`claims show`: the claim, its picture, the evidence that needs review, and its timeline, each piece
    of evidence with its latest correction (from `corrections`, by evidence id)."""
    fixed = corrections or {}
    return {"id": claim.id, "statement": claim.statement, "description": claim.description,
            "status": claim.status, "severity": claim.severity, "tags": list(claim.tags),
            "picture": picture_json(positions, names),
            "needs_review": [entry_json(e, fixed.get(e.id)) for e in review],
            "timeline": [entry_json(e, fixed.get(e.id)) for e in timeline]}


def entry_json(entry: TimelineEntry, correction: CorrectionRow | None = None) -> Report:
    """One piece of evidence, with its latest correction."""
    return {"id": entry.id, "seen_at": iso(entry.seen_at), "published_at": iso(entry.published_at),
            "stance": entry.stance, "speaker": entry.speaker, "holder": entry.holder,
            "clear_speaker": entry.clear_speaker, "score": entry.score, "source": entry.feed, "title": entry.title,
            "url": entry.url, "quote": entry.quote, "why": entry.why, "decision": entry.decision,
            "alert_id": entry.alert_id, "story_id": entry.story_id, "story_copies": entry.story_copies,
            "correction": correction_json(correction)}


def correction_json(correction: CorrectionRow | None) -> Report | None:
    """An analyst's correction of a piece of evidence, as `evidence list` and `claims show` print it."""
    if correction is None:
        return None
    return {"action": correction.action, "stance": correction.stance, "speaker": correction.speaker,
            "holder": correction.holder, "reason": correction.reason, "by": correction.corrected_by,
            "at": iso(correction.created_at)}


def alert_json(row: AlertListing) -> Report:
    """One alert of `alerts list` with its delivery to each channel."""
    return {"id": row.id, "created": iso(row.created_at), "claim_id": row.claim_id, "kind": row.kind,
            "priority": row.priority, "severity": row.severity, "stance": row.stance, "holder": row.holder,
            "state": row.state,
            "deliveries": [{"channel": d.channel, "state": d.state, "attempts": d.attempts,
                            "next_attempt": iso(d.next_attempt_at) if d.state == "pending" else None,
                            "sent": iso(d.sent_at), "last_error": d.last_error} for d in row.deliveries]}


def feed_json(row: FeedListing) -> Report:
    """One feed of `feeds list`."""
    return {"name": row.name, "url": hide_credentials(row.url), "status": row.status, "last_result": row.last_result,
            "last_poll": iso(row.last_poll), "next_poll": iso(row.next_poll),
            "consecutive_errors": row.consecutive_errors, "last_error": row.last_error, "items": row.items,
            "tags": row.tags}


def silence_json(row: SilenceRow) -> Report:
    """One silence of `silence list`."""
    return {"id": row.id, "claim_id": row.claim_id, "speaker": row.speaker, "reason": row.reason,
            "created_at": iso(row.created_at), "ends_at": iso(row.ends_at), "removed_at": iso(row.removed_at)}


def status_report(health: Health, daemons: Sequence[RulesStatus], nodes: Sequence[NodeRow], now: datetime,
                  settings: NodeSettings, *, backfills: Sequence[BackfillRow] = (), daemon_expected: bool = True
                  ) -> Report:
    """`status`: feeds by state, items, the ledger, the outbox, every node with its heartbeat and each running
    daemon's rules, the backfills under way, and whether that is healthy (`problems` says why not; with
    `daemon_expected`, no live daemon is a problem too)."""
    reasons = unhealthy_reasons(health, daemons, nodes, now, settings)
    if daemon_expected and all(node_condition(node, now, settings) is NodeCondition.STALE for node in nodes):
        reasons.insert(0, "no daemon is running (claimwatch run); pass --no-daemon-expected for run --once setups")
    return {
        "healthy": not reasons,
        "problems": reasons,
        "feeds": dict(sorted(health.feeds.items())),
        "last_poll_at": iso(health.last_poll_at),
        "items": health.items,
        "items_last_24h": health.items_today,
        "ledger_backlog": health.ledger_backlog,
        "evidence": health.evidence,
        "outbox": {"pending": health.alerts.get("pending", 0), "dead": health.alerts.get("dead", 0),
                   "sent": health.alerts.get("sent", 0), "silenced": health.alerts.get("silenced", 0)},
        "deliveries": dict(sorted(health.deliveries.items())),
        "last_alert_sent_at": iso(health.last_alert_sent_at),
        "nodes": [node_json(node, now, settings) for node in nodes],
        "daemons": [daemon_json(d) for d in daemons],
        "backfills": [{"id": b.id, "claim_id": b.claim_id, "state": b.state, "reason": b.reason,
                       "items_done": b.items_done, "items_total": b.items_total, "evidence": b.evidence,
                       "owner": b.lease_owner, "updated_at": iso(b.updated_at)} for b in backfills],
    }


def node_json(node: NodeRow, now: datetime, settings: NodeSettings) -> Report:
    """A daemon sharing the database: who it is, its condition and its heartbeat."""
    return {"id": node.id, "host": node.host, "pid": node.pid, "version": node.version,
            "state": node_condition(node, now, settings), "started_at": iso(node.started_at),
            "heartbeat_at": iso(node.heartbeat_at),
            "heartbeat_age_seconds": round((now - node.heartbeat_at).total_seconds(), 1),
            "last_stored_at": iso(node.last_stored_at), "problem": node.problem}


def daemon_json(daemon: RulesStatus) -> Report:
    """A running daemon's rules: what it runs and whether its last reload was accepted."""
    return {"owner": daemon.owner, "rules_ok": daemon.ok, "rules_fingerprint": daemon.fingerprint,
            "rules_loaded_at": iso(daemon.loaded_at), "checked_at": iso(daemon.checked_at),
            "active_claims": daemon.claims, "rule_problems": daemon.problems}
