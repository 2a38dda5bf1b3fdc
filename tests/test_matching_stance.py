"""Stance cues, table-driven: negation, double negation, hedges, questions, reported speech, no comment."""

from __future__ import annotations

import pytest

from monitor.matching.cues import phrase_cues, word_cues
from monitor.matching.matcher import Matcher
from monitor.matching.model import Claim, RuleSet, StanceCues
from tests.test_matching_seed import load_seed_ruleset

CLAIM = Claim("china-arms", "China is supplying weapons to Russia", subjects=("china",), objects=("russia",),
              keyphrases=("weapons", "lethal aid", "arms"))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    """A matcher for the weapons claim with the seed actors."""
    return Matcher(RuleSet((CLAIM,), load_seed_ruleset().actors))


CASES = [
    # (expected label, expected speaker, item text)
    ("corroborates", "uk-government", "Britain says it has evidence that China is supplying weapons to Russia."),
    ("corroborates", "unattributed", "Evidence shows China is supplying weapons to Russia."),
    ("corroborates", "us-government", "The U.S. rejected China's denial that it is supplying weapons to Russia."),
    ("corroborates", "uk-defence-secretary", "China is sending lethal aid to Russia, Grant Shapps said on Wednesday."),
    ("denies", "china", "China denies supplying weapons to Russia."),
    ("denies", "china", "Beijing rejects claims it is supplying weapons to Russia."),
    ("denies", "china", "Beijing called the report about weapons for Russia baseless."),
    ("denies", "us-national-security-adviser",
     'There are reports China is supplying weapons to Russia. "We have not seen that," Sullivan said.'),
    ("denies", "pentagon", "There is no evidence that China is supplying weapons to Russia, the Pentagon said."),
    ("denies", "chinese-foreign-ministry",
     "China is not supplying weapons to Russia, China's foreign ministry said."),
    ("denies", "unattributed", "China sends no weapons to Russia."),
    ("denies", "china", "According to Beijing, no weapons went to Russia."),
    ("denies", "us-national-security-adviser", "Sullivan said China sends no weapons to Russia."),
    ("discusses", "unattributed", "China may be supplying weapons to Russia."),
    ("discusses", "unattributed", "Is China supplying weapons to Russia?"),
    ("discusses", "unattributed", "China allegedly supplying weapons to Russia"),
    ("discusses", "chinese-embassy-uk",
     "China's embassy in London declined to comment on reports that China is supplying weapons to Russia."),
    ("discusses", "us-government", "The White House would not deny that China is supplying weapons to Russia."),
    ("discusses", "us-government", "Washington warned about China supplying weapons to Russia."),
    ("discusses", "unattributed", "Reports say China is supplying weapons to Russia."),
    ("discusses", "unattributed", "China supplying weapons to Russia, according to unconfirmed reports"),
]


@pytest.mark.parametrize(("label", "speaker", "text"), CASES)
def test_stance_of_speaker(matcher: Matcher, label: str, speaker: str, text: str) -> None:
    """Each sentence yields the expected stance for the expected speaker."""
    found = {m.speaker: m.label for m in matcher.match(text)}
    assert found.get(speaker) == label, found


SCOPE_CASES = [
    # (folded words, claim word positions, expected scope feature)
    (["the", "white", "house", "would", "not", "deny", "it"], frozenset(), "scope:negated-deny"),
    (["officials", "have", "not", "confirmed", "the", "report"], frozenset(), "scope:negated-confirm"),
    (["the", "u.s.", "rejected", "china's", "denial"], frozenset(), "scope:double-negation"),
    (["banksy", "wasn't", "arrested"], frozenset({2}), "scope:negated-claim"),
    (["paul", "rudd", "is", "not", "the", "hero"], frozenset({0, 1}), "scope:negated-predicate"),
    (["officials", "dismissed", "claims", "it", "was", "a", "hoax"], frozenset(), "scope:double-negation"),
    (["woman", "denies", "surgery", "hoax", "claims"], frozenset(), "scope:double-negation"),
    (["actor", "rebuffs", "internet", "rumors", "that", "he", "died"], frozenset(), "scope:rejects-report"),
    (["rumors", "of", "the", "leader's", "death", "debunked"], frozenset(), "scope:rejects-report"),
    (["the", "report", "is", "not", "true"], frozenset(), "family:deny"),
    (["fake-news", "china", "sends", "weapons"], frozenset(), "family:deny"),
    (["fans", "twitter-trolled", "by", "weapons", "story"], frozenset(), "family:deny"),
    (["cnn", "airs", "alleged", "audio", "of", "the", "shooting"], frozenset(), "scope:epistemic"),
]


