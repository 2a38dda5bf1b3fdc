"""Web view benchmark: server-side render time of a claim page whose claim has 10,000 pieces of evidence, and of
the claims list with 1,000 claims, over real HTTP to `build_app` under uvicorn on loopback.

    .venv/bin/python -m bench.web                          # 10,000 pieces of evidence, 1,000 claims
    .venv/bin/python -m bench.web --keep /tmp/cw-web       # ... and leave the database, rules and a config there

A fresh SQLite file gets 1,000 claims (YAML files in a rules folder, 40 actors), each with a few pieces of
evidence and a picture of three holders, and one claim with `--evidence` pieces spread over 60 days from
`--holders` holders, some of whom reverse. Each page is fetched `--runs` times after one warm-up (which
reads the rules folder); the median and the slowest are printed, next to the JSON API for the same data
(the baseline: the same storage queries without templates or the chart) as a ratio. The claim page is timed
twice: with a new piece of evidence recorded before each request (its chart is drawn again) and unchanged
(its chart is reused), and so is the claims list. Target: < 200 ms wall.
It is not a test: it prints its figures and PASS/MISS, and exits 0 either way.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert

from monitor.config import Config
from monitor.web.serve import bind, serve_beside
from storage.engine import make_engine, upgrade
from storage.models import CLAIM_STATES, EVIDENCE, FEEDS, ITEMS, POSITIONS, STORIES

TARGET_MS = 200
BIG = "bench-claim-big"
START = datetime(2026, 9, 1, tzinfo=UTC)
QUOTES = {
    "corroborates": "Officials said there is now clear evidence that the shipments reached the front line.",
    "denies": "The ministry rejected the report as groundless and said no such shipments had taken place.",
    "discusses": "Analysts are divided over what the reported shipments would mean for the war.",
}


def write_rules(rules: Path, claims: int, actors: int) -> list[str]:
    """A rules folder with `actors` actors and `claims` claims (one of them BIG); returns the actor ids."""
    (rules / "claims").mkdir(parents=True)
    ids = [f"actor-{n:02d}" for n in range(actors)]
    (rules / "actors.yaml").write_text("actors:\n" + "".join(
        f"  - id: {actor}\n    name: Government of Country {n:02d}\n    kind: government\n"
        f"    aliases: [Country {n:02d} officials]\n" for n, actor in enumerate(ids)))
    (rules / "feeds.yaml").write_text("feeds: []\n")
    for n in range(claims):
        claim = BIG if n == 0 else f"bench-claim-{n:04d}"
        (rules / "claims" / f"{claim}.yaml").write_text(
            f"id: {claim}\nstatement: Country {n % actors:02d} is supplying artillery shells to side {n}\n"
            f"tags: [region-{n % 7}, bench]\nseverity: {('low', 'medium', 'high')[n % 3]}\n"
            f"keyphrases: [artillery shells {n}]\n")
    return ids


def fill(engine: Engine, actors: list[str], *, claims: int, evidence: int, holders: int, seed: int = 7) -> None:
    """Items, stories, evidence, positions and claim states for every claim, in batched Core inserts."""
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, object]]] = {"items": [], "stories": [], "evidence": [], "positions": [],
                                                "states": []}
    big_holders = actors[:holders]
    plan = [(BIG, rng.choice(big_holders), START + timedelta(seconds=rng.uniform(0, 60 * 86_400)))
            for _ in range(evidence)]
    for n in range(1, claims):
        claim = f"bench-claim-{n:04d}"
        plan += [(claim, rng.choice(actors[:3]), START + timedelta(hours=rng.uniform(0, 2_000))) for _ in range(4)]
    plan.sort(key=lambda entry: entry[2])
    held: dict[tuple[str, str], dict[str, Any]] = {}
    firsts: dict[str, dict[str, datetime]] = {}
    for index, (claim, holder, seen) in enumerate(plan, start=1):
        previous = held.get((claim, holder))
        if previous is None:
            stance = "denies" if int(holder[-2:]) % 3 == 1 else "corroborates"
        else:
            stance = str(previous["stance"])
            if rng.random() < 0.002:
                stance = "denies" if stance == "corroborates" else "corroborates"
        if rng.random() < 0.1:
            stance = "discusses"
        rows["items"].append({"id": index, "feed_id": 1, "key": f"item-{index}", "url": f"https://news.example/{index}",
                              "title": f"Report {index} on {claim}", "summary": QUOTES[stance],
                              "content_hash": f"{index:064d}", "first_seen_at": seen, "ledger_at": seen,
                              "story_id": index})
        rows["stories"].append({"id": index, "url": f"https://news.example/{index}", "fingerprint": f"{index:064d}",
                                "title": f"Report {index}", "lead": "", "first_item_id": index, "first_seen_at": seen,
                                "last_seen_at": seen, "copies": 1 + (index % 5 == 0) * 3})
        decision = ("discusses" if stance == "discusses" else "new_speaker" if previous is None
                    else "reversal" if previous["stance"] != stance else "repeat_quiet")
        rows["evidence"].append({"id": index, "item_id": index, "story_id": index, "claim_id": claim, "stance": stance,
                                 "speaker": holder, "holder": holder, "score": round(rng.uniform(0.5, 1), 3),
                                 "quote": QUOTES[stance], "why": f"{stance}; found 'artillery shells'",
                                 "explanation": {"cues": [{"text": "evidence"}], "speaker": [{"text": "Officials"}],
                                                 "clear_speaker": True},
                                 "feed": "bench-wire", "url": f"https://news.example/{index}", "seen_at": seen,
                                 "decision": decision})
        if stance != "discusses":
            since = seen if previous is None or previous["stance"] != stance else previous["since"]
            held[(claim, holder)] = {"claim_id": claim, "holder": holder, "stance": stance, "since": since,
                                     "last_seen_at": seen, "last_evidence_id": index,
                                     "evidence_count": int(previous["evidence_count"]) + 1 if previous else 1}
            key = "first_corroboration_at" if stance == "corroborates" else "first_denial_at"
            firsts.setdefault(claim, {}).setdefault(key, seen)
    rows["positions"] = list(held.values())
    rows["states"] = [{"claim_id": claim, "updated_at": START, **times} for claim, times in firsts.items()]
    with engine.begin() as connection:
        connection.execute(insert(FEEDS).values(id=1, name="bench-wire", source_url="https://news.example/rss",
                                                url="https://news.example/rss", tags=[], next_poll_at=START,
                                                created_at=START))
        for table, key in ((ITEMS, "items"), (STORIES, "stories"), (EVIDENCE, "evidence"), (POSITIONS, "positions"),
                           (CLAIM_STATES, "states")):
            batch = rows[key]
            columns = set().union(*(row.keys() for row in batch)) if batch else set()
            full = [{column: row.get(column) for column in columns} for row in batch]
            for start in range(0, len(full), 5_000):
                connection.execute(insert(table), full[start:start + 5_000])


def timed(client: httpx.Client, url: str, runs: int, before: Callable[[], None] | None = None) -> Figures:
    """Wall and CPU milliseconds per request (CPU of this process: the server runs on its threads), after
    one warm-up request; `before` runs ahead of each timed request, untimed."""
    assert client.get(url).status_code == 200, url
    wall, cpu = [], []
    for _ in range(runs):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        answer = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert answer.status_code == 200, url
    return Figures(statistics.median(wall), max(wall), statistics.median(cpu), len(answer.content))


@dataclass(frozen=True)
class Figures:
    """One page's timings: median and slowest wall milliseconds, median CPU milliseconds, and its size."""

    wall: float
    slowest: float
    cpu: float
    size: int

    def line(self, name: str, baseline: Figures) -> str:
        verdict = "PASS" if self.wall < TARGET_MS else "MISS"
        return (f"{name:<25}: {self.wall:6.1f} ms wall (slowest {self.slowest:6.1f}), {self.cpu:6.1f} ms CPU, "
                f"{self.size / 1024:5,.0f} KiB [{verdict} < {TARGET_MS} ms]; "
                f"page / JSON API {self.wall / baseline.wall:4.2f}")


