"""Backfills: a claim added, or whose matching fields changed, is matched over the items already stored.

`start_backfills` runs on every rules load: each active claim's matching fingerprint is compared with the one
stored (`note_claim_rules`), and a new or edited claim gets a backfill over the items inside retention. A
`Backfiller` (a daemon job, or `claimwatch claims backfill` by hand) takes a backfill's lease and goes through
its items in id order, batch by batch: it matches each item against that claim alone, records the evidence
through the ledger's own writer and decision with the item's first-seen time (decision `backfill`: the picture
is built, no alert goes out one by one), and moves the cursor in the same transaction. At the end the claim's
picture is rebuilt in the order things were seen, and one summary message goes to the claim's channels
(unless the claim's `backfill_summary` or the config's `alerts.backfill_summary` is off).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine
from structlog.typing import FilteringBoundLogger

from monitor.alerts.decide import counting
from monitor.alerts.picture import Picture, rebuild
from monitor.alerts.routing import route
from monitor.alerts.write import LedgerWriter
from monitor.config import Config
from monitor.matching.matcher import Matcher
from monitor.rulebook.loader import RuleBook
from monitor.rulebook.schema import ClaimSpec
from storage.backfills import (
    BackfillRow,
    BackfillState,
    NewBackfill,
    add_backfill,
    advance_backfill,
    end_backfill,
    lease_backfill,
    note_claim_rules,
    release_backfill,
)
from storage.corrections import claim_evidence, replace_picture
from storage.engine import reading
from storage.history import (
    count_stored_items,
    cursor_before,
    items_by_id,
    items_with_evidence,
    newest_item_id,
    stored_texts,
)
from storage.ledger import lock_claims
from storage.outbox import NewAlert, enqueue

LEASE = timedelta(seconds=120)
SUMMARY_PRIORITY = 4
REASONS = {"added": "the claim was added", "edited": "the claim's matching fields changed",
           "by_hand": "an analyst asked for it"}


def matching_fingerprint(spec: ClaimSpec) -> str:
    """A digest of the fields that decide what a claim matches: statement, subjects, objects, keyphrases and
    exclusions."""
    fields = [spec.statement, spec.subjects, spec.objects, spec.keyphrases, spec.exclusions]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def start_backfills(engine: Engine, book: RuleBook, config: Config, now: datetime) -> list[int]:
    """Note every active claim's matching fields; start a backfill for each claim that is new or edited.
    Returns the backfills started."""
    since = now - timedelta(days=config.retention.items_days)
    started = []
    with engine.begin() as connection:
        for spec in book.claims:
            if spec.status != "active":
                continue
            reason = note_claim_rules(connection, spec.id, matching_fingerprint(spec), now)
            if reason is not None:
                started.append(begin(connection, spec, config, reason, since=since, now=now))
    return started


def begin(connection: Connection, spec: ClaimSpec, config: Config, reason: str, *, since: datetime,
          now: datetime) -> int:
    """Start a backfill of the claim over the items stored so far and first seen since `since`."""
    upto = newest_item_id(connection)
    total = count_stored_items(connection, since=since, upto_id=upto)
    summary = spec.backfill_summary and config.alerts.backfill_summary
    return add_backfill(connection, NewBackfill(spec.id, reason, since, upto, total, summary,
                                                cursor_before(connection, since)), now)


@dataclass(frozen=True)
class BackfillRun:
    """What one run of a backfill did."""

    backfill_id: int
    claim_id: str
    state: BackfillState
    items: int
    evidence: int


class Backfiller:
    """Runs backfills under their leases; built once by the daemon (or by the CLI for one backfill)."""

    def __init__(self, engine: Engine, config: Config, rules: Callable[[], RuleBook | None],
                 clock: Callable[[], datetime], log: FilteringBoundLogger, *, owner: str) -> None:
        self._engine = engine
        self._config = config
        self._rules = rules
        self._clock = clock
        self._log = log
        self._owner = owner
        self._batch = config.alerts.backfill_batch
        self._writer = LedgerWriter(config, log)
        self._matchers: dict[tuple[str, str], Matcher] = {}

    def run_due(self, stop: threading.Event | None = None) -> list[BackfillRun]:
        """Run every unfinished backfill nobody else holds, one after the other, until none is left or
        `stop` is set."""
        runs = []
        while not (stop is not None and stop.is_set()):
            backfill = lease_backfill(self._engine, self._owner, self._clock(), LEASE)
            if backfill is None:
                break
            runs.append(self.run(backfill, stop=stop))
        return runs

    def run(self, backfill: BackfillRow, *, stop: threading.Event | None = None,
            progress: Callable[[int], None] | None = None) -> BackfillRun:
        """Go on with a backfill whose lease this process holds, from its cursor to the end (or until `stop`)."""
        book = self._rules()
        spec = book.claim(backfill.claim_id) if book is not None else None
        if book is None or spec is None or spec.status != "active":
            with self._engine.begin() as connection:
                end_backfill(connection, backfill.id, self._owner, BackfillState.cancelled, self._clock())
            self._log.info("backfill.cancelled", backfill_id=backfill.id, claim_id=backfill.claim_id,
                           reason="the claim is not active in the rules in force")
            return BackfillRun(backfill.id, backfill.claim_id, BackfillState.cancelled, 0, 0)
        self._log.info("backfill.started", backfill_id=backfill.id, claim_id=spec.id, cursor=backfill.cursor_item_id,
                       upto=backfill.upto_item_id, items_total=backfill.items_total)
        matcher = self._matcher(book, spec.id)
        cursor, items, evidence = backfill.cursor_item_id, 0, 0
        while True:
            if stop is not None and stop.is_set():
                release_backfill(self._engine, backfill.id, self._owner)
                return BackfillRun(backfill.id, spec.id, BackfillState.running, items, evidence)
            step = self._batch_step(backfill, book, matcher, cursor)
            if step is None:
                return self._lost(backfill, items, evidence)
            done, found, moved = step
            if moved == cursor:
                break
            cursor = moved
            items, evidence = items + done, evidence + found
            if progress is not None:
                progress(done)
        return self._finish(backfill, spec, book, items, evidence)

    def _batch_step(self, backfill: BackfillRow, book: RuleBook, matcher: Matcher,
                    cursor: int) -> tuple[int, int, int] | None:
        """Match and record one batch after `cursor`: (items, evidence, new cursor), or None when the lease
        was lost."""
        with reading(self._engine) as connection:
            page = stored_texts(connection, since=backfill.since, after_id=cursor, upto_id=backfill.upto_item_id,
                                limit=self._batch)
            if page.last_id is None:
                return 0, 0, cursor
            hits = {item_id: found for item_id, title, text in page.texts
                    if (found := [m for m in matcher.match(title, text) if m.claim_id == backfill.claim_id])}
            full = items_by_id(connection, hits)
        matched = [(s, found) for s in full if (found := counting(book, hits[s.item.id], s.item))]
        evidence = 0
        with self._engine.begin() as connection:
            have = items_with_evidence(connection, backfill.claim_id, [s.item.id for s, _ in matched]) \
                if matched else set()
            for stored, found in matched:
                if stored.item.id not in have:
                    evidence += self._writer.record(connection, book, stored.item, found, stored.item.first_seen_at,
                                                    story_id=stored.story_id, backfill=True).evidence
            if not advance_backfill(connection, backfill.id, self._owner, cursor=page.last_id, items=len(page.texts),
                                    evidence=evidence, now=self._clock(), lease=LEASE):
                connection.rollback()
                return None
        return len(page.texts), evidence, page.last_id

    def _finish(self, backfill: BackfillRow, spec: ClaimSpec, book: RuleBook, items: int,
                evidence: int) -> BackfillRun:
        """Rebuild the claim's picture in the order things were seen, end the backfill and queue its summary,
        in one transaction."""
        now = self._clock()
        with self._engine.begin() as connection:
            lock_claims(connection, [spec.id], now)
            picture = rebuild(spec.id, claim_evidence(connection, spec.id))
            replace_picture(connection, picture.positions, picture.state, now)
            if not end_backfill(connection, backfill.id, self._owner, BackfillState.done, now):
                connection.rollback()
                return self._lost(backfill, items, evidence)
            total = backfill.evidence + evidence
            if backfill.summary and total:
                self._summarise(connection, backfill, spec, book, picture=picture, evidence=total, now=now)
        self._log.info("backfill.done", backfill_id=backfill.id, claim_id=spec.id, items=backfill.items_done + items,
                       evidence=total)
        return BackfillRun(backfill.id, spec.id, BackfillState.done, items, evidence)

    def _summarise(self, connection: Connection, backfill: BackfillRow, spec: ClaimSpec, book: RuleBook, *,
                   picture: Picture, evidence: int, now: datetime) -> None:
        names = {actor.id: actor.name for actor in book.actors}
        alert = summary_alert(backfill, spec, picture, evidence=evidence, names=names, now=now)
        enqueue(connection, alert, route(spec.channels, spec.severity, self._config.channels, self._config.alerts),
                now + timedelta(seconds=self._config.alerts.grouping_seconds))
        self._log.info("alert.queued", alert_id=alert.id, claim_id=spec.id, kind=alert.kind)

    def _lost(self, backfill: BackfillRow, items: int, evidence: int) -> BackfillRun:
        self._log.warning("backfill.lease_lost", backfill_id=backfill.id, claim_id=backfill.claim_id,
                          retry="no: the process that holds it now carries on")
        return BackfillRun(backfill.id, backfill.claim_id, BackfillState.running, items, evidence)

    def _matcher(self, book: RuleBook, claim_id: str) -> Matcher:
        """A matcher for the one claim (far faster over many items than the whole rule book's)."""
        key = (book.fingerprint, claim_id)
        if key not in self._matchers:
            self._matchers = {key: Matcher(book.ruleset([claim_id]))}
        return self._matchers[key]


def summary_alert(backfill: BackfillRow, spec: ClaimSpec, picture: Picture, *, evidence: int,
                  names: dict[str, str], now: datetime) -> NewAlert:
    """The one message a backfill sends: how many items over which span, and who corroborates and denies.
    Its id is the backfill's, so it is queued once."""
    def holders(stance: str) -> str:
        return ", ".join(names.get(p.holder, p.holder.removeprefix("source:")) for p, _ in picture.positions
                         if p.stance == stance) or "nobody"

    headline = f"Backfilled: {evidence} piece{'s' * (evidence != 1)} of evidence since {backfill.since:%d %b %Y}"
    who = f"corroborated by {holders('corroborates')}; denied by {holders('denies')}"
    detail = {"claim_id": spec.id, "statement": spec.statement, "severity": spec.severity, "kind": "backfill",
              "headline": headline, "speaker_name": who,
              "title": f"{backfill.items_total} stored items matched again", "seen_at": now.isoformat(),
              "why": REASONS.get(backfill.reason, backfill.reason), "backfill_id": backfill.id}
    return NewAlert(id=f"backfill-{backfill.id}", kind="backfill", priority=SUMMARY_PRIORITY, created_at=now,
                    claim_id=spec.id, severity=spec.severity, detail=detail)


def run_by_hand(engine: Engine, backfiller: Backfiller, spec: ClaimSpec, config: Config, *, since: datetime,
                now: datetime, owner: str, progress: Callable[[int], None] | None = None) -> BackfillRun:
    """Start a backfill of the claim and run it in this process (`claimwatch claims backfill`)."""
    with engine.begin() as connection:
        backfill_id = begin(connection, spec, config, "by_hand", since=since, now=now)
    backfill = lease_backfill(engine, owner, now, LEASE, backfill_id)
    assert backfill is not None  # just created, nobody else holds it yet
    return backfiller.run(backfill, progress=progress)

