"""Invisible characters and look-alike letters: feed text and the matcher read them the same way, so a name
hidden with a zero-width character or a Cyrillic letter is found in a feed just as `rules explain` finds it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from monitor.feeds.text import html_to_text
from monitor.matching.normalize import fold, normalize
from tests.feedserver import FeedServer
from tests.helpers import EXAMPLE_RULES
from tests.oncerun import Wire, cli_json, once_config, run_once, shipped_rules
from tests.receivers import HttpReceiver

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u2063", "\U000e0041"]
CLAIM = "china-lethal-aid-russia"
SENTENCE = "{} is sending lethal aid to Russia, a British minister said."


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_are_deleted_in_feed_text_and_in_matching(char: str) -> None:
    """A zero-width space, joiner, word joiner, byte-order mark, soft hyphen or tag character inside a word
    disappears both from feed text and from the matcher's folded text, leaving the word whole."""
    assert html_to_text(f"<p>Bei{char}jing said</p>") == "Beijing said"
    assert fold(f"Bei{char}jing") == "beijing"
    doc = normalize(f"Bei{char}jing is sending aid")
    assert [token.text for token in doc.tokens][:2] == ["beijing", "is"]


@pytest.mark.parametrize(("written", "folded"), [
    ("\u0412eijing", "beijing"),           # Cyrillic capital ve
    ("Mos\u0441ow", "moscow"),            # Cyrillic small es
    ("\u0399r\u0430n", "iran"),            # Greek capital iota, Cyrillic small a
    ("Pyongyang", "pyongyang"),
    ("\u041c\u043e\u0441\u043a\u0432\u0430", "\u043c\u043e\u0441\u043a\u0432\u0430"),  # Москва stays Cyrillic
    ("\u0391\u03b8\u03ae\u03bd\u03b1", "\u03b1\u03b8\u03b7\u03bd\u03b1"),  # Αθήνα stays Greek
])
def test_look_alike_letters_inside_latin_words_are_read_as_latin(written: str, folded: str) -> None:
    """Cyrillic and Greek letters drawn like Latin ones are read as those Latin letters inside a word that has
    Latin letters too; words written wholly in Cyrillic or Greek are left in their script."""
    assert fold(written) == folded


def test_offsets_still_point_into_the_original_text() -> None:
    """With invisible characters dropped and look-alikes mapped, a token's span still covers the original
    characters it came from."""
    original = "The \u0412ei\u200bjing envoy"
    doc = normalize(original)
    envoy = next(token for token in doc.tokens if token.text == "envoy")
    beijing = next(token for token in doc.tokens if token.text == "beijing")
    assert doc.original_slice(envoy.start, envoy.end) == "envoy"
    assert doc.original_slice(beijing.start, beijing.end) == "\u0412ei\u200bjing"


@pytest.fixture
def hook() -> Iterator[HttpReceiver]:
    """A webhook receiver on loopback."""
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


def _explain(text: str) -> str:
    run = subprocess.run([sys.executable, "-m", "monitor", "rules", "explain", CLAIM, "--rules", str(EXAMPLE_RULES),
                          "--text", text, "--json"], capture_output=True, text=True, timeout=120, check=True)
    return str(json.loads(run.stdout)["label"])


def test_hidden_names_from_a_feed_match_as_in_rules_explain(tmp_path: Path, feed_server: FeedServer,
                                                            hook: HttpReceiver) -> None:
    """Items naming Beijing with a zero-width space, a zero-width joiner or a Cyrillic letter, served by a
    feed, are recorded as evidence with the stance `rules explain` gives the plain sentence."""
    plain = _explain(SENTENCE.format("Beijing"))
    assert plain == "corroborates"
    wire = Wire(feed_server)
    shipped_rules(tmp_path / "rules", {wire.name: wire.url})
    when = format_datetime(datetime.now(UTC) - timedelta(minutes=10))
    hidden = {"zwsp": "Bei\u200bjing", "zwj": "Bei\u200djing", "cyrillic": "\u0412eijing"}
    wire.publish(*({"guid": slug, "title": "Minister on arms shipments", "pubDate": when,
                    "link": f"https://news.example.com/{slug}", "description": SENTENCE.format(name)}
                   for slug, name in hidden.items()))
    for name in hidden.values():
        assert _explain(SENTENCE.format(name)) == plain
    config = once_config(tmp_path, hook)
    run_once(config)
    timeline = cli_json(config, "claims", "show", CLAIM)["timeline"]
    stances = {entry["url"].rsplit("/", 1)[1]: entry["stance"] for entry in timeline}
    assert stances == dict.fromkeys(hidden, plain)
