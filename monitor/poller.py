"""Dispatching due feeds to a bounded pool of worker threads, at most `per_host` at once per host.

Which feeds are due, and who is polling them, lives in the database (leases): this object only remembers
what its own threads are doing right now, so a killed process loses nothing a restart cannot redo, and
several processes can share one database.

A poll whose outcome cannot be stored (a database error) does not keep its feed leased: the failure is
recorded on the feed, which is retried after the usual backoff; when even that cannot be written (the
database is down) the feed is given back at the first tick that can write, so it is polled again as soon
as the database is back rather than when the lease runs out.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from monitor.feeds import schedule
from monitor.feeds.urls import host_of
from monitor.liveness import Liveness, Write, database_error
from monitor.pipeline import Ingest, refresh_feed
from storage.feeds import LeasedFeed, PollResult, PollStatus, lease_due_feeds, release_feeds, release_leases
from storage.items import store_poll


class Poller:
    """Leases due feeds and runs `refresh_feed` on each; `tick` is what the scheduler calls."""

    def __init__(self, ingest: Ingest, *, owner: str, workers: int, per_host: int, lease: timedelta,
                 liveness: Liveness, refresh: Callable[[Ingest, LeasedFeed], object] = refresh_feed) -> None:
        self._ingest = ingest
        self._owner = owner
        self._workers = workers
        self._per_host = per_host
        self._lease = lease
        self._refresh = refresh
        self._liveness = liveness
        self._unstored: dict[int, LeasedFeed] = {}
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
        self._give_back()
        with self._lock:
            if self._stopping:
                return 0
            room = 2 * self._workers - len(self._running) - len(self._waiting)
        try:
            leased = lease_due_feeds(self._ingest.engine, now=self._ingest.clock(), owner=self._owner,
                                     lease=self._lease, limit=room)
        except SQLAlchemyError as exc:
            self._liveness.failed(Write.POLL, database_error(exc))
            raise
        queued = self._ingest.batch is not None and len(self._ingest.batch) > 0
        with self._lock:
            if not (leased or self._running or self._waiting or self._unstored or queued):
                self._liveness.wrote(Write.POLL)  # nothing due, nothing owed: no write is failing
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
        """Write the schedule-only outcomes (304s) still queued; on a database error they stay queued."""
        if self._ingest.batch is None:
            return
        try:
            self._ingest.batch.flush()
        except SQLAlchemyError as exc:
            self._liveness.failed(Write.POLL, database_error(exc))
            self._ingest.log.warning("feeds.flush_failed", error=database_error(exc), retry="next tick")

    def _give_back(self) -> None:
        """Release the feeds whose polls could not be stored nor recorded, so they are due again now."""
        with self._lock:
            feeds = list(self._unstored.values())
        if not feeds:
            return
        try:
            release_feeds(self._ingest.engine, self._owner, [feed.id for feed in feeds])
        except SQLAlchemyError as exc:
            self._liveness.failed(Write.POLL, database_error(exc))
            return
        with self._lock:
            for feed in feeds:
                self._unstored.pop(feed.id, None)
        self._ingest.log.info("feeds.given_back", feed_ids=[feed.id for feed in feeds],
                              reason="their polls could not be stored; they are due again")

    def _not_stored(self, feed: LeasedFeed, exc: SQLAlchemyError) -> None:
        """A poll's outcome could not be written: record the failure on the feed (backoff applies), or,
        when the database refuses that too, keep the feed to give back at the next tick."""
        error = database_error(exc)
        self._liveness.failed(Write.POLL, error)
        ingest = self._ingest
        now = ingest.clock()
        retry_at = schedule.after_failure(now, ingest.cadence, feed.consecutive_errors + 1, ingest.rng)
        result = PollResult(status=PollStatus.error, error=f"could not store the poll: {error}", next_poll_at=retry_at)
        try:
            store_poll(ingest.engine, feed, result, [], now)
        except SQLAlchemyError:
            with self._lock:
                self._unstored[feed.id] = feed
            ingest.log.warning("feed.store_failed", feed_id=feed.id, feed=feed.name, error=error,
                               retry="given back as soon as the database accepts writes")
            return
        ingest.log.warning("feed.store_failed", feed_id=feed.id, feed=feed.name, error=error,
                           retry=f"next poll at {retry_at.isoformat()}")

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
            self._liveness.wrote(Write.POLL)
        except SQLAlchemyError as exc:
            self._not_stored(feed, exc)
        except Exception:  # a bug: log it, the lease expires and the feed is retried
            self._ingest.log.exception("feed.refresh_crashed", feed_id=feed.id, feed=feed.name)
        finally:
            with self._lock:
                host = self._running.pop(feed.id)
                self._hosts[host] -= 1
                self.polled += 1
                if not self._stopping:
                    self._start_waiting()
                self._idle.notify_all()

