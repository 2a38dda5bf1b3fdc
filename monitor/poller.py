"""Dispatching due feeds to a bounded pool of worker threads, at most `per_host` at once per host.

Which feeds are due, and who is polling them, lives in the database (leases): this object only remembers
what its own threads are doing right now, so a killed process loses nothing a restart cannot redo, and
several processes can share one database.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from monitor.feeds.urls import host_of
from monitor.pipeline import Ingest, refresh_feed
from storage.feeds import LeasedFeed, lease_due_feeds, release_leases


class Poller:
    """Leases due feeds and runs `refresh_feed` on each; `tick` is what the scheduler calls."""

    def __init__(self, ingest: Ingest, *, owner: str, workers: int, per_host: int, lease: timedelta,
                 refresh: Callable[[Ingest, LeasedFeed], object] = refresh_feed) -> None:
        self._ingest = ingest
        self._owner = owner
        self._workers = workers
        self._per_host = per_host
        self._lease = lease
        self._refresh = refresh
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="poll")
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running: dict[int, str] = {}
        self._hosts: Counter[str] = Counter()
        self._waiting: deque[LeasedFeed] = deque()
        self._stopping = False
        self.polled = 0

    def tick(self) -> int:
        """Lease what is due (up to what the pool can take soon) and start what the host limits allow;
        returns how many feeds were leased."""
        self._flush()
        with self._lock:
            if self._stopping:
                return 0
            room = 2 * self._workers - len(self._running) - len(self._waiting)
        leased = lease_due_feeds(self._ingest.engine, now=self._ingest.clock(), owner=self._owner,
                                 lease=self._lease, limit=room)
        with self._lock:
            self._waiting.extend(leased)
            self._start_waiting()
        return len(leased)

    def run_once(self) -> int:
        """Poll every feed that is due and return how many were polled, when all are done. A polled feed is
        never due again in the same run: its next poll is at least the interval floor away."""
        while True:
            leased = self.tick()
            with self._lock:
                if leased:
                    self._idle.wait_for(lambda: len(self._running) + len(self._waiting) < self._workers)
                elif not self._running and not self._waiting:
                    self._flush()
                    return self.polled
                else:
                    self._idle.wait()

    def stop(self, timeout: float) -> bool:
        """Start nothing new, wait up to `timeout` for running refreshes, give back unstarted leases;
        True when every refresh finished in time."""
        with self._lock:
            self._stopping = True
            self._waiting.clear()
            self._idle.wait_for(lambda: not self._running, timeout)
            finished = not self._running
        self._pool.shutdown(wait=finished, cancel_futures=True)
        self._flush()
        release_leases(self._ingest.engine, self._owner)
        return finished

    def _flush(self) -> None:
        """Write the schedule-only outcomes (304s) still queued."""
        if self._ingest.batch is not None:
            self._ingest.batch.flush()

    def _start_waiting(self) -> None:
        """Start waiting feeds while workers are free, skipping hosts at their limit (lock held)."""
        held_back: deque[LeasedFeed] = deque()
        while self._waiting and len(self._running) < self._workers:
            feed = self._waiting.popleft()
            host = host_of(feed.url)
            if self._hosts[host] >= self._per_host:
                held_back.append(feed)
                continue
            self._running[feed.id] = host
            self._hosts[host] += 1
            self._pool.submit(self._work, feed)
        held_back.extend(self._waiting)
        self._waiting = held_back

    def _work(self, feed: LeasedFeed) -> None:
        try:
            self._refresh(self._ingest, feed)
        except Exception:  # a bug or a database outage: log it, the lease expires and the feed is retried
            self._ingest.log.exception("feed.refresh_crashed", feed_id=feed.id, feed=feed.name)
        finally:
            with self._lock:
                host = self._running.pop(feed.id)
                self._hosts[host] -= 1
                self.polled += 1
                if not self._stopping:
                    self._start_waiting()
                self._idle.notify_all()

