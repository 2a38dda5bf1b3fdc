"""Demonyms, capitals and seats of government as references to countries and their governments."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import RuleFileError
from monitor.matching.countries import COUNTRIES, country_named
from monitor.matching.derive import ActorReferences, actor_references, alias_variants, term_key
from monitor.matching.index import Scan
from monitor.matching.matcher import Matcher
from monitor.matching.model import Actor, Claim, RuleSet
from monitor.matching.normalize import normalize
from monitor.rulebook.loader import load_rulebook
from tests.helpers import EXAMPLE_RULES

DRONES = "Chinese drones found in Russian arsenal, Ukrainian intelligence says"
SHELLS = "Alleged North Korean shell shipments to Russia raise concern in Seoul"
SHELLS_CLAIM = Claim("north-korea-shells-russia", "North Korea is supplying artillery shells to Russia",
                     subjects=("north-korea",), objects=("russia",),
                     keyphrases=("artillery shells", "shell shipments", "shells", "ammunition"))


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    """Every claim and actor of the shipped rules folder."""
    book = load_rulebook(EXAMPLE_RULES)
    return book.ruleset([claim.id for claim in book.claims])


def _scan(matcher: Matcher, text: str) -> Scan:
    return matcher.index.scan(normalize(text))


def _candidates(matcher: Matcher, text: str) -> set[str]:
    return {matcher.profiles[index].id for index in _scan(matcher, text).candidates}


def _named(matcher: Matcher, text: str, kind: str) -> set[str]:
    return {hit.key for hit in _scan(matcher, text).hits if hit.kind == kind}


def _rules(tmp_path: Path, actors: str, claim: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    (tmp_path / "actors.yaml").write_text(actors)
    (tmp_path / "claims").mkdir()
    if claim:
        (tmp_path / "claims" / "c.yaml").write_text(claim)
    return tmp_path


def _problems(folder: Path) -> list[str]:
    with pytest.raises(RuleFileError) as raised:
        load_rulebook(folder)
    return [str(problem).replace(str(folder) + "/", "") for problem in raised.value.problems]


def test_chinese_drones_headline_matches_the_lethal_aid_claim(shipped: RuleSet) -> None:
    """Three demonyms and a keyphrase are enough for the seed claim: retrieved, and matched as relevant."""
    matcher = Matcher(shipped)
    assert _named(matcher, DRONES, "demonym") == {"china", "russia", "ukraine"}
    assert "china-lethal-aid-russia" in _candidates(matcher, DRONES)
    assert "china-lethal-aid-russia" in {match.claim_id for match in matcher.match(DRONES)}


def test_demonyms_are_their_own_hit_kind_with_the_actors_anchors(shipped: RuleSet) -> None:
    """A demonym hit is filed under its actor like a name, but is not an actor hit a speaker could come from."""
    scan = _scan(Matcher(shipped), DRONES)
    assert not [hit for hit in scan.hits if hit.kind == "actor"]
    assert {"china", "russia", "ukraine"} <= set(scan.anchors)


def test_north_korean_shells_headline_is_a_candidate(shipped: RuleSet) -> None:
    """The shipped rules hold no claim on shell shipments, so one is added: the demonym names North Korea."""
    assert not [claim for claim in shipped.claims if "north-korea" in claim.subjects]
    matcher = Matcher(RuleSet((*shipped.claims, SHELLS_CLAIM), shipped.actors))
    assert "north-korea" in _named(matcher, SHELLS, "demonym")
    assert _candidates(matcher, SHELLS) == {SHELLS_CLAIM.id}
    assert SHELLS_CLAIM.id in {match.claim_id for match in matcher.match(SHELLS)}


def test_north_korean_shells_headline_needs_the_demonym(shipped: RuleSet) -> None:
    """With derivation off for North Korea the same headline names only the claim's object, not its subject."""
    actors = dict(shipped.actors)
    north_korea = actors["north-korea"]
    actors["north-korea"] = Actor(north_korea.id, north_korea.name, north_korea.kind, north_korea.aliases,
                                  derive_names=False)
    matcher = Matcher(RuleSet((SHELLS_CLAIM,), actors))
    anchors = _scan(matcher, SHELLS).anchors
    assert "russia" in anchors and "north-korea" not in anchors
    assert not matcher.match(SHELLS)


