"""The long-running service: open the store, load the catalog, and let APScheduler tick the poller.

`run_once` polls every due feed once and returns; `run_forever` keeps polling until SIGTERM or SIGINT,
then lets running refreshes finish (or leaves their feeds due) and exits cleanly.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from structlog.typing import FilteringBoundLogger
from watchfiles import watch

from monitor import __version__, systemd
from monitor.alerts import notices
from monitor.alerts.backfill import Backfiller, start_backfills
from monitor.alerts.ledger import Recorder
from monitor.alerts.notify import ROUND_LIMIT, Notifier
from monitor.alerts.routing import operator_route
from monitor.articles import ArticleStage
from monitor.config import Config
from monitor.feeds.addresses import AddressPolicy
from monitor.feeds.article import PAGE_ACCEPT, ArticleReader, user_agent
from monitor.feeds.fetch import Fetcher, FetchLimits
from monitor.feeds.parser_pool import ParserPool
from monitor.feeds.schedule import Cadence
from monitor.heartbeat import Heartbeat, release_dead_here
from monitor.liveness import Liveness, database_error
from monitor.metrics import Metrics, MetricsServer
from monitor.pipeline import Ingest
from monitor.poller import Poller
from monitor.rulebook.loader import RuleBook
from monitor.rulebook.reload import ActiveRules, ReloadOutcome, RulesKeeper
from storage.engine import make_engine, upgrade
from storage.feeds import sync_catalog
from storage.health import ping, read_health
from storage.nodes import NodeInfo
from storage.outbox import enqueue_once
from storage.poll_batch import PollBatch
from storage.retention import Pruned, maintain, prune
from storage.rules_state import forget_rules_state, record_rules_load

Clock = Callable[[], datetime]
BACKLOG_SECONDS = 30
RELOAD_RETRY_SECONDS = 5
BACKFILL_SECONDS = 5
MAX_FLUSH_ROUNDS = 100
STOP_POLL_SECONDS = 0.5


def utc_now() -> datetime:
    """The wall clock, aware and in UTC."""
    return datetime.now(UTC)


def open_store(config: Config) -> Engine:
    """The engine for the configured database, its schema brought up to date."""
    engine = make_engine(config.effective_database_url)
    upgrade(engine)
    return engine


def make_owner() -> str:
    """This process's name in leases and status rows: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Rules:
    """The daemon's rules: reloads validate the whole folder, sync feeds.yaml into the catalog, and record
    the outcome in the database so `claimwatch status` in another process can report it."""

    def __init__(self, config: Config, engine: Engine, log: FilteringBoundLogger, owner: str,
                 clock: Clock = utc_now) -> None:
        self._config = config
        self._engine = engine
        self._owner = owner
        self._clock = clock
        self._log = log
        self._failed_at: float | None = None
        self.keeper = RulesKeeper(config.rules_dir, log, clock, install=self._install)

    def _install(self, book: RuleBook) -> None:
        sync_catalog(self._engine, [feed.to_catalog() for feed in book.feeds], self._clock())

    def reload(self, reason: str) -> ReloadOutcome:
        """Reload the folder (see RulesKeeper.reload) and record the outcome. A database error (feeds.yaml
        could not be synced) keeps the rules in force and is logged, never raised: `retry_due` then asks
        for another attempt a little later."""
        try:
            outcome = self.keeper.reload(reason)
            self._record(outcome)
        except SQLAlchemyError as exc:
            self._failed_at = time.monotonic()
            self._log.error("rules.install_failed", reason=reason, error=database_error(exc),
                            retry=f"in {RELOAD_RETRY_SECONDS} s")
            return ReloadOutcome(accepted=False, changed=False)
        self._failed_at = None
        return outcome

    def retry_due(self) -> bool:
        """Whether a reload failed on the database and is due to be tried again."""
        return self._failed_at is not None and time.monotonic() - self._failed_at >= RELOAD_RETRY_SECONDS

    def _record(self, outcome: ReloadOutcome) -> None:
        current = self.keeper.current
        record_rules_load(self._engine, self._owner, now=self._clock(), ok=outcome.accepted,
                          fingerprint=current.book.fingerprint if current else None,
                          loaded_at=current.loaded_at if current else None,
                          claims=sum(c.status == "active" for c in current.book.claims) if current else 0,
                          problems=[str(problem) for problem in outcome.problems])
        if not outcome.accepted and outcome.problems:
            self._tell_operators([str(problem) for problem in outcome.problems])
        if outcome.accepted and current is not None:
            # Claims added or whose matching fields changed (by their stored fingerprints) are backfilled.
            for backfill_id in start_backfills(self._engine, current.book, self._config, self._clock()):
                self._log.info("backfill.queued", backfill_id=backfill_id)

    def _tell_operators(self, problems: list[str]) -> None:
        targets = operator_route(self._config.channels, self._config.alerts)
        if not targets:
            return
        now = self._clock()
        notice = notices.rules_rejected(problems, now, rules_dir=str(self._config.rules_dir))
        if enqueue_once(self._engine, notice, targets, now):
            self._log.info("alert.queued", alert_id=notice.id, claim_id=None, kind=notice.kind, channels=targets)

    def names(self) -> dict[str, str]:
        """Actor id -> name in the rules in force, for alert messages."""
        current = self.keeper.current
        return {actor.id: actor.name for actor in current.book.actors} if current else {}

    def current(self) -> ActiveRules | None:
        """The rules in force (None before any valid load); read once per item."""
        return self.keeper.current

    def book(self) -> RuleBook | None:
        """The rule book in force (None before any valid load)."""
        current = self.keeper.current
        return current.book if current else None

    def forget(self) -> None:
        """Remove this daemon's status row (on a clean stop)."""
        forget_rules_state(self._engine, self._owner)


