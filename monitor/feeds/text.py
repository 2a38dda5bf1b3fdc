"""HTML fragments from feeds turned into plain text: tags stripped, entities decoded, whitespace normalised."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from monitor.matching.normalize import INVISIBLE

_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section",
    "table", "td", "th", "tr", "ul",
})
_SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BREAKS = re.compile(r"\s*\n\s*(?:\n\s*)*")
_MARKUP = re.compile(r"[<&]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment: paragraphs separated by one blank line, other runs of space folded."""
    if not fragment:
        return ""
    if _MARKUP.search(fragment):
        extractor = _TextExtractor()
        extractor.feed(fragment)
        extractor.close()
        fragment = unescape("".join(extractor.parts))
    return normalise_space(fragment)


def normalise_space(text: str) -> str:
    """Delete invisible characters (as the matcher does: a zero-width space inside a name joins it), fold runs
    of horizontal space to one space and runs of line breaks to one blank line."""
    text = text.replace("\x00", "")
    if not text.isascii():
        text = INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    return _BREAKS.sub("\n\n", text).strip()
