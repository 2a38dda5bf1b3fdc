"""`claimwatch rules ...`: check, test, explain and schema of the analysts' rule files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from monitor.cli.common import ConfigOption, JsonOption, load_config_or_exit, load_rules_or_exit
from monitor.errors import RuleFileError
from monitor.matching.matcher import Matcher
from monitor.matching.model import UNATTRIBUTED, Explanation, Match, Span
from monitor.matching.normalize import normalize
from monitor.rulebook.examples import ExampleResult, describe, label_match, model_scores, run_examples
from monitor.rulebook.feeds import FeedsFile
from monitor.rulebook.loader import load_rulebook
from monitor.rulebook.schema import ActorsFile, ClaimSpec
from monitor.wording import plural


class SchemaKind(StrEnum):
    """The rule files that have a schema."""

    claim = "claim"
    actors = "actors"
    feeds = "feeds"


rules_app = typer.Typer(help="The analysts' rule files: feeds, actors and claims.", no_args_is_help=True)

RulesDir = Annotated[Path | None, typer.Argument(help="the rules folder (default: rules_dir from the config)",
                                                file_okay=False)]


def rules_dir(directory: Path | None, config: Path | None) -> Path:
    return directory if directory is not None else load_config_or_exit(config).rules_dir


@rules_app.command("check")
def rules_check(directory: RulesDir = None, config: ConfigOption = None) -> None:
    """Validate every rule file; each problem as FILE:LINE:COL: message; exit 1 on any."""
    folder = rules_dir(directory, config)
    try:
        book = load_rulebook(folder)
    except RuleFileError as exc:
        for problem in exc.problems:
            typer.echo(str(problem))
        files = len({problem.file for problem in exc.problems})
        typer.echo(f"{plural(len(exc.problems), 'problem')} in {plural(files, 'file')}", err=True)
        raise typer.Exit(1) from None
    for warning in book.warnings:
        typer.echo(str(warning))
    active = sum(claim.status == "active" for claim in book.claims)
    typer.echo(f"{folder}: OK: {plural(len(book.feeds), 'feed')}, {plural(len(book.actors), 'actor')}, "
               f"{plural(len(book.claims), 'claim')} ({active} active)")


@rules_app.command("test")
def rules_test(directory: RulesDir = None, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Run every claim's examples through the real matcher; print each failure explained; exit 1 on any."""
    book = load_rules_or_exit(rules_dir(directory, config))
    results = run_examples(book)
    failures = [result for result in results if not result.passed]
    if as_json:
        report = {"examples": [_example_json(result) for result in results],
                  "summary": {"passed": len(results) - len(failures), "failed": len(failures)}}
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_failures(failures)
        typer.echo(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    if failures:
        raise typer.Exit(1)


def _print_failures(failures: list[ExampleResult]) -> None:
    for result in failures:
        wanted = result.expected + (f" by {result.expected_speaker}" if result.expected_speaker else "")
        found = result.got + (f" (speakers: {', '.join(result.speakers)})" if result.expected_speaker else "")
        typer.echo(f"FAIL {result.claim_id} example {result.index}: expected {wanted}, got {found}")
        typer.echo(f"  text: {result.text}")
        for line in describe(result.explanation):
            typer.echo(f"  {line}")


def _example_json(result: ExampleResult) -> dict[str, object]:
    return {"claim": result.claim_id, "index": result.index, "text": result.text, "expected": result.expected,
            "got": result.got, "score": result.score, "expected_speaker": result.expected_speaker,
            "speakers": list(result.speakers), "passed": result.passed}


@rules_app.command("explain")
def rules_explain(claim_id: Annotated[str, typer.Argument(help="the claim's id")], *,
                  text: Annotated[str | None, typer.Option("--text", help="the item text")] = None,
                  file: Annotated[Path | None, typer.Option("--file", help="read the item text from a file",
                                                            exists=True, dir_okay=False)] = None,
                  directory: Annotated[Path | None, typer.Option("--rules", help="rules folder")] = None,
                  config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Why an item matches a claim or not: the label and the score it comes from, relatedness, the stance
    model's scores, spans and fuzzy scores, stance cues and speakers."""
    body = _item_text(text, file)
    book = load_rules_or_exit(rules_dir(directory, config))
    if book.claim(claim_id) is None:
        known = ", ".join(claim.id for claim in book.claims)
        typer.echo(f"claimwatch: no claim {claim_id!r}; claims: {known}", err=True)
        raise typer.Exit(2)
    matcher = Matcher(book.ruleset([claim.id for claim in book.claims]))
    title, _, rest = body.strip().partition("\n")
    matches = [match for match in matcher.match(title, rest) if match.claim_id == claim_id]
    explanation = matcher.explain(claim_id, title, rest)
    language = str(normalize(title, rest).language)
    if as_json:
        report = {"language": language, **_explain_json(claim_id, matches, explanation)}
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    typer.echo(f"claim: {claim_id}\n{_label_line(label_match(matches))}\nlanguage: {language}")
    for match in matches:
        quote = f" -- {match.quote.text!r}" if match.quote else ""
        typer.echo(f"speaker {match.speaker} ({match.speaker_affiliation or 'no affiliation'}): "
                   f"{match.label} {match.score:.2f}{quote}")
    for line in describe(explanation):
        typer.echo(line)


def _item_text(text: str | None, file: Path | None) -> str:
    if text is not None and file is None:
        return text
    if file is not None and text is None:
        return file.read_text(encoding="utf-8")
    typer.echo("claimwatch: give the item as --text '...' or --file PATH (one of them)", err=True)
    raise typer.Exit(2)


def _label_line(best: Match | None) -> str:
    if best is None:
        return "label: unrelated (score 0.00, no stance: the item does not match the claim; see reason)"
    whose = "the unattributed sentences" if best.speaker == UNATTRIBUTED else f"the sentences of {best.speaker}"
    return f"label: {best.label} (score {best.score:.2f}, the stance model's probability of {best.label} in {whose})"


def _explain_json(claim_id: str, matches: list[Match], explanation: Explanation) -> dict[str, object]:
    relatedness, stance = model_scores(explanation)
    return {"claim": claim_id, **_label_json(label_match(matches)), "relevant": explanation.relevant,
            "reason": explanation.reason, "relatedness": relatedness, "stance_model": stance,
            "matches": [_match_json(match) for match in matches], "evidence": _spans_json(explanation.evidence),
            "cues": _spans_json(explanation.cues), "speaker_evidence": _spans_json(explanation.speaker_evidence),
            "passages": _spans_json(explanation.passages)}


def _label_json(best: Match | None) -> dict[str, object]:
    if best is None:
        return {"label": "unrelated", "score": 0.0, "score_source": None, "label_speaker": None}
    return {"label": best.label, "score": best.score, "score_source": "stance_model", "label_speaker": best.speaker}


def _match_json(match: Match) -> dict[str, object]:
    return {"speaker": match.speaker, "affiliation": match.speaker_affiliation, "label": match.label,
            "score": match.score, "stance_model": model_scores(match.explanation)[1],
            "quote": _span_json(match.quote) if match.quote else None}


def _spans_json(spans: Iterable[Span]) -> list[dict[str, object]]:
    return [_span_json(span) for span in spans]


def _span_json(span: Span) -> dict[str, object]:
    return {"start": span.start, "end": span.end, "text": span.text, "kind": span.kind, "source": span.source,
            "score": span.score}


@rules_app.command("schema")
def rules_schema(kind: Annotated[SchemaKind, typer.Argument(help="which file's schema")] = SchemaKind.claim) -> None:
    """Print the JSON Schema of a rule file, for editors that validate YAML as you type."""
    models: dict[SchemaKind, type[BaseModel]] = {
        SchemaKind.claim: ClaimSpec, SchemaKind.actors: ActorsFile, SchemaKind.feeds: FeedsFile}
    model = models[kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    typer.echo(json.dumps(schema, indent=2, ensure_ascii=False))
