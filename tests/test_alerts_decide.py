"""The alert decision as tables: what each piece of evidence, and each whole item, means for a claim's ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.alerts.decide import ClaimContext, Decision, Fact, Kind, Outcome, Policy, decide, decide_item, title
from monitor.matching.model import UNATTRIBUTED, Explanation, Match
from storage.ledger import ClaimStateRow, PendingItem, PositionRow
from storage.silences import SilenceRow

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
POLICY = Policy(realert=24 * HOUR, max_age=72 * HOUR)
OPEN = ClaimStateRow("c", first_corroboration_at=None, first_denial_at=None)
BOTH = ClaimStateRow("c", first_corroboration_at=NOW - 48 * HOUR, first_denial_at=NOW - 48 * HOUR)
CORROBORATED = ClaimStateRow("c", first_corroboration_at=NOW - 48 * HOUR, first_denial_at=None)


def holding(stance: str, last_alerted_at: datetime | None) -> PositionRow:
    """The holder's standing position: `stance`, last announced at `last_alerted_at`."""
    return PositionRow("h", stance, NOW - 48 * HOUR, NOW - 2 * HOUR, last_alerted_at, 1)


def silence(silence_id: int, claim_id: str, speaker: str | None, ends_at: datetime) -> SilenceRow:
    """A silence in force until `ends_at`."""
    return SilenceRow(silence_id, claim_id, speaker, "briefing", NOW - HOUR, ends_at, None)


def fact(stance: str = "corroborates", *, holder: str = "uk-government", speaker: str = "uk-defence-secretary",
         copy: bool = False, age: timedelta = HOUR, clear: bool = True) -> Fact:
    """Evidence first seen NOW, published `age` earlier."""
    return Fact("c", stance, speaker, holder, copy, NOW - age, NOW, clear)


CASES: list[tuple[str, Fact, PositionRow | None, ClaimStateRow, Policy, tuple[str, str]]] = [
    ("first corroboration ever", fact(), None, OPEN, POLICY, ("first_corroboration", "alert")),
    ("first denial ever", fact("denies", holder="us-government"), None, CORROBORATED, POLICY,
     ("first_denial", "alert")),
    ("a new holder corroborating", fact(holder="france"), None, BOTH, POLICY, ("new_speaker", "alert")),
    ("a new holder denying", fact("denies", holder="china"), None, BOTH, POLICY, ("new_speaker", "alert")),
    ("a holder reversing its stance", fact("denies"), holding("corroborates", NOW - HOUR), BOTH, POLICY,
     ("reversal", "alert")),
    ("a reversal outranks a first denial", fact("denies"), holding("corroborates", None), CORROBORATED,
     POLICY, ("reversal", "alert")),
    ("the same stance again within the window", fact(), holding("corroborates", NOW - HOUR), BOTH, POLICY,
     ("repeat_quiet", "quiet")),
    ("the same stance again past the window", fact(), holding("corroborates", NOW - 25 * HOUR), BOTH, POLICY,
     ("repeat", "alert")),
    ("a shorter realert window", fact(), holding("corroborates", NOW - 2 * HOUR), BOTH,
     Policy(realert=HOUR, max_age=72 * HOUR), ("repeat", "alert")),
    ("a copy of a story never alerts", fact(copy=True), None, OPEN, POLICY, ("copy", "quiet")),
    ("a copy of a reversal never alerts", fact("denies", copy=True), holding("corroborates", None), BOTH, POLICY,
     ("copy", "quiet")),
    ("discussion does not alert", fact("discusses"), None, OPEN, POLICY, ("discusses", "quiet")),
    ("discussion alerts when the claim opts in", fact("discusses"), None, OPEN,
     Policy(realert=24 * HOUR, max_age=72 * HOUR, alert_on_discusses=True), ("discussion", "alert")),
    ("an old item is recorded without alerting", fact(age=80 * HOUR), None, OPEN, POLICY,
     ("first_corroboration", "too_old")),
    ("an item just inside the maximum age alerts", fact(age=71 * HOUR), None, OPEN, POLICY,
     ("first_corroboration", "alert")),
    ("no reversal without a clear speaker", fact("denies", clear=False), holding("corroborates", NOW - HOUR), BOTH,
     POLICY, ("needs_review", "quiet")),
    ("no first stance without a clear speaker", fact("denies", holder="china", clear=False), None, BOTH, POLICY,
     ("needs_review", "quiet")),
    ("no claim's first corroboration without a clear speaker", fact(clear=False), None, OPEN, POLICY,
     ("needs_review", "quiet")),
    ("an unclear speaker repeating the held stance is a repeat", fact(clear=False),
     holding("corroborates", NOW - 25 * HOUR), BOTH, POLICY, ("repeat", "alert")),
    ("an unclear speaker within the window stays quiet", fact(clear=False), holding("corroborates", NOW - HOUR), BOTH,
     POLICY, ("repeat_quiet", "quiet")),
    ("an unclear copy is still a copy", fact("denies", copy=True, clear=False), holding("corroborates", None), BOTH,
     POLICY, ("copy", "quiet")),
    ("unclear discussion is still discussion", fact("discusses", clear=False), holding("corroborates", None), BOTH,
     POLICY, ("discusses", "quiet")),
]


