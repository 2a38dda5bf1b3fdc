"""Corrections of a claim's evidence from its page: dismiss a piece of evidence, or restate its stance and/or
speaker, each with a reason. Both forms call `apply_correction`, as `claimwatch evidence dismiss/correct` does:
the correction is stored and the claim's picture rebuilt in one transaction, and the page, its picture and its
chart (keyed by the newest correction id) show the corrected state on the next view. A correction that cannot
apply (an unknown actor, a stance not allowed, evidence already dismissed, no reason) comes back on the claim's
page with its message, and nothing is stored. A correction is recorded as made by the basic-auth user when
there is one, else by "web view". The JSON API stays read-only, as it is for silences.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.alerts.corrections import CorrectionRequest, apply_correction
from monitor.errors import CorrectionError
from monitor.web.context import WebContext
from monitor.web.views.claims import Problem, claim_page
from storage.corrections import CorrectionAction

WEB_ANALYST = "web view"


def routes(context: WebContext) -> list[BaseRoute]:
    """The two forms of each evidence row."""
    return [Route("/claims/{claim_id}/evidence/{evidence_id:int}/" + action,
                  partial(correct, context, CorrectionAction(action)), methods=["POST"])
            for action in CorrectionAction]


def correction_request(action: CorrectionAction, claim_id: str, evidence_id: int, form: Mapping[str, str],
                       by: str) -> CorrectionRequest:
    """The request a form asks for; empty fields mean "keep it as it is"."""
    if action == CorrectionAction.dismiss:
        return CorrectionRequest(evidence_id, action, form.get("reason", ""), by, claim_id=claim_id)
    return CorrectionRequest(evidence_id, action, form.get("reason", ""), by,
                             stance=form.get("stance", "").strip() or None,
                             speaker=form.get("speaker", "").strip() or None, claim_id=claim_id)


def back_to(claim_id: str, evidence_id: int, before: int | None) -> str:
    """The claim's page the form was on, scrolled to the evidence."""
    page = f"?before={before}" if before else ""
    return f"/claims/{claim_id}{page}#evidence-{evidence_id}"


async def correct(context: WebContext, action: CorrectionAction, request: Request) -> Response:
    form = await context.form(request)
    if form is None:
        return context.refused(request)
    book = context.book()
    claim_id, evidence_id = request.path_params["claim_id"], request.path_params["evidence_id"]
    if book is None or book.claim(claim_id) is None:
        return await claim_page(context, request)  # its "no such claim" answer
    before = _positive(form.get("before"))
    by = context.credentials.username if context.credentials.password and context.credentials.username \
        else WEB_ANALYST
    wanted = correction_request(action, claim_id, evidence_id, form, by)
    try:
        await run_in_threadpool(apply_correction, context.engine, book, wanted, context.clock())
    except CorrectionError as exc:
        problem = Problem(evidence_id, action, _sentence(str(exc)), form)
        return await claim_page(context, request, before=before, problem=problem)
    return context.back(back_to(claim_id, evidence_id, before), f"/claims/{claim_id}")


def _positive(value: str | None) -> int | None:
    try:
        return int(value) if value and int(value) > 0 else None
    except ValueError:
        return None


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
