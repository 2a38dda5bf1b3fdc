"""Every feed format and the hostile or mislabelled bodies found in the wild, through the real parser."""

from __future__ import annotations

import json

import pytest

from monitor.errors import ParseError
from monitor.feeds.parse import parse_feed

URL = "http://feeds.example.com/feed"
RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title><link>http://x.example.com/</link>
<item><title>First &amp; best</title><link>http://x.example.com/1?utm_medium=rss</link>
<description>Plain &lt;b&gt;bold&lt;/b&gt; text</description></item></channel></rss>"""
RSS10 = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://x.example.com/"><title>RDF</title><link>http://x.example.com/</link></channel>
<item rdf:about="http://x.example.com/1"><title>RDF item</title><link>http://x.example.com/1</link>
<description>Body one</description><dc:date>2024-05-22T10:00:00+02:00</dc:date><dc:language>de</dc:language></item>
</rdf:RDF>"""
ATOM03 = b"""<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>A03</title>
<entry><title>Atom 0.3 entry</title><link rel="alternate" type="text/html" href="http://x.example.com/a03"/>
<id>tag:x,2024:1</id><issued>2024-05-22T10:00:00Z</issued><summary>Old atom</summary></entry></feed>"""
ATOM10 = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
<title>A10</title><id>urn:x</id><updated>2024-05-22T10:00:00Z</updated>
<entry><title type="html">Caf&amp;eacute; &lt;i&gt;news&lt;/i&gt;</title><id>urn:x:1</id>
<link href="http://x.example.com/a10?fbclid=zz&amp;page=2#top"/>
<updated>2024-05-22T12:00:00+01:00</updated><published>2024-05-22T11:00:00+01:00</published>
<content type="html">&lt;p&gt;One&lt;/p&gt;&lt;p&gt;Two&lt;/p&gt;</content>
</entry></feed>"""


def test_rss_091() -> None:
    """RSS 0.91: entities decoded, tags stripped, tracking removed, keyed by link."""
    [item] = parse_feed(RSS091, {}, URL).items
    assert (item.title, item.summary, item.url) == ("First & best", "Plain bold text", "http://x.example.com/1")
    assert item.key == "url:http://x.example.com/1"


def test_rss_10_rdf() -> None:
    """RSS 1.0 (RDF): dc:date becomes UTC, dc:language is kept."""
    [item] = parse_feed(RSS10, {"content-type": "application/rdf+xml"}, URL).items
    assert item.published_at is not None and item.published_at.isoformat() == "2024-05-22T08:00:00+00:00"
    assert item.language == "de"


def test_atom_03_and_10() -> None:
    """Atom 0.3 and 1.0: ids as keys, HTML titles and content as plain text, paragraph breaks kept."""
    [old] = parse_feed(ATOM03, {}, URL).items
    assert (old.key, old.title, old.url) == ("guid:tag:x,2024:1", "Atom 0.3 entry", "http://x.example.com/a03")
    [new] = parse_feed(ATOM10, {"content-type": "application/atom+xml"}, URL).items
    assert (new.title, new.summary, new.language) == ("Café news", "One\n\nTwo", "fr")
    assert new.url == "http://x.example.com/a10?page=2"
    assert new.updated_at is not None and new.updated_at.hour == 11


@pytest.mark.parametrize("version", ["1", "1.1"])
def test_json_feed(version: str) -> None:
    """JSON Feed 1.0 and 1.1 are read by claimwatch itself, even when served as text/plain."""
    body = json.dumps({"version": f"https://jsonfeed.org/version/{version}", "title": "J", "language": "en",
                       "items": [{"id": 42, "url": "/j/1?utm_source=x", "title": "JSON item",
                                  "content_html": "<p>Hi &amp; bye</p>", "date_published": "2024-05-22T10:00:00Z",
                                  "authors": [{"name": "Ann"}]}, "junk"]}).encode()
    parsed = parse_feed(body, {"content-type": "text/plain"}, "http://j.example.com/feed.json")
    [item] = parsed.items
    assert (item.key, item.url, item.content, item.author) == (
        "guid:42", "http://j.example.com/j/1", "Hi & bye", "Ann")


def test_charset_header_that_lies() -> None:
    """A body in windows-1252 served as utf-8 still decodes 'café' and 'Zürich' right."""
    body = ('<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>t</title>'
            "<item><guid>1</guid><title>Café in Zürich</title></item></channel></rss>").encode("cp1252")
    [item] = parse_feed(body, {"content-type": "application/xml; charset=utf-8"}, URL).items
    assert item.title == "Café in Zürich"


def test_utf16_with_bom_and_missing_charset() -> None:
    """A UTF-16 body with a byte-order mark and no charset anywhere parses."""
    text = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><item><guid>1</guid>' \
           "<title>Kyiv — Київ</title></item></channel></rss>"
    [item] = parse_feed(text.encode("utf-16"), {}, URL).items
    assert item.title == "Kyiv — Київ"


def test_mislabelled_and_ill_formed_feeds_still_yield_entries() -> None:
    """RSS served as text/html, and RSS with an unclosed tag, are used when entries come out."""
    body = b'<rss version="2.0"><channel><item><guid>1</guid><title>Ok</title></item><item><guid>2</guid>' \
           b"<title>Broken <b>tag</title></item></channel></rss>"
    parsed = parse_feed(body, {"content-type": "text/html; charset=utf-8"}, URL)
    assert [item.key for item in parsed.items] == ["guid:1", "guid:2"]


def test_html_page_is_not_a_feed() -> None:
    """An HTML page where a feed should be is a ParseError saying so."""
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(b"<!doctype html><html><body><h1>Welcome</h1></body></html>", {"content-type": "text/html"}, URL)


def test_billion_laughs_and_quadratic_blowup_never_expand() -> None:
    """Entity bombs are defused by removing the DOCTYPE: nothing is expanded into the stored text."""
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)
    ) + b']><rss version="2.0"><channel><item><guid>1</guid><title>a &lol9; b</title></item></channel></rss>'
    payload = b"Q" * 50_000
    quadratic = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "' + payload + b'">]><rss version="2.0"><channel>'
                 b"<item><guid>1</guid><title>t</title><description>" + b"&big;" * 2000
                 + b"</description></item></channel></rss>")
    for body in (laughs, quadratic):
        items = parse_feed(body, {}, URL).items
        assert all("lollol" not in item.title + item.summary and "QQQQ" not in item.summary for item in items)


def test_external_entities_are_never_read() -> None:
    """An entity pointing at /etc/passwd is removed with its DOCTYPE and never read."""
    body = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<rss version="2.0"><channel><item><guid>1</guid><title>x &xxe; y</title></item></channel></rss>')
    items = parse_feed(body, {}, URL).items
    assert all("root:" not in item.title + item.summary for item in items)


def test_entities_outside_a_well_formed_doctype_are_refused() -> None:
    """An entity declaration that cannot be cut out cleanly is refused rather than parsed."""
    with pytest.raises(ParseError, match="declares entities"):
        parse_feed(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b"><rss/>', {}, URL)