Row = tuple[str, Fact, PositionRow | None, ClaimStateRow, Policy, tuple[str, str]]


@pytest.mark.parametrize("row", CASES, ids=[case[0] for case in CASES])
def test_decision_table(row: Row) -> None:
    """Each row of the table gets its kind and outcome."""
    _, evidence, held, picture, policy, expected = row
    decision = decide(evidence, held, picture, policy)
    assert (decision.kind, decision.outcome) == expected, decision.reason


def test_review_never_moves_the_position_nor_alerts_under_age_or_silence() -> None:
    """Evidence awaiting review keeps the holder's position and stays quiet, even when old or silenced."""
    unclear = fact("denies", clear=False, age=80 * HOUR)
    decision = decide(unclear, holding("corroborates", None), BOTH, POLICY, [silence(1, "c", None, NOW + HOUR)])
    assert (decision.kind, decision.outcome, decision.updates_position) == ("needs_review", "quiet", False)
    assert decision.silence_id is None and "uk-government corroborates" in decision.reason


def test_priorities_put_reversals_first() -> None:
    """Reversals are the most urgent, then firsts, then new speakers, then repeats."""
    order = [Decision(kind, Outcome.alert, "").priority for kind in
             (Kind.reversal, Kind.first_denial, Kind.first_corroboration, Kind.new_speaker, Kind.repeat)]
    assert order == sorted(order) and order[0] < order[1] and order[2] < order[3] < order[4]


def test_silence_covers_claim_and_optionally_one_speaker() -> None:
    """A claim-wide silence holds back every alert; a speaker silence only that speaker's (or holder's)."""
    claim_wide = silence(1, "c", None, NOW + HOUR)
    for_china = silence(2, "c", "china", NOW + HOUR)
    silenced = decide(fact(), None, OPEN, POLICY, [claim_wide])
    assert (silenced.outcome, silenced.silence_id, silenced.kind) == ("silenced", 1, "first_corroboration")
    assert decide(fact(), None, OPEN, POLICY, [for_china]).outcome == "alert"
    assert decide(fact("denies", holder="china", speaker="chinese-foreign-ministry"), None, BOTH, POLICY,
                  [for_china]).outcome == "silenced"
    assert decide(fact(), None, OPEN, POLICY, [silence(3, "other", None, NOW + HOUR)]).outcome == "alert"
    assert decide(fact(), None, OPEN, POLICY, [silence(4, "c", None, NOW)]).outcome == "alert"


def test_titles_name_the_news() -> None:
    """Alert titles say what is new."""
    assert title("new_speaker", "denies") == "New denial"
    assert title("first_corroboration", "corroborates") == "First corroboration"
    assert title("repeat", "corroborates") == "Repeated corroboration"
    assert title("reversal", "denies") == "Reversal"


def said(stance: str, speaker: str, holder: str | None, *, clear: bool = True, claim: str = "c") -> Match:
    """A match made by hand: `speaker` (speaking for `holder`) takes `stance` on `claim`."""
    return Match(claim, stance, 0.9, speaker, holder, None, Explanation(claim, True, "by hand"),  # type: ignore[arg-type]
                 clear_speaker=clear)


