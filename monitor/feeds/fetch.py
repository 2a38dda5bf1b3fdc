"""Fetching one feed over HTTP with httpx: conditional GET, redirects by hand, hard limits on time and size.

Outcomes are values (200 with a body, 304, 410); every failure is a TransientFetchError (worth retrying:
timeouts, refused connections, 5xx, 429) or a PermanentFetchError (4xx, loops, too big).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

from monitor import __version__
from monitor.config import PollingSettings
from monitor.errors import PermanentFetchError, TransientFetchError
from monitor.feeds.addresses import AddressPolicy, policed_transport
from monitor.feeds.decode import decoder_for
from monitor.feeds.urls import hide_credentials

USER_AGENT = f"claimwatch/{__version__} (news claim monitor; feed poller)"
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
          "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
PERMANENT_REDIRECTS = frozenset({301, 308})
TEMPORARY_REDIRECTS = frozenset({302, 303, 307})
RETRY_LATER = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class FetchLimits:
    """Time and size limits of one fetch."""

    connect_timeout: float
    read_timeout: float
    deadline: float
    max_body_bytes: int
    max_redirects: int

    @classmethod
    def from_settings(cls, polling: PollingSettings) -> FetchLimits:
        """The limits a PollingSettings block describes."""
        return cls(polling.connect_timeout_seconds, polling.read_timeout_seconds,
                   polling.fetch_deadline_seconds, polling.max_body_bytes, polling.max_redirects)


@dataclass(frozen=True)
class Fetched:
    """A feed's answer: 200 with a body, 304 not modified, or 410 gone."""

    status: int
    url: str
    body: bytes = b""
    headers: dict[str, str] | None = None
    moved_to: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    cache_seconds: float | None = None


class Fetcher:
    """One pooled httpx transport shared by all worker threads, connecting only where `policy` permits;
    `transport` is the seam tests may use.

    The transport is used without an httpx.Client on top: redirects are followed here, cookies and auth
    flows are not wanted, and skipping the client's per-request machinery makes a 304 re-poll ~30% cheaper.
    """

    def __init__(self, limits: FetchLimits, *, policy: AddressPolicy, pool_size: int = 32,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic, user_agent: str = USER_AGENT,
                 accept: str = ACCEPT) -> None:
        self._limits = limits
        self._user_agent = user_agent
        self._accept = accept
        self._clock = clock
        self._transport = transport or policed_transport(
            policy, httpx.Limits(max_connections=pool_size * 2, max_keepalive_connections=pool_size))
        self._extensions = {"timeout": {"connect": limits.connect_timeout, "read": limits.read_timeout,
                                        "write": limits.read_timeout, "pool": limits.deadline}}

    def close(self) -> None:
        """Close pooled connections."""
        self._transport.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET `url` conditionally, following up to max_redirects redirects; see the module docstring."""
        deadline = self._clock() + self._limits.deadline
        headers = {"User-Agent": self._user_agent, "Accept": self._accept, "Accept-Encoding": "gzip, deflate, br"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = [url]
        all_permanent = True
        current = url
        while True:
            try:
                request = httpx.Request("GET", current, headers=headers, extensions=self._extensions)
                with closing(self._transport.handle_request(request)) as response:
                    if response.status_code in PERMANENT_REDIRECTS | TEMPORARY_REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise PermanentFetchError(f"HTTP {response.status_code} without a Location",
                                                      status=response.status_code)
                        all_permanent &= response.status_code in PERMANENT_REDIRECTS
                        current = _next_hop(current, location, seen, self._limits.max_redirects)
                        continue
                    moved = current if all_permanent and current != url else None
                    return self._answer(response, current, moved, deadline)
            except httpx.TimeoutException as exc:
                raise TransientFetchError(
                    f"timed out ({type(exc).__name__}) fetching {hide_credentials(current)}") from None
            except httpx.InvalidURL as exc:
                raise PermanentFetchError(f"invalid URL {hide_credentials(current)!r}: {exc}") from None
            except httpx.UnsupportedProtocol as exc:
                raise PermanentFetchError(f"unsupported URL {hide_credentials(current)!r}: {exc}") from None
            except (httpx.TransportError, httpx.DecodingError) as exc:
                raise TransientFetchError(f"{type(exc).__name__}: {exc or 'connection failed'}") from None

    def _answer(self, response: httpx.Response, url: str, moved: str | None, deadline: float) -> Fetched:
        status = response.status_code
        if status == 304:
            return Fetched(304, url, moved_to=moved, cache_seconds=cache_seconds(response.headers))
        if status == 410:
            return Fetched(410, url, moved_to=moved)
        if status in RETRY_LATER or status >= 500:
            raise TransientFetchError(f"HTTP {status} {response.reason_phrase}".strip(), status=status,
                                      retry_after=retry_after(response.headers.get("retry-after")))
        if not 200 <= status < 300:
            raise PermanentFetchError(f"HTTP {status} {response.reason_phrase}".strip(), status=status)
        body = self._read_body(response, deadline)
        return Fetched(
            200, url, body=body, headers={k.lower(): v for k, v in response.headers.items()}, moved_to=moved,
            etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
            cache_seconds=cache_seconds(response.headers))

    def _read_body(self, response: httpx.Response, deadline: float) -> bytes:
        cap = self._limits.max_body_bytes
        declared = response.headers.get("content-length", "")
        if not response.headers.get("content-encoding") and declared.isdigit() and int(declared) > cap:
            raise PermanentFetchError(f"body of {int(declared):,} bytes is over the {cap:,}-byte cap",
                                      status=response.status_code)
        decoder = decoder_for(response.headers.get("content-encoding", ""))
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            if self._clock() > deadline:
                raise TransientFetchError(
                    f"body not complete after the {self._limits.deadline:g}-second deadline")
            try:
                out = decoder.decode(chunk, cap - size)
            except PermanentFetchError:
                raise PermanentFetchError(f"body over the {cap:,}-byte cap after decompression",
                                          status=response.status_code) from None
            size += len(out)
            parts.append(out)
        return b"".join(parts)


def _next_hop(current: str, location: str, seen: list[str], max_redirects: int) -> str:
    target = urljoin(current, location)
    if target in seen:
        raise PermanentFetchError("redirect loop: " + " -> ".join(
            hide_credentials(url) for url in [*seen[seen.index(target):], target]))
    if len(seen) > max_redirects:
        raise PermanentFetchError(f"more than {max_redirects} redirects, last to {hide_credentials(target)}")
    seen.append(target)
    return target


def retry_after(value: str | None) -> timedelta | datetime | None:
    """A Retry-After header: a delay (delta-seconds) or a moment (HTTP-date, aware); None when absent or
    unreadable. A moment is turned into a delay by the caller, against its own clock."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def cache_seconds(headers: httpx.Headers) -> float | None:
    """Cache-Control max-age (or s-maxage) in seconds; None when the server gave none."""
    for directive in headers.get("cache-control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() in ("max-age", "s-maxage") and value.strip().strip('"').isdigit():
            return float(value.strip().strip('"'))
    return None
