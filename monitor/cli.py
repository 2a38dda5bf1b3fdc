"""The claimwatch command line: the only module that reads argv and chooses exit codes.

Exit codes: 0 done; 1 the command ran and found problems (invalid rules, ...); 2 it could not run at all
(bad configuration, unreachable database).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from monitor import __version__, daemon
from monitor.config import Config, load_config
from monitor.demo import run_demo
from monitor.errors import ConfigError, RuleFileError
from monitor.logs import make_logger
from monitor.matching.evaluate import PairsFileError, evaluate_csv
from monitor.matching.matcher import Matcher
from monitor.rulebook.examples import describe, item_label, run_examples
from monitor.rulebook.feeds import FeedsFile
from monitor.rulebook.loader import RuleBook, load_rulebook
from monitor.rulebook.schema import ActorsFile, ClaimSpec
from storage.engine import make_engine, upgrade
from storage.feeds import list_feeds
from storage.rules_state import rules_statuses


class SchemaKind(StrEnum):
    """The rule files that have a schema."""

    claim = "claim"
    actors = "actors"
    feeds = "feeds"


app = typer.Typer(help="Watch news feeds for new corroborations and denials of tracked claims.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
feeds_app = typer.Typer(help="The feeds from rules/feeds.yaml and their polling state.", no_args_is_help=True)
rules_app = typer.Typer(help="The analysts' rule files: feeds, actors and claims.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(rules_app, name="rules")
app.add_typer(feeds_app, name="feeds")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="claimwatch.toml to read",
                                                   envvar="CLAIMWATCH_CONFIG", dir_okay=False)]


def _config(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        typer.echo(f"claimwatch: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def run(config: ConfigOption = None,
        once: Annotated[bool, typer.Option("--once", help="poll every due feed once, then exit")] = False,
        ) -> None:
    """Run the daemon: poll feeds on schedule until SIGTERM (or once, with --once)."""
    settings = _config(config)
    log = make_logger()
    try:
        if once:
            daemon.run_once(settings, log)
        else:
            daemon.run_forever(settings, log)
    except OperationalError as exc:
        log.error("database.unavailable", error=str(exc.orig))
        raise typer.Exit(2) from None


@app.command()
def demo(keep: Annotated[Path | None, typer.Option(help="keep the state in this folder")] = None) -> None:
    """Poll the bundled sample feeds from a loopback server into a fresh SQLite file and show the result."""
    run_demo(sys.stdout, keep)


@app.command()
def status(config: ConfigOption = None,
           as_json: Annotated[bool, typer.Option("--json", help="one JSON object, for scripts")] = False) -> None:
    """Feeds by state, stored items, and each running daemon's rules; exit 1 when the rules in force are
    not the ones on disk (a bad edit was rejected) or no feed is healthy."""
    settings = _config(config)
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        feeds = list_feeds(engine)
        daemons = rules_statuses(engine)
    except OperationalError as exc:
        typer.echo(f"claimwatch: database unavailable: {exc.orig}", err=True)
        raise typer.Exit(2) from None
    counts = Counter(row.status for row in feeds)
    rejected = [daemon for daemon in daemons if not daemon.ok]
    healthy = not rejected and (not feeds or counts["ok"] + counts["new"] > 0)
    report = {
        "healthy": healthy,
        "feeds": dict(sorted(counts.items())),
        "items": sum(row.items for row in feeds),
        "daemons": [{"owner": d.owner, "rules_ok": d.ok, "rules_fingerprint": d.fingerprint,
                     "rules_loaded_at": _iso(d.loaded_at), "checked_at": _iso(d.checked_at),
                     "active_claims": d.claims, "rule_problems": d.problems} for d in daemons],
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(f"{'healthy' if healthy else 'UNHEALTHY'}: feeds " +
                   (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "none") +
                   f"; {report['items']} items stored")
        for daemon in daemons:
            state = "rules ok" if daemon.ok else f"rules REJECTED ({len(daemon.problems)} problems)"
            typer.echo(f"daemon {daemon.owner}: {state}; {daemon.claims} active claims "
                       f"since {_short(daemon.loaded_at)}")
            for problem in daemon.problems:
                typer.echo(f"  {problem}")
    if not healthy:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply every pending schema migration."""
    settings = _config(config)
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        typer.echo(f"claimwatch: database unavailable: {exc.orig}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"database at the newest schema: {engine.url.render_as_string(hide_password=True)}")


@feeds_app.command("list")
def feeds_list(config: ConfigOption = None,
               as_json: Annotated[bool, typer.Option("--json", help="a JSON list, for scripts")] = False) -> None:
    """Each feed's URL, status, last and next poll, consecutive errors, last error and stored items."""
    settings = _config(config)
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        rows = list_feeds(engine)
    except OperationalError as exc:
        typer.echo(f"claimwatch: database unavailable: {exc.orig}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps([{
            "name": row.name, "url": row.url, "status": row.status, "last_result": row.last_result,
            "last_poll": _iso(row.last_poll),
            "next_poll": _iso(row.next_poll), "consecutive_errors": row.consecutive_errors,
            "last_error": row.last_error, "items": row.items, "tags": row.tags} for row in rows], indent=2))
        return
    typer.echo(format_feed_table(rows))


RulesDir = Annotated[Path | None, typer.Argument(help="the rules folder (default: rules_dir from the config)",
                                                file_okay=False)]


def _rules_dir(directory: Path | None, config: Path | None) -> Path:
    return directory if directory is not None else _config(config).rules_dir


