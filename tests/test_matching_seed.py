"""The seed article: one assertion, one denial by absence, one non-comment, each with its speaker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.matching.matcher import Matcher
from monitor.matching.model import Actor, Claim, Match, RuleSet

FIXTURES = Path(__file__).parent / "fixtures"


def load_seed_ruleset() -> RuleSet:
    """The RuleSet of tests/fixtures/matching/seed-rules.json."""
    data = json.loads((FIXTURES / "matching" / "seed-rules.json").read_text(encoding="utf-8"))
    claims = tuple(Claim(c["id"], c["statement"], tuple(c.get("subjects", ())), tuple(c.get("objects", ())),
                         tuple(c.get("keyphrases", ()))) for c in data["claims"])
    actors = {a["id"]: Actor(a["id"], a["name"], a.get("kind", "organisation"), tuple(a.get("aliases", ())),
                             a.get("affiliation")) for a in data["actors"]}
    return RuleSet(claims, actors)


@pytest.fixture(scope="module")
def seed_matches() -> list[Match]:
    """The matches of the seed article against the seed RuleSet."""
    text = (FIXTURES / "seed-article.txt").read_text(encoding="utf-8")
    return Matcher(load_seed_ruleset()).match("", text)


def _by_speaker(matches: list[Match]) -> dict[str, Match]:
    return {m.speaker: m for m in matches}


def test_uk_defence_secretary_corroborates(seed_matches: list[Match]) -> None:
    """Shapps' assertion is a corroboration spoken by the UK defence secretary for the UK government."""
    match = _by_speaker(seed_matches)["uk-defence-secretary"]
    assert match.label == "corroborates"
    assert match.speaker_affiliation == "uk-government"
    assert match.claim_id == "china-lethal-aid"


def test_us_national_security_adviser_denies(seed_matches: list[Match]) -> None:
    """Sullivan's "We have not seen that to date" is a denial by the US government."""
    match = _by_speaker(seed_matches)["us-national-security-adviser"]
    assert match.label == "denies"
    assert match.speaker_affiliation == "us-government"
    assert any("We have not seen that to date" in s.text for s in (match.quote, *match.explanation.cues) if s)


def test_china_takes_no_stance(seed_matches: list[Match]) -> None:
    """Nothing attributed to China (or its embassy) corroborates or denies: no comment is not a denial."""
    chinese = [m for m in seed_matches if m.speaker_affiliation == "china"]
    assert all(m.label == "discusses" for m in chinese)


def test_matches_carry_explanations(seed_matches: list[Match]) -> None:
    """Every match explains itself with evidence, cues, speaker evidence and spans that quote the item."""
    text = (FIXTURES / "seed-article.txt").read_text(encoding="utf-8").strip()
    for match in seed_matches:
        explanation = match.explanation
        assert explanation.relevant and explanation.evidence
        assert set(explanation.stance_scores) >= {"corroborates", "denies", "discusses"}
        for span in (*explanation.evidence, *explanation.cues, *explanation.speaker_evidence):
            assert text[span.start:span.end] == span.text
        if match.speaker != "unattributed":
            assert explanation.speaker_evidence


def test_soybean_deal_is_not_the_claim() -> None:
    """Two actors named together without any of the claim's words is not the claim."""
    matcher = Matcher(load_seed_ruleset())
    assert matcher.match("China and Russia sign a soybean deal") == []
    explanation = matcher.explain("china-lethal-aid", "China and Russia sign a soybean deal", "")
    assert not explanation.relevant
    assert "not a candidate" in explanation.reason
