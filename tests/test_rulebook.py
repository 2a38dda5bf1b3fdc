"""The rules folder: every mistake located as FILE:LINE:COL, all at once; the shipped rules are valid."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import RuleFileError
from monitor.rulebook.loader import load_rulebook
from tests.helpers import EXAMPLE_RULES

SHIPPED = EXAMPLE_RULES
ACTORS = """actors:
  - id: china
    name: China
    kind: government
    aliases: [Beijing]
  - id: russia
    name: Russia
    aliases: [Moscow, Kremlin]
"""


def _folder(tmp_path: Path, claims: dict[str, str], actors: str = ACTORS) -> Path:
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    (tmp_path / "actors.yaml").write_text(actors)
    (tmp_path / "claims").mkdir()
    for name, text in claims.items():
        (tmp_path / "claims" / name).write_text(text)
    return tmp_path


def _problems(folder: Path) -> list[str]:
    with pytest.raises(RuleFileError) as raised:
        load_rulebook(folder)
    return [str(p).replace(str(folder) + "/", "") for p in raised.value.problems]


def test_shipped_rules_are_valid() -> None:
    """The rules folder in the repository loads cleanly, with the seed claim active."""
    book = load_rulebook(SHIPPED)
    seed = book.claim("china-lethal-aid-russia")
    assert seed is not None and seed.status == "active"
    assert len(book.claims) >= 5 and len(book.actors) >= 12
    assert {"china-lethal-aid-russia"} <= {claim.id for claim in book.ruleset().claims}
    assert "prigozhin-alive" not in {claim.id for claim in book.ruleset().claims}


def test_minimal_claim_gets_defaults(tmp_path: Path) -> None:
    """A claim with only an id and a statement loads with sensible defaults."""
    book = load_rulebook(_folder(tmp_path, {"c.yaml": "id: c\nstatement: China is supplying drones to Russia\n"}))
    [claim] = book.claims
    assert (claim.status, claim.severity, claim.realert, claim.alert_on_discusses) == ("active", "medium", 86400, False)


def test_problems_come_sorted_by_file_and_line(tmp_path: Path) -> None:
    """Problems from several files and checks are listed file by file, top to bottom, whatever found them."""
    folder = _folder(tmp_path, {
        "b.yaml": "id: b\nstatment: x\n",
        "a.yaml": "id: a\nstatement: China arms Russia today\nexamples:\n  - text: x\n    label: denies\n"
                  "    speaker: nato\nobjects: [rusia]\n"})
    problems = _problems(folder)
    assert [p.split(": ")[0] for p in problems] == ["claims/a.yaml:6:14", "claims/a.yaml:7:11",
                                                    "claims/b.yaml:1:1", "claims/b.yaml:2:1"]


@pytest.mark.parametrize(("text", "expected"), [
    ("id: c\nstatment: China arms Russia today\n",
     ["claims/c.yaml:1:1: statement: required field is missing",
      "claims/c.yaml:2:1: statment: unknown key; did you mean 'statement'?"]),
    ("id: C D\nstatement: China arms Russia today\n",
     ["claims/c.yaml:1:5: id: String should match pattern '^[a-z0-9][a-z0-9_.-]*$'"]),
    ("id: c\nstatement: China arms Russia today\nstatus: on\n",
     ["claims/c.yaml:3:9: status: Input should be 'active', 'paused' or 'retired'"]),
    ("id: c\nstatement: China arms Russia today\nsubjects: [chna]\n",
     ["claims/c.yaml:3:12: subjects.1: unknown actor 'chna'; did you mean 'china'?"]),
    ("id: c\nstatement: China arms Russia today\nrealert: often\n",
     ["claims/c.yaml:3:10: realert: 'often' is not a duration; write e.g. 90s, 15m, 2h or 1d"]),
    ("id: c\nstatement: China arms Russia today\nkeyphrases: [drones, Drones]\n",
     ["claims/c.yaml:3:1: keyphrases: 'Drones' is listed twice"]),
    ("id: c\nstatement: China arms Russia today\nexamples:\n  - text: x\n    label: supports\n",
     ["claims/c.yaml:5:12: examples.1.label: Input should be 'corroborates', 'denies', 'discusses' or 'unrelated'"]),
    ("id: c\nstatement: China arms Russia today\nexclusions: [soybean]\nexamples:\n"
     "  - text: China sends soybean and drones to Russia\n    label: corroborates\n",
     ["claims/c.yaml:6:12: examples.1.label: the example contains the exclusion 'soybean', so it can only be "
      "'unrelated', not 'corroborates'"]),
    ("id: c\nstatement: China arms Russia today\nexamples:\n  - text: x\n    label: denies\n    speaker: kremlin\n",
     ["claims/c.yaml:6:14: examples.1.speaker: unknown actor 'kremlin': it is an alias of 'russia'; "
      "write the actor id 'russia'"]),
    ("id: c\nstatement: China arms Russia today\nexamples:\n  - text: x\n    label: denies\n    speaker: nato\n",
     ["claims/c.yaml:6:14: examples.1.speaker: unknown actor 'nato'; add it to actors.yaml"]),
    ("id: c\nstatement: [unclosed\n", ["claims/c.yaml:3:1: YAML syntax: a list opened with [ is not closed with ]"]),
    ("id: c\nid: d\nstatement: China arms Russia today\n",
     ["claims/c.yaml:2:1: YAML syntax: the key 'id' appears twice; keep one"]),
    ("id: c\nstatement: Officials said: China arms Russia\n",
     ["claims/c.yaml:2:26: YAML syntax: unexpected ':'; put a text holding ': ' in quotes"]),
    ("id: c\n\tstatement: China arms Russia today\n",
     ["claims/c.yaml:2:1: YAML syntax: a tab character; indent with spaces"]),
])
def test_claim_errors_are_located(tmp_path: Path, text: str, expected: list[str]) -> None:
    """Each kind of mistake in a claim file is reported with its position, field and fix."""
    problems = _problems(_folder(tmp_path, {"c.yaml": text}))
    assert len(problems) == len(expected), problems
    for problem, wanted in zip(sorted(problems), sorted(expected), strict=True):
        assert problem.startswith(wanted), problem


@pytest.mark.parametrize(("actors", "expected"), [
    (ACTORS + "  - id: xi\n    name: Xi Jinping\n    affiliation: chna\n",
     "actors.yaml:11:18: actors.3.affiliation: unknown actor 'chna'; did you mean 'china'?"),
    (ACTORS + "  - id: kremlin\n    name: Kremlin staff\n    aliases: [kremlin]\n",
     "actors.yaml:11:15: actors.3.aliases.1: 'kremlin' also names 'russia' (line 6); "
     "an alias must belong to one actor"),
    (ACTORS + "  - id: china\n    name: PRC\n", "actors.yaml:9:9: actors.3.id: 'china' is already used on line 2"),
    ("actors:\n  - id: a\n    name: A\n    affiliation: b\n  - id: b\n    name: B\n    affiliation: a\n",
     "actors.yaml:4:18: actors.1.affiliation: affiliations form a loop: a -> b -> a"),
])
def test_actor_errors_are_located(tmp_path: Path, actors: str, expected: str) -> None:
    """Cross-entry problems in actors.yaml name both places involved."""
    problems = _problems(_folder(tmp_path, {}, actors))
    assert expected in problems, problems


def test_every_problem_in_every_file_at_once(tmp_path: Path) -> None:
    """Problems in several files, including a duplicate claim id across files, come back in one report."""
    folder = _folder(tmp_path, {
        "a.yaml": "id: same\nstatement: China arms Russia today\n",
        "b.yaml": "id: same\nstatement: Russia arms China today\n",
        "c.yaml": "id: c\nstatement: China arms Russia today\nobjects: [rusia]\nseverity: extreme\n",
    })
    (folder / "feeds.yaml").write_text("feeds:\n  - name: x\n    url: gopher://x\n")
    problems = _problems(folder)
    assert [p.split(": ")[0] for p in problems] == [
        "claims/b.yaml:1:5", "claims/c.yaml:4:11", "feeds.yaml:3:10"]


def test_fingerprint_changes_with_any_file(tmp_path: Path) -> None:
    """The fingerprint identifies the exact content of the folder, so reloads can tell what changed."""
    folder = _folder(tmp_path, {"a.yaml": "id: a\nstatement: China arms Russia today\n"})
    before = load_rulebook(folder).fingerprint
    assert load_rulebook(folder).fingerprint == before
    (folder / "claims" / "a.yaml").write_text("id: a\nstatement: China arms Russia today\nstatus: paused\n")
    assert load_rulebook(folder).fingerprint != before


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_loader_turns_any_text_into_rules_or_rule_errors(tmp_path: Path, text: str) -> None:
    """Random text as a claim file never crashes the loader: it loads or yields located rule problems."""
    folder = tmp_path / "fuzz"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    _folder(folder, {"c.yaml": text})
    try:
        load_rulebook(folder)
    except RuleFileError as exc:
        assert all(p.line >= 1 and p.column >= 1 and p.file.endswith("c.yaml") for p in exc.problems)
