"""Matcher throughput against 100, 1,000 and 10,000 claims, next to a naive rapidfuzz baseline and, with
`--baseline REV`, next to another revision's matcher.

    .venv/bin/python -m bench.match [--items 2000] [--body-items 500] [--pairs 1000] [--runs 3]
                                    [--baseline REV] [--write-readme]

The workloads come from bench/workload.py, seeded, from one fixed news world whatever the claim count: 1,200
actors (300 countries, each with 3 officials, 4 aliases each and affiliations), 40,000 phrases, and claims
"<subject> <verb> <keyphrase> <preposition> <object>" with 3-4 keyphrases each. Two kinds of item:

- items: a headline and a 1,500-character body of news-like sentences; six in ten name an actor (some as a
  possessive), some carry a pool phrase, a name that is no actor (an unbounded vocabulary, as in real news),
  a hyphenated word or a quotation with its speaker; six outlets in ten use typographic quotes, apostrophes
  and dashes. One item in ten retells a tracked claim with an attribution and a stance cue (half of those
  in the headline); the rest match nothing, or only by chance.
- articles: a headline and 3,000-6,000 characters in paragraphs, with quotations attributed to officials
  named by title ("said the Kalorn Defence Minister", "Spokesman Mira said", "the president added") and the
  countries of one claim named in passing in unrelated paragraphs. One in ten retells that claim in one
  paragraph, with an official's quoted denial in the next paragraph or further on; three in ten also name
  one of its keyphrases in yet another paragraph.

The naive baseline runs `rapidfuzz.fuzz.partial_ratio` of every alias and keyphrase of every claim over
every item (what the index replaces). Memory is the tracemalloc growth while building the matcher. Also
times `evaluate_csv` on two pair files: 1,000 claim/item pairs (1,500-character bodies, 100 claims), and
FNC-1-like pairs (a claim statement as the headline, a 2,000-4,000-character article body and no title, 50
bodies per statement, about a quarter of them about it).

`--baseline REV` (a git revision) exports REV's tree with `git archive` and times its matcher against this
tree's at 1,000 claims on the same input: this process generates the items, articles and pairs once and
writes them to files (claims and actors as plain JSON, pairs as CSV), then starts bench/match_worker.py
twice with this interpreter and PYTHONHASHSEED=0, PYTHONPATH set to this tree and to REV's, and sends
both each slice of each part in turn (200 items, 50 articles, a pairs file of 100 pairs; new, old, then
old, new, ...), so that both are timed in the same moments of a noisy machine. Each run's figures (the slices
summed) are printed with the ratio new/old, and how many results of the two agree.

Every time is CPU time (`time.process_time`) of the process that does the work, so other processes on the
shared machine do not count against it, though they still disturb it (caches, frequency). `--runs` repeats
everything and reports each figure as the range over the runs, ratios taken within each run; PASS/MISS
judge the median run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from bench.readme import replace_section
from bench.workload import World, make_body_items, make_items, make_pairs, make_world, write_pairs, write_workload
from bench.workload_lang import make_mixed_items
from monitor.matching.evaluate import evaluate_csv
from monitor.matching.matcher import Matcher
from monitor.matching.model import RuleSet
from monitor.matching.normalize import fold

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).with_name("match_worker.py")
COUNTS = (100, 1000, 10000)
PARTS = {"items": ("items", "items (headline + 1,500 characters)", "items/s"),
         "body_items": ("articles", "articles (3,000-6,000 characters)", "items/s"),
         "mixed_items": ("mixed-language items", "items in eight languages (headline + 1,500 characters)", "items/s"),
         "evaluate": ("evaluate pairs", "evaluate_csv, FNC-1-like pairs", "pairs/s")}
TARGET_ITEMS_PER_S = 3000.0
TARGET_SCALING = 2.0
TARGET_SPEEDUP = 150.0
TARGET_EVALUATE = 1000.0
TARGET_BODY_EVALUATE = 1500.0
TARGET_BASELINE = 0.9


def naive_candidates(world: World, item: tuple[str, str]) -> int:
    """The baseline: partial_ratio of every alias and keyphrase of every claim over the item."""
    folded = fold(" ".join(item))
    found = 0
    for claim in world.claims:
        anchors = [alias for a in (*claim.subjects, *claim.objects) for alias in world.actors[a].aliases]
        named = any(fuzz.partial_ratio(fold(alias), folded, score_cutoff=90) for alias in anchors)
        if named and any(fuzz.partial_ratio(fold(k), folded, score_cutoff=90) for k in claim.keyphrases):
            found += 1
    return found


def _rate(matcher: Matcher, items: list[tuple[str, str]], warm_up: int) -> tuple[float, float]:
    """Items/s over all the items (after matching the first few once) and the share that match something."""
    for title, body in items[:warm_up]:
        matcher.match(title, body)
    started = time.process_time()
    matched = sum(bool(matcher.match(title, body)) for title, body in items)
    return len(items) / (time.process_time() - started), matched / len(items)


def measure(n_claims: int, n_items: int, n_body_items: int, naive_items: int) -> dict[str, float]:
    """Build time, memory, items/s on both kinds of item and the naive baseline for one claim count."""
    world = make_world(n_claims)
    items = make_items(world, n_items)
    body_items = make_body_items(world, n_body_items)
    mixed_items = make_mixed_items(world, n_items)
    tracemalloc.start()
    started = time.process_time()
    matcher = Matcher(RuleSet(tuple(world.claims), world.actors))
    build = time.process_time() - started
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    for title, body in mixed_items[:20]:
        matcher.match(title, body)  # loads the language detector once, as a daemon does at its first such item
    rate, share = _rate(matcher, items, 50)
    body_rate, body_share = _rate(matcher, body_items, 20)
    mixed_rate, mixed_share = _rate(matcher, mixed_items, 50)
    result = {"claims": n_claims, "build_s": build, "memory_mb": memory / 2**20, "items_per_s": rate,
              "matched_share": share, "body_items_per_s": body_rate, "body_matched_share": body_share,
              "body_chars": statistics.mean(len(body) for _, body in body_items),
              "mixed_items_per_s": mixed_rate, "mixed_matched_share": mixed_share}
    if naive_items:
        started = time.process_time()
        for item in items[:naive_items]:
            naive_candidates(world, item)
        result["naive_items_per_s"] = naive_items / (time.process_time() - started)
    return result


def _evaluate_rate(rows: list[tuple[str, str, str, str]]) -> float:
    """evaluate_csv throughput (pairs/s) on the rows written as a pairs file."""
    with tempfile.TemporaryDirectory() as folder:
        pairs, out = Path(folder) / "pairs.csv", Path(folder) / "predictions.csv"
        write_pairs(pairs, rows)
        started = time.process_time()
        written = evaluate_csv(pairs, out)
        return written / (time.process_time() - started)


def time_evaluate(n_pairs: int) -> float:
    """evaluate_csv on claim + 1,500-character item pairs, 100 claims."""
    world = make_world(100, seed=3)
    rng = random.Random(5)
    rows = [(str(i), rng.choice(world.claims).statement, title, body)
            for i, (title, body) in enumerate(make_items(world, n_pairs, seed=4))]
    return _evaluate_rate(rows)


def time_body_evaluate(n_pairs: int) -> float:
    """evaluate_csv on FNC-1-like pairs: 50 article bodies of 2,000-4,000 characters per claim statement."""
    return _evaluate_rate(make_pairs(make_world(1000), n_pairs))


class Worker:
    """bench/match_worker.py on one tree: builds its matcher, then times one slice of a workload per request."""

    def __init__(self, tree: Path, workload: Path) -> None:
        self.tree = tree.resolve()
        env = {**os.environ, "PYTHONPATH": str(self.tree), "PYTHONHASHSEED": "0"}
        self.process = subprocess.Popen([sys.executable, "-P", str(WORKER), str(workload)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        hello = self._read()
        strays = [module for module in hello["modules"] if not Path(module).is_relative_to(self.tree)]
        if strays:
            self.close()
            raise RuntimeError(f"the worker on {self.tree} loaded {len(strays)} monitor modules from outside that "
                               f"tree, such as {strays[0]}: does the revision have monitor.matching?")
        self.build_s: float = hello["build_s"]

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the matcher worker on {self.tree} exited with status {self.process.wait()}")
        result: dict[str, Any] = json.loads(line)
        return result

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """Time one request (see bench/match_worker.py) and return count, CPU seconds and results."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        """Let the worker finish (end of its input) and reap it."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def _side_by_side(new: Worker, old: Worker, requests: list[dict[str, Any]]
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each request to both sides in turn, `new` first and then `old` first (new, old, old, new, ...), so
    that a drift in the machine's load favours neither; the two sides' counts, CPU seconds and results,
    summed."""
    totals: tuple[dict[str, Any], dict[str, Any]] = ({"count": 0, "seconds": 0.0, "results": []},
                                                     {"count": 0, "seconds": 0.0, "results": []})
    sides = list(zip(totals, (new, old), strict=True))
    for i, request in enumerate(requests):
        for total, worker in sides if i % 2 == 0 else sides[::-1]:
            answer = worker.ask(request)
            for key in total:
                total[key] += answer[key]
    return totals


def compare(revision: str, n_items: int, n_body_items: int, n_pairs: int, n_runs: int
            ) -> tuple[list[str], dict[str, list[float]]]:
    """This tree's matcher against REV's at 1,000 claims on identical input: printable lines, and the
    ratios new/old of each part per run. Each part goes in slices of a few tenths of a second, every slice
    to both sides in turn, so that both see the same moments of a noisy machine; evaluate_csv runs once per
    slice file of two claim statements (100 pairs)."""
    try:
        commit = _git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except subprocess.CalledProcessError:
        raise SystemExit(f"--baseline {revision}: no such commit in {ROOT}") from None
    head = _git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if _git("status", "--porcelain") else "")
    world = make_world(1000)
    pairs = make_pairs(world, n_pairs)
    ratios: dict[str, list[float]] = {part: [] for part in PARTS}
    agree: dict[str, list[int]] = {part: [] for part in PARTS}
    rows = []
    with tempfile.TemporaryDirectory(prefix="claimwatch-baseline-") as folder, contextlib.ExitStack() as stack:
        tree, workload = Path(folder) / "tree", Path(folder) / "workload.json"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        write_workload(workload, world, make_items(world, n_items), make_body_items(world, n_body_items),
                       make_mixed_items(world, n_items))
        requests: dict[str, list[dict[str, Any]]] = {
            "items": [{"part": "items", "start": i, "stop": i + 200} for i in range(0, n_items, 200)],
            "body_items": [{"part": "body_items", "start": i, "stop": i + 50} for i in range(0, n_body_items, 50)],
            "mixed_items": [{"part": "mixed_items", "start": i, "stop": i + 200} for i in range(0, n_items, 200)],
            "evaluate": [],
        }
        for i in range(0, n_pairs, 100):
            write_pairs(Path(folder) / f"pairs-{i}.csv", pairs[i:i + 100])
            requests["evaluate"].append({"part": "evaluate", "pairs": str(Path(folder) / f"pairs-{i}.csv")})
        new = stack.enter_context(contextlib.closing(Worker(ROOT, workload)))
        old = stack.enter_context(contextlib.closing(Worker(tree, workload)))
        for run in range(1, n_runs + 1):
            for part, (_, label, unit) in PARTS.items():
                mine, theirs = _side_by_side(new, old, requests[part])
                rate, base = mine["count"] / mine["seconds"], theirs["count"] / theirs["seconds"]
                ratios[part].append(rate / base)
                agree[part].append(sum(a == b for a, b in zip(mine["results"], theirs["results"], strict=True)))
                rows.append(f"| {run} | {label} | {rate:,.0f} {unit} | {base:,.0f} {unit} | {rate / base:.2f} |")
    counts = {"items": n_items, "body_items": n_body_items, "mixed_items": n_items, "evaluate": n_pairs}
    same = ", ".join(f"{name} {min(agree[part]):,} of {counts[part]:,}" for part, (name, _, _) in PARTS.items())
    lines = [
        f"Against `--baseline {revision}` ({commit[:12]}); this tree is {head}. Both matchers are timed in "
        f"their own process on the same input, 1,000 claims, in alternating slices; ratio = this tree / baseline:",
        "", "| run | workload | this tree | baseline | ratio |", "|---:|---|---:|---:|---:|", *rows, "",
        f"- matcher build at 1,000 claims (without tracemalloc, unlike the table): this tree {new.build_s:.2f} s, "
        f"baseline {old.build_s:.2f} s",
        f"- same results as the baseline (the fewest over the runs): {same} (an item's matches as claim:stance, "
        f"a pair's label)",
    ]
    return lines, ratios


def _span(values: list[float], spec: str, suffix: str = "") -> str:
    """A figure over the runs: one value, or low-high."""
    low, high = min(values), max(values)
    if f"{low:{spec}}" == f"{high:{spec}}":
        return f"{low:{spec}}{suffix}"
    return f"{low:{spec}}-{high:{spec}}{suffix}"


def _verdict(values: list[float], target: float, *, at_most: bool = False) -> str:
    """PASS or MISS for the median run."""
    middle = statistics.median(values)
    return "PASS" if (middle <= target if at_most else middle >= target) else "MISS"


def main() -> int:
    """Run the benchmark, print the figures and optionally record them in bench/README.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000, help="items (headline + 1,500 characters) per count")
    parser.add_argument("--body-items", type=int, default=500, help="articles (3,000-6,000 characters) per count")
    parser.add_argument("--pairs", type=int, default=1000, help="FNC-1-like evaluate pairs (50 per statement)")
    parser.add_argument("--naive-items", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--baseline", metavar="REV", help="also time this git revision's matcher, side by side")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    load = [os.getloadavg()[0]]
    runs: list[dict[int, dict[str, float]]] = []
    evaluate_rates: list[float] = []
    body_evaluate_rates: list[float] = []
    for _ in range(args.runs):
        runs.append({n: measure(n, args.items, args.body_items, args.naive_items if n <= 1000 else 0)
                     for n in COUNTS})
        evaluate_rates.append(time_evaluate(1000))
        body_evaluate_rates.append(time_body_evaluate(args.pairs))
    baseline_lines, baseline_ratios = (compare(args.baseline, args.items, args.body_items, args.pairs, args.runs)
                                       if args.baseline else ([], {}))
    load.append(os.getloadavg()[0])

    def figure(n: int, key: str) -> list[float]:
        return [run[n][key] for run in runs]

    def speedups(n: int) -> list[float]:
        return [run[n]["items_per_s"] / run[n]["naive_items_per_s"] for run in runs]

    lines = ["| claims | items/s | article items/s | mixed-language items/s | naive items/s | speed-up | build s "
             "| memory MiB | items matched | articles matched |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in COUNTS:
        has_naive = "naive_items_per_s" in runs[0][n]
        naive_text = _span(figure(n, "naive_items_per_s"), ",.1f") if has_naive else "-"
        speedup = _span(speedups(n), ",.0f", "x") if has_naive else "-"
        lines.append(f"| {n:,} | {_span(figure(n, 'items_per_s'), ',.0f')} | "
                     f"{_span(figure(n, 'body_items_per_s'), ',.0f')} | "
                     f"{_span(figure(n, 'mixed_items_per_s'), ',.0f')} | {naive_text} | {speedup} | "
                     f"{_span(figure(n, 'build_s'), '.2f')} | {_span(figure(n, 'memory_mb'), '.1f')} | "
                     f"{_span(figure(n, 'matched_share'), '.0%')} | {_span(figure(n, 'body_matched_share'), '.0%')} |")
    rates = figure(1000, "items_per_s")
    scaling = [run[1000]["items_per_s"] / run[10000]["items_per_s"] for run in runs]
    summary = [
        f"- 1,000 claims: {_span(rates, ',.0f')} items/s on one core (target >= {TARGET_ITEMS_PER_S:,.0f}) "
        f"{_verdict(rates, TARGET_ITEMS_PER_S)}",
        f"- 1,000 claims, articles: {_span(figure(1000, 'body_items_per_s'), ',.0f')} items/s on one core",
        f"- 10x the claims (1,000 -> 10,000) costs {_span(scaling, '.2f')}x the time per item "
        f"(target <= {TARGET_SCALING:g}x) {_verdict(scaling, TARGET_SCALING, at_most=True)}",
        f"- speed-up over the naive baseline at 1,000 claims: {_span(speedups(1000), ',.0f')}x "
        f"(target >= {TARGET_SPEEDUP:,.0f}x) {_verdict(speedups(1000), TARGET_SPEEDUP)}",
        f"- memory: {_span(figure(1000, 'memory_mb'), '.1f')} MiB per 1,000 claims (with 1,200 actors, "
        f"4,800 aliases)",
        f"- the index cost is flat in the claim count; what grows is the work on real matches: "
        f"{_span(figure(1000, 'matched_share'), '.0%')} of items match something at 1,000 claims, "
        f"{_span(figure(10000, 'matched_share'), '.0%')} at 10,000",
        f"- evaluate_csv on 1,000 claim/body pairs (1,500-character bodies): "
        f"{_span(evaluate_rates, ',.0f')} pairs/s (target >= {TARGET_EVALUATE:,.0f}) "
        f"{_verdict(evaluate_rates, TARGET_EVALUATE)}",
        f"- evaluate_csv on {args.pairs:,} FNC-1-like pairs ({-(-args.pairs // 50):,} claim statements x 50 "
        f"bodies of 2,000-4,000 characters, no title): {_span(body_evaluate_rates, ',.0f')} pairs/s "
        f"(target >= {TARGET_BODY_EVALUATE:,.0f}) {_verdict(body_evaluate_rates, TARGET_BODY_EVALUATE)}",
    ]
    for part in ("items", "body_items", "mixed_items"):
        ratios = baseline_ratios.get(part)
        if ratios:
            summary.append(f"- {PARTS[part][1]} at 1,000 claims, this tree / baseline: {_span(ratios, '.2f')} "
                           f"(target >= {TARGET_BASELINE:g}) {_verdict(ratios, TARGET_BASELINE)}")
    summary += [
        "- items: a headline and a 1,500-character body, most in typographic punctuation, with quotations, "
        "hyphenated words and names that are no actor; one in ten retells a claim (bench/workload.py)",
        f"- articles: a headline and {_span(figure(1000, 'body_chars'), ',.0f')} characters on average in "
        f"paragraphs, quotations attributed to officials by title, a claim's countries named in unrelated "
        f"paragraphs; one in ten retells the claim, three in ten scatter one of its keyphrases",
        f"- load average (1 min) before and after: {load[0]:.1f}, {load[1]:.1f} on {os.cpu_count()} cores "
        f"(other processes' work disturbs the CPU times)",
    ]
    if args.runs > 1:
        summary.append(f"- figures are the range over {args.runs} runs; ratios are taken within each run, "
                       f"PASS/MISS judge the median run")
    body = [*lines, "", *summary, *(["", *baseline_lines] if baseline_lines else [])]
    print("\n".join(body))
    if args.write_readme:
        write_readme(body, sys.argv[1:])
    return 0


def write_readme(body: list[str], argv: list[str]) -> None:
    """Replace (or append) only the '## Matching (bench/match.py)' section of bench/README.md."""
    replace_section("## Matching (bench/match.py)", [
        f"`.venv/bin/python -m bench.match {' '.join(argv)}` ({os.cpu_count()}-core machine, one process, "
        f"CPU time, {time.strftime('%Y-%m-%d')}):", "", *body,
    ])


if __name__ == "__main__":
    sys.exit(main())
