"""The daemon as systemd runs it: a real subprocess talking to a NOTIFY_SOCKET bound by the test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from monitor.systemd import ServiceManager
from tests.daemons import NotifySocket
from tests.feedserver import FeedServer, Reply
from tests.helpers import EXAMPLE_RULES, news_items, rss
from tests.newsroom import SCENARIO, seed_rules
from tests.receivers import free_port

CLAIM = "id: c\nstatement: China is supplying lethal aid to Russia\nsubjects: [china]\n"
ACTORS = EXAMPLE_RULES / "actors.yaml"


def test_notifier_is_silent_outside_systemd() -> None:
    """Without NOTIFY_SOCKET nothing is sent and no watchdog is asked for."""
    outside = ServiceManager({})
    assert not outside.enabled and outside.send(READY=1) is False and outside.watchdog_seconds is None
    assert ServiceManager({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "10000000"}).watchdog_seconds == 5.0
    foreign = ServiceManager({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"})
    assert foreign.watchdog_seconds is None


def test_daemon_speaks_the_notify_protocol(tmp_path: Path, feed_server: FeedServer,
                                           notify_socket: NotifySocket) -> None:
    """READY=1 with a STATUS of feeds, claims and outbox; WATCHDOG=1 keeps coming; SIGHUP gives RELOADING=1
    then READY=1, and a broken rule file does not kill the daemon; SIGTERM gives STOPPING=1 and exit 0."""
    rules = tmp_path / "rules"
    (rules / "claims").mkdir(parents=True)
    (rules / "actors.yaml").write_text(ACTORS.read_text())
    (rules / "claims" / "c.yaml").write_text(CLAIM)
    url = feed_server.add("/a.xml", Reply(body=rss(news_items(2))))
    (rules / "feeds.yaml").write_text(f"feeds:\n  - name: a\n    url: {url}\n")
    config = tmp_path / "claimwatch.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n[polling]\n'
                      'allowed_networks = ["127.0.0.0/8"]\nparser_processes = 1\ntick_seconds = 0.2\n')
    env = {**os.environ, "CLAIMWATCH_CONFIG": "", "NOTIFY_SOCKET": str(notify_socket.path),
           "WATCHDOG_USEC": "400000"}
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        notify_socket.wait_for("READY")
        ready = next(m for m in notify_socket.messages if "READY" in m)
        assert "1 active claims" in ready["STATUS"] and "outbox" in ready["STATUS"]
        notify_socket.wait_for("WATCHDOG", 3)
        assert "ok" in notify_socket.messages[-1]["STATUS"] or "new" in notify_socket.messages[-1]["STATUS"]
        (rules / "claims" / "c.yaml").write_text(CLAIM + "severity: extreme\n")
        daemon.send_signal(signal.SIGHUP)
        notify_socket.wait_for("RELOADING")
        notify_socket.wait_for("READY", 2)
        assert "REJECTED" in [m for m in notify_socket.messages if "READY" in m][-1]["STATUS"]
        beats = notify_socket.count("WATCHDOG")
        notify_socket.wait_for("WATCHDOG", beats + 2)
        assert daemon.poll() is None
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(60) == 0
        notify_socket.wait_for("STOPPING")
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(10)


def test_sigterm_keeps_undelivered_alerts_in_the_outbox(tmp_path: Path, feed_server: FeedServer,
                                                        notify_socket: NotifySocket) -> None:
    """An alert whose channel refuses connections is still pending after a SIGTERM stop that exits 0,
    with its failed attempt recorded, ready for the next start."""
    item = {k: v for k, v in SCENARIO["stages"][0]["items"][0].items() if k != "feed"}
    seed_rules(tmp_path / "rules", {"wire": feed_server.add("/wire.xml", Reply(body=rss([item])))})
    config = tmp_path / "claimwatch.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n[polling]\n'
                      'allowed_networks = ["127.0.0.0/8"]\nparser_processes = 1\ntick_seconds = 0.2\n'
                      "[alerts]\ngrouping_seconds = 0\nmax_age_seconds = 315360000\n[[channels]]\n"
                      f'name = "down"\nurl = "json://127.0.0.1:{free_port()}/hook"\ntags = ["default"]\n')
    env = {**os.environ, "CLAIMWATCH_CONFIG": "", "NOTIFY_SOCKET": str(notify_socket.path)}
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        notify_socket.wait_for("READY")
        deadline = time.monotonic() + 60
        alerts: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            listed = subprocess.run([sys.executable, "-m", "monitor", "alerts", "list", "--json", "--config",
                                     str(config)], capture_output=True, text=True, timeout=60, env=env, check=False)
            alerts = json.loads(listed.stdout or "[]")
            if alerts and alerts[0]["deliveries"][0]["attempts"] >= 1:  # type: ignore[index]
                break
            time.sleep(0.3)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    listed = subprocess.run([sys.executable, "-m", "monitor", "alerts", "list", "--json", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, env=env, check=False)
    [alert] = json.loads(listed.stdout)
    assert alert["state"] == "pending" and alert["kind"] == "first_corroboration"
    [delivery] = alert["deliveries"]
    assert delivery["state"] == "pending" and delivery["attempts"] >= 1 and delivery["last_error"]
