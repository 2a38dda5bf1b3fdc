"""One feed entry, whatever its format, turned into an ItemRecord: stable key, canonical URL, plain text."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from monitor.feeds.text import html_to_text, normalise_space
from monitor.feeds.urls import canonical_url
from storage.items import ItemRecord

MAX_KEY_CHARS = 400
MAX_FIELD_CHARS = 200_000


def make_item(*, guid: str | None, link: str | None, title: str | None, summary: str | None,
              content: str | None, author: str | None, language: str | None,
              published: datetime | None, updated: datetime | None, base_url: str | None) -> ItemRecord | None:
    """An ItemRecord, or None for an entry with nothing to read (no title, text or link)."""
    url = canonical_url(link, base_url)
    title_text = html_to_text(title)[:MAX_FIELD_CHARS]
    summary_text = html_to_text(summary)[:MAX_FIELD_CHARS]
    content_text = html_to_text(content)[:MAX_FIELD_CHARS]
    if content_text == summary_text:
        content_text = ""
    if not (title_text or summary_text or content_text or url):
        return None
    digest = _sha256("\x1f".join((title_text, summary_text, content_text)))
    return ItemRecord(
        key=_item_key(guid, url, digest),
        url=url,
        title=title_text,
        summary=summary_text,
        content=content_text,
        author=normalise_space(author)[:500] if author else None,
        language=language.strip()[:35] if language and language.strip() else None,
        published_at=published,
        updated_at=updated,
        content_hash=digest,
    )


def _item_key(guid: str | None, url: str | None, digest: str) -> str:
    """guid, else canonical link, else the hash of what the entry says; long keys are hashed."""
    key = (guid or "").strip()
    key = f"guid:{key}" if key else (f"url:{url}" if url else f"sha256:{digest}")
    return key if len(key) <= MAX_KEY_CHARS else f"sha256:{_sha256(key)}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def utc_from_struct(value: object) -> datetime | None:
    """feedparser's *_parsed tuples (UTC) as aware datetimes; None when absent or impossible."""
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)  # type: ignore[index, misc]
    except (TypeError, ValueError, OverflowError):
        return None
