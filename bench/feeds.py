"""The ingest benchmark's news feeds: a deterministic corpus of RSS 2.0 and Atom bodies, and the asyncio
HTTP/1.1 server (keep-alive, pipelining, ETag and 304) that serves them from its own process.

Every body is a pure function of (seed, feed index), so the server and the ceiling measurement of
`bench.ingest` build the very same bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape as html_escape
from multiprocessing.connection import Connection
from typing import cast
from xml.sax.saxutils import escape as xml_escape


@dataclass(frozen=True)
class Corpus:
    """Which feeds exist and what is in them; every body is a pure function of (seed, index)."""

    feeds: int
    items: int
    hosts: int
    port: int = 0
    seed: int = 20261128

    def is_atom(self, index: int) -> bool:
        """One feed in five is Atom, the rest RSS 2.0."""
        return index % 5 == 4

    def host(self, index: int) -> str:
        """Feeds are dealt round-robin over the loopback hosts, as many publishers each with a few feeds."""
        return f"127.0.0.{1 + index % self.hosts}"

    def path(self, index: int) -> str:
        """The feed's path on its host."""
        return f"/{SECTIONS[index % len(SECTIONS)]}/feed-{index}.{'atom' if self.is_atom(index) else 'rss'}"

    def url(self, index: int) -> str:
        """The feed's absolute URL (needs the port)."""
        return f"http://{self.host(index)}:{self.port}{self.path(index)}"

    def content_type(self, index: int) -> str:
        """What the server says the body is."""
        return "application/atom+xml; charset=utf-8" if self.is_atom(index) else "application/rss+xml; charset=utf-8"


SECTIONS = ("world", "politics", "business", "science", "health", "europe", "climate", "technology")
SITES = ("dailyledger.example", "northstar-news.example", "observer-post.example", "la-gazette.example",
         "metro-tribune.example", "coastal-herald.example", "the-meridian.example", "wire24.example")
SUBJECTS = (
    "The finance ministry", "Regional health officials", "Prime Minister Alvarez", "The European Commission",
    "Shareholders of Nordvik Energy", "Flood-hit farmers", "Union leaders", "The central bank",
    "Researchers at the University of Leeds", "City council members", "Federal prosecutors",
    "Opposition lawmakers", "The World Health Organization", "Election observers", "Port authorities",
    "Z\u00fcrich prosecutors", "S\u00e3o Paulo\u2019s mayor", "The defence ministry", "Airline executives",
    "Independent fact-checkers", "The national statistics office", "Teachers\u2019 unions",
)
VERBS = (
    "denies", "confirms", "rejects claims of", "says it will review", "warns of", "calls for an inquiry into",
    "disputes figures on", "backs", "delays", "announces", "is accused of hiding", "defends",
)
OBJECTS = (
    "a 12% rise in grain prices", "reports of a data breach", "the new border agreement",
    "plans to close three hospitals", "the disputed vote count", "a \u20ac2.4bn rescue package",
    "the merger with Halvorsen Group", "claims about vaccine supply", "record heat in the south",
    "the fishing quota deal", "job cuts at the Bremen plant", "a leaked memo on water quality",
    "the 2027 budget & tax plans", "\u2018misleading\u2019 crime statistics", "the bridge collapse inquiry",
    "emissions data from coal plants", "a ceasefire proposal", "new rules for short-term lets",
)
TAILS = ("", "", "", " \u2014 live updates", ": what we know so far", " amid protests", " after talks in Brussels",
         " as pressure mounts", ", documents show", " (updated)")
SPEAKERS = ("a spokesperson", "officials", "the minister", "analysts", "two people familiar with the matter",
            "the company", "critics", "a senior adviser", "local residents", "the regulator")
