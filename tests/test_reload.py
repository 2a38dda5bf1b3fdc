"""Hot reload of a running daemon: edits are picked up, bad edits keep the last good rules running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.feedserver import FeedServer, Reply
from tests.helpers import EXAMPLE_RULES, news_items, rss
from tests.receivers import HttpReceiver

CLAIMWATCH = [sys.executable, "-m", "monitor"]
SHIPPED_ACTORS = EXAMPLE_RULES / "actors.yaml"
CLAIM = "id: c\nstatement: China is supplying lethal aid to Russia\nsubjects: [china]\n"


class Daemon:
    """`claimwatch run` as a subprocess whose JSON log lines are collected as they arrive."""

    def __init__(self, config: Path, log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen([*CLAIMWATCH, "run", "--config", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=self._log, env={**os.environ, "CLAIMWATCH_CONFIG": ""})

    def events(self) -> list[dict[str, object]]:
        """Every log event so far."""
        lines = self.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def wait_for(self, predicate: Callable[[list[dict[str, object]]], bool], what: str, seconds: float = 30) -> None:
        """Wait until the events satisfy `predicate`; fail naming `what` otherwise."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"daemon exited ({self.process.returncode}) while waiting for {what}")
            if predicate(self.events()):
                return
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {what}; events: {[e['event'] for e in self.events()]}")

    def stop(self) -> int:
        """SIGTERM and wait; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self._log.close()
        return code


def _count(name: str) -> Callable[[list[dict[str, object]]], int]:
    return lambda events: sum(e["event"] == name for e in events)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A rules folder with the shipped actors and one claim."""
    rules = tmp_path / "rules"
    (rules / "claims").mkdir(parents=True)
    (rules / "actors.yaml").write_text(SHIPPED_ACTORS.read_text())
    (rules / "claims" / "c.yaml").write_text(CLAIM)
    return rules


@pytest.fixture
def daemon_factory(tmp_path: Path) -> Iterator[Callable[[], Daemon]]:
    """Starts daemons on tmp_path/claimwatch.toml and stops them after the test."""
    started: list[Daemon] = []
    config = tmp_path / "claimwatch.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n[polling]\n'
                      'allowed_networks = ["127.0.0.0/8"]\nworkers = 2\nparser_processes = 1\n'
                      "tick_seconds = 0.2\ndefault_interval_seconds = 1\nmin_interval_seconds = 1\n")

    def start() -> Daemon:
        daemon = Daemon(config, tmp_path / f"daemon-{len(started)}.log")
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


def _status(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMWATCH, "status", "--json", "--config", str(tmp_path / "claimwatch.toml")],
                          capture_output=True, text=True, timeout=60, check=False)


def test_file_edit_adds_a_feed_without_restart(tmp_path: Path, rules_dir: Path, feed_server: FeedServer,
                                               daemon_factory: Callable[[], Daemon]) -> None:
    """Adding a feed to feeds.yaml while the daemon runs gets it polled, with no signal and no restart."""
    first = feed_server.add("/a.xml", Reply(body=rss(news_items(2, prefix="a"))))
    second = feed_server.add("/b.xml", Reply(body=rss(news_items(2, prefix="b"))))
    (rules_dir / "feeds.yaml").write_text(f"feeds:\n  - name: a\n    url: {first}\n")
    daemon = daemon_factory()
    daemon.wait_for(lambda ev: any(e["event"] == "feed.polled" and e["feed"] == "a" for e in ev), "feed a polled")
    (rules_dir / "feeds.yaml").write_text(f"feeds:\n  - name: a\n    url: {first}\n  - name: b\n    url: {second}\n")
    daemon.wait_for(lambda ev: any(e["event"] == "feed.polled" and e["feed"] == "b" for e in ev), "feed b polled")
    assert daemon.stop() == 0


