"""Folding items into stories: syndicated and retitled copies fold, different stories on one topic do not."""

from __future__ import annotations

from monitor.alerts.stories import find_story, story_key
from storage.ledger import StoryRow

LEAD = ("LONDON (Reuters) - British Defence Secretary Grant Shapps said on Monday that China was providing or "
        "about to provide lethal aid to Russia for use in Ukraine, citing intelligence shared with allies, a claim "
        "that Beijing has repeatedly denied. ")
OTHER = ("BEIJING - China's foreign ministry on Tuesday dismissed British accusations that it was arming Russia, "
         "calling the allegation groundless and urging London to stop spreading disinformation about the war. ")


def known(story_id: int, url: str | None, title: str, text: str) -> StoryRow:
    """A stored story made from an item."""
    key = story_key(url, title, text)
    return StoryRow(story_id, key.url, key.fingerprint, key.title, key.lead)


def test_retitled_copy_folds_by_its_lead() -> None:
    """A site that carries the wire story under its own headline is a copy."""
    first = known(1, "https://wire.example/a", "UK says China sending lethal aid to Russia", LEAD)
    copy = story_key("https://herald.example/b", "Shapps: Beijing arming Moscow", LEAD + "Read more below.")
    assert find_story(copy, [first]) == first


def test_same_canonical_url_folds() -> None:
    """The same link seen through two feeds is one story."""
    first = known(1, "https://wire.example/a", "UK says China sending lethal aid", LEAD)
    assert find_story(story_key("https://wire.example/a", "A different headline", OTHER), [first]) == first


def test_near_identical_headline_folds_a_headline_only_item() -> None:
    """A headline-only copy with the same words in another order folds by title."""
    first = known(1, None, "UK says China is sending lethal aid to Russia for Ukraine war", "")
    copy = story_key(None, "China is sending lethal aid to Russia for Ukraine war, UK says", "")
    assert find_story(copy, [first]) == first


def test_different_story_on_the_same_topic_does_not_fold() -> None:
    """China's rebuttal is news of its own, not a copy of the UK assertion."""
    first = known(1, "https://wire.example/a", "UK says China sending lethal aid to Russia", LEAD)
    rebuttal = story_key("https://asia.example/c", "China rejects UK lethal aid claim as groundless", OTHER)
    assert find_story(rebuttal, [first]) is None


def test_earliest_matching_story_wins() -> None:
    """When two known stories match, the item joins the older one."""
    older = known(3, None, "x", LEAD)
    newer = known(7, None, "y", LEAD)
    assert find_story(story_key(None, "z", LEAD), [newer, older]) == older
