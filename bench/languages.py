"""Accuracy per language on the development set of claims across languages.

    .venv/bin/python -m bench.languages [--set tests/fixtures/languages/china-lethal-aid.yaml] [--rules rules]
                                        [--failures] [--write-readme]

Each item of the set (headlines and lead sentences in Russian, Ukrainian, Chinese, French, German, Spanish
and Arabic, with the label they must get and, for most, the actor who must be found as the speaker) goes
through the real matcher over the rules folder with no declared language, as `claimwatch rules test` runs
a claim's examples: the language is detected, then the item labelled. Per language it prints how many items
got the language detected, the label, and the label with the speaker (an item without an expected speaker
counts as right on its label alone).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from bench.readme import replace_section
from monitor.matching.matcher import Matcher
from monitor.matching.normalize import normalize
from monitor.rulebook.examples import item_label
from monitor.rulebook.loader import load_rulebook

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "tests" / "fixtures" / "languages" / "china-lethal-aid.yaml"


@dataclass(frozen=True)
class Judged:
    """One item of the set: what it should get and what it got."""

    language: str
    text: str
    label: str
    speaker: str | None
    detected: str
    got: str
    speakers: tuple[str, ...]

    @property
    def label_ok(self) -> bool:
        """The right label."""
        return self.got == self.label

    @property
    def passed(self) -> bool:
        """The right label, and the expected speaker among those found (when one is expected)."""
        return self.label_ok and (self.speaker is None or self.speaker in self.speakers)


def load_set(path: Path) -> tuple[str, list[dict[str, str]]]:
    """The set's claim id and its items."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return str(data["claim"]), list(data["items"])


def judge(rules: Path, path: Path = DEV_SET) -> list[Judged]:
    """Every item of the set through one matcher over the rules folder's claims."""
    claim_id, items = load_set(path)
    book = load_rulebook(rules)
    matcher = Matcher(book.ruleset([claim.id for claim in book.claims]))
    judged = []
    for item in items:
        matches = [m for m in matcher.match(item["text"]) if m.claim_id == claim_id]
        speakers = {name for m in matches for name in (m.speaker, m.speaker_affiliation) if name}
        got, _ = item_label(matches, item.get("speaker"))
        judged.append(Judged(item["language"], item["text"], item["label"], item.get("speaker"),
                             str(normalize(item["text"]).language), got, tuple(sorted(speakers))))
    return judged


def table(judged: list[Judged]) -> list[str]:
    """Per-language counts as a markdown table."""
    lines = ["| language | items | language detected | label right | label and speaker right |",
             "|---|---:|---:|---:|---:|"]
    languages = list(dict.fromkeys(j.language for j in judged))
    for language in [*languages, "all"]:
        group = [j for j in judged if language in ("all", j.language)]
        n = len(group)
        detected = sum(j.detected == j.language for j in group)
        right = sum(j.label_ok for j in group)
        passed = sum(j.passed for j in group)
        lines.append(f"| {language} | {n} | {detected} ({detected / n:.0%}) | {right} ({right / n:.0%}) "
                     f"| {passed} ({passed / n:.0%}) |")
    return lines


def main() -> int:
    """Print accuracy per language; optionally the failures, and record the table in bench/README.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=Path, default=DEV_SET, help="the development set (YAML)")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules", help="the rules folder")
    parser.add_argument("--failures", action="store_true", help="also list every item that fails")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    judged = judge(args.rules, args.set)
    lines = table(judged)
    labels = Counter(j.label for j in judged)
    lines += ["", "Labels in the set: " + ", ".join(f"{label} {n}" for label, n in sorted(labels.items())) + ".",
              "The set was written while the cues were built, so it shows what they cover rather than how they do on "
              "news written by others; misses are mostly short unaccented Latin-script headlines taken for English."]
    print("\n".join(lines))
    if args.failures:
        for j in judged:
            if not j.passed or j.detected != j.language:
                print(f"FAIL [{j.language}->{j.detected}] expected {j.label} by {j.speaker}, got {j.got} "
                      f"({', '.join(j.speakers)}): {j.text}")
    if args.write_readme:
        write_readme(lines, sys.argv[1:])
    return 0


def write_readme(body: list[str], argv: list[str]) -> None:
    """Replace (or append) the '## Claims across languages (bench/languages.py)' section of bench/README.md."""
    replace_section("## Claims across languages (bench/languages.py)", [
        f"`.venv/bin/python -m bench.languages {' '.join(argv)}` ({time.strftime('%Y-%m-%d')}), on the "
        f"development set `{DEV_SET.relative_to(ROOT)}` (written for this project; the items name the claim "
        "`china-lethal-aid-russia` of rules/claims/), no language declared:", "", *body,
    ])


if __name__ == "__main__":
    sys.exit(main())