@rules_app.command("check")
def rules_check(directory: RulesDir = None, config: ConfigOption = None) -> None:
    """Validate every rule file; each problem as FILE:LINE:COL: message; exit 1 on any."""
    folder = _rules_dir(directory, config)
    try:
        book = load_rulebook(folder)
    except RuleFileError as exc:
        for problem in exc.problems:
            typer.echo(str(problem))
        files = len({problem.file for problem in exc.problems})
        typer.echo(f"{len(exc.problems)} problem{'s' * (len(exc.problems) != 1)} in {files} "
                   f"file{'s' * (files != 1)}", err=True)
        raise typer.Exit(1) from None
    active = sum(claim.status == "active" for claim in book.claims)
    typer.echo(f"{folder}: OK: {len(book.feeds)} feeds, {len(book.actors)} actors, "
               f"{len(book.claims)} claims ({active} active)")


@rules_app.command("test")
def rules_test(directory: RulesDir = None, config: ConfigOption = None) -> None:
    """Run every claim's examples through the real matcher; print each failure explained; exit 1 on any."""
    book = _load_or_exit(_rules_dir(directory, config))
    results = run_examples(book)
    failures = [result for result in results if not result.passed]
    for result in failures:
        wanted = result.expected + (f" by {result.expected_speaker}" if result.expected_speaker else "")
        found = result.got + (f" (speakers: {', '.join(result.speakers)})" if result.expected_speaker else "")
        typer.echo(f"FAIL {result.claim_id} example {result.index + 1}: expected {wanted}, got {found}")
        typer.echo(f"  text: {result.text}")
        for line in describe(result.explanation):
            typer.echo(f"  {line}")
    typer.echo(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    if failures:
        raise typer.Exit(1)


@rules_app.command("explain")
def rules_explain(claim_id: Annotated[str, typer.Argument(help="the claim's id")],
                  text: Annotated[str | None, typer.Option("--text", help="the item text")] = None,
                  file: Annotated[Path | None, typer.Option("--file", help="read the item text from a file",
                                                            exists=True, dir_okay=False)] = None,
                  directory: Annotated[Path | None, typer.Option("--rules", help="rules folder")] = None,
                  config: ConfigOption = None) -> None:
    """Why an item matches a claim or not: spans and fuzzy scores, stance cues, speaker, label and score."""
    if (text is None) == (file is None):
        typer.echo("claimwatch: give the item as --text '...' or --file PATH (one of them)", err=True)
        raise typer.Exit(2)
    body = text if text is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    book = _load_or_exit(_rules_dir(directory, config))
    if book.claim(claim_id) is None:
        known = ", ".join(claim.id for claim in book.claims)
        typer.echo(f"claimwatch: no claim {claim_id!r}; claims: {known}", err=True)
        raise typer.Exit(2)
    matcher = Matcher(book.ruleset([claim.id for claim in book.claims]))
    title, _, rest = body.strip().partition("\n")
    matches = [match for match in matcher.match(title, rest) if match.claim_id == claim_id]
    label, score = item_label(matches)
    typer.echo(f"claim: {claim_id}\nlabel: {label} (score {score:.2f})")
    for match in matches:
        quote = f" -- {match.quote.text!r}" if match.quote else ""
        typer.echo(f"speaker {match.speaker} ({match.speaker_affiliation or 'no affiliation'}): "
                   f"{match.label} {match.score:.2f}{quote}")
    for line in describe(matcher.explain(claim_id, title, rest)):
        typer.echo(line)


@app.command()
def evaluate(pairs: Annotated[Path, typer.Argument(help="CSV with id,claim,title,text", exists=True, dir_okay=False)],
             output: Annotated[Path, typer.Option("-o", "--output", help="predictions CSV: id,label,score")]) -> None:
    """Label each (claim, headline/text) pair: corroborates, denies, discusses or unrelated."""
    try:
        written = evaluate_csv(pairs, output)
    except PairsFileError as exc:
        typer.echo(f"claimwatch: {pairs}: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{written} predictions written to {output}", err=True)


def _load_or_exit(folder: Path) -> RuleBook:
    try:
        return load_rulebook(folder)
    except RuleFileError as exc:
        for problem in exc.problems:
            typer.echo(str(problem))
        typer.echo("the rules have errors; fix them first (claimwatch rules check)", err=True)
        raise typer.Exit(1) from None


@rules_app.command("schema")
def rules_schema(kind: Annotated[SchemaKind, typer.Argument(help="which file's schema")] = SchemaKind.claim) -> None:
    """Print the JSON Schema of a rule file, for editors that validate YAML as you type."""
    models: dict[SchemaKind, type[BaseModel]] = {
        SchemaKind.claim: ClaimSpec, SchemaKind.actors: ActorsFile, SchemaKind.feeds: FeedsFile}
    model = models[kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    typer.echo(json.dumps(schema, indent=2, ensure_ascii=False))


def format_feed_table(rows: list) -> str:  # type: ignore[type-arg]
    """A fixed-width table of feeds for a terminal."""
    header = ("NAME", "STATUS", "ITEMS", "ERRORS", "LAST POLL", "NEXT POLL", "URL / LAST ERROR")
    lines = [header]
    for row in rows:
        detail = row.url + (f"  ({row.last_error})" if row.last_error else "")
        lines.append((row.name, row.status, str(row.items), str(row.consecutive_errors),
                      _short(row.last_poll), _short(row.next_poll), detail))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
                     + "  " + line[-1] for line in lines)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _short(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


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
