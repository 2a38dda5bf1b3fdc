"""`claimwatch demo`: the real daemon (`run_forever`) on the embedded default, replaying a bundled news day.

A loopback server publishes the sample feeds (RSS, Atom, JSON Feed) as they stood at each moment of
22 May 2024, the day of the seed story, compressed into a few seconds and waiting for the daemon at each
publication moment (so two runs give the same alerts in the same order): the UK defence secretary's claim,
its syndicated copies, the White House's "we have not seen that", Beijing's rebuttal, unrelated news. The
daemon polls them into a fresh SQLite file, matches the example claims, records the ledger, and delivers
its alerts to the server's webhook, which prints them as they arrive. After the replay the demo prints each
claim's picture and stops, or with `--follow` keeps running until Ctrl-C.
"""

from __future__ import annotations

import hashlib
import json
import queue
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from ipaddress import ip_network
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine

from monitor import daemon, replay
from monitor.alerts.render import PICTURE_WORDS
from monitor.config import AlertSettings, ChannelSettings, Config, NodeSettings, PollingSettings
from monitor.logs import make_logger
from monitor.rulebook.loader import load_rulebook
from monitor.web.serve import bind, serve_beside
from monitor.wording import plural
from storage.claims import claim_positions, claim_summaries
from storage.engine import make_engine
from storage.feeds import list_feeds
from storage.health import read_health

CONTENT_TYPES = {".xml": "application/xml; charset=utf-8", ".json": "application/feed+json"}
SETTLE_SECONDS = 30
HOLD_SECONDS = 10
HOLD_PACE = 10.0  # seconds of the daemon's clock per real second while the news day waits
WEB_PORT = 8080


def sample_files() -> dict[str, bytes]:
    """The bundled sample feeds by file name."""
    folder = resources.files("monitor") / "samples"
    return {entry.name: entry.read_bytes() for entry in folder.iterdir()
            if Path(entry.name).suffix in CONTENT_TYPES}