CLAUSES = (
    "the figures had been {adj} and would be corrected within weeks",
    "no decision had been taken and talks would continue on {day}",
    "the report relied on data that was &ldquo;{adj} at best&rdquo;",
    "the plan would cost about {amount} over five years",
    "an independent review had found {count} cases that were never disclosed",
    "the claims were &ldquo;categorically false&rdquo; and legal action was being considered",
    "the measures would take effect on {day} pending parliamentary approval",
    "the agency&#8217;s own audit contradicted the official account",
    "prices had risen by {pct}% since January, the sharpest increase in a decade",
    "similar warnings in 2019 had been ignored &mdash; a point the opposition was quick to make",
)
ADJECTIVES = ("incomplete", "misleading", "outdated", "broadly accurate", "inflated", "selectively quoted")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
AUTHORS = ("Maria Keller", "Tom\u00e1s O\u2019Brien", "Aisha Rahman", "Jonas Berg", "Chlo\u00e9 Martin",
           "Daniel Okafor", "Priya Nair", "Lukas Schmidt", "Elena Rossi", "Samuel Adeyemi")


def _title(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)}"


def _sentence(rng: random.Random, site: str) -> str:
    clause = rng.choice(CLAUSES).format(adj=rng.choice(ADJECTIVES), day=rng.choice(DAYS),
                                        amount=f"&euro;{rng.randint(2, 90)}m", count=rng.randint(3, 400),
                                        pct=rng.randint(2, 19))
    speaker = rng.choice(SPEAKERS)
    sentence = f"{rng.choice(SUBJECTS)} said on {rng.choice(DAYS)} that {clause}, according to {speaker}."
    roll = rng.random()
    if roll < 0.25:
        slug = "-".join(rng.choice(OBJECTS).split()[:3]).lower().strip("&\u2018\u2019%")
        anchor = f'<a href="https://{site}/{rng.choice(SECTIONS)}/{slug}?utm_source=rss&amp;utm_medium=feed">'
        sentence += f" {anchor}Read the full statement</a>."
    elif roll < 0.45:
        sentence = f"<strong>{sentence}</strong>"
    elif roll < 0.6:
        sentence += f" &quot;We will not comment further,&quot; {speaker} added&nbsp;&ndash; <em>for now</em>."
    return sentence


def _description(rng: random.Random, site: str) -> str:
    """600-1,500 characters of newsroom HTML: paragraphs, links, emphasis, entities, sometimes an image."""
    target = rng.randint(600, 1_500)
    parts: list[str] = []
    if rng.random() < 0.3:
        parts.append(f'<p><img src="https://cdn.{site}/img/{rng.getrandbits(48):012x}.jpg" '
                     f'alt="{html_escape(_title(rng))}" width="640" height="360" /></p>')
    size = sum(map(len, parts))
    while size < target:
        sentences = " ".join(_sentence(rng, site) for _ in range(rng.randint(1, 3)))
        kind = rng.random()
        if kind < 0.1:
            paragraph = f"<blockquote><p>{sentences}</p></blockquote>"
        elif kind < 0.18:
            paragraph = f"<ul><li>{sentences}</li><li>{_title(rng)}</li></ul>"
        else:
            paragraph = f"<p>{sentences}</p>"
        parts.append(paragraph)
        size += len(paragraph)
    return "\n".join(parts)


def feed_body(corpus: Corpus, index: int) -> bytes:
    """The body of feed `index`: RSS 2.0 or Atom, `corpus.items` distinct items, newest first."""
    rng = random.Random(f"{corpus.seed}:{index}")
    site = SITES[index % len(SITES)]
    section = SECTIONS[index % len(SECTIONS)]
    newest = datetime(2026, 11, 28, 8, 0, tzinfo=UTC) - timedelta(minutes=rng.randint(0, 600))
    when = newest
    entries = []
    for number in range(corpus.items):
        title = _title(rng)
        slug = f"{section}/2026/11/{index:05d}-{number:03d}-{rng.getrandbits(32):08x}"
        entries.append((title, slug, when, rng.choice(AUTHORS), _description(rng, site),
                        (rng.choice(SECTIONS), rng.choice(SUBJECTS))))
        when -= timedelta(minutes=rng.randint(3, 95))
    if corpus.is_atom(index):
        return _atom(corpus, index, site=site, section=section, newest=newest, entries=entries)
    return _rss(corpus, index, rng, site=site, section=section, newest=newest, entries=entries)


Entry = tuple[str, str, datetime, str, str, tuple[str, str]]


