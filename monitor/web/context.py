"""What every view needs, passed explicitly: the database, the rules folder, the templates, CSRF, the clock, and
the memo of drawn charts that the claim pages and the forms that lead back to them share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse

from monitor.config import NodeSettings
from monitor.rulebook.loader import RuleBook
from monitor.web.charts import Memo
from monitor.web.rules_folder import RulesFolder
from monitor.web.security import CSRF_FIELD, Credentials, Csrf, local_path

NAV = (("/claims", "Claims"), ("/feeds", "Feeds"), ("/alerts", "Alerts"), ("/silences", "Silences"),
       ("/rules", "Rules"))


@dataclass(frozen=True)
class WebContext:
    """The collaborators of the views."""

    engine: Engine
    rules: RulesFolder
    csrf: Csrf
    templates: Environment
    clock: Callable[[], datetime]
    credentials: Credentials
    nodes: NodeSettings
    charts: Memo[Markup] = field(default_factory=Memo)

    def book(self) -> RuleBook | None:
        """The rules in force (the last good set of the folder)."""
        return self.rules.book()

    def names(self) -> dict[str, str]:
        """Actor id -> name, from the rules in force."""
        book = self.book()
        return {actor.id: actor.name for actor in book.actors} if book else {}

    def page(self, request: Request, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        """A page rendered from `template`, with the navigation and this browser's CSRF token."""
        nonce = request.scope.get("state", {}).get("csrf_nonce", "")
        html = self.templates.get_template(template).render(
            nav=NAV, path=request.url.path, csrf_field=CSRF_FIELD, csrf_token=self.csrf.token(nonce),
            now=self.clock(), **values)
        return HTMLResponse(html, status_code=status)

    async def form(self, request: Request) -> Mapping[str, str] | None:
        """The POSTed form when its CSRF token is valid, else None."""
        form = await request.form()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        if not self.csrf.valid(request.scope, fields.get(CSRF_FIELD)):
            return None
        return fields

    def refused(self, request: Request) -> HTMLResponse:
        """The page for a POST without a valid CSRF token."""
        return self.page(request, "message.html", status=403, heading="Form expired",
                         message="This form could not be accepted: reload the page and try again.")

    @staticmethod
    def back(target: str | None, default: str) -> RedirectResponse:
        """303 to a path on this site (after a POST)."""
        return RedirectResponse(local_path(target, default), status_code=303)

    @staticmethod
    def json(value: Any, status: int = 200) -> JSONResponse:
        """A JSON API answer."""
        return JSONResponse(value, status_code=status)
