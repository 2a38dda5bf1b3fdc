"""OPML, the outline format feed readers import and export: reading one into feed entries, writing one. Pure.

Reading is forgiving, because real exports are messy: an outline without xmlUrl, a web page listed as a
feed, the same feed twice, an address that is not http(s), a file that is not the UTF-8 it declares. Each
is skipped with a note saying why; folders (outlines holding outlines) and `category` attributes become
tags. Writing gives OPML 2.0 with one folder per feed's first tag and every tag in `category`, so reading
the file back gives the same names, addresses, tags and sites.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError as XmlParseError
from defusedxml.ElementTree import fromstring

FALLBACK_ENCODING = "windows-1252"
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_PAGE_SUFFIXES = (".html", ".htm", ".php", ".aspx")
_FEED_HINTS = ("rss", "atom", "feed", "xml", "json")


class OpmlError(ValueError):
    """The file is not OPML at all (nothing can be imported from it)."""


@dataclass(frozen=True)
class OpmlFeed:
    """One feed an outline names."""

    name: str
    url: str
    tags: tuple[str, ...] = ()
    site: str | None = None


@dataclass
class OpmlContents:
    """The feeds found, in file order; why each other outline was skipped; how the file was repaired."""

    feeds: list[OpmlFeed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_opml(data: bytes) -> OpmlContents:
    """The feeds in an OPML document; OpmlError when it is not OPML."""
    contents = OpmlContents()
    root = _parse(data, contents.notes)
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise OpmlError("not OPML: no <opml> element with a <body>")
    seen: dict[str, str] = {}
    for outline, folders in _outlines(body, ()):
        feed = _feed(outline, folders, contents.skipped)
        if feed is None:
            continue
        if feed.url in seen:
            contents.skipped.append(f"{feed.name!r}: the same address as {seen[feed.url]!r} earlier in the file")
            continue
        seen[feed.url] = feed.name
        contents.feeds.append(feed)
    return contents


def _parse(data: bytes, notes: list[str]) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise OpmlError(f"refused: the file declares {type(exc).__name__}; OPML needs no DTD or entities") from None
    except XmlParseError as first:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise OpmlError(f"not well-formed XML: {first}") from None
        # Not the UTF-8 it declares (or defaults to): read it as Windows-1252, as browsers read such pages.
        text = _DECLARATION.sub(b"", data).decode(FALLBACK_ENCODING, errors="replace")
        try:
            root = fromstring(text.encode("utf-8"), forbid_dtd=True)
        except (XmlParseError, DefusedXmlException):
            raise OpmlError(f"not well-formed XML: {first}") from None
        notes.append(f"the file is not in the encoding it declares; read as {FALLBACK_ENCODING}")
        return root


def _outlines(parent: Element, folders: tuple[str, ...]) -> Iterable[tuple[Element, tuple[str, ...]]]:
    for outline in parent.findall("outline"):
        children = outline.findall("outline")
        if children and not outline.get("xmlUrl"):
            label = (outline.get("title") or outline.get("text") or "").strip()
            yield from _outlines(outline, (*folders, label) if label else folders)
        else:
            yield outline, folders
            if children:
                yield from _outlines(outline, folders)


def _feed(outline: Element, folders: tuple[str, ...], skipped: list[str]) -> OpmlFeed | None:
    name = " ".join((outline.get("title") or outline.get("text") or "").split())[:200]
    url = (outline.get("xmlUrl") or "").strip()
    site = (outline.get("htmlUrl") or "").strip() or None
    label = repr(name) if name else repr(url or site or "an untitled outline")
    if not url:
        skipped.append(f"{label}: no xmlUrl, so no feed address" + (f" (only the web page {site})" if site else ""))
        return None
    if not re.match(r"^https?://[^\s/@]+", url, re.IGNORECASE):
        skipped.append(f"{label}: {url!r} is not an http:// or https:// address without credentials")
        return None
    if outline.get("type", "rss").lower() == "link" or _looks_like_page(url, site):
        skipped.append(f"{label}: {url} looks like a web page, not a feed (check it: claimwatch feeds test URL)")
        return None
    tags = [*folders, *_categories(outline.get("category", ""))]
    return OpmlFeed(name=name or url, url=url, tags=tuple(_unique(tag_of(tag) for tag in tags)), site=site)


def _looks_like_page(url: str, site: str | None) -> bool:
    if site is not None and url.rstrip("/") == site.rstrip("/"):
        return True
    path = url.split("?", 1)[0].lower()
    return path.endswith(_PAGE_SUFFIXES) and not any(hint in path for hint in _FEED_HINTS)


def _categories(value: str) -> list[str]:
    """OPML 2.0 categories: comma-separated, each a /-separated path whose last part is the tag."""
    return [part.strip().rstrip("/").rsplit("/", 1)[-1] for part in value.split(",") if part.strip("/ ")]


def tag_of(label: str) -> str:
    """A folder or category label as a feeds.yaml tag: lower case, words joined by hyphens."""
    return "-".join(re.findall(r"\w+", label.casefold())) or label.strip()


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def write_opml(feeds: Sequence[OpmlFeed], *, title: str, now: datetime) -> bytes:
    """OPML 2.0: feeds grouped in a folder per first tag (untagged ones at the top), every tag in `category`."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    body = SubElement(root, "body")
    folders: dict[str, Element] = {}
    for feed in feeds:
        parent = body
        if feed.tags:
            if feed.tags[0] not in folders:
                folders[feed.tags[0]] = SubElement(body, "outline", text=feed.tags[0], title=feed.tags[0])
            parent = folders[feed.tags[0]]
        attributes = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.site:
            attributes["htmlUrl"] = feed.site
        if feed.tags:
            attributes["category"] = ",".join(f"/{tag}" for tag in feed.tags)
        SubElement(parent, "outline", attributes)
    indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode("utf-8") + b"\n"
