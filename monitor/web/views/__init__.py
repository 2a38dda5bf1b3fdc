"""One module per page (its HTML routes and its JSON API), each exposing `routes(context)`. A new page, such
as evidence corrections, is a new module added to MODULES."""

from __future__ import annotations

from monitor.web.views import alerts, claims, feeds, login, rules, silences

MODULES = (claims, feeds, alerts, silences, rules, login)
