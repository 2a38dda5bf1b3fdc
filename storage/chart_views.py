"""Named queries for a claim's timeline chart: when its evidence was said, and its evidence summarised into
marks and changes of stance, each piece of evidence as an analyst last corrected it (a dismissed one left
out, a corrected one with its corrected stance and holder), so the chart shows what the picture shows.

The work is kept to what SQL does cheaply on SQLite and PostgreSQL alike: one grouping pass for the marks, and
one ordered scan of three short columns for the changes of stance, walked here (a window function over the
same rows costs several times more on SQLite); only the few changes are then read in full.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql import FromClause

from storage.engine import reading
from storage.models import CORRECTIONS, EVIDENCE, STORIES
from storage.types import UTCDateTime

QUOTE_CHARS = 200
HELD = ("corroborates", "denies")


@dataclass(frozen=True)
class MarkBucket:
    """The claim's evidence of one holder and stance said within one slice of time, as one chart mark."""

    holder: str
    stance: str
    count: int
    last_id: int
    first_at: datetime
    last_at: datetime
    copies: int
    quote: str


@dataclass(frozen=True)
class StanceChange:
    """Evidence where a holder took a stance for the first time (no previous) or turned to the other one, in
    the order the ledger saw them; `at` is when it was said (see `said_at`)."""

    id: int
    holder: str
    stance: str
    seen_at: datetime
    at: datetime
    previous_id: int | None
    previous_stance: str | None
    previous_at: datetime | None


@dataclass(frozen=True)
class ChartData:
    """What the timeline chart draws: its marks, summarised into `columns` slices of [start, end], and the
    changes of stance."""

    start: datetime
    end: datetime
    buckets: list[MarkBucket]
    changes: list[StanceChange]


def said_at(evidence: FromClause = EVIDENCE) -> ColumnElement[datetime]:
    """When a piece of evidence was said: its item's publication time, or when it was seen if the item has
    none or claims a time after it was seen."""
    published, seen = evidence.c.published_at, evidence.c.seen_at
    return type_coerce(case((and_(published.is_not(None), published <= seen), published), else_=seen), UTCDateTime())


def claim_span(engine: Engine, claim_id: str) -> tuple[datetime | None, datetime | None]:
    """When the claim's first and last evidence was said."""
    when = said_at()
    with reading(engine) as connection:
        first, last = connection.execute(select(func.min(when), func.max(when))
                                         .where(EVIDENCE.c.claim_id == claim_id)).one()
    return first, last


def chart_data(engine: Engine, claim_id: str, *, start: datetime, end: datetime, columns: int,
               keeps_position: Collection[str]) -> ChartData:
    """The claim's evidence as corrected, summarised for a chart of `columns` slices of the time it was said
    between `start` and `end`: one bucket per holder, stance and slice (with its count, time range, largest
    story and newest quote), and each holder's changes of stance, in the order the ledger saw them, among the
    evidence that sets positions (uncorrected evidence whose decision is not in `keeps_position`, corrected
    evidence whose stance is held)."""
    with reading(engine) as connection:
        source, holder, stance, counted, sets_position = _as_corrected(connection, claim_id, keeps_position)
        buckets = [MarkBucket(*row) for row in connection.execute(
            _buckets(source, holder, stance, counted, start=start, end=end, columns=columns)).all()]
        walk = connection.execute(select(EVIDENCE.c.id, holder, stance).select_from(source)
                                  .where(counted, sets_position, stance.in_(HELD))
                                  .order_by(EVIDENCE.c.seen_at, EVIDENCE.c.id)).all()  # fetched at once: quicker
        changes = _changes_in_full(connection, stance_changes(walk))
    return ChartData(start, end, buckets, changes)


