"""Is this evidence news? The ledger's decisions, pure: `now` passed in, storage's frozen rows read, nothing written.

`decide_item` decides a whole item: for each claim it matched, each (speaker) match in turn, clear speakers
first. Before the table below, three rules about the item as a whole:

    dismissed            an analyst dismissed this item's evidence for the claim: recorded, never alerts again
    reported             the item quotes somebody on the claim, so its unattributed sentences are the outlet
                         reporting them, not the outlet's own stance: recorded, the outlet holds no position
    same_item            the holder already spoke in this item (one stance per holder per item)

Then `decide`, for one (claim, holder) piece of evidence; the first rule that applies decides:

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
seen (`too_old`: the ledger learns of it, the channels do not) or when a silence covers it (`silenced`). A
backfill (a claim added or edited, matched over the items already stored) downgrades every decision that
would announce something to `backfill`: the picture is built, the claim's channels get one summary instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from monitor.config import AlertSettings
from monitor.matching.model import UNATTRIBUTED, Match
from monitor.rulebook.loader import RuleBook
from storage.ledger import ClaimStateRow, PendingItem, PositionRow
from storage.silences import SilenceRow


class Kind(StrEnum):
    """What a piece of evidence is to its claim."""

    dismissed = "dismissed"
    reported = "reported"
    same_item = "same_item"
    copy = "copy"
    discusses = "discusses"
    discussion = "discussion"
    needs_review = "needs_review"
    reversal = "reversal"
    first_corroboration = "first_corroboration"
    first_denial = "first_denial"
    new_speaker = "new_speaker"
    repeat = "repeat"
    repeat_quiet = "repeat_quiet"


class Outcome(StrEnum):
    """What happens to it: an alert is sent; silenced, too_old and backfill are announced without sending
    (the realert window runs from them); quiet is only recorded."""

    alert = "alert"
    silenced = "silenced"
    too_old = "too_old"
    backfill = "backfill"
    quiet = "quiet"


PRIORITY: dict[str, int] = {Kind.reversal: 1, Kind.first_corroboration: 2, Kind.first_denial: 2, Kind.new_speaker: 3,
            Kind.repeat: 4, Kind.discussion: 5}
TITLES: dict[str, str] = {Kind.reversal: "Reversal", Kind.first_corroboration: "First corroboration",
          Kind.first_denial: "First denial", Kind.new_speaker: "New {stance}", Kind.repeat: "Repeated {stance}",
          Kind.discussion: "Discussed"}
NOUNS = {"corroborates": "corroboration", "denies": "denial", "discusses": "discussion"}
STANCES_HELD = ("corroborates", "denies")


@dataclass(frozen=True)
class Policy:
    """The claim's alerting rules."""

    realert: timedelta
    max_age: timedelta
    alert_on_discusses: bool = False


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
    """What to record: the kind, the outcome, why, the silence that applies, and whether the holder's
    position takes the evidence's stance."""

    kind: Kind
    outcome: Outcome
    reason: str
    silence_id: int | None = None
    updates_position: bool = True

    @property
    def alerts(self) -> bool:
        """Whether an alert goes out."""
        return self.outcome == Outcome.alert

    @property
    def enqueued(self) -> bool:
        """Whether an alert row is stored (sent, or held back by a silence)."""
        return self.outcome in (Outcome.alert, Outcome.silenced)

    @property
    def announced(self) -> bool:
        """Whether the claim's realert window runs from this evidence."""
        return self.outcome != Outcome.quiet

    @property
    def recorded_as(self) -> str:
        """The evidence row's `decision`: the kind, or the downgrade when one applied."""
        return self.kind if self.outcome in (Outcome.alert, Outcome.quiet) else self.outcome

    @property
    def priority(self) -> int:
        """1 is the most urgent."""
        return PRIORITY.get(self.kind, 9)


@dataclass(frozen=True)
class ClaimContext:
    """What the ledger holds for one claim when an item arrives."""

    policy: Policy
    state: ClaimStateRow
    positions: Mapping[str, PositionRow]
    silences: Sequence[SilenceRow] = ()
    is_copy: bool = False
    dismissed: bool = False


@dataclass(frozen=True)
class Decided:
    """One match of the item and what to record for it; `position` is the holder's new position when the
    evidence sets it."""

    match: Match
    holder: str
    decision: Decision
    position: PositionRow | None


