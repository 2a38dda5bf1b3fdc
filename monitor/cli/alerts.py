"""The alert commands: list alerts with their per-channel delivery state, and send a dead one again."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from monitor.alerts.send import check_channels
from monitor.cli.common import ConfigOption, JsonOption, load_config_or_exit, short, with_store
from monitor.daemon import utc_now
from monitor.reports import alert_json
from storage.alert_views import AlertListing, list_alerts
from storage.outbox import retry_alert

alerts_app = typer.Typer(help="Alerts and their delivery to each channel.", no_args_is_help=True)


@alerts_app.command("list")
def alerts_list(config: ConfigOption = None, as_json: JsonOption = False,
                failed: Annotated[bool, typer.Option("--failed", help="only alerts with a dead delivery")] = False,
                claim: Annotated[str | None, typer.Option("--claim", help="only this claim's alerts")] = None,
                limit: Annotated[int, typer.Option("--limit", min=1, help="at most this many, newest first")] = 50,
                ) -> None:
    """List the newest alerts, with each channel's delivery state, attempts and last error."""
    settings = load_config_or_exit(config)
    rows = with_store(settings, lambda engine: list_alerts(engine, failed=failed, claim_id=claim, limit=limit))
    if as_json:
        typer.echo(json.dumps([alert_json(row) for row in rows], indent=2))
        return
    typer.echo(format_alert_table(rows))


@alerts_app.command("retry")
def alerts_retry(alert_id: Annotated[str, typer.Argument(help="the alert's id, as `alerts list` shows it")],
                 config: ConfigOption = None) -> None:
    """Queue an alert's dead deliveries again, due now; exit 1 when there is no such alert."""
    settings = load_config_or_exit(config)
    requeued = with_store(settings, lambda engine: retry_alert(engine, alert_id, utc_now()))
    if requeued is None:
        typer.echo(f"claimwatch: no alert {alert_id}", err=True)
        raise typer.Exit(1)
    if requeued == 0:
        typer.echo(f"alert {alert_id} has no dead delivery; nothing to retry")
        return
    typer.echo(f"alert {alert_id}: {requeued} deliver{'y' if requeued == 1 else 'ies'} queued again")


@alerts_app.command("channels")
def alerts_channels(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Show the configured channels (URLs without secrets) and check them; exit 1 on any problem."""
    settings = load_config_or_exit(config, secrets=True)
    problems = check_channels(settings.channels)
    if as_json:
        typer.echo(json.dumps({"channels": [{"name": c.name, "url": c.display, "tags": c.tags}
                                            for c in settings.channels], "problems": problems}, indent=2))
    else:
        for channel in settings.channels:
            typer.echo(f"{channel.name}  {channel.display}  tags: {', '.join(channel.tags) or '-'}")
        for problem in problems:
            typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)


def format_alert_table(rows: list[AlertListing]) -> str:
    """A fixed-width table of alerts, one line per alert and an indented line per channel."""
    header = ("ID", "CREATED", "CLAIM", "KIND", "STANCE", "HOLDER", "STATE")
    lines = [header]
    channels: dict[int, list[str]] = {}
    for row in rows:
        lines.append((row.id, short(row.created_at), row.claim_id or "(operator)", row.kind, row.stance or "-",
                      row.holder or "-", row.state))
        channels[len(lines) - 1] = [
            f"    {d.channel}: {d.state}, {d.attempts} attempt{'' if d.attempts == 1 else 's'}"
            + (f", next {short(d.next_attempt_at)}" if d.state == "pending" else "")
            + (f" — {d.last_error}" if d.last_error and d.state != "sent" else "") for d in row.deliveries]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        out.extend(channels.get(index, []))
    return "\n".join(out)
