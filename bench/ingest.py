"""Ingest benchmark: the real poller against a loopback server of realistic news feeds.

    .venv/bin/python -m bench.ingest                 # 2,000 feeds x 50 items, a few minutes on 2 cores
    .venv/bin/python -m bench.ingest --feeds 200     # quick smoke run

A separate process serves the feeds (`bench/feeds.py`: pre-generated once, RSS 2.0 and some Atom) from an
asyncio HTTP/1.1 server with keep-alive on 127.0.0.1 ... 127.0.0.20, answering 304 when If-None-Match
matches its ETag.
This process then does what `claimwatch run --once` does (open_store, Rules.reload, poller_for,
run_once) twice into a fresh SQLite file: once with every feed new, once two hours later when every feed
answers 304. Then it measures the ceiling, bare feedparser.parse over the same bodies in one process, and
prints the figures with PASS/MISS against the targets. It is not a test: it never fails on a miss.
See bench/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from ipaddress import ip_network
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the product is imported lazily, so the server process stays light
    from sqlalchemy import Engine
    from structlog.typing import FilteringBoundLogger

    from monitor.config import Config

from bench.feeds import Corpus, feed_body
from bench.harness import database, progress, start_server, verdict
from bench.procstat import cpu_seconds, machine_busy_seconds, parser_pids, peak_rss_mb, self_cpu_seconds

REFERENCE_304_FEEDS_PER_SECOND = 550.0  # a sequential Python feed-to-email tool on the same kind of feeds
TARGET_CEILING_RATIO = 0.70
TARGET_304_FEEDS_PER_SECOND = 1_000.0
TARGET_RSS_MB = 250.0
TARGET_FEEDS = 2_000
SECOND_POLL_OFFSET = timedelta(hours=2)
MB = 1024 * 1024


# --------------------------------------------------------------------------------------------------------
# The polls: exactly the calls `claimwatch run --once` makes.
# --------------------------------------------------------------------------------------------------------

@dataclass
class PollFigures:
    """What one run_once did and cost."""

    polled: int = 0
    seconds: float = 0.0
    poller_cpu: float = 0.0
    parser_cpu: list[float] = field(default_factory=list)
    parser_peak_mb: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    machine_busy: float = 0.0

    @property
    def accounted(self) -> float:
        """CPU seconds of the benchmark's own processes during the poll."""
        return self.poller_cpu + sum(self.parser_cpu) + self.server_cpu


def timed_poll(config: Config, engine: Engine, log: FilteringBoundLogger, clock: Callable[[], datetime],
               server_pid: int) -> PollFigures:
    """One poller_for + run_once, timed; CPU of every process involved sampled around it."""
    from monitor.daemon import poller_for

    figures = PollFigures()
    with poller_for(config, engine, log, clock) as poller:
        server_before, cpu_before, busy_before = cpu_seconds(server_pid), self_cpu_seconds(), machine_busy_seconds()
        started = time.perf_counter()
        figures.polled = poller.run_once()
        figures.seconds = time.perf_counter() - started
        figures.machine_busy = machine_busy_seconds() - busy_before
        figures.poller_cpu = self_cpu_seconds() - cpu_before
        figures.server_cpu = cpu_seconds(server_pid) - server_before
        parsers = parser_pids()  # read before poller_for closes the pool
        figures.parser_cpu = [cpu_seconds(pid) for pid in parsers]
        figures.parser_peak_mb = [peak_rss_mb(pid) for pid in parsers]
    return figures


def warm_forkserver() -> float:
    """Start the forkserver with ParserPool's preload before the clock runs (the daemon pays this once)."""
    started = time.perf_counter()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["monitor.feeds.parse"])
    child = context.Process(target=time.sleep, args=(0,))  # forked only once the preload is imported
    child.start()
    child.join()
    return time.perf_counter() - started


@dataclass
class IngestFigures:
    """Everything measured against the real poller."""

    database: str = ""
    workers: int = 0
    per_host: int = 0
    parser_processes: int = 0
    forkserver_seconds: float = 0.0
    first: PollFigures = field(default_factory=PollFigures)
    second: PollFigures = field(default_factory=PollFigures)
    items_stored: int = 0
    first_statuses: dict[str, int] = field(default_factory=dict)
    second_statuses: dict[str, int] = field(default_factory=dict)
    poller_peak_mb: float = 0.0
    poller_setup_mb: float = 0.0


