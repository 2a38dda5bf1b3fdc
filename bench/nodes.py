"""Scale-out benchmark: 1, 2 and 3 daemons sharing one PostgreSQL database against loopback feeds that
answer after 200 ms, so the work is waiting on publishers, not CPU.

    CLAIMWATCH_TEST_POSTGRES_URL=postgresql+psycopg://... .venv/bin/python -m bench.nodes
    .venv/bin/python -m bench.nodes --database-url postgresql+psycopg://... --feeds 500    # smoke run

A separate process serves the feeds (`bench/feeds.py`, small bodies of a few items) on 127.0.0.1 ...
127.0.0.20. For each node count, in one run: a scratch database on the server holding every feed in its
catalog, none due for a day; that many real `claimwatch run` processes, started and idle; then one UPDATE
makes every feed due at once. The clock runs from that UPDATE until the database shows every feed polled
(the last `last_polled_at`), so it measures polling alone, not start-up or the catalog sync. It prints
feeds per second for each count and the ratio to one node, with
PASS/MISS against the aims (2 nodes >= 1.7x, 3 nodes >= 2.4x); a miss is not a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, text, update

from bench.feeds import Corpus
from bench.harness import database, progress, start_server, verdict
from bench.procstat import children, cpu_seconds, machine_busy_seconds
from storage.engine import make_engine, upgrade
from storage.feeds import CatalogEntry, sync_catalog
from storage.models import FEEDS

AIMS = {2: 1.7, 3: 2.4}
CLAIMWATCH = [sys.executable, "-m", "monitor"]
START_SECONDS = 120.0
POLL_SECONDS = 600.0


@dataclass(frozen=True)
class Round:
    """What one node count did."""

    nodes: int
    seconds: float
    feeds: int
    polled_by: list[int]
    busy_cores: float
    node_cpu: float
    server_cpu: float
    database_cpu: float

    @property
    def rate(self) -> float:
        """Feeds polled per second, all nodes together."""
        return self.feeds / self.seconds


def write_config(folder: Path, database_url: str, corpus: Corpus, args: argparse.Namespace) -> Path:
    """claimwatch.toml for every node of a round, and a rules folder listing every feed."""
    (folder / "rules").mkdir(parents=True)
    (folder / "rules" / "feeds.yaml").write_text("feeds:\n" + "".join(
        f"  - name: {entry.name}\n    url: {entry.url}\n" for entry in catalog(corpus)))
    config = folder / "claimwatch.toml"
    config.write_text(f'state_dir = "state"\nrules_dir = "rules"\ndatabase_url = "{database_url}"\n'
                      "[polling]\nallowed_networks = [\"127.0.0.0/8\"]\n"
                      f"workers = {args.workers}\nparser_processes = {args.parser_processes}\n"
                      f"tick_seconds = {args.tick}\ndefault_interval_seconds = 86400\n"
                      f"max_interval_seconds = 86400\n")
    return config


def catalog(corpus: Corpus) -> list[CatalogEntry]:
    """Every feed of the corpus as feeds.yaml names it."""
    return [CatalogEntry(f"feed-{index}", corpus.url(index)) for index in range(corpus.feeds)]


def prepare(engine: Engine, corpus: Corpus) -> None:
    """The schema, and every feed in the catalog, first due a day from now."""
    upgrade(engine)
    sync_catalog(engine, catalog(corpus), datetime.now(UTC) + timedelta(days=1))


def make_all_due(engine: Engine) -> datetime:
    """Every feed due now; returns when."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(update(FEEDS).values(next_poll_at=now))
    return now


