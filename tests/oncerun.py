"""The real daemon and CLI as subprocesses, on a tmp rules folder holding the shipped claims and actors, loopback
feeds and a loopback webhook channel: what tests/test_precision_day.py and tests/test_contrast_e2e.py share."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.feedserver import FeedServer, Reply
from tests.helpers import EXAMPLE_RULES, rss
from tests.receivers import HttpReceiver

CLAIMWATCH = [sys.executable, "-m", "monitor"]
SHIPPED_CLAIMS = sorted(path.stem for path in (EXAMPLE_RULES / "claims").glob("*.yaml"))


def shipped_rules(rules: Path, feeds: dict[str, str], extra_actors: str = "") -> Path:
    """A rules folder with a copy of rules/claims and rules/actors.yaml (plus `extra_actors`, YAML list entries
    appended to the copy only) and a feeds.yaml listing `feeds` (name -> URL)."""
    rules.mkdir(parents=True)
    shutil.copytree(EXAMPLE_RULES / "claims", rules / "claims")
    actors = (EXAMPLE_RULES / "actors.yaml").read_text(encoding="utf-8")
    (rules / "actors.yaml").write_text(actors.rstrip("\n") + "\n" + extra_actors, encoding="utf-8")
    (rules / "feeds.yaml").write_text("feeds:\n" + "".join(f"  - name: {name}\n    url: {url}\n"
                                                            for name, url in feeds.items()), encoding="utf-8")
    return rules


def once_config(tmp_path: Path, hook: HttpReceiver, *, alerts: str = "") -> Path:
    """A claimwatch.toml for `run --once` on SQLite in tmp_path, every due feed polled, every alert sent to
    `hook` (tagged for every claim's channels, and default); `alerts` adds lines to the [alerts] table."""
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        'state_dir = "state"\nrules_dir = "rules"\n'
        f"[alerts]\n{alerts}"
        "[polling]\n"
        "allowed_networks = ['127.0.0.0/8']\n"
        "default_interval_seconds = 1\nmin_interval_seconds = 1\nparser_processes = 1\n"
        "read_timeout_seconds = 2\nfetch_deadline_seconds = 5\n"
        "[[channels]]\n"
        f'name = "webhook"\nurl = "{hook.json_url()}"\ntags = ["default", "analysts", "on-call"]\n')
    return config


def claimwatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`claimwatch ARGS --config CONFIG` as a subprocess."""
    return subprocess.run([*CLAIMWATCH, *args, "--config", str(config)], capture_output=True, text=True,
                          timeout=180, check=False, env={**os.environ, "CLAIMWATCH_CONFIG": ""})


def run_once(config: Path) -> None:
    """`claimwatch run --once`, which must exit 0."""
    run = claimwatch(config, "run", "--once")
    assert run.returncode == 0, run.stderr[-3000:]


def cli_json(config: Path, *args: str) -> Any:
    """The parsed output of `claimwatch ARGS --json`, which must exit 0."""
    done = claimwatch(config, *args, "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


class Wire:
    """One loopback RSS feed that keeps every item published so far."""

    def __init__(self, server: FeedServer, name: str = "wire") -> None:
        self.server = server
        self.name = name
        self.items: list[dict[str, str]] = []
        self.server.add(self.path, Reply(body=rss([], title=name)))

    @property
    def path(self) -> str:
        """The feed's path on the server."""
        return f"/{self.name}.xml"

    @property
    def url(self) -> str:
        """The feed's URL."""
        return self.server.url(self.path)

    def publish(self, *items: dict[str, str]) -> None:
        """Add items (guid, title, link, description, pubDate) to the feed."""
        self.items.extend(items)
        self.server.add(self.path, Reply(body=rss(self.items, title=self.name)))
