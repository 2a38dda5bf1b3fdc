"""A claim's picture rebuilt from its evidence as corrected: pure.

The ledger builds positions one piece of evidence at a time (`decide.next_position`); after an analyst's
correction the same fold runs again over the claim's evidence in the order it was seen, so the picture reads as if
the ledger had known the correction all along. Alerts already sent are not decided again.

Evidence counts in the picture when its decision set the holder's position (the alerting kinds, and the
announcements held back as silenced, too_old or backfill) and it is not dismissed; corrected evidence counts
with its corrected stance and holder, whatever it was decided as, as long as that stance is held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.alerts.decide import STANCES_HELD, Kind, Outcome, next_position
from storage.corrections import CorrectionAction, EvidenceRow
from storage.ledger import ClaimStateRow, PositionRow

SETS_POSITION: frozenset[str] = frozenset({
    Kind.reversal, Kind.first_corroboration, Kind.first_denial, Kind.new_speaker, Kind.repeat, Kind.repeat_quiet,
    Outcome.silenced, Outcome.too_old, Outcome.backfill})
ANNOUNCED_WITHOUT_ALERT: frozenset[str] = frozenset({Outcome.too_old, Outcome.backfill})


@dataclass(frozen=True)
class Picture:
    """Each holder's position with the id of its latest evidence, and the claim's first stances."""

    positions: tuple[tuple[PositionRow, int], ...]
    state: ClaimStateRow


def effective(evidence: EvidenceRow) -> tuple[str, str, bool]:
    """The evidence's stance and holder as corrected, and whether it sets the holder's position."""
    correction = evidence.correction
    if correction is not None and correction.action == CorrectionAction.dismiss:
        return evidence.stance, evidence.holder, False
    if correction is not None:
        stance = correction.stance or evidence.stance
        return stance, correction.holder or evidence.holder, stance in STANCES_HELD
    return evidence.stance, evidence.holder, evidence.decision in SETS_POSITION and evidence.stance in STANCES_HELD


def rebuild(claim_id: str, evidence: Sequence[EvidenceRow]) -> Picture:
    """The claim's picture from its evidence, oldest first (see the module docstring)."""
    held: dict[str, tuple[PositionRow, int]] = {}
    firsts: dict[str, datetime] = {}
    for row in sorted(evidence, key=lambda e: (e.seen_at, e.id)):
        stance, holder, sets = effective(row)
        if not sets:
            continue
        announced = row.alert_id is not None or row.decision in ANNOUNCED_WITHOUT_ALERT
        previous = held.get(holder)
        held[holder] = (next_position(previous[0] if previous else None, holder, stance, row.seen_at, announced),
                        row.id)
        firsts[stance] = min(firsts.get(stance, row.seen_at), row.seen_at)
    state = ClaimStateRow(claim_id, firsts.get("corroborates"), firsts.get("denies"))
    return Picture(tuple(held.values()), state)
