"""Speakers: attribution patterns resolved to actors and their top affiliation, or unattributed."""

from __future__ import annotations

import pytest

from monitor.matching.derive import top_affiliation
from monitor.matching.matcher import Matcher
from monitor.matching.model import UNATTRIBUTED, Claim, RuleSet
from tests.test_matching_seed import load_seed_ruleset

CLAIM = Claim("china-arms", "China is supplying weapons to Russia", ("china",), ("russia",), ("weapons",))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    """A matcher for the weapons claim with the seed actors."""
    return Matcher(RuleSet((CLAIM,), load_seed_ruleset().actors))


CASES = [
    ("China is sending weapons to Russia, Sullivan said.", "us-national-security-adviser", "us-government"),
    ('"China is sending weapons to Russia," said Jake Sullivan.', "us-national-security-adviser",
     "us-government"),
    ("China is sending weapons to Russia, according to the Kremlin.", "russia", "russia"),
    ("China is sending weapons to Russia, a senior U.S. official told Reuters.", "us-government",
     "us-government"),
    ("Beijing: no weapons are going to Russia", "china", "china"),
    ("China is sending weapons to Russia, British Defense Secretary Grant Shaps said.", "uk-defence-secretary",
     "uk-government"),
    ("Xi Jin-ping said China sends no weapons to Russia.", "china-president", "china"),
    ("China is sending weapons to Russia, analysts believe.", UNATTRIBUTED, None),
]


@pytest.mark.parametrize(("text", "speaker", "affiliation"), CASES)
def test_speaker_resolution(matcher: Matcher, text: str, speaker: str, affiliation: str | None) -> None:
    """The attribution resolves (fuzzily) to the actor and the top of its affiliation chain."""
    matches = matcher.match(text)
    assert matches, text
    assert {(m.speaker, m.speaker_affiliation) for m in matches} == {(speaker, affiliation)}


def test_pronoun_follows_previous_speaker(matcher: Matcher) -> None:
    """'He added' keeps the speaker of the sentence before."""
    text = ("Grant Shapps said China is sending weapons to Russia. "
            "He added that the weapons are flowing into Ukraine.")
    assert {m.speaker for m in matcher.match(text)} == {"uk-defence-secretary"}


def test_affiliation_chain_tops_out() -> None:
    """Affiliation is followed up to the top actor."""
    actors = load_seed_ruleset().actors
    assert top_affiliation("us-national-security-adviser", actors) == "us-government"
    assert top_affiliation("china-president", actors) == "china"
    assert top_affiliation("china", actors) == "china"


OBJECT_CASES = [
    # (text, speaker): names governed by prepositions or quoted earlier do not speak
    ("Beijing says it never sent weapons to any party in the Ukraine conflict and accuses Britain of lies.",
     "china"),
    ("Washington has not seen China sending weapons to Russia, the White House said, hours after Grant Shapps "
     "said it was.", "us-government"),
    ("There was no comment from China's embassy in London after Grant Shapps said China is sending weapons "
     "to Russia.", "chinese-embassy-uk"),
    ("UK says China is sending weapons to Russia", "uk-government"),
    ("U.S. officials said Beijing helps Moscow with weapons that fill gaps in Russia's defence production, "
     "stopping short of saying more.", "us-government"),
    ("The report was questioned, with Sullivan saying China sends no weapons to Russia.",
     "us-national-security-adviser"),
    ("Speaking in Washington, Sullivan said China sends no weapons to Russia.", "us-national-security-adviser"),
]


@pytest.mark.parametrize(("text", "speaker"), OBJECT_CASES)
def test_objects_and_earlier_speakers_do_not_speak(matcher: Matcher, text: str, speaker: str) -> None:
    """Only the name in subject position of the main attribution speaks for the sentence."""
    assert {m.speaker for m in matcher.match(text)} == {speaker}


def test_continued_quotation_keeps_its_speaker(matcher: Matcher) -> None:
    """A quoted paragraph right after an attributed quotation is the same speaker's."""
    text = ('"China sends no weapons to Russia," China\'s foreign ministry said. '
            '"We urge Britain to stop spreading baseless smears about weapons for Russia."')
    assert {m.speaker for m in matcher.match("", text)} == {"chinese-foreign-ministry"}


def test_the_spokesperson_is_the_previous_speaker(matcher: Matcher) -> None:
    """'the spokesperson said' refers to the speaker named just before."""
    text = ("China's foreign ministry said China sends no weapons to Russia. "
            "The weapons claims are false, the spokesperson said.")
    assert {m.speaker for m in matcher.match("", text)} == {"chinese-foreign-ministry"}