@dataclass(frozen=True)
class ItemDecision:
    """Every match of an item decided, claim by claim, and the claims' ledgers after it."""

    decided: tuple[Decided, ...]
    states: Mapping[str, ClaimStateRow]
    positions: Mapping[str, Mapping[str, PositionRow]]


def decide_item(item: PendingItem, matches: Sequence[Match], contexts: Mapping[str, ClaimContext],
                now: datetime, *, backfill: bool = False) -> ItemDecision:
    """Decide every match of the item (see the module docstring), claims in id order."""
    decided: list[Decided] = []
    states: dict[str, ClaimStateRow] = {}
    positions: dict[str, Mapping[str, PositionRow]] = {}
    for claim_id in sorted({m.claim_id for m in matches}):
        claim_matches = [m for m in matches if m.claim_id == claim_id]
        found, states[claim_id], positions[claim_id] = _decide_claim(item, claim_matches, contexts[claim_id], now,
                                                                     backfill)
        decided.extend(found)
    return ItemDecision(tuple(decided), states, positions)


def _decide_claim(item: PendingItem, matches: Sequence[Match], context: ClaimContext, now: datetime,
                  backfill: bool) -> tuple[list[Decided], ClaimStateRow, dict[str, PositionRow]]:
    quoted = any(m.speaker != UNATTRIBUTED for m in matches)
    held = dict(context.positions)
    state = context.state
    spoken: set[str] = set()
    decided = []
    # Clear speakers first, then the strongest: the first match of a holder speaks for it in this item.
    for match in sorted(matches, key=lambda m: not m.clear_speaker):
        holder = holder_of(match, item.feed)
        if context.dismissed:
            decision = Decision(Kind.dismissed, Outcome.quiet, "an analyst dismissed this item for the claim",
                                updates_position=False)
        elif quoted and match.speaker == UNATTRIBUTED:
            decision = Decision(Kind.reported, Outcome.quiet, "the outlet reporting the quoted speakers",
                                updates_position=False)
        elif holder in spoken:
            decision = Decision(Kind.same_item, Outcome.quiet, "its holder already spoke in this item",
                                updates_position=False)
        else:
            spoken.add(holder)
            fact = Fact(state.claim_id, match.label, match.speaker, holder, context.is_copy, item.published_at,
                        item.first_seen_at, match.clear_speaker)
            decision = decide(fact, held.get(holder), state, context.policy, context.silences)
        if backfill and decision.announced:
            decision = Decision(decision.kind, Outcome.backfill, "recorded by a backfill: in the claim's summary",
                                updates_position=decision.updates_position)
        position = None
        if decision.updates_position and match.label in STANCES_HELD:
            position = held[holder] = next_position(held.get(holder), holder, match.label, now, decision.announced)
            state = with_stance(state, match.label, now)
        decided.append(Decided(match, holder, decision, position))
    return decided, state, held


def decide(fact: Fact, held: PositionRow | None, state: ClaimStateRow, policy: Policy,
           silences: Sequence[SilenceRow] = ()) -> Decision:
    """The decision for one piece of evidence: the table's first rule that applies, then the downgrades."""
    decision = _first_rule(fact, held, state, policy)
    if not decision.alerts:
        return decision
    published = fact.published_at or fact.seen_at
    if fact.seen_at - published > policy.max_age:
        return Decision(decision.kind, Outcome.too_old, "older than the maximum age when first seen",
                        updates_position=decision.updates_position)
    silence = next((s for s in silences if _covers(s, fact)), None)
    if silence is not None:
        return Decision(decision.kind, Outcome.silenced, f"silenced until {silence.ends_at.isoformat()}",
                        silence.id, decision.updates_position)
    return decision


