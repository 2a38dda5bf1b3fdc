"""`claimwatch claims ...` (each claim's picture and timeline) and `claimwatch silence ...`."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy import Engine

from monitor.alerts.backfill import Backfiller, BackfillRun, run_by_hand
from monitor.alerts.corrections import examples_yaml
from monitor.cli.common import (
    ConfigOption,
    JsonOption,
    duration_or_exit,
    load_config_or_exit,
    load_rules_or_exit,
    progress,
    short,
    with_store,
)
from monitor.cli.evidence import read_evidence
from monitor.daemon import make_owner, utc_now
from monitor.logs import make_logger
from monitor.reports import actor_names, claim_report, claim_row, silence_json
from monitor.rulebook.durations import parse_duration
from monitor.rulebook.loader import KnownActors, unknown_actor
from storage.claim_views import all_positions, corrections_of, last_evidence
from storage.claims import claim_positions, claim_summaries, claim_timeline
from storage.engine import reading
from storage.history import count_stored_items
from storage.silences import add_silence, list_silences, remove_silence

claims_app = typer.Typer(help="Each tracked claim's picture (who corroborates, who denies) and timeline.",
                         no_args_is_help=True)
silence_app = typer.Typer(help="Hold back a claim's alerts (or one speaker's) for a while.", no_args_is_help=True)
LONG_SILENCE_DAYS = 30
"""A silence longer than this is accepted with a warning: it is more often a typo than a wish."""
STANCE_WORD = {"corroborates": "corroborate", "denies": "deny"}


@claims_app.command("list")
def claims_list(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Every claim in the rules with its status, evidence, stories, and how many corroborate or deny it."""
    settings = load_config_or_exit(config)
    book = load_rules_or_exit(settings.rules_dir)
    summaries, pictures, newest = with_store(
        settings, lambda engine: (claim_summaries(engine), all_positions(engine), last_evidence(engine)))
    names = actor_names(book)
    rows = [claim_row(claim, summaries.get(claim.id), pictures.get(claim.id, []), newest.get(claim.id), names)
            for claim in book.claims]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max((len(row["id"]) for row in rows), default=5)
    typer.echo(f"{'CLAIM':<{width}}  STATUS   SEV       EVIDENCE  STORIES  CORROB  DENY  LAST SEEN")
    for row in rows:
        typer.echo(f"{row['id']:<{width}}  {row['status']:<7}  {row['severity']:<8}  {row['evidence']:>8}  "
                   f"{row['stories']:>7}  {row['corroborating']:>6}  {row['denying']:>4}  "
                   f"{(row['last_seen_at'] or '-')[:19]}")


