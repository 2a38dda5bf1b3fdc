"""`claimwatch feeds ...`: the feeds from feeds.yaml, their polling state, and trying a feed before adding it."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.cli.common import ConfigOption, JsonOption, load_config_or_exit, load_rules_or_exit, short, with_store
from monitor.daemon import utc_now
from monitor.errors import FetchError, ParseError
from monitor.feeds.addresses import AddressPolicy
from monitor.feeds.fetch import Fetcher, FetchLimits
from monitor.feeds.parser_pool import ParserPool
from monitor.feeds.trial import FeedTrial, try_feed
from monitor.feeds.urls import hide_credentials
from monitor.matching.matcher import Matcher
from monitor.reports import feed_json, iso
from monitor.rulebook.feeds import FEEDS_FILE
from monitor.rulebook.feeds_edit import FeedsFileError, add_feeds, read_feeds
from monitor.rulebook.opml import OpmlError, read_opml, tag_of, write_opml
from monitor.wording import plural
from storage.feeds import list_feeds

feeds_app = typer.Typer(help="The feeds from rules/feeds.yaml: polling state, trying a feed, OPML import and "
                        "export.", no_args_is_help=True)


@feeds_app.command("list")
def feeds_list(config: ConfigOption = None,
               as_json: Annotated[bool, typer.Option("--json", help="a JSON list, for scripts")] = False) -> None:
    """Each feed's URL, status, last and next poll, consecutive errors, last error and stored items."""
    settings = load_config_or_exit(config)
    overdue_before = utc_now() - timedelta(seconds=settings.nodes.overdue_seconds)
    rows = with_store(settings, lambda engine: list_feeds(engine, overdue_before))
    if as_json:
        typer.echo(json.dumps([feed_json(row) for row in rows], indent=2))
        return
    typer.echo(format_feed_table(rows))




def format_feed_table(rows: list) -> str:  # type: ignore[type-arg]
    """A fixed-width table of feeds for a terminal."""
    header = ("NAME", "STATUS", "ITEMS", "ERRORS", "LAST POLL", "NEXT POLL", "URL / LAST ERROR")
    lines = [header]
    for row in rows:
        detail = hide_credentials(row.url) + (f"  ({row.last_error})" if row.last_error else "")
        lines.append((row.name, row.status, str(row.items), str(row.consecutive_errors),
                      short(row.last_poll), short(row.next_poll), detail))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
                     + "  " + line[-1] for line in lines)


@feeds_app.command("test")
def feeds_test(url: Annotated[str, typer.Argument(help="the feed's address")], config: ConfigOption = None,
               as_json: JsonOption = False,
               newest: Annotated[int, typer.Option(min=1, help="how many of the newest items to show")] = 10) -> None:
    """Fetch and parse a feed once, storing nothing: its title, format, validators, items, and the claims
    each of the newest items would match, with stance and speaker. Exit 1 when it cannot be read."""
    settings = load_config_or_exit(config)
    book = load_rules_or_exit(settings.rules_dir)
    polling = settings.polling
    fetcher = Fetcher(FetchLimits.from_settings(polling), policy=AddressPolicy(tuple(polling.allowed_networks)),
                      pool_size=1)
    parsers = ParserPool(1, polling.parse_timeout_seconds)
    try:
        trial = try_feed(url, fetcher, parsers, Matcher(book.ruleset()), newest=newest)
    except (FetchError, ParseError) as exc:
        again = "worth trying again later" if exc.retryable else "trying again will not help"
        typer.echo(f"claimwatch: {hide_credentials(url)}: {exc} ({again})", err=True)
        raise typer.Exit(1) from None
    finally:
        parsers.close()
        fetcher.close()
    typer.echo(json.dumps(_trial_json(trial), indent=2, ensure_ascii=False) if as_json else _trial_text(trial))