ITEM = PendingItem(1, 1, "wire", (), "https://wire.example/a", "t", "", NOW - HOUR, NOW)
UK = said("corroborates", "uk-defence-secretary", "uk-government")
UK_UNCLEAR_DENIES = said("denies", "uk-prime-minister", "uk-government", clear=False)
UK_DENIES = said("denies", "uk-prime-minister", "uk-government")
FRANCE = said("corroborates", "france", None)
OUTLET = said("corroborates", UNATTRIBUTED, None)
UK_HELD = {"uk-government": holding("corroborates", NOW - HOUR)}


def context(state: ClaimStateRow = OPEN, positions: dict[str, PositionRow] | None = None, *, copy: bool = False,
            dismissed: bool = False) -> ClaimContext:
    """What the ledger holds for claim c."""
    return ClaimContext(POLICY, state, positions or {}, (), copy, dismissed)


ITEM_CASES: list[tuple[str, list[Match], ClaimContext, bool, list[tuple[str, str, str]]]] = [
    ("the outlet alone holds its own stance", [OUTLET], context(), False,
     [("source:wire", "first_corroboration", "alert")]),
    ("an outlet quoting somebody only reports", [OUTLET, UK], context(), False,
     [("source:wire", "reported", "quiet"), ("uk-government", "first_corroboration", "alert")]),
    ("one stance per holder per item", [UK, said("corroborates", "uk-prime-minister", "uk-government")], context(),
     False, [("uk-government", "first_corroboration", "alert"), ("uk-government", "same_item", "quiet")]),
    ("a clear speaker decides for its holder before a stronger unclear one", [UK_UNCLEAR_DENIES, UK_DENIES],
     context(BOTH, UK_HELD), False, [("uk-government", "reversal", "alert"), ("uk-government", "same_item", "quiet")]),
    ("the claim's picture moves within the item", [UK, FRANCE], context(), False,
     [("uk-government", "first_corroboration", "alert"), ("france", "new_speaker", "alert")]),
    ("a copy of a story stays quiet for every holder", [UK, FRANCE], context(copy=True), False,
     [("uk-government", "copy", "quiet"), ("france", "copy", "quiet")]),
    ("a dismissed item never alerts again", [UK_DENIES], context(BOTH, UK_HELD, dismissed=True), False,
     [("uk-government", "dismissed", "quiet")]),
    ("a backfill announces nothing one by one", [UK, FRANCE], context(), True,
     [("uk-government", "first_corroboration", "backfill"), ("france", "new_speaker", "backfill")]),
    ("a backfill keeps quiet decisions quiet", [UK], context(BOTH, UK_HELD), True,
     [("uk-government", "repeat_quiet", "quiet")]),
]


@pytest.mark.parametrize("row", ITEM_CASES, ids=[case[0] for case in ITEM_CASES])
def test_item_decision_table(row: tuple[str, list[Match], ClaimContext, bool, list[tuple[str, str, str]]]) -> None:
    """Each item gets, match by match, the holder, kind and outcome of the table."""
    _, matches, claim, backfill, expected = row
    decided = decide_item(ITEM, matches, {"c": claim}, NOW, backfill=backfill).decided
    assert [(d.holder, d.decision.kind, d.decision.outcome) for d in decided] == expected


def test_an_item_hands_back_the_claims_new_picture() -> None:
    """The positions and first stances after the item are what the ledger writes; a reversal keeps the count
    running and moves `since`, a needs-review match changes nothing."""
    outcome = decide_item(ITEM, [UK_DENIES, FRANCE], {"c": context(CORROBORATED, UK_HELD)}, NOW)
    uk = outcome.positions["c"]["uk-government"]
    assert (uk.stance, uk.since, uk.last_alerted_at, uk.evidence_count) == ("denies", NOW, NOW, 2)
    assert outcome.states["c"].first_denial_at == NOW
    assert outcome.states["c"].first_corroboration_at == CORROBORATED.first_corroboration_at
    unclear = decide_item(ITEM, [UK_UNCLEAR_DENIES], {"c": context(BOTH, UK_HELD)}, NOW)
    assert unclear.decided[0].position is None and unclear.positions["c"] == UK_HELD
