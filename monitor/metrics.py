"""Prometheus metrics and /healthz for `claimwatch run --metrics-port`.

Counters and latencies are counted from the log events themselves (`observe` is a structlog processor),
so every outcome that is logged is counted and no stage needs a metrics handle. Gauges of the shared
state (feeds by status, the ledger backlog, alerts and deliveries by state) are read from the database at
each scrape, so they describe every daemon sharing it, not only this one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from structlog.typing import EventDict, WrappedLogger

from storage.health import ping, read_health

# Poll outcomes by event; feed.polled is counted under its own status (ok, not_modified).
POLL_EVENTS = {"feed.failed": "error", "feed.retired": "gone", "feed.lease_lost": "lease_lost"}
SEND_EVENTS = {"alert.sent": "sent", "alert.send_failed": "failed", "alert.dead": "dead"}


class Metrics:
    """The daemon's metrics registry (one per process, passed explicitly; never the global registry)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter("claimwatch_polls", "Feed polls by outcome", ["outcome"], registry=self.registry)
        self.poll_seconds = Histogram("claimwatch_poll_duration_seconds", "Time to fetch, parse and store a feed",
                                      registry=self.registry,
                                      buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.items = Counter("claimwatch_items_stored", "Items stored, new or changed", ["kind"],
                             registry=self.registry)
        self.evidence = Counter("claimwatch_evidence_recorded", "Matches recorded into the ledger",
                                ["stance", "outcome"], registry=self.registry)
        self.alerts = Counter("claimwatch_alerts_queued", "Alerts written to the outbox", ["kind"],
                              registry=self.registry)
        self.sends = Counter("claimwatch_alert_sends", "Deliveries attempted, by result", ["result"],
                             registry=self.registry)

    def observe(self, _logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
        """Count the outcome an event reports (a structlog processor; the event passes on unchanged)."""
        name = event.get("event")
        if name == "feed.polled" or name in POLL_EVENTS:
            self.polls.labels(POLL_EVENTS.get(str(name)) or str(event.get("status"))).inc()
            if isinstance(event.get("duration_ms"), int | float):
                self.poll_seconds.observe(event["duration_ms"] / 1000)
            if name == "feed.polled":
                self.items.labels("new").inc(int(event.get("new") or 0))
                self.items.labels("updated").inc(int(event.get("updated") or 0))
        elif name == "evidence.recorded":
            self.evidence.labels(str(event.get("stance")), str(event.get("outcome"))).inc()
        elif name == "alert.queued":
            self.alerts.labels(str(event.get("kind"))).inc()
        elif name in SEND_EVENTS:
            self.sends.labels(SEND_EVENTS[name]).inc()
        return event

    def watch_store(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        """Add the database gauges, read at each scrape."""
        self.registry.register(_StoreCollector(engine, clock))


class _StoreCollector(Collector):
    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("claimwatch_database_up", "1 when the database answered this scrape")
        try:
            health = read_health(self._engine, self._clock())
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield _by("claimwatch_feeds", "Feeds by status", "status", health.feeds)
        yield _by("claimwatch_alerts", "Alerts in the outbox by state", "state", health.alerts)
        yield _by("claimwatch_deliveries", "Deliveries by state", "state", health.deliveries)
        for name, help_text, value in (
                ("claimwatch_items", "Items stored", health.items),
                ("claimwatch_ledger_backlog", "Items waiting to be matched into the ledger", health.ledger_backlog),
                ("claimwatch_evidence", "Evidence rows in the ledger", health.evidence)):
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], value)
            yield gauge


def _by(name: str, help_text: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, help_text, labels=[label])
    for key, value in sorted(values.items()):
        gauge.add_metric([key], value)
    return gauge


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not worth a log line each."""


class MetricsServer:
    """GET /metrics (Prometheus text format) and GET /healthz: 200 when the database answers and `problem`
    (the daemon's own view, see monitor.liveness) reports none, else 503 with the reason."""

    def __init__(self, metrics: Metrics, engine: Engine, host: str, port: int,
                 problem: Callable[[], str | None] = lambda: None) -> None:
        exposition = make_wsgi_app(metrics.registry)

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get("PATH_INFO") == "/healthz":
                try:
                    ping(engine)
                    reason = problem()
                except SQLAlchemyError:
                    reason = "database unavailable"
                if reason is not None:
                    start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
                    return [f"{reason}\n".encode()]
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"ok\n"]
            return exposition(environ, start_response)  # type: ignore[no-any-return]

        self._server = make_server(host, port, app, server_class=_Server, handler_class=_QuietHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
