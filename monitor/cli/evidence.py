"""`claimwatch evidence ...`: review a claim's evidence and correct it (dismiss, or restate stance or speaker)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

from monitor.alerts.corrections import Corrected, CorrectionRequest, apply_correction
from monitor.cli.common import ConfigOption, JsonOption, load_config_or_exit, load_rules_or_exit, short, with_store
from monitor.daemon import utc_now
from monitor.errors import CorrectionError
from monitor.reports import correction_json, iso
from storage.corrections import CorrectionAction, EvidenceRow, claim_evidence
from storage.engine import reading

evidence_app = typer.Typer(help="A claim's evidence, and corrections of it: the claim's picture follows at once.",
                           no_args_is_help=True)
EvidenceId = Annotated[int, typer.Argument(help="the evidence's id (claimwatch evidence list --claim CLAIM)")]
Reason = Annotated[str, typer.Option("--reason", help="why, kept beside the evidence")]
By = Annotated[str | None, typer.Option("--by", help="who corrects it (default: the OS user)")]


def read_evidence(engine: Engine, claim_id: str, *, corrected_only: bool = False) -> list[EvidenceRow]:
    """The claim's evidence with its corrections."""
    with reading(engine) as connection:
        return claim_evidence(connection, claim_id, corrected_only=corrected_only)


@evidence_app.command("list")
def evidence_list(claim: Annotated[str, typer.Option("--claim", help="the claim's id")], config: ConfigOption = None,
                  as_json: JsonOption = False) -> None:
    """Every piece of evidence of the claim, oldest first: id, stance, speaker, holder, decision, alert, item,
    and its correction (who, when, why)."""
    settings = load_config_or_exit(config)
    book = load_rules_or_exit(settings.rules_dir)
    if book.claim(claim) is None:
        typer.echo(f"claimwatch: no claim {claim!r}; claims: {', '.join(c.id for c in book.claims)}", err=True)
        raise typer.Exit(2)
    rows = with_store(settings, lambda engine: read_evidence(engine, claim))
    if as_json:
        typer.echo(json.dumps([evidence_json(row) for row in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo(f"{claim}: no evidence yet")
    for row in rows:
        alert = f"  alert {row.alert_id}" if row.alert_id else ""
        typer.echo(f"{row.id:>7}  {short(row.seen_at)}  {row.stance:<12} {row.speaker} ({row.holder})  "
                   f"[{row.decision}]{alert}")
        typer.echo(f"         {row.feed}: {row.title}")
        if row.correction is not None:
            c = row.correction
            change = "dismissed" if c.action == CorrectionAction.dismiss else \
                f"corrected to {c.stance or row.stance}" + (f" by {c.speaker} ({c.holder})" if c.speaker else "")
            typer.echo(f"         {change} by {c.corrected_by} at {short(c.created_at)}: {c.reason}")


def evidence_json(row: EvidenceRow) -> dict[str, Any]:
    """One piece of evidence as `evidence list --json` prints it."""
    return {"id": row.id, "item_id": row.item_id, "claim_id": row.claim_id, "seen_at": iso(row.seen_at),
            "stance": row.stance, "speaker": row.speaker, "holder": row.holder, "score": row.score,
            "decision": row.decision, "alert_id": row.alert_id, "source": row.feed, "title": row.title,
            "url": row.url, "quote": row.quote, "why": row.why, "correction": correction_json(row.correction)}


@evidence_app.command("dismiss")
def evidence_dismiss(evidence_id: EvidenceId, reason: Reason, by: By = None, config: ConfigOption = None) -> None:
    """Take the evidence out of its claim's picture; its item never alerts for that claim again. An alert it
    already caused stays in the record, with the dismissal beside it."""
    _correct(config, CorrectionRequest(evidence_id, CorrectionAction.dismiss, reason, by or _os_user()))


@evidence_app.command("correct")
def evidence_correct(evidence_id: EvidenceId, *, reason: Reason,
                     stance: Annotated[str, typer.Option("--stance", help="corroborates, denies or discusses")],
                     speaker: Annotated[str | None, typer.Option("--speaker", help="the actor who really says it "
                                                                                   "(an id from actors.yaml)")] = None,
                     by: By = None, config: ConfigOption = None) -> None:
    """Restate the evidence's stance (and speaker): the claim's picture is rebuilt with it at once."""
    _correct(config, CorrectionRequest(evidence_id, CorrectionAction.correct, reason, by or _os_user(), stance,
                                       speaker))


def _correct(config: ConfigOption, request: CorrectionRequest) -> None:
    settings = load_config_or_exit(config)
    book = load_rules_or_exit(settings.rules_dir)

    def work(engine: Engine) -> Corrected:
        return apply_correction(engine, book, request, utc_now())

    try:
        done = with_store(settings, work)
    except CorrectionError as exc:
        typer.echo(f"claimwatch: {exc}", err=True)
        raise typer.Exit(2) from None
    evidence = done.evidence
    verb = "dismissed" if request.action == CorrectionAction.dismiss else "corrected"
    typer.echo(f"evidence {evidence.id} ({evidence.claim_id}, {evidence.stance} by {evidence.speaker}) {verb}")
    for stance in ("corroborates", "denies"):
        holders = [p.holder for p, _ in done.picture.positions if p.stance == stance]
        typer.echo(f"  {stance}: {', '.join(holders) or 'nobody'}")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER: a container, say
        return "unknown"
