"""Sending one message to one channel URL: a narrow protocol, and its apprise implementation.

apprise never raises from notify(); it returns a falsy result and logs why. Each send here builds a fresh
apprise.Apprise holding exactly one URL, so the result belongs to that channel alone and no throttle
state is shared between sends. A failure is retryable unless the URL is unusable or the receiver refused
the request itself (an HTTP 4xx other than 408, 425 or 429). Error texts never carry the URL's secrets:
apprise's own messages are scrubbed of every credential-looking part of the URL before they leave here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

from monitor.config import ChannelSettings, redact_url

_FORMATS = {"markdown": apprise.NotifyFormat.MARKDOWN, "text": apprise.NotifyFormat.TEXT,
            "html": apprise.NotifyFormat.HTML}
_MAX_ERROR = 500
_MIN_SECRET = 3
# apprise's HTTP plugins end their failure warning with "error=<status>". A 4xx other than these says the
# request itself is wrong (bad token, unknown hook): sending it again unchanged cannot succeed.
_HTTP_STATUS = re.compile(r"\berror=(\d{3})\b")
_RETRYABLE_4XX = {408, 425, 429}


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send; `retryable` False means trying again unchanged cannot succeed."""

    ok: bool
    error: str | None = None
    retryable: bool = True


class Sender(Protocol):
    """Sends one message to one channel URL and says how it went; never raises for a failed delivery."""

    def send(self, url: str, title: str, body: str, body_format: str) -> SendResult:
        """Deliver `title` and `body` (markdown, text or html) to `url`."""
        ...


class AppriseSender:
    """The Sender that talks to the world through apprise, with connect and read timeouts per send."""

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds

    def send(self, url: str, title: str, body: str, body_format: str) -> SendResult:
        """Deliver through a fresh apprise instance holding only `url`."""
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            return SendResult(False, f"{redact_url(url)}: apprise cannot use this URL", retryable=False)
        plugin.socket_connect_timeout = self._timeout
        plugin.socket_read_timeout = self._timeout
        notifier = apprise.Apprise()
        notifier.add(plugin)
        try:
            result = notifier.notify(body=body, title=title, body_format=_FORMATS[body_format])
            if result:
                return SendResult(True)
            problems = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR")]
        except Exception as exc:
            problems = [f"{type(exc).__name__}: {exc}"]
        text = "; ".join(dict.fromkeys(problems)) or "apprise reported a failure without a reason"
        return SendResult(False, scrub(text, url)[:_MAX_ERROR], retryable=_retryable(text))


def _retryable(text: str) -> bool:
    statuses = [int(code) for code in _HTTP_STATUS.findall(text)]
    return not any(400 <= status < 500 and status not in _RETRYABLE_4XX for status in statuses)


def scrub(text: str, url: str) -> str:
    """`text` with every secret-looking part of `url` (user, password, path segments, query values, and
    the URL itself) replaced by ***."""
    secrets = [url]
    try:
        parts = urlsplit(url)
        secrets += [parts.username or "", parts.password or ""]
        if "." not in (parts.hostname or ""):
            secrets.append(parts.hostname or "")  # token-shaped "hosts": slack://TokenA/...
        secrets += [unquote(segment) for segment in parts.path.split("/")]
        secrets += [value for _key, value in parse_qsl(parts.query)]
    except ValueError:
        pass
    for secret in sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True):
        text = re.sub(re.escape(secret), "***", text)
    return text


def check_channels(channels: Sequence[ChannelSettings]) -> list[str]:
    """What is wrong with the configured channels (unusable URLs, duplicate names), without secrets."""
    problems = []
    seen: set[str] = set()
    for channel in channels:
        if channel.name in seen:
            problems.append(f"channel {channel.name!r}: the name is used twice")
        seen.add(channel.name)
        if apprise.Apprise.instantiate(channel.url.get_secret_value()) is None:
            problems.append(f"channel {channel.name!r} ({channel.display}): apprise cannot use this URL")
    return problems