@contextmanager
def poller_for(config: Config, engine: Engine, log: FilteringBoundLogger, clock: Clock = utc_now, *,
               owner: str | None = None, ledger: Recorder | None = None, liveness: Liveness | None = None,
               rules: Callable[[], ActiveRules | None] | None = None) -> Iterator[Poller]:
    """A Poller with its fetcher and parser processes, all closed on exit. With `rules` and an
    `articles.contact` configured, stored items also get their article pages read (see monitor.articles)."""
    polling = config.polling
    policy = AddressPolicy(tuple(polling.allowed_networks))
    fetcher = Fetcher(FetchLimits.from_settings(polling), policy=policy, pool_size=polling.workers)
    page_fetcher = Fetcher(_page_limits(config), policy=policy, pool_size=polling.workers,
                           user_agent=user_agent(config.articles.contact), accept=PAGE_ACCEPT)
    articles = (ArticleStage(engine, ArticleReader(page_fetcher, config.articles), config.articles, rules=rules,
                             clock=clock, log=log)
                if rules is not None and config.articles.contact else None)
    parsers = ParserPool(polling.parser_processes, polling.parse_timeout_seconds)
    ingest = Ingest(engine=engine, fetcher=fetcher, parsers=parsers, cadence=Cadence.from_settings(polling),
                    clock=clock, rng=random.Random(), log=log, ledger=ledger, batch=PollBatch(engine),
                    articles=articles)
    release_dead_here(engine, log)
    poller = Poller(ingest, owner=owner or make_owner(), workers=polling.workers, per_host=polling.per_host,
                    lease=timedelta(seconds=polling.lease_seconds),
                    liveness=liveness or liveness_for(config, clock))
    try:
        yield poller
    finally:
        poller.stop(timeout=polling.fetch_deadline_seconds)
        parsers.close()
        fetcher.close()
        page_fetcher.close()


def _page_limits(config: Config) -> FetchLimits:
    polling, articles = config.polling, config.articles
    return FetchLimits(polling.connect_timeout_seconds, polling.read_timeout_seconds,
                       articles.fetch_deadline_seconds, articles.max_body_bytes, polling.max_redirects)


def liveness_for(config: Config, clock: Clock) -> Liveness:
    """A Liveness whose write failures count as a problem once they last `nodes.stale_seconds`."""
    return Liveness(clock, timedelta(seconds=config.nodes.stale_seconds))


def heartbeat_for(config: Config, engine: Engine, *, owner: str, liveness: Liveness, log: FilteringBoundLogger,
                  clock: Clock) -> Heartbeat:
    """The heartbeat of this process, named `owner` as in its leases."""
    node = NodeInfo(id=owner, host=socket.gethostname(), pid=os.getpid(), version=__version__, started_at=clock())
    return Heartbeat(engine, node, config.nodes, liveness=liveness, log=log, clock=clock)


def run_once(config: Config, log: FilteringBoundLogger, clock: Clock = utc_now) -> int:
    """Poll every due feed once, record what the items bring, deliver every pending alert (grouping
    windows cut short); returns how many feeds were polled. It beats like a daemon meanwhile, so its
    peers do not take it for dead."""
    engine = open_store(config)
    owner = make_owner()
    liveness = liveness_for(config, clock)
    rules = Rules(config, engine, log, owner, clock)
    notifier = Notifier(engine, config, log, clock, owner=owner, names=rules.names)
    try:
        with heartbeat_for(config, engine, owner=owner, liveness=liveness, log=log, clock=clock).running():
            rules.reload("start")
            ledger = Recorder(engine, config, rules.current, clock, log)
            with poller_for(config, engine, log, clock, owner=owner, ledger=ledger, liveness=liveness,
                            rules=rules.current) as poller:
                polled = poller.run_once()
            ledger.backlog()
            Backfiller(engine, config, rules.book, clock, log, owner=owner).run_due()
            sent = 0
            for _ in range(MAX_FLUSH_ROUNDS):
                report = notifier.deliver_due(flush=True)
                sent += report.sent
                if report.leased < ROUND_LIMIT or report.sent == 0:
                    break  # all pending were tried, or a full round made no progress (retrying it would spin)
        log.info("run.once_done", polled=polled, alerts_sent=sent)
        return polled
    finally:
        notifier.close()
        rules.forget()
        engine.dispose()


