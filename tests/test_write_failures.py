"""A daemon whose database stops accepting writes (its SQLite file can no longer grow, as on a full disk):
health says so everywhere, polls that could not be stored are retried as soon as writes work again, and a
reload that could not be saved neither kills the daemon nor is forgotten."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.daemons import CLAIMWATCH, DaemonProcess, Event, NotifySocket
from tests.feedserver import FeedServer, Reply, Request
from tests.helpers import news_items, rss, write_rules

NODES = "heartbeat_seconds = 0.5\nstale_seconds = 3\noverdue_seconds = 5\n"


def _config(tmp_path: Path, polling: str = "") -> Path:
    path = tmp_path / "claimwatch.toml"
    path.write_text('state_dir = "state"\nrules_dir = "rules"\n'
                    "[polling]\nallowed_networks = [\"127.0.0.0/8\"]\n"
                    "workers = 2\nparser_processes = 1\ntick_seconds = 0.2\nread_timeout_seconds = 5\n"
                    f"fetch_deadline_seconds = 10\n{polling}[nodes]\n{NODES}")
    return path


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMWATCH, *args, "--config", str(config)], capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, "CLAIMWATCH_CONFIG": ""})


def _healthz(port: int) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)


def _polled_after(count: int) -> Callable[[list[Event]], bool]:
    return lambda events: sum(e["event"] == "feed.polled" for e in events) > count


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    """Daemons a test starts, stopped (writes allowed again first) when it ends."""
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        if daemon.alive():
            daemon.allow_writes()
        daemon.stop()


def test_health_reports_a_daemon_that_cannot_write(tmp_path: Path, feed_server: FeedServer,
                                                   notify_socket: NotifySocket, daemons: list[DaemonProcess]) -> None:
    """While no write succeeds, the watchdog is no longer fed, /healthz answers 503, `status` exits 1 naming
    the node, and `feeds list` shows the feed overdue; once writes work again all of them recover."""
    write_rules(tmp_path / "rules", [("wire", feed_server.add("/wire.xml", Reply(body=rss(news_items(2)))))])
    config = _config(tmp_path, "default_interval_seconds = 1\nmin_interval_seconds = 1\n")
    daemon = DaemonProcess(config, "--metrics-port", "0",
                           env={"NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": "400000"})
    daemons.append(daemon)
    daemon.wait_for_event("feed.polled", 2)
    notify_socket.wait_for("WATCHDOG", 3)
    port = int(daemon.events("metrics.serving")[0]["port"])
    assert _healthz(port).status_code == 200
    assert _cli(config, "status").returncode == 0

    daemon.deny_writes()
    daemon.wait_for_event("watchdog.withheld")
    fed = notify_socket.count("WATCHDOG")
    withheld = len(daemon.events("watchdog.withheld"))
    daemon.wait_for_event("watchdog.withheld", withheld + 3)
    assert notify_socket.count("WATCHDOG") == fed
    refused = _healthz(port)
    assert refused.status_code == 503 and "cannot write" in refused.text
    status = _cli(config, "status", "--json")
    report = json.loads(status.stdout)
    assert status.returncode == 1 and not report["healthy"]
    [node] = report["nodes"]
    assert node["pid"] == daemon.pid and node["state"] in {"stale", "failing"}
    assert any(node["id"] in problem for problem in report["problems"])
    daemon.wait_for(lambda _events: json.loads(_cli(config, "feeds", "list", "--json").stdout)[0]["status"]
                    == "overdue", "the feed to show as overdue")

    daemon.allow_writes()
    daemon.wait_for(_polled_after(len(daemon.events("feed.polled"))), "a poll stored after writes came back")
    notify_socket.wait_for("WATCHDOG", fed + 1)
    assert _healthz(port).status_code == 200
    daemon.wait_for(lambda _events: _cli(config, "status").returncode == 0, "status to be healthy again")
    assert json.loads(_cli(config, "feeds", "list", "--json").stdout)[0]["status"] == "ok"


def test_a_poll_that_could_not_be_stored_is_retried_once_writes_work(tmp_path: Path, feed_server: FeedServer,
                                                                     daemons: list[DaemonProcess]) -> None:
    """A feed whose poll could not be stored is polled again as soon as the database accepts writes, not
    when its hour-long lease runs out."""
    held = threading.Event()
    release = threading.Event()
    body = rss(news_items(2))

    def second_held(_request: Request) -> Reply:
        if len(feed_server.hits("/wire.xml")) == 2:
            held.set()
            release.wait(60)
        return Reply(body=body)

    write_rules(tmp_path / "rules", [("wire", feed_server.add("/wire.xml", second_held))])
    daemon = DaemonProcess(_config(tmp_path, "default_interval_seconds = 1\nmin_interval_seconds = 1\n"
                                             "lease_seconds = 3600\n"))
    daemons.append(daemon)
    assert held.wait(60), "the feed was not fetched a second time"
    daemon.deny_writes()
    release.set()
    daemon.wait_for_event("feed.store_failed")
    daemon.allow_writes()
    daemon.wait_for_event("feed.polled", 2)
    assert len(feed_server.hits("/wire.xml")) >= 3


def test_a_reload_that_could_not_be_saved_keeps_the_daemon_and_is_retried(
        tmp_path: Path, feed_server: FeedServer, daemons: list[DaemonProcess]) -> None:
    """A feeds.yaml edit that cannot be written to the database is logged, the daemon keeps running on
    what it had, and the edit is taken up without another touch once writes work again."""
    first = feed_server.add("/a.xml", Reply(body=rss(news_items(2, prefix="a"))))
    second = feed_server.add("/b.xml", Reply(body=rss(news_items(2, prefix="b"))))
    write_rules(tmp_path / "rules", [("a", first)])
    daemon = DaemonProcess(_config(tmp_path))
    daemons.append(daemon)
    daemon.wait_for_event("feed.polled")
    daemon.deny_writes()
    write_rules(tmp_path / "rules", [("a", first), ("b", second)])
    daemon.wait_for_event("rules.install_failed")
    assert daemon.alive() and not feed_server.hits("/b.xml")
    daemon.allow_writes()
    daemon.wait_for(lambda events: any(e["event"] == "feed.polled" and e["feed"] == "b" for e in events),
                    "the added feed to be polled")
    assert any(event["reason"] == "retry" for event in daemon.events("rules.loaded"))