def _trial_json(trial: FeedTrial) -> dict[str, Any]:
    return {"url": hide_credentials(trial.url), "final_url": hide_credentials(trial.final_url),
            "title": trial.title, "format": trial.format,
            "validators": {"etag": trial.etag, "last_modified": trial.last_modified},
            "cache_seconds": trial.cache_seconds, "ttl_seconds": trial.ttl_seconds, "items": trial.items,
            "skipped": trial.skipped, "warning": trial.warning, "matching_items": trial.matching_items,
            "newest": [{"title": item.title, "url": item.url, "published_at": iso(item.published_at),
                        "matches": [{"claim_id": m.claim_id, "stance": m.stance, "score": m.score,
                                     "speaker": m.speaker, "speaker_affiliation": m.speaker_affiliation,
                                     "clear_speaker": m.clear_speaker, "quote": m.quote} for m in item.matches]}
                       for item in trial.newest]}


def _trial_text(trial: FeedTrial) -> str:
    moved = f" (moved to {hide_credentials(trial.final_url)})" if trial.final_url != trial.url else ""
    validators = [name for name, value in (("ETag", trial.etag), ("Last-Modified", trial.last_modified)) if value]
    lines = [f"{trial.title or '(untitled)'}: {trial.format} feed at {hide_credentials(trial.url)}{moved}",
             "validators: " + (", ".join(validators) + " (re-polls can be answered 304)" if validators
                               else "none: every poll downloads the whole feed"),
             f"{plural(trial.items, 'item')}" + (f", {trial.skipped} skipped" if trial.skipped else "")
             + f"; {plural(trial.matching_items, 'item')} would be evidence for a claim"]
    if trial.warning:
        lines.append(f"warning: {trial.warning}")
    lines.append(f"\nnewest {len(trial.newest)}:" if trial.newest else "\nno items")
    for item in trial.newest:
        lines.append(f"  {short(item.published_at)}  {item.title}")
        for match in item.matches:
            who = match.speaker + ("" if match.clear_speaker else ", speaker unclear")
            lines.append(f"      {match.claim_id}: {match.stance} ({match.score:.2f}), speaker {who}")
    return "\n".join(lines)


@feeds_app.command("import")
def feeds_import(opml: Annotated[Path, typer.Argument(help="an OPML file exported by a feed reader",
                                                      exists=True, dir_okay=False)],
                 tag: Annotated[list[str] | None, typer.Option("--tag", help="add this tag to every imported "
                                                                             "feed (repeatable)")] = None,
                 config: ConfigOption = None) -> None:
    """Add the OPML file's feeds to feeds.yaml: folders and categories become tags, feeds already listed
    (same address) are kept as they are, the file's comments and order stay. Exit 1 when nothing could be
    read or feeds.yaml could not be written; a running daemon picks the new feeds up by itself."""
    settings = load_config_or_exit(config)
    target = settings.rules_dir / FEEDS_FILE
    try:
        contents = read_opml(opml.read_bytes())
        done = add_feeds(target, contents.feeds, extra_tags=[tag_of(t) for t in tag or []])
    except (OpmlError, FeedsFileError) as exc:
        typer.echo(f"claimwatch: {opml}: {exc}" if isinstance(exc, OpmlError) else f"claimwatch: {exc}", err=True)
        raise typer.Exit(1) from None
    for name in done.added:
        typer.echo(f"added   {name}")
    for name in done.kept:
        typer.echo(f"kept    {name}: already in {FEEDS_FILE} with this address")
    for reason in contents.skipped:
        typer.echo(f"skipped {reason}")
    for note in contents.notes:
        typer.echo(f"note    {note}")
    typer.echo(f"{plural(len(done.added), 'feed')} added to {target}, {len(done.kept)} already there, "
               f"{plural(len(contents.skipped), 'outline')} skipped", err=True)


@feeds_app.command("export")
def feeds_export(output: Annotated[Path | None, typer.Option("-o", "--output", help="write here instead of "
                                                                                    "standard output",
                                                             dir_okay=False)] = None,
                 config: ConfigOption = None) -> None:
    """Write feeds.yaml as OPML 2.0 for a feed reader: a folder per feed's first tag, all tags as categories."""
    settings = load_config_or_exit(config)
    try:
        feeds = read_feeds(settings.rules_dir / FEEDS_FILE)
    except FeedsFileError as exc:
        typer.echo(f"claimwatch: {exc}", err=True)
        raise typer.Exit(1) from None
    document = write_opml(feeds, title="claimwatch feeds", now=datetime.now(UTC))
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
    else:
        output.write_bytes(document)
        typer.echo(f"{plural(len(feeds), 'feed')} written to {output}", err=True)
