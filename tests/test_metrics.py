"""`claimwatch run --metrics-port`: Prometheus metrics and /healthz from a real daemon subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.feedserver import FeedServer, Reply
from tests.helpers import news_items, rss
from tests.receivers import free_port


def _scrape(port: int, path: str = "/metrics") -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    except httpx.TransportError:
        return None


def test_metrics_count_polls_and_read_the_store(tmp_path: Path, feed_server: FeedServer) -> None:
    """After a poll the scrape shows the poll counted by outcome, its latency, the items stored, and the
    feeds by status read from the database; /healthz answers 200 while the database does."""
    good = feed_server.add("/good.xml", Reply(body=rss(news_items(3))))
    bad = feed_server.add("/bad.xml", Reply(status=500, body=b"down"))
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "feeds.yaml").write_text(f"feeds:\n  - name: good\n    url: {good}\n  - name: bad\n    url: {bad}\n")
    config = tmp_path / "claimwatch.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n[polling]\n'
                      'allowed_networks = ["127.0.0.0/8"]\nparser_processes = 1\ntick_seconds = 0.2\n')
    port = free_port()
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config),
                               "--metrics-port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    try:
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline:
            scraped = _scrape(port)
            text = scraped.text if scraped is not None else ""
            if 'claimwatch_polls_total{outcome="error"} 1.0' in text and 'claimwatch_polls_total{outcome="ok"}' in text:
                break
            time.sleep(0.2)
        assert 'claimwatch_polls_total{outcome="ok"} 1.0' in text, text
        assert 'claimwatch_items_stored_total{kind="new"} 3.0' in text
        assert "claimwatch_poll_duration_seconds_count 2.0" in text
        assert 'claimwatch_feeds{status="failing"} 1.0' in text and 'claimwatch_feeds{status="ok"} 1.0' in text
        assert "claimwatch_database_up 1.0" in text and "claimwatch_items 3.0" in text
        health = _scrape(port, "/healthz")
        assert health is not None and health.status_code == 200 and health.text == "ok\n"
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(60) == 0
