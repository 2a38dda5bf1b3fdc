"""Every feed format and the hostile or mislabelled bodies found in the wild, through the real parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.errors import ParseError
from monitor.feeds.parse import ParsedFeed, parse_feed
from storage.items import ItemRecord

URL = "http://feeds.example.com/feed"

RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title><link>http://x.example.com/</link>
<item><title>First &amp; best</title><link>HTTP://X.Example.COM:80/1?utm_medium=rss&amp;id=7#frag</link>
<description>Plain &lt;b&gt;bold&lt;/b&gt; text</description></item></channel></rss>"""

RSS10 = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://x.example.com/"><title>RDF channel</title><link>http://x.example.com/</link></channel>
<item rdf:about="http://x.example.com/1"><title>RDF item</title><link>http://x.example.com/1?fbclid=abc</link>
<description>Body &lt;i&gt;one&lt;/i&gt;</description><dc:date>2024-05-22T10:00:00+02:00</dc:date>
<dc:language>de</dc:language></item>
</rdf:RDF>"""

ATOM03 = b"""<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>A03</title>
<entry><title>Atom 0.3 entry</title><link rel="alternate" type="text/html" href="http://x.example.com/a03?utm_source=f"/>
<id>tag:x,2024:1</id><issued>2024-05-22T10:00:00Z</issued><summary>Old &lt;em&gt;atom&lt;/em&gt;</summary></entry>
</feed>"""

ATOM10 = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
<title>A10</title><id>urn:x</id><updated>2024-05-22T10:00:00Z</updated>
<entry><title type="html">Caf&amp;eacute; &lt;i&gt;news&lt;/i&gt;</title><id>urn:x:1</id>
<link href="http://x.example.com/a10?fbclid=zz&amp;page=2#top"/>
<updated>2024-05-22T12:00:00+01:00</updated><published>2024-05-22T11:00:00+01:00</published>
<content type="html">&lt;p&gt;One&lt;/p&gt;&lt;p&gt;Two&lt;/p&gt;</content>
</entry></feed>"""


def _text(item: ItemRecord) -> str:
    return " ".join((item.title, item.summary, item.content))


def test_rss_091() -> None:
    """RSS 0.91: the feed title, entities decoded, tags stripped, the link canonical and the key."""
    parsed = parse_feed(RSS091, {}, URL)
    [item] = parsed.items
    assert (parsed.title, parsed.format) == ("Old", "rss091u")
    assert (item.title, item.summary) == ("First & best", "Plain bold text")
    assert item.url == "http://x.example.com/1?id=7"
    assert item.key == "url:http://x.example.com/1?id=7"


def test_rss_10_rdf() -> None:
    """RSS 1.0 (RDF): titles and plain text, a canonical link, dc:date in UTC and dc:language kept."""
    parsed = parse_feed(RSS10, {"content-type": "application/rdf+xml"}, URL)
    [item] = parsed.items
    assert (parsed.title, parsed.format) == ("RDF channel", "rss10")
    assert (item.title, item.summary, item.url) == ("RDF item", "Body one", "http://x.example.com/1")
    assert item.published_at is not None and item.published_at.isoformat() == "2024-05-22T08:00:00+00:00"
    assert item.language == "de"


def test_atom_03() -> None:
    """Atom 0.3: the id as key, the alternate link canonical, the summary as plain text."""
    parsed = parse_feed(ATOM03, {}, URL)
    [item] = parsed.items
    assert (parsed.title, parsed.format) == ("A03", "atom03")
    assert (item.key, item.title, item.url) == ("guid:tag:x,2024:1", "Atom 0.3 entry", "http://x.example.com/a03")
    assert item.summary == "Old atom"


def test_atom_10() -> None:
    """Atom 1.0: HTML title and content as plain text with paragraph breaks, xml:lang, canonical link, UTC."""
    parsed = parse_feed(ATOM10, {"content-type": "application/atom+xml"}, URL)
    [item] = parsed.items
    assert (parsed.title, parsed.format) == ("A10", "atom10")
    assert (item.key, item.title, item.summary, item.language) == ("guid:urn:x:1", "Café news", "One\n\nTwo", "fr")
    assert item.url == "http://x.example.com/a10?page=2"
    assert item.updated_at is not None and item.updated_at.isoformat() == "2024-05-22T11:00:00+00:00"
    assert item.published_at is not None and item.published_at.hour == 10


@pytest.mark.parametrize("version", ["1", "1.1"])
def test_json_feed(version: str) -> None:
    """JSON Feed 1.0 and 1.1 give the title, plain text and canonical links, even served as text/plain."""
    body = json.dumps({"version": f"https://jsonfeed.org/version/{version}", "title": "J", "language": "en",
                       "items": [{"id": 42, "url": "/j/1?utm_source=x", "title": "JSON item",
                                  "content_html": "<p>Hi &amp; bye</p>", "date_published": "2024-05-22T10:00:00Z",
                                  "authors": [{"name": "Ann"}]}, "junk"]}).encode()
    parsed = parse_feed(body, {"content-type": "text/plain"}, "http://j.example.com/feed.json")
    [item] = parsed.items
    assert (parsed.title, parsed.format) == ("J", "json")
    assert (item.key, item.title, item.url, item.content, item.author, item.language) == (
        "guid:42", "JSON item", "http://j.example.com/j/1", "Hi & bye", "Ann", "en")
    assert item.published_at is not None and item.published_at.isoformat() == "2024-05-22T10:00:00+00:00"


