"""rules/feeds.yaml: the sources analysts curate, validated with every problem located at once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from monitor.errors import RuleFileError, RuleProblem
from monitor.rulebook.yaml_source import describe_errors, position, read_yaml
from storage.feeds import CatalogEntry

FEEDS_FILE = "feeds.yaml"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400}


def parse_duration(value: Any) -> Any:
    """'90s', '15m', '2h', '1d' or a number of seconds, as seconds; anything else is left to pydantic."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 15m, 2h or 1d")
        return float(match[1]) * _UNITS[(match[2] or "s").lower()]
    return value


Duration = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]


class FeedSpec(BaseModel):
    """One feed as an analyst declares it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="unique, stable name; alerts cite it")
    url: str = Field(description="the feed's http(s) address")
    interval: Duration | None = Field(None, description="how often to poll: 90s, 15m, 2h, 1d")
    tags: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value, re.IGNORECASE):
            raise ValueError("must be an http:// or https:// address")
        return value

    def to_catalog(self) -> CatalogEntry:
        """The storage form of this feed."""
        return CatalogEntry(name=self.name, url=self.url, interval_seconds=self.interval, tags=tuple(self.tags))


class FeedsFile(BaseModel):
    """The whole of feeds.yaml."""

    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedSpec] = Field(default_factory=list)


def load_feeds(rules_dir: Path) -> list[FeedSpec]:
    """The feeds declared in RULES_DIR/feeds.yaml; RuleFileError lists every problem in it."""
    path = rules_dir / FEEDS_FILE
    display = str(path)
    if not path.exists():
        raise RuleFileError([RuleProblem(display, 1, 1, "file not found; the feeds to poll are listed here")])
    document, problems = read_yaml(path, display)
    if problems:
        raise RuleFileError(problems)
    if document is None:
        return []
    try:
        parsed = FeedsFile.model_validate(document)
    except ValidationError as exc:
        raise RuleFileError(describe_errors(exc, document, display, FeedsFile)) from None
    duplicates = _duplicate_names(parsed.feeds, document, display)
    if duplicates:
        raise RuleFileError(duplicates)
    return parsed.feeds


def _duplicate_names(feeds: Sequence[FeedSpec], document: Any, display: str) -> list[RuleProblem]:
    first: dict[str, int] = {}
    problems = []
    for index, feed in enumerate(feeds):
        if feed.name in first:
            line, column = position(document, ["feeds", index, "name"])
            earlier, _ = position(document, ["feeds", first[feed.name], "name"])
            problems.append(RuleProblem(display, line, column,
                                        f"feeds.{index}.name: {feed.name!r} is already used on line {earlier}; "
                                        "feed names must be unique"))
        else:
            first[feed.name] = index
    return problems
