"""Loading a whole rules folder: feeds.yaml, actors.yaml and claims/*.yaml, every problem at once.

Each file is read with the fast C loader and validated; only a file with a problem is read again with
positions, so a folder of a thousand clean claims checks in well under a second while every error still
comes as FILE:LINE:COL: field: message. Cross-file problems (unknown actor ids, duplicate claim ids, an
alias on two actors, an example that contradicts its claim's exclusions) are found after the files load.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml.error import YAMLError

from monitor.errors import RuleFileError, RuleProblem
from monitor.matching.model import Actor, Claim, RuleSet, StanceCues
from monitor.rulebook.feeds import FEEDS_FILE, FeedsFile, FeedSpec, duplicate_names
from monitor.rulebook.schema import ActorsFile, ActorSpec, ClaimSpec
from monitor.rulebook.yaml_source import (
    describe_errors,
    field_path,
    load_fast,
    load_positioned,
    nesting_problem,
    position,
    read_text,
)

ACTORS_FILE = "actors.yaml"
CLAIMS_DIR = "claims"
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class RuleBook:
    """A validated rules folder."""

    feeds: tuple[FeedSpec, ...]
    actors: tuple[ActorSpec, ...]
    claims: tuple[ClaimSpec, ...]
    fingerprint: str
    warnings: tuple[RuleProblem, ...] = ()

    @cached_property
    def _claims_by_id(self) -> dict[str, ClaimSpec]:
        return {claim.id: claim for claim in self.claims}

    def claim(self, claim_id: str) -> ClaimSpec | None:
        """The claim with this id, whatever its status (the ledger asks once per match)."""
        return self._claims_by_id.get(claim_id)

    def ruleset(self, claim_ids: Sequence[str] | None = None) -> RuleSet:
        """The matcher's view: active claims (or exactly `claim_ids`) and every actor."""
        chosen = [c for c in self.claims if (c.id in claim_ids if claim_ids is not None else c.status == "active")]
        return RuleSet(claims=tuple(to_claim(c) for c in chosen),
                       actors={a.id: to_actor(a) for a in self.actors})


def to_claim(spec: ClaimSpec) -> Claim:
    """The matcher's value for a claim file."""
    return Claim(id=spec.id, statement=spec.statement, subjects=tuple(spec.subjects), objects=tuple(spec.objects),
                 keyphrases=tuple(spec.keyphrases), exclusions=tuple(spec.exclusions),
                 keyphrases_by_language=tuple((code, tuple(phrases)) for code, phrases in
                                              sorted(spec.keyphrases_by_language.items())),
                 cues=StanceCues(tuple(spec.cues.corroborates), tuple(spec.cues.denies), tuple(spec.cues.discusses)))


def to_actor(spec: ActorSpec) -> Actor:
    """The matcher's value for an actor entry."""
    return Actor(id=spec.id, name=spec.name, kind=spec.kind, aliases=tuple(spec.aliases),
                 affiliation=spec.affiliation, groups=tuple(spec.groups), demonyms=tuple(spec.demonyms),
                 derive_names=spec.derive_names)


@dataclass
class _Source:
    """One file: its text, display name, and (lazily) its positioned document for locating problems."""

    path: Path
    display: str
    text: str
    _positioned: Any = field(default=None, init=False)

    def locate(self, loc: Sequence[int | str]) -> tuple[int, int]:
        if self._positioned is None:
            self._positioned, _ = load_positioned(self.text, self.display)
        return position(self._positioned, loc)

    def problem(self, loc: Sequence[int | str], message: str) -> RuleProblem:
        line, column = self.locate(loc)
        field_name = field_path(loc)
        return RuleProblem(self.display, line, column, f"{field_name}: {message}" if field_name else message)


