"""A claim's timeline as an SVG drawing, made on the server so it shows without JavaScript, in an email and on
paper. Pure: evidence rows in, markup out.

Time runs left to right over the claim's life. One row per holder: those that corroborate the claim now
above those that deny it, holders with no stance (they only discuss it, or their evidence awaits review)
below. A mark per piece of evidence, shaped and coloured by stance (blue circle, orange square, grey
diamond); the mark where a holder first took its stance is filled, later ones are hollow; a reversal is an
arc joining the two marks; a story's other copies are small ticks beside its mark. Marks that would
overlap (the same holder and stance within one of COLUMNS slices of BUCKET_PX) come from storage as one
bucket and are drawn as one, ringed, with their count, so a claim with 10,000 pieces of evidence stays a
drawing of a few hundred marks. Each mark links to its
evidence row and carries its quote in a `<title>`, which browsers show on hover.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from storage.chart_views import ChartData, MarkBucket, StanceChange
from storage.ledger import PositionRow

COLOURS = {"corroborates": "#0072B2", "denies": "#E69F00", "discusses": "#8A8A8A"}
STANCE_LABELS = {"corroborates": "corroborates", "denies": "denies", "discusses": "discusses"}
GROUPS = (("corroborates", "Corroborate"), ("denies", "Deny"), ("", "No stance held"))
# Decisions whose evidence does not set its holder's position (see monitor/alerts/decide.py).
KEEPS_POSITION = frozenset({"copy", "discusses", "discussion", "needs_review", "reported", "same_item"})
WIDTH, LABEL_W, RIGHT_PAD = 960, 210, 28
ROW_H, GROUP_H, TOP, AXIS_H = 22, 20, 58, 44
BUCKET_PX = 10
COLUMNS = (WIDTH - RIGHT_PAD - LABEL_W) // BUCKET_PX
MAX_MARKS = 720
LANE_OFFSET = {"corroborates": -4, "denies": 4}  # within a row, so marks of both stances at one time both show
MAX_TICKS = 7
MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # as %b in C
TICK_STEPS = [timedelta(seconds=s) for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
                                             10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2592000,
                                             7776000, 15552000, 31536000)]


def columns_for(holders: int) -> int:
    """How many time slices to summarise the evidence into: the full resolution for a few holders, fewer
    for many, so the chart stays readable (and quick to draw) at any amount of evidence."""
    return max(12, min(COLUMNS, MAX_MARKS // max(holders, 1)))


def chart_span(first: datetime | None, last: datetime | None,
               positions: Sequence[PositionRow]) -> tuple[datetime, datetime] | None:
    """The time range to draw: the evidence's (or, when it was all pruned, the positions'), padded so that
    marks at either end are not on the border; None when there is nothing to draw."""
    times = [t for t in (first, last) if t is not None] or [p.since for p in positions]
    if not times:
        return None
    start, end = min(times), max(times)
    pad = max((end - start) * 0.04, timedelta(seconds=5))
    return start - pad, end + pad


@dataclass
class _Drawn:
    """One drawn mark: a bucket of evidence."""

    bucket: MarkBucket
    x: float
    y: float
    first: bool = False


def timeline_svg(chart: ChartData, positions: Sequence[PositionRow], names: Mapping[str, str], *,
                 href: Callable[[int], str], title: str = "") -> Markup:
    """The chart for one claim; `href(evidence_id)` is where a mark links to."""
    rows = _rows(chart.buckets, positions)
    if not rows:
        return Markup("")
    heights = _row_positions(rows)
    height = max(heights.values()) + ROW_H // 2 + AXIS_H
    scale = _Scale(chart.start, chart.end, LABEL_W, WIDTH - RIGHT_PAD)
    drawn, links = _place(chart, heights, scale)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" '
             f'width="{WIDTH}" height="{height}" role="img" font-family="DejaVu Sans, Arial, sans-serif" '
             f'font-size="12"><title>{escape(title or "Timeline")}</title>',
             f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>']
    parts += _legend()
    parts += _stripes_and_labels(rows, heights, names)
    parts += _axis(scale, height)
    parts += _milestones(scale, height, chart.changes)
    parts += [_arc(a, b) for a, b in links]
    parts += [_mark(m, href) for m in drawn]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute value above went through escape()


def _rows(buckets: Sequence[MarkBucket], positions: Sequence[PositionRow]) -> list[tuple[str, str]]:
    """(holder, group stance) in drawing order: groups as GROUPS, each by its holder's first evidence."""
    held = {p.holder: p.stance for p in positions}
    first: dict[str, datetime] = {}
    for bucket in buckets:
        first[bucket.holder] = min(first.get(bucket.holder, bucket.first_at), bucket.first_at)
    for position in positions:
        first.setdefault(position.holder, position.since)
    order = {stance: index for index, (stance, _) in enumerate(GROUPS)}
    group = {holder: held.get(holder, "") if held.get(holder) in order else "" for holder in first}
    return sorted(((holder, group[holder]) for holder in first),
                  key=lambda row: (order[row[1]], first[row[0]], row[0]))


