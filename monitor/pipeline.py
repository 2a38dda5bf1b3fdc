"""One feed refresh, top to bottom. The order of the stages is written here and nowhere else:

    fetch (conditional GET) -> parse (in a parser process, time-limited) -> store items and the feed's
    next poll in one transaction -> log -> articles: the new and changed items that want it get their
    article's text as a new revision -> record: match them against the rules in force into the claim
    ledger, with their alerts in the outbox (one transaction per item)

Stored items wait in the database until the ledger has recorded them, so a process killed between the
two stages loses nothing: the daemon's backlog pass records them later.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from structlog.typing import FilteringBoundLogger

from monitor.alerts.ledger import Recorder
from monitor.articles import ArticleStage
from monitor.errors import FetchError, ParseError, TransientFetchError
from monitor.feeds import schedule
from monitor.feeds.fetch import Fetched, Fetcher
from monitor.feeds.parser_pool import ParserPool
from monitor.feeds.urls import hide_credentials
from storage.feeds import LeasedFeed, PollResult, PollStatus
from storage.items import ItemRecord, StoreOutcome, store_poll
from storage.poll_batch import PollBatch


@dataclass(frozen=True)
class Ingest:
    """The collaborators one refresh needs, built once by the daemon and shared by its workers."""

    engine: Engine
    fetcher: Fetcher
    parsers: ParserPool
    cadence: schedule.Cadence
    clock: Callable[[], datetime]
    rng: random.Random
    log: FilteringBoundLogger
    ledger: Recorder | None = None
    batch: PollBatch | None = None
    articles: ArticleStage | None = None


def refresh_feed(ingest: Ingest, feed: LeasedFeed) -> StoreOutcome:
    """Fetch, parse and store one leased feed; every failure ends up recorded on the feed, never raised."""
    started = time.perf_counter()
    items: list[ItemRecord] = []
    fetched: Fetched | None = None
    try:
        fetched = ingest.fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if fetched.status == 200:
            parsed = ingest.parsers.parse(fetched.body, fetched.headers or {}, fetched.url)
            items = parsed.items
            hint = max(filter(None, (parsed.ttl_seconds, fetched.cache_seconds)), default=None)
            result = _success(ingest, feed, fetched, PollStatus.ok, hint)
        elif fetched.status == 304:
            result = _success(ingest, feed, fetched, PollStatus.not_modified, fetched.cache_seconds)
        else:
            result = PollResult(status=PollStatus.gone, next_poll_at=ingest.clock(), http_status=410,
                                error="HTTP 410 Gone: the feed is retired", retired=True,
                                url=fetched.moved_to)
    except (FetchError, ParseError) as exc:
        result = _failure(ingest, feed, exc, fetched)
    if result.status == PollStatus.not_modified and ingest.batch is not None:
        ingest.batch.add(feed, result, ingest.clock())
        outcome = StoreOutcome([], [], 0)
    else:
        outcome = store_poll(ingest.engine, feed, result, items, ingest.clock())
    _log(ingest.log, feed, result, outcome, time.perf_counter() - started)
    _read_articles(ingest, feed, outcome)
    _record(ingest, feed, outcome)
    return outcome


def _read_articles(ingest: Ingest, feed: LeasedFeed, outcome: StoreOutcome) -> None:
    """Give the stored items that want it their article's text; a database failure leaves them as they are."""
    if ingest.articles is None or not outcome.keys:
        return
    try:
        ingest.articles.enrich(feed.name, list(outcome.keys))
    except SQLAlchemyError as exc:
        error = str(getattr(exc, "orig", None) or type(exc).__name__)
        ingest.log.warning("article.failed", feed_id=feed.id, error=error, retry="when the feed changes the items")


def _record(ingest: Ingest, feed: LeasedFeed, outcome: StoreOutcome) -> None:
    """Record the items this poll stored or changed into the ledger; a failure leaves them waiting."""
    if ingest.ledger is None or not outcome.keys:
        return
    try:
        ingest.ledger.record(outcome.keys)
    except SQLAlchemyError as exc:
        error = str(getattr(exc, "orig", None) or type(exc).__name__)
        ingest.log.warning("ledger.failed", feed_id=feed.id, error=error, retry="the backlog pass records them")


def _success(ingest: Ingest, feed: LeasedFeed, fetched: Fetched, status: PollStatus,
             hint: float | None) -> PollResult:
    now = ingest.clock()
    return PollResult(status=status, success=True, http_status=fetched.status, url=fetched.moved_to,
                      etag=fetched.etag if status == PollStatus.ok else None,
                      last_modified=fetched.last_modified if status == PollStatus.ok else None,
                      next_poll_at=schedule.after_success(now, ingest.cadence, feed.interval_seconds, hint))


def _failure(ingest: Ingest, feed: LeasedFeed, exc: FetchError | ParseError,
             fetched: Fetched | None) -> PollResult:
    retry_after = exc.retry_after if isinstance(exc, TransientFetchError) else None
    if isinstance(retry_after, datetime):
        retry_after = max(retry_after - ingest.clock(), timedelta(0))
    status = exc.status if isinstance(exc, FetchError) else (fetched.status if fetched else None)
    next_poll = schedule.after_failure(ingest.clock(), ingest.cadence, feed.consecutive_errors + 1,
                                       ingest.rng, retry_after)
    return PollResult(status=PollStatus.error, http_status=status, error=str(exc), next_poll_at=next_poll,
                      url=fetched.moved_to if fetched else None)


def _log(log: FilteringBoundLogger, feed: LeasedFeed, result: PollResult, outcome: StoreOutcome,
         seconds: float) -> None:
    fields = {"feed_id": feed.id, "feed": feed.name, "status": result.status,
              "http_status": result.http_status, "duration_ms": round(seconds * 1000, 1),
              "next_poll_at": result.next_poll_at.isoformat()}
    if outcome.lease_lost:
        log.warning("feed.lease_lost", **fields)
    elif result.status == PollStatus.error:
        log.warning("feed.failed", error=result.error, consecutive_errors=feed.consecutive_errors + 1, **fields)
    elif result.status == PollStatus.gone:
        log.warning("feed.retired", **fields)
    else:
        log.info("feed.polled", new=len(outcome.new_ids), updated=len(outcome.updated_ids),
                 moved_to=hide_credentials(result.url) if result.url else None, **fields)