def _first_rule(fact: Fact, held: PositionRow | None, state: ClaimStateRow, policy: Policy) -> Decision:
    """The module docstring's table, in its order."""
    if fact.is_copy:
        decision = Decision(Kind.copy, Outcome.quiet, "a copy of a story already in the ledger",
                            updates_position=False)
    elif fact.stance == "discusses" and not policy.alert_on_discusses:
        decision = Decision(Kind.discusses, Outcome.quiet, "only discusses the claim", updates_position=False)
    elif fact.stance == "discusses":
        decision = Decision(Kind.discussion, Outcome.alert, "discusses the claim (the claim alerts on discussion)",
                            updates_position=False)
    elif not fact.clear_speaker and (held is None or held.stance != fact.stance):
        decision = Decision(Kind.needs_review, Outcome.quiet, _unclear(fact, held), updates_position=False)
    elif held is not None and held.stance != fact.stance:
        decision = Decision(Kind.reversal, Outcome.alert, f"{fact.holder} moved from {held.stance} to {fact.stance}")
    elif fact.stance == "corroborates" and state.first_corroboration_at is None:
        decision = Decision(Kind.first_corroboration, Outcome.alert, "the claim's first corroboration")
    elif fact.stance == "denies" and state.first_denial_at is None:
        decision = Decision(Kind.first_denial, Outcome.alert, "the claim's first denial")
    elif held is None:
        decision = Decision(Kind.new_speaker, Outcome.alert, f"{fact.holder} takes a stance for the first time")
    elif held.last_alerted_at is not None and fact.seen_at - held.last_alerted_at < policy.realert:
        decision = Decision(Kind.repeat_quiet, Outcome.quiet,
                            "the same stance again within the claim's realert window")
    else:
        decision = Decision(Kind.repeat, Outcome.alert, "the same stance again, past the claim's realert window")
    return decision


def counting(book: RuleBook, matches: Sequence[Match], item: PendingItem) -> list[Match]:
    """The matches that count for their claims: active claims that take evidence from the item's feed (their
    sources: trust / ignore by feed tag)."""
    tags = set(item.feed_tags)
    kept = []
    for match in matches:
        spec = book.claim(match.claim_id)
        if spec is None or spec.status != "active" or (spec.sources.ignore and tags & set(spec.sources.ignore)):
            continue
        if not spec.sources.trust or tags & set(spec.sources.trust):
            kept.append(match)
    return kept


def policy_for(book: RuleBook, claim_id: str, settings: AlertSettings) -> Policy:
    """The claim's alerting rules, from its file and the configuration."""
    spec = book.claim(claim_id)
    assert spec is not None  # matches come from the book's own matcher
    return Policy(timedelta(seconds=spec.realert), timedelta(seconds=settings.max_age_seconds),
                  spec.alert_on_discusses)


def next_position(previous: PositionRow | None, holder: str, stance: str, now: datetime,
                  announced: bool) -> PositionRow:
    """The holder's position once evidence of `stance` is recorded at `now`: `since` moves only when the
    stance changes; an announced decision restarts the realert window."""
    since = previous.since if previous is not None and previous.stance == stance else now
    last_alerted = now if announced else (previous.last_alerted_at if previous else None)
    count = (previous.evidence_count if previous else 0) + 1
    return PositionRow(holder, stance, since, now, last_alerted, count)


def with_stance(state: ClaimStateRow, stance: str, now: datetime) -> ClaimStateRow:
    """The claim's state once a holder takes `stance`: its first corroboration or denial, if it is one."""
    if stance == "corroborates" and state.first_corroboration_at is None:
        return replace(state, first_corroboration_at=now)
    if stance == "denies" and state.first_denial_at is None:
        return replace(state, first_denial_at=now)
    return state


def holder_of(match: Match, feed: str) -> str:
    """Whose position the match is: the speaker's top affiliation, or the feed when nobody is quoted."""
    if match.speaker == UNATTRIBUTED:
        return f"source:{feed}"
    return match.speaker_affiliation or match.speaker


def _unclear(fact: Fact, held: PositionRow | None) -> str:
    if held is None:
        return f"{fact.holder} has no stance yet; {fact.stance} without a clear speaker does not give it one"
    return f"{fact.holder} {held.stance}; {fact.stance} without a clear speaker does not flip it"


def _covers(silence: SilenceRow, fact: Fact) -> bool:
    return (silence.claim_id == fact.claim_id and fact.seen_at < silence.ends_at
            and silence.speaker in (None, fact.speaker, fact.holder))


def title(kind: str, stance: str) -> str:
    """How an alert of this kind announces itself: "New denial", "Reversal", ..."""
    return TITLES.get(kind, kind.replace("_", " ").capitalize()).format(stance=NOUNS.get(stance, stance))