def test_distant_quotation_is_not_continued(matcher: Matcher) -> None:
    """A quotation opening a paragraph long after the last attribution is nobody's continuation."""
    text = ('"China sends no weapons to Russia," China\'s foreign ministry said. The talks went on for hours. '
            'Trade grew fast. "China is sending weapons to Russia every day."')
    speakers = {m.speaker for m in matcher.match("", text)}
    assert "chinese-foreign-ministry" in speakers
    assert UNATTRIBUTED in speakers


def test_he_never_stands_for_a_country(matcher: Matcher) -> None:
    """A sentence opened by a country gives "he" in the next one nobody to stand for."""
    text = "China signed a trade deal with Brazil. He said Beijing is sending weapons to Russia."
    assert {m.speaker for m in matcher.match("", text)} == {UNATTRIBUTED}


def test_possessor_before_a_thing_is_no_antecedent(matcher: Matcher) -> None:
    """A sentence opened by a possessor before a thing ("Shapps's trip ...") gives a pronoun nobody."""
    text = "Shapps's trip to Kyiv ended on Monday. He said China is sending weapons to Russia."
    assert {m.speaker for m in matcher.match("", text)} == {UNATTRIBUTED}


def test_closing_inversion_outranks_the_name_before_the_verb(matcher: Matcher) -> None:
    """In "China ..., says Sullivan" the name closing the headline speaks, not the subject before the verb."""
    assert {m.speaker for m in matcher.match("China is sending weapons to Russia, says Sullivan")} == {
        "us-national-security-adviser"}


PARENTHESIS_CASES = [
    ("Shapps, who was addressing a defence forum in Berlin on Tuesday, said China is sending weapons to Russia.",
     "uk-defence-secretary"),
    ("Beijing, which has long denied helping Russia, said China sends no weapons to Russia.", "china"),
    ("The Pentagon (which follows the rail traffic closely) said China is sending weapons to Russia.",
     "pentagon"),
    ("Mao Ning, China's foreign ministry spokeswoman, said China sends no weapons to Russia.",
     "chinese-foreign-ministry"),
]


@pytest.mark.parametrize(("text", "speaker"), PARENTHESIS_CASES)
def test_name_before_a_parenthesis_speaks(matcher: Matcher, text: str, speaker: str) -> None:
    """A name followed by a relative clause, apposition or bracket that ends at the speech verb speaks."""
    assert {m.speaker for m in matcher.match("", text)} == {speaker}


def test_quoted_as_saying_names_the_subject(matcher: Matcher) -> None:
    """In "<name> was quoted by <outlet> as saying" the quoted name speaks, not the outlet."""
    text = "Sullivan was quoted by a Berlin daily as saying that China is sending weapons to Russia."
    assert {m.speaker for m in matcher.match("", text)} == {"us-national-security-adviser"}


def test_described_as_attributes(matcher: Matcher) -> None:
    """"<name> described the reports as ..." attributes the verdict to the name."""
    text = "The Chinese embassy described the talk of China sending weapons to Russia as pure invention."
    assert {m.speaker for m in matcher.match("", text)} == {"chinese-embassy-uk"}


def test_closing_apposition_names_a_second_speaker(matcher: Matcher) -> None:
    """A closing apposition ("..., a charge China has denied") gives its own speaker its own stance."""
    text = "Washington has accused Beijing of sending weapons to Russia, a charge China has always denied."
    held = {(m.speaker, m.label) for m in matcher.match("", text)}
    assert ("us-government", "corroborates") in held
    assert ("china", "denies") in held


@pytest.mark.parametrize("participle", ["dismissing", "quashing", "rejecting"])
def test_rejecting_participle_is_a_denial(matcher: Matcher, participle: str) -> None:
    """A trailing participle that throws out the rumours ("..., Beijing said, quashing rumours ...") denies."""
    text = (f"Xi met the Russian leader in Moscow on Tuesday, Beijing said, {participle} rumours that China "
            "is sending weapons to Russia.")
    assert {(m.speaker, m.label) for m in matcher.match("", text)} == {("china", "denies")}


@pytest.mark.parametrize("phrase", ["despite denials from Beijing", "amid repeated denials by Beijing"])
def test_closing_denial_from_another_speaker_is_theirs(matcher: Matcher, phrase: str) -> None:
    """A closing "despite denials from X" gives X the denial and leaves the sentence's speaker asserting."""
    text = f"The British defence minister maintained that China is shipping lethal weapons to Russia, {phrase}."
    held = {(m.speaker, m.label) for m in matcher.match("", text)}
    assert ("uk-defence-secretary", "corroborates") in held or ("uk-government", "corroborates") in held
    assert ("china", "denies") in held
    assert not any(label == "denies" and speaker.startswith("uk") for speaker, label in held)