@dataclass
class NewsDay:
    """The replay's clock: `seconds` of real time cover the whole day, from its first item to its last.

    The day runs in lockstep with the daemon: it reaches each new publication moment only once the daemon
    has read every feed as it stood before and recorded what it found (or after HOLD_SECONDS), so the
    alerts come in the same order however slow the machine is. While the day waits, the daemon's clock runs
    on slowly (HOLD_PACE), so polls fall due.
    """

    files: dict[str, bytes]
    seconds: float
    started: float = field(default_factory=time.monotonic)
    served: dict[str, tuple[int, datetime]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        times = [when for name, body in self.files.items() for when in replay.published(name, body)]
        self.moments = sorted(set(times))
        self.first, self.last = self.moments[0], self.moments[-1]
        self.pace = (self.last - self.first) / self.seconds  # news time per real second
        self.shown = 0  # index of the latest publication moment reached
        self._since, self._from, self._waited = self.started, self.first, 0.0

    def _waiting(self, at: float) -> float:
        """Real seconds the day has been waiting at its next moment, as of `at`."""
        if self.shown + 1 >= len(self.moments):
            return 0.0
        reached = self._since + (self.moments[self.shown + 1] - self._from) / self.pace
        return max(0.0, at - reached)

    def now(self) -> datetime:
        """The moment of the news day the replay has reached: just before a moment not yet reached."""
        at = time.monotonic()
        return self._from + self.pace * (at - self._since - self._waiting(at))

    def clock(self) -> datetime:
        """The daemon's clock in the demo: the news day's moment (running on at the same pace after its last
        item), plus HOLD_PACE for every second the day waited, so every time the demo stores and prints is
        on the news day's clock."""
        at = time.monotonic()
        waited = self._waited + self._waiting(at)
        return self._from + self.pace * (at - self._since - self._waiting(at)) + timedelta(seconds=HOLD_PACE * waited)

    def clock_seconds(self, real_seconds: float) -> float:
        """How many seconds of the daemon's clock pass in `real_seconds` while the day runs."""
        return self.pace.total_seconds() * real_seconds

    def serve(self, name: str) -> bytes:
        """The feed `name` as it stands now, noting when (on the daemon's clock) it was first read at the
        moment reached."""
        shown = self.shown
        body = replay.edition(name, self.files[name], self.now())
        if self.served.get(name, (-1,))[0] != shown:
            self.served[name] = (shown, self.clock())
        return body

    def step(self, recorded: Callable[[Mapping[str, datetime]], bool]) -> None:
        """Go on to the next publication moment when the day waits at it and the daemon has `recorded` every
        feed as read at the moment reached (given when each was read, on the daemon's clock)."""
        at = time.monotonic()
        waiting = self._waiting(at)
        if waiting <= 0:
            return
        read = {name: when for name, (shown, when) in list(self.served.items()) if shown == self.shown}
        if waiting > HOLD_SECONDS or (len(read) == len(self.files) and recorded(read)):
            self._from = self.moments[self.shown + 1]
            self._since = at
            self._waited += waiting
            self.shown += 1

    @property
    def over(self) -> bool:
        """Whether every item has been published."""
        return self.shown + 1 >= len(self.moments) and self.now() >= self.last


@dataclass
class DemoServer:
    """The loopback server: feeds under `base`, alerts POSTed to its webhook arrive in `alerts`."""

    base: str
    alerts: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    answers: dict[int, int] = field(default_factory=dict)

    @property
    def webhook(self) -> str:
        """The apprise URL of the webhook."""
        return "json://" + self.base.removeprefix("http://") + "/alerts"


@contextmanager
def sample_server(day: NewsDay) -> Iterator[DemoServer]:
    """Serve each sample feed as it stood at the replay's moment, with ETags (an unchanged feed gets 304),
    and take alerts on /alerts."""
    box: list[DemoServer] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the demo prints its own account."""

        def do_GET(self) -> None:
            name = self.path.lstrip("/").split("?")[0]
            if name not in day.files:
                self.send_error(404)
                return
            body = day.serve(name)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            status = 304 if self.headers.get("If-None-Match") == etag else 200
            box[0].answers[status] = box[0].answers.get(status, 0) + 1
            self.send_response(status)
            self.send_header("ETag", etag)
            self.send_header("Content-Type", CONTENT_TYPES[Path(name).suffix])
            self.send_header("Content-Length", str(len(body) if status == 200 else 0))
            self.end_headers()
            if status == 200:
                self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/alerts":
                self.send_error(404)
                return
            box[0].alerts.put(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box.append(DemoServer(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()


def run_demo(out: TextIO, keep: Path | None = None, *, replay_seconds: float = 20.0, follow: bool = False,
             web_port: int = WEB_PORT) -> None:
    """The whole demo, narrated to `out`, with the web view on 127.0.0.1 while it runs (at `web_port`, or
    any free port when that one is taken)."""
    day = NewsDay(sample_files(), replay_seconds)
    with tempfile.TemporaryDirectory(prefix="claimwatch-demo-") as scratch, sample_server(day) as server:
        root = keep or Path(scratch)
        config = _demo_config(root, server, day)
        if keep is not None:
            _write_kept_config(root)
        with serve_beside(config, _web_socket(web_port)) as web:
            out.write(f"claimwatch demo: {len(day.files)} sample feeds at {server.base} replay "
                      f"{day.first:%d %B %Y} from {day.first:%H:%M} to {day.last:%H:%M} UTC in "
                      f"{replay_seconds:g} s\ndatabase: {config.effective_database_url}\n"
                      f"rules: {config.rules_dir} (the example claims)\nlog: {root / 'claimwatch.log'}\n"
                      f"web view: {web.url} (open while the demo runs{'' if follow else '; --follow keeps it open'})"
                      "\n\nAlerts, as the webhook channel receives them:\n")
            out.flush()
            _run_daemon(out, root, config, server, day, follow=follow)
        _print_summary(out, config, server, day, kept=keep)


def _write_kept_config(root: Path) -> None:
    """A claimwatch.toml beside the kept state, so `claims show`, `status` and the rest read it afterwards."""
    (root / "claimwatch.toml").write_text(
        "# Written by `claimwatch demo --keep`: the demo's database and rules, for looking around afterwards.\n"
        'state_dir = "state"\nrules_dir = "rules"\n', encoding="utf-8")


def _web_socket(port: int) -> socket.socket:
    try:
        return bind("127.0.0.1", port)
    except OSError:
        return bind("127.0.0.1", 0)


def _run_daemon(out: TextIO, root: Path, config: Config, server: DemoServer, day: NewsDay, *, follow: bool) -> None:
    """The daemon on a thread while alerts are printed, until the replay settles (or Ctrl-C with follow)."""
    stop = threading.Event()
    with (root / "claimwatch.log").open("w", encoding="utf-8") as log_file:
        service = threading.Thread(target=daemon.run_forever, name="claimwatch",
                                   args=(config, make_logger(log_file, json=True), day.clock), kwargs={"stop": stop})
        service.start()
        try:
            _print_alerts_until(out, server, day, config, follow)
        except KeyboardInterrupt:
            out.write("\ninterrupted\n")
        finally:
            stop.set()
            service.join()


def _demo_config(root: Path, server: DemoServer, day: NewsDay) -> Config:
    rules = root / "rules"
    _copy_tree(resources.files("monitor") / "samples" / "rules", rules)
    (rules / "feeds.yaml").write_text("feeds:\n" + "".join(
        f"  - name: {Path(name).stem}\n    url: {server.base}/{name}\n" for name in sorted(day.files)),
        encoding="utf-8")
    # The daemon runs on the news day's clock, thousands of times faster than real time: leases last a minute
    # of real time, and so does the silence after which a daemon is taken for dead.
    lease = day.clock_seconds(60)
    return Config(state_dir=root / "state", rules_dir=rules,
                  polling=PollingSettings(workers=4, parser_processes=1, tick_seconds=0.2,
                                          default_interval_seconds=1, min_interval_seconds=1,
                                          max_interval_seconds=2, lease_seconds=lease,
                                          allowed_networks=[ip_network("127.0.0.0/8")]),
                  alerts=AlertSettings(grouping_seconds=2, lease_seconds=lease),
                  nodes=NodeSettings(stale_seconds=lease, overdue_seconds=lease),
                  channels=[ChannelSettings(name="demo-webhook", url=server.webhook, tags=["default"])])


def _print_alerts_until(out: TextIO, server: DemoServer, day: NewsDay, config: Config, follow: bool) -> None:
    """Print alerts as they arrive until the replay is over and the daemon has nothing left to send
    (or forever with `follow`)."""
    engine = make_engine(config.effective_database_url)
    settle_until: float | None = None
    try:
        while True:
            try:
                _print_alert(out, server.alerts.get(timeout=0.2), day)
                continue
            except queue.Empty:
                pass
            day.step(partial(_recorded, engine, day))
            if follow or not day.over:
                continue
            settle_until = settle_until or time.monotonic() + SETTLE_SECONDS
            health = read_health(engine, day.clock())
            polled_after = all(feed.last_poll and feed.last_poll > day.last for feed in list_feeds(engine))
            quiet = not health.alerts.get("pending") and not health.ledger_backlog and polled_after
            if quiet or time.monotonic() > settle_until:
                return
    finally:
        engine.dispose()


def _recorded(engine: Engine, day: NewsDay, read: Mapping[str, datetime]) -> bool:
    """Whether the daemon has stored every feed's poll made after it was `read` and matched what it stored."""
    polled = {feed.name: feed.last_poll for feed in list_feeds(engine)}
    if not all((at := polled.get(Path(name).stem)) is not None and at >= when for name, when in read.items()):
        return False
    return not read_health(engine, day.clock()).ledger_backlog


def _print_alert(out: TextIO, alert: dict[str, Any], day: NewsDay) -> None:
    out.write(f"\n[{day.now():%H:%M} on the news day] {alert.get('title', '')}\n")
    for line in str(alert.get("message", "")).splitlines():
        out.write(f"    {line}\n")
    out.flush()


def _print_summary(out: TextIO, config: Config, server: DemoServer, day: NewsDay, *, kept: Path | None) -> None:
    engine = make_engine(config.effective_database_url)
    book = load_rulebook(config.rules_dir)
    names = {actor.id: actor.name for actor in book.actors}
    summaries = claim_summaries(engine)
    health = read_health(engine, day.clock())
    feeds, sent = len(list_feeds(engine)), health.alerts.get("sent", 0)
    out.write(f"\nThe news day: {plural(health.items, 'item')} stored from {plural(feeds, 'feed')}, "
              f"{plural(health.evidence, 'piece')} of evidence, {plural(sent, 'alert')} sent; "
              f"the feeds answered {server.answers.get(200, 0)} polls with content and "
              f"{server.answers.get(304, 0)} with 304 Not Modified.\n\nEach claim's picture:\n")
    for claim in book.claims:
        summary = summaries.get(claim.id)
        out.write(f"\n  {claim.id} ({claim.status}): {claim.statement}\n")
        if summary is None:
            out.write("    no evidence\n")
            continue
        stories = plural(summary.stories, "story", "stories")
        out.write(f"    {plural(summary.evidence, 'piece')} of evidence in {stories}\n")
        positions = claim_positions(engine, claim.id)
        for stance in ("corroborates", "denies"):
            holders = [names.get(p.holder, p.holder) for p in positions if p.stance == stance]
            out.write(f"    {PICTURE_WORDS[stance]}: {', '.join(holders) or 'nobody'}\n")
    engine.dispose()
    if kept is not None:
        out.write(f"\nclaimwatch claims show CLAIM --config {kept / 'claimwatch.toml'} gives the timeline; "
                  "run with --follow to keep polling and the web view open.\n")
    else:
        out.write("\nRun with --keep DIR to look around afterwards (claimwatch claims show CLAIM --config "
                  "DIR/claimwatch.toml), or with --follow to keep polling and the web view open.\n")


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())
