"""Attribution accuracy: who holds which stance, per construction, on the speakers development set.

    .venv/bin/python -m bench.speakers [--set tests/fixtures/speakers/dev.yaml] [--rules rules] [--failures]

Each item of the set (short news items written for this project, each exercising one way the press
attributes a statement: "according to X", a quotation then "X said", passives, nested quotations, contrast
clauses, demonyms, capitals, titles, pronouns, headlines, non-comments, denials by absence, names that are
only the claim's subject or object or sit inside someone else's quotation, the outlet's voice, anonymous
sources, hedged reports, other languages) goes through the real matcher over the shipped rules, its `title`
as the headline and its `text` as the body. An item is
right when the side-taking matches of its claim (corroborates or denies, by a named speaker) are exactly its
expected holders, and every expected `discusses` holder is found; an expected actor is met by a match whose
speaker or speaker's affiliation it is. It prints per-construction accuracy and, with --failures, what each
failing item got.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from monitor.matching.matcher import Matcher
from monitor.matching.model import UNATTRIBUTED, Match
from monitor.rulebook.loader import load_rulebook

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "tests" / "fixtures" / "speakers" / "dev.yaml"
SIDES = ("corroborates", "denies")


@dataclass(frozen=True)
class Judged:
    """One item: what it should get, what it got, and whether that is right."""

    construction: str
    text: str
    expected: tuple[tuple[str, str], ...]
    got: tuple[tuple[str, str, str | None], ...]
    passed: bool


def _meets(actor: str, match: Match) -> bool:
    return actor in (match.speaker, match.speaker_affiliation)


def judge_item(matches: list[Match], expected: list[tuple[str, str]]) -> bool:
    """Whether the item's matches hold exactly the expected sides (see the module docstring)."""
    named = [m for m in matches if m.speaker != UNATTRIBUTED]
    for actor, stance in expected:
        if not any(_meets(actor, m) and m.label == stance for m in named):
            return False
    for match in named:
        if match.label in SIDES and not any(_meets(actor, match) and match.label == stance
                                            for actor, stance in expected):
            return False
    return True


def judge(rules: Path, path: Path = DEV_SET) -> list[Judged]:
    """Every item of the set through one matcher over the rules folder's claims."""
    items = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["items"]
    book = load_rulebook(rules)
    matcher = Matcher(book.ruleset([claim.id for claim in book.claims]))
    judged = []
    for item in items:
        title, text = item.get("title", ""), item.get("text", "")
        matches = [m for m in matcher.match(title, text, item.get("language")) if m.claim_id == item["claim"]]
        expected = [(str(a), str(s)) for a, s in item["holders"]]
        got = tuple((m.speaker, m.label, m.speaker_affiliation) for m in matches)
        judged.append(Judged(item["construction"], " | ".join(filter(None, (item.get("title"), item.get("text")))),
                             tuple(expected), got, judge_item(matches, expected)))
    return judged


def table(judged: list[Judged]) -> list[str]:
    """Per-construction accuracy as a markdown table."""
    groups: dict[str, list[Judged]] = defaultdict(list)
    for j in judged:
        groups[j.construction].append(j)
    lines = ["| construction | items | holders and stances right |", "|---|---:|---:|"]
    for name, group in [*groups.items(), ("all", judged)]:
        right = sum(j.passed for j in group)
        lines.append(f"| {name} | {len(group)} | {right} ({right / len(group):.0%}) |")
    return lines


def main() -> int:
    """Print accuracy per construction and, optionally, the failures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=Path, default=DEV_SET, help="the development set (YAML)")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules", help="the rules folder")
    parser.add_argument("--failures", action="store_true", help="also list every item that fails")
    args = parser.parse_args()
    judged = judge(args.rules, args.set)
    print("\n".join(table(judged)))
    if args.failures:
        for j in judged:
            if not j.passed:
                got = ", ".join(f"{s}/{a}:{label}" for s, label, a in j.got) or "nothing"
                want = ", ".join(f"{a}:{s}" for a, s in j.expected) or "no side-taking holder"
                print(f"FAIL [{j.construction}] want {want}; got {got}\n     {j.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
