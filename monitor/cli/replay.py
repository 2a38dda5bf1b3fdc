"""`claimwatch rules replay`: an edited rules folder over the stored items, against what was recorded."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from monitor.alerts.rules_replay import Change, ChangeKind, ReplayReport, Side, items_to_replay, replay, summary
from monitor.cli.common import (
    ConfigOption,
    JsonOption,
    duration_or_exit,
    load_config_or_exit,
    load_rules_or_exit,
    progress,
    with_store,
)
from monitor.cli.rules import RulesDir
from monitor.daemon import utc_now
from monitor.reports import iso

HEADINGS = {ChangeKind.new_alert: "+ would alert", ChangeKind.dropped_alert: "- would not alert",
            ChangeKind.stance: "~ stance", ChangeKind.speaker: "~ speaker"}


def register(rules_app: typer.Typer) -> None:
    """Add `replay` to the rules commands."""
    rules_app.command("replay")(rules_replay)


def rules_replay(directory: RulesDir = None, *, config: ConfigOption = None,
                 since: Annotated[str, typer.Option("--since", help="how far back: 12h, 7d, 30d")] = "7d",
                 claim: Annotated[list[str] | None, typer.Option("--claim", help="only this claim (repeatable)")]
                 = None,
                 as_json: JsonOption = False,
                 fail_on_change: Annotated[bool, typer.Option(
                     "--fail-on-change", help="exit 1 when anything differs (for CI on the rules)")] = False) -> None:
    """Run a rules folder (an edited copy) over the items stored since --since, through the daemon's own
    decision, and print per claim what would differ from what was recorded: alerts that would be new, alerts
    that would not have been sent, stance and speaker changes, with the item and the explanation. Writes
    nothing."""
    settings = load_config_or_exit(config)
    book = load_rules_or_exit(directory if directory is not None else settings.rules_dir)
    window = duration_or_exit("--since", since)
    unknown = [c for c in claim or () if book.claim(c) is None]
    if unknown:
        typer.echo(f"claimwatch: no claim {unknown[0]!r} in that rules folder", err=True)
        raise typer.Exit(2)
    start = utc_now() - window

    def work(engine: Engine) -> ReplayReport:
        with progress(items_to_replay(engine, start), "replaying") as advance:
            return replay(engine, book, settings.alerts, since=start, claim_ids=claim, progress=advance)

    report = with_store(settings, work)
    if as_json:
        typer.echo(json.dumps({"since": iso(report.since), "claims": list(report.claims),
                               "summary": summary(report), "changes": [_change_json(c) for c in report.changes]},
                              indent=2, ensure_ascii=False))
    else:
        _print(report)
    if fail_on_change and report.changes:
        raise typer.Exit(1)


def _print(report: ReplayReport) -> None:
    for claim_id in report.claims:
        changes = [c for c in report.changes if c.claim_id == claim_id]
        if not changes:
            continue
        typer.echo(f"{claim_id}: {len(changes)} change{'s' * (len(changes) != 1)}")
        for change in changes:
            typer.echo(f"  {HEADINGS[change.kind]}  {change.holder}: {_side(change.recorded)} -> "
                       f"{_side(change.replayed)}")
            typer.echo(f"      item {change.item_id} ({change.feed}): {change.title}")
            if change.url:
                typer.echo(f"      {change.url}")
            typer.echo(f"      why: {change.explanation}")
    numbers = summary(report)
    typer.echo(f"replayed {report.items} items since {iso(report.since)} over {len(report.claims)} claims: "
               f"{numbers['new_alert']} new alerts, {numbers['dropped_alert']} alerts not sent, "
               f"{numbers['stance'] + numbers['speaker']} stance or speaker changes")


def _side(side: Side | None) -> str:
    if side is None:
        return "nothing"
    return f"{side.stance} by {side.speaker} [{side.decision}{', alert' if side.alerted else ''}]"


def _change_json(change: Change) -> dict[str, Any]:
    def side(value: Side | None) -> dict[str, Any] | None:
        return None if value is None else {"stance": value.stance, "speaker": value.speaker,
                                           "decision": value.decision, "alerted": value.alerted}

    return {"claim_id": change.claim_id, "change": change.kind, "item_id": change.item_id, "title": change.title,
            "url": change.url, "source": change.feed, "holder": change.holder, "recorded": side(change.recorded),
            "replayed": side(change.replayed), "explanation": change.explanation}
