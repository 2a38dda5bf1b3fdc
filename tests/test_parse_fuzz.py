"""Whatever bytes a feed sends, parsing yields items or a ParseError, never anything else."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import ParseError
from monitor.feeds.parse import parse_feed
from monitor.feeds.text import html_to_text
from monitor.feeds.urls import canonical_url

FRAGMENTS = st.sampled_from([
    b"<?xml version='1.0'?>", b"<rss version='2.0'>", b"<channel>", b"<item>", b"<title>", b"</title>",
    b"</item>", b"</channel>", b"</rss>", b"<feed xmlns='http://www.w3.org/2005/Atom'>", b"<entry>",
    b"</entry>", b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"&a;", b"&amp;", b"<![CDATA[", b"]]>", b"{",
    b'"version": "https://jsonfeed.org/version/1.1"', b'"items": [', b"]", b"}", b"\xff\xfe", b"\x00",
    b"caf\xc3\xa9", b"caf\xe9", b"<guid>", b"</guid>", b"<link>http://x/?utm_source=a</link>",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, st.binary(max_size=20)), max_size=30),
       st.sampled_from(["", "application/xml", "text/html; charset=utf-8", "application/json"]))
def test_parse_feed_never_raises_anything_but_parse_error(parts: list[bytes], content_type: str) -> None:
    """Random mixtures of feed syntax and garbage parse to items or fail with ParseError."""
    try:
        parsed = parse_feed(b"".join(parts), {"content-type": content_type}, "http://feed.example.com/rss")
    except ParseError:
        return
    for item in parsed.items:
        assert item.key and item.content_hash


@given(st.text(max_size=300))
def test_html_to_text_is_total(fragment: str) -> None:
    """Any string, markup or not, becomes text with no tags' angle brackets left from real tags."""
    text = html_to_text(fragment)
    assert text == text.strip()
    assert "\n\n\n" not in text


@given(st.text(max_size=120), st.one_of(st.none(), st.just("http://base.example.com/a/")))
def test_canonical_url_is_total(link: str, base: str | None) -> None:
    """Any link text gives an http(s) URL without tracking parameters, or None."""
    url = canonical_url(link, base)
    if url is not None:
        assert url.startswith(("http://", "https://"))
        assert not any(key.lower().startswith("utm_") for key, _ in parse_qsl(urlsplit(url).query))
