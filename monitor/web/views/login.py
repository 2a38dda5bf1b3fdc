"""The login page, when a token is configured: the token typed once sets an HttpOnly session cookie derived
from it (the token itself is never stored in the browser nor shown)."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.web.context import WebContext
from monitor.web.security import SESSION_COOKIE, local_path


def routes(context: WebContext) -> list[BaseRoute]:
    """The login form and its POST."""
    return [Route("/login", partial(login_page, context)),
            Route("/login", partial(login, context), methods=["POST"])]


async def login_page(context: WebContext, request: Request, *, failed: bool = False) -> Response:
    return context.page(request, "login.html", status=401 if failed else 200, failed=failed,
                        next=local_path(request.query_params.get("next"), "/claims"),
                        enabled=context.credentials.token is not None)


async def login(context: WebContext, request: Request) -> Response:
    form = await context.form(request)
    if form is None:
        return context.refused(request)
    if not context.credentials.token_matches(form.get("token", "")):
        return await login_page(context, request, failed=True)
    response = context.back(form.get("next"), "/claims")
    response.set_cookie(SESSION_COOKIE, context.credentials.session_value(), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response
