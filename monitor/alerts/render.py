"""The message for a group of alerts of one claim (or for operator notices): pure, no I/O.

A message lists its alerts most urgent first. Each alert shows what was said (the quote), by whom, where
(source and link, and the story's other sources), the claim's current picture (who corroborates, who
denies, since when), one line on why it matched, and the alert's stable id so receivers can drop
duplicates. Bodies come as Markdown (Slack, webhooks), plain text, or HTML (email).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.alerts.decide import title as kind_title
from storage.alert_views import AlertContext, PositionView

MARKDOWN = "markdown"
TEXT = "text"
HTML = "html"
FORMATS = (MARKDOWN, TEXT, HTML)
MAX_SECTIONS = 12  # alerts shown in full; the rest of a large group get one line each

PICTURE_ORDER = ("corroborates", "denies", "discusses")
PICTURE_WORDS = {"corroborates": "Corroborated by", "denies": "Denied by", "discusses": "Discussed by"}


@dataclass(frozen=True)
class Message:
    """What goes to one channel: a title and a body in `body_format` (markdown, text or html)."""

    title: str
    body: str
    body_format: str


@dataclass(frozen=True)
class _Line:
    label: str
    text: str
    url: str | None = None
    after: str = ""


@dataclass(frozen=True)
class _Section:
    heading: str
    quote: str
    lines: tuple[_Line, ...]


def format_for_url(url: str) -> str:
    """The body format a channel gets: HTML for email (mailto, mailtos), Markdown for everything else."""
    scheme = url.partition("://")[0].lower()
    return HTML if scheme in ("mailto", "mailtos") else MARKDOWN


def render(alerts: Sequence[AlertContext], body_format: str = MARKDOWN,
           names: Mapping[str, str] | None = None) -> Message:
    """One message for `alerts` (those of one claim, or operator notices), most urgent first. `names`
    turns holder ids of the claim's picture into names; ids it does not know are shown as they are."""
    if body_format not in FORMATS:
        raise ValueError(f"body_format must be one of {', '.join(FORMATS)}, not {body_format!r}")
    if not alerts:
        raise ValueError("render needs at least one alert")
    ordered = sorted(alerts, key=lambda a: (a.priority, a.created_at, a.id))
    names = names or {}
    sections = [_section(alert, names) for alert in ordered[:MAX_SECTIONS]]
    if len(ordered) > MAX_SECTIONS:
        rest = ordered[MAX_SECTIONS:]
        sections.append(_Section(f"{len(rest)} more alerts", "", tuple(
            _Line("", f"{headline(alert)}: {_who(alert)}", None, f" ({alert.id})") for alert in rest)))
    top = ordered[0]
    picture: tuple[_Line, ...] = ()
    if top.claim_id is not None:
        picture = (_Line("Claim", f"{_text(top.detail, 'statement') or top.claim_id} ({top.claim_id})"),
                   *_picture(top.positions, names))
    return Message(title=_title(ordered), body=_BODIES[body_format](sections, picture, _ids(ordered)),
                   body_format=body_format)


def headline(alert: AlertContext) -> str:
    """"New denial", "Reversal", ... as the ledger named it, else from the alert's kind and stance."""
    given = alert.detail.get("headline")
    if isinstance(given, str) and given:
        return given
    stance = alert.stance or _text(alert.detail, "stance")
    return kind_title(alert.kind, stance or "stance")


def _title(ordered: Sequence[AlertContext]) -> str:
    top = ordered[0]
    if top.claim_id is None:
        first = _text(top.detail, "title") or top.kind.replace("_", " ")
        return first if len(ordered) == 1 else f"{len(ordered)} operator notices: {first}"
    statement = _text(top.detail, "statement") or top.claim_id
    if len(ordered) == 1:
        return f"{headline(top)}: {_who(top)} — {statement}"
    return f"{len(ordered)} alerts: {headline(top)}: {_who(top)} and {len(ordered) - 1} more — {statement}"


def _who(alert: AlertContext) -> str:
    """The holder whose stance it is, with the speaker when that is someone else: "UK government (UK
    Defence Secretary)"."""
    holder, speaker = _text(alert.detail, "holder_name"), _speaker(alert)
    return f"{holder} ({speaker})" if holder and holder != speaker else speaker


def _speaker(alert: AlertContext) -> str:
    detail = alert.detail
    return (_text(detail, "speaker_name") or _text(detail, "holder_name") or _text(detail, "speaker")
            or alert.holder or "unattributed")


