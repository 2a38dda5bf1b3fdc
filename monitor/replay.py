"""Replaying the bundled news day: each sample feed as it stood at a moment of that day. Pure.

The samples are claimwatch's own files (RSS, Atom, JSON Feed), so their items are cut out as text: an
edition keeps the bytes of every item published by the cutoff and drops the rest.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parsedate_to_datetime

_XML_ITEM = re.compile(rb"\s*<(item|entry)>.*?</\1>", re.DOTALL)
_XML_DATE = re.compile(rb"<(pubDate|published)>([^<]+)</\1>")


def published(name: str, body: bytes) -> list[datetime]:
    """When each item of the sample feed was published, in file order."""
    if name.endswith(".json"):
        return [datetime.fromisoformat(item["date_published"]) for item in json.loads(body)["items"]]
    return [_xml_date(block.group(0)) for block in _XML_ITEM.finditer(body)]


def edition(name: str, body: bytes, cutoff: datetime) -> bytes:
    """The feed as it stood at `cutoff`: only the items published by then."""
    if name.endswith(".json"):
        document = json.loads(body)
        document["items"] = [item for item in document["items"]
                             if datetime.fromisoformat(item["date_published"]) <= cutoff]
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return _XML_ITEM.sub(lambda block: block.group(0) if _xml_date(block.group(0)) <= cutoff else b"", body)


def _xml_date(block: bytes) -> datetime:
    found = _XML_DATE.search(block)
    if found is None:
        raise ValueError("a sample item without pubDate or published")
    text = found.group(2).decode().strip()
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if found.group(1) == b"published" \
        else parsedate_to_datetime(text)
