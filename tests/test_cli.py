"""The claimwatch command as a user runs it: a real subprocess against a real loopback feed server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.engine import make_engine
from storage.models import FEEDS, ITEMS
from tests.feedserver import FeedServer, Reply, Request
from tests.helpers import news_items, rss, write_rules

CLAIMWATCH = [sys.executable, "-m", "monitor"]


def _write_config(tmp_path: Path, feeds: list[tuple[str, str]], extra: str = "") -> Path:
    write_rules(tmp_path / "rules", feeds)
    path = tmp_path / "claimwatch.toml"
    path.write_text('state_dir = "state"\nrules_dir = "rules"\n[polling]\n'
                    'allowed_networks = ["127.0.0.0/8"]\nworkers = 2\nparser_processes = 1\n'
                    'read_timeout_seconds = 2\nfetch_deadline_seconds = 5\n' + extra)
    return path


def _claimwatch(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMWATCH, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "CLAIMWATCH_CONFIG": ""}, check=False)


def _events(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_run_once_polls_and_feeds_list_reports(tmp_path: Path, feed_server: FeedServer) -> None:
    """`run --once` stores a good feed, records a failing one, exits 0; `feeds list --json` shows both."""
    good = feed_server.add("/good.xml", Reply(body=rss(news_items(4))))
    bad = feed_server.add("/bad.xml", Reply(500, b"oops"))
    config = _write_config(tmp_path, [("good", good), ("bad", bad)])
    run = _claimwatch("run", "--once", "--config", str(config))
    assert run.returncode == 0, run.stderr
    events = [event["event"] for event in _events(run.stderr)]
    assert events.count("feed.polled") == 1 and events.count("feed.failed") == 1
    listing = _claimwatch("feeds", "list", "--json", "--config", str(config))
    assert listing.returncode == 0, listing.stderr
    rows = {row["name"]: row for row in json.loads(listing.stdout)}
    assert (rows["good"]["status"], rows["good"]["items"], rows["good"]["consecutive_errors"]) == ("ok", 4, 0)
    assert (rows["bad"]["status"], rows["bad"]["items"], rows["bad"]["consecutive_errors"]) == ("failing", 0, 1)
    assert rows["bad"]["last_error"] == "HTTP 500 Internal Server Error"
    assert set(rows["good"]) == {"name", "url", "status", "last_result", "last_poll", "next_poll",
                                 "consecutive_errors", "last_error", "items", "tags"}
    table = _claimwatch("feeds", "list", "--config", str(config))
    assert "HTTP 500 Internal Server Error" in table.stdout and table.stdout.startswith("NAME")


def test_unreadable_config_exits_2(tmp_path: Path) -> None:
    """A config the daemon cannot use is the one case where `run --once` fails, with the key named."""
    path = tmp_path / "claimwatch.toml"
    path.write_text("[polling]\nworkers = -1\n")
    run = _claimwatch("run", "--once", "--config", str(path))
    assert run.returncode == 2
    assert "polling.workers: Input should be greater than or equal to 1" in run.stderr


def test_unusable_channel_url_refuses_to_start(tmp_path: Path) -> None:
    """A channel URL apprise cannot use stops `run` with exit 2, naming the channel and hiding its secrets."""
    config = _write_config(tmp_path, [], '[[channels]]\nname = "desk"\nurl = "nosuchservice://s3cret@x"\n')
    run = _claimwatch("run", "--once", "--config", str(config))
    assert run.returncode == 2
    assert "channel 'desk'" in run.stderr and "s3cret" not in run.stderr


def test_broken_feeds_file_keeps_stored_feeds_polling(tmp_path: Path, feed_server: FeedServer) -> None:
    """A bad edit of feeds.yaml is reported with its location and the feeds stored before keep being polled."""
    url = feed_server.add("/a.xml", Reply(body=rss(news_items(2))))
    config = _write_config(tmp_path, [("a", url)])
    assert _claimwatch("run", "--once", "--config", str(config)).returncode == 0
    (tmp_path / "rules" / "feeds.yaml").write_text(f"feeds:\n  - name: a\n    url: {url}\n    colour: red\n")
    engine = make_engine(f"sqlite:///{tmp_path / 'state' / 'claimwatch.db'}")
    with engine.begin() as connection:  # make the feed due again
        connection.execute(FEEDS.update().values(next_poll_at=FEEDS.c.created_at))
    engine.dispose()
    run = _claimwatch("run", "--once", "--config", str(config))
    assert run.returncode == 0
    events = _events(run.stderr)
    invalid = [e for e in events if e["event"] == "rules.invalid"]
    assert [(e["line"], e["column"]) for e in invalid] == [(4, 5)]
    assert "colour: unknown key" in str(invalid[0]["problem"])
    assert [e["feed"] for e in events if e["event"] == "feed.polled"] == ["a"]


def test_sigkill_mid_run_loses_nothing_and_redoes_nothing(tmp_path: Path, feed_server: FeedServer) -> None:
    """A run killed with SIGKILL mid-poll leaves committed feeds done and the rest due; the next run fetches
    only the rest, and every item ends up stored exactly once."""
    feeds = []
    for n in range(12):
        body = rss(news_items(5, prefix=f"f{n}"))

        def slow(_request: Request, body: bytes = body) -> Reply:
            time.sleep(0.3)
            return Reply(body=body)

        feeds.append((f"f{n}", feed_server.add(f"/f{n}.xml", slow)))
    config = _write_config(tmp_path, feeds)
    process = subprocess.Popen([*CLAIMWATCH, "run", "--once", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(feed_server.requests) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    engine = make_engine(f"sqlite:///{tmp_path / 'state' / 'claimwatch.db'}")
    with engine.connect() as connection:
        done = set(connection.execute(select(FEEDS.c.name).where(FEEDS.c.last_polled_at.is_not(None))).scalars())
    assert 0 < len(done) < 12, "the kill should land mid-run"
    fetched_before = len(feed_server.requests)
    rerun = _claimwatch("run", "--once", "--config", str(config))
    assert rerun.returncode == 0, rerun.stderr
    refetched = {request.path.strip("/").removesuffix(".xml") for request in feed_server.requests[fetched_before:]}
    assert refetched == {name for name, _ in feeds} - done
    with engine.connect() as connection:
        keys = list(connection.execute(select(ITEMS.c.key)).scalars())
    engine.dispose()
    assert sorted(keys) == sorted(f"guid:f{n}-{i}" for n in range(12) for i in range(5))


def test_daemon_polls_until_sigterm_then_exits_0(tmp_path: Path, feed_server: FeedServer) -> None:
    """`claimwatch run` polls on its own schedule and stops cleanly on SIGTERM with exit status 0."""
    url = feed_server.add("/a.xml", Reply(body=rss(news_items(3))))
    config = _write_config(tmp_path, [("a", url)], extra="tick_seconds = 0.2\n")
    process = subprocess.Popen([*CLAIMWATCH, "run", "--config", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not feed_server.hits("/a.xml") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    events = [event["event"] for event in _events(stderr)]
    assert events[-2:] == ["daemon.stopping", "daemon.stopped"] or "daemon.stopped" in events
    assert "feed.polled" in events


@pytest.mark.parametrize("text", [
    "[polling]\nlease_seconds = inf\n",
    'database_url = "postgresql+psycopg://cw@127.0.0.1:notaport/cw"\n',
    'database_url = "nosuchdb://cw@127.0.0.1/cw"\n',
    "a = " + "[" * 100_000 + "\n",
])
@pytest.mark.parametrize("command", [("run", "--once"), ("status",), ("feeds", "list")])
def test_every_config_problem_is_one_message_and_exit_2(tmp_path: Path, text: str, command: tuple[str, ...]) -> None:
    """A config value the daemon cannot use stops every command with exit 2 and a one-line reason, no traceback."""
    path = tmp_path / "claimwatch.toml"
    path.write_text(text)
    run = _claimwatch(*command, "--config", str(path))
    assert (run.returncode, run.stdout) == (2, ""), run.stderr[-2000:]
    assert run.stderr.startswith("claimwatch: ") and "Traceback" not in run.stderr


def test_status_exits_2_when_it_cannot_read_the_database(tmp_path: Path) -> None:
    """`status` on a database file that is not a database says so and exits 2 rather than reporting health."""
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "claimwatch.db").write_bytes(b"not a database, just bytes " * 100)
    config = _write_config(tmp_path, [])
    status = _claimwatch("status", "--config", str(config))
    assert status.returncode == 2, status.stderr[-2000:]
    assert status.stderr.startswith("claimwatch: database unavailable: ") and "Traceback" not in status.stderr


def test_feed_credentials_are_never_listed(tmp_path: Path, feed_server: FeedServer) -> None:
    """A feed moved to an address holding a user and password is listed and logged with them hidden."""
    feed_server.add("/new.xml", Reply(body=rss(news_items(1))))
    moved = feed_server.url("/new.xml").replace("http://", "http://desk:s3cret@")
    old = feed_server.add("/old.xml", Reply(301, headers={"Location": moved}))
    config = _write_config(tmp_path, [("moved", old)])
    run = _claimwatch("run", "--once", "--config", str(config))
    assert run.returncode == 0, run.stderr[-2000:]
    listing = _claimwatch("feeds", "list", "--json", "--config", str(config))
    table = _claimwatch("feeds", "list", "--config", str(config))
    [row] = json.loads(listing.stdout)
    assert row["url"] == feed_server.url("/new.xml").replace("http://", "http://***@")
    assert "s3cret" not in listing.stdout + table.stdout + run.stderr
    assert "http://***@127.0.0.1" in table.stdout


def test_status_in_an_empty_folder_creates_nothing_and_exits_2(tmp_path: Path) -> None:
    """`status` where nothing has run says there is no database, exits 2 and leaves no state folder behind."""
    config = _write_config(tmp_path, [])
    status = _claimwatch("status", "--config", str(config))
    assert status.returncode == 2, status.stderr
    assert status.stderr.startswith(f"claimwatch: no database at {tmp_path / 'state' / 'claimwatch.db'}")
    assert not (tmp_path / "state").exists()


def test_status_without_a_running_daemon_is_unhealthy_unless_none_is_expected(tmp_path: Path,
                                                                              feed_server: FeedServer) -> None:
    """After `run --once` has exited, status is unhealthy (exit 1) unless told --no-daemon-expected."""
    config = _write_config(tmp_path, [("good", feed_server.add("/good.xml", Reply(body=rss(news_items(2)))))])
    assert _claimwatch("run", "--once", "--config", str(config)).returncode == 0
    status = _claimwatch("status", "--json", "--config", str(config))
    report = json.loads(status.stdout)
    assert (status.returncode, report["healthy"], report["daemons"]) == (1, False, [])
    assert "no daemon is running" in _claimwatch("status", "--config", str(config)).stdout
    relaxed = _claimwatch("status", "--json", "--no-daemon-expected", "--config", str(config))
    assert (relaxed.returncode, json.loads(relaxed.stdout)["healthy"]) == (0, True)
