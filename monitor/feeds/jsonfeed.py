"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), which feedparser 6.0.14 cannot read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from monitor.errors import ParseError
from monitor.feeds.items import make_item
from storage.items import ItemRecord


def looks_like_json_feed(body: bytes, content_type: str) -> bool:
    """True for a JSON content type, or a body that opens with '{' whatever the server claims."""
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    return media.endswith("json") or body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(body: bytes, base_url: str | None) -> tuple[str, list[ItemRecord]]:
    """The feed's title and its items; ParseError when it is not a JSON Feed."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
            "https://jsonfeed.org/version/"):
        raise ParseError("JSON without a JSON Feed 'version' (https://jsonfeed.org/version/1.1)")
    entries = document.get("items")
    if not isinstance(entries, list):
        raise ParseError("JSON Feed without an 'items' list")
    language = _text(document.get("language"))
    base = _text(document.get("home_page_url")) or base_url
    items = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        item = make_item(
            guid=_text(entry.get("id")),
            link=_text(entry.get("url")) or _text(entry.get("external_url")),
            title=_text(entry.get("title")),
            summary=_text(entry.get("summary")),
            content=_text(entry.get("content_html")) or _text(entry.get("content_text")),
            author=_author(entry) or _author(document),
            language=_text(entry.get("language")) or language,
            published=_date(entry.get("date_published")),
            updated=_date(entry.get("date_modified")),
            base_url=base,
        )
        if item is not None:
            items.append(item)
    return _text(document.get("title")) or "", items


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _author(node: dict[str, Any]) -> str | None:
    authors = node.get("authors")
    if isinstance(authors, list):
        names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
        joined = ", ".join(name for name in names if name)
        if joined:
            return joined
    author = node.get("author")
    return _text(author.get("name")) if isinstance(author, dict) else None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
