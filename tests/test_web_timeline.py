"""The claim timeline: storage summarises the evidence into one bucket per holder, stance and time slice and
finds each holder's changes of stance (on SQLite and PostgreSQL); the pure drawing orders the rows, fills
first stances, joins reversals and escapes everything it is given."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from monitor.web.timeline import KEEPS_POSITION, chart_span, columns_for, timeline_svg
from storage.chart_views import ChartData, MarkBucket, StanceChange, chart_data, claim_span
from storage.corrections import CorrectionAction, NewCorrection, add_correction, evidence_by_id
from storage.ledger import PositionRow
from storage.models import EVIDENCE, FEEDS, ITEMS, STORIES

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
NAMES = {"uk": "UK government", "us": "US government", "cn": "China"}


def _bucket(holder: str, stance: str, minutes: int, *, count: int = 1, last_id: int = 1,
            quote: str = "a quote") -> MarkBucket:
    when = T0 + timedelta(minutes=minutes)
    return MarkBucket(holder, stance, count, last_id, when, when + timedelta(minutes=count - 1), 1, quote)


def _position(holder: str, stance: str, minutes: int = 0) -> PositionRow:
    when = T0 + timedelta(minutes=minutes)
    return PositionRow(holder, stance, when, when, None, 1)


def _svg(buckets: list[MarkBucket], changes: list[StanceChange], positions: list[PositionRow]) -> str:
    return str(timeline_svg(ChartData(T0 - timedelta(hours=1), T0 + timedelta(days=1), buckets, changes), positions,
                            NAMES, href=lambda evidence_id: f"/e/{evidence_id}"))


def test_rows_put_corroborating_holders_above_denying_ones_and_the_rest_below() -> None:
    """Rows come in three groups whatever the order of the evidence: corroborate, deny, no stance held."""
    buckets = [_bucket("cn", "denies", 5), _bucket("uk", "corroborates", 10), _bucket("src", "discusses", 1),
               _bucket("us", "denies", 20)]
    svg = _svg(buckets, [], [_position("cn", "denies", 5), _position("uk", "corroborates", 10),
                             _position("us", "denies", 20)])
    rows = re.findall(r'data-holder="([^"]+)" data-group="([^"]+)"', svg)
    assert rows == [("uk", "corroborates"), ("cn", "denies"), ("us", "denies"), ("src", "none")]
    assert svg.index("Corroborate") < svg.index("Deny") < svg.index("No stance held")
    assert ">China<" in svg and ">UK government<" in svg


def test_first_stance_is_filled_and_a_reversal_is_an_arc_between_its_marks() -> None:
    """The mark where a holder first takes its stance is filled, later ones hollow; a change of stance draws
    one arc from the mark before it to the mark of the change."""
    buckets = [_bucket("uk", "corroborates", 0, last_id=1), _bucket("uk", "corroborates", 30, last_id=2),
               _bucket("uk", "denies", 60, last_id=3)]
    changes = [StanceChange(1, "uk", "corroborates", T0, T0, None, None, None),
               StanceChange(3, "uk", "denies", T0 + timedelta(minutes=60), T0 + timedelta(minutes=60), 2,
                            "corroborates", T0 + timedelta(minutes=30))]
    svg = _svg(buckets, changes, [_position("uk", "denies", 60)])
    marks = re.findall(r'<a href="/e/(\d+)" class="mark"', svg)
    assert marks == ["1", "2", "3"]
    filled = dict(re.findall(r'<a href="/e/(\d+)".*?<(?:circle|rect)[^>]*fill="([^"]+)"', svg, re.S))
    assert filled["1"] == "#0072B2" and filled["2"] == "#ffffff" and filled["3"] == "#ffffff"
    assert svg.count('class="reversal"') == 1 and "reversal: corroborates → denies" in svg


def test_everything_from_feeds_is_escaped() -> None:
    """Quotes and holder names carrying markup come out as text inside the SVG, never as elements."""
    buckets = [_bucket("source:<b>feed</b>", "discusses", 0,
                       quote="<script>alert(1)</script><img src=x onerror=alert(2)>")]
    svg = _svg(buckets, [], [])
    assert "<script" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_many_holders_get_fewer_time_slices() -> None:
    """A few holders get the full resolution; thirty get fewer slices, so the marks stay countable."""
    assert columns_for(3) > columns_for(30) >= 12
    assert columns_for(30) * 30 <= 900


def test_the_span_pads_the_evidence_and_is_none_without_any() -> None:
    """The drawn span covers the first and last evidence with a margin; nothing to draw gives None."""
    start, end = chart_span(T0, T0 + timedelta(hours=10), []) or (None, None)
    assert start is not None and end is not None and start < T0 and end > T0 + timedelta(hours=10)
    assert chart_span(None, None, []) is None


def _record(engine: Engine, plan: list[tuple[str, str, str, datetime]],
            published: dict[int, datetime] | None = None) -> None:
    """Evidence rows (holder, stance, decision, seen at) for claim c1, each with its own item and story;
    `published` gives some of them (by position in the plan, from 1) a publication time."""
    with engine.begin() as connection:
        feed = connection.execute(insert(FEEDS).values(name="wire", source_url="http://w/", url="http://w/", tags=[],
                                                       next_poll_at=T0, created_at=T0).returning(FEEDS.c.id)).scalar()
        for n, (holder, stance, decision, seen) in enumerate(plan, start=1):
            item = connection.execute(insert(ITEMS).values(feed_id=feed, key=f"k{n}", title=f"t{n}", content_hash="h",
                                                           first_seen_at=seen).returning(ITEMS.c.id)).scalar()
            story = connection.execute(insert(STORIES).values(fingerprint=f"f{n}", first_item_id=item,
                                                              first_seen_at=seen, last_seen_at=seen, copies=1 + n % 2)
                                       .returning(STORIES.c.id)).scalar()
            connection.execute(insert(EVIDENCE).values(
                item_id=item, story_id=story, claim_id="c1", stance=stance, speaker=holder, holder=holder, score=0.9,
                quote=f"quote {n}", explanation={}, feed="wire", seen_at=seen, decision=decision,
                published_at=(published or {}).get(n)))


def test_storage_summarises_evidence_into_buckets_and_stance_changes(engine: Engine) -> None:
    """Three hundred pieces of evidence from three holders come back as at most one bucket per holder, stance
    and slice, their counts adding up; the changes are each holder's first stance and the UK's reversal,
    while evidence that does not set a position (a copy, needs review) changes nothing."""
    plan = [("uk", "corroborates", "new_speaker" if n == 0 else "repeat_quiet", T0 + timedelta(minutes=n))
            for n in range(150)]
    plan += [("uk", "denies", "needs_review", T0 + timedelta(minutes=155))]
    plan += [("uk", "denies", "reversal", T0 + timedelta(minutes=160))]
    plan += [("us", "denies", "first_denial" if n == 0 else "copy", T0 + timedelta(minutes=2 * n)) for n in range(100)]
    plan += [("cn", "discusses", "discusses", T0 + timedelta(minutes=3 * n)) for n in range(48)]
    _record(engine, plan)
    columns = 20
    data = chart_data(engine, "c1", start=T0 - timedelta(minutes=10), end=T0 + timedelta(minutes=310),
                      columns=columns, keeps_position=KEEPS_POSITION)
    assert sum(bucket.count for bucket in data.buckets) == len(plan)
    per_lane: dict[tuple[str, str], int] = {}
    for bucket in data.buckets:
        per_lane[(bucket.holder, bucket.stance)] = per_lane.get((bucket.holder, bucket.stance), 0) + 1
        assert bucket.first_at <= bucket.last_at and bucket.quote.startswith("quote ")
    assert all(n <= columns + 1 for n in per_lane.values()) and len(data.buckets) < 60
    changes = {(c.holder, c.stance, c.previous_stance) for c in data.changes}
    assert changes == {("uk", "corroborates", None), ("uk", "denies", "corroborates"), ("us", "denies", None)}
    reversal = next(c for c in data.changes if c.previous_stance == "corroborates")
    assert reversal.previous_at == T0 + timedelta(minutes=149)


def test_the_chart_draws_evidence_as_last_corrected(engine: Engine) -> None:
    """A dismissed piece of evidence leaves the chart, a corrected one moves to its corrected holder and
    stance (and sets that holder's stance, even as a discussion before), and only the latest correction of a
    piece of evidence counts."""
    hour = timedelta(hours=1)
    _record(engine, [("uk", "corroborates", "new_speaker", T0), ("uk", "corroborates", "repeat_quiet", T0 + hour),
                     ("us", "denies", "first_denial", T0 + 2 * hour), ("cn", "discusses", "discusses", T0 + 3 * hour)])
    fixes = [(1, CorrectionAction.correct, "denies"), (1, CorrectionAction.correct, "corroborates"),
             (2, CorrectionAction.dismiss, None), (3, CorrectionAction.correct, None),
             (4, CorrectionAction.correct, "denies")]
    with engine.begin() as connection:
        ids = connection.execute(select(EVIDENCE.c.id).order_by(EVIDENCE.c.id)).scalars().all()
        for n, action, stance in fixes:
            evidence = evidence_by_id(connection, ids[n - 1])
            assert evidence is not None
            add_correction(connection, evidence, NewCorrection(
                evidence.id, action, "analyst", "tester", T0, stance=stance,
                speaker="cn" if n == 3 else None, holder="cn" if n == 3 else None))
    data = chart_data(engine, "c1", start=T0 - timedelta(hours=1), end=T0 + timedelta(hours=4), columns=50,
                      keeps_position=KEEPS_POSITION)
    drawn = sorted((b.holder, b.stance, b.count, b.last_id) for b in data.buckets)
    assert drawn == [("cn", "denies", 1, ids[2]), ("cn", "denies", 1, ids[3]), ("uk", "corroborates", 1, ids[0])]
    assert sorted((c.id, c.holder, c.stance, c.previous_stance) for c in data.changes) == [
        (ids[0], "uk", "corroborates", None), (ids[2], "cn", "denies", None)]


def test_marks_stand_at_the_time_said(engine: Engine) -> None:
    """A mark stands at its item's publication time; at the time it was seen when the item gives none or a
    time later than it was seen; the span covers what was said."""
    seen = T0 + timedelta(days=2)
    plan = [("uk", "corroborates", "new_speaker", seen), ("us", "denies", "first_denial", seen),
            ("cn", "denies", "new_speaker", seen)]
    _record(engine, plan, {1: T0, 2: seen + timedelta(days=5)})
    data = chart_data(engine, "c1", start=T0 - timedelta(days=1), end=seen + timedelta(days=1), columns=40,
                      keeps_position=KEEPS_POSITION)
    said = {bucket.holder: bucket.first_at for bucket in data.buckets}
    assert said == {"uk": T0, "us": seen, "cn": seen}
    assert {c.holder: c.at for c in data.changes} == said
    assert claim_span(engine, "c1") == (T0, seen)
