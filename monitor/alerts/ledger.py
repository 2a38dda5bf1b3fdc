"""The ledger stage: match stored items against the rules in force and record what they bring.

For each item revision waiting in the database (new, changed, or left over by a killed process), in one
transaction: claim the item, lock the states of the claims it matches, fold it into a story, and for each
(claim, speaker) match store the evidence, the decision (`decide.py`), the holder's new position and, when
it alerts, the outbox rows. No alert without its evidence, no evidence without its decision; a process
killed midway leaves the item waiting, and another daemon never records it twice.

The holder of a stance is the speaker's top affiliation (the US national security adviser speaks for the US
government), or the feed (`source:<feed>`) when nobody is quoted. When an item quotes somebody on a claim,
its unattributed sentences about that claim are the outlet reporting them: recorded as `reported`, not as
the outlet's own stance.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine
from structlog.typing import FilteringBoundLogger

from monitor.alerts import decide as decisions
from monitor.alerts.routing import route
from monitor.alerts.stories import KnownStory, fold, story_key
from monitor.config import Config
from monitor.matching.model import UNATTRIBUTED, Match, Span
from monitor.rulebook.loader import RuleBook
from monitor.rulebook.reload import ActiveRules
from monitor.rulebook.schema import ClaimSpec
from storage import ledger as store
from storage.outbox import NewAlert, enqueue
from storage.silences import silences_in_force

STANCES_HELD = ("corroborates", "denies")


@dataclass(frozen=True)
class Recorded:
    """One stored piece of evidence and its decision."""

    item: store.PendingItem
    match: Match
    holder: str
    decision: decisions.Decision
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


class Ledger:
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
            found = rules.matcher.match(item.title, item.text, item.language)
            return [m for m in found if _counts(rules.book, m, item)]
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
        settings = self._config.alerts
        claim_ids = sorted({m.claim_id for m in matches})
        states = store.lock_claims(connection, claim_ids, now)
        key = story_key(item.url, item.title, item.text)
        candidates = store.story_candidates(connection, claim_ids, key.url, key.fingerprint,
                                            now - timedelta(seconds=settings.story_window_seconds))
        story = fold(key, [KnownStory(c.id, c.url, c.fingerprint, c.title, c.lead) for c in candidates])
        if story is None:
            story_id = store.add_story(connection, url=key.url, fingerprint=key.fingerprint, title=key.title,
                                       lead=key.lead, item_id=item.id, now=now)
            covered: set[str] = set()
        else:
            story_id = story.id
            covered = store.story_claims(connection, story_id)
            store.join_story(connection, story_id, now)
        store.set_item_story(connection, item.id, story_id)
        silences = [decisions.SilenceRule(s.id, s.claim_id, s.speaker, s.ends_at)
                    for s in silences_in_force(connection, claim_ids, now)]
        evidence = alerts = 0
        for claim_id in claim_ids:
            spec = book.claim(claim_id)
            assert spec is not None  # matches come from the book's own matcher
            claim_matches = [m for m in matches if m.claim_id == claim_id]
            quoted = any(m.speaker != UNATTRIBUTED for m in claim_matches)
            policy = decisions.Policy(timedelta(seconds=spec.realert), timedelta(seconds=settings.max_age_seconds),
                                      spec.alert_on_discusses)
            held = store.positions(connection, claim_id)
            state = states[claim_id]
            picture = decisions.ClaimPicture(state.first_corroboration_at is not None,
                                             state.first_denial_at is not None)
            decided_here: set[str] = set()
            # Clear speakers first, then the strongest: the first match of a holder speaks for it in this item.
            for match in sorted(claim_matches, key=lambda m: not m.clear_speaker):
                holder = _holder(match, item.feed)
                if quoted and match.speaker == UNATTRIBUTED:
                    decision = decisions.Decision("reported", "quiet", "the outlet reporting the quoted speakers",
                                                  updates_position=False)
                elif holder in decided_here:
                    decision = decisions.Decision("same_item", "quiet", "its holder already spoke in this item",
                                                  updates_position=False)
                else:
                    decided_here.add(holder)
                    fact = decisions.Fact(claim_id, match.label, match.speaker, holder, claim_id in covered,
                                          item.published_at, item.first_seen_at, match.clear_speaker)
                    previous = held.get(holder)
                    decision = decisions.decide(
                        fact, decisions.Held(previous.stance, previous.last_alerted_at) if previous else None,
                        picture, policy, silences)
                evidence_id = store.add_evidence(
                    connection, item_id=item.id, story_id=story_id, claim_id=claim_id, stance=match.label,
                    speaker=match.speaker, holder=holder, score=match.score,
                    quote=match.quote.text if match.quote else "", why=why(match),
                    explanation=explanation_json(match), feed=item.feed, url=item.url,
                    published_at=item.published_at, seen_at=now,
                    decision=decision.kind if decision.outcome in ("alert", "quiet") else decision.outcome)
                evidence += 1
                if decision.updates_position and match.label in STANCES_HELD:
                    held[holder] = store.save_position(connection, claim_id, holder, stance=match.label,
                                                       evidence_id=evidence_id, now=now, previous=held.get(holder),
                                                       alerted=decision.outcome != "quiet")
                    store.mark_claim_stance(connection, claim_id, match.label, now)
                    picture = decisions.ClaimPicture(picture.corroborated or match.label == "corroborates",
                                                     picture.denied or match.label == "denies")
                if decision.outcome in ("alert", "silenced"):
                    alert_id = self._enqueue(connection, book, spec, now,
                                             Recorded(item, match, holder, decision, evidence_id, story_id))
                    store.link_alert(connection, evidence_id, alert_id)
                    alerts += decision.alerts
                self._log.info("evidence.recorded", item_id=item.id, claim_id=claim_id, stance=match.label,
                               speaker=match.speaker, holder=holder, clear_speaker=match.clear_speaker,
                               story_id=story_id, decision=decision.kind, outcome=decision.outcome,
                               score=round(match.score, 3))
        return LedgerRun(1, evidence, alerts)

    def _enqueue(self, connection: Connection, book: RuleBook, spec: ClaimSpec, now: datetime,
                 recorded: Recorded) -> str:
        item, match, holder, decision = recorded.item, recorded.match, recorded.holder, recorded.decision
        alert_id = uuid.uuid4().hex[:16]
        names = {actor.id: actor.name for actor in book.actors}
        detail = {
            "claim_id": spec.id, "statement": spec.statement, "severity": spec.severity, "kind": decision.kind,
            "headline": decisions.title(decision.kind, match.label),
            "stance": match.label, "previous_stance": _opposite(match.label) if decision.kind == "reversal" else None,
            "speaker": match.speaker, "speaker_name": names.get(match.speaker, match.speaker),
            "holder": holder, "holder_name": names.get(holder, holder.removeprefix("source:")),
            "quote": match.quote.text if match.quote else "", "title": item.title, "url": item.url,
            "feed": item.feed, "published_at": item.published_at.isoformat() if item.published_at else None,
            "seen_at": now.isoformat(), "why": why(match), "reason": decision.reason, "story_id": recorded.story_id,
        }
        state = "pending" if decision.alerts else "silenced"
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


def _holder(match: Match, feed: str) -> str:
    if match.speaker == UNATTRIBUTED:
        return f"source:{feed}"
    return match.speaker_affiliation or match.speaker


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
