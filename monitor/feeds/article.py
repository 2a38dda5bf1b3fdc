"""An item's article page, read politely for its full text when the feed carries little more than a headline.

Polite and safe like the poller: the feeds' address policy and Fetcher (time and size caps), a User-Agent
naming a contact, robots.txt honoured (read with Protego, cached per host), at most `per_host` pages at
once from one host. The main text is extracted with trafilatura, which drops navigation, advertising,
comments and related-article boxes.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import trafilatura
from protego import Protego

from monitor import __version__
from monitor.config import ArticleSettings
from monitor.errors import FetchError, PermanentFetchError, TransientFetchError
from monitor.feeds.fetch import Fetcher
from monitor.feeds.urls import hide_credentials

ROBOTS_AGENT = "claimwatch"
PAYWALL_MAX_CHARS = 600
_PAYWALL = re.compile(r"(?i)\b(subscribers? only|already a subscriber|subscribe (now|to (read|continue))|"
                      r"(sign|log) in to (read|continue)|to continue reading)\b")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


class FullText(StrEnum):
    """When a feed's items get their article's text: always, only candidates for a claim, or never."""

    ALWAYS = "always"
    CANDIDATES = "candidates"
    NEVER = "never"


def wants_article(mode: FullText, *, text_chars: int, candidate: bool, min_chars: int) -> bool:
    """Whether an item's article page is worth reading (not yet read, with this much text of its own)."""
    if mode is FullText.NEVER:
        return False
    if mode is FullText.ALWAYS:
        return True
    return candidate and text_chars < min_chars


def user_agent(contact: str) -> str:
    """The User-Agent for article pages: the product, its purpose and the operator's contact."""
    return f"{ROBOTS_AGENT}/{__version__} (news claim monitor; article reader" + (
        f"; +{contact})" if contact else ")")


class RobotsRefusal(PermanentFetchError):
    """robots.txt asks claimwatch not to fetch this page."""


@dataclass(frozen=True)
class Article:
    """The main text of an article page, and where it was read."""

    url: str
    title: str | None
    text: str


class ArticleReader:
    """Reads article pages through `fetcher` (built with the article User-Agent and caps); thread-safe."""

    def __init__(self, fetcher: Fetcher, settings: ArticleSettings, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetcher = fetcher
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, tuple[float, Protego | None]] = {}

    def read(self, url: str) -> Article:
        """The page's main text; RobotsRefusal, FetchError, or PermanentFetchError when it holds no text."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        with self._slot(host):
            if not self._allowed(host, url):
                raise RobotsRefusal(f"robots.txt of {hide_credentials(host)} disallows {hide_credentials(url)}")
            fetched = self._fetcher.fetch(url)
        if fetched.status != 200:
            raise PermanentFetchError(f"HTTP {fetched.status} for {hide_credentials(url)}", status=fetched.status)
        html = fetched.body.decode(_charset(fetched.headers or {}), errors="replace")
        # No deduplicate=True: its cache is process-wide, so a second page with the same text (a syndicated
        # copy) would come back empty.
        text = trafilatura.extract(html, url=fetched.url, include_comments=False, include_tables=False,
                                   favor_precision=True)
        if not text or not text.strip():
            raise PermanentFetchError(f"no article text found at {hide_credentials(fetched.url)}")
        if len(text) < PAYWALL_MAX_CHARS and _PAYWALL.search(text):
            raise PermanentFetchError(f"only a subscription prompt at {hide_credentials(fetched.url)} (paywall)")
        metadata = trafilatura.extract_metadata(html)
        return Article(url=fetched.url, title=metadata.title if metadata else None, text=text.strip())

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = threading.BoundedSemaphore(self._settings.per_host)
            return self._hosts[host]

    def _allowed(self, host: str, url: str) -> bool:
        """What the host's robots.txt says; none (404, 410) allows all; one that cannot be read refuses."""
        now = self._clock()
        with self._lock:
            cached = self._robots.get(host)
        if cached is None or now - cached[0] > self._settings.robots_cache_seconds:
            cached = (now, self._read_robots(host))
            with self._lock:
                self._robots[host] = cached
        rules = cached[1]
        if rules is None:
            return False
        return bool(rules.can_fetch(url, ROBOTS_AGENT))

    def _read_robots(self, host: str) -> Protego | None:
        try:
            fetched = self._fetcher.fetch(f"{host}/robots.txt")
        except TransientFetchError:
            return None  # RFC 9309: a robots.txt that cannot be reached means "fetch nothing" for now
        except FetchError:
            return Protego.parse("")
        if fetched.status != 200:
            return Protego.parse("")
        return Protego.parse(fetched.body.decode("utf-8", errors="replace"))


def _charset(headers: dict[str, str]) -> str:
    for part in headers.get("content-type", "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value.strip('"'):
            try:
                "".encode(value.strip('"'))
            except LookupError:
                break
            return value.strip('"')
    return "utf-8"