def _row_positions(rows: Sequence[tuple[str, str]]) -> dict[str, float]:
    """The centre line of each holder's row, with a header before each group."""
    y, current, centres = TOP, None, {}
    for holder, group in rows:
        if group != current:
            y += GROUP_H
            current = group
        centres[holder] = y + ROW_H / 2
        y += ROW_H
    return centres


@dataclass(frozen=True)
class _Scale:
    start: datetime
    end: datetime
    left: float
    right: float

    def x(self, when: datetime) -> float:
        share = (when - self.start) / (self.end - self.start)
        return round(self.left + share * (self.right - self.left), 1)


def _place(chart: ChartData, heights: Mapping[str, float],
           scale: _Scale) -> tuple[list[_Drawn], list[tuple[_Drawn, _Drawn]]]:
    """A mark per bucket; each holder's first stance filled, and an arc for each reversal."""
    drawn = []
    lanes: dict[tuple[str, str], list[_Drawn]] = {}
    for bucket in sorted(chart.buckets, key=lambda b: b.first_at):
        middle = bucket.first_at + (bucket.last_at - bucket.first_at) / 2
        mark = _Drawn(bucket, scale.x(middle), heights[bucket.holder] + LANE_OFFSET.get(bucket.stance, 0))
        drawn.append(mark)
        lanes.setdefault((bucket.holder, bucket.stance), []).append(mark)
    links = []
    for change in chart.changes:
        found = _find(lanes, change.holder, change.stance, change.at)
        if found is None:
            continue
        if change.previous_stance is None:
            found.first = True
        elif change.previous_at is not None:
            previous = _find(lanes, change.holder, change.previous_stance, change.previous_at)
            if previous is not None and previous is not found:
                links.append((previous, found))
    return drawn, links


def _find(lanes: Mapping[tuple[str, str], list[_Drawn]], holder: str, stance: str, when: datetime) -> _Drawn | None:
    """The mark of this holder and stance whose bucket spans `when`."""
    lane = lanes.get((holder, stance), [])
    index = bisect.bisect_right([m.bucket.first_at for m in lane], when) - 1
    if index >= 0 and lane[index].bucket.first_at <= when <= lane[index].bucket.last_at:
        return lane[index]
    return None


def _legend() -> list[str]:
    items = [("corroborates", "corroborates"), ("denies", "denies"), ("discusses", "discusses")]
    parts, x = [], 16
    for stance, label in items:
        parts.append(_shape(stance, x + 6, 16, filled=True))
        parts.append(f'<text x="{x + 16}" y="20">{label}</text>')
        x += 112
    parts.append(_shape("corroborates", x + 6, 16, filled=False))
    parts.append(f'<text x="{x + 16}" y="20">hollow: later evidence; filled: the first stance</text>')
    x += 318
    parts.append(f'<path d="M{x} 20 Q{x + 12} 6 {x + 24} 20" fill="none" stroke="#444" stroke-width="1.5"/>'
                 f'<text x="{x + 30}" y="20">reversal</text>')
    x += 92
    parts.append(_ticks(x, 16, 3) + f'<text x="{x + 14}" y="20">story copies</text>')
    return parts


