"""`claimwatch evaluate PAIRS.csv -o PREDICTIONS.csv`: label each (claim, item) pair from the claim alone.

Input columns id,claim,title,text (text may be empty; other columns are ignored); output columns
id,label,score with label one of corroborates, denies, discusses, unrelated. Each distinct claim statement
is compiled once into a `Matcher` (a bare-statement RuleSet) and reused for all its rows. This module and
the fit script are the only parts of matching that touch files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from monitor.matching.matcher import Matcher
from monitor.matching.model import Label
from monitor.matching.weights import Models, default_models

REQUIRED_COLUMNS = ("id", "claim", "title")
MAX_FIELD = 1 << 26  # article bodies are long; the csv module's default cap is 128 KiB


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


def evaluate_csv(pairs: Path, out: Path, models: Models | None = None, *, jobs: int = 1) -> int:
    """Read PAIRS, write PREDICTIONS (id,label,score); returns the number of rows written. With `jobs` > 1 the
    pairs are labelled in that many processes, the pairs of one item always in the same one."""
    csv.field_size_limit(MAX_FIELD)
    with pairs.open(newline="", encoding="utf-8-sig") as source:
        reader = csv.DictReader(source)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PairsFileError(f"{pairs}: missing column(s) {', '.join(missing)}; "
                                 f"expected id,claim,title[,text]")
        rows = [{k: row.get(k) or "" for k in ("id", "claim", "title", "text")} for row in reader]
    predictions = _predict_in_parallel(rows, models, jobs) if jobs > 1 else list(predict_rows(rows, models))
    with out.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["id", "label", "score"])
        for pair_id, label, score in predictions:
            writer.writerow([pair_id, label, f"{score:.4f}"])
    return len(predictions)


def _predict_in_parallel(rows: Sequence[dict[str, str]], models: Models | None, jobs: int
                         ) -> list[tuple[str, Label, float]]:
    """`predict_rows` over slices of whole items in `jobs` processes, in the rows' order. One slice per
    process: each process compiles a matcher for every claim it meets, and most claims are met in every
    slice, so more slices would mean more compiling."""
    order = item_order([(row["title"], row["text"]) for row in rows])
    slices: list[list[int]] = [[] for _ in range(jobs)]
    size = -(-len(order) // len(slices))
    current = 0
    for position, index in enumerate(order):
        # A slice ends at the first new item past its share, so an item's pairs stay together.
        if (len(slices[current]) >= size and current + 1 < len(slices)
                and (rows[index]["title"], rows[index]["text"]) != (rows[order[position - 1]]["title"],
                                                                    rows[order[position - 1]]["text"])):
            current += 1
        slices[current].append(index)
    with ProcessPoolExecutor(jobs) as pool:
        done = pool.map(_predict_slice, [([rows[i] for i in part], models) for part in slices if part])
        labelled = {pair_id: (label, score) for part in done for pair_id, label, score in part}
    return [(row["id"], *labelled[row["id"]]) for row in rows]


def _predict_slice(task: tuple[list[dict[str, str]], Models | None]) -> list[tuple[str, Label, float]]:
    return list(predict_rows(*task))
