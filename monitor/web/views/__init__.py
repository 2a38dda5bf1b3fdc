"""One module per page (its HTML routes and its JSON API), or per set of forms (evidence corrections), each
exposing `routes(context)`; a new one is added to MODULES."""

from __future__ import annotations

from monitor.web.views import alerts, claims, evidence, feeds, login, rules, silences

MODULES = (claims, evidence, feeds, alerts, silences, rules, login)
