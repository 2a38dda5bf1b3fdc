"""Several daemons sharing one PostgreSQL database: started together, reloading together, one of them killed."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

from tests.daemons import CLAIMWATCH
from tests.feedserver import FeedServer, Reply, Request
from tests.helpers import news_items, rss, write_rules


def _slow_feed(server: FeedServer, name: str, delay: float) -> str:
    """A feed of three items that answers after `delay` seconds."""
    body = rss(news_items(3, prefix=name))

    def answer(_request: Request) -> Reply:
        time.sleep(delay)
        return Reply(body=body)

    return server.add(f"/{name}.xml", answer)


def _config(tmp_path: Path, database_url: str, polling: str = "", nodes: str = "") -> Path:
    path = tmp_path / "claimwatch.toml"
    path.write_text(f'state_dir = "state"\nrules_dir = "rules"\ndatabase_url = "{database_url}"\n'
                    "[polling]\nworkers = 4\nparser_processes = 1\nread_timeout_seconds = 5\n"
                    f"fetch_deadline_seconds = 10\n{polling}")
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
