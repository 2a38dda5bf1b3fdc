"""The alert decision as a table: what each piece of evidence means for a claim's ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.alerts.decide import ClaimPicture, Decision, Fact, Held, Policy, SilenceRule, decide, title

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
POLICY = Policy(realert=24 * HOUR, max_age=72 * HOUR)
OPEN = ClaimPicture(corroborated=False, denied=False)
BOTH = ClaimPicture(corroborated=True, denied=True)


def fact(stance: str = "corroborates", *, holder: str = "uk-government", speaker: str = "uk-defence-secretary",
         copy: bool = False, age: timedelta = HOUR, clear: bool = True) -> Fact:
    """Evidence first seen NOW, published `age` earlier."""
    return Fact("c", stance, speaker, holder, copy, NOW - age, NOW, clear)


CASES: list[tuple[str, Fact, Held | None, ClaimPicture, Policy, tuple[str, str]]] = [
    ("first corroboration ever", fact(), None, OPEN, POLICY, ("first_corroboration", "alert")),
    ("first denial ever", fact("denies", holder="us-government"), None, ClaimPicture(True, False), POLICY,
     ("first_denial", "alert")),
    ("a new holder corroborating", fact(holder="france"), None, BOTH, POLICY, ("new_speaker", "alert")),
    ("a new holder denying", fact("denies", holder="china"), None, BOTH, POLICY, ("new_speaker", "alert")),
    ("a holder reversing its stance", fact("denies"), Held("corroborates", NOW - HOUR), BOTH, POLICY,
     ("reversal", "alert")),
    ("a reversal outranks a first denial", fact("denies"), Held("corroborates", None), ClaimPicture(True, False),
     POLICY, ("reversal", "alert")),
    ("the same stance again within the window", fact(), Held("corroborates", NOW - HOUR), BOTH, POLICY,
     ("repeat_quiet", "quiet")),
    ("the same stance again past the window", fact(), Held("corroborates", NOW - 25 * HOUR), BOTH, POLICY,
     ("repeat", "alert")),
    ("a shorter realert window", fact(), Held("corroborates", NOW - 2 * HOUR), BOTH,
     Policy(realert=HOUR, max_age=72 * HOUR), ("repeat", "alert")),
    ("a copy of a story never alerts", fact(copy=True), None, OPEN, POLICY, ("copy", "quiet")),
    ("a copy of a reversal never alerts", fact("denies", copy=True), Held("corroborates", None), BOTH, POLICY,
     ("copy", "quiet")),
    ("discussion does not alert", fact("discusses"), None, OPEN, POLICY, ("discusses", "quiet")),
    ("discussion alerts when the claim opts in", fact("discusses"), None, OPEN,
     Policy(realert=24 * HOUR, max_age=72 * HOUR, alert_on_discusses=True), ("discussion", "alert")),
    ("an old item is recorded without alerting", fact(age=80 * HOUR), None, OPEN, POLICY,
     ("first_corroboration", "too_old")),
    ("an item just inside the maximum age alerts", fact(age=71 * HOUR), None, OPEN, POLICY,
     ("first_corroboration", "alert")),
    ("no reversal without a clear speaker", fact("denies", clear=False), Held("corroborates", NOW - HOUR), BOTH,
     POLICY, ("needs_review", "quiet")),
    ("no first stance without a clear speaker", fact("denies", holder="china", clear=False), None, BOTH, POLICY,
     ("needs_review", "quiet")),
    ("no claim's first corroboration without a clear speaker", fact(clear=False), None, OPEN, POLICY,
     ("needs_review", "quiet")),
    ("an unclear speaker repeating the held stance is a repeat", fact(clear=False),
     Held("corroborates", NOW - 25 * HOUR), BOTH, POLICY, ("repeat", "alert")),
    ("an unclear speaker within the window stays quiet", fact(clear=False), Held("corroborates", NOW - HOUR), BOTH,
     POLICY, ("repeat_quiet", "quiet")),
    ("an unclear copy is still a copy", fact("denies", copy=True, clear=False), Held("corroborates", None), BOTH,
     POLICY, ("copy", "quiet")),
    ("unclear discussion is still discussion", fact("discusses", clear=False), Held("corroborates", None), BOTH,
     POLICY, ("discusses", "quiet")),
]


Row = tuple[str, Fact, Held | None, ClaimPicture, Policy, tuple[str, str]]


@pytest.mark.parametrize("row", CASES, ids=[case[0] for case in CASES])
def test_decision_table(row: Row) -> None:
    """Each row of the table gets its kind and outcome."""
    _, evidence, held, picture, policy, expected = row
    decision = decide(evidence, held, picture, policy)
    assert (decision.kind, decision.outcome) == expected, decision.reason


def test_review_never_moves_the_position_nor_alerts_under_age_or_silence() -> None:
    """Evidence awaiting review keeps the holder's position and stays quiet, even when old or silenced."""
    unclear = fact("denies", clear=False, age=80 * HOUR)
    decision = decide(unclear, Held("corroborates", None), BOTH, POLICY, [SilenceRule(1, "c", None, NOW + HOUR)])
    assert (decision.kind, decision.outcome, decision.updates_position) == ("needs_review", "quiet", False)
    assert decision.silence_id is None and "uk-government corroborates" in decision.reason


def test_priorities_put_reversals_first() -> None:
    """Reversals are the most urgent, then firsts, then new speakers, then repeats."""
    order = [Decision(kind, "alert", "").priority for kind in
             ("reversal", "first_denial", "first_corroboration", "new_speaker", "repeat")]
    assert order == sorted(order) and order[0] < order[1] and order[2] < order[3] < order[4]


def test_silence_covers_claim_and_optionally_one_speaker() -> None:
    """A claim-wide silence holds back every alert; a speaker silence only that speaker's (or holder's)."""
    claim_wide = SilenceRule(1, "c", None, NOW + HOUR)
    for_china = SilenceRule(2, "c", "china", NOW + HOUR)
    silenced = decide(fact(), None, OPEN, POLICY, [claim_wide])
    assert (silenced.outcome, silenced.silence_id, silenced.kind) == ("silenced", 1, "first_corroboration")
    assert decide(fact(), None, OPEN, POLICY, [for_china]).outcome == "alert"
    assert decide(fact("denies", holder="china", speaker="chinese-foreign-ministry"), None, BOTH, POLICY,
                  [for_china]).outcome == "silenced"
    assert decide(fact(), None, OPEN, POLICY, [SilenceRule(3, "other", None, NOW + HOUR)]).outcome == "alert"
    assert decide(fact(), None, OPEN, POLICY, [SilenceRule(4, "c", None, NOW)]).outcome == "alert"


def test_titles_name_the_news() -> None:
    """Alert titles say what is new."""
    assert title("new_speaker", "denies") == "New denial"
    assert title("first_corroboration", "corroborates") == "First corroboration"
    assert title("repeat", "corroborates") == "Repeated corroboration"
    assert title("reversal", "denies") == "Reversal"
