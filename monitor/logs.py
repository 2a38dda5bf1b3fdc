"""Structured logs: one event per outcome with stable keys; JSON for the journal, readable on a terminal.

The logger is built here and passed down explicitly: nothing configures structlog globally.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, FilteringBoundLogger, Processor, WrappedLogger

_SECRET_IN_URL = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)([^/\s:@]+(?::[^/\s@]*)?@)")
_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}


class _LockedWriter:
    """A file-like sink that writes each rendered event whole, whatever thread logs it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def msg(self, message: str) -> None:
        with self._lock:
            self._stream.write(message + "\n")
            self._stream.flush()

    log = debug = info = warning = warn = error = critical = exception = msg


class LogFormat(StrEnum):
    """How log events are written: `auto` is readable lines on a terminal, JSON lines otherwise and always
    under systemd (whose journal sets JOURNAL_STREAM)."""

    AUTO = "auto"
    CONSOLE = "console"
    JSON = "json"


def wants_json(log_format: LogFormat, stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether events on `stream` are rendered as JSON lines."""
    if log_format is LogFormat.AUTO:
        return "JOURNAL_STREAM" in environ or not stream.isatty()
    return log_format is LogFormat.JSON


def redact(text: str) -> str:
    """Credentials embedded in URLs (user:password@) replaced by ***."""
    return _SECRET_IN_URL.sub(r"\1***@", text)


def _redact_values(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    for key, value in event.items():
        if isinstance(value, str) and "://" in value:
            event[key] = redact(value)
    return event


def make_logger(stream: TextIO | None = None, *, json: bool | None = None, level: str = "info",
                observers: Sequence[Processor] = ()) -> FilteringBoundLogger:
    """A logger writing to `stream` (stderr by default): JSON unless `json` says or, when None, as
    `LogFormat.AUTO` decides. Each observer sees every event first (the metrics count outcomes this way)."""
    stream = sys.stderr if stream is None else stream
    if json is None:
        json = wants_json(LogFormat.AUTO, stream)
    renderer: Any = (structlog.processors.JSONRenderer() if json
                     else structlog.dev.ConsoleRenderer(colors=stream.isatty()))
    processors: list[Any] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_values,
        *observers,
        structlog.processors.format_exc_info,
        renderer,
    ]
    return structlog.wrap_logger(  # type: ignore[no-any-return]
        _LockedWriter(stream), processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]))
