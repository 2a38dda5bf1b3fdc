"""The claimwatch command line: the only package that reads argv and chooses exit codes.

Exit codes: 0 done; 1 the command ran and found problems (invalid rules, failed alerts, ...); 2 it could
not run at all (bad configuration, unreachable database). One module per command group.
"""

from __future__ import annotations

from typing import Annotated

import typer

from monitor import __version__
from monitor.cli import alerts, claims, evidence, feeds, replay, rules, service, web

app = typer.Typer(help="Watch news feeds for new corroborations and denials of tracked claims.",
                  no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False)
service.register(app)
app.command()(web.web)
replay.register(rules.rules_app)
app.add_typer(feeds.feeds_app, name="feeds")
app.add_typer(rules.rules_app, name="rules")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(claims.claims_app, name="claims")
app.add_typer(claims.silence_app, name="silence")
app.add_typer(evidence.evidence_app, name="evidence")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claimwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="print the version and exit")] = False) -> None:
    """claimwatch: monitoring and alerting for claims in the news."""


def main() -> None:
    """Console-script entry point."""
    app()
