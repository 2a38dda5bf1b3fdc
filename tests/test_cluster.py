"""Several daemons sharing one PostgreSQL database: started together, reloading together, one of them killed."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from storage.engine import make_engine
from storage.models import ALERTS, FEEDS, NODES
from tests.daemons import CLAIMWATCH, DaemonProcess
from tests.feedserver import FeedServer, Reply, Request
from tests.helpers import news_items, rss, write_rules
from tests.newsroom import SCENARIO, seed_rules
from tests.receivers import HttpReceiver

WAIT = 60.0
# Fast heartbeats, so a killed daemon is noticed in seconds; leases and intervals of an hour, so only the
# heartbeat can hand its feeds over and any feed fetched twice stands out.
NODES_FAST = "heartbeat_seconds = 0.5\nstale_seconds = 3\n"
HOURLY = "tick_seconds = 0.2\nlease_seconds = 3600\ndefault_interval_seconds = 3600\n"


def _slow_feed(server: FeedServer, name: str, delay: float) -> str:
    """A feed of three items that answers after `delay` seconds."""
    body = rss(news_items(3, prefix=name))

    def answer(_request: Request) -> Reply:
        time.sleep(delay)
        return Reply(body=body)

    return server.add(f"/{name}.xml", answer)


def _config(tmp_path: Path, database_url: str, polling: str = "", nodes: str = "", extra: str = "") -> Path:
    path = tmp_path / "claimwatch.toml"
    path.write_text(f'state_dir = "state"\nrules_dir = "rules"\ndatabase_url = "{database_url}"\n'
                    "[polling]\nallowed_networks = [\"127.0.0.0/8\"]\n"
                    "workers = 4\nparser_processes = 1\nread_timeout_seconds = 5\n"
                    f"fetch_deadline_seconds = 10\n{polling}[nodes]\n{nodes}{extra}")
    return path


def test_three_runs_started_together_on_a_fresh_database_all_succeed(tmp_path: Path, postgres_url: str,
                                                                     feed_server: FeedServer) -> None:
    """Three `run --once` started at the same moment on an empty PostgreSQL database all exit 0, and
    between them they fetch every feed exactly once."""
    feeds = [(f"f{n}", _slow_feed(feed_server, f"f{n}", 0.05)) for n in range(30)]
    write_rules(tmp_path / "rules", feeds)
    config = _config(tmp_path, postgres_url)
    start = threading.Barrier(3)
    results: list[subprocess.CompletedProcess[str]] = []

    def run() -> None:
        start.wait()
        done = subprocess.run([*CLAIMWATCH, "run", "--once", "--config", str(config)], capture_output=True,
                              text=True, timeout=180, check=False, env={**os.environ, "CLAIMWATCH_CONFIG": ""})
        results.append(done)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for done in results:
        assert done.returncode == 0, done.stderr[-3000:]
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
    fetched = sorted(request.path for request in feed_server.requests)
    assert fetched == sorted(f"/{name}.xml" for name, _ in feeds)


def _start_together(config: Path, count: int) -> list[DaemonProcess]:
    """`count` daemons on `config`, started at the same moment."""
    start = threading.Barrier(count)
    started: list[DaemonProcess] = []
    lock = threading.Lock()

    def launch() -> None:
        start.wait()
        daemon = DaemonProcess(config)
        with lock:
            started.append(daemon)

    threads = [threading.Thread(target=launch) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return started


@pytest.fixture
def cluster() -> Iterator[list[DaemonProcess]]:
    """The daemons a test starts; any still running are stopped when it ends."""
    daemons: list[DaemonProcess] = []
    yield daemons
    for daemon in daemons:
        daemon.stop()


def _wait_until(condition: Callable[[], bool], what: str, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(0.1)


def _unpolled(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(FEEDS.c.name).where(FEEDS.c.last_polled_at.is_(None))).scalars())


def _leased_by(engine: Engine, owner: str) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(FEEDS.c.name).where(FEEDS.c.lease_owner == owner)).scalars())


def _node_of(engine: Engine, daemon: DaemonProcess) -> str:
    with engine.connect() as connection:
        node: str = connection.execute(select(NODES.c.id).where(NODES.c.pid == daemon.pid)).scalar_one()
    return node


def _assert_clean_logs(daemon: DaemonProcess) -> None:
    errors = [event for event in daemon.events() if event["level"] in {"error", "critical"}]
    assert errors == [], errors
    assert "Traceback" not in "".join(daemon.lines)


def test_running_daemons_all_take_up_feeds_added_to_the_file(tmp_path: Path, postgres_url: str,
                                                             feed_server: FeedServer,
                                                             cluster: list[DaemonProcess]) -> None:
    """Thirty feeds added to feeds.yaml under three running daemons are synced by all three without a
    crash, and each new feed is fetched once."""
    first = [(f"a{n}", _slow_feed(feed_server, f"a{n}", 0.05)) for n in range(3)]
    write_rules(tmp_path / "rules", first)
    config = _config(tmp_path, postgres_url, HOURLY, NODES_FAST)
    cluster.extend(_start_together(config, 3))
    engine = make_engine(postgres_url)
    try:
        for daemon in cluster:
            daemon.wait_for_event("daemon.started")
        added = [(f"b{n}", _slow_feed(feed_server, f"b{n}", 0.05)) for n in range(30)]
        write_rules(tmp_path / "rules", first + added)
        for daemon in cluster:
            daemon.wait_for(lambda events: any(e["event"] == "rules.loaded" and e["feeds"] == 33 for e in events),
                            "the added feeds to be loaded")
        _wait_until(lambda: not _unpolled(engine), "every feed to be polled")
    finally:
        engine.dispose()
    assert all(daemon.alive() for daemon in cluster)
    fetched = Counter(request.path for request in feed_server.requests)
    assert fetched == Counter(f"/{name}.xml" for name, _ in first + added)
    for daemon in cluster:
        assert daemon.stop() == 0
        _assert_clean_logs(daemon)


def test_three_daemons_share_the_work_and_take_over_from_a_killed_one(
        tmp_path: Path, postgres_url: str, feed_server: FeedServer, cluster: list[DaemonProcess]) -> None:
    """Three daemons started at the same moment on one PostgreSQL database, feeds added while they run,
    one killed with SIGKILL while it holds leases: no daemon crashes, the others poll the dead one's feeds
    within 30 s (its leases had an hour to run), no other feed is fetched twice in its hour, and each alert
    is decided and delivered once."""
    hook = HttpReceiver()
    newsroom: dict[str, list[dict[str, str]]] = {}
    for stage in SCENARIO["stages"][:3]:
        for item in stage["items"]:
            fields = {k: v for k, v in item.items() if k != "feed"} | {"pubDate": format_datetime(datetime.now(UTC))}
            newsroom.setdefault(item["feed"], []).append(fields)
    urls = {name: feed_server.add(f"/{name}.xml", Reply(body=rss(items, title=name)))
            for name, items in newsroom.items()}
    urls |= {f"early{n}": _slow_feed(feed_server, f"early{n}", 0.3) for n in range(20)}
    seed_rules(tmp_path / "rules", urls)
    channel = (f'[alerts]\ngrouping_seconds = 0\n[[channels]]\nname = "hook"\nurl = "{hook.json_url()}"\n'
               'tags = ["default", "analysts", "on-call"]\n')
    config = _config(tmp_path, postgres_url, HOURLY, NODES_FAST, channel)
    cluster.extend(_start_together(config, 3))
    engine = make_engine(postgres_url)
    try:
        for daemon in cluster:
            daemon.wait_for_event("daemon.started")
        _wait_until(lambda: not _unpolled(engine), "the first feeds to be polled")
        assert hook.wait_for(2), "the two alerts were not delivered"
        late = {f"late{n}": _slow_feed(feed_server, f"late{n}", 1.0) for n in range(40)}
        (tmp_path / "rules" / "feeds.yaml").write_text("feeds:\n" + "".join(
            f"  - name: {name}\n    url: {url}\n" for name, url in (urls | late).items()))
        victim, *survivors = cluster
        victim_node = _node_of(engine, victim)
        _wait_until(lambda: bool(_leased_by(engine, victim_node)), "the victim to hold leases")
        victim.kill()
        orphans = _leased_by(engine, victim_node)
        assert orphans, "the kill should land while the victim holds leases"
        _wait_until(lambda: not _unpolled(engine) and not _leased_by(engine, victim_node),
                    "the dead daemon's feeds to be polled by the others", seconds=30)
        with engine.connect() as connection:
            alerts = connection.execute(select(ALERTS.c.kind, ALERTS.c.holder, ALERTS.c.state)).all()
    finally:
        engine.dispose()
        hook.close()
    assert any(event["node"] == victim_node for daemon in survivors for event in daemon.events("node.reaped"))
    fetched = Counter(request.path.removeprefix("/").removesuffix(".xml") for request in feed_server.requests)
    assert set(fetched) == set(urls | late)
    assert {name for name, count in fetched.items() if count > 1} <= orphans
    assert max(fetched.values()) <= 2
    assert sorted(alerts) == [("first_corroboration", "uk-government", "sent"),
                              ("first_denial", "us-government", "sent")]
    assert len(hook.posted) == 2
    for daemon in survivors:
        assert daemon.alive() and daemon.stop() == 0
        _assert_clean_logs(daemon)
