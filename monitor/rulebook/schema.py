"""The analysts' rule files as pydantic models: actors.yaml and claims/*.yaml.

Unknown keys are rejected (with a "did you mean"), every field has a description (the JSON Schema that
`claimwatch rules schema` prints shows them in editors), and everything but a claim's id and statement
has a default.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from monitor.matching.model import Label
from monitor.rulebook.durations import Duration

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_.-]*$",
                                              max_length=100)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
# The languages whose cues the matcher knows (monitor.matching.language.Language).
LanguageCode = Literal["en", "ru", "uk", "zh", "fr", "de", "es", "ar"]
ID_HELP = "lower-case letters, digits, '-', '_' or '.', e.g. uk-defence-secretary"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ActorSpec(_Strict):
    """A government, official, agency, person or country and every name the press uses for it."""

    id: Identifier = Field(description=f"stable id that claims refer to; {ID_HELP}")
    name: Phrase = Field(description="the name alerts show")
    kind: Literal["person", "government", "organisation", "agency", "country", "media", "group"] = Field(
        "organisation", description="what sort of actor this is")
    aliases: list[Phrase] = Field(default_factory=list, description=(
        "other names, spellings, titles, transliterations and scripts: 'Xi Jin-ping', 'President Xi', '习近平'"))
    affiliation: Identifier | None = Field(None, description=(
        "the actor this one speaks for: an official belongs to a government"))
    groups: list[Identifier] = Field(default_factory=list, description="optional group labels, e.g. nato")
    demonyms: list[Phrase] = Field(default_factory=list, description=(
        "adjectival and plural references that point to the actor without naming a speaker, e.g. "
        "'Houthi'; a country or government also gets its country's demonyms, capital and seats of government"))
    derive_names: bool = Field(True, description=(
        "false: do not give this actor the demonyms, capital and seats of government of the country it names"))


class ActorsFile(_Strict):
    """The whole of actors.yaml."""

    actors: list[ActorSpec] = Field(default_factory=list)


class SourcesSpec(_Strict):
    """Which feeds count for this claim, by the tags in feeds.yaml."""

    trust: list[Phrase] = Field(default_factory=list, description="only feeds with one of these tags count")
    ignore: list[Phrase] = Field(default_factory=list, description="feeds with any of these tags never count")


class CuesSpec(_Strict):
    """Extra stance phrases for this claim, on top of the built-in cues."""

    corroborates: list[Phrase] = Field(default_factory=list)
    denies: list[Phrase] = Field(default_factory=list)
    discusses: list[Phrase] = Field(default_factory=list)


class ExampleSpec(_Strict):
    """An item text and the label the matcher must give it; `claimwatch rules test` checks them all."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)] = Field(
        description="a headline or article text as the press words it")
    label: Label = Field(description="corroborates, denies, discusses or unrelated")
    speaker: Identifier | None = Field(None, description="the actor id who must be found as the speaker")


class ClaimSpec(_Strict):
    """One tracked claim; only id and statement are required."""

    id: Identifier = Field(description=f"stable id; alerts and the ledger use it; {ID_HELP}")
    statement: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)] = Field(
        description="the claim in one sentence")
    description: str | None = Field(None, description="context for the analysts; not used for matching")
    status: Literal["active", "paused", "retired"] = Field("active", description=(
        "paused and retired claims are not matched and never alert"))
    subjects: list[Identifier] = Field(default_factory=list, description="actor ids the claim is about")
    objects: list[Identifier] = Field(default_factory=list, description="actor ids on the receiving end")
    keyphrases: list[Phrase] = Field(default_factory=list, description=(
        "the ways the press words the claim: 'lethal aid', 'combat equipment'; derived from the statement "
        "when empty"))
    keyphrases_by_language: dict[LanguageCode, list[Phrase]] = Field(default_factory=dict, description=(
        "how the press in other languages words the claim, by language code: "
        "{ru: [летальное оружие], zh: [致命性武器]}; added to keyphrases"))
    exclusions: list[Phrase] = Field(default_factory=list, description=(
        "an item containing any of these phrases is not about this claim"))
    sources: SourcesSpec = Field(default_factory=SourcesSpec)
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    tags: list[Phrase] = Field(default_factory=list, description=(
        "labels the analysts file the claim under, e.g. russia, ukraine; the web view filters by them"))
    channels: list[Phrase] = Field(default_factory=list, description="channel tags that get this claim's alerts")
    realert: Duration = Field(86_400, description=(
        "the same speaker repeating the same stance alerts again only after this long: 90s, 15m, 2h, 1d"))
    alert_on_discusses: bool = Field(False, description="alert on items that only discuss the claim")
    backfill_summary: bool = Field(True, description=(
        "when the claim is added or its matching fields change, the stored items are matched against it; "
        "false: send no summary message of that backfill"))
    cues: CuesSpec = Field(default_factory=CuesSpec)
    examples: list[ExampleSpec] = Field(default_factory=list)

    @field_validator("keyphrases_by_language")
    @classmethod
    def _no_duplicates_by_language(cls, phrases: dict[str, list[str]]) -> dict[str, list[str]]:
        for listed in phrases.values():
            cls._no_duplicates(listed)
        return phrases

    @field_validator("keyphrases", "exclusions")
    @classmethod
    def _no_duplicates(cls, phrases: list[str]) -> list[str]:
        seen: set[str] = set()
        for phrase in phrases:
            key = phrase.casefold()
            if key in seen:
                raise ValueError(f"{phrase!r} is listed twice")
            seen.add(key)
        return phrases
