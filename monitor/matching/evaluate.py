"""`claimwatch evaluate PAIRS.csv -o PREDICTIONS.csv`: label each (claim, item) pair from the claim alone.

Input columns id,claim,title,text (text may be empty; other columns are ignored); output columns
id,label,score with label one of corroborates, denies, discusses, unrelated. Each distinct claim statement
is compiled once into a `Matcher` (a bare-statement RuleSet) and reused for all its rows. This module and
the fit script are the only parts of matching that touch files.
"""

from __future__ import annotations

import csv
import heapq
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from monitor.matching.matcher import Matcher
from monitor.matching.model import Label
from monitor.matching.weights import Models, default_models

REQUIRED_COLUMNS = ("id", "claim", "title")
MAX_FIELD = 1 << 26  # article bodies are long; the csv module's default cap is 128 KiB
_PAIR_OVERHEAD = 200  # the characters' worth of work a pair costs whatever its length


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
    """`predict_rows` over `deal(rows, jobs)` in `jobs` processes, in the rows' order."""
    parts = [[rows[i] for i in part] for part in deal(rows, jobs) if part]
    with ProcessPoolExecutor(jobs) as pool:
        done = pool.map(_predict_slice, [(part, models) for part in parts])
        labelled = {pair_id: (label, score) for part in done for pair_id, label, score in part}
    return [(row["id"], *labelled[row["id"]]) for row in rows]


def deal(rows: Sequence[dict[str, str]], jobs: int) -> list[list[int]]:
    """The row indexes split into `jobs` slices of whole items (an item's rows stay together and in order),
    one slice per process: each process compiles a matcher for every claim it meets, and most claims are met
    in every slice, so more slices would mean more compiling. Items are dealt by their cost, their pairs
    times their length, largest first, each to the slice with the least so far: slices of equal pair counts
    took 8 and 12 s of CPU on the FNC-1 file, whose long bodies gather in places."""
    items: dict[tuple[str, str], list[int]] = {}
    for index in item_order([(row["title"], row["text"]) for row in rows]):
        items.setdefault((rows[index]["title"], rows[index]["text"]), []).append(index)
    loads = [(0, number) for number in range(jobs)]
    dealt: list[list[list[int]]] = [[] for _ in range(jobs)]
    # Stable: items of equal cost keep the order of their first appearance, so the deal is deterministic.
    for item, indexes in sorted(items.items(), key=lambda pair: -_cost(*pair)):
        load, number = heapq.heappop(loads)
        dealt[number].append(indexes)
        heapq.heappush(loads, (load + _cost(item, indexes), number))
    return [[i for indexes in sorted(part) for i in indexes] for part in dealt]


def _cost(item: tuple[str, str], indexes: Sequence[int]) -> int:
    return len(indexes) * (len(item[0]) + len(item[1]) + _PAIR_OVERHEAD)


def _predict_slice(task: tuple[list[dict[str, str]], Models | None]) -> list[tuple[str, Label, float]]:
    return list(predict_rows(*task))
