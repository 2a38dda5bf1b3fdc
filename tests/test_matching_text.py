"""Normalisation, derivation from a bare statement, and candidate retrieval."""

from __future__ import annotations

import pytest

from monitor.matching.derive import compile_claim, proper_nouns
from monitor.matching.index import CandidateIndex
from monitor.matching.matcher import Matcher
from monitor.matching.model import Actor, Claim
from monitor.matching.normalize import fold, normalize
from monitor.matching.score import RelevanceModel, sentence_evidence
from monitor.matching.weights import Models, default_models
from tests.test_matching_seed import load_seed_ruleset


def test_fold_is_nfkc_and_casefold() -> None:
    """Folding applies NFKC, casefolds, straightens quotes and dashes and drops diacritics."""
    assert fold("\uff23hina\u2019s \u201cStra\u00dfe\u201d \u2014 Zelenskyy") == "china's \"strasse\" - zelenskyy"
    assert fold("Kyïv") == "kyiv"


def test_offsets_point_into_the_original_text() -> None:
    """Folded offsets map back to the original text even when folding changes lengths."""
    doc = normalize("Straße news", "Der Kanzler sagte: “Die Straße ist gesperrt.”")
    start = doc.folded.index("gesperrt")
    assert doc.original_slice(start, start + len("gesperrt")) == "gesperrt"
    assert doc.original.startswith("Straße news")


SENTENCE_CASES = [
    ("The U.S. said no. Britain said yes.", 2),
    ("Mr. Smith arrived at 5 p.m. on Monday. Nobody knew.", 2),
    ('"We have not seen that to date. I look forward to it," Sullivan said. Then he left.', 2),
    ("Line one without stop\n\nLine two", 2),
]


@pytest.mark.parametrize(("text", "count"), SENTENCE_CASES)
def test_sentences(text: str, count: int) -> None:
    """Sentences split at terminal punctuation and blank lines, not at abbreviations or inside quotes."""
    assert len(normalize("", text).sentences) == count


def test_title_is_its_own_sentence() -> None:
    """The headline is the first sentence and marked as the title."""
    doc = normalize("China denies it", "The ministry spoke. It was brief.")
    assert doc.sentences[0].is_title
    assert doc.original[: doc.sentences[0].end] == "China denies it"
    assert not any(s.is_title for s in doc.sentences[1:])


def test_bare_statement_derives_anchors_and_keyphrases() -> None:
    """A claim that is only a statement gets entity anchors, content words and keyphrases from it."""
    profile = compile_claim(Claim("c", "ISIS leader Abu Bakr al-Baghdadi was killed by a U.S. airstrike"), {})
    assert "~isis" in profile.anchors and "~abu bakr al-baghdadi" in profile.anchors
    assert "kill" in profile.content
    assert profile.keyphrases and not profile.explicit_keyphrases
    assert proper_nouns("Mob Strips Adulterous Woman") == []


def test_statement_names_known_actors() -> None:
    """With actors, the actors a statement names become its anchors."""
    actors = load_seed_ruleset().actors
    profile = compile_claim(Claim("c", "Beijing is arming Moscow"), actors)
    assert set(profile.anchors) == {"china", "russia"}


FUZZY_CASES = [
    ("Grant Shaps says China sends weapons to Russia", "uk-defence-secretary"),
    ("Shapps' claim: China sends weapons to Russia", "uk-defence-secretary"),
    ("Xi Jin-ping sends weapons to Russia", "china-president"),
    ("China sends weapons to Rusia", "russia"),
]


@pytest.mark.parametrize(("text", "actor"), FUZZY_CASES)
def test_names_found_despite_spelling(text: str, actor: str) -> None:
    """Misspelt, possessive and hyphenated names still name their actor."""
    ruleset = load_seed_ruleset()
    profiles = [compile_claim(c, ruleset.actors) for c in ruleset.claims]
    scan = CandidateIndex(profiles, ruleset.actors).scan(normalize(text))
    assert actor in {h.key for h in scan.hits if h.kind == "actor"}
    assert scan.candidates == (0,)


