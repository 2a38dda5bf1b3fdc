"""Feeds: each feed's health (status, last and next poll, errors, items), failing feeds first; `/api/feeds`
gives what `feeds list --json` prints."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.reports import feed_json
from monitor.web.context import WebContext
from storage.feeds import FeedListing, list_feeds

ORDER = {"failing": 0, "overdue": 1, "retired": 2, "new": 3, "ok": 4, "removed": 5}


def routes(context: WebContext) -> list[BaseRoute]:
    """The feeds page and its API."""
    return [Route("/feeds", partial(feeds_page, context)),
            Route("/api/feeds", partial(feeds_api, context))]


def failing_first(rows: list[FeedListing]) -> list[FeedListing]:
    """Failing feeds first (most consecutive errors first), then overdue, retired, new, healthy and removed
    ones."""
    return sorted(rows, key=lambda row: (ORDER.get(row.status, len(ORDER)), -row.consecutive_errors, row.name))


def _feeds(context: WebContext) -> list[FeedListing]:
    """The feeds as `feeds list` reads them: a feed due and still unpolled after overdue_seconds is overdue."""
    return list_feeds(context.engine, context.clock() - timedelta(seconds=context.nodes.overdue_seconds))


async def feeds_page(context: WebContext, request: Request) -> Response:
    rows = failing_first(await run_in_threadpool(_feeds, context))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    ordered = sorted(counts.items(), key=lambda count: ORDER.get(count[0], len(ORDER)))
    return context.page(request, "feeds.html", rows=rows, counts=ordered)


async def feeds_api(context: WebContext, _request: Request) -> Response:
    return context.json([feed_json(row) for row in await run_in_threadpool(_feeds, context)])
