"""The quick test before tokenising rules an item out only when the candidate index would find no candidate in it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from monitor.matching.derive import actor_references, actor_terms
from monitor.matching.matcher import Matcher
from monitor.matching.normalize import fold_item, normalize
from monitor.rulebook.loader import load_rulebook

ROOT = Path(__file__).parent.parent
CLAIM = "china-lethal-aid-russia"
SHIPPED = ROOT / "rules"
EXAMPLES = ROOT / "tests" / "fixtures" / "example-rules"
# Look-alike letters of other scripts that folding reads as Latin ones.
LOOKALIKES = {"a": "\u0430", "o": "\u043e", "e": "\u0435", "c": "\u0441", "p": "\u0440", "i": "\u0456"}
FILLER = ("the", "minister", "said", "on", "Tuesday", "talks", "Reuters", "supplies", "told", "arms", "aid",
          "lethal", "denied", "Shipping", "Chairman", "Ruins", "Kievan", "Xinhua", "taxi", "exit", "Mosque", "U.S.")
SEPARATORS = (" ", " ", " ", "-", "'", "'s ", ". ", ", ", "\n\n", "\u2019", "\u2014", " \u201c", "\u201d ", "(", ")")


@cache
def matcher(rules: Path, claim: str | None) -> Matcher:
    """The matcher of one claim of a rules folder (as a backfill builds it), or of the whole folder."""
    book = load_rulebook(rules)
    return Matcher(book.ruleset([claim] if claim else [c.id for c in book.claims if c.status == "active"]))


@cache
def name_words(rules: Path) -> tuple[str, ...]:
    """Every word of every name, alias, demonym and derived place name of the folder's actors."""
    book = load_rulebook(rules)
    actors = book.ruleset([c.id for c in book.claims]).actors
    references = actor_references(actors)
    terms = {t for actor in actors.values() for t in (*actor_terms(actor), *references[actor.id].aliases,
                                                      *references[actor.id].demonyms)}
    return tuple(sorted({word for term in terms for word in term.split() if word.isalpha()}))


def variants(word: str) -> list[str]:
    """A name word as the press, typos and tricks of text may spell it."""
    found = [word, word.capitalize(), word.upper(), word + "s", word.capitalize() + "'s", "anti-" + word,
             word.capitalize() + "-led", word.capitalize() + "\u2019s"]
    if len(word) >= 5:
        middle = len(word) // 2
        found += [word[:middle] + "-" + word[middle:], (word[:middle] + word[middle + 1:]).capitalize(),
                  (word[:middle] + word[middle] + word[middle:]).capitalize(),
                  (word[:middle] + "x" + word[middle + 1:]).capitalize(), "L'" + word.capitalize(),
                  word.capitalize().replace("e", "\u00e9")]
    found += ["".join(LOOKALIKES.get(c, c) for c in word.capitalize())]
    return found


def candidates(found: Matcher, title: str, text: str) -> tuple[int, ...]:
    """The claims the index finds in the item, on the full path."""
    return found.index.scan(normalize(title, text)).candidates


def check(found: Matcher, title: str, text: str) -> bool:
    """Assert the quick test keeps every item with a candidate; return whether it ruled this one out."""
    ruled_out = found.index.rules_out(fold_item(title, text))
    if ruled_out:
        assert candidates(found, title, text) == (), (title, text)
    return ruled_out


@pytest.mark.parametrize(("rules", "claim"), [(SHIPPED, CLAIM), (SHIPPED, None), (EXAMPLES, None)])
def test_the_quick_test_is_in_use_for_strict_rules(rules: Path, claim: str | None) -> None:
    """Strict claims with anchors get the quick test, and it rules out an item that names none of them."""
    found = matcher(rules, claim)
    assert check(found, "Farmers expect rain", "The central bank kept rates unchanged on Tuesday.")