def _rss(corpus: Corpus, index: int, rng: random.Random, *, site: str, section: str, newest: datetime,
         entries: list[Entry]) -> bytes:
    cdata = index % 2 == 0  # half the RSS feeds wrap descriptions in CDATA, half escape them
    ttl = f"<ttl>{rng.choice((15, 30, 60))}</ttl>" if index % 3 == 0 else ""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:media="http://search.yahoo.com/mrss/">\n<channel>\n',
        f"<title>{xml_escape(site)} \u2014 {section.title()}</title>\n<link>https://{site}/{section}/</link>\n",
        f"<description>Latest {section} news from {xml_escape(site)}</description>\n<language>en-gb</language>\n",
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n{ttl}\n",
        f'<atom:link href="https://{site}{corpus.path(index)}" rel="self" type="application/rss+xml"/>\n',
    ]
    for title, slug, when, author, html, (category, tag) in entries:
        link = f"https://{site}/{slug}"
        description = f"<![CDATA[{html}]]>" if cdata else xml_escape(html)
        media = (f'<media:thumbnail url="https://cdn.{site}/thumb/{slug}.jpg" width="240" height="135"/>'
                 if len(html) % 3 == 0 else "")
        out.append(
            f"<item>\n<title>{xml_escape(title)}</title>\n<link>{link}?utm_source=rss&amp;utm_campaign=feed</link>\n"
            f'<guid isPermaLink="false">{site}:{slug}</guid>\n<pubDate>{format_datetime(when)}</pubDate>\n'
            f"<dc:creator>{xml_escape(author)}</dc:creator>\n<category>{category.title()}</category>"
            f"<category>{xml_escape(tag)}</category>\n<description>{description}</description>\n{media}</item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def _atom(corpus: Corpus, index: int, *, site: str, section: str, newest: datetime, entries: list[Entry]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n',
        f"<title>{xml_escape(site)} \u2014 {section.title()}</title>\n<id>tag:{site},2026:{section}</id>\n",
        f'<link rel="alternate" href="https://{site}/{section}/"/>\n',
        f'<link rel="self" href="https://{site}{corpus.path(index)}"/>\n<updated>{newest.isoformat()}</updated>\n',
    ]
    for title, slug, when, author, html, (category, tag) in entries:
        out.append(
            f'<entry>\n<title type="html">{xml_escape(title)}</title>\n'
            f'<link rel="alternate" type="text/html" href="https://{site}/{slug}?utm_source=atom"/>\n'
            f"<id>tag:{site},2026:{slug}</id>\n<published>{when.isoformat()}</published>\n"
            f"<updated>{(when + timedelta(minutes=7)).isoformat()}</updated>\n"
            f"<author><name>{xml_escape(author)}</name></author>\n"
            f'<category term="{category}"/><category term="{xml_escape(tag, {chr(34): "&quot;"})}"/>\n'
            f'<summary type="html">{xml_escape(html)}</summary>\n</entry>\n')
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------------------------------------
# The server process: asyncio protocol, raw HTTP/1.1 with keep-alive, bodies built once at start.
# --------------------------------------------------------------------------------------------------------

@dataclass
class _Route:
    etag: bytes
    head_200: bytes
    body: bytes
    head_200_gzip: bytes
    body_gzip: bytes
    head_304: bytes


@dataclass
class _ServerState:
    routes: dict[bytes, _Route] = field(default_factory=dict)
    delay: float = 0.0
    served_200: int = 0
    served_304: int = 0
    served_404: int = 0


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnot found\n"
MAX_HEAD_BYTES = 16 * 1024


