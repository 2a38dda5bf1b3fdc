"""The ledger stage: match stored items against the rules in force and record what they bring.

For each item revision waiting in the database (new, changed, or left over by a killed process), in one
transaction: claim the item, lock the states of the claims it matches, fold it into a story, and for each
(claim, speaker) match store the evidence, the decision (`decide.decide_item` decides the whole item),
the holder's new position and, when it alerts, the outbox rows. No alert without its evidence, no evidence
without its decision; a process killed midway leaves the item waiting, and another daemon never records it
twice.

This module only gathers what the decision needs and writes what was decided; every decision (story copy,
reported speech, one stance per holder per item, silences, reversals) is in `decide.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine
from structlog.typing import FilteringBoundLogger

from monitor.alerts.decide import ClaimContext, Decided, Decision, Kind, Policy, decide_item, title
from monitor.alerts.routing import route
from monitor.alerts.stories import find_story, story_key
from monitor.config import Config
from monitor.matching.model import Match, Span
from monitor.rulebook.loader import RuleBook
from monitor.rulebook.reload import ActiveRules
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


class Recorder:
    """Records matches of stored items into the claim ledger and the outbox; shared by the feed workers."""

    def __init__(self, engine: Engine, config: Config, rules: Callable[[], ActiveRules | None],
                 clock: Callable[[], datetime], log: FilteringBoundLogger) -> None:
        self._engine = engine
        self._config = config
        self._rules = rules
        self._clock = clock
        self._log = log

    def record(self, item_ids: Iterable[int] | None = None, *, limit: int = 200) -> LedgerRun:
        """Match and record the waiting items among `item_ids` (or the oldest waiting ones, up to `limit`)."""
        rules = self._rules()
        if rules is None:
            return LedgerRun()
        ids = None if item_ids is None else list(item_ids)
        if ids == []:
            return LedgerRun()
        pending = store.pending_items(self._engine, ids=ids, limit=limit if ids is None else len(ids))
        matched = [(item, self._match(rules, item)) for item in pending]
        with self._engine.begin() as connection:
            # Items that match nothing (or that the matcher failed on) are only marked as recorded: one
            # statement for all of them.
            total = LedgerRun(items=store.claim_items(connection, [item for item, found in matched if not found],
                                                      self._clock()))
        for item, found in matched:
            if found:
                total += self._record_item(rules, item, found)
        return total

    def _match(self, rules: ActiveRules, item: store.PendingItem) -> list[Match]:
        """The item's matches that count for their claims. An item the matcher fails on is logged and
        treated as matching nothing, so it cannot block the items behind it on every pass."""
        try:
            return [m for m in rules.matcher.match(item.title, item.text) if _counts(rules.book, m, item)]
        except Exception as exc:  # one bad item must not stop the ledger; it is logged
            self._log.error("ledger.match_failed", item_id=item.id, error=f"{type(exc).__name__}: {exc}",
                            retry="no: the item is recorded without evidence")
            return []

    def backlog(self) -> LedgerRun:
        """Record every waiting item (left by a killed process, or stored before any rules were valid)."""
        total = LedgerRun()
        while True:
            run = self.record()
            if run.items == 0:
                return total
            total += run

    def _record_item(self, rules: ActiveRules, item: store.PendingItem, matches: Sequence[Match]) -> LedgerRun:
        now = self._clock()
        with self._engine.begin() as connection:
            if not store.claim_items(connection, [item], now):
                connection.rollback()
                return LedgerRun()
            return self._record_matches(connection, rules.book, item, matches, now)

    def _record_matches(self, connection: Connection, book: RuleBook, item: store.PendingItem,
                        matches: Sequence[Match], now: datetime) -> LedgerRun:
        """Gather what the ledger holds for the item's claims, decide the whole item, write what was decided."""
        claim_ids = sorted({m.claim_id for m in matches})
        states = store.lock_claims(connection, claim_ids, now)
        story_id, covered = self._story(connection, item, claim_ids, now)
        silences = silences_in_force(connection, claim_ids, now)
        dismissed = dismissed_claims(connection, item.id)
        contexts = {claim_id: ClaimContext(self._policy(book, claim_id), states[claim_id],
                                           store.positions(connection, claim_id),
                                           [s for s in silences if s.claim_id == claim_id], claim_id in covered,
                                           claim_id in dismissed)
                    for claim_id in claim_ids}
        outcome = decide_item(item, matches, contexts, now)
        alerts = 0
        for decided in outcome.decided:
            alerts += self._write(connection, book, item, story_id=story_id, decided=decided, now=now)
        return LedgerRun(1, len(outcome.decided), alerts)

    def _story(self, connection: Connection, item: store.PendingItem, claim_ids: Sequence[str],
               now: datetime) -> tuple[int, set[str]]:
        """Fold the item into a known story or start one; returns the story and the claims it already covers."""
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

    def _policy(self, book: RuleBook, claim_id: str) -> Policy:
        spec = book.claim(claim_id)
        assert spec is not None  # matches come from the book's own matcher
        return Policy(timedelta(seconds=spec.realert), timedelta(seconds=self._config.alerts.max_age_seconds),
                      spec.alert_on_discusses)

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


def _counts(book: RuleBook, match: Match, item: store.PendingItem) -> bool:
    """Whether the claim takes evidence from this item's feed (its sources: trust / ignore by feed tag)."""
    spec = book.claim(match.claim_id)
    if spec is None or spec.status != "active":
        return False
    tags = set(item.feed_tags)
    if spec.sources.ignore and tags & set(spec.sources.ignore):
        return False
    return not spec.sources.trust or bool(tags & set(spec.sources.trust))


def _opposite(stance: str) -> str:
    return {"corroborates": "denies", "denies": "corroborates"}.get(stance, stance)


def why(match: Match) -> str:
    """One line on why the item matched: what was found, the stance cues, and who says it."""
    found = _quoted(s for s in match.explanation.evidence if s.kind != "content")
    cues = _quoted(match.explanation.cues)
    speaker = _quoted(match.explanation.speaker_evidence)
    parts = [f"{match.label} {match.score:.2f}"]
    if found:
        parts.append(f"found {found}")
    if cues:
        parts.append(f"cues {cues}")
    if speaker:
        parts.append(f"speaker {speaker}")
    return "; ".join(parts)


def _quoted(spans: Iterable[Span], limit: int = 4) -> str:
    texts = list(dict.fromkeys(span.text.strip() for span in spans if span.text.strip()))
    return ", ".join(f"'{text}'" for text in texts[:limit])


def explanation_json(match: Match) -> dict[str, object]:
    """The match's explanation as JSON for the evidence row, with whether its speaker is clear."""
    def spans(items: Iterable[Span]) -> list[dict[str, object]]:
        return [{"start": s.start, "end": s.end, "text": s.text, "kind": s.kind, "source": s.source,
                 "score": s.score} for s in items]

    explanation = match.explanation
    return {"reason": explanation.reason, "evidence": spans(explanation.evidence), "cues": spans(explanation.cues),
            "speaker": spans(explanation.speaker_evidence), "clear_speaker": match.clear_speaker,
            "stance_scores": dict(explanation.stance_scores), "passages": spans(explanation.passages),
            "quote": spans([match.quote]) if match.quote else []}