def test_united_states_is_no_attribution() -> None:
    """'the United States' is a name, not the reporting verb 'states'."""
    words = ["the", "united", "states", "has", "not", "seen", "weapons"]
    assert "family:report" not in {c.feature for c in word_cues(words, frozenset())}


def test_refusing_to_deny_rejects_nothing() -> None:
    """'refuses to confirm or deny reports' is a refusal, not a rejection of the reports."""
    words = ["embassy", "refuses", "to", "confirm", "or", "deny", "reports", "of", "weapons"]
    assert "scope:rejects-report" not in {c.feature for c in word_cues(words, frozenset())}

PLAIN_DENIALS = [
    ["usda", "debunks", "the", "hoax"],
    ["priest", "claim", "dismissed", "as", "hoax"],
    ["china", "rejected", "as", "groundless", "a", "claim"],
    ["officials", "rejected", "the", "report", "as", "a", "lie"],
]


@pytest.mark.parametrize("words", PLAIN_DENIALS)
def test_rejecting_as_a_hoax_is_a_denial(words: list[str]) -> None:
    """A deny verb whose object is the claim called a hoax or groundless is a denial, not a double negation."""
    features = {c.feature for c in word_cues(words, frozenset())}
    assert "scope:double-negation" not in features
    assert "family:deny" in features


PHRASE_CASES = [
    # (folded sentence, expected phrase feature)
    ("no, china is not sending weapons to russia", "phrase:absence"),
    ("weapons for russia: no, it's not happening", "phrase:absence"),
    ("news sites fall for fake weapons video", "phrase:absence"),
    ("embassy refuses to confirm or deny report of weapons", "phrase:no-comment"),
    ("the white house won't say if weapons were sent", "phrase:no-comment"),
    ("chinese embassy silent on weapons accusation", "phrase:no-comment"),
    ("weapons for russia: real or hoax?", "phrase:either-or"),
    ("russian weapons or western hoax?", "phrase:either-or"),
    ("officials stopped short of saying china sends weapons", "phrase:hedge-phrase"),
    ("director puts the weapons rumour to rest", "phrase:absence"),
    ("officials shoot down the weapons claims", "phrase:absence"),
]


def test_literal_shoot_down_is_no_denial() -> None:
    """Shooting down drones or planes is war news, not shooting down a claim."""
    assert "phrase:absence" not in {f for _, _, f in phrase_cues("iraq shoots down two planes carrying weapons", {})}


@pytest.mark.parametrize(("sentence", "feature"), PHRASE_CASES)
def test_phrase_cues(sentence: str, feature: str) -> None:
    """Multi-word cues: a leading 'No,', falling for a story, refusals to say, 'real or hoax', stopping short."""
    assert feature in {f for _, _, f in phrase_cues(sentence, {})}


@pytest.mark.parametrize(("words", "positions", "feature"), SCOPE_CASES)
def test_negation_scope(words: list[str], positions: frozenset[int], feature: str) -> None:
    """Negators change what the cue after them means."""
    assert feature in {c.feature for c in word_cues(words, positions)}


def test_double_negation_is_not_a_denial() -> None:
    """'rejected China's denial' does not count as the deny family any more."""
    features = {c.feature for c in word_cues(["the", "u.s.", "rejected", "china's", "denial"], frozenset())}
    assert "family:deny" not in features


def test_claim_specific_cues(matcher: Matcher) -> None:
    """A claim's own cue phrases add to the built-in ones."""
    claim = Claim("c", "China is supplying weapons to Russia", ("china",), ("russia",), ("weapons",),
                  cues=StanceCues(denies=("a western fabrication",)))
    own = Matcher(RuleSet((claim,), matcher.ruleset.actors))
    found = {m.speaker: m.label for m in own.match("Beijing says weapons for Russia are a western fabrication.")}
    assert found.get("china") == "denies"


def test_headline_classification(matcher: Matcher) -> None:
    """classify gives one outlet-level label per item: a hedged headline discusses."""
    label, score, explanation = matcher.classify("china-arms", "China may be sending weapons to Russia, report says")
    assert label == "discusses"
    assert 0.0 < score <= 1.0
    assert explanation.relevant


def test_reporting_a_reported_claim_asserts_it() -> None:
    """When the claim is itself a report, "X says ..." carries the claim-reported cues, not the plain ones."""
    reported = Matcher.for_statement("A priest says he met God")
    plain = Matcher.for_statement("A priest met God")
    headline = "Priest says he met God, church reports"
    assert "claim-reported:family:report" in reported.training_view("claim", headline).units[0][0]
    assert "family:report" in plain.training_view("claim", headline).units[0][0]
