"""`claimwatch feeds ...` as an analyst runs it: trying a feed before adding it, against a loopback server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.feedserver import FeedServer, Reply
from tests.helpers import EXAMPLE_RULES, rss

CLAIMWATCH = [sys.executable, "-m", "monitor"]
WIRE = [
    {"guid": "w-1", "title": "Markets steady as oil prices ease", "link": "http://wire.example/markets",
     "description": "Oil prices eased on Tuesday as traders weighed supply figures.",
     "pubDate": "Wed, 22 May 2024 07:00:00 GMT"},
    {"guid": "w-2", "title": "UK says China is sending lethal aid to Russia",
     "link": "http://wire.example/uk-china",
     "description": "British Defence Secretary Grant Shapps said on Wednesday that the UK has evidence that "
                    "China is providing lethal aid to Russia for use in Ukraine.",
     "pubDate": "Wed, 22 May 2024 09:30:00 GMT"},
]


def _config(tmp_path: Path, *, loopback: bool = True) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(EXAMPLE_RULES, rules)
    (rules / "feeds.yaml").write_text("feeds: []\n")
    config = tmp_path / "claimwatch.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n'
                      + ('[polling]\nallowed_networks = ["127.0.0.0/8"]\n' if loopback else ""))
    return config


def _claimwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMWATCH, *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "CLAIMWATCH_CONFIG": ""})


def test_feeds_test_shows_the_feed_and_what_its_items_would_match(tmp_path: Path, feed_server: FeedServer) -> None:
    """`feeds test URL --json` reports title, format, validators, item count and the newest items first, each
    with the claims it would match (stance and speaker), and stores nothing."""
    url = feed_server.add("/wire.xml", Reply(body=rss(WIRE, title="Wire World"),
                                             headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"}))
    config = _config(tmp_path)
    run = _claimwatch("feeds", "test", url, "--json", "--config", str(config))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["title"], report["format"], report["items"], report["matching_items"]) == (
        "Wire World", "rss20", 2, 1)
    assert report["validators"] == {"etag": '"v1"', "last_modified": None}
    first, second = report["newest"]
    assert first["title"] == "UK says China is sending lethal aid to Russia"
    match = first["matches"][0]
    assert (match["claim_id"], match["stance"], match["speaker"], match["speaker_affiliation"]) == (
        "china-lethal-aid-russia", "corroborates", "uk-defence-secretary", "uk-government")
    assert second["matches"] == []
    assert not (tmp_path / "state").exists()
    text = _claimwatch("feeds", "test", url, "--config", str(config))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"Wire World: rss20 feed at {url}")
    assert "2 items; 1 item would be evidence for a claim" in text.stdout
    assert "china-lethal-aid-russia: corroborates (0.97), speaker uk-defence-secretary" in text.stdout


def test_feeds_test_says_why_a_feed_cannot_be_read(tmp_path: Path, feed_server: FeedServer) -> None:
    """A page that is not a feed, a server error and an address the policy refuses each exit 1 with one line
    saying whether trying again can help."""
    page = feed_server.add("/page.html", Reply(body=b"<html><body><p>Welcome</p></body></html>",
                                               headers={"Content-Type": "text/html"}))
    broken = feed_server.add("/broken.xml", Reply(503, b"busy"))
    config = _config(tmp_path)
    not_feed = _claimwatch("feeds", "test", page, "--config", str(config))
    assert not_feed.returncode == 1 and "not a feed" in not_feed.stderr
    assert "trying again will not help" in not_feed.stderr
    busy = _claimwatch("feeds", "test", broken, "--config", str(config))
    assert busy.returncode == 1 and "HTTP 503" in busy.stderr and "worth trying again later" in busy.stderr
    strict = _config(tmp_path / "strict", loopback=False)
    refused = _claimwatch("feeds", "test", page, "--config", str(strict))
    assert refused.returncode == 1 and "loopback" in refused.stderr, refused.stderr