def _section(alert: AlertContext, names: Mapping[str, str]) -> _Section:
    detail = alert.detail
    if alert.claim_id is None:
        return _Section(_text(detail, "title") or alert.kind, "",
                        (_Line("", _text(detail, "body")), _Line("Alert id", alert.id)))
    stance = alert.stance or _text(detail, "stance")
    heading = f"{headline(alert)}: {_speaker(alert)} {stance}".rstrip()
    holder = _text(detail, "holder_name")
    if holder and holder != _speaker(alert):
        heading += f" (for {holder})"
    previous = _text(detail, "previous_stance")
    lines = []
    if alert.kind == "reversal" and previous:
        lines.append(_Line("Before", f"{previous}, now {stance}"))
    source = _text(detail, "feed")
    when = _when(_text(detail, "published_at")) or _when(_text(detail, "seen_at"))
    title = _text(detail, "title") or _text(detail, "url") or "the item"
    where = ", ".join(part for part in (source, when) if part)
    lines.append(_Line("Source", title, _text(detail, "url") or None, f" ({where})" if where else ""))
    for other in alert.other_sources:
        lines.append(_Line("Also in", f"{other.feed}: {other.title}" if other.title else other.feed, other.url))
    why = _text(detail, "why")
    if why:
        lines.append(_Line("Why it matched", why))
    lines.append(_Line("Alert id", alert.id))
    return _Section(heading, " ".join(_text(detail, "quote").split()), tuple(lines))


def _picture(positions: Sequence[PositionView], names: Mapping[str, str]) -> tuple[_Line, ...]:
    lines = []
    for stance in PICTURE_ORDER:
        held = [f"{names.get(p.holder, p.holder)} (since {p.since:%Y-%m-%d %H:%M} UTC)"
                for p in positions if p.stance == stance]
        if held:
            lines.append(_Line(PICTURE_WORDS[stance], ", ".join(held)))
    return tuple(lines)


def _ids(ordered: Sequence[AlertContext]) -> str:
    return " ".join(alert.id for alert in ordered)


def _text(detail: Mapping[str, object], key: str) -> str:
    value = detail.get(key)
    return value if isinstance(value, str) else ""


def _when(value: str) -> str:
    try:
        return f"{datetime.fromisoformat(value):%Y-%m-%d %H:%M} UTC" if value else ""
    except ValueError:
        return value


def _markdown(sections: Sequence[_Section], picture: Sequence[_Line], ids: str) -> str:
    out = []
    for section in sections:
        out.append(f"**{section.heading}**")
        if section.quote:
            out.append(f"> {section.quote}")
        for line in section.lines:
            text = (f"[{line.text}]({line.url})" if line.url else line.text) + line.after
            out.append(f"{line.label}: {text}" if line.label else text)
        out.append("")
    if picture:
        out.append("**The claim now**")
        out.extend(f"{line.label}: {line.text}" for line in picture)
        out.append("")
    out.append(f"Alert ids: {ids}")
    return "\n".join(out)


def _plain(sections: Sequence[_Section], picture: Sequence[_Line], ids: str) -> str:
    out = []
    for section in sections:
        out.append(section.heading)
        if section.quote:
            out.append(f'  "{section.quote}"')
        for line in section.lines:
            text = (f"{line.text} <{line.url}>" if line.url else line.text) + line.after
            out.append(f"  {line.label}: {text}" if line.label else f"  {text}")
        out.append("")
    if picture:
        out.append("The claim now")
        out.extend(f"  {line.label}: {line.text}" for line in picture)
        out.append("")
    out.append(f"Alert ids: {ids}")
    return "\n".join(out)


def _html(sections: Sequence[_Section], picture: Sequence[_Line], ids: str) -> str:
    esc = html.escape
    out = []
    for section in sections:
        out.append(f"<h3>{esc(section.heading)}</h3>")
        if section.quote:
            out.append(f"<blockquote>{esc(section.quote)}</blockquote>")
        out.append("<ul>")
        for line in section.lines:
            shown = esc(line.text).replace("\n", "<br>\n")
            text = (f'<a href="{esc(line.url)}">{shown}</a>' if line.url else shown) + esc(line.after)
            out.append(f"<li><b>{esc(line.label)}:</b> {text}</li>" if line.label else f"<li>{text}</li>")
        out.append("</ul>")
    if picture:
        out.append("<h3>The claim now</h3><ul>")
        out.extend(f"<li><b>{esc(line.label)}:</b> {esc(line.text)}</li>" for line in picture)
        out.append("</ul>")
    out.append(f"<p>Alert ids: {esc(ids)}</p>")
    return "\n".join(out)


_BODIES = {MARKDOWN: _markdown, TEXT: _plain, HTML: _html}
