"""What the command groups share: the --config option, loading config and rules or exiting, and formats.

Exit codes: 0 done; 1 the command ran and found problems (invalid rules, ...); 2 it could not run at all
(bad configuration, unreachable database).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from monitor.config import ChannelCheck, Config, load_config
from monitor.errors import ConfigError, RuleFileError
from monitor.rulebook.durations import parse_duration
from monitor.rulebook.loader import RuleBook, load_rulebook
from storage.engine import make_engine, missing_database_file, schema_problem, upgrade

T = TypeVar("T")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="claimwatch.toml to read",
                                                   envvar="CLAIMWATCH_CONFIG", dir_okay=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output, for scripts")]


def load_config_or_exit(path: Path | None, *, secrets: bool = False, web_secrets: bool | None = None,
                        check_channels: ChannelCheck | None = None) -> Config:
    """The configuration, or exit 2 listing everything wrong with it. Only commands that send (`run`) ask for
    the channel secrets, and only those that serve the web view for its secrets; the others run without
    them (see `load_config`)."""
    try:
        return load_config(path, secrets=secrets, web_secrets=web_secrets, check_channels=check_channels)
    except ConfigError as exc:
        typer.echo(f"claimwatch: {exc}", err=True)
        raise typer.Exit(2) from None


STORE_ERRORS = (DBAPIError, CommandError)
"""What a database that cannot be used raises: unreachable, refused, not a database, a schema newer than
this version knows."""


def store_error(exc: Exception) -> str:
    """One line saying why the database cannot be used."""
    return str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)


def with_store(settings: Config, work: Callable[[Engine], T]) -> T:
    """Run `work` on the configured database brought up to date; exit 2 when it cannot be used at all."""
    try:
        engine = make_engine(settings.effective_database_url)
    except OSError as exc:
        typer.echo(f"claimwatch: database unavailable: cannot create its folder: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        upgrade(engine)
        return work(engine)
    except STORE_ERRORS as exc:
        typer.echo(f"claimwatch: database unavailable: {store_error(exc)}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


def with_existing_store(settings: Config, work: Callable[[Engine], T]) -> T:
    """Run `work` on the configured database as it is: never created nor upgraded; exit 2 saying what is
    missing when there is no database, no schema, or one of another version."""
    url = settings.effective_database_url
    missing = missing_database_file(url)
    if missing is not None:
        typer.echo(f"claimwatch: no database at {missing}: nothing has run with this configuration yet "
                   "(check state_dir or database_url, or start the daemon)", err=True)
        raise typer.Exit(2)
    engine = make_engine(url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        problem = schema_problem(engine)
        if problem:
            typer.echo(f"claimwatch: database at {where}: {problem}", err=True)
            raise typer.Exit(2)
        return work(engine)
    except STORE_ERRORS as exc:
        typer.echo(f"claimwatch: database unavailable: {store_error(exc)}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


def load_rules_or_exit(folder: Path) -> RuleBook:
    try:
        return load_rulebook(folder)
    except RuleFileError as exc:
        for problem in exc.problems:
            typer.echo(str(problem))
        typer.echo("the rules have errors; fix them first (claimwatch rules check)", err=True)
        raise typer.Exit(1) from None


def short(value: datetime | None) -> str:
    """A compact timestamp with its zone, for tables and messages (`2024-03-01 09:30:00 UTC`), or '-'. Every
    command shows time this one way: in UTC, the zone the database and the logs keep."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal (nothing otherwise); yields `advance(n)`."""
    if not sys.stderr.isatty() or total <= 0:
        yield lambda _n: None
        return
    with typer.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def duration_or_exit(option: str, text: str) -> timedelta:
    """A duration option (90s, 15m, 6h, 7d), or exit 2 saying how to write it."""
    try:
        return timedelta(seconds=float(parse_duration(text)))
    except ValueError as exc:
        typer.echo(f"claimwatch: {option}: {exc}", err=True)
        raise typer.Exit(2) from None
