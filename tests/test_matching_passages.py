"""Article bodies: a claim is about an item only where a passage carries it, and each clause has its own speaker."""

from __future__ import annotations

import pytest

from monitor.matching.matcher import Matcher
from monitor.matching.model import UNATTRIBUTED
from tests.test_matching_seed import load_seed_ruleset

CLAIM = "china-lethal-aid"

# A long article that names China, Russia and weapons, but never together: a trade story with a paragraph on
# an arms fair in Paris and one on Moscow's grain exports.
SCATTERED = """Chinese exporters of solar panels had a record quarter, the customs office in Beijing reported on Monday.

Shipments to Europe rose by a fifth, helped by lower freight rates and a weaker currency.

Analysts expect the growth to slow in the second half as several European markets weigh new tariffs.

At an arms fair outside Paris, French manufacturers showed new artillery and air-defence weapons to buyers
from the Gulf.

Organisers said attendance was the highest in a decade.

Separately, Russia said its wheat harvest would beat last year's, and that grain exports through the Black
Sea would continue.

Traders in Chicago said prices barely moved on the news."""

# The same kind of article, with one passage that carries the claim.
CARRYING = SCATTERED.replace(
    "Organisers said attendance was the highest in a decade.",
    "On the sidelines, Britain's defence secretary Grant Shapps said China was now supplying lethal aid to "
    "Russia for its war in Ukraine.")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    """A matcher over the seed claims and actors."""
    return Matcher(load_seed_ruleset())


def _claim_matches(matcher: Matcher, title: str, text: str) -> list[tuple[str, str]]:
    return [(m.speaker, m.label) for m in matcher.match(title, text) if m.claim_id == CLAIM]


def test_scattered_mentions_make_no_passage(matcher: Matcher) -> None:
    """A body that names the subject, the object and a keyphrase in separate paragraphs is not about the claim."""
    assert _claim_matches(matcher, "Solar exports hit a record", SCATTERED) == []


def test_a_carrying_passage_makes_the_body_relevant(matcher: Matcher) -> None:
    """One passage holding subject, predicate and object is enough, with its own speaker."""
    assert ("uk-defence-secretary", "corroborates") in _claim_matches(matcher, "Solar exports hit a record",
                                                                       CARRYING)


def test_contrast_gives_each_clause_its_speaker(matcher: Matcher) -> None:
    """'X denies ..., but Y insists ...' is a denial by X and a corroboration by Y, never a denial by Y."""
    found = _claim_matches(matcher, "", "Beijing denies the claims, but the UK defence secretary insists China "
                                        "is sending lethal aid to Russia.")
    assert ("china", "denies") in found
    assert ("uk-defence-secretary", "corroborates") in found
    assert ("uk-defence-secretary", "denies") not in found


def test_clause_without_subject_continues_the_clause_before(matcher: Matcher) -> None:
    """'..., but has not verified them' has no subject of its own: the sentence is not split there."""
    doc_matches = matcher.match("", "The Chinese embassy said it was aware of claims that Beijing sends lethal aid "
                                    "to Russia but had not seen them.")
    assert all(m.speaker != UNATTRIBUTED or m.label != "denies" for m in doc_matches)


def test_name_inside_a_quotation_does_not_speak(matcher: Matcher) -> None:
    """A commentator quoting what Washington says does not make the US government the speaker."""
    text = ('"Washington says China is sending lethal aid to Russia, and nobody believes it," the columnist '
            'wrote.')
    assert all(m.speaker_affiliation != "us-government" for m in matcher.match("", text))


def test_passive_names_its_speaker_after_by(matcher: Matcher) -> None:
    """'was denied by X' makes X the speaker."""
    text = "The claim that China is supplying lethal aid to Russia was denied by the Chinese foreign ministry."
    found = _claim_matches(matcher, "", text)
    assert ("chinese-foreign-ministry", "denies") in found


def test_topic_of_was_said_is_not_the_speaker() -> None:
    """'the leader's health was said to be at risk' gives the leader no stance."""
    book = Matcher(load_seed_ruleset())
    text = "Kim Jong Un's health was said to be at risk after heart surgery last week."
    assert all(m.speaker != "kim-jong-un" for m in book.match("", text))


def test_weak_attribution_is_not_a_clear_speaker(matcher: Matcher) -> None:
    """A speaker carried by a pronoun from the sentence before is recorded, but not as a clear speaker."""
    text = ("Grant Shapps said the conference in London was the largest in years. "
            "He added that China is now sending lethal aid to Russia.")
    found = [m for m in matcher.match("", text) if m.claim_id == CLAIM and m.speaker == "uk-defence-secretary"]
    assert found
    assert not found[0].clear_speaker


def test_questioning_speaker_does_not_corroborate(matcher: Matcher) -> None:
    """A speaker who questions the claim, in either voice, is not read as asserting it."""
    for text in ("Shapps' claim that China is sending lethal aid to Russia was questioned by the White House.",
                 "The White House questioned the claim that China is sending lethal aid to Russia."):
        found = _claim_matches(matcher, "", text)
        assert found and ("us-government", "corroborates") not in found, (text, found)