def run_forever(config: Config, log: FilteringBoundLogger, clock: Clock = utc_now, *,
                stop: threading.Event | None = None, sd: systemd.ServiceManager | None = None,
                metrics: tuple[Metrics, str, int] | None = None) -> None:
    """Poll, record and deliver on schedule until SIGTERM/SIGINT (or `stop` is set), then drain and return.

    SIGHUP, or any change under the rules folder, reloads the rules; a bad edit keeps the last good set.
    Under systemd: READY=1 once the database answers and the rules are loaded, WATCHDOG=1 while the
    scheduler runs, the database answers and this daemon's writes succeed, RELOADING=1 / READY=1 around
    a reload, STOPPING=1 on a stop. With `metrics` (registry, host, port) it serves /metrics and /healthz.
    """
    stop = stop or threading.Event()
    sd = sd or systemd.ServiceManager()
    reload_requested = threading.Event()
    _handle_signals(log, sd, stop, reload_requested)
    engine = open_store(config)
    owner = make_owner()
    liveness = liveness_for(config, clock)
    rules = Rules(config, engine, log, owner, clock)
    server = _serve_metrics(metrics, engine, liveness, clock, log)
    heartbeat = heartbeat_for(config, engine, owner=owner, liveness=liveness, log=log, clock=clock)
    try:
        rules.reload("start")
        threading.Thread(target=_watch_rules, args=(config.rules_dir, reload_requested, stop, log),
                         name="rules-watch", daemon=True).start()
        ledger = Recorder(engine, config, rules.current, clock, log)
        status = functools.partial(status_line, engine, rules, clock)
        with heartbeat.running(), \
                poller_for(config, engine, log, clock, owner=owner, ledger=ledger, liveness=liveness,
                           rules=rules.current) as poller, \
                closing(Notifier(engine, config, log, clock, owner=owner, names=rules.names)) as notifier:
            scheduler = BackgroundScheduler(timezone=UTC, logger=_scheduler_logger())

            def every(seconds: float, job: Callable[[], object], name: str, first: timedelta = timedelta(0)) -> None:
                scheduler.add_job(_guarded(job, log, f"{name}.failed"), "interval", seconds=seconds, id=name,
                                  max_instances=1, coalesce=True, next_run_time=utc_now() + first)

            every(config.polling.tick_seconds, poller.tick, "poll")
            every(BACKLOG_SECONDS, ledger.backlog, "ledger_backlog")
            backfiller = Backfiller(engine, config, rules.book, clock, log, owner=owner)
            every(BACKFILL_SECONDS, functools.partial(backfiller.run_due, stop), "backfill")
            every(config.polling.tick_seconds, notifier.deliver_due, "notify")
            every(config.retention.housekeeping_hours * 3600,
                  functools.partial(housekeeping, engine, config, clock, log), "housekeeping", timedelta(minutes=1))
            if sd.watchdog_seconds:
                every(sd.watchdog_seconds, _watchdog(sd, scheduler, engine, liveness=liveness, status=status,
                                                     log=log), "watchdog")
            scheduler.start()
            log.info("daemon.started", database=engine.url.render_as_string(hide_password=True), node=owner)
            sd.ready(status())
            _serve_reloads(rules, sd, status, stop, reload_requested)
            scheduler.shutdown(wait=True)
        log.info("daemon.stopped")
    finally:
        if server is not None:
            server.close()
        rules.forget()
        engine.dispose()


def _serve_reloads(rules: Rules, sd: systemd.ServiceManager, status: Callable[[], str], stop: threading.Event,
                   reload_requested: threading.Event) -> None:
    """Reload when asked (or when a reload failed on the database and is due again), until `stop`."""
    while not stop.is_set():
        if not reload_requested.wait(timeout=STOP_POLL_SECONDS) and not rules.retry_due():
            continue  # `stop` may be set by another thread, which does not set reload_requested
        reason = "signal or file change" if reload_requested.is_set() else "retry"
        reload_requested.clear()
        if not stop.is_set():
            sd.reloading()
            rules.reload(reason)
            sd.ready(_status_or_error(status))