def _as_corrected(connection: Connection, claim_id: str, keeps_position: Collection[str]) -> tuple[
        FromClause, ColumnElement[str], ColumnElement[str], ColumnElement[bool], ColumnElement[bool]]:
    """The claim's evidence joined to its latest corrections, its holder and stance as corrected, which of it
    counts (not dismissed) and which sets positions; the evidence alone when nothing of the claim was
    corrected, as is usual, since the join adds about an eighth to the queries even with nothing to join."""
    plain = EVIDENCE.c.claim_id == claim_id
    settles = EVIDENCE.c.decision.not_in(list(keeps_position))
    if connection.execute(select(CORRECTIONS.c.id).where(CORRECTIONS.c.claim_id == claim_id).limit(1)).first() is None:
        return EVIDENCE, EVIDENCE.c.holder, EVIDENCE.c.stance, plain, settles
    latest = (select(CORRECTIONS.c.evidence_id, func.max(CORRECTIONS.c.id).label("id"))
              .where(CORRECTIONS.c.claim_id == claim_id).group_by(CORRECTIONS.c.evidence_id).subquery())
    fixed = CORRECTIONS.alias("fixed")
    joined = (EVIDENCE.outerjoin(latest, latest.c.evidence_id == EVIDENCE.c.id)
              .outerjoin(fixed, fixed.c.id == latest.c.id))
    return (joined, func.coalesce(fixed.c.holder, EVIDENCE.c.holder), func.coalesce(fixed.c.stance, EVIDENCE.c.stance),
            and_(plain, or_(fixed.c.action.is_(None), fixed.c.action != "dismiss")),
            or_(and_(fixed.c.id.is_(None), settles), fixed.c.action == "correct"))


def stance_changes(walk: Iterable[tuple[int, str, str]]) -> list[tuple[int, str, str, int | None, str | None]]:
    """(id, holder, stance, previous id, previous stance) of each piece of evidence, in the order walked, where
    its holder takes a stance for the first time or a stance other than its previous one."""
    last: dict[str, tuple[int, str]] = {}
    found = []
    for evidence_id, holder, stance in walk:
        previous = last.get(holder)
        if previous is None or previous[1] != stance:
            found.append((evidence_id, holder, stance, *(previous or (None, None))))
        last[holder] = (evidence_id, stance)
    return found


def _buckets(corrected: FromClause, holder: ColumnElement[str], stance: ColumnElement[str],
             counted: ColumnElement[bool], *, start: datetime, end: datetime, columns: int) -> Select[Any]:
    width = max((end - start).total_seconds(), 1.0) / columns
    when = said_at()
    column = cast((extract("epoch", when) - int(start.timestamp())) / width, Integer)
    grouped = (select(holder.label("holder"), stance.label("stance"), func.count().label("n"),
                      func.max(EVIDENCE.c.id).label("last_id"), func.min(when).label("first_at"),
                      func.max(when).label("last_at"))
               .select_from(corrected).where(counted).group_by(holder, stance, column).subquery())
    newest = EVIDENCE.alias("newest")
    return (select(grouped, STORIES.c.copies, func.substr(newest.c.quote, 1, QUOTE_CHARS))
            .join(newest, newest.c.id == grouped.c.last_id).join(STORIES, STORIES.c.id == newest.c.story_id))


def _changes_in_full(connection: Connection, found: list[tuple[int, str, str, int | None, str | None]]
                     ) -> list[StanceChange]:
    """The changes with when each, and its previous evidence, was seen and said."""
    ids = {evidence_id for change in found for evidence_id in (change[0], change[3]) if evidence_id is not None}
    if not ids:
        return []
    times = {row[0]: (row[1], row[2]) for row in connection.execute(
        select(EVIDENCE.c.id, EVIDENCE.c.seen_at, said_at()).where(EVIDENCE.c.id.in_(sorted(ids))))}
    return [StanceChange(evidence_id, holder, stance, times[evidence_id][0], times[evidence_id][1], previous_id,
                         previous_stance, times[previous_id][1] if previous_id is not None else None)
            for evidence_id, holder, stance, previous_id, previous_stance in found]
