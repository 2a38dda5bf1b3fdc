"""The service commands: run, demo, status, db upgrade and prune, evaluate."""

from __future__ import annotations

import json
import os
import sys
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from monitor import daemon
from monitor.alerts.send import check_channels
from monitor.cli.common import (
    STORE_ERRORS,
    ConfigOption,
    load_config_or_exit,
    short,
    store_error,
    with_existing_store,
    with_store,
)
from monitor.cli.web import listen_or_exit
from monitor.demo import run_demo
from monitor.logs import LogFormat, make_logger, wants_json
from monitor.matching.evaluate import PairsFileError, evaluate_csv
from monitor.metrics import Metrics
from monitor.reports import status_report
from monitor.service_health import node_condition
from monitor.web.serve import serve_beside
from monitor.wording import plural
from storage.backfills import list_backfills
from storage.health import read_health
from storage.nodes import list_nodes
from storage.rules_state import rules_statuses

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the service commands to the top-level app."""
    app.command()(run)
    app.command()(demo)
    app.command()(status)
    app.command()(evaluate)
    app.add_typer(db_app, name="db")


def run(config: ConfigOption = None, *,
        once: Annotated[bool, typer.Option("--once", help="poll every due feed once, deliver, then exit")] = False,
        metrics_port: Annotated[int | None, typer.Option(
            help="serve Prometheus metrics on /metrics and a health check on /healthz at this port")] = None,
        metrics_host: Annotated[str, typer.Option(help="address the metrics server listens on")] = "127.0.0.1",
        web_port: Annotated[int | None, typer.Option(
            min=0, max=65_535, help="also serve the web view at this port (on [web] host, 127.0.0.1 by default)")]
        = None,
        log_format: Annotated[LogFormat, typer.Option(
            help="auto: readable lines on a terminal, JSON lines under systemd or into a pipe or file")]
        = LogFormat.AUTO,
        ) -> None:
    """Run the daemon: poll, match, record and deliver on schedule until SIGTERM (or once, with --once)."""
    settings = load_config_or_exit(config, secrets=True, check_channels=check_channels)
    metrics = Metrics() if metrics_port is not None and not once else None
    log = make_logger(json=wants_json(log_format, sys.stderr), observers=[metrics.observe] if metrics else ())
    sock = listen_or_exit(settings, settings.web.host, web_port) if web_port is not None and not once else None
    try:
        if once:
            daemon.run_once(settings, log)
            return
        with serve_beside(settings, sock) if sock else nullcontext() as web:
            if web is not None:
                log.info("web.serving", url=web.url)
            daemon.run_forever(settings, log, metrics=(metrics, metrics_host, metrics_port or 0) if metrics else None)
    except STORE_ERRORS as exc:
        log.error("database.unavailable", error=store_error(exc))
        raise typer.Exit(2) from None


def demo(keep: Annotated[Path | None, typer.Option(help="keep the state in this folder")] = None,
         replay_seconds: Annotated[float, typer.Option(min=1, help="real seconds the news day takes")] = 20.0,
         follow: Annotated[bool, typer.Option("--follow", help="keep running after the replay (Ctrl-C stops)")]
         = False,
         web_port: Annotated[int, typer.Option(min=0, max=65_535, help=(
             "serve the web view on 127.0.0.1 at this port while the demo runs (a free one if it is taken)"))]
         = 8080) -> None:
    """The real daemon on a bundled news day replayed from a loopback server: alerts printed as they are
    sent, the web view's address, then each claim's picture."""
    run_demo(sys.stdout, keep, replay_seconds=replay_seconds, follow=follow, web_port=web_port)


def status(config: ConfigOption = None,
           as_json: Annotated[bool, typer.Option("--json", help="one JSON object, for scripts")] = False,
           no_daemon_expected: Annotated[bool, typer.Option(
               "--no-daemon-expected", help="healthy without a running daemon (setups that use run --once)")]
           = False) -> None:
    """Feeds by state, items, the ledger, the outbox, every node (daemon) with its heartbeat and rules, and the
    backfills under way. Exit 1 when unhealthy (no daemon running unless --no-daemon-expected, a rules edit
    rejected, no healthy feed, dead alerts, overdue feeds, a node silent or unable to write), 2 when there is
    no database to read; the database is never created nor upgraded."""
    settings = load_config_or_exit(config)
    now = daemon.utc_now()
    overdue_before = now - timedelta(seconds=settings.nodes.overdue_seconds)
    health, daemons, nodes, backfills = with_existing_store(settings, lambda engine: (
        read_health(engine, now, overdue_before), rules_statuses(engine), list_nodes(engine),
        list_backfills(engine, unfinished_only=True)))
    report = status_report(health, daemons, nodes, now, settings.nodes, backfills=backfills,
                           daemon_expected=not no_daemon_expected)
    feeds, outbox, reasons = health.feeds, report["outbox"], report["problems"]
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(f"{'UNHEALTHY' if reasons else 'healthy'}: feeds " +
                   (", ".join(f"{n} {state}" for state, n in sorted(feeds.items())) or "none") +
                   f"; last poll {short(health.last_poll_at)}")
        for reason in reasons:
            typer.echo(f"  ! {reason}")
        typer.echo(f"items: {health.items} stored, {health.items_today} in the last 24 h, "
                   f"{health.ledger_backlog} waiting for the ledger; evidence: {health.evidence}")
        typer.echo(f"outbox: {outbox['pending']} pending, {outbox['dead']} dead (claimwatch alerts list --failed), "
                   f"{outbox['sent']} sent; last alert sent {short(health.last_alert_sent_at)}")
        for node in nodes:
            typer.echo(f"node {node.id}: {node_condition(node, now, settings.nodes)}, version {node.version}, "
                       f"up since {short(node.started_at)}, heartbeat "
                       f"{(now - node.heartbeat_at).total_seconds():.0f} s ago, "
                       f"last poll stored {short(node.last_stored_at)}")
        for running in daemons:
            state = "rules ok" if running.ok else f"rules REJECTED ({plural(len(running.problems), 'problem')})"
            typer.echo(f"daemon {running.owner}: {state}; {plural(running.claims, 'active claim')} "
                       f"since {short(running.loaded_at)}")
            for problem in running.problems:
                typer.echo(f"  {problem}")
        for backfill in backfills:
            who = f" by {backfill.lease_owner}" if backfill.lease_owner else ""
            typer.echo(f"backfill {backfill.id} of {backfill.claim_id} ({backfill.reason}): {backfill.state}{who}, "
                       f"{backfill.items_done} of {backfill.items_total} items, {backfill.evidence} evidence")
    if reasons:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply every pending schema migration."""
    settings = load_config_or_exit(config)
    where = with_store(settings, lambda engine: engine.url.render_as_string(hide_password=True))
    typer.echo(f"database at the newest schema: {where}")


