"""Rules: the state of the rules folder (as the web view reads it now, with a rejected edit's FILE:LINE:COL
problems) and each running daemon's last reload; `/api/rules`, and `/api/status` as `status --json`."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.reports import daemon_json, iso, status_report
from monitor.web.context import WebContext
from storage.backfills import list_backfills
from storage.health import read_health
from storage.nodes import list_nodes
from storage.rules_state import rules_statuses


def routes(context: WebContext) -> list[BaseRoute]:
    """The rules page and the rules and status API."""
    return [Route("/rules", partial(rules_page, context)),
            Route("/api/rules", partial(rules_api, context)),
            Route("/api/status", partial(status_api, context))]


async def rules_page(context: WebContext, request: Request) -> Response:
    folder = await run_in_threadpool(context.rules.state)
    daemons = await run_in_threadpool(rules_statuses, context.engine)
    return context.page(request, "rules.html", folder=folder, daemons=daemons)


async def rules_api(context: WebContext, _request: Request) -> Response:
    folder = await run_in_threadpool(context.rules.state)
    daemons = await run_in_threadpool(rules_statuses, context.engine)
    book = folder.book
    return context.json({
        "folder": {"ok": not folder.problems, "checked_at": iso(folder.checked_at),
                   "loaded_at": iso(folder.loaded_at), "fingerprint": book.fingerprint if book else None,
                   "claims": len(book.claims) if book else 0, "problems": [str(p) for p in folder.problems]},
        "daemons": [daemon_json(d) for d in daemons]})


async def status_api(context: WebContext, _request: Request) -> Response:
    def read() -> dict[str, object]:
        now = context.clock()
        overdue_before = now - timedelta(seconds=context.nodes.overdue_seconds)
        return status_report(read_health(context.engine, now, overdue_before), rules_statuses(context.engine),
                             list_nodes(context.engine), now, context.nodes,
                             backfills=list_backfills(context.engine, unfinished_only=True))

    return context.json(await run_in_threadpool(read))
