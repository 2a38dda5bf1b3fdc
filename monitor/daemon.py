"""The long-running service: open the store, load the catalog, and let APScheduler tick the poller.

`run_once` polls every due feed once and returns; `run_forever` keeps polling until SIGTERM or SIGINT,
then lets running refreshes finish (or leaves their feeds due) and exits cleanly.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from structlog.typing import FilteringBoundLogger

from monitor.config import Config
from monitor.errors import RuleFileError
from monitor.feeds.fetch import Fetcher, FetchLimits
from monitor.feeds.parser_pool import ParserPool
from monitor.feeds.schedule import Cadence
from monitor.pipeline import Ingest
from monitor.poller import Poller
from monitor.rulebook.loader import load_rulebook
from storage.engine import make_engine, upgrade
from storage.feeds import lease_owners, release_leases, sync_catalog

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, aware and in UTC."""
    return datetime.now(UTC)


def open_store(config: Config) -> Engine:
    """The engine for the configured database, its schema brought up to date."""
    engine = make_engine(config.effective_database_url)
    upgrade(engine)
    return engine


def load_catalog(config: Config, engine: Engine, log: FilteringBoundLogger, now: datetime) -> bool:
    """Sync feeds.yaml into the database; on errors log each one and keep the feeds already stored.
    Returns whether the file was valid."""
    try:
        feeds = load_rulebook(config.rules_dir).feeds
    except RuleFileError as exc:
        for problem in exc.problems:
            log.error("rules.invalid", file=problem.file, line=problem.line, column=problem.column,
                      problem=problem.message)
        log.error("catalog.kept", reason="feeds.yaml is invalid; polling the feeds stored before")
        return False
    changes = sync_catalog(engine, [feed.to_catalog() for feed in feeds], now)
    log.info("catalog.synced", feeds=len(feeds), added=len(changes.added), changed=len(changes.changed),
             removed=len(changes.removed))
    return True


def release_dead_leases(engine: Engine, log: FilteringBoundLogger) -> None:
    """Free the leases of claimwatch processes on this host that no longer run (killed, crashed), so a
    restart polls their feeds at once instead of waiting for the leases to expire. Leases of other hosts
    are left to expire: only their own host can tell whether they are alive."""
    host = socket.gethostname()
    dead = []
    for owner in lease_owners(engine):
        owner_host, _, rest = owner.rpartition(":")[0].rpartition(":")
        pid = rest
        if owner_host == host and pid.isdigit() and not _process_alive(int(pid)):
            dead.append(owner)
    if dead:
        release_leases(engine, *dead)
        log.info("leases.released", owners=dead, reason="their processes are gone")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def poller_for(config: Config, engine: Engine, log: FilteringBoundLogger,
               clock: Clock = utc_now) -> Iterator[Poller]:
    """A Poller with its fetcher and parser processes, all closed on exit."""
    polling = config.polling
    fetcher = Fetcher(FetchLimits.from_settings(polling), pool_size=polling.workers)
    parsers = ParserPool(polling.parser_processes, polling.parse_timeout_seconds)
    ingest = Ingest(engine=engine, fetcher=fetcher, parsers=parsers, cadence=Cadence.from_settings(polling),
                    clock=clock, rng=random.Random(), log=log)
    release_dead_leases(engine, log)
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    poller = Poller(ingest, owner=owner, workers=polling.workers, per_host=polling.per_host,
                    lease=timedelta(seconds=polling.lease_seconds))
    try:
        yield poller
    finally:
        poller.stop(timeout=polling.fetch_deadline_seconds)
        parsers.close()
        fetcher.close()


def run_once(config: Config, log: FilteringBoundLogger, clock: Clock = utc_now) -> int:
    """Poll every due feed once; returns how many feeds were polled."""
    engine = open_store(config)
    try:
        load_catalog(config, engine, log, clock())
        with poller_for(config, engine, log, clock) as poller:
            polled = poller.run_once()
        log.info("run.once_done", polled=polled)
        return polled
    finally:
        engine.dispose()


def run_forever(config: Config, log: FilteringBoundLogger, clock: Clock = utc_now,
                stop: threading.Event | None = None) -> None:
    """Poll on schedule until SIGTERM/SIGINT (or `stop` is set), then drain and return."""
    stop = stop or threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("daemon.stopping", signal=signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
    engine = open_store(config)
    try:
        load_catalog(config, engine, log, clock())
        with poller_for(config, engine, log, clock) as poller:
            scheduler = BackgroundScheduler(timezone=UTC)
            scheduler.add_job(poller.tick, "interval", seconds=config.polling.tick_seconds, id="poll",
                              max_instances=1, coalesce=True, next_run_time=utc_now())
            scheduler.start()
            log.info("daemon.started", database=engine.url.render_as_string(hide_password=True))
            stop.wait()
            scheduler.shutdown(wait=True)
        log.info("daemon.stopped")
    finally:
        engine.dispose()