def test_bad_edit_keeps_last_good_rules_and_is_reported(tmp_path: Path, rules_dir: Path, feed_server: FeedServer,
                                                        daemon_factory: Callable[[], Daemon]) -> None:
    """A broken claim file on SIGHUP is logged with its location, shown by `status`, and the daemon keeps
    running the previous rules; fixing the file clears the report."""
    url = feed_server.add("/a.xml", Reply(body=rss(news_items(1))))
    (rules_dir / "feeds.yaml").write_text(f"feeds:\n  - name: a\n    url: {url}\n")
    daemon = daemon_factory()
    daemon.wait_for(lambda ev: _count("rules.loaded")(ev) == 1, "first load")
    (rules_dir / "claims" / "c.yaml").write_text(CLAIM + "severity: extreme\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda ev: _count("rules.kept")(ev) >= 1, "the bad edit to be rejected")
    invalid = [e for e in daemon.events() if e["event"] == "rules.invalid"]
    assert {(Path(str(e["file"])).name, e["line"]) for e in invalid} >= {("c.yaml", 4)}
    status = _status(tmp_path)
    assert status.returncode == 1
    [row] = json.loads(status.stdout)["daemons"]
    assert row["rules_ok"] is False and any("c.yaml:4:11: severity" in p for p in row["rule_problems"])
    assert daemon.process.poll() is None
    (rules_dir / "claims" / "c.yaml").write_text(CLAIM + "status: paused\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda ev: _count("rules.loaded")(ev) == 2, "the fixed rules to load")
    status = _status(tmp_path)
    assert status.returncode == 0, status.stdout
    [row] = json.loads(status.stdout)["daemons"]
    assert (row["rules_ok"], row["active_claims"], row["rule_problems"]) == (True, 0, [])
    assert daemon.stop() == 0
    assert json.loads(_status(tmp_path).stdout)["daemons"] == []


def test_broken_edit_keeps_matching_with_the_old_rules(tmp_path: Path, rules_dir: Path, feed_server: FeedServer,
                                                       daemon_factory: Callable[[], Daemon]) -> None:
    """After a rejected edit, new items are still matched against the last good claims."""
    first = {"guid": "a", "title": "Britain says China is sending lethal aid to Russia",
             "description": "Beijing is supplying lethal aid to Russia for the war, the UK said."}
    second = {"guid": "b", "title": "Shapps: China sending combat equipment and lethal aid to Russia",
              "description": "Defence Secretary Grant Shapps said lethal aid is flowing from China to Russia."}
    feed_server.add("/a.xml", Reply(body=rss([first])))
    (rules_dir / "feeds.yaml").write_text(f"feeds:\n  - name: a\n    url: {feed_server.url('/a.xml')}\n")
    daemon = daemon_factory()
    daemon.wait_for(lambda ev: any(e["event"] == "evidence.recorded" and e["claim_id"] == "c" for e in ev),
                    "first match")
    (rules_dir / "claims" / "c.yaml").write_text(CLAIM + "keyphrases: [lethal aid, lethal aid]\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda ev: _count("rules.kept")(ev) >= 1, "the bad edit to be rejected")
    feed_server.add("/a.xml", Reply(body=rss([first, second])))
    daemon.wait_for(lambda ev: _count("evidence.recorded")(ev) >= 2, "the new item to be matched")
    matched = [e for e in daemon.events() if e["event"] == "evidence.recorded"]
    assert {e["claim_id"] for e in matched} == {"c"}
    assert daemon.stop() == 0


def test_rejected_edit_is_reported_to_the_operator_channel(tmp_path: Path, rules_dir: Path) -> None:
    """A bad edit reaches the channels tagged `operator` as one notice listing the problem with its
    file and line; the analysts' channel hears nothing of it."""
    operator, analysts = HttpReceiver(), HttpReceiver()
    config = tmp_path / "operated.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n[polling]\n'
                      'allowed_networks = ["127.0.0.0/8"]\nparser_processes = 1\n'
                      "tick_seconds = 0.2\n[[channels]]\n"
                      f'name = "ops"\nurl = "{operator.json_url()}"\ntags = ["operator"]\n[[channels]]\n'
                      f'name = "desk"\nurl = "{analysts.json_url()}"\ntags = ["default"]\n')
    (rules_dir / "feeds.yaml").write_text("feeds: []\n")
    daemon = Daemon(config, tmp_path / "operated.log")
    try:
        daemon.wait_for(lambda ev: _count("rules.loaded")(ev) == 1, "first load")
        (rules_dir / "claims" / "c.yaml").write_text(CLAIM + "severity: extreme\n")
        daemon.process.send_signal(signal.SIGHUP)
        assert operator.wait_for(1), "no operator notice arrived"
        [notice] = [post.json() for post in operator.posted]
        assert notice["title"].startswith("Rules edit rejected: 1 problem")
        assert "c.yaml:4:11: severity" in notice["message"]
        assert analysts.posted == []
    finally:
        assert daemon.stop() == 0
        operator.close()
        analysts.close()


def test_deeply_nested_edit_is_rejected_and_the_daemon_lives(tmp_path: Path, rules_dir: Path,
                                                             daemon_factory: Callable[[], Daemon]) -> None:
    """A claim file nested a hundred thousand levels deep is reported with its location on reload while the
    daemon keeps running the rules it had."""
    (rules_dir / "feeds.yaml").write_text("feeds: []\n")
    daemon = daemon_factory()
    daemon.wait_for(lambda ev: _count("rules.loaded")(ev) == 1, "first load")
    (rules_dir / "claims" / "deep.yaml").write_text("id: deep\nstatement: " + "[" * 100_000 + "\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda ev: _count("rules.kept")(ev) >= 1, "the nested file to be rejected")
    [invalid] = [e for e in daemon.events() if e["event"] == "rules.invalid"]
    assert (Path(str(invalid["file"])).name, invalid["line"], invalid["column"]) == ("deep.yaml", 2, 75)
    assert daemon.process.poll() is None
    assert daemon.stop() == 0