def events(log: Path) -> list[dict[str, object]]:
    """The JSON events of one node's log."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def wait_started(logs: list[Path], processes: list[subprocess.Popen[bytes]]) -> None:
    """Wait until every node logged daemon.started."""
    deadline = time.monotonic() + START_SECONDS
    while not all(any(e["event"] == "daemon.started" for e in events(log)) for log in logs):
        if any(process.poll() is not None for process in processes) or time.monotonic() > deadline:
            raise SystemExit("a node did not start; see its log: " + " ".join(map(str, logs)))
        time.sleep(0.2)


def polled(engine: Engine) -> tuple[int, datetime | None]:
    """How many feeds have been polled, and when the last of them was."""
    with engine.connect() as connection:
        count, last = connection.execute(select(func.count(FEEDS.c.last_polled_at),
                                                func.max(FEEDS.c.last_polled_at))).one()
    return count, last


def backend_cpu(engine: Engine) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving the scratch database (the server runs on this machine)."""
    with engine.connect() as connection:
        pids = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                                  ).scalars().all()
    return {pid: cpu_seconds(pid) for pid in pids}


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and of every descendant still running (its parser processes)."""
    return cpu_seconds(pid) + sum(tree_cpu_seconds(child) for child in children(pid))


def run_round(nodes: int, corpus: Corpus, url: str, args: argparse.Namespace, server_pid: int) -> Round:
    """Start `nodes` daemons on a scratch database, make every feed due, and time until all are polled."""
    with database(url) as scratch, tempfile.TemporaryDirectory(prefix="claimwatch-nodes-") as tmp:
        assert scratch is not None
        folder = Path(tmp)
        config = write_config(folder, scratch, corpus, args)
        engine = make_engine(scratch)
        prepare(engine, corpus)
        logs = [folder / f"node-{number}.log" for number in range(nodes)]
        env = {**os.environ, "CLAIMWATCH_CONFIG": ""}
        processes = [subprocess.Popen([*CLAIMWATCH, "run", "--config", str(config)], stdout=subprocess.DEVNULL,
                                      stderr=log.open("w"), env=env) for log in logs]
        try:
            wait_started(logs, processes)
            busy_before = machine_busy_seconds()
            nodes_before = sum(tree_cpu_seconds(process.pid) for process in processes)
            server_before = cpu_seconds(server_pid)
            database_before = backend_cpu(engine)
            started = make_all_due(engine)
            deadline = time.monotonic() + POLL_SECONDS
            count, last = polled(engine)
            while count < corpus.feeds and time.monotonic() < deadline:
                time.sleep(0.2)
                count, last = polled(engine)
            busy = machine_busy_seconds() - busy_before
            node_cpu = sum(tree_cpu_seconds(process.pid) for process in processes) - nodes_before
            server_cpu = cpu_seconds(server_pid) - server_before
            database_after = backend_cpu(engine)
            database_cpu = sum(after - database_before.get(pid, 0.0) for pid, after in database_after.items())
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(60)
            engine.dispose()
        if count < corpus.feeds or last is None:
            raise SystemExit(f"{nodes} nodes polled only {count:,} of {corpus.feeds:,} feeds in {POLL_SECONDS:g} s")
        seconds = (last - started).total_seconds()
        per_node = [sum(e["event"] == "feed.polled" for e in events(log)) for log in logs]
        return Round(nodes, seconds, count, per_node, busy / seconds, node_cpu, server_cpu, database_cpu)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--database-url", default=os.environ.get("CLAIMWATCH_TEST_POSTGRES_URL"),
                        help="a PostgreSQL URL; each round gets a scratch database created and dropped on that "
                             "server (default: $CLAIMWATCH_TEST_POSTGRES_URL)")
    parser.add_argument("--feeds", type=int, default=2_000, help="feeds to serve (default 2,000)")
    parser.add_argument("--items", type=int, default=5, help="items per feed (default 5)")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds each answer waits (default 0.2)")
    parser.add_argument("--nodes", default="1,2,3", help="node counts to run, in order (default 1,2,3)")
    parser.add_argument("--workers", type=int, default=16, help="polling.workers of each node (default 16)")
    parser.add_argument("--parser-processes", type=int, default=1,
                        help="polling.parser_processes of each node (default 1)")
    parser.add_argument("--tick", type=float, default=1.0, help="polling.tick_seconds (default 1.0)")
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith("postgresql"):
        parser.error("a PostgreSQL --database-url (or $CLAIMWATCH_TEST_POSTGRES_URL) is needed")
    args.node_counts = [int(part) for part in args.nodes.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every round and print the figures; 0 unless something broke (a missed aim is not a break)."""
    args = parse_args(argv)
    corpus = Corpus(feeds=args.feeds, items=args.items, hosts=20)
    progress(f"generating {corpus.feeds:,} feeds x {corpus.items} items in the server process ...")
    server, pipe, ready = start_server(corpus, use_gzip=False, delay=args.delay)
    corpus = Corpus(feeds=args.feeds, items=args.items, hosts=20, port=ready["port"])
    rounds: list[Round] = []
    try:
        for nodes in args.node_counts:
            progress(f"  {nodes} node(s) ...")
            rounds.append(run_round(nodes, corpus, args.database_url, args, server.pid or 0))
    finally:
        pipe.send("stop")
        server.join(10)
    print(f"claimwatch scale-out: {corpus.feeds:,} feeds x {corpus.items} items on 20 loopback hosts, each answer "
          f"after {args.delay * 1000:.0f} ms; one PostgreSQL; per node workers={args.workers} "
          f"parser_processes={args.parser_processes} tick_seconds={args.tick:g}; machine: {os.cpu_count()} cores")
    base = next((r.rate for r in rounds if r.nodes == 1), None)
    for result in rounds:
        ratio = f"{result.rate / base:.2f}x one node" if base else "-"
        print(f"{result.nodes} node(s): {result.seconds:6.1f} s, {result.rate:6.1f} feeds/s ({ratio}); "
              f"polled per node {result.polled_by}")
        print(f"          CPU: nodes (with their parser processes) {result.node_cpu:.1f} s = "
              f"{result.node_cpu / result.feeds * 1000:.1f} ms per feed; PostgreSQL backends "
              f"{result.database_cpu:.1f} s = {result.database_cpu / result.feeds * 1000:.1f} ms per feed; feed "
              f"server {result.server_cpu:.1f} s; machine {result.busy_cores:.2f} of {os.cpu_count()} cores busy "
              f"= {result.busy_cores * result.seconds / result.feeds * 1000:.1f} ms per feed")
    if base:
        for nodes, aim in AIMS.items():
            found = next((r.rate / base for r in rounds if r.nodes == nodes), None)
            if found is not None:
                print(f"aim: {nodes} nodes >= {aim}x one node: {found:.2f}x  {verdict(found >= aim)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
