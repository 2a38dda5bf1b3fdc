"""Named queries on backfills and on each claim's matching fields as last seen.

A backfill matches one claim over the items stored before it started, in id order; its cursor (the last item
done) moves in the same transaction as the evidence it records, so a restart resumes where it stopped. A
daemon works on a backfill only while it holds its lease, taken by compare-and-set and renewed with each
batch: two daemons never do the same backfill at once, and one whose lease was taken over stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine, RowMapping, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.engine import reading
from storage.models import BACKFILLS, CLAIM_RULES, CLAIM_STATES


class BackfillState(StrEnum):
    """Where a backfill is: waiting to start, running (some items done), done, or cancelled (its claim was
    edited again, paused or removed)."""

    waiting = "waiting"
    running = "running"
    done = "done"
    cancelled = "cancelled"


ACTIVE = (BackfillState.waiting, BackfillState.running)


@dataclass(frozen=True)
class BackfillRow:
    """One backfill and its progress."""

    id: int
    claim_id: str
    reason: str
    since: datetime
    upto_item_id: int
    cursor_item_id: int
    state: BackfillState
    items_total: int
    items_done: int
    evidence: int
    summary: bool
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class NewBackfill:
    """A backfill to start: the claim, why, and its scope (items first seen since `since`, ids up to `upto`;
    the walk starts after `cursor_item_id`)."""

    claim_id: str
    reason: str
    since: datetime
    upto_item_id: int
    items_total: int
    summary: bool
    cursor_item_id: int = 0


def _row(mapping: RowMapping) -> BackfillRow:
    values = dict(mapping)
    values["state"] = BackfillState(values["state"])
    return BackfillRow(**values)


def note_claim_rules(connection: Connection, claim_id: str, fingerprint: str, now: datetime) -> str | None:
    """Record the claim's matching fingerprint; returns why a backfill is due: "added" (never seen, and no
    evidence yet), "edited" (the fingerprint changed), or None. Compare-and-set, so among daemons loading the
    same edit exactly one is told."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    inserted = connection.execute(
        dialect.insert(CLAIM_RULES).values(claim_id=claim_id, fingerprint=fingerprint, updated_at=now)
        .on_conflict_do_nothing(index_elements=["claim_id"]).returning(CLAIM_RULES.c.claim_id)).first()
    if inserted is not None:
        known = connection.execute(select(exists().where(CLAIM_STATES.c.claim_id == claim_id))).scalar()
        return None if known else "added"  # a claim with evidence from before fingerprints were kept is known
    changed = connection.execute(update(CLAIM_RULES).where(
        CLAIM_RULES.c.claim_id == claim_id, CLAIM_RULES.c.fingerprint != fingerprint)
        .values(fingerprint=fingerprint, updated_at=now)).rowcount
    return "edited" if changed else None


def add_backfill(connection: Connection, backfill: NewBackfill, now: datetime) -> int:
    """Start a backfill (cancelling the claim's unfinished ones, which it covers); returns its id."""
    connection.execute(update(BACKFILLS).where(BACKFILLS.c.claim_id == backfill.claim_id,
                                               BACKFILLS.c.state.in_(ACTIVE))
                       .values(state=BackfillState.cancelled, finished_at=now, updated_at=now, lease_owner=None,
                               lease_until=None))
    return int(connection.execute(insert(BACKFILLS).values(
        claim_id=backfill.claim_id, reason=backfill.reason, since=backfill.since, upto_item_id=backfill.upto_item_id,
        cursor_item_id=backfill.cursor_item_id, state=BackfillState.waiting, items_total=backfill.items_total,
        items_done=0, evidence=0,
        summary=backfill.summary, created_at=now, updated_at=now).returning(BACKFILLS.c.id)).scalar_one())


def lease_backfill(engine: Engine, owner: str, now: datetime, lease: timedelta,
                   backfill_id: int | None = None) -> BackfillRow | None:
    """Take the lease of the oldest unfinished backfill nobody holds (or of `backfill_id`), or None."""
    free = or_(BACKFILLS.c.lease_until.is_(None), BACKFILLS.c.lease_until < now, BACKFILLS.c.lease_owner == owner)
    with engine.begin() as connection:
        query = select(BACKFILLS.c.id).where(BACKFILLS.c.state.in_(ACTIVE), free).order_by(BACKFILLS.c.id)
        if backfill_id is not None:
            query = query.where(BACKFILLS.c.id == backfill_id)
        for candidate in connection.execute(query.limit(5)).scalars():
            row = connection.execute(update(BACKFILLS).where(BACKFILLS.c.id == candidate, free)
                                     .values(lease_owner=owner, lease_until=now + lease)
                                     .returning(*BACKFILLS.c)).mappings().first()
            if row is not None:
                return _row(row)
    return None


def advance_backfill(connection: Connection, backfill_id: int, owner: str, *, cursor: int, items: int,
                     evidence: int, now: datetime, lease: timedelta) -> bool:
    """Move the cursor past a batch (with the evidence it recorded, in the caller's transaction) and renew
    the lease; False when the lease is no longer ours (the caller rolls back)."""
    return bool(connection.execute(update(BACKFILLS).where(
        BACKFILLS.c.id == backfill_id, BACKFILLS.c.lease_owner == owner, BACKFILLS.c.state.in_(ACTIVE))
        .values(cursor_item_id=cursor, items_done=BACKFILLS.c.items_done + items,
                evidence=BACKFILLS.c.evidence + evidence, state=BackfillState.running, updated_at=now,
                lease_until=now + lease)).rowcount)


def end_backfill(connection: Connection, backfill_id: int, owner: str, state: BackfillState, now: datetime) -> bool:
    """Mark the backfill done or cancelled; False when the lease is no longer ours."""
    return bool(connection.execute(update(BACKFILLS).where(
        BACKFILLS.c.id == backfill_id, BACKFILLS.c.lease_owner == owner, BACKFILLS.c.state.in_(ACTIVE))
        .values(state=state, finished_at=now, updated_at=now, lease_owner=None, lease_until=None)).rowcount)


def release_backfill(engine: Engine, backfill_id: int, owner: str) -> None:
    """Give the lease back (a stopping daemon), so another process resumes at once."""
    with engine.begin() as connection:
        connection.execute(update(BACKFILLS).where(BACKFILLS.c.id == backfill_id, BACKFILLS.c.lease_owner == owner)
                           .values(lease_owner=None, lease_until=None))


def list_backfills(engine: Engine, *, unfinished_only: bool = False, limit: int = 50) -> list[BackfillRow]:
    """Backfills, newest first (only those not done or cancelled, when asked)."""
    query = select(BACKFILLS).order_by(BACKFILLS.c.id.desc()).limit(limit)
    if unfinished_only:
        query = query.where(BACKFILLS.c.state.in_(ACTIVE))
    with reading(engine) as connection:
        return [_row(row) for row in connection.execute(query).mappings()]


def backfill_lease_owners(engine: Engine) -> list[str]:
    """Processes holding a backfill's lease."""
    with reading(engine) as connection:
        return list(connection.execute(select(BACKFILLS.c.lease_owner).where(BACKFILLS.c.lease_owner.is_not(None))
                                       .distinct()).scalars())
