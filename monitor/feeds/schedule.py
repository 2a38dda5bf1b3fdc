"""When to poll a feed next: pure functions of the outcome, the settings and an injected random source."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config import PollingSettings

JITTER = 0.2


@dataclass(frozen=True)
class Cadence:
    """The polling settings that scheduling needs, in seconds."""

    default_interval: float
    floor: float
    ceiling: float
    backoff_base: float
    backoff_max: float

    @classmethod
    def from_settings(cls, polling: PollingSettings) -> Cadence:
        """The cadence a PollingSettings block describes."""
        return cls(polling.default_interval_seconds, polling.min_interval_seconds,
                   polling.max_interval_seconds, polling.backoff_base_seconds, polling.backoff_max_seconds)


def after_success(now: datetime, cadence: Cadence, interval: float | None, hint: float | None) -> datetime:
    """Next poll after a good answer: the feed's interval, lengthened (never shortened) by the publisher's
    TTL or Cache-Control hint up to the ceiling, and never sooner than the floor."""
    delay = interval if interval is not None else cadence.default_interval
    if hint is not None and hint > delay:
        delay = min(hint, cadence.ceiling)
    return now + timedelta(seconds=max(delay, cadence.floor))


def after_failure(now: datetime, cadence: Cadence, consecutive_errors: int, rng: random.Random,
                  retry_after: timedelta | None = None) -> datetime:
    """Next poll after the n-th failure in a row: the server's Retry-After when it gave one (within the
    floor and ceiling), else exponential backoff with ±20% jitter, capped."""
    if retry_after is not None:
        seconds = min(max(retry_after.total_seconds(), cadence.floor), cadence.ceiling)
        return now + timedelta(seconds=seconds)
    exponent = min(max(consecutive_errors - 1, 0), 32)
    delay = cadence.backoff_base * 2.0 ** exponent * rng.uniform(1 - JITTER, 1 + JITTER)
    return now + timedelta(seconds=min(delay, cadence.backoff_max))
