"""One side of `bench.match --baseline`: a revision's matcher, timed on a workload that bench.match wrote.

    PYTHONPATH=TREE python -P bench/match_worker.py WORKLOAD.json

`bench.match` starts one worker on this tree and one on the baseline revision's exported tree, with the
same interpreter, and sends both the same requests in turn, so the two are timed side by side on the same
input. The worker imports nothing from bench/ and only what every revision has: `Actor`, `Claim` and
`RuleSet` from `monitor.matching.model`, `Matcher(RuleSet(...))` and `Matcher.match(title, text)`, and
`evaluate_csv(pairs, out)`.

Protocol, one JSON object a line: on start, the worker builds the matcher from the workload's claims and
actors, matches the first few items of each kind once (warm-up), and writes the files of the `monitor`
modules it loaded and the build's CPU seconds. Then it answers each request, `{"part": "items" or
"body_items", "start": i, "stop": j}` (match that slice of the items) or `{"part": "evaluate", "pairs":
PATH}` (`evaluate_csv` over that pairs file), with the count, the CPU seconds and what came out: each item's
matches as "claim:label", each pair's label.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from monitor.matching.evaluate import evaluate_csv
from monitor.matching.matcher import Matcher
from monitor.matching.model import Actor, Claim, RuleSet

# The mixed-language items come first: a tree that detects languages loads its detector there, once, as a
# daemon does at its first item in another language.
WARM_UP = {"mixed_items": 20, "items": 50, "body_items": 20}


def ruleset(workload: dict[str, Any]) -> RuleSet:
    """The workload's claims and actors as the revision's model classes."""
    actors = {a["id"]: Actor(id=a["id"], name=a["name"], kind=a["kind"], aliases=tuple(a["aliases"]),
                             affiliation=a["affiliation"]) for a in workload["actors"]}
    claims = tuple(Claim(id=c["id"], statement=c["statement"], subjects=tuple(c["subjects"]),
                         objects=tuple(c["objects"]), keyphrases=tuple(c["keyphrases"]))
                   for c in workload["claims"])
    return RuleSet(claims, actors)


def imported() -> list[str]:
    """The files of every `monitor` module loaded so far, to show which tree the matcher came from."""
    files = (getattr(module, "__file__", None) for name, module in sys.modules.items()
             if name.split(".")[0] == "monitor")
    return sorted(str(Path(file).resolve()) for file in files if file)


def time_items(matcher: Matcher, items: list[list[str]]) -> dict[str, Any]:
    """Match every item."""
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
    """Build the matcher and warm it up, then answer each request with one JSON line."""
    workload = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    rules = ruleset(workload)
    started = time.process_time()
    matcher = Matcher(rules)
    build = time.process_time() - started
    for part, count in WARM_UP.items():
        for title, text in workload.get(part, [])[:count]:
            matcher.match(title, text)
    print(json.dumps({"modules": imported(), "build_s": build}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request["part"] == "evaluate":
            result = time_evaluate(Path(request["pairs"]))
        else:
            result = time_items(matcher, workload[request["part"]][request["start"]:request["stop"]])
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