def _stripes_and_labels(rows: Sequence[tuple[str, str]], heights: Mapping[str, float],
                        names: Mapping[str, str]) -> list[str]:
    parts, current = [], None
    headers = dict(GROUPS)
    for index, (holder, group) in enumerate(rows):
        y = heights[holder]
        if group != current:
            current = group
            parts.append(f'<text x="8" y="{y - ROW_H / 2 - 5}" font-weight="bold" fill="#333">'
                         f'{escape(headers[group])}</text>'
                         f'<line x1="8" x2="{WIDTH - 8}" y1="{y - ROW_H / 2 - 1}" y2="{y - ROW_H / 2 - 1}" '
                         f'stroke="#bbb" stroke-width="1"/>')
        if index % 2:
            parts.append(f'<rect x="0" y="{y - ROW_H / 2}" width="{WIDTH}" height="{ROW_H}" fill="#f3f4f6"/>')
        name = _holder_name(holder, names)
        shown = name if len(name) <= 30 else name[:29] + "…"
        parts.append(f'<text class="holder" data-holder="{escape(holder)}" data-group="{group or "none"}" x="16" '
                     f'y="{y + 4}"><title>{escape(name)}</title>{escape(shown)}</text>')
    return parts


def _holder_name(holder: str, names: Mapping[str, str]) -> str:
    if holder.startswith("source:"):
        return f"{holder.removeprefix('source:')} (unattributed)"
    return names.get(holder, holder)


def _axis(scale: _Scale, height: float) -> list[str]:
    base = height - AXIS_H + 6
    parts = [f'<line x1="{scale.left}" x2="{scale.right}" y1="{base}" y2="{base}" stroke="#666"/>']
    step = next((s for s in TICK_STEPS if (scale.end - scale.start) / s <= MAX_TICKS), TICK_STEPS[-1])
    tick = _round_up(scale.start, step)
    previous_day = None
    while tick <= scale.end:
        x = scale.x(tick)
        label = _tick_label(tick, step, tick.date() != previous_day)
        previous_day = tick.date()
        parts.append(f'<line x1="{x}" x2="{x}" y1="{TOP}" y2="{base + 4}" stroke="#e2e2e2"/>'
                     f'<text x="{x}" y="{base + 18}" text-anchor="middle" fill="#444">{escape(label)}</text>')
        tick += step
    parts.append(f'<text x="{WIDTH - RIGHT_PAD}" y="{base + 30}" text-anchor="end" fill="#666" font-size="10">'
                 "when said (published, else first seen), UTC</text>")
    return parts


