"""Sending one message to one channel URL: a narrow protocol, and the implementation the daemon uses.

Webhooks (json://, jsons://) are posted by monitor.alerts.webhook, which caps the reply, never follows a
redirect and adds an idempotency key. Every other channel goes through apprise, with redirects turned off
so that a channel's credentials never travel to an address the configuration does not name. apprise never
raises from notify(); it returns a falsy result and logs why. Each send builds a fresh apprise.Apprise
holding exactly one URL, so the result belongs to that channel alone and no throttle state is shared
between sends. A failure is retryable unless the URL is unusable or the receiver refused the request
itself (see results.retryable_status). Error texts never carry the URL's secrets: apprise's own messages
are scrubbed of every credential-looking part of the URL before they leave here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import apprise

from monitor.alerts.results import SendResult, retryable_status, scrub
from monitor.alerts.webhook import WebhookSender, is_webhook
from monitor.config import ChannelSettings, redact_url

_FORMATS = {"markdown": apprise.NotifyFormat.MARKDOWN, "text": apprise.NotifyFormat.TEXT,
            "html": apprise.NotifyFormat.HTML}
_MAX_ERROR = 500
# apprise's HTTP plugins end their failure warning with "error=<status>".
_HTTP_STATUS = re.compile(r"\berror=(\d{3})\b")


class Sender(Protocol):
    """Sends one message to one channel URL and says how it went; never raises for a failed delivery."""

    def send(self, url: str, title: str, body: str, body_format: str, key: str) -> SendResult:
        """Deliver `title` and `body` (markdown, text or html) to `url`; `key` is the message's idempotency
        key, the same on every attempt."""
        ...


class ChannelSender:
    """The Sender that talks to the world: webhooks by hand, every other channel through apprise, with
    connect and read timeouts per send."""

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._webhooks = WebhookSender(timeout_seconds)
        self._asset = apprise.AppriseAsset(http_redirects=False)

    def close(self) -> None:
        """Close pooled connections."""
        self._webhooks.close()

    def send(self, url: str, title: str, body: str, body_format: str, key: str) -> SendResult:
        """Deliver to a webhook, or through a fresh apprise instance holding only `url`."""
        if is_webhook(url):
            return self._webhooks.send(url, title, body, key)
        plugin = apprise.Apprise.instantiate(url, asset=self._asset)
        if plugin is None:
            return SendResult(False, f"{redact_url(url)}: apprise cannot use this URL", retryable=False)
        plugin.socket_connect_timeout = self._timeout
        plugin.socket_read_timeout = self._timeout
        notifier = apprise.Apprise(asset=self._asset)
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
    return all(retryable_status(int(code)) for code in _HTTP_STATUS.findall(text))


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
