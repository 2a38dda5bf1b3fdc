"""Feed bodies turned into items, safely: pure functions, run in a parser process with a time limit.

feedparser is handed the body as a BytesIO with the real response headers, never a str or bytes it could
take for a path or URL, and never asked to fetch. A DOCTYPE that declares entities is cut out first: that
defeats billion-laughs and quadratic-blowup bodies and external entities alike.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import feedparser

from monitor.errors import ParseError
from monitor.feeds.items import make_item, utc_from_struct
from monitor.feeds.jsonfeed import looks_like_json_feed, parse_json_feed
from storage.items import ItemRecord

_DOCTYPE_WITH_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)
_XML_ENCODING = re.compile(rb"^(<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2", re.IGNORECASE)
_PROLOG_BYTES = 64 * 1024
_UTF_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
             (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_SY_PERIOD_SECONDS = {"hourly": 3600, "daily": 86_400, "weekly": 604_800, "monthly": 2_592_000,
                      "yearly": 31_536_000}


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed body yielded: its title, how long it asks to be left alone, its items, any warning."""

    title: str
    items: list[ItemRecord]
    ttl_seconds: float | None = None
    warning: str | None = None
    format: str = ""
    skipped: int = field(default=0)


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
    """Parse an RSS, Atom, RDF or JSON Feed body; ParseError when nothing usable is in it."""
    content_type = headers.get("content-type", "")
    if looks_like_json_feed(body, content_type):
        title, items = parse_json_feed(body, url)
        return ParsedFeed(title=title, items=items, format="json")
    body = defuse_xml(body)
    # No content-location: feedparser would resolve guids against it, and a moved feed would re-key
    # every item. Links are made absolute by canonical_url instead.
    response_headers = {"content-type": content_type or "application/xml"}
    if headers.get("content-language"):
        response_headers["content-language"] = headers["content-language"]
    parsed = feedparser.parse(io.BytesIO(body), response_headers=response_headers,
                              sanitize_html=False, resolve_relative_uris=False)
    if not parsed.entries and not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        raise ParseError(f"not a feed: {problem}" if problem else "not a feed: no RSS, Atom or JSON Feed found")
    language = parsed.feed.get("language")
    items, skipped = [], 0
    for entry in parsed.entries:
        content = entry.get("content")
        item = make_item(
            guid=entry.get("id"),
            link=entry.get("link"),
            title=entry.get("title"),
            summary=entry.get("summary"),
            content=content[0].get("value") if content else None,
            author=entry.get("author"),
            language=(content[0].get("language") if content else None) or entry.get("language") or language,
            # RSS 1.0's dc:date and Atom's updated arrive as updated only; they date an undated entry.
            published=utc_from_struct(entry.get("published_parsed") or entry.get("updated_parsed")),
            # `in` first: feedparser's get("updated_parsed") falls back to the published date, with a warning.
            updated=utc_from_struct(entry["updated_parsed"]) if "updated_parsed" in entry else None,
            base_url=url,
        )
        if item is None:
            skipped += 1
        else:
            items.append(item)
    warning = str(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    return ParsedFeed(title=parsed.feed.get("title", ""), items=items, ttl_seconds=_ttl(parsed.feed),
                      warning=warning, format=parsed.get("version", ""), skipped=skipped)


def defuse_xml(body: bytes) -> bytes:
    """The body as UTF-8 when it came in UTF-16/32, with any entity-declaring DOCTYPE removed.

    ParseError when the prolog declares entities in a way that cannot be cut out cleanly.
    """
    for bom, encoding in _UTF_BOMS:
        if body.startswith(bom):
            try:
                body = body.decode(encoding).encode("utf-8")
            except UnicodeDecodeError as exc:
                raise ParseError(f"body starts with a {encoding} byte-order mark but is not {encoding}: {exc}"
                                 ) from None
            body = _XML_ENCODING.sub(rb"\1\2utf-8\2", body, count=1)
            break
    head = body[:_PROLOG_BYTES]
    if b"<!ENTITY" not in head.upper():
        return body
    match = _DOCTYPE_WITH_SUBSET.search(head)
    if match is None:
        raise ParseError("the document declares entities outside a well-formed DOCTYPE; refused")
    body = body[:match.start()] + body[match.end():]
    if b"<!ENTITY" in body[:_PROLOG_BYTES].upper():
        raise ParseError("the document declares entities in more than one DOCTYPE; refused")
    return body


def _ttl(feed: Mapping[str, str]) -> float | None:
    """RSS <ttl> (minutes) or sy:updatePeriod/updateFrequency, in seconds."""
    try:
        if feed.get("ttl"):
            return float(feed["ttl"]) * 60
        period = feed.get("sy_updateperiod")
        if period in _SY_PERIOD_SECONDS:
            return _SY_PERIOD_SECONDS[period] / max(1.0, float(feed.get("sy_updatefrequency") or 1))
    except ValueError:
        return None
    return None
