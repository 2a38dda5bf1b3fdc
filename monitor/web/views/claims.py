"""Claims: the list (status, picture, evidence counts, newest evidence; filter by status and tag, search) and
each claim's page (statement, timeline chart, evidence paged newest first with folded copies, alerts sent),
with `/api/claims` and `/api/claims/ID` giving what `claims list --json` and `claims show --json` print.

Evidence corrections (dismiss, correct) will be POST forms in templates/evidence_actions.html, which each
evidence row includes, handled by a view module of their own listed in views/__init__.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.reports import Report, actor_names, claim_report, claim_row
from monitor.rulebook.loader import RuleBook
from monitor.rulebook.schema import ClaimSpec
from monitor.web.context import WebContext
from monitor.web.timeline import timeline_svg
from storage.alert_views import list_alerts
from storage.claim_views import (
    all_positions,
    chart_marks,
    claim_state,
    evidence_count,
    evidence_details,
    last_evidence,
    story_items,
)
from storage.claims import claim_positions, claim_summaries, claim_timeline

PAGE_SIZE = 50
API_LIMIT = 100
STATUSES = ("active", "paused", "retired")


def routes(context: WebContext) -> list[BaseRoute]:
    """The claim pages and their API."""
    return [Route("/claims", partial(claims_page, context)),
            Route("/claims/{claim_id}", partial(claim_page, context)),
            Route("/claims/{claim_id}/timeline.svg", partial(timeline_file, context)),
            Route("/api/claims", partial(claims_api, context)),
            Route("/api/claims/{claim_id}", partial(claim_api, context))]


def claim_rows(context: WebContext, book: RuleBook) -> list[Report]:
    """Every claim of the rules as `claims list --json` reports it."""
    engine = context.engine
    summaries, pictures, newest = claim_summaries(engine), all_positions(engine), last_evidence(engine)
    names = actor_names(book)
    return [claim_row(claim, summaries.get(claim.id), pictures.get(claim.id, []), newest.get(claim.id), names)
            for claim in book.claims]


def select_claims(rows: Sequence[Report], *, status: str = "", tag: str = "", query: str = "") -> list[Report]:
    """The rows with this status and tag whose id, statement or tags contain every word of the query."""
    words = query.casefold().split()
    chosen = []
    for row in rows:
        if (status and row["status"] != status) or (tag and tag not in row["tags"]):
            continue
        text = " ".join([row["id"], row["statement"], *row["tags"]]).casefold()
        if all(word in text for word in words):
            chosen.append(row)
    return chosen


async def claims_page(context: WebContext, request: Request) -> Response:
    book = context.book()
    if book is None:
        return _no_rules(context, request)
    status, tag, query = (request.query_params.get(k, "").strip() for k in ("status", "tag", "q"))
    rows = await run_in_threadpool(claim_rows, context, book)
    shown = select_claims(rows, status=status, tag=tag, query=query)
    shown.sort(key=lambda row: row["last_seen_at"] or "", reverse=True)
    tags = sorted({t for claim in book.claims for t in claim.tags})
    return context.page(request, "claims.html", rows=shown, total=len(rows), statuses=STATUSES, tags=tags,
                        chosen_status=status, tag=tag, query=query)


async def claims_api(context: WebContext, request: Request) -> Response:
    book = context.book()
    if book is None:
        return context.json({"error": "the rules folder has never loaded; see /api/rules"}, 503)
    rows = await run_in_threadpool(claim_rows, context, book)
    params = request.query_params
    return context.json(select_claims(rows, status=params.get("status", ""), tag=params.get("tag", ""),
                                      query=params.get("q", "")))


async def claim_api(context: WebContext, request: Request) -> Response:
    claim, book = _claim(context, request)
    if claim is None or book is None:
        return context.json({"error": f"no claim {request.path_params['claim_id']!r}"}, 404)
    limit = _int(request.query_params.get("limit"), API_LIMIT)

    def read() -> Report:
        engine = context.engine
        return claim_report(claim, claim_positions(engine, claim.id), claim_timeline(engine, claim.id, limit=limit),
                            claim_timeline(engine, claim.id, limit=limit, decision="needs_review"),
                            actor_names(book))

    return context.json(await run_in_threadpool(read))


async def claim_page(context: WebContext, request: Request) -> Response:
    claim, book = _claim(context, request)
    if claim is None or book is None:
        return context.page(request, "message.html", status=404, heading="No such claim",
                            message=f"There is no claim {request.path_params['claim_id']!r} in the rules.")
    before = _int(request.query_params.get("before"), 0) or None
    values = await run_in_threadpool(_claim_values, context, claim, actor_names(book), before)
    return context.page(request, "claim.html", claim=claim, **values)


async def timeline_file(context: WebContext, request: Request) -> Response:
    claim, book = _claim(context, request)
    if claim is None or book is None:
        return Response("no such claim\n", status_code=404, media_type="text/plain")
    engine = context.engine

    def draw() -> str:
        state = claim_state(engine, claim.id)
        return str(timeline_svg(
            chart_marks(engine, claim.id), claim_positions(engine, claim.id), actor_names(book),
            href=lambda evidence_id: f"/claims/{claim.id}?before={evidence_id + 1}#evidence-{evidence_id}",
            first_corroboration_at=state.first_corroboration_at if state else None,
            first_denial_at=state.first_denial_at if state else None, title=claim.statement))

    return Response(await run_in_threadpool(draw), media_type="image/svg+xml")


def _claim_values(context: WebContext, claim: ClaimSpec, names: dict[str, str], before: int | None) -> dict[str, Any]:
    engine = context.engine
    positions = claim_positions(engine, claim.id)
    page = list(reversed(claim_timeline(engine, claim.id, limit=PAGE_SIZE, before=before)))
    on_page = {entry.id for entry in page}
    state = claim_state(engine, claim.id)

    def href(evidence_id: int) -> str:
        if evidence_id in on_page:
            return f"#evidence-{evidence_id}"
        return f"/claims/{claim.id}?before={evidence_id + 1}#evidence-{evidence_id}"

    chart = timeline_svg(chart_marks(engine, claim.id), positions, names, href=href,
                         first_corroboration_at=state.first_corroboration_at if state else None,
                         first_denial_at=state.first_denial_at if state else None, title=claim.statement)
    return {"names": names, "positions": positions, "chart": chart, "evidence": page,
            "details": evidence_details(engine, [entry.id for entry in page]),
            "copies": story_items(engine, sorted({entry.story_id for entry in page if entry.story_copies > 1})),
            "review": claim_timeline(engine, claim.id, limit=PAGE_SIZE, decision="needs_review"),
            "alerts": list_alerts(engine, claim_id=claim.id, limit=PAGE_SIZE),
            "total": evidence_count(engine, claim.id),
            "state": state, "before": before,
            "older": page[-1].id if len(page) == PAGE_SIZE else None}


def _claim(context: WebContext, request: Request) -> tuple[ClaimSpec | None, RuleBook | None]:
    book = context.book()
    return (book.claim(request.path_params["claim_id"]) if book else None), book


def _no_rules(context: WebContext, request: Request) -> Response:
    return context.page(request, "message.html", status=503, heading="No rules loaded",
                        message="The rules folder has not loaded yet; the Rules page shows what is wrong.")


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value else default
    except ValueError:
        return default