def test_charset_header_that_lies() -> None:
    """A windows-1252 body (declared so in its XML declaration) served as charset=utf-8 decodes 'café'."""
    body = ('<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>t</title>'
            "<item><guid>1</guid><title>Café in Zürich</title><description>café crème</description></item>"
            "</channel></rss>").encode("cp1252")
    assert b"caf\xe9" in body
    [item] = parse_feed(body, {"content-type": "application/xml; charset=utf-8"}, URL).items
    assert (item.title, item.summary) == ("Café in Zürich", "café crème")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    """A UTF-16 body that starts with a byte-order mark parses, whatever its byte order."""
    text = ('<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Київ</title><item>'
            "<guid>1</guid><title>Kyiv — Київ</title></item></channel></rss>")
    body = text.encode(codec) if codec == "utf-16" else "\ufeff".encode(codec) + text.encode(codec)
    parsed = parse_feed(body, {}, URL)
    assert parsed.title == "Київ"
    assert [item.title for item in parsed.items] == ["Kyiv — Київ"]


def test_rss_served_as_text_html() -> None:
    """Well-formed RSS mislabelled text/html is still read as a feed."""
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Mislabelled</title>'
            b"<item><guid>1</guid><title>Ok</title><link>http://x.example.com/ok</link></item></channel></rss>")
    parsed = parse_feed(body, {"content-type": "text/html; charset=utf-8"}, URL)
    assert parsed.title == "Mislabelled"
    assert [(item.key, item.title, item.url) for item in parsed.items] == [
        ("guid:1", "Ok", "http://x.example.com/ok")]


def test_ill_formed_xml_still_yields_entries() -> None:
    """RSS with an unclosed tag and a bare ampersand yields its entries, with a warning recorded."""
    body = (b'<rss version="2.0"><channel><title>Sloppy</title><item><guid>1</guid><title>Ok & fine</title>'
            b"</item><item><guid>2</guid><title>Broken <b>tag</title></item></channel></rss>")
    parsed = parse_feed(body, {"content-type": "application/rss+xml"}, URL)
    assert [item.key for item in parsed.items] == ["guid:1", "guid:2"]
    assert parsed.items[0].title.startswith("Ok")
    assert parsed.warning


def test_html_page_is_not_a_feed() -> None:
    """An HTML page where a feed should be is a ParseError that says it is not a feed."""
    page = b"<!doctype html><html><head><title>Home</title></head><body><h1>Welcome</h1></body></html>"
    with pytest.raises(ParseError, match="not a feed"):
        parse_feed(page, {"content-type": "text/html"}, URL)


def _assert_defused(parsed: ParsedFeed, *needles: str) -> None:
    assert parsed.items, "the feed's entry must still come out"
    for item in parsed.items:
        for needle in needles:
            assert needle not in _text(item)


def test_billion_laughs_is_not_expanded() -> None:
    """A billion-laughs DOCTYPE is removed: the entry parses and no 'lol' expansion reaches the text."""
    declarations = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    body = (b'<?xml version="1.0"?><!DOCTYPE lolz [' + declarations + b']><rss version="2.0"><channel>'
            b"<item><guid>1</guid><title>a &lol9; b</title><description>d &lol9;</description></item>"
            b"</channel></rss>")
    parsed = parse_feed(body, {}, URL)
    _assert_defused(parsed, "lollol")
    assert len(parsed.items[0].summary) < 100


def test_quadratic_blowup_is_not_expanded() -> None:
    """A 50 KB entity referenced 2,000 times is not expanded: the stored text lacks the payload."""
    payload = b"Q" * 50_000
    body = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "' + payload + b'">]><rss version="2.0"><channel>'
            b"<item><guid>1</guid><title>t</title><description>" + b"&big;" * 2000
            + b"</description></item></channel></rss>")
    parsed = parse_feed(body, {}, URL)
    _assert_defused(parsed, "QQQQ")
    assert parsed.items[0].title == "t"


def test_external_entities_are_never_read(tmp_path: Path) -> None:
    """SYSTEM entities (file:///etc/passwd and a local marker file) are never read into the output."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0 MARKER-7f3a", encoding="utf-8")
    for target in ("file:///etc/passwd", secret.as_uri()):
        body = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "' + target.encode() + b'">]>'
                b'<rss version="2.0"><channel><item><guid>1</guid><title>x &xxe; y</title>'
                b"<description>&xxe;</description></item></channel></rss>")
        parsed = parse_feed(body, {}, URL)
        _assert_defused(parsed, "root:", "MARKER-7f3a")


def test_entities_outside_a_well_formed_doctype_are_refused() -> None:
    """An entity declaration that cannot be cut out cleanly is refused rather than parsed."""
    with pytest.raises(ParseError, match="declares entities"):
        parse_feed(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b"><rss/>', {}, URL)
