"""The article stage of a feed refresh: for the items just stored, read the article page of those that
want it (the feed's `full_text` mode, a claim candidate with little text of its own), store its text as
the item's new revision, and let the ledger match that revision. A page is read once per process; an
item whose text came from its article is long enough not to want it again.

The stage runs only when the operator has given `articles.contact`: a reader of publishers' pages says
who is reading.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine
from structlog.typing import FilteringBoundLogger

from monitor.config import ArticleSettings
from monitor.errors import FetchError
from monitor.feeds.article import ArticleReader, FullText, wants_article
from monitor.feeds.urls import hide_credentials
from monitor.rulebook.reload import ActiveRules
from storage.items import store_article_text
from storage.ledger import PendingItem, pending_items

REMEMBERED_PAGES = 10_000


class ArticleStage:
    """Reads article pages for stored items; thread-safe as far as its reader is (one stage per daemon)."""

    def __init__(self, engine: Engine, reader: ArticleReader, settings: ArticleSettings, *,
                 rules: Callable[[], ActiveRules | None], clock: Callable[[], datetime],
                 log: FilteringBoundLogger) -> None:
        self._engine = engine
        self._reader = reader
        self._settings = settings
        self._rules = rules
        self._clock = clock
        self._log = log
        self._pages: OrderedDict[str, str | None] = OrderedDict()
        self._lock = threading.Lock()

    def enrich(self, feed: str, item_ids: Sequence[int]) -> int:
        """Read the articles the items want; returns how many items got their article's text."""
        rules = self._rules()
        spec = next((f for f in rules.book.feeds if f.name == feed), None) if rules else None
        mode = FullText(spec.full_text) if spec else FullText.NEVER
        if rules is None or mode is FullText.NEVER or not item_ids:
            return 0
        read = 0
        for item in pending_items(self._engine, ids=item_ids, limit=len(item_ids)):
            if item.url and self._wants(rules, mode, item):
                read += self._read(item)
        return read

    def _wants(self, rules: ActiveRules, mode: FullText, item: PendingItem) -> bool:
        short = len(item.text) < self._settings.min_text_chars
        candidate = mode is FullText.CANDIDATES and short and bool(rules.matcher.match(item.title, item.text))
        return wants_article(mode, text_chars=len(item.text), candidate=candidate,
                             min_chars=self._settings.min_text_chars)

    def _read(self, item: PendingItem) -> int:
        assert item.url is not None
        with self._lock:
            known, text = item.url in self._pages, self._pages.get(item.url)
        if not known:
            try:
                text = self._reader.read(item.url).text
                self._remember(item.url, text)
            except FetchError as exc:
                self._log.info("article.skipped", item_id=item.id, feed=item.feed, url=hide_credentials(item.url),
                               error=str(exc), retry="when the feed changes the item" if exc.retryable else "no")
                if not exc.retryable:
                    self._remember(item.url, None)
        if text is None or len(text) <= len(item.text):
            return 0
        stored = store_article_text(self._engine, item.id, item.revision, text, self._clock())
        if stored:
            self._log.info("article.read", item_id=item.id, feed=item.feed, chars=len(text))
        return int(stored)

    def _remember(self, url: str, text: str | None) -> None:
        with self._lock:
            self._pages[url] = text
            while len(self._pages) > REMEMBERED_PAGES:
                self._pages.popitem(last=False)