def test_demonyms_are_not_taken_for_misspelt_names() -> None:
    """The demonym "Syrian", one letter from "Syria", is not repaired into the name and stays a demonym."""
    actors = {"syria": Actor("syria", "Syria", "government")}
    claim = Claim("c", "Syria has used barrel bombs on civilians", subjects=("syria",), keyphrases=("barrel bombs",))
    matcher = Matcher(RuleSet((claim,), actors))
    text = "Syrian helicopters dropped barrel bombs on Aleppo"
    assert _named(matcher, text, "demonym") == {"syria"}
    assert not _named(matcher, text, "actor") | _named(matcher, text, "name")
    assert _candidates(matcher, text) == {"c"}


def test_the_kremlin_resolves_to_russia(shipped: RuleSet) -> None:
    """A Russia that lists neither the Kremlin nor Moscow is named by both, and what the Kremlin says is Russia's."""
    actors = {"russia": Actor("russia", "Russia", "government", ("Russian Federation",)),
              "ukraine": Actor("ukraine", "Ukraine", "government")}
    assert {"the kremlin", "kremlin", "moscow"} <= set(actor_references(actors)["russia"].aliases)
    claim = Claim("chemical", "Russia has used chemical weapons against Ukrainian troops", subjects=("russia",),
                  objects=("ukraine",), keyphrases=("chemical weapons",))
    text = "The Kremlin said on Monday that Russia has never used chemical weapons in Ukraine."
    matcher = Matcher(RuleSet((claim,), actors))
    assert _named(matcher, text, "actor") == {"russia", "ukraine"}
    assert {match.speaker for match in matcher.match(text)} == {"russia"}
    assert "russia" in _named(Matcher(shipped), "The Kremlin rejected the report", "actor")


def test_analyst_demonyms_anchor_their_actor(tmp_path: Path) -> None:
    """Demonyms listed in actors.yaml reach the matcher and anchor any kind of actor, derivation or not."""
    folder = _rules(tmp_path, (
        "actors:\n"
        "  - id: houthis\n    name: Houthis\n    kind: group\n    aliases: [Ansar Allah]\n"
        "    demonyms: [Houthi]\n"),
        "id: c\nstatement: The Houthis have drones supplied by Iran\nsubjects: [houthis]\nkeyphrases: [drones]\n")
    ruleset = load_rulebook(folder).ruleset()
    assert ruleset.actors["houthis"].demonyms == ("Houthi",)
    matcher = Matcher(ruleset)
    assert _named(matcher, "Houthi drones strike a tanker in the Red Sea", "demonym") == {"houthis"}
    assert _candidates(matcher, "Houthi drones strike a tanker in the Red Sea") == {"c"}


def test_derivation_can_be_switched_off(tmp_path: Path) -> None:
    """`derive_names: false` leaves a government with its own names and demonyms only."""
    folder = _rules(tmp_path, (
        "actors:\n"
        "  - id: russia\n    name: Russia\n    kind: government\n    derive_names: false\n"
        "    demonyms: [Russkiy]\n"
        "  - id: china\n    name: China\n    kind: government\n"))
    references = actor_references(load_rulebook(folder).ruleset().actors)
    assert references["russia"].aliases == ()
    assert references["russia"].demonyms == ("russkiy",)
    assert "chinese" in references["china"].demonyms and "beijing" in references["china"].aliases


def test_derivation_is_for_countries_and_governments_only() -> None:
    """An agency or person named after a country gets nothing derived."""
    actors = {"embassy": Actor("embassy", "China", "agency"), "pm": Actor("pm", "UK", "person")}
    assert all(not (found.aliases or found.demonyms) for found in actor_references(actors).values())


