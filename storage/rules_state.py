"""Named queries on rules_state: each daemon records its rules loads so other processes can report them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from storage.engine import reading
from storage.models import RULES_STATE


@dataclass(frozen=True)
class RulesStatus:
    """One daemon's rules: what it runs and whether the last edit was accepted."""

    owner: str
    checked_at: datetime
    ok: bool
    fingerprint: str | None
    loaded_at: datetime | None
    claims: int
    problems: list[str]


def record_rules_load(engine: Engine, owner: str, *, now: datetime, ok: bool, fingerprint: str | None,
                      loaded_at: datetime | None, claims: int, problems: Sequence[str]) -> None:
    """Replace `owner`'s row with the outcome of its latest load."""
    with engine.begin() as connection:
        connection.execute(delete(RULES_STATE).where(RULES_STATE.c.owner == owner))
        connection.execute(insert(RULES_STATE).values(owner=owner, checked_at=now, ok=ok, fingerprint=fingerprint,
                                                      loaded_at=loaded_at, claims=claims, problems=list(problems)))


def forget_rules_state(engine: Engine, owner: str) -> None:
    """Drop `owner`'s row (a daemon stopping cleanly)."""
    with engine.begin() as connection:
        connection.execute(delete(RULES_STATE).where(RULES_STATE.c.owner == owner))


def rules_statuses(engine: Engine) -> list[RulesStatus]:
    """Every daemon's rules state, most recently checked first."""
    with reading(engine) as connection:
        rows = connection.execute(select(RULES_STATE).order_by(RULES_STATE.c.checked_at.desc())).mappings().all()
    return [RulesStatus(owner=row["owner"], checked_at=row["checked_at"], ok=row["ok"], fingerprint=row["fingerprint"],
                        loaded_at=row["loaded_at"], claims=row["claims"], problems=list(row["problems"]))
            for row in rows]