def write_feeds_yaml(rules_dir: Path, corpus: Corpus) -> None:
    """rules/feeds.yaml listing every feed of the corpus."""
    rules_dir.mkdir(parents=True, exist_ok=True)
    lines = ["feeds:"]
    for index in range(corpus.feeds):
        lines.append(f"  - name: bench-{index:05d}\n    url: {corpus.url(index)}\n    tags: [bench]")
    (rules_dir / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_ingest(args: argparse.Namespace, corpus: Corpus, server_pid: int, tmp: Path) -> IngestFigures:
    """Both polls into a fresh database, as `claimwatch run --once` twice, two hours apart."""
    from sqlalchemy import func, select

    from monitor.config import Config, PollingSettings
    from monitor.daemon import Rules, make_owner, open_store, utc_now
    from monitor.logs import make_logger
    from storage.models import FEEDS, ITEMS

    write_feeds_yaml(tmp / "rules", corpus)
    overrides = {name: value for name, value in (("workers", args.workers), ("per_host", args.per_host),
                                                 ("parser_processes", args.parser_processes)) if value}
    figures = IngestFigures()
    with database(args.database_url) as url, open(os.devnull, "w") as devnull:
        config = Config(state_dir=tmp / "state", rules_dir=tmp / "rules", database_url=url,
                        polling=PollingSettings(**overrides, allowed_networks=[ip_network("127.0.0.0/8")]))
        figures.database = make_safe_url(config.effective_database_url)
        figures.workers, figures.per_host = config.polling.workers, config.polling.per_host
        figures.parser_processes = config.polling.parser_processes
        log = make_logger(stream=devnull, json=True)
        engine = open_store(config)
        try:
            with engine.connect() as connection:
                if connection.execute(select(func.count()).select_from(FEEDS)).scalar_one():
                    raise SystemExit(f"{figures.database} already holds feeds; the benchmark needs an empty one")
            rules = Rules(config, engine, log, make_owner())  # run_once's catalog sync: rules.reload("start")
            if not rules.reload("start").accepted:
                raise SystemExit("the generated rules folder was refused")
            rules.forget()
            figures.forkserver_seconds = warm_forkserver()
            figures.poller_setup_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            def status_counts() -> dict[str, int]:
                with engine.connect() as connection:
                    rows = connection.execute(select(FEEDS.c.last_status, func.count())
                                              .group_by(FEEDS.c.last_status))
                    return {str(status): int(count) for status, count in rows}

            progress("first poll: every feed new ...")
            figures.first = timed_poll(config, engine, log, utc_now, server_pid)
            figures.first_statuses = status_counts()
            with engine.connect() as connection:
                figures.items_stored = connection.execute(select(func.count()).select_from(ITEMS)).scalar_one()
            progress(f"  {figures.first.polled:,} feeds, {figures.items_stored:,} items in "
                     f"{figures.first.seconds:.1f} s")

            progress("second poll: two hours later, every feed answers 304 ...")
            figures.second = timed_poll(config, engine, log, lambda: utc_now() + SECOND_POLL_OFFSET, server_pid)
            figures.second_statuses = status_counts()
            progress(f"  {figures.second.polled:,} feeds in {figures.second.seconds:.2f} s")
        finally:
            engine.dispose()
    figures.poller_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return figures


def make_safe_url(url: str) -> str:
    """The URL with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------------------------------------
# The ceiling: feedparser alone, in this one process, on the same bodies.
# --------------------------------------------------------------------------------------------------------

@dataclass
class CeilingFigures:
    """Items per second of bare feedparser (two option sets) and of claimwatch's whole parse_feed."""

    feeds: int = 0
    items: int = 0
    default_rate: float = 0.0
    claimwatch_rate: float = 0.0
    parse_feed_rate: float = 0.0
    default_cpu_rate: float = 0.0
    claimwatch_cpu_rate: float = 0.0
    parse_feed_cpu_rate: float = 0.0
    identical_to_served: bool = False


def measure_ceiling(corpus: Corpus, sample: int) -> CeilingFigures:
    """Parse `sample` of the feeds (spread over the corpus, RSS and Atom alike) three ways, one process."""
    import feedparser

    from monitor.feeds.parse import parse_feed

    indices = sorted({round(k * corpus.feeds / sample) for k in range(sample)})
    bodies = [(feed_body(corpus, index), corpus.content_type(index), corpus.url(index)) for index in indices]
    figures = CeilingFigures(feeds=len(bodies))

    def rate(parse: Callable[[bytes, str, str], int]) -> tuple[int, float, float]:
        """Items, items per wall second, items per CPU second of this process."""
        items = 0
        started, cpu = time.perf_counter(), time.process_time()
        for body, content_type, url in bodies:
            items += parse(body, content_type, url)
        return items, items / (time.perf_counter() - started), items / (time.process_time() - cpu)

    def default(body: bytes, content_type: str, _url: str) -> int:
        return len(feedparser.parse(io.BytesIO(body), response_headers={"content-type": content_type}).entries)

    def claimwatch(body: bytes, content_type: str, _url: str) -> int:
        return len(feedparser.parse(io.BytesIO(body), response_headers={"content-type": content_type},
                                    sanitize_html=False, resolve_relative_uris=False).entries)

    def full(body: bytes, content_type: str, url: str) -> int:
        return len(parse_feed(body, {"content-type": content_type}, url).items)

    figures.items, figures.default_rate, figures.default_cpu_rate = rate(default)
    _, figures.claimwatch_rate, figures.claimwatch_cpu_rate = rate(claimwatch)
    _, figures.parse_feed_rate, figures.parse_feed_cpu_rate = rate(full)
    return figures


def check_served_body(corpus: Corpus, index: int) -> bool:
    """Whether the server's body of feed `index` is byte for byte what this process generates."""
    with urllib.request.urlopen(corpus.url(index), timeout=10) as response:
        return bool(response.read() == feed_body(corpus, index))


# --------------------------------------------------------------------------------------------------------
# Reporting.
# --------------------------------------------------------------------------------------------------------

def _cpu_line(poll: PollFigures, cores: int, items: int, unit: str) -> str:
    parsers = " + ".join(f"{cpu:.1f}" for cpu in poll.parser_cpu) or "0"
    per = f"{poll.poller_cpu / items * 1000:.3f} ms poller" if items else "-"
    if items and poll.parser_cpu:
        per += f", {sum(poll.parser_cpu) / items * 1000:.3f} ms parsers"
    return (f"              CPU s: poller {poll.poller_cpu:.1f}, parsers {parsers}, server {poll.server_cpu:.1f} = "
            f"{poll.accounted:.1f} of {poll.seconds * cores:.1f} core-s; machine busy {poll.machine_busy:.1f} "
            f"core-s\n              CPU per {unit}: {per}")


def _header(args: argparse.Namespace, corpus: Corpus, *, served: dict[str, Any], ingest: IngestFigures,
            stats: dict[str, int], background: float) -> None:
    atom = sum(corpus.is_atom(index) for index in range(corpus.feeds))
    print()
    print("=" * 100)
    print(f"claimwatch ingest benchmark: {corpus.feeds:,} feeds x {corpus.items} items "
          f"({corpus.feeds - atom:,} RSS 2.0, {atom:,} Atom) on {corpus.hosts} loopback hosts")
    print(f"machine     : {os.cpu_count()} cores, Python {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}, {platform.system()} {platform.release()}")
    print(f"database    : {ingest.database}")
    print(f"poller      : workers={ingest.workers} per_host={ingest.per_host} "
          f"parser_processes={ingest.parser_processes}; forkserver warm-up {ingest.forkserver_seconds:.2f} s "
          "(not timed)")
    gz = f", gzip {served['gzip_bytes'] / MB:,.1f} MB" if args.gzip else ""
    print(f"server      : {served['bytes'] / MB:,.1f} MB of feed bodies{gz}, generated once in "
          f"{served['generate_seconds']:.1f} s; answered {stats.get('served_200', 0):,} x 200, "
          f"{stats.get('served_304', 0):,} x 304, {stats.get('served_404', 0):,} x 404")
    print(f"load        : {background:.2f} cores busy with other work in the second before the benchmark started")
    print("-" * 100)


def _polls(corpus: Corpus, ingest: IngestFigures) -> tuple[float, float]:
    first, second = ingest.first, ingest.second
    cores = os.cpu_count() or 1
    expected = corpus.feeds * corpus.items
    items_rate = ingest.items_stored / first.seconds if first.seconds else 0.0
    feeds_rate = second.polled / second.seconds if second.seconds else 0.0
    count_note = "= feeds x items, verified" if ingest.items_stored == expected else f"EXPECTED {expected:,}"
    print(f"first poll  : {first.seconds:,.2f} s wall, {ingest.items_stored:,} items stored ({count_note}), "
          f"{items_rate:,.0f} items/s, {first.polled / max(first.seconds, 1e-9):,.0f} feeds/s")
    print(f"              feed statuses {ingest.first_statuses}")
    print(_cpu_line(first, cores, ingest.items_stored, "item"))
    print(f"304 re-poll : {second.polled:,} feeds in {second.seconds:,.2f} s, {feeds_rate:,.0f} feeds/s "
          f"({ingest.second_statuses.get('not_modified', 0):,} answered 304)")
    print(_cpu_line(second, cores, second.polled, "feed"))
    parser_peak = max([*first.parser_peak_mb, *second.parser_peak_mb], default=0.0)
    parser_total = max(sum(first.parser_peak_mb), sum(second.parser_peak_mb))
    print(f"peak RSS    : poller process {ingest.poller_peak_mb:,.0f} MB (ru_maxrss; {ingest.poller_setup_mb:,.0f} MB "
          f"before the first poll); parser processes {parser_peak:,.0f} MB each at most, {parser_total:,.0f} MB "
          "together (VmHWM)")
    return items_rate, feeds_rate


def _ceiling(ceiling: CeilingFigures) -> None:
    print(f"ceiling     : bare feedparser.parse in one process on {ceiling.feeds} of the same bodies "
          f"({ceiling.items:,} items; served bytes identical: {ceiling.identical_to_served})")
    print("                                                                 items/s   items/CPU-s")
    for label, wall, cpu in (
            ("default options                                  ", ceiling.default_rate, ceiling.default_cpu_rate),
            ("sanitize_html=False, resolve_relative_uris=False ", ceiling.claimwatch_rate,
             ceiling.claimwatch_cpu_rate),
            ("for reference: claimwatch's whole parse_feed     ", ceiling.parse_feed_rate,
             ceiling.parse_feed_cpu_rate)):
        print(f"              {label}{wall:8,.0f}      {cpu:8,.0f}")


def report(args: argparse.Namespace, corpus: Corpus, *, served: dict[str, Any], ingest: IngestFigures,
           ceiling: CeilingFigures, stats: dict[str, int], background: float) -> None:
    """Print the figures and the verdicts."""
    _header(args, corpus, served=served, ingest=ingest, stats=stats, background=background)
    items_rate, feeds_rate = _polls(corpus, ingest)
    _ceiling(ceiling)
    ratio_default = items_rate / ceiling.default_rate if ceiling.default_rate else 0.0
    ratio_claimwatch = items_rate / ceiling.claimwatch_rate if ceiling.claimwatch_rate else 0.0
    print(f"ratios      : first poll / feedparser default = {ratio_default:.2f}; "
          f"first poll / feedparser with claimwatch's options = {ratio_claimwatch:.2f}")
    print(f"              304 re-poll / {REFERENCE_304_FEEDS_PER_SECOND:,.0f} feeds/s reference = "
          f"{feeds_rate / REFERENCE_304_FEEDS_PER_SECOND:.2f}")
    first = ingest.first
    if first.machine_busy > 1.15 * first.accounted:
        print(f"note        : during the first poll the machine was busy {first.machine_busy:.0f} core-s but the "
              f"benchmark's processes used {first.accounted:.0f}: something else took CPU (another program, or "
              "a database server on this machine)")
    small = "" if corpus.feeds >= TARGET_FEEDS else f"  (the target is set for {TARGET_FEEDS:,} feeds)"
    print("-" * 100)
    print("targets")
    print(f"  first poll >= {TARGET_CEILING_RATIO:.0%} of the feedparser ceiling (claimwatch's options): "
          f"{ratio_claimwatch:5.0%}  {verdict(ratio_claimwatch >= TARGET_CEILING_RATIO)}")
    print(f"  first poll >= {TARGET_CEILING_RATIO:.0%} of the feedparser ceiling (default options):     "
          f"{ratio_default:5.0%}  {verdict(ratio_default >= TARGET_CEILING_RATIO)}")
    print(f"  304 re-poll >= {TARGET_304_FEEDS_PER_SECOND:,.0f} feeds/s: {feeds_rate:,.0f} feeds/s  "
          f"{verdict(feeds_rate >= TARGET_304_FEEDS_PER_SECOND)}{small}")
    print(f"  peak RSS of the poller process <= {TARGET_RSS_MB:.0f} MB: {ingest.poller_peak_mb:,.0f} MB  "
          f"{verdict(ingest.poller_peak_mb <= TARGET_RSS_MB)}{small}")
    print("=" * 100)


# --------------------------------------------------------------------------------------------------------
# Entry point.
# --------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--feeds", type=int, default=TARGET_FEEDS, help="feeds to serve (default 2,000)")
    parser.add_argument("--items", type=int, default=50, help="items per feed (default 50)")
    parser.add_argument("--hosts", type=int, default=20, help="loopback addresses 127.0.0.1..N (default 20)")
    parser.add_argument("--workers", type=int, default=None, help="polling.workers (default: PollingSettings)")
    parser.add_argument("--per-host", type=int, default=None, help="polling.per_host (default: PollingSettings)")
    parser.add_argument("--parser-processes", type=int, default=None,
                        help="polling.parser_processes (default: PollingSettings)")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL; a PostgreSQL URL gets a scratch database created and dropped on "
                             "that server (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--ceiling-feeds", type=int, default=200,
                        help="how many of the feeds the feedparser ceiling parses (default 200)")
    parser.add_argument("--gzip", action="store_true", help="serve gzip-compressed bodies (default: identity)")
    args = parser.parse_args(argv)
    if not 1 <= args.hosts <= 254 or args.feeds < 1 or args.items < 1:
        parser.error("--feeds and --items must be positive, --hosts between 1 and 254")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; 0 unless something broke (a missed target is not a break)."""
    args = parse_args(argv)
    busy_before = machine_busy_seconds()
    time.sleep(1.0)
    background = machine_busy_seconds() - busy_before  # core-s per second other work was using
    if background > 0.2:
        progress(f"warning: the machine is already {background:.1f} cores busy before the benchmark starts; "
                 "the wall figures will be low (see the CPU lines)")
    corpus = Corpus(feeds=args.feeds, items=args.items, hosts=args.hosts)
    progress(f"generating {corpus.feeds:,} feeds x {corpus.items} items in the server process ...")
    process, pipe, served = start_server(corpus, args.gzip)
    corpus = Corpus(feeds=args.feeds, items=args.items, hosts=args.hosts, port=served["port"])
    stats: dict[str, int] = {}
    try:
        progress(f"  serving on 127.0.0.1-{args.hosts} port {corpus.port} "
                 f"({served['bytes'] / MB:,.1f} MB in {served['generate_seconds']:.1f} s)")
        with tempfile.TemporaryDirectory(prefix="claimwatch-bench-") as tmp:
            ingest = run_ingest(args, corpus, process.pid or 0, Path(tmp))
        identical = check_served_body(corpus, corpus.feeds - 1) and check_served_body(corpus, 0)
        pipe.send("stop")
        if pipe.poll(10):
            stats = pipe.recv()
    finally:
        pipe.close()
        process.join(5)
        if process.is_alive():
            process.kill()
    sample = max(1, min(args.ceiling_feeds, corpus.feeds))
    progress(f"ceiling: feedparser alone on {sample} of the same bodies ...")
    ceiling = measure_ceiling(corpus, sample)
    ceiling.identical_to_served = identical
    report(args, corpus, served=served, ingest=ingest, ceiling=ceiling, stats=stats, background=background)
    return 0


if __name__ == "__main__":
    sys.exit(main())