def test_explicit_alias_of_another_actor_wins() -> None:
    """A derived reference that another actor lists is left to that actor, in the index as well."""
    actors = {"russia": Actor("russia", "Russia", "government"),
              "presidency": Actor("presidency", "Russian presidency", "agency", ("Kremlin",), "russia"),
              "rt": Actor("rt", "RT", "media", demonyms=("Russians",))}
    references = actor_references(actors)
    assert not {"kremlin", "the kremlin", "russian", "russians"} & set(references["russia"].aliases
                                                                        + references["russia"].demonyms)
    assert "moscow" in references["russia"].aliases
    claim = Claim("c", "Russia is preparing a new offensive", subjects=("russia",), keyphrases=("offensive",))
    matcher = Matcher(RuleSet((claim,), actors))
    assert _named(matcher, "The Kremlin plans an offensive", "actor") == {"presidency"}
    assert _named(matcher, "Russians brace for an offensive", "demonym") == {"rt"}


def test_shipped_presidential_office_keeps_the_blue_house(shipped: RuleSet) -> None:
    """South Korea would derive the Blue House, but its presidential office lists it, so that actor keeps it."""
    references = actor_references(shipped.actors)
    assert "blue house" not in references["south-korea"].aliases
    assert "south korean" in references["south-korea"].demonyms
    matcher = Matcher(shipped)
    assert _named(matcher, "The Blue House said nothing", "actor") == {"south-korea-presidential-office"}


def test_a_country_named_by_two_actors_goes_to_the_first() -> None:
    """Two governments naming one country do not share its references: the first listed takes them."""
    actors = {"iran": Actor("iran", "Iran", "government"),
              "iran-state": Actor("iran-state", "Islamic Republic of Iran", "country")}
    references = actor_references(actors)
    assert "iranian" in references["iran"].demonyms
    assert references["iran-state"] == ActorReferences()


def test_demonyms_in_a_statement_anchor_the_claim() -> None:
    """A statement that words an actor by its demonym ("North Korean troops") is anchored on that actor."""
    actors = {"north-korea": Actor("north-korea", "North Korea", "government"),
              "russia": Actor("russia", "Russia", "government")}
    claim = Claim("troops", "North Korean troops are fighting for Russia in Kursk")
    matcher = Matcher(RuleSet((claim,), actors))
    assert set(matcher.profiles[0].anchors) >= {"north-korea", "russia"}


def test_schema_problems_are_located(tmp_path: Path) -> None:
    """A bad `derive_names` and a demonym that another actor already uses are reported as FILE:LINE:COL."""
    folder = _rules(tmp_path, (
        "actors:\n"
        "  - id: china\n    name: China\n    kind: government\n    aliases: [Chinese]\n"
        "  - id: taiwan\n    name: Taiwan\n    kind: government\n    derive_names: perhaps\n"
        "    demonyms: [Taiwanese, Chinese]\n"))
    problems = _problems(folder)
    assert any(p.startswith("actors.yaml:9:19: actors.2.derive_names: Input should be a valid boolean")
               for p in problems), problems
    folder = _rules(tmp_path / "second", (
        "actors:\n"
        "  - id: china\n    name: China\n    kind: government\n    aliases: [Chinese]\n"
        "  - id: taiwan\n    name: Taiwan\n    kind: government\n    demonyms: [Taiwanese, Chinese]\n"))
    assert _problems(folder) == ["actors.yaml:9:27: actors.2.demonyms.2: 'Chinese' also names 'china' (line 2); "
                                 "an alias must belong to one actor"]


def test_country_table_is_broad_and_unambiguous() -> None:
    """Sixty-plus countries, each with a demonym, found by any of its names, and no reference on two of them."""
    assert len(COUNTRIES) >= 60
    assert all(country.demonyms for country in COUNTRIES)
    assert country_named("the u.s.") is None
    assert country_named("U.S.") is country_named("united states of america") is not None
    owners: dict[str, str] = {}
    for country in COUNTRIES:
        for reference in (*country.demonyms, *country.capitals, *country.seats):
            for key in {term_key(form) for form in alias_variants(reference)}:
                assert owners.setdefault(key, country.name) == country.name, (reference, owners[key])
