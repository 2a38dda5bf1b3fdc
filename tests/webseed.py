"""A database holding the seed story, as the real poller and ledger record it, and the web view serving it
from a real `claimwatch web` subprocess: what the web view's tests share."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from storage.engine import make_engine, upgrade
from tests.feedserver import FeedServer
from tests.newsroom import SCENARIO, Newsroom

CLAIM = "china-lethal-aid-russia"
# A title carrying markup, escaped in the feed, so the stored title holds the tags themselves.
HOSTILE_TITLE = ("UK repeats that China is sending lethal aid to Russia <script>document.title='pwned'</script>"
                 "<img src=x onerror=\"document.title='pwned'\">")
HOSTILE_ITEM = {
    "feed": "daily", "guid": "daily-hostile", "link": "javascript:document.title='pwned'",
    "title": HOSTILE_TITLE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
    "description": "Britain's defence secretary Grant Shapps said again on Thursday that China is sending lethal "
                   "aid to Russia for use in the war in Ukraine.",
}


@dataclass(frozen=True)
class SeedStory:
    """The seed story's database and a claimwatch.toml pointing at it and at its rules folder."""

    root: Path
    config: Path
    database_url: str


def record_seed_story(root: Path, *, hostile: bool = True) -> SeedStory:
    """Publish the seed scenario stage by stage on loopback feeds and poll each stage into a SQLite file
    (then, with `hostile`, one item whose title holds markup)."""
    database_url = f"sqlite:///{root / 'claimwatch.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    server = FeedServer()
    try:
        newsroom = Newsroom(root, database_url, engine, server)
        for stage in SCENARIO["stages"]:
            newsroom.publish(stage["items"])
            newsroom.poll()
        if hostile:
            newsroom.publish([HOSTILE_ITEM])
            newsroom.poll()
    finally:
        server.close()
        engine.dispose()
    config = root / "claimwatch.toml"
    config.write_text(f'state_dir = "state"\nrules_dir = "rules"\ndatabase_url = "{database_url}"\n')
    return SeedStory(root, config, database_url)


@contextmanager
def web_process(config: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`claimwatch web --port 0` as a subprocess (in `env`, else this process's environment); yields its
    address once it answers."""
    process = subprocess.Popen([sys.executable, "-m", "monitor", "web", "--config", str(config), "--port", "0",
                                *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**(os.environ if env is None else env), "CLAIMWATCH_CONFIG": ""})
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"(http://\S+/)", line)
        assert found, line + process.stderr.read() if process.poll() is not None else line
        url = found[1]
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url.replace("0.0.0.0", "127.0.0.1") + "login", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the web view did not answer"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


def claimwatch_json(config: Path, *args: str) -> object:
    """The parsed output of `claimwatch ARGS --json --config CONFIG`, which must exit 0."""
    done = subprocess.run([sys.executable, "-m", "monitor", *args, "--json", "--config", str(config)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def own_copy(seed: SeedStory, tmp_path: Path) -> Path:
    """A config on a copy of the seed story's database (the rules stay the seed's), for a test that writes."""
    source = sqlite3.connect(seed.database_url.removeprefix("sqlite:///"))
    target = sqlite3.connect(tmp_path / "claimwatch.db")
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules_dir = "{seed.root / "rules"}"\n'
                      f'database_url = "sqlite:///{tmp_path / "claimwatch.db"}"\n')
    return config