class _Collector:
    """Reads and validates files, gathering every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[RuleProblem] = []
        self.digest = hashlib.sha256()

    def load(self, path: Path, model: type[Model]) -> tuple[Model | None, _Source | None]:
        display = str(path)
        text, problems = read_text(path, display)
        if text is None:
            self.problems.extend(problems)
            return None, None
        self.digest.update(display.encode() + b"\0" + text.encode() + b"\0")
        source = _Source(path, display, text)
        too_deep = nesting_problem(text, display)
        if too_deep:
            self.problems.extend(too_deep)
            return None, source
        try:
            data = load_fast(text)
        except (YAMLError, ValueError, RecursionError):
            _, problems = load_positioned(text, display)
            self.problems.extend(problems or [RuleProblem(display, 1, 1, "YAML syntax error")])
            return None, source
        if data is None:
            data = {}
        try:
            return model.model_validate(data), source
        except ValidationError as exc:
            document, _ = load_positioned(text, display)
            self.problems.extend(describe_errors(exc, document, display, model))
            return None, source


def load_rulebook(rules_dir: Path) -> RuleBook:
    """The validated rules folder; RuleFileError lists every problem in every file."""
    collect = _Collector()
    feeds: list[FeedSpec] = []
    feeds_path = rules_dir / FEEDS_FILE
    if feeds_path.exists():
        feeds_file, feeds_source = collect.load(feeds_path, FeedsFile)
        if feeds_file is not None and feeds_source is not None:
            feeds = feeds_file.feeds
            collect.problems.extend(duplicate_names(feeds, feeds_source.locate, feeds_source.display))
    else:
        collect.problems.append(RuleProblem(str(feeds_path), 1, 1, "file not found; the feeds to poll are listed here"))
    actors: list[ActorSpec] = []
    actors_source: _Source | None = None
    if (rules_dir / ACTORS_FILE).exists():
        actors_file, actors_source = collect.load(rules_dir / ACTORS_FILE, ActorsFile)
        actors = actors_file.actors if actors_file else []
    claims: list[tuple[ClaimSpec, _Source]] = []
    claim_paths = sorted([*(rules_dir / CLAIMS_DIR).glob("*.yaml"), *(rules_dir / CLAIMS_DIR).glob("*.yml")])
    for path in claim_paths:
        claim, source = collect.load(path, ClaimSpec)
        if claim is not None and source is not None:
            claims.append((claim, source))
    if actors_source is not None:
        collect.problems.extend(_check_actors(actors, actors_source))
    known = KnownActors(actors)
    for claim, source in claims:
        collect.problems.extend(_check_claim(claim, source, known))
    collect.problems.extend(_duplicate_claims(claims))
    if collect.problems:
        raise RuleFileError(sorted(collect.problems, key=lambda p: (p.file, p.line, p.column)))
    return RuleBook(feeds=tuple(feeds), actors=tuple(actors), claims=tuple(claim for claim, _ in claims),
                    fingerprint=collect.digest.hexdigest(), warnings=tuple(_language_warnings(feeds, claims)))


def alias_key(alias: str) -> str:
    """How aliases are compared: NFKC, casefolded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", alias).casefold().split())


class KnownActors:
    """The actor ids, and which actor each name, alias and demonym belongs to, for "did you mean"."""

    def __init__(self, actors: Sequence[ActorSpec]) -> None:
        self.ids = {actor.id for actor in actors}
        self.names = {alias_key(name): actor.id for actor in actors for _, name in _names(actor, [])}

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self.ids


def unknown_actor(actor_id: str, known: KnownActors) -> str:
    """Why `actor_id` is not an actor id, with the id it most likely means."""
    owner = known.names.get(alias_key(actor_id))
    if owner is not None:
        return f"unknown actor {actor_id!r}: it is an alias of {owner!r}; write the actor id {owner!r}"
    hint = difflib.get_close_matches(actor_id, sorted(known.ids), n=1)
    return f"unknown actor {actor_id!r}" + (f"; did you mean {hint[0]!r}?" if hint else f"; add it to {ACTORS_FILE}")


def _check_actors(actors: Sequence[ActorSpec], source: _Source) -> list[RuleProblem]:
    problems = []
    known = KnownActors(actors)
    first_id: dict[str, int] = {}
    owner: dict[str, tuple[str, int]] = {}
    for index, actor in enumerate(actors):
        base: list[int | str] = ["actors", index]
        if actor.id in first_id:
            line, _ = source.locate(["actors", first_id[actor.id], "id"])
            problems.append(source.problem([*base, "id"], f"{actor.id!r} is already used on line {line}"))
        first_id.setdefault(actor.id, index)
        if actor.affiliation is not None and actor.affiliation not in known:
            problems.append(source.problem([*base, "affiliation"], unknown_actor(actor.affiliation, known)))
        for loc, alias in _names(actor, base):
            key = alias_key(alias)
            if key in owner and owner[key][0] != actor.id:
                other, other_index = owner[key]
                line, _ = source.locate(["actors", other_index, "id"])
                problems.append(source.problem(loc, f"{alias!r} also names {other!r} (line {line}); an alias must "
                                                    "belong to one actor"))
            owner.setdefault(key, (actor.id, index))
    problems.extend(_affiliation_cycles(actors, source))
    return problems