class _FeedProtocol(asyncio.Protocol):
    """One keep-alive connection: requests are parsed from the buffer as they complete (pipelining too)."""

    def __init__(self, state: _ServerState) -> None:
        self._state = state
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD_BYTES:
                    self._transport.close()
                return
            head = bytes(self._buffer[:end])
            del self._buffer[:end + 4]
            if self._state.delay:  # a slow publisher: the answer leaves `delay` seconds later, in order
                asyncio.get_running_loop().call_later(self._state.delay, self._answer, self._transport, head)
            else:
                self._answer(self._transport, head)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def _answer(self, transport: asyncio.Transport, head: bytes) -> None:
        if transport.is_closing():
            return
        lines = head.split(b"\r\n")
        request = lines[0].split(b" ")
        target = request[1] if len(request) == 3 else b""
        if_none_match = accept_encoding = b""
        close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"if-none-match":
                if_none_match = value.strip()
            elif name == b"accept-encoding":
                accept_encoding = value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        route = self._state.routes.get(target.split(b"?", 1)[0])
        if route is None:
            self._state.served_404 += 1
            transport.write(NOT_FOUND)
        elif if_none_match and route.etag in (tag.strip() for tag in if_none_match.split(b",")):
            self._state.served_304 += 1
            transport.write(route.head_304)
        else:
            self._state.served_200 += 1
            if route.body_gzip and b"gzip" in accept_encoding:
                transport.writelines((route.head_200_gzip, route.body_gzip))
            else:
                transport.writelines((route.head_200, route.body))
        if close:
            transport.close()


def _build_routes(corpus: Corpus, use_gzip: bool) -> tuple[dict[bytes, _Route], int]:
    routes: dict[bytes, _Route] = {}
    total = 0
    last_modified = format_datetime(datetime(2026, 11, 28, 8, 0, tzinfo=UTC), usegmt=True)
    for index in range(corpus.feeds):
        body = feed_body(corpus, index)
        total += len(body)
        etag = f'"cw-{corpus.seed:x}-{index:x}-v1"'
        common = (f"ETag: {etag}\r\nLast-Modified: {last_modified}\r\nCache-Control: max-age=60\r\n"
                  "Vary: Accept-Encoding\r\nServer: cw-bench\r\n")
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {corpus.content_type(index)}\r\n{common}"
        packed = gzip.compress(body, compresslevel=6, mtime=0) if use_gzip else b""
        routes[corpus.path(index).encode()] = _Route(
            etag=etag.encode(),
            head_200=f"{head}Content-Length: {len(body)}\r\n\r\n".encode(),
            body=body,
            head_200_gzip=f"{head}Content-Encoding: gzip\r\nContent-Length: {len(packed)}\r\n\r\n".encode(),
            body_gzip=packed,
            head_304=f"HTTP/1.1 304 Not Modified\r\n{common}\r\n".encode(),
        )
    return routes, total


async def _serve(corpus: Corpus, use_gzip: bool, pipe: Connection, delay: float) -> None:
    started = time.perf_counter()
    routes, total = _build_routes(corpus, use_gzip)
    state = _ServerState(routes=routes, delay=delay)
    generated = time.perf_counter() - started
    loop = asyncio.get_running_loop()
    servers: list[asyncio.Server] = []
    for _attempt in range(20):
        port = 0
        try:
            for number in range(1, corpus.hosts + 1):
                server = await loop.create_server(lambda: _FeedProtocol(state), f"127.0.0.{number}", port,
                                                  backlog=1024, reuse_address=True)
                servers.append(server)
                port = server.sockets[0].getsockname()[1]
            break
        except OSError:  # the port taken on 127.0.0.1 is in use on another loopback address: try another
            for server in servers:
                server.close()
            servers.clear()
    else:
        raise RuntimeError("could not bind one port on all the loopback addresses")
    pipe.send({"port": port, "bytes": total, "generate_seconds": generated,
               "gzip_bytes": sum(len(route.body_gzip) for route in routes.values())})
    stop = asyncio.Event()
    loop.add_reader(pipe.fileno(), stop.set)  # anything on the pipe (or its closing) means stop
    await stop.wait()
    with contextlib.suppress(OSError):  # the benchmark may be gone (it failed, or was interrupted)
        pipe.send({"served_200": state.served_200, "served_304": state.served_304, "served_404": state.served_404})
    for server in servers:
        server.close()


def serve(corpus: Corpus, use_gzip: bool, pipe: Connection, delay: float = 0.0) -> None:
    """The server process's entry point: build every body, listen, report the port, serve until told;
    each answer leaves `delay` seconds after its request arrived."""
    asyncio.run(_serve(corpus, use_gzip, pipe, delay))
