"""Feeds: each feed's health (status, last and next poll, errors, items), failing feeds first; `/api/feeds`
gives what `feeds list --json` prints."""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.reports import feed_json
from monitor.web.context import WebContext
from storage.feeds import FeedListing, list_feeds

ORDER = {"failing": 0, "retired": 1, "new": 2, "ok": 3, "removed": 4}


def routes(context: WebContext) -> list[BaseRoute]:
    """The feeds page and its API."""
    return [Route("/feeds", partial(feeds_page, context)),
            Route("/api/feeds", partial(feeds_api, context))]


def failing_first(rows: list[FeedListing]) -> list[FeedListing]:
    """Failing feeds first (most consecutive errors first), then retired, new, healthy and removed ones."""
    return sorted(rows, key=lambda row: (ORDER.get(row.status, 5), -row.consecutive_errors, row.name))


async def feeds_page(context: WebContext, request: Request) -> Response:
    rows = failing_first(await run_in_threadpool(list_feeds, context.engine))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    ordered = sorted(counts.items(), key=lambda count: ORDER.get(count[0], 5))
    return context.page(request, "feeds.html", rows=rows, counts=ordered)


async def feeds_api(context: WebContext, _request: Request) -> Response:
    return context.json([feed_json(row) for row in await run_in_threadpool(list_feeds, context.engine)])
