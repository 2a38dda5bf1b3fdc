"""Which story an item belongs to: syndicated copies and retitled near-duplicates fold into one. Pure.

An item joins a story (seen within the story window) when it has the same canonical URL, the same content
fingerprint (a digest of its normalised lead), or a lead or title that rapidfuzz finds nearly identical.
Leads are the item's opening words, so a wire story retitled by each site that carries it still folds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from storage.ledger import StoryRow

LEAD_WORDS = 60
MIN_LEAD_WORDS = 12
MIN_TITLE_WORDS = 5
LEAD_SIMILARITY = 90.0
TITLE_SIMILARITY = 92.0


@dataclass(frozen=True)
class StoryKey:
    """What folding compares: canonical URL, fingerprint, normalised title and lead."""

    url: str | None
    fingerprint: str
    title: str
    lead: str


def story_key(url: str | None, title: str, text: str) -> StoryKey:
    """The folding key of an item; the headline stands in for the lead of a headline-only item."""
    norm_title = default_process(title)
    lead = " ".join(default_process(text).split()[:LEAD_WORDS]) or norm_title
    return StoryKey(url or None, hashlib.sha256(lead.encode()).hexdigest(), norm_title, lead)


def same_story(key: StoryKey, story: StoryRow) -> bool:
    """Whether the item is a copy of the story."""
    if key.url and key.url == story.url:
        return True
    if key.lead and key.fingerprint == story.fingerprint:
        return True
    if _words(key.lead) >= MIN_LEAD_WORDS and _words(story.lead) >= MIN_LEAD_WORDS \
            and fuzz.token_set_ratio(key.lead, story.lead) >= LEAD_SIMILARITY:
        return True
    return (_words(key.title) >= MIN_TITLE_WORDS and _words(story.title) >= MIN_TITLE_WORDS
            and fuzz.token_sort_ratio(key.title, story.title) >= TITLE_SIMILARITY)


def find_story(key: StoryKey, stories: Sequence[StoryRow]) -> StoryRow | None:
    """The earliest known story the item is a copy of, or None when it is a story of its own."""
    return next((story for story in sorted(stories, key=lambda s: s.id) if same_story(key, story)), None)


def _words(text: str) -> int:
    return text.count(" ") + 1 if text else 0
