"""rules/feeds.yaml: the sources analysts curate."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.errors import RuleProblem
from monitor.rulebook.durations import Duration
from monitor.rulebook.schema import LanguageCode
from storage.feeds import CatalogEntry

FEEDS_FILE = "feeds.yaml"
Locate = Callable[[Sequence[int | str]], tuple[int, int]]


class FeedSpec(BaseModel):
    """One feed as an analyst declares it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="unique, stable name; alerts cite it")
    url: str = Field(description="the feed's http(s) address")
    interval: Duration | None = Field(None, description="how often to poll: 90s, 15m, 2h, 1d")
    tags: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list, description=(
        "labels claims use to trust or ignore sources"))
    language: LanguageCode | None = Field(None, description=(
        "the language the feed publishes in (en, ru, uk, zh, fr, de, es, ar); `rules check` warns about "
        "claims that follow the feed with no keyphrases in it"))
    site: str | None = Field(None, description="the web site the feed belongs to (OPML htmlUrl); not polled")
    full_text: Literal["always", "candidates", "never"] = Field("candidates", description=(
        "when an item's article page is read for its full text: always, only for items that are candidates "
        "for a claim but carry little text, or never"))

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value, re.IGNORECASE):
            raise ValueError("must be an http:// or https:// address")
        if "@" in urlsplit(value).netloc:
            raise ValueError("must not hold a user name or password: this file is shared and listed, and feeds "
                             "are fetched without credentials")
        return value

    def to_catalog(self) -> CatalogEntry:
        """The storage form of this feed."""
        return CatalogEntry(name=self.name, url=self.url, interval_seconds=self.interval, tags=tuple(self.tags))


class FeedsFile(BaseModel):
    """The whole of feeds.yaml."""

    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedSpec] = Field(default_factory=list)


def duplicate_names(feeds: Sequence[FeedSpec], locate: Locate, display: str) -> list[RuleProblem]:
    """A problem for each feed whose name an earlier feed already uses."""
    first: dict[str, int] = {}
    problems = []
    for index, feed in enumerate(feeds):
        if feed.name in first:
            line, column = locate(["feeds", index, "name"])
            earlier, _ = locate(["feeds", first[feed.name], "name"])
            problems.append(RuleProblem(display, line, column,
                                        f"feeds.{index + 1}.name: {feed.name!r} is already used on line {earlier}; "
                                        "feed names must be unique"))
        else:
            first[feed.name] = index
    return problems
