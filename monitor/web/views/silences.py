"""Silences: those in force (or all), a form to add one (claim, speaker or holder, duration, reason) and a
button to remove one; `/api/silences` gives what `silence list --json` prints."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.reports import silence_json
from monitor.rulebook.durations import parse_duration
from monitor.rulebook.loader import RuleBook
from monitor.web.context import WebContext
from storage.silences import add_silence, list_silences, remove_silence


def routes(context: WebContext) -> list[BaseRoute]:
    """The silences page, its two forms and the API."""
    return [Route("/silences", partial(silences_page, context)),
            Route("/silences", partial(add, context), methods=["POST"]),
            Route("/silences/{silence_id:int}/remove", partial(remove, context), methods=["POST"]),
            Route("/api/silences", partial(silences_api, context))]


def problems(book: RuleBook | None, form: Mapping[str, str]) -> list[str]:
    """What is wrong with a new silence's fields, in the analysts' words; empty when it can be added."""
    found = []
    if book is None or book.claim(form.get("claim", "")) is None:
        found.append("Choose a claim from the rules.")
    speaker = form.get("speaker", "")
    if speaker and (book is None or speaker not in {actor.id for actor in book.actors}):
        found.append(f"There is no actor {speaker!r} in actors.yaml.")
    try:
        parse_duration(form.get("duration", "").strip())
    except ValueError as exc:
        found.append(f"Duration: {exc}")
    if not form.get("reason", "").strip():
        found.append("Say why, for whoever reads the list later.")
    return found


async def silences_page(context: WebContext, request: Request, *, status: int = 200,
                        errors: list[str] | None = None, form: Mapping[str, str] | None = None) -> Response:
    include_ended = request.query_params.get("all") in ("1", "true")
    rows = await run_in_threadpool(lambda: list_silences(context.engine, context.clock(),
                                                         include_ended=include_ended))
    book = context.book()
    return context.page(request, "silences.html", status=status, rows=rows, include_ended=include_ended,
                        claims=book.claims if book else (), actors=book.actors if book else (),
                        names=context.names(), errors=errors or [],
                        form=form or {"claim": request.query_params.get("claim", ""), "duration": "6h"})


async def silences_api(context: WebContext, request: Request) -> Response:
    include_ended = request.query_params.get("all") in ("1", "true")
    rows = await run_in_threadpool(lambda: list_silences(context.engine, context.clock(),
                                                         include_ended=include_ended))
    return context.json([silence_json(row) for row in rows])


async def add(context: WebContext, request: Request) -> Response:
    form = await context.form(request)
    if form is None:
        return context.refused(request)
    found = problems(context.book(), form)
    if found:
        return await silences_page(context, request, status=400, errors=found, form=form)
    now = context.clock()
    ends = now + timedelta(seconds=float(parse_duration(form["duration"].strip())))
    await run_in_threadpool(lambda: add_silence(context.engine, claim_id=form["claim"],
                                                speaker=form.get("speaker") or None,
                                                reason=form["reason"].strip(), now=now, ends_at=ends))
    return context.back("/silences", "/silences")


async def remove(context: WebContext, request: Request) -> Response:
    form = await context.form(request)
    if form is None:
        return context.refused(request)
    await run_in_threadpool(remove_silence, context.engine, request.path_params["silence_id"], context.clock())
    return context.back("/silences", "/silences")
