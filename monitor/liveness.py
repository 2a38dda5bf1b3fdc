"""This daemon's own view of whether it can do its job: answering is not enough, it must be able to write.

Two kinds of write are tracked: storing a poll's outcome (the job) and recording the heartbeat (how peers
and `claimwatch status` know it is alive). A failure streak starts at the first failed write after a
success; one that has lasted `grace` is a problem, reported by the watchdog (which stops pinging),
/healthz (503), and the node's row (which `claimwatch status` reads). A single success ends it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Write(StrEnum):
    """What a tracked write was for."""

    POLL = "polls"
    HEARTBEAT = "heartbeat"


@dataclass
class _Streak:
    failing_since: datetime | None = None
    error: str | None = None


class Liveness:
    """Counts successes and failures of this daemon's writes; thread-safe (workers report from their threads)."""

    def __init__(self, clock: Callable[[], datetime], grace: timedelta) -> None:
        self._clock = clock
        self._grace = grace
        self._lock = threading.Lock()
        self._streaks = {write: _Streak() for write in Write}
        self.last_stored_at: datetime | None = None

    def wrote(self, write: Write) -> None:
        """A write of this kind committed."""
        with self._lock:
            self._streaks[write] = _Streak()
            if write is Write.POLL:
                self.last_stored_at = self._clock()

    def failed(self, write: Write, error: str) -> None:
        """A write of this kind failed with `error`."""
        with self._lock:
            streak = self._streaks[write]
            streak.failing_since = streak.failing_since or self._clock()
            streak.error = error

    def problem(self) -> str | None:
        """Why this daemon cannot do its job, or None while its writes succeed (or failed only briefly)."""
        now = self._clock()
        with self._lock:
            for write, streak in self._streaks.items():
                if streak.failing_since is not None and now - streak.failing_since >= self._grace:
                    seconds = (now - streak.failing_since).total_seconds()
                    return f"cannot write {write} for {seconds:.0f} s: {streak.error}"
        return None


def database_error(exc: BaseException) -> str:
    """The driver's message for a database error, without SQLAlchemy's statement and parameter dump."""
    return str(getattr(exc, "orig", None) or type(exc).__name__)