def new_evidence(engine: Engine) -> Callable[[], None]:
    """A step that records one more piece of evidence for the big claim (as the ledger would), so the next
    request finds its chart out of date."""
    counter = iter(range(10_000_000, 20_000_000))

    def add() -> None:
        index = next(counter)
        with engine.begin() as connection:
            connection.execute(insert(EVIDENCE).values(
                id=index, item_id=1, story_id=1, claim_id=BIG, stance="denies", speaker="actor-01", holder="actor-01",
                score=0.9, quote=QUOTES["denies"], why="denies", explanation={}, feed="bench-wire",
                seen_at=START + timedelta(days=60), decision="repeat_quiet"))
    return add


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evidence", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=1_000)
    parser.add_argument("--holders", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="build here and leave it (with claimwatch.toml)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="claimwatch-bench-web-") as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{root / 'claimwatch.db'}"
        started = time.perf_counter()
        actors = write_rules(root / "rules", args.claims, max(40, args.holders))
        engine = make_engine(database_url)
        upgrade(engine)
        fill(engine, actors, claims=args.claims, evidence=args.evidence, holders=args.holders)
        engine.dispose()
        (root / "claimwatch.toml").write_text(f'rules_dir = "rules"\nstate_dir = "state"\n'
                                              f'database_url = "{database_url}"\n')
        print(f"claimwatch web benchmark: {args.claims:,} claims, one with {args.evidence:,} pieces of evidence "
              f"from {args.holders} holders; built in {time.perf_counter() - started:.1f} s")
        config = Config(rules_dir=root / "rules", state_dir=root / "state", database_url=database_url)
        engine = make_engine(database_url)
        with serve_beside(config, bind("127.0.0.1", 0)) as web, httpx.Client(base_url=web.url, timeout=60) as client:
            add = new_evidence(engine)
            claim_api = timed(client, f"/api/claims/{BIG}?limit=50", args.runs)
            print(timed(client, f"/claims/{BIG}", args.runs, add).line("claim page, new evidence", claim_api))
            print(timed(client, f"/claims/{BIG}", args.runs).line("claim page, unchanged", claim_api))
            claims_api = timed(client, "/api/claims", args.runs, add)
            print(timed(client, "/claims", args.runs, add).line("claims list, new evidence", claims_api))
            print(timed(client, "/claims", args.runs).line("claims list, unchanged", claims_api))
        engine.dispose()
        print(json.dumps({"evidence": args.evidence, "claims": args.claims, "holders": args.holders,
                          "runs": args.runs}))


if __name__ == "__main__":
    main()
