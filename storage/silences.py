"""Named queries on silences: add, list, remove, and those in force for some claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update

from storage.engine import reading
from storage.models import SILENCES


@dataclass(frozen=True)
class SilenceRow:
    """A silence: which claim (and speaker), why, until when, and whether it was lifted."""

    id: int
    claim_id: str
    speaker: str | None
    reason: str
    created_at: datetime
    ends_at: datetime
    removed_at: datetime | None


def add_silence(engine: Engine, *, claim_id: str, speaker: str | None, reason: str, now: datetime,
                ends_at: datetime) -> int:
    """Store a silence; returns its id."""
    with engine.begin() as connection:
        return int(connection.execute(insert(SILENCES).values(
            claim_id=claim_id, speaker=speaker, reason=reason, created_at=now, ends_at=ends_at)
            .returning(SILENCES.c.id)).scalar_one())


def list_silences(engine: Engine, now: datetime, *, include_ended: bool = False) -> list[SilenceRow]:
    """Silences in force (or all of them), newest first."""
    query = select(SILENCES).order_by(SILENCES.c.id.desc())
    if not include_ended:
        query = query.where(SILENCES.c.removed_at.is_(None), SILENCES.c.ends_at > now)
    with reading(engine) as connection:
        return [SilenceRow(**row) for row in connection.execute(query).mappings()]


def remove_silence(engine: Engine, silence_id: int, now: datetime) -> bool:
    """Lift a silence at once; False when there is no such silence in force."""
    with engine.begin() as connection:
        result = connection.execute(update(SILENCES).where(
            SILENCES.c.id == silence_id, SILENCES.c.removed_at.is_(None), SILENCES.c.ends_at > now)
            .values(removed_at=now))
        return result.rowcount == 1


def silences_in_force(connection: Connection, claim_ids: Sequence[str], now: datetime) -> list[SilenceRow]:
    """The silences covering any of the claims right now."""
    rows = connection.execute(select(SILENCES).where(
        SILENCES.c.claim_id.in_(list(claim_ids)), SILENCES.c.removed_at.is_(None), SILENCES.c.ends_at > now))
    return [SilenceRow(**row) for row in rows.mappings()]