def _scheduler_logger() -> logging.Logger:
    """APScheduler's own logger, quiet below errors: a skipped tick while the previous one still runs is
    normal here, and every outcome worth reporting is logged by claimwatch itself."""
    logger = logging.getLogger("claimwatch.scheduler")
    logger.setLevel(logging.ERROR)
    return logger


def _handle_signals(log: FilteringBoundLogger, sd: systemd.ServiceManager, stop: threading.Event,
                    reload_requested: threading.Event) -> None:
    """SIGTERM and SIGINT stop (after STOPPING=1), SIGHUP asks for a reload; only the main thread can
    install handlers (tests run the daemon in a thread and stop it with the event)."""
    def on_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("daemon.stopping", signal=signal.Signals(signum).name)
        sd.stopping()
        stop.set()
        reload_requested.set()

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        reload_requested.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_hup)


def _serve_metrics(metrics: tuple[Metrics, str, int] | None, engine: Engine, liveness: Liveness, clock: Clock,
                   log: FilteringBoundLogger) -> MetricsServer | None:
    if metrics is None:
        return None
    registry, host, port = metrics
    registry.watch_store(engine, clock)
    server = MetricsServer(registry, engine, host, port, problem=liveness.problem)
    log.info("metrics.serving", host=host, port=server.port)
    return server


def housekeeping(engine: Engine, config: Config, clock: Clock, log: FilteringBoundLogger) -> Pruned:
    """One pass: prune past the retention periods, then SQLite maintenance."""
    now = clock()
    retention = config.retention
    pruned = prune(engine, items_before=now - timedelta(days=retention.items_days),
                   keys_before=now - timedelta(days=retention.keys_days),
                   alerts_before=now - timedelta(days=retention.alerts_days), now=now)
    maintain(engine)
    log.info("housekeeping.done", items=pruned.items, keys=pruned.keys, stories=pruned.stories,
             alerts=pruned.alerts, silences=pruned.silences)
    return pruned


def status_line(engine: Engine, rules: Rules, clock: Clock) -> str:
    """The one-line STATUS= systemd shows: feeds, claims and the outbox."""
    health = read_health(engine, clock())
    current = rules.current()
    claims = sum(claim.status == "active" for claim in current.book.claims) if current else 0
    feeds = ", ".join(f"{n} {state}" for state, n in sorted(health.feeds.items())) or "no feeds"
    rules_state = "; rules edit REJECTED" if rules.keeper.problems else ""
    return (f"feeds: {feeds}; {claims} active claims; outbox: {health.alerts.get('pending', 0)} pending, "
            f"{health.alerts.get('dead', 0)} dead{rules_state}")


def _watchdog(sd: systemd.ServiceManager, scheduler: BackgroundScheduler, engine: Engine, *, liveness: Liveness,
              status: Callable[[], str], log: FilteringBoundLogger) -> Callable[[], None]:
    """The watchdog job: ping systemd only while the scheduler runs, the database answers and this
    daemon's writes succeed (a daemon that cannot store its polls is not doing its job)."""
    def beat() -> None:
        if not scheduler.running:
            return
        problem = liveness.problem()
        if problem is not None:
            log.warning("watchdog.withheld", problem=problem)
            return
        try:
            ping(engine)
            line = status()
        except SQLAlchemyError as exc:
            log.warning("watchdog.database_unavailable", error=database_error(exc))
            return
        sd.watchdog(line)
    return beat


def _guarded(job: Callable[[], object], log: FilteringBoundLogger, event: str) -> Callable[[], None]:
    """The job, with a database outage logged (the next run retries) instead of raised into the scheduler."""
    def run() -> None:
        try:
            job()
        except SQLAlchemyError as exc:
            log.warning(event, error=database_error(exc), retry="next run")
    return run


def _status_or_error(status: Callable[[], str]) -> str:
    """The STATUS line, or what kept it from being read."""
    try:
        return status()
    except SQLAlchemyError as exc:
        return f"database unavailable: {database_error(exc)}"


def _watch_rules(rules_dir: Path, reload_requested: threading.Event, stop: threading.Event,
                 log: FilteringBoundLogger) -> None:
    """Ask for a reload whenever a file under the rules folder changes (debounced by watchfiles)."""
    try:
        for changes in watch(rules_dir, stop_event=stop, debounce=500, raise_interrupt=False):
            log.info("rules.changed", files=sorted({Path(path).name for _, path in changes}))
            reload_requested.set()
    except OSError as exc:  # the folder vanished or cannot be watched: SIGHUP still works
        log.warning("rules.watch_failed", error=str(exc))
