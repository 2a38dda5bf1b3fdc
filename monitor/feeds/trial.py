"""`claimwatch feeds test URL`: one fetch and parse of a feed, nothing stored, and what each item would match.

It is how an analyst decides whether a feed is worth adding: its title and format, the validators that
make re-polls cheap, how many items it carries, the newest of them and the claims each would be evidence
for, with stance and speaker. The fetch goes through the poller's own Fetcher (same limits, same address
policy) and the parse through its parser processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.feeds.fetch import Fetcher
from monitor.feeds.parser_pool import ParserPool
from monitor.matching.matcher import Matcher
from storage.items import ItemRecord


@dataclass(frozen=True)
class TrialMatch:
    """One claim an item would be evidence for."""

    claim_id: str
    stance: str
    score: float
    speaker: str
    speaker_affiliation: str | None
    clear_speaker: bool
    quote: str | None


@dataclass(frozen=True)
class TrialItem:
    """One of the feed's items and what it would match."""

    title: str
    url: str | None
    published_at: datetime | None
    matches: tuple[TrialMatch, ...]


@dataclass(frozen=True)
class FeedTrial:
    """Everything one fetch and parse told about a feed."""

    url: str
    final_url: str
    title: str
    format: str
    etag: str | None
    last_modified: str | None
    cache_seconds: float | None
    ttl_seconds: float | None
    items: int
    skipped: int
    warning: str | None
    matching_items: int
    newest: tuple[TrialItem, ...]


def try_feed(url: str, fetcher: Fetcher, parsers: ParserPool, matcher: Matcher, *, newest: int = 10) -> FeedTrial:
    """Fetch and parse `url` once and match every item; FetchError or ParseError when that fails."""
    fetched = fetcher.fetch(url)
    parsed = parsers.parse(fetched.body, fetched.headers or {}, fetched.url)
    tried = [_try_item(item, matcher) for item in _newest_first(parsed.items)]
    return FeedTrial(url=url, final_url=fetched.url, title=parsed.title, format=parsed.format or "unknown",
                     etag=fetched.etag, last_modified=fetched.last_modified, cache_seconds=fetched.cache_seconds,
                     ttl_seconds=parsed.ttl_seconds, items=len(parsed.items), skipped=parsed.skipped,
                     warning=parsed.warning, matching_items=sum(bool(item.matches) for item in tried),
                     newest=tuple(tried[:newest]))


def _newest_first(items: Sequence[ItemRecord]) -> list[ItemRecord]:
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(items, key=lambda item: item.published_at or item.updated_at or oldest, reverse=True)


def _try_item(item: ItemRecord, matcher: Matcher) -> TrialItem:
    text = "\n\n".join(filter(None, (item.summary, item.content)))
    matches = tuple(TrialMatch(claim_id=match.claim_id, stance=match.label, score=round(match.score, 3),
                               speaker=match.speaker, speaker_affiliation=match.speaker_affiliation,
                               clear_speaker=match.clear_speaker, quote=match.quote.text if match.quote else None)
                    for match in matcher.match(item.title, text))
    return TrialItem(title=item.title, url=item.url, published_at=item.published_at or item.updated_at,
                     matches=matches)
