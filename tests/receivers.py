"""Real receivers on loopback for the notifier's tests: an HTTP webhook server and an aiosmtpd SMTP server,
each recording what arrives and answering as the test scripts it (fail first, hang, then recover); and
builders that fill the outbox the way the ledger does."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy import Engine

from monitor.config import AlertSettings, ChannelSettings, Config
from storage.outbox import NewAlert, enqueue

WAIT = 30.0


def free_port() -> int:
    """A loopback TCP port nobody listens on (yet): connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass(frozen=True)
class Posted:
    """One request an HttpReceiver answered with success."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


class HttpReceiver:
    """A webhook endpoint on 127.0.0.1: records each POST it accepts (`posted`) and each it answers
    (`received`); `fail_next` makes the next requests answer with error statuses, `hold` makes requests
    wait (the socket open, no answer) until `release`."""

    def __init__(self, port: int = 0) -> None:
        self.posted: list[Posted] = []
        self.received: list[Posted] = []
        self.answered: list[int] = []
        self._statuses: deque[int] = deque()
        self._held = threading.Event()
        self._release = threading.Event()
        self.arrived = threading.Event()
        self._changed = threading.Condition()
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.arrived.set()
                if receiver._held.is_set():
                    receiver._release.wait(WAIT * 2)
                    self.close_connection = True  # hang up without an answer
                    return
                status = receiver._statuses.popleft() if receiver._statuses else 200
                receiver.received.append(Posted(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                with receiver._changed:
                    receiver.answered.append(status)
                    if status < 300:
                        receiver.posted.append(Posted(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                      body))
                    receiver._changed.notify_all()
                payload = b"ok" if status < 300 else b"receiver failure"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._httpd.server_address[1])

    def json_url(self, path: str = "/hook") -> str:
        """An apprise json:// URL posting to `path` here."""
        return f"json://127.0.0.1:{self.port}{path}"

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, in order."""
        self._statuses.extend(statuses)

    def hold(self) -> None:
        """From now on, take requests and never answer them until `release`."""
        self._held.set()

    def release(self) -> None:
        """Let held requests go (unanswered) and answer normally again."""
        self._held.clear()
        self._release.set()

    def wait_for(self, count: int, timeout: float = WAIT) -> bool:
        """Wait until `count` requests were accepted; False when they did not come in time."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.posted) >= count, timeout)

    def close(self) -> None:
        """Stop serving."""
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()


class ScriptedReceiver:
    """An HTTP endpoint on a loopback `host` that answers every POST with `status`, `headers` and a body of
    `body_bytes` zeros, written until the client hangs up; records each request and the bytes it wrote."""

    def __init__(self, status: int = 200, *, headers: dict[str, str] | None = None, body_bytes: int = 0,
                 host: str = "127.0.0.1") -> None:
        self.requests: list[Posted] = []
        self.written = 0
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append(Posted(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(body_bytes))
                self.end_headers()
                chunk = b"\0" * 65_536
                try:
                    while receiver.written < body_bytes:
                        self.wfile.write(chunk[:body_bytes - receiver.written])
                        receiver.written += min(len(chunk), body_bytes - receiver.written)
                except OSError:
                    self.close_connection = True

        self._httpd = ThreadingHTTPServer((host, 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def json_url(self, path: str = "/hook") -> str:
        """An apprise json:// URL posting to `path` here."""
        host, port = self._httpd.server_address[:2]
        return f"json://{host!s}:{port}{path}"

    def close(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()


class _SmtpHandler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self._receiver = receiver

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        receiver = self._receiver
        reply = receiver.replies.popleft() if receiver.replies else "250 Message accepted for delivery"
        receiver.answered.append(reply)
        if reply.startswith("250"):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            receiver.messages.append(message)
        return reply


class SmtpReceiver:
    """An aiosmtpd SMTP server on 127.0.0.1 (no TLS, no auth): records each message it accepts; `replies`
    scripts the answers to the next DATA commands ("451 ..." for a temporary failure)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.answered: list[str] = []
        self.replies: deque[str] = deque()
        self.port = free_port()
        self._controller = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def url(self, to: str = "analyst@example.com") -> str:
        """An apprise mailto:// URL (plain SMTP) delivering here."""
        return f"mailto://127.0.0.1:{self.port}?from=claimwatch@example.com&to={to}"

    def close(self) -> None:
        """Stop serving."""
        self._controller.stop()


# Setting up the outbox the way the ledger fills it.

CLAIM = "china-lethal-aid-russia"
STATEMENT = "China is supplying lethal aid to Russia for use in Ukraine"


def channel(name: str, url: str, *tags: str) -> ChannelSettings:
    """A channel as claimwatch.toml declares it."""
    return ChannelSettings(name=name, url=SecretStr(url), tags=list(tags))


def notify_config(tmp_path: Path, database_url: str, channels: list[ChannelSettings], **alerts: Any) -> Config:
    """A Config on `database_url` with these channels and test-sized alert settings."""
    settings: dict[str, Any] = {"grouping_seconds": 120, "backoff_base_seconds": 30, "backoff_max_seconds": 600,
                                "retry_limit_seconds": 3_600, "send_timeout_seconds": 10, "senders": 4}
    settings.update(alerts)
    return Config(state_dir=tmp_path / "state", rules_dir=tmp_path / "rules", database_url=database_url,
                  alerts=AlertSettings(**settings), channels=channels)


def claim_alert(alert_id: str, created_at: datetime, *, kind: str = "new_speaker", stance: str = "denies",
                claim_id: str = CLAIM, holder: str = "us-government", priority: int = 3,
                evidence_id: int | None = None, **detail: object) -> NewAlert:
    """A pending claim alert with the detail the ledger writes."""
    names = {"us-government": "US government", "uk-government": "UK government", "china": "China"}
    values: dict[str, object] = {
        "claim_id": claim_id, "statement": STATEMENT, "severity": "high", "kind": kind, "stance": stance,
        "previous_stance": None, "speaker": holder, "speaker_name": names.get(holder, holder), "holder": holder,
        "holder_name": names.get(holder, holder), "quote": "We have not seen that to date",
        "title": "US says no sign of Chinese lethal aid", "url": f"https://news.example.com/{alert_id}",
        "feed": "wire-world", "published_at": created_at.isoformat(), "seen_at": created_at.isoformat(),
        "why": f"{stance} 0.91; found 'lethal aid'; cues 'have not seen'", "story_id": None}
    values.update(detail)
    return NewAlert(id=alert_id, kind=kind, priority=priority, created_at=created_at, claim_id=claim_id,
                    stance=stance, holder=holder, evidence_id=evidence_id, severity="high", detail=values)


def queue(engine: Engine, config: Config, alert: NewAlert, channels: list[str]) -> None:
    """Enqueue `alert` to `channels`, due at the end of its grouping window, as the ledger does."""
    with engine.begin() as connection:
        enqueue(connection, alert, channels,
                alert.created_at + timedelta(seconds=config.alerts.grouping_seconds))


def alert_ids_in(text: str) -> list[str]:
    """The alert ids a message lists on its "Alert ids:" line."""
    for line in reversed(text.splitlines()):
        if "Alert ids:" in line:
            return line.split("Alert ids:", 1)[1].replace("</p>", "").split()
    return []