@pytest.mark.parametrize(("title", "text"), [
    ("Beijing denies sending lethal aid to Moscow", ""),
    ("Bejing sends lethal aid", "The adviser said on Tuesday."),  # a misspelt name
    ("Shapps' warning", "Defence Secretary Grant Shapps said Beijing is sending lethal aid."),
    ("Zhongnan-hai approves lethal aid", "A hyphenated spelling of a one-word name."),
    ("Anti-Russia sanctions", "On supplies of lethal aid."),
    ("La Chine livre des armes \u00e0 la Russie", "Selon Londres, P\u00e9kin fournit une aide l\u00e9tale."),
    ("\u041a\u0438\u0442\u0430\u0439 \u043f\u043e\u0441\u0442\u0430\u0432\u043b\u044f\u0435\u0442 \u043e\u0440\u0443"
     "\u0436\u0438\u0435 \u0420\u043e\u0441\u0441\u0438\u0438", ""),
    ("\u4e2d\u56fd\u6b63\u5728\u5411\u4fc4\u7f57\u65af\u63d0\u4f9b\u81f4\u547d\u6027\u6b66\u5668", ""),
    ("Ch\u0456na s\u0435nds l\u0435thal aid to Russ\u0456a", "Look-alike letters of other scripts."),
    ("CHINA'S LETHAL AID", "The Kremlin's spokesman Peskov said nothing."),
])
def test_items_that_name_the_claim_in_any_spelling_are_matched_in_full(title: str, text: str) -> None:
    """Items the index finds the claim in (misspelt names, hyphens, other languages, look-alike letters) are
    never ruled out by the quick test."""
    found = matcher(SHIPPED, CLAIM)
    assert candidates(found, title, text) != ()
    assert not found.index.rules_out(fold_item(title, text))


@pytest.mark.parametrize(("rules", "claim"), [(SHIPPED, CLAIM), (SHIPPED, None), (EXAMPLES, None)])
def test_every_spelling_of_every_name_word_is_kept_when_it_makes_a_candidate(rules: Path, claim: str | None) -> None:
    """Each word of each actor's names, in every spelling `variants` makes, beside a keyphrase of each claim
    and nothing else the claim is about, is ruled out only when the index finds no candidate; and items the
    index finds a candidate in are there, so the check is not empty."""
    found = matcher(rules, claim)
    phrases = {c.keyphrases[0] for c in found.ruleset.claims if c.keyphrases}
    kept = 0
    for word in name_words(rules):
        for spelling in variants(word):
            for phrase in phrases:
                kept += not check(found, f"{spelling} and the {phrase}", "")
            kept += not check(found, f"The {spelling} talks", "Farmers expect rain.")
    assert kept > len(name_words(rules))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FILLER + name_words(SHIPPED)), st.integers(0, 13),
                          st.sampled_from(SEPARATORS)), max_size=14))
def test_texts_made_of_names_and_their_spellings_are_ruled_out_only_without_candidates(
        pieces: list[tuple[str, int, str]]) -> None:
    """Text made of name words in any spelling, common words and punctuation: whenever the quick test
    rules it out, the full path finds no candidate either (one claim, and the whole rule book)."""
    text = "".join(variants(word)[spelling % len(variants(word))] + separator for word, spelling, separator in pieces)
    for claim in (CLAIM, None):
        check(matcher(SHIPPED, claim), text[:60], text[60:])


def fixture_items() -> list[tuple[str, str, str | None]]:
    """(title, text, language) of the multilingual development set and of a day of unrelated news."""
    found: list[tuple[str, str, str | None]] = []
    for entry in YAML(typ="safe").load((ROOT / "tests" / "fixtures" / "languages" / "china-lethal-aid.yaml").read_text(
            encoding="utf-8"))["items"]:
        found += [(entry["text"], "", entry["language"]), (entry["text"], "", None)]
    feed = ElementTree.parse(ROOT / "tests" / "fixtures" / "unrelated-day" / "world-desk.xml")
    found += [(item.findtext("title") or "", item.findtext("description") or "", None)
              for item in feed.iter("item")]
    return found


@pytest.mark.parametrize(("rules", "claim"), [(SHIPPED, CLAIM), (SHIPPED, None), (EXAMPLES, None)])
def test_fixture_items_in_every_language_keep_their_matches(rules: Path, claim: str | None) -> None:
    """Over the development set in eight languages and a day of unrelated news, `Matcher.match` gives what
    the full path gives, and the quick test rules out only items without candidates."""
    found = matcher(rules, claim)
    for title, text, language in fixture_items():
        check(found, title, text)
        doc = normalize(title, text, language)
        if found.index.rules_out(fold_item(title, text)):
            assert found.index.scan(doc).candidates == () and found.match(title, text, language) == []
