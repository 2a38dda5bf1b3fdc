"""The ledger stage: match stored items against the rules in force and record what they bring.

For each item revision waiting in the database (new, changed, or left over by a killed process), in one
transaction: lock the states of the claims it matches, claim the item (its `ledger_at` read from the clock
once the lock is held, so that the ledger's order is the order items were decided in, the order a replay walks),
fold it into a story, and for each (claim, speaker) match store the evidence, the decision (`decide.decide_item`
decides the whole item), the holder's new position and, when it alerts, the outbox rows. No alert without its
evidence, no evidence without its decision; a process killed midway leaves the item waiting, and another
daemon never records it twice.

This module only gathers what the decision needs and writes what was decided; every decision (story copy,
reported speech, one stance per holder per item, silences, reversals) is in `decide.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Engine
from structlog.typing import FilteringBoundLogger

from monitor.alerts.decide import counting
from monitor.alerts.write import LedgerRun, LedgerWriter
from monitor.config import Config
from monitor.matching.model import Match
from monitor.rulebook.reload import ActiveRules
from storage import ledger as store


class Recorder:
    """Records matches of stored items into the claim ledger and the outbox; shared by the feed workers."""

    def __init__(self, engine: Engine, config: Config, rules: Callable[[], ActiveRules | None],
                 clock: Callable[[], datetime], log: FilteringBoundLogger) -> None:
        self._engine = engine
        self._config = config
        self._rules = rules
        self._clock = clock
        self._log = log
        self._writer = LedgerWriter(config, log)

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
            return counting(rules.book, rules.matcher.match(item.title, item.text, item.language), item)
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
        with self._engine.begin() as connection:
            # The clock is read once the item's claims are locked: the item's `ledger_at` then follows the
            # order in which the ledger decided items of the same claims, the order a replay walks them in.
            states = store.lock_claims(connection, [m.claim_id for m in matches], self._clock())
            now = self._clock()
            if not store.claim_items(connection, [item], now):
                connection.rollback()
                return LedgerRun()
            return self._writer.record(connection, rules.book, item, matches, now, states=states)

