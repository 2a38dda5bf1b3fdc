"""Outcomes that change nothing but a feed's schedule (a 304), written in groups.

A 304 stores no item, so losing one to a crash costs only a repeat request that will be answered 304
again; writing them in groups of up to `size` saves a transaction per feed. Every poll that stores items
is still committed on its own, with its feed's schedule (storage.items.store_poll).
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Engine

from storage.feeds import LeasedFeed, PollResult, poll_update_statement, poll_update_values


class PollBatch:
    """Collects schedule-only outcomes from worker threads and writes them together."""

    def __init__(self, engine: Engine, size: int = 32) -> None:
        self._engine = engine
        self._size = size
        self._lock = threading.Lock()
        self._pending: list[dict[str, object]] = []

    def add(self, feed: LeasedFeed, result: PollResult, now: datetime) -> None:
        """Queue one outcome; writes the group when it is full."""
        with self._lock:
            self._pending.append(poll_update_values(feed, result, now))
            full = len(self._pending) >= self._size
        if full:
            self.flush()

    def __len__(self) -> int:
        """Outcomes queued and not yet written."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> None:
        """Write every queued outcome in one transaction (feeds whose lease was lost are left alone). On a
        database error the outcomes stay queued for the next flush, and the error is raised."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            with self._engine.begin() as connection:
                connection.execute(poll_update_statement(), pending)
        except Exception:
            with self._lock:
                self._pending[:0] = pending
            raise