@claims_app.command("show")
def claims_show(claim_id: Annotated[str, typer.Argument(help="the claim's id")], config: ConfigOption = None,
                limit: Annotated[int, typer.Option(help="entries to show in the timeline (and in needs review), "
                                                        "newest kept")] = 100,
                as_json: JsonOption = False) -> None:
    """The claim's picture (each holder's stance and since when), the evidence that needs review (no clear
    speaker, so it did not set or flip a stance), and its timeline: who said what, when, where, with links."""
    settings = load_config_or_exit(config)
    book = load_rules_or_exit(settings.rules_dir)
    claim = book.claim(claim_id)
    if claim is None:
        typer.echo(f"claimwatch: no claim {claim_id!r}; claims: {', '.join(c.id for c in book.claims)}", err=True)
        raise typer.Exit(2)

    def read(engine: Engine) -> tuple[list, list, list, dict]:  # type: ignore[type-arg]
        timeline = claim_timeline(engine, claim_id, limit=limit)
        review = claim_timeline(engine, claim_id, limit=limit, decision="needs_review")
        return (claim_positions(engine, claim_id), timeline, review,
                corrections_of(engine, [entry.id for entry in (*timeline, *review)]))

    positions, timeline, review, corrections = with_store(settings, read)
    names = actor_names(book)
    report = claim_report(claim, positions, timeline, review, names, corrections=corrections)
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{claim.id} ({claim.status}, {claim.severity}): {claim.statement}\n")
    for stance in ("corroborates", "denies"):
        holders = [p for p in positions if p.stance == stance]
        typer.echo(f"{STANCE_WORD[stance].capitalize()}: " + (", ".join(
            f"{names.get(p.holder, p.holder)} (since {short(p.since)})" for p in holders) or "nobody"))
    if review:
        typer.echo(f"\nNeeds review ({len(review)}): no clear speaker, so no holder's stance was set or flipped:")
        for entry in review:
            typer.echo(f"  {short(entry.seen_at)}  {entry.stance:<12} {entry.speaker} ({entry.holder})  "
                       f"{entry.feed}: {entry.title}")
    typer.echo(f"\nTimeline ({len(timeline)} pieces of evidence):")
    for entry in timeline:
        alert = f"  alert {entry.alert_id}" if entry.alert_id else ""
        unclear = "" if entry.clear_speaker else "  speaker unclear"
        typer.echo(f"  {short(entry.seen_at)}  {entry.stance:<12} {entry.speaker} ({entry.holder})  "
                   f"[{entry.decision}]{alert}{unclear}")
        typer.echo(f"      {entry.feed}: {entry.title}")
        if entry.url:
            typer.echo(f"      {entry.url}")
        if entry.quote:
            typer.echo(f"      \"{entry.quote[:200]}\"")


@claims_app.command("backfill")
def claims_backfill(claim_id: Annotated[str, typer.Argument(help="the claim's id")],
                    since: Annotated[str, typer.Option("--since", help="items first seen this far back: 7d, 30d")]
                    = "30d",
                    config: ConfigOption = None) -> None:
    """Match the claim over the items already stored, here and now (a progress bar on a terminal): its
    evidence is recorded as `backfill`, builds its picture, and alerts nothing one by one; one summary
    message goes to the claim's channels unless turned off."""
    settings = load_config_or_exit(config)
    window = duration_or_exit("--since", since)
    book = load_rules_or_exit(settings.rules_dir)
    spec = book.claim(claim_id)
    if spec is None or spec.status != "active":
        typer.echo(f"claimwatch: no active claim {claim_id!r}; active: "
                   f"{', '.join(c.id for c in book.claims if c.status == 'active')}", err=True)
        raise typer.Exit(2)
    now = utc_now()
    owner = make_owner()

    def work(engine: Engine) -> BackfillRun:
        log = make_logger(level="warning")
        backfiller = Backfiller(engine, settings, lambda: book, utc_now, log, owner=owner)
        with reading(engine) as connection:
            total = count_stored_items(connection, since=now - window)
        with progress(total, f"backfilling {claim_id}") as advance:
            return run_by_hand(engine, backfiller, spec, settings, since=now - window, now=now, owner=owner,
                               progress=advance)

    run = with_store(settings, work)
    typer.echo(f"{claim_id}: {run.items} items matched again, {run.evidence} pieces of evidence recorded "
               f"({run.state})")


@claims_app.command("examples")
def claims_examples(claim_id: Annotated[str, typer.Argument(help="the claim's id")],
                    from_corrections: Annotated[bool, typer.Option(
                        "--from-corrections", help="the items analysts corrected or dismissed")] = False,
                    config: ConfigOption = None) -> None:
    """Print YAML `examples:` entries to paste into the claim file, so each corrected mistake becomes a test
    of `claimwatch rules test`."""
    if not from_corrections:
        typer.echo("claimwatch: say where the examples come from: --from-corrections", err=True)
        raise typer.Exit(2)
    settings = load_config_or_exit(config)
    book = load_rules_or_exit(settings.rules_dir)
    if book.claim(claim_id) is None:
        typer.echo(f"claimwatch: no claim {claim_id!r}; claims: {', '.join(c.id for c in book.claims)}", err=True)
        raise typer.Exit(2)
    rows = with_store(settings, lambda engine: read_evidence(engine, claim_id, corrected_only=True))
    text = examples_yaml(rows)
    if not text:
        typer.echo(f"{claim_id}: no corrected evidence yet", err=True)
        return
    typer.echo(f"# {claim_id}: items analysts corrected; paste under `examples:` in its claim file")
    typer.echo(text, nl=False)


