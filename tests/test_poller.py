"""The poller's worker pool: bounded concurrency overall and per host."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from storage.engine import make_engine, upgrade
from storage.feeds import list_feeds
from tests.feedserver import FeedServer, Reply, Request
from tests.helpers import ingest_stack, make_config, news_items, rss


class ConcurrencyProbe:
    """A route handler that counts how many requests are being answered at once."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.current = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, _request: Request) -> Reply:
        with self.lock:
            self.current += 1
            self.peak = max(self.peak, self.current)
        time.sleep(0.2)
        with self.lock:
            self.current -= 1
        return Reply(body=self.body)


def _sqlite(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


def test_per_host_limit_caps_concurrent_fetches(tmp_path: Path, feed_server: FeedServer) -> None:
    """Ten feeds on one host with per_host=2 are never fetched more than two at a time, yet all get polled."""
    probe = ConcurrencyProbe(rss(news_items(1)))
    feeds = [(f"f{n}", feed_server.add(f"/f{n}.xml", probe)) for n in range(10)]
    url, engine = _sqlite(tmp_path)
    config = make_config(tmp_path, url, feeds, workers=8, per_host=2)
    with ingest_stack(config, engine) as poller:
        assert poller.run_once() == 10
    assert probe.peak == 2
    assert {row.status for row in list_feeds(engine)} == {"ok"}


def test_worker_limit_caps_concurrency_across_hosts(tmp_path: Path) -> None:
    """With two servers (two hosts) and workers=3, at most three fetches run at once overall."""
    probe = ConcurrencyProbe(rss(news_items(1)))
    servers = [FeedServer(), FeedServer()]
    try:
        feeds = [(f"s{s}f{n}", server.add(f"/f{n}.xml", probe)) for s, server in enumerate(servers) for n in range(6)]
        url, engine = _sqlite(tmp_path)
        config = make_config(tmp_path, url, feeds, workers=3, per_host=3)
        with ingest_stack(config, engine) as poller:
            assert poller.run_once() == 12
        assert probe.peak == 3
    finally:
        for server in servers:
            server.close()
