"""Whole stories of the bundled news day against the shipped rules: speakers, stances and relevance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.matching.matcher import Matcher
from monitor.matching.model import UNATTRIBUTED, Match
from monitor.rulebook.loader import load_rulebook
from tests.helpers import EXAMPLE_RULES

ROOT = Path(__file__).parent.parent
STORIES = json.loads((ROOT / "tests" / "fixtures" / "matching" / "demo-stories.json").read_text(encoding="utf-8"))
CLAIM = "china-lethal-aid-russia"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    """A matcher for every claim of the shipped rules."""
    book = load_rulebook(EXAMPLE_RULES)
    return Matcher(book.ruleset([claim.id for claim in book.claims]))


def _match(matcher: Matcher, story: str, title: str | None = None) -> list[Match]:
    item = STORIES[story]
    return matcher.match(item["title"] if title is None else title, item["text"])


def _stances(matches: list[Match], claim_id: str = CLAIM) -> set[tuple[str, str]]:
    return {(m.speaker, m.label) for m in matches if m.claim_id == claim_id}


def test_white_house_reply_is_a_us_denial_only(matcher: Matcher) -> None:
    """Sullivan's reply is a US denial; neither Russia (an object) nor Shapps (quoted earlier) speaks it."""
    matches = _match(matcher, "white-house-not-seen")
    stances = _stances(matches)
    assert ("us-national-security-adviser", "denies") in stances
    assert ("uk-defence-secretary", "denies") not in stances
    assert not [m for m in matches if m.speaker_affiliation == "russia"]
    assert {m.speaker_affiliation for m in matches if m.label == "denies"} == {"us-government"}


def test_embassy_silence_takes_no_stance(matcher: Matcher) -> None:
    """No comment from China's embassy yields no corroboration or denial from anyone."""
    matches = _match(matcher, "embassy-silent")
    assert matches
    assert {m.label for m in matches} == {"discusses"}
    assert {m.claim_id for m in matches} == {CLAIM}


def test_foreign_ministry_calls_claim_groundless(matcher: Matcher) -> None:
    """China's foreign ministry calling the claim 'groundless' and 'baseless smears' is its denial."""
    matches = [m for m in _match(matcher, "china-groundless") if m.claim_id == CLAIM]
    ministry = [m for m in matches if m.speaker == "chinese-foreign-ministry"]
    assert [(m.label, m.speaker_affiliation) for m in ministry] == [("denies", "china")]
    assert all(m.label == "denies" for m in matches if m.speaker_affiliation == "china")
    assert not [m for m in matches if m.speaker_affiliation == "ukraine"]


def test_claim_needs_its_subject(matcher: Matcher) -> None:
    """Russian drones over Kharkiv, with China never named, are not the China lethal-aid claim."""
    assert _match(matcher, "ukraine-drones") == []
    explanation = matcher.explain(CLAIM, STORIES["ukraine-drones"]["title"], STORIES["ukraine-drones"]["text"])
    assert not explanation.relevant
    assert "subjects" in explanation.reason


@pytest.mark.parametrize("story", ["embassy-silent", "white-house-not-seen", "shapps-syndicated",
                                   "shapps-retitled", "uk-says", "china-groundless"])
def test_iran_claim_needs_iran(matcher: Matcher, story: str) -> None:
    """Stories about China and Russia that never name Iran do not match the Iran missiles claim."""
    assert not [m for m in _match(matcher, story) if m.claim_id == "iran-missiles-russia"]


def test_uk_says_is_the_uk_government(matcher: Matcher) -> None:
    """'UK says ...' in a headline is the UK government speaking, not an unattributed corroboration."""
    stances = _stances(_match(matcher, "uk-says"))
    assert ("uk-government", "corroborates") in stances
    assert ("uk-defence-secretary", "corroborates") in stances
    assert not {s for s in stances if s[0] == UNATTRIBUTED}


@pytest.mark.parametrize("story", ["shapps-syndicated", "shapps-shortened", "shapps-retitled", "uk-says"])
def test_syndicated_copies_agree(matcher: Matcher, story: str) -> None:
    """Every copy of the Shapps story, whatever its headline, is the defence secretary corroborating."""
    matches = [m for m in _match(matcher, story) if m.claim_id == CLAIM]
    assert ("uk-defence-secretary", "corroborates") in _stances(matches)
    assert {m.label for m in matches} == {"corroborates"}
    assert {m.speaker_affiliation for m in matches} == {"uk-government"}


@pytest.mark.parametrize("title", [
    "Shapps: Russia and China 'collaborating on combat equipment' for Ukraine war",
    "Defence Secretary: Beijing sending 'lethal aid' to Moscow for Ukraine war",
    "China-Russia arms link a 'significant development', says Shapps",
    "Britain's defence secretary says Beijing is arming Moscow",
])
def test_retitled_copy_keeps_speaker_and_stance(matcher: Matcher, title: str) -> None:
    """Putting a new headline over the syndicated body changes neither speaker nor stance."""
    assert _stances(_match(matcher, "shapps-syndicated", title)) == {("uk-defence-secretary", "corroborates")}


def test_soybean_trade_is_not_the_claim(matcher: Matcher) -> None:
    """A China-Russia grain deal matches no claim."""
    assert _match(matcher, "soybean") == []


def test_embassy_declining_to_comment_is_no_stance(matcher: Matcher) -> None:
    """An item saying only that China's embassy declined to comment gives no corroboration or denial."""
    matches = matcher.match("China's embassy in London declined to comment",
                            "China's embassy in London declined to comment on claims by Grant Shapps that "
                            "Beijing is sending lethal aid to Russia.")
    assert all(m.label == "discusses" for m in matches)


def test_ministry_groundless_item_is_a_chinese_denial(matcher: Matcher) -> None:
    """A short item quoting China's foreign ministry calling the claim groundless is its denial."""
    matches = matcher.match(
        "Beijing hits back at lethal aid claim",
        "China's foreign ministry called the accusation that Beijing is sending lethal aid to Russia "
        "groundless. \"These are baseless smears,\" Mao Ning said.")
    ministry = {(m.speaker, m.label, m.speaker_affiliation) for m in matches if m.claim_id == CLAIM}
    assert ("chinese-foreign-ministry", "denies", "china") in ministry
    assert all(label != "corroborates" for _, label, _ in ministry)


def test_relative_that_does_not_point_back(matcher: Matcher) -> None:
    """'a peace plan that Kyiv dismissed' after a relevant sentence inherits nothing from it."""
    matches = matcher.match("", "There was no comment from China's embassy in London on claims that Beijing is "
                                "sending lethal aid to Russia. Beijing offers a peace plan that Kyiv dismissed.")
    assert {m.label for m in matches} == {"discusses"}
