"""Writing a decided item into the claim ledger, inside the caller's transaction: the claims' states locked,
the item folded into a story, and for each decided match its evidence, the holder's new position and, when it
is announced, its outbox row. Shared by the live recorder (`ledger.py`) and backfills (`backfill.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection
from structlog.typing import FilteringBoundLogger

from monitor.alerts.decide import ClaimContext, Decided, Decision, Kind, decide_item, policy_for, title
from monitor.alerts.explain import explanation_json, why
from monitor.alerts.routing import route
from monitor.alerts.stories import find_story, story_key
from monitor.config import Config
from monitor.matching.model import Match
from monitor.rulebook.loader import RuleBook
from monitor.rulebook.schema import ClaimSpec
from storage import ledger as store
from storage.corrections import dismissed_claims
from storage.outbox import AlertState, NewAlert, enqueue
from storage.silences import silences_in_force


@dataclass(frozen=True)
class Recorded:
    """One stored piece of evidence and its decision."""

    item: store.PendingItem
    match: Match
    holder: str
    decision: Decision
    evidence_id: int
    story_id: int


@dataclass(frozen=True)
class LedgerRun:
    """What one pass recorded."""

    items: int = 0
    evidence: int = 0
    alerts: int = 0

    def __add__(self, other: LedgerRun) -> LedgerRun:
        return LedgerRun(self.items + other.items, self.evidence + other.evidence, self.alerts + other.alerts)


class LedgerWriter:
    """Gathers what the ledger holds for an item's claims, decides the item (`decide_item`), writes the result."""

    def __init__(self, config: Config, log: FilteringBoundLogger) -> None:
        self._config = config
        self._log = log

    def record(self, connection: Connection, book: RuleBook, item: store.PendingItem, matches: Sequence[Match],
               now: datetime, *, story_id: int | None = None, backfill: bool = False,
               states: Mapping[str, store.ClaimStateRow] | None = None) -> LedgerRun:
        """Record the item's matches at `now`; `story_id` is the story the item is already in, if any, and
        `states` the claims' states when the caller has locked them already. A backfill records the item as of
        when it was first seen, without silences and without alerts."""
        claim_ids = sorted({m.claim_id for m in matches})
        if states is None:
            states = store.lock_claims(connection, claim_ids, now)
        story_id, covered = self._story(connection, item, claim_ids, now, story_id)
        silences = () if backfill else silences_in_force(connection, claim_ids, now)
        dismissed = dismissed_claims(connection, item.id)
        contexts = {claim_id: ClaimContext(policy_for(book, claim_id, self._config.alerts), states[claim_id],
                                           store.positions(connection, claim_id),
                                           [s for s in silences if s.claim_id == claim_id], claim_id in covered,
                                           claim_id in dismissed)
                    for claim_id in claim_ids}
        outcome = decide_item(item, matches, contexts, now, backfill=backfill)
        alerts = 0
        for decided in outcome.decided:
            alerts += self._write(connection, book, item, story_id=story_id, decided=decided, now=now)
        return LedgerRun(1, len(outcome.decided), alerts)

    def _story(self, connection: Connection, item: store.PendingItem, claim_ids: Sequence[str], now: datetime,
               known: int | None) -> tuple[int, set[str]]:
        """The item's story (folded into a known one, or a new one) and the claims it already covers."""
        if known is not None:
            return known, store.story_claims(connection, known)
        key = story_key(item.url, item.title, item.text)
        since = now - timedelta(seconds=self._config.alerts.story_window_seconds)
        story = find_story(key, store.story_candidates(connection, claim_ids, key.url, key.fingerprint, since))
        if story is None:
            story_id = store.add_story(connection, url=key.url, fingerprint=key.fingerprint, title=key.title,
                                       lead=key.lead, item_id=item.id, now=now)
            covered: set[str] = set()
        else:
            story_id = story.id
            covered = store.story_claims(connection, story_id)
            store.join_story(connection, story_id, now)
        store.set_item_story(connection, item.id, story_id)
        return story_id, covered

    def _write(self, connection: Connection, book: RuleBook, item: store.PendingItem, *, story_id: int,
               decided: Decided, now: datetime) -> int:
        """Store one decided match: its evidence, the holder's new position, its alert; returns alerts sent."""
        match, holder, decision = decided.match, decided.holder, decided.decision
        claim_id = match.claim_id
        evidence_id = store.add_evidence(
            connection, item_id=item.id, story_id=story_id, claim_id=claim_id, stance=match.label,
            speaker=match.speaker, holder=holder, score=match.score, quote=match.quote.text if match.quote else "",
            why=why(match), explanation=explanation_json(match), feed=item.feed, url=item.url,
            published_at=item.published_at, seen_at=now, decision=decision.recorded_as)
        if decided.position is not None:
            store.save_position(connection, claim_id, decided.position, evidence_id)
            store.mark_claim_stance(connection, claim_id, match.label, now)
        if decision.enqueued:
            spec = book.claim(claim_id)
            assert spec is not None
            alert_id = self._enqueue(connection, book, spec, now,
                                     Recorded(item, match, holder, decision, evidence_id, story_id))
            store.link_alert(connection, evidence_id, alert_id)
        self._log.info("evidence.recorded", item_id=item.id, claim_id=claim_id, stance=match.label,
                       speaker=match.speaker, holder=holder, clear_speaker=match.clear_speaker, story_id=story_id,
                       decision=decision.kind, outcome=decision.outcome, score=round(match.score, 3))
        return int(decision.alerts)

    def _enqueue(self, connection: Connection, book: RuleBook, spec: ClaimSpec, now: datetime,
                 recorded: Recorded) -> str:
        item, match, holder, decision = recorded.item, recorded.match, recorded.holder, recorded.decision
        alert_id = uuid.uuid4().hex[:16]
        names = {actor.id: actor.name for actor in book.actors}
        detail = {
            "claim_id": spec.id, "statement": spec.statement, "severity": spec.severity, "kind": decision.kind,
            "headline": title(decision.kind, match.label),
            "stance": match.label,
            "previous_stance": _opposite(match.label) if decision.kind == Kind.reversal else None,
            "speaker": match.speaker, "speaker_name": names.get(match.speaker, match.speaker),
            "holder": holder, "holder_name": names.get(holder, holder.removeprefix("source:")),
            "quote": match.quote.text if match.quote else "", "title": item.title, "url": item.url,
            "feed": item.feed, "published_at": item.published_at.isoformat() if item.published_at else None,
            "seen_at": now.isoformat(), "why": why(match), "reason": decision.reason, "story_id": recorded.story_id,
        }
        state = AlertState.pending if decision.alerts else AlertState.silenced
        enqueue(connection, NewAlert(
            id=alert_id, kind=decision.kind, priority=decision.priority, created_at=now, state=state,
            claim_id=spec.id, stance=match.label, holder=holder, evidence_id=recorded.evidence_id,
            severity=spec.severity, silence_id=decision.silence_id, detail=detail),
            route(spec.channels, spec.severity, self._config.channels, self._config.alerts),
            now + timedelta(seconds=self._config.alerts.grouping_seconds))
        self._log.info("alert.queued" if decision.alerts else "alert.silenced", alert_id=alert_id,
                       claim_id=spec.id, kind=decision.kind, stance=match.label, holder=holder)
        return alert_id


def _opposite(stance: str) -> str:
    return {"corroborates": "denies", "denies": "corroborates"}.get(stance, stance)
