"""Claims: the list (status, picture, evidence counts, newest evidence; filter by status and tag, search; the most
recently evidenced first, LIST_PAGE a page) and each claim's page (statement, timeline chart, evidence paged
newest first with folded copies, alerts sent), with `/api/claims` and `/api/claims/ID` giving what
`claims list --json` and `claims show --json` print (each piece of evidence with its latest correction). The
list and each chart are kept (Memo) under a key of the ledger's or the claim's evidence count, newest evidence
id and newest correction id: a write that changes positions without adding evidence or a correction must
change that key too.

Evidence corrections (dismiss, correct) are POST forms in templates/evidence_actions.html, which each evidence
row includes, handled by views/evidence.py; a correction that cannot apply comes back on this page
(`claim_page` with a `Problem`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.alerts.corrections import STANCES
from monitor.reports import Report, actor_names, claim_report, claim_row
from monitor.rulebook.loader import RuleBook
from monitor.rulebook.schema import ClaimSpec
from monitor.web.charts import Memo, draw_chart
from monitor.web.context import WebContext
from storage.alert_views import list_alerts
from storage.claim_views import (
    all_positions,
    claim_state,
    corrections_of,
    evidence_details,
    evidence_version,
    last_evidence,
    ledger_version,
    story_items,
)
from storage.claims import claim_positions, claim_summaries, claim_timeline
from storage.ledger import PositionRow

PAGE_SIZE = 50
LIST_PAGE = 100
API_LIMIT = 100
STATUSES = ("active", "paused", "retired")


def routes(context: WebContext) -> list[BaseRoute]:
    """The claim pages and their API."""
    lists: Memo[list[Report]] = Memo(4)
    return [Route("/claims", partial(claims_page, context, lists)),
            Route("/claims/{claim_id}", partial(claim_page, context)),
            Route("/claims/{claim_id}/timeline.svg", partial(timeline_file, context)),
            Route("/api/claims", partial(claims_api, context, lists)),
            Route("/api/claims/{claim_id}", partial(claim_api, context))]


def claim_rows(context: WebContext, lists: Memo[list[Report]], book: RuleBook) -> list[Report]:
    """Every claim of the rules as `claims list --json` reports it (read again when the ledger or the rules
    changed)."""
    engine = context.engine

    def read() -> list[Report]:
        summaries, pictures, newest = claim_summaries(engine), all_positions(engine), last_evidence(engine)
        names = actor_names(book)
        return [claim_row(claim, summaries.get(claim.id), pictures.get(claim.id, []), newest.get(claim.id), names)
                for claim in book.claims]

    return lists.get((ledger_version(engine), book.fingerprint), read)


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


async def claims_page(context: WebContext, lists: Memo[list[Report]], request: Request) -> Response:
    book = context.book()
    if book is None:
        return _no_rules(context, request)
    status, tag, query = (request.query_params.get(k, "").strip() for k in ("status", "tag", "q"))
    rows = await run_in_threadpool(claim_rows, context, lists, book)
    chosen = select_claims(rows, status=status, tag=tag, query=query)
    chosen.sort(key=lambda row: row["last_seen_at"] or "", reverse=True)
    pages = max(1, -(-len(chosen) // LIST_PAGE))
    page = min(max(1, _int(request.query_params.get("page"), 1)), pages)
    tags = sorted({t for claim in book.claims for t in claim.tags})
    return context.page(request, "claims.html", rows=chosen[(page - 1) * LIST_PAGE:page * LIST_PAGE],
                        matching=len(chosen), total=len(rows), page=page, pages=pages, statuses=STATUSES, tags=tags,
                        chosen_status=status, tag=tag, query=query)


async def claims_api(context: WebContext, lists: Memo[list[Report]], request: Request) -> Response:
    book = context.book()
    if book is None:
        return context.json({"error": "the rules folder has never loaded; see /api/rules"}, 503)
    rows = await run_in_threadpool(claim_rows, context, lists, book)
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
        timeline = claim_timeline(engine, claim.id, limit=limit)
        review = claim_timeline(engine, claim.id, limit=limit, decision="needs_review")
        return claim_report(claim, claim_positions(engine, claim.id), timeline, review, actor_names(book),
                            corrections=corrections_of(engine, [entry.id for entry in (*timeline, *review)]))

    return context.json(await run_in_threadpool(read))


@dataclass(frozen=True)
class Problem:
    """A correction of one piece of evidence that could not apply: what was wrong, and the form as sent."""

    evidence_id: int
    action: str
    message: str
    form: Mapping[str, str]


async def claim_page(context: WebContext, request: Request, *, before: int | None = None,
                     problem: Problem | None = None) -> Response:
    """The claim's page (from the evidence older than `before`); with a `problem`, answered 400 and showing
    it beside its evidence."""
    claim, book = _claim(context, request)
    if claim is None or book is None:
        return context.page(request, "message.html", status=404, heading="No such claim",
                            message=f"There is no claim {request.path_params['claim_id']!r} in the rules.")
    before = before or _int(request.query_params.get("before"), 0) or None
    values = await run_in_threadpool(_claim_values, context, claim, book, before)
    return context.page(request, "claim.html", status=400 if problem else 200, claim=claim, problem=problem,
                        actors=book.actors, stances=STANCES, **values)


async def timeline_file(context: WebContext, request: Request) -> Response:
    claim, book = _claim(context, request)
    if claim is None or book is None:
        return Response("no such claim\n", status_code=404, media_type="text/plain")

    def draw() -> str:
        engine = context.engine
        return str(_chart(engine, context.charts, claim, book, version=evidence_version(engine, claim.id),
                          positions=claim_positions(engine, claim.id)))

    return Response(await run_in_threadpool(draw), media_type="image/svg+xml")


def _chart(engine: Engine, charts: Memo[Markup], claim: ClaimSpec, book: RuleBook, *,
           version: tuple[int, int | None, int | None], positions: list[PositionRow]) -> Markup:
    return charts.get((claim.id, version, book.fingerprint),
                      lambda: draw_chart(engine, claim, positions, actor_names(book)))


def _claim_values(context: WebContext, claim: ClaimSpec, book: RuleBook, before: int | None) -> dict[str, Any]:
    engine = context.engine
    names = actor_names(book)
    positions = claim_positions(engine, claim.id)
    page = list(reversed(claim_timeline(engine, claim.id, limit=PAGE_SIZE, before=before)))
    version = evidence_version(engine, claim.id)
    return {"names": names, "positions": positions, "evidence": page,
            "chart": _chart(engine, context.charts, claim, book, version=version, positions=positions),
            "details": evidence_details(engine, [entry.id for entry in page]),
            "copies": story_items(engine, sorted({entry.story_id for entry in page if entry.story_copies > 1})),
            "review": claim_timeline(engine, claim.id, limit=PAGE_SIZE, decision="needs_review"),
            "alerts": list_alerts(engine, claim_id=claim.id, limit=PAGE_SIZE), "total": version[0],
            "state": claim_state(engine, claim.id), "before": before,
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
