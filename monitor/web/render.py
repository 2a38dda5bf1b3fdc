"""The templates' environment and filters: times, safe links, holder names, and the highlighting of the
claim-bearing passage. Everything from feeds is escaped; only http(s) links become links."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from monitor.web.security import safe_href


def make_environment() -> Environment:
    """Jinja2 with autoescaping on for every template, and the filters below."""
    environment = Environment(loader=PackageLoader("monitor.web", "templates"),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(when=when, safe_href=safe_href, holder=holder_name, highlight=highlight)
    return environment


def when(value: datetime | None, default: str = "-") -> str:
    """A UTC timestamp to the minute, or `default`."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else default


def holder_name(holder: str | None, names: Mapping[str, str]) -> str:
    """An actor's name, or a feed for unattributed evidence."""
    if not holder:
        return "-"
    if holder.startswith("source:"):
        return f"{holder.removeprefix('source:')} (unattributed)"
    return names.get(holder, holder)


def highlight(text: str, cues: Iterable[str] = (), speaker: Iterable[str] = ()) -> Markup:
    """The passage, escaped, with the speaker's words and the stance cues in it marked."""
    classes: dict[str, str] = {}
    for word in speaker:
        classes.setdefault(word.casefold(), "speaker")
    for word in cues:
        classes.setdefault(word.casefold(), "cue")
    words = sorted((w for w in classes if len(w) > 1), key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)
    out, last = [], 0
    for found in pattern.finditer(text):
        out.append(escape(text[last:found.start()]))
        out.append(Markup('<mark class="{}">{}</mark>').format(classes[found[1].casefold()], found[1]))
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
