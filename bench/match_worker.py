"""One side of `bench.match --baseline`: a revision's matcher, timed on a workload that bench.match wrote.

    PYTHONPATH=TREE python -P bench/match_worker.py WORKLOAD.json PAIRS.csv

`bench.match` starts one worker on this tree and one on the baseline revision's exported tree, with the
same interpreter, and asks them in turn for each part, so the two are timed side by side on the same input.
The worker imports nothing from bench/ and only what every revision has: `Actor`, `Claim` and `RuleSet`
from `monitor.matching.model`, `Matcher(RuleSet(...))` and `Matcher.match(title, text)`, and
`evaluate_csv(pairs, out)`.

Protocol: on start, the worker builds the matcher from the workload's claims and actors and writes one JSON
line (where `monitor` came from, the build's CPU seconds). Then, for each line it reads ("items",
"body_items" or "evaluate"), it times that part in CPU seconds and writes one JSON line with the count,
the seconds and what came out (each item's matches as "claim:label", each pair's label).
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import monitor
from monitor.matching.evaluate import evaluate_csv
from monitor.matching.matcher import Matcher
from monitor.matching.model import Actor, Claim, RuleSet

WARM_UP = {"items": 50, "body_items": 20}


def ruleset(workload: dict[str, Any]) -> RuleSet:
    """The workload's claims and actors as the revision's model classes."""
    actors = {a["id"]: Actor(id=a["id"], name=a["name"], kind=a["kind"], aliases=tuple(a["aliases"]),
                             affiliation=a["affiliation"]) for a in workload["actors"]}
    claims = tuple(Claim(id=c["id"], statement=c["statement"], subjects=tuple(c["subjects"]),
                         objects=tuple(c["objects"]), keyphrases=tuple(c["keyphrases"]))
                   for c in workload["claims"])
    return RuleSet(claims, actors)


def time_items(matcher: Matcher, items: list[list[str]], warm_up: int) -> dict[str, Any]:
    """Match every item after a warm-up on the first few (as bench.match does in-process)."""
    for title, text in items[:warm_up]:
        matcher.match(title, text)
    started = time.process_time()
    found = [matcher.match(title, text) for title, text in items]
    seconds = time.process_time() - started
    results = [sorted({f"{m.claim_id}:{m.label}" for m in matches}) for matches in found]
    return {"count": len(items), "seconds": seconds, "results": results}


def time_evaluate(pairs: Path) -> dict[str, Any]:
    """`evaluate_csv` over the pairs file, as `claimwatch evaluate` runs it."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "predictions.csv"
        started = time.process_time()
        written = evaluate_csv(pairs, out)
        seconds = time.process_time() - started
        with out.open(newline="", encoding="utf-8") as handle:
            labels = [row["label"] for row in csv.DictReader(handle)]
    return {"count": written, "seconds": seconds, "results": labels}


def main() -> int:
    """Build the matcher, then answer each requested part with one JSON line."""
    workload_path, pairs = Path(sys.argv[1]), Path(sys.argv[2])
    workload = json.loads(workload_path.read_text(encoding="utf-8"))
    rules = ruleset(workload)
    started = time.process_time()
    matcher = Matcher(rules)
    build = time.process_time() - started
    print(json.dumps({"monitor": str(Path(monitor.__file__).resolve()), "build_s": build}), flush=True)
    for line in sys.stdin:
        part = line.strip()
        result = time_evaluate(pairs) if part == "evaluate" else time_items(matcher, workload[part], WARM_UP[part])
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