@silence_app.command("add")
def silence_add(claim: Annotated[str, typer.Option("--claim", help="the claim's id")],
                duration: Annotated[str, typer.Option("--for", help="how long: 90s, 15m, 6h, 2d")],
                reason: Annotated[str, typer.Option("--reason", help="why, for whoever reads `silence list`")],
                speaker: Annotated[str | None, typer.Option("--speaker", help="only this actor (speaker or the "
                                                                               "government it speaks for)")] = None,
                config: ConfigOption = None) -> None:
    """Record this claim's alerts (or one speaker's) as silenced instead of sending them, until it expires."""
    settings = load_config_or_exit(config)
    try:
        seconds = float(parse_duration(duration))
    except ValueError as exc:
        typer.echo(f"claimwatch: --for: {exc}", err=True)
        raise typer.Exit(2) from None
    if seconds <= 0:
        typer.echo("claimwatch: --for: a silence must last longer than 0; to end one, use silence remove", err=True)
        raise typer.Exit(2)
    book = load_rules_or_exit(settings.rules_dir)
    if book.claim(claim) is None:
        typer.echo(f"claimwatch: no claim {claim!r}; claims: {', '.join(c.id for c in book.claims)}", err=True)
        raise typer.Exit(2)
    if speaker is not None and speaker not in actor_names(book):
        typer.echo(f"claimwatch: --speaker: {unknown_actor(speaker, KnownActors(book.actors))}", err=True)
        raise typer.Exit(2)
    if seconds > LONG_SILENCE_DAYS * 86_400:
        typer.echo(f"claimwatch: warning: this silence lasts {seconds / 86_400:.0f} days, longer than "
                   f"{LONG_SILENCE_DAYS}; the claim's alerts are held back all that time", err=True)
    now = utc_now()
    ends = now + timedelta(seconds=seconds)
    silence_id = with_store(settings, lambda engine: add_silence(
        engine, claim_id=claim, speaker=speaker, reason=reason, now=now, ends_at=ends))
    typer.echo(f"silence {silence_id}: {claim}{' / ' + speaker if speaker else ''} until {short(ends)}")


@silence_app.command("list")
def silence_list(config: ConfigOption = None,
                 include_ended: Annotated[bool, typer.Option("--all", help="also expired and removed ones")] = False,
                 as_json: JsonOption = False) -> None:
    """The silences in force (or all of them)."""
    settings = load_config_or_exit(config)
    rows = with_store(settings, lambda engine: list_silences(engine, utc_now(), include_ended=include_ended))
    if as_json:
        typer.echo(json.dumps([silence_json(row) for row in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no silences in force")
    for row in rows:
        removed = f" (removed {short(row.removed_at)})" if row.removed_at else ""
        typer.echo(f"{row.id}  {row.claim_id}{' / ' + row.speaker if row.speaker else ''}  until "
                   f"{short(row.ends_at)}{removed}  {row.reason}")


@silence_app.command("remove")
def silence_remove(silence_id: Annotated[int, typer.Argument(help="the silence's id (silence list)")],
                   config: ConfigOption = None) -> None:
    """Lift a silence now; exit 1 when no such silence is in force."""
    settings = load_config_or_exit(config)
    if not with_store(settings, lambda engine: remove_silence(engine, silence_id, utc_now())):
        typer.echo(f"claimwatch: no silence {silence_id} in force", err=True)
        raise typer.Exit(1)
    typer.echo(f"silence {silence_id} removed")