def test_transliterations_are_aliases() -> None:
    """Kiev and Kyiv name the same actor."""
    actors = {"ukraine": Actor("ukraine", "Ukraine", aliases=("Kyiv",))}
    claim = Claim("c", "Kyiv received new tanks", subjects=("ukraine",), keyphrases=("tanks",))
    index = CandidateIndex([compile_claim(claim, actors)], actors)
    assert index.scan(normalize("Kiev received tanks")).candidates == (0,)


def test_retrieval_needs_more_than_two_actors() -> None:
    """Anchors alone do not make a candidate; anchors with a keyphrase do; exclusions veto."""
    ruleset = load_seed_ruleset()
    claim = Claim("x", "China is supplying lethal aid to Russia", ("china",), ("russia",), ("lethal aid",),
                  exclusions=("video game",))
    index = CandidateIndex([compile_claim(claim, ruleset.actors)], ruleset.actors)
    assert index.scan(normalize("China and Russia sign a soybean deal")).candidates == ()
    assert index.scan(normalize("China sends lethal aid to Russia")).candidates == (0,)
    assert index.scan(normalize("China sends lethal aid to Russia in a video game")).candidates == ()


def test_retrieval_ignores_unrelated_claims() -> None:
    """Adding many unrelated claims does not change which claims an item retrieves."""
    ruleset = load_seed_ruleset()
    claims = [*ruleset.claims] + [Claim(f"other-{i}", f"Company {i} opens a factory in town {i}",
                                        keyphrases=(f"factory {i}",)) for i in range(200)]
    index = CandidateIndex([compile_claim(c, ruleset.actors) for c in claims], ruleset.actors)
    assert index.scan(normalize("Beijing sends drones to Moscow")).candidates == (0,)


@pytest.mark.parametrize(("statement", "headline", "word"), [
    ("A 50-foot crab was photographed in the U.K.", "Crabzilla spotted off the coast of Britain", "crab"),
    ("A Russian boy attracts metal objects", "Meet the X-BOY: electric shock turns kid into Magneto", "boy"),
    ("A Florida woman got a third breast", "Three-breasted woman outed as fake", "breast"),
])
def test_claim_words_inside_compounds_count(statement: str, headline: str, word: str) -> None:
    """A claim word hidden in a compound, a blend or a hyphenated word of the item is evidence of the claim."""
    matcher = Matcher.for_statement(statement)
    doc = normalize(headline)
    evidence = sentence_evidence(doc, matcher.index.scan(doc), matcher.profiles[0])
    assert word in evidence[0].content


def test_short_words_do_not_hide_in_compounds() -> None:
    """Only the head or tail of a longer word counts: "art" is not found in "startup" or "party"."""
    matcher = Matcher.for_statement("The artist sold the art")
    doc = normalize("A startup threw a party")
    assert not sentence_evidence(doc, matcher.index.scan(doc), matcher.profiles[0])


def test_rare_anchors_weigh_more() -> None:
    """Naming the claim's rare name ("James Wright Foley") counts for more than naming a common one ("ISIS")."""
    base = default_models()
    idf = {"isis": 0.1, "jam": 0.9, "wright": 0.9, "folei": 0.9}
    relevance = RelevanceModel(base.relevance.bias, base.relevance.weights, base.relevance.threshold, idf, 1.0)
    matcher = Matcher.for_statement("ISIS beheaded journalist James Wright Foley",
                                    Models(base.stance, relevance, base.title_weight))
    common = matcher.training_view("claim", "ISIS seizes an oil field").relevance_features
    rare = matcher.training_view("claim", "James Wright Foley's family speaks").relevance_features
    assert common["anchor-coverage"] == rare["anchor-coverage"] == 0.5
    assert common["anchor-weighted-coverage"] < 0.2
    assert rare["anchor-weighted-coverage"] > 0.8
