"""`claimwatch run` as real subprocesses for the multi-daemon and storage-fault tests: each daemon's JSON log
is read from a pipe as it arrives (a pipe, not a file, so a file-size limit put on the daemon leaves its log
alone), and its write access can be taken away and given back with a file-size limit."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CLAIMWATCH = [sys.executable, "-m", "monitor"]
WAIT = 60.0
Event = dict[str, Any]


class DaemonProcess:
    """One `claimwatch run --config CONFIG ARGS` subprocess and the events it has logged so far."""

    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen([*CLAIMWATCH, "run", "--config", str(config), *args],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "CLAIMWATCH_CONFIG": "", **(env or {})})
        self.lines: list[str] = []
        self._events: list[Event] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            event = _parse(line)
            with self._changed:
                self.lines.append(line)
                if event is not None:
                    self._events.append(event)
                self._changed.notify_all()

    @property
    def pid(self) -> int:
        """The daemon's process id."""
        return self.process.pid

    def events(self, name: str | None = None) -> list[Event]:
        """Every JSON event logged so far, or those named `name`."""
        with self._changed:
            events = list(self._events)
        return [event for event in events if name is None or event["event"] == name]

    def wait_for(self, predicate: Callable[[list[Event]], object], what: str, seconds: float = WAIT) -> None:
        """Wait until the events satisfy `predicate`; fail naming `what` if they do not in time or the
        daemon exits first."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while True:
                events = self._events
                if predicate(events):
                    return
                if self.process.poll() is not None:
                    pytest.fail(f"daemon exited ({self.process.returncode}) while waiting for {what}:\n"
                                + "".join(self.lines[-20:]))
                if time.monotonic() > deadline:
                    pytest.fail(f"timed out waiting for {what}; last events: {[e['event'] for e in events[-30:]]}")
                self._changed.wait(0.2)

    def wait_for_event(self, name: str, count: int = 1, seconds: float = WAIT) -> None:
        """Wait until `name` was logged `count` times."""
        self.wait_for(lambda events: sum(e["event"] == name for e in events) >= count,
                      f"{count} x {name}", seconds)

    def deny_writes(self) -> None:
        """Make every write that grows a file fail for this daemon, as a full disk would (RLIMIT_FSIZE)."""
        resource.prlimit(self.pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))

    def allow_writes(self) -> None:
        """Lift deny_writes."""
        resource.prlimit(self.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    def stop(self) -> int:
        """SIGTERM, wait, and return the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(10)
        self._reader.join(10)
        return code

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None


def _parse(line: str) -> Event | None:
    if not line.startswith("{"):
        return None
    try:
        event: Event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event


class NotifySocket:
    """A datagram socket standing in for systemd: collects every message the daemon sends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[dict[str, str]] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(path))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(65536)
            except TimeoutError:
                continue
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            with self._changed:
                self.messages.append(fields)
                self._changed.notify_all()

    def count(self, key: str) -> int:
        """Messages carrying `key`."""
        return sum(key in message for message in self.messages)

    def wait_for(self, key: str, count: int = 1, timeout: float = 60) -> None:
        """Wait until `count` messages carried `key`."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.count(key) >= count, timeout):
                pytest.fail(f"expected {count} {key} messages; got {self.messages}")

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        self._thread.join(5)
        self._sock.close()
