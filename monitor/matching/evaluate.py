"""`claimwatch evaluate PAIRS.csv -o PREDICTIONS.csv`: label each (claim, item) pair from the claim alone.

Input columns id,claim,title,text (text may be empty; other columns are ignored); output columns
id,label,score with label one of corroborates, denies, discusses, unrelated. Each distinct claim statement
is compiled once into a `Matcher` (a bare-statement RuleSet) and reused for all its rows. This module and
the fit script are the only parts of matching that touch files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from monitor.matching.matcher import Matcher
from monitor.matching.model import Label
from monitor.matching.weights import Models, default_models

REQUIRED_COLUMNS = ("id", "claim", "title")


class PairsFileError(ValueError):
    """The pairs file cannot be evaluated (missing columns); the message says which."""


def predict_rows(rows: Iterable[dict[str, str]], models: Models | None = None
                 ) -> Iterator[tuple[str, Label, float]]:
    """(id, label, score) for each pair row, in the rows' order; matchers are cached per claim statement, and
    the rows of one item are classified together so the item is normalised once."""
    shared = models or default_models()
    matchers: dict[str, Matcher] = {}
    pairs = list(rows)
    results: list[tuple[Label, float]] = [("unrelated", 0.0)] * len(pairs)
    for index in item_order([(row.get("title") or "", row.get("text") or "") for row in pairs]):
        row = pairs[index]
        statement = (row.get("claim") or "").strip()
        matcher = matchers.get(statement)
        if matcher is None:
            matcher = matchers[statement] = Matcher.for_statement(statement or "(empty claim)", shared)
        label, score = matcher.label("claim", row.get("title") or "", row.get("text") or "")
        results[index] = (label, score)
    for row, (label, score) in zip(pairs, results, strict=True):
        yield row["id"], label, score


def item_order(items: Sequence[tuple[str, str]]) -> list[int]:
    """Row indexes with the rows of one item (title, text) next to each other, first appearance first."""
    first: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        first.setdefault(item, index)
    return sorted(range(len(items)), key=lambda i: (first[items[i]], i))


def evaluate_csv(pairs: Path, out: Path, models: Models | None = None) -> int:
    """Read PAIRS, write PREDICTIONS (id,label,score); returns the number of rows written."""
    with pairs.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.DictReader(source)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PairsFileError(f"{pairs}: missing column(s) {', '.join(missing)}; "
                                 f"expected id,claim,title[,text]")
        written = 0
        with out.open("w", newline="", encoding="utf-8") as target:
            writer = csv.writer(target)
            writer.writerow(["id", "label", "score"])
            for pair_id, label, score in predict_rows(reader, models):
                writer.writerow([pair_id, label, f"{score:.4f}"])
                written += 1
    return written
