"""json:// and jsons:// channels, posted by claimwatch itself with httpx.

A webhook can point anywhere, so its receiver is not trusted the way a vendor's API is. apprise (through
requests) reads a reply whole and follows redirects with the channel's headers; here instead:

- the reply is read up to MAX_REPLY_BYTES and the connection dropped: a huge reply costs nothing;
- redirects are never followed. A 3xx is a failed delivery that names where it points: 301 and 308 say
  the hook has moved for good, so retrying the configured address cannot succeed (dead at once, the
  operators told to update the channel); 302, 303 and 307 may be a receiver's passing state and are
  retried like a 5xx;
- every message carries `Idempotency-Key`: the alert id (a digest of the alert ids for a grouped
  message), the same on every attempt, so a receiver can drop the duplicates at-least-once delivery
  allows.

The URL is parsed by apprise's own json plugin, so its options keep their meaning (user:password for basic
auth, `+Header=value`, `-param=value`, `:field=newname`, `method=`), and the payload is apprise's.
"""

from __future__ import annotations

import json

import apprise
import httpx
from apprise.plugins.custom_json import NotifyJSON

from monitor.alerts.results import SendResult, retryable_status, scrub
from monitor.config import redact_url

SCHEMES = frozenset({"json", "jsons"})
MAX_REPLY_BYTES = 64 * 1024
IDEMPOTENCY_HEADER = "Idempotency-Key"


def is_webhook(url: str) -> bool:
    """True for the URLs this module sends."""
    return url.partition("://")[0].lower() in SCHEMES


class WebhookSender:
    """Posts one message to one json:// or jsons:// URL, on pooled connections."""

    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._client = httpx.Client(follow_redirects=False, trust_env=False)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def send(self, url: str, title: str, body: str, key: str) -> SendResult:
        """POST (or the URL's method) apprise's JSON payload; see the module docstring."""
        plugin = apprise.Apprise.instantiate(url)
        if not isinstance(plugin, NotifyJSON):
            return SendResult(False, f"{redact_url(url)}: apprise cannot use this URL", retryable=False)
        target = f"{'https' if plugin.secure else 'http'}://{plugin.host}"
        target += f":{plugin.port}{plugin.fullpath}" if isinstance(plugin.port, int) else plugin.fullpath
        headers = {"User-Agent": plugin.app_id, "Content-Type": "application/json", **plugin.headers,
                   IDEMPOTENCY_HEADER: key}
        try:
            with self._client.stream(
                    str(plugin.method), target, content=json.dumps(_payload(plugin, title, body)), params=plugin.params,
                    headers=headers, auth=(plugin.user, plugin.password or "") if plugin.user else None,
                    timeout=self._timeout, follow_redirects=False) as response:
                _drain(response)
                return _outcome(response)
        except httpx.TimeoutException as exc:
            return SendResult(False, f"webhook timed out ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            return SendResult(False, scrub(f"Connection error: {type(exc).__name__}: {exc}", url))


def _payload(plugin: NotifyJSON, title: str, body: str) -> dict[str, object]:
    """apprise's JSON payload for this plugin, its field renames and removals applied."""
    payload: dict[str, object] = {"version": plugin.json_version, "title": title[:plugin.title_maxlen],
                                  "message": body[:plugin.body_maxlen], "attachments": [], "type": "info"}
    for field, value in plugin.payload_extras.items():
        if field in payload:
            moved = payload.pop(field)
            if value:
                payload[value] = moved
        else:
            payload[field] = value
    return payload


def _drain(response: httpx.Response) -> None:
    """Read at most MAX_REPLY_BYTES of the reply (compressed bytes, never inflated) and let the rest go."""
    read = 0
    for chunk in response.iter_raw():
        read += len(chunk)
        if read >= MAX_REPLY_BYTES:
            return


def _outcome(response: httpx.Response) -> SendResult:
    status = response.status_code
    if 200 <= status < 300:
        return SendResult(True)
    if 300 <= status < 400:
        where = response.headers.get("location", "nowhere")
        return SendResult(False, f"webhook answered HTTP {status}, a redirect to {redact_url(where)}, which is "
                                 f"not followed; point the channel at the final address (error={status})",
                          retryable=retryable_status(status))
    reason = response.reason_phrase
    return SendResult(False, f"webhook answered HTTP {status}{' ' + reason if reason else ''} (error={status})",
                      retryable=retryable_status(status))
