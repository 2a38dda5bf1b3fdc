"""`claimwatch demo`: the real daemon (`run --once`) against the bundled sample feeds, served on a loopback
port, into a fresh SQLite file, with a loopback webhook as its alert channel; then what it stored, the
evidence it recorded, the alerts the webhook received, and a second poll that the server answers with 304."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from monitor import daemon
from monitor.config import AlertSettings, ChannelSettings, Config, PollingSettings
from monitor.logs import make_logger
from storage.engine import make_engine
from storage.feeds import list_feeds
from storage.models import FEEDS, ITEMS

NEWS_DAY = datetime(2024, 5, 22, tzinfo=UTC)
CONTENT_TYPES = {".xml": "application/xml; charset=utf-8", ".json": "application/feed+json"}


def sample_files() -> dict[str, bytes]:
    """The bundled sample feeds by file name."""
    folder = resources.files("monitor") / "samples"
    return {entry.name: entry.read_bytes() for entry in folder.iterdir()
            if Path(entry.name).suffix in CONTENT_TYPES}


@dataclass
class DemoServer:
    """The loopback server: feeds under `base`, and the alerts POSTed to its webhook."""

    base: str
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def webhook(self) -> str:
        """The apprise URL of the webhook."""
        return "json://" + self.base.removeprefix("http://") + "/alerts"


@contextmanager
def sample_server(files: dict[str, bytes]) -> Iterator[DemoServer]:
    """Serve `files` on 127.0.0.1 with ETags (so a repeat poll gets 304) and take alerts on /alerts."""
    received: list[dict[str, Any]] = []
    etags = {name: '"' + hashlib.sha256(body).hexdigest()[:16] + '"' for name, body in files.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the demo prints its own account."""

        def do_GET(self) -> None:
            name = self.path.lstrip("/").split("?")[0]
            if name not in files:
                self.send_error(404)
                return
            if self.headers.get("If-None-Match") == etags[name]:
                self.send_response(304)
                self.send_header("ETag", etags[name])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPES[Path(name).suffix])
            self.send_header("Content-Length", str(len(files[name])))
            self.send_header("ETag", etags[name])
            self.end_headers()
            self.wfile.write(files[name])

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/alerts":
                self.send_error(404)
                return
            received.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield DemoServer(f"http://127.0.0.1:{server.server_address[1]}", received)
    finally:
        server.shutdown()
        server.server_close()


def run_demo(out: TextIO, keep: Path | None = None) -> None:
    """The whole demo, narrated to `out`."""
    files = sample_files()
    with tempfile.TemporaryDirectory(prefix="claimwatch-demo-") as scratch, sample_server(files) as server:
        base = server.base
        root = keep or Path(scratch)
        rules = root / "rules"
        _copy_tree(resources.files("monitor") / "samples" / "rules", rules)
        feeds_yaml = "feeds:\n" + "".join(
            f"  - name: {Path(name).stem}\n    url: {base}/{name}\n    interval: 15m\n" for name in sorted(files))
        (rules / "feeds.yaml").write_text(feeds_yaml, encoding="utf-8")
        # The bundled news day is in the past: let items of that day alert as if it were today.
        max_age = (daemon.utc_now() - NEWS_DAY + timedelta(days=2)).total_seconds()
        config = Config(state_dir=root / "state", rules_dir=rules,
                        polling=PollingSettings(workers=4, parser_processes=1),
                        alerts=AlertSettings(max_age_seconds=max_age),
                        channels=[ChannelSettings(name="demo-webhook", url=server.webhook, tags=["default"])])
        events = io.StringIO()
        log = make_logger(events, json=True, level="info")
        out.write(f"claimwatch demo: {len(files)} sample feeds served at {base}\n")
        out.write(f"database: {config.effective_database_url}\n\n")

        polled = daemon.run_once(config, log)
        out.write(f"First poll: {polled} feeds fetched.\n\n")
        _print_items(out, config)
        _print_matches(out, config, events.getvalue())
        _print_alerts(out, server.alerts, server.webhook)
        delivered = len(server.alerts)

        later = daemon.utc_now() + timedelta(minutes=16)
        polled = daemon.run_once(config, log, clock=lambda: later)
        out.write(f"\nSecond poll, 16 minutes later: {polled} feeds asked again with their ETags.\n\n")
        _print_feeds(out, config)
        out.write(f"\nAlerts delivered by the second poll: {len(server.alerts) - delivered}\n")


def _print_items(out: TextIO, config: Config) -> None:
    engine = make_engine(config.effective_database_url)
    query = (select(FEEDS.c.name, ITEMS.c.published_at, ITEMS.c.title, ITEMS.c.url)
             .join(ITEMS, ITEMS.c.feed_id == FEEDS.c.id).order_by(FEEDS.c.name, ITEMS.c.published_at))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    engine.dispose()
    current = None
    for name, published, title, url in rows:
        if name != current:
            out.write(f"{name}\n")
            current = name
        when = published.strftime("%Y-%m-%d %H:%M") if published else "undated"
        out.write(f"  {when}  {title}\n                    {url}\n")
    out.write(f"\n{len(rows)} items stored.\n")


def _print_matches(out: TextIO, config: Config, log_text: str) -> None:
    matches = [event for line in log_text.splitlines() if line.startswith("{")
               for event in [json.loads(line)] if event.get("event") == "evidence.recorded"]
    engine = make_engine(config.effective_database_url)
    with engine.connect() as connection:
        titles = dict(connection.execute(select(ITEMS.c.id, ITEMS.c.title)).all())
    engine.dispose()
    out.write(f"\nMatches against the example claims ({len(matches)}):\n")
    for event in sorted(matches, key=lambda e: (e["claim_id"], e["item_id"])):
        speaker = event["speaker"] + (f" ({event['holder']})" if event["holder"] != event["speaker"] else "")
        out.write(f"  {event['claim_id']}: {event['stance']:<12} by {speaker}\n      {titles[event['item_id']]}\n")


def _print_alerts(out: TextIO, alerts: list[dict[str, Any]], webhook: str) -> None:
    out.write(f"\nAlerts delivered to the webhook channel {webhook} ({len(alerts)}):\n")
    for alert in alerts:
        out.write(f"\n  == {alert.get('title', '')}\n")
        for line in str(alert.get("message", "")).splitlines():
            out.write(f"     {line}\n")


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def _print_feeds(out: TextIO, config: Config) -> None:
    engine = make_engine(config.effective_database_url)
    rows = list_feeds(engine)
    engine.dispose()
    for row in rows:
        out.write(f"  {row.name:<18} {row.status:<7} last answer: {row.last_result or '-':<13} {row.items:>3} items"
                  f"{'  (' + row.last_error + ')' if row.last_error else ''}\n")