@db_app.command("prune")
def db_prune(config: ConfigOption = None) -> None:
    """Run housekeeping now: delete what is past the retention periods, then SQLite maintenance."""
    settings = load_config_or_exit(config)
    pruned = with_store(settings, lambda engine: daemon.housekeeping(
        engine, settings, daemon.utc_now, make_logger(level="warning")))
    typer.echo(f"pruned {plural(pruned.items, 'item')} (text and evidence), {plural(pruned.keys, 'item key')}, "
               f"{plural(pruned.stories, 'story', 'stories')}, {plural(pruned.alerts, 'alert')}, "
               f"{plural(pruned.silences, 'silence')}")


def evaluate(pairs: Annotated[Path, typer.Argument(help="CSV with id,claim,title,text", exists=True, dir_okay=False)],
             output: Annotated[Path, typer.Option("-o", "--output", help="predictions CSV: id,label,score")],
             jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1,
                                                      help="processes to label in (default: one per core)")]
             = None) -> None:
    """Label each (claim, headline/text) pair: corroborates, denies, discusses or unrelated."""
    try:
        written = evaluate_csv(pairs, output, jobs=jobs or os.cpu_count() or 1)
    except PairsFileError as exc:
        typer.echo(f"claimwatch: {pairs}: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{plural(written, 'prediction')} written to {output}", err=True)