def _round_up(when: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=when.tzinfo)
    steps = -((epoch - when) // step)
    return epoch + steps * step


def _tick_label(when: datetime, step: timedelta, new_day: bool) -> str:
    if step >= timedelta(days=1):
        return f"{when:%d %b %Y}"
    clock = f"{when:%H:%M:%S}" if step < timedelta(minutes=1) else f"{when:%H:%M}"
    return f"{when:%d %b} {clock}" if new_day else clock


def _milestones(scale: _Scale, height: float, changes: Sequence[StanceChange]) -> list[str]:
    """Dashed lines at the claim's first corroboration and first denial (the first the ledger saw, drawn at
    the time it was said)."""
    parts = []
    for stance, label, dy in (("corroborates", "first corroboration", 0), ("denies", "first denial", 12)):
        firsts = [c for c in changes if c.stance == stance and c.previous_stance is None]
        if not firsts:
            continue
        x = scale.x(min(firsts, key=lambda c: (c.seen_at, c.id)).at)
        anchor = f'x="{x - 3}" text-anchor="end"' if x > WIDTH - 120 else f'x="{x + 3}"'
        parts.append(f'<line x1="{x}" x2="{x}" y1="{TOP - 10 + dy}" y2="{height - AXIS_H + 6}" '
                     f'stroke="{COLOURS[stance]}" stroke-width="1.5" stroke-dasharray="4 3"/>'
                     f'<text {anchor} y="{TOP - 12 + dy}" font-size="10" fill="#333">{label}</text>')
    return parts


def _arc(a: _Drawn, b: _Drawn) -> str:
    middle = (a.x + b.x) / 2
    return (f'<path class="reversal" d="M{a.x} {a.y} Q{middle} {a.y - ROW_H * 0.9} {b.x} {b.y}" fill="none" '
            f'stroke="#444" stroke-width="1.5"><title>reversal: {STANCE_LABELS[a.bucket.stance]} → '
            f'{STANCE_LABELS[b.bucket.stance]}</title></path>')


def _mark(drawn: _Drawn, href: Callable[[int], str]) -> str:
    bucket = drawn.bucket
    stance = STANCE_LABELS.get(bucket.stance, bucket.stance)
    first, last = bucket.first_at, bucket.last_at
    if bucket.count > 1:
        lines = [f"{bucket.count} pieces of evidence, {stance}, {first.day:02d} {MONTHS[first.month]} "
                 f"{first.hour:02d}:{first.minute:02d} to {last.day:02d} {MONTHS[last.month]} "
                 f"{last.hour:02d}:{last.minute:02d} UTC; the newest:"]
    else:
        lines = [f"{stance}, {first.day:02d} {MONTHS[first.month]} {first.year} "
                 f"{first.hour:02d}:{first.minute:02d}:{first.second:02d} UTC"]
    if bucket.copies > 1:
        lines.append(f"its story was carried {bucket.copies} times")
    if bucket.quote:
        lines.append(f"“{bucket.quote}”")
    size = 1 + min(0.8, math.log10(bucket.count) / 2)
    single_story = bucket.count == 1 and bucket.copies > 1
    ticks = _ticks(drawn.x + 6 * size + 2, drawn.y, bucket.copies - 1) if single_story else ""
    return (f'<a href="{_escape(href(bucket.last_id))}" class="mark" data-stance="{_escape(bucket.stance)}">'
            f'<title>{_escape(chr(10).join(lines))}</title>'
            f'{_shape(bucket.stance, drawn.x, drawn.y, filled=drawn.first, size=size)}{ticks}</a>')


def _escape(text: str) -> str:
    """`markupsafe.escape(text)` as a plain string, without making a Markup object: a chart has a thousand
    marks, each with three escaped values."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
            .replace("'", "&#39;"))


def _shape(stance: str, x: float, y: float, *, filled: bool, size: float = 1.0) -> str:
    """The stance's mark; `size` above 1 for a mark that stands for several pieces of evidence."""
    colour = COLOURS.get(stance, "#888888")
    fill = colour if filled else "#ffffff"
    paint = f'fill="{fill}" stroke="{colour}" stroke-width="2"'
    if stance == "corroborates":
        return f'<circle cx="{x}" cy="{y}" r="{5 * size:.1f}" {paint}/>'
    half = round(4.5 * size, 1)
    if stance == "denies":
        return f'<rect x="{x - half}" y="{y - half}" width="{2 * half}" height="{2 * half}" {paint}/>'
    return f'<path d="M{x} {y - half} L{x + half} {y} L{x} {y + half} L{x - half} {y} Z" {paint}/>'


def _ticks(x: float, y: float, count: int) -> str:
    return "".join(f'<line x1="{x + 3 * i}" x2="{x + 3 * i}" y1="{y - 3}" y2="{y + 3}" stroke="#555" '
                   'stroke-width="1"/>' for i in range(min(count, 4)))
