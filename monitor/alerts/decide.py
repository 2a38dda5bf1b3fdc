"""Is this evidence news? The ledger's decision for one (claim, holder) piece of evidence: pure, `now` passed in.

Checked in this order; the first that applies decides:

    copy                 a copy of a story the claim already has evidence from: recorded, never alerts
    discusses            no stance: recorded; alerts only when the claim opts in (kind `discussion`)
    needs_review         no clear speaker, and the holder held the opposite stance or none: recorded for
                         an analyst to review, never alerts, the position stays
    reversal             the holder held the opposite stance                     priority 1
    first_corroboration  nobody had corroborated the claim before                priority 2
    first_denial         nobody had denied the claim before                      priority 2
    new_speaker          the holder had no stance on the claim yet               priority 3
    repeat               same holder, same stance, past the realert window       priority 4
    repeat_quiet         same holder, same stance, within the window: recorded silently

Only evidence with a clear speaker (`Match.clear_speaker`) sets or flips a holder's stance, so every stance in
the claim's picture and every reversal rests on a clear attribution; an unclear speaker repeating the holder's
stance is decided as a repeat.

An alerting decision is then downgraded when the item was already older than the maximum age when first
seen (`too_old`: the ledger learns of it, the channels do not) or when a silence covers it (`silenced`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

PRIORITY = {"reversal": 1, "first_corroboration": 2, "first_denial": 2, "new_speaker": 3, "repeat": 4,
            "discussion": 5}
TITLES = {"reversal": "Reversal", "first_corroboration": "First corroboration", "first_denial": "First denial",
          "new_speaker": "New {stance}", "repeat": "Repeated {stance}", "discussion": "Discussed"}
NOUNS = {"corroborates": "corroboration", "denies": "denial", "discusses": "discussion"}


@dataclass(frozen=True)
class Policy:
    """The claim's alerting rules."""

    realert: timedelta
    max_age: timedelta
    alert_on_discusses: bool = False


@dataclass(frozen=True)
class Held:
    """A holder's standing position on the claim."""

    stance: str
    last_alerted_at: datetime | None


@dataclass(frozen=True)
class ClaimPicture:
    """What the claim's ledger held before this evidence."""

    corroborated: bool
    denied: bool


@dataclass(frozen=True)
class SilenceRule:
    """An active silence: the claim, and optionally one speaker or holder."""

    id: int
    claim_id: str
    speaker: str | None
    ends_at: datetime


@dataclass(frozen=True)
class Fact:
    """The evidence being decided on."""

    claim_id: str
    stance: str
    speaker: str
    holder: str
    is_copy: bool
    published_at: datetime | None
    seen_at: datetime
    clear_speaker: bool


@dataclass(frozen=True)
class Decision:
    """What to record: the kind, the outcome (`alert`, `silenced`, `too_old` or `quiet`), why, the silence
    that applies, and whether the holder's position takes the evidence's stance."""

    kind: str
    outcome: str
    reason: str
    silence_id: int | None = None
    updates_position: bool = True

    @property
    def alerts(self) -> bool:
        """Whether an alert goes out."""
        return self.outcome == "alert"

    @property
    def priority(self) -> int:
        """1 is the most urgent."""
        return PRIORITY.get(self.kind, 9)


def decide(fact: Fact, held: Held | None, picture: ClaimPicture, policy: Policy,
           silences: Sequence[SilenceRule] = ()) -> Decision:
    """The decision for one piece of evidence: the table's first rule that applies, then the downgrades."""
    decision = _first_rule(fact, held, picture, policy)
    if not decision.alerts:
        return decision
    published = fact.published_at or fact.seen_at
    if fact.seen_at - published > policy.max_age:
        return Decision(decision.kind, "too_old", "older than the maximum age when first seen",
                        updates_position=decision.updates_position)
    silence = next((s for s in silences if _covers(s, fact)), None)
    if silence is not None:
        return Decision(decision.kind, "silenced", f"silenced until {silence.ends_at.isoformat()}", silence.id,
                        decision.updates_position)
    return decision


def _first_rule(fact: Fact, held: Held | None, picture: ClaimPicture, policy: Policy) -> Decision:
    """The module docstring's table, in its order."""
    if fact.is_copy:
        decision = Decision("copy", "quiet", "a copy of a story already in the ledger", updates_position=False)
    elif fact.stance == "discusses" and not policy.alert_on_discusses:
        decision = Decision("discusses", "quiet", "only discusses the claim", updates_position=False)
    elif fact.stance == "discusses":
        decision = Decision("discussion", "alert", "discusses the claim (the claim alerts on discussion)",
                            updates_position=False)
    elif not fact.clear_speaker and (held is None or held.stance != fact.stance):
        decision = Decision("needs_review", "quiet", _unclear(fact, held), updates_position=False)
    elif held is not None and held.stance != fact.stance:
        decision = Decision("reversal", "alert", f"{fact.holder} moved from {held.stance} to {fact.stance}")
    elif fact.stance == "corroborates" and not picture.corroborated:
        decision = Decision("first_corroboration", "alert", "the claim's first corroboration")
    elif fact.stance == "denies" and not picture.denied:
        decision = Decision("first_denial", "alert", "the claim's first denial")
    elif held is None:
        decision = Decision("new_speaker", "alert", f"{fact.holder} takes a stance for the first time")
    elif held.last_alerted_at is not None and fact.seen_at - held.last_alerted_at < policy.realert:
        decision = Decision("repeat_quiet", "quiet", "the same stance again within the claim's realert window")
    else:
        decision = Decision("repeat", "alert", "the same stance again, past the claim's realert window")
    return decision


def _unclear(fact: Fact, held: Held | None) -> str:
    if held is None:
        return f"{fact.holder} has no stance yet; {fact.stance} without a clear speaker does not give it one"
    return f"{fact.holder} {held.stance}; {fact.stance} without a clear speaker does not flip it"


def _covers(silence: SilenceRule, fact: Fact) -> bool:
    return (silence.claim_id == fact.claim_id and fact.seen_at < silence.ends_at
            and silence.speaker in (None, fact.speaker, fact.holder))


def title(kind: str, stance: str) -> str:
    """How an alert of this kind announces itself: "New denial", "Reversal", ..."""
    return TITLES.get(kind, kind.replace("_", " ").capitalize()).format(stance=NOUNS.get(stance, stance))