def _names(actor: ActorSpec, base: list[int | str]) -> list[tuple[list[int | str], str]]:
    """Where each of an actor's names stands in actors.yaml: its name, its aliases, its demonyms."""
    return [([*base, "name"], actor.name),
            *(([*base, "aliases", index], alias) for index, alias in enumerate(actor.aliases)),
            *(([*base, "demonyms", index], demonym) for index, demonym in enumerate(actor.demonyms))]


def _affiliation_cycles(actors: Sequence[ActorSpec], source: _Source) -> list[RuleProblem]:
    parent = {actor.id: actor.affiliation for actor in actors}
    problems = []
    for index, actor in enumerate(actors):
        seen = [actor.id]
        current = actor.affiliation
        while current is not None and current in parent:
            if current == actor.id:
                problems.append(source.problem(["actors", index, "affiliation"],
                                               "affiliations form a loop: " + " -> ".join([*seen, current])))
                break
            if current in seen:
                break
            seen.append(current)
            current = parent[current]
    return problems


def _check_claim(claim: ClaimSpec, source: _Source, known: KnownActors) -> list[RuleProblem]:
    problems = []
    for role in ("subjects", "objects"):
        for index, actor_id in enumerate(getattr(claim, role)):
            if actor_id not in known:
                problems.append(source.problem([role, index], unknown_actor(actor_id, known)))
    exclusions = [(phrase, alias_key(phrase)) for phrase in claim.exclusions]
    for index, example in enumerate(claim.examples):
        if example.speaker is not None and example.speaker not in known:
            problems.append(source.problem(["examples", index, "speaker"], unknown_actor(example.speaker, known)))
        if example.label != "unrelated":
            text = alias_key(example.text)
            hit = next((phrase for phrase, key in exclusions if key in text), None)
            if hit is not None:
                problems.append(source.problem(["examples", index, "label"], (
                    f"the example contains the exclusion {hit!r}, so it can only be 'unrelated', "
                    f"not {example.label!r}")))
    return problems


def _duplicate_claims(claims: Sequence[tuple[ClaimSpec, _Source]]) -> list[RuleProblem]:
    first: dict[str, _Source] = {}
    problems = []
    for claim, source in claims:
        if claim.id in first:
            problems.append(source.problem(["id"],
                                           f"claim id {claim.id!r} is already used by {first[claim.id].display}"))
        else:
            first[claim.id] = source
    return problems


def followed_feeds(claim: ClaimSpec, feeds: Sequence[FeedSpec]) -> list[FeedSpec]:
    """The feeds whose items count for a claim: trusted tags (every feed when it trusts none), less ignored."""
    trust, ignore = set(claim.sources.trust), set(claim.sources.ignore)
    return [feed for feed in feeds
            if (not trust or trust.intersection(feed.tags)) and ignore.isdisjoint(feed.tags)]


def _language_warnings(feeds: Sequence[FeedSpec], claims: Sequence[tuple[ClaimSpec, _Source]]) -> list[RuleProblem]:
    """A warning for each active claim that follows feeds in a language it has no keyphrases for (English
    needs none: the statement gives them)."""
    warnings: list[RuleProblem] = []
    for claim, source in claims:
        if claim.status != "active":
            continue
        missing: dict[str, list[str]] = {}
        for feed in followed_feeds(claim, feeds):
            if feed.language and feed.language != "en" and feed.language not in claim.keyphrases_by_language:
                missing.setdefault(feed.language, []).append(feed.name)
        for code, names in sorted(missing.items()):
            field_name = "keyphrases_by_language" if claim.keyphrases_by_language else (
                "keyphrases" if claim.keyphrases else "statement")
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            warnings.append(source.problem([field_name], (
                f"warning: follows feeds in {code!r} ({shown}) but has no {code} keyphrases; add "
                f"keyphrases_by_language: {{{code}: [...]}}")))
    return warnings
