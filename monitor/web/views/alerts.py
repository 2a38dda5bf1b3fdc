"""Alerts: the outbox with each channel's delivery, failed (dead) deliveries on their own, and a retry button
that queues an alert's dead deliveries again; `/api/alerts` gives what `alerts list --json` prints."""

from __future__ import annotations

from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.reports import alert_json
from monitor.web.context import WebContext
from storage.alert_views import list_alerts
from storage.outbox import retry_alert

LIMIT = 100


def routes(context: WebContext) -> list[BaseRoute]:
    """The alerts page, the retry form and the API."""
    return [Route("/alerts", partial(alerts_page, context)),
            Route("/alerts/{alert_id}/retry", partial(retry, context), methods=["POST"]),
            Route("/api/alerts", partial(alerts_api, context))]


def _flag(value: str | None) -> bool:
    return value in ("1", "true", "yes", "on")


async def alerts_page(context: WebContext, request: Request) -> Response:
    failed = _flag(request.query_params.get("failed"))
    claim = request.query_params.get("claim") or None
    rows = await run_in_threadpool(lambda: list_alerts(context.engine, failed=failed, claim_id=claim, limit=LIMIT))
    retried = request.query_params.get("retried")
    return context.page(request, "alerts.html", rows=rows, failed=failed, claim=claim, retried=retried,
                        requeued=request.query_params.get("n"), names=context.names())


async def alerts_api(context: WebContext, request: Request) -> Response:
    params = request.query_params
    limit = int(params["limit"]) if params.get("limit", "").isdigit() else 50
    rows = await run_in_threadpool(lambda: list_alerts(context.engine, failed=_flag(params.get("failed")),
                                                       claim_id=params.get("claim") or None, limit=max(1, limit)))
    return context.json([alert_json(row) for row in rows])


async def retry(context: WebContext, request: Request) -> Response:
    form = await context.form(request)
    if form is None:
        return context.refused(request)
    alert_id = request.path_params["alert_id"]
    requeued = await run_in_threadpool(retry_alert, context.engine, alert_id, context.clock())
    if requeued is None:
        return context.page(request, "message.html", status=404, heading="No such alert",
                            message=f"There is no alert {alert_id!r}.")
    return context.back(f"/alerts?retried={alert_id}&n={requeued}", "/alerts")
