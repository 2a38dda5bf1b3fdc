"""The ASGI app: the pages and the JSON API of each view module, the static stylesheet, and the defences of
security.py around them. Built from explicit collaborators (config, engine, clock); nothing global."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.config import Config
from monitor.web import views
from monitor.web.context import WebContext
from monitor.web.render import make_environment
from monitor.web.rules_folder import RulesFolder
from monitor.web.security import Credentials, Csrf, CsrfCookie, RequireAuth, SecurityHeaders

STATIC = Path(__file__).parent / "static"


def build_app(config: Config, engine: Engine, *, clock: Callable[[], datetime] | None = None) -> Starlette:
    """The web view on `engine`, reading the rules from `config.rules_dir`."""
    now = clock or (lambda: datetime.now(UTC))
    credentials = Credentials.from_settings(config.web)
    context = WebContext(engine=engine, rules=RulesFolder(config.rules_dir, now), csrf=Csrf(),
                         templates=make_environment(), clock=now, credentials=credentials, nodes=config.nodes)
    routes: list[BaseRoute] = [Route("/", _home), Mount("/static", StaticFiles(directory=STATIC), name="static")]
    for module in views.MODULES:
        routes += module.routes(context)
    middleware = [Middleware(SecurityHeaders), Middleware(CsrfCookie)]
    if credentials.required:
        middleware.append(Middleware(RequireAuth, credentials=credentials))
    return Starlette(routes=routes, middleware=middleware)


def _home(_request: object) -> Response:
    return RedirectResponse("/claims", status_code=303)
