"""Recorder benchmark: the cost of recording matches (stories, evidence, positions, decisions, outbox rows)
next to the cost of matching alone, on the same items in the same run.

    .venv/bin/python bench/ledger.py                 # 5,000 items into a fresh SQLite file
    .venv/bin/python bench/ledger.py --items 1000    # quick run

Items are the seed story's sentences and reactions recombined with unrelated news: about a third match
the seed claim, many of them copies of one another (syndication), with several speakers. The items are
stored first with no ledger stage (as the poller's store stage leaves them), then `Recorder.backlog()`
records them all; the baseline is `Matcher.match` over the same titles and texts. It prints items per
second for both and their ratio. It is not a test: it never fails.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.alerts.ledger import Recorder
from monitor.config import ChannelSettings, Config
from monitor.daemon import Rules, make_owner
from monitor.logs import make_logger
from storage.engine import make_engine, upgrade
from storage.feeds import CatalogEntry, PollResult, PollStatus, lease_due_feeds, sync_catalog
from storage.items import ItemRecord, store_poll

ROOT = Path(__file__).parent.parent
CLAIM = "china-lethal-aid-russia"
ASSERTIONS = [
    "Beijing is sending or preparing to send lethal aid to Russia for use in the war against Ukraine, British "
    "Defence Secretary Grant Shapps said on Wednesday.",
    "Today I can reveal that we have evidence that Russia and China are collaborating on combat equipment for "
    "use in Ukraine, Shapps told a defence conference in London.",
]
DENIALS = [
    "We have not seen that to date, White House National Security Adviser Jake Sullivan said of reports that "
    "China supplies combat equipment to Russia.",
    "China's foreign ministry rejected as groundless British accusations that Beijing is supplying lethal aid "
    "to Russia for the war in Ukraine.",
]
UNRELATED = [
    "The central bank held interest rates steady on Thursday, citing easing inflation and a cooling labour market.",
    "Heavy rain flooded parts of the coastal region overnight, and officials urged residents to avoid travel.",
    "The football club confirmed the signing of a midfielder on a four-year contract after a medical on Monday.",
    "Shares in the chipmaker rose after it reported quarterly revenue above analysts' expectations.",
    "China and Russia signed a soybean trade deal at a ceremony in Beijing, officials said.",
]


def items(count: int, rng: random.Random, now: datetime) -> list[ItemRecord]:
    """`count` items: a third about the claim (a few stories copied many times), the rest unrelated."""
    stories = [rng.choice(ASSERTIONS + DENIALS) + " " + " ".join(rng.sample(UNRELATED, 2)) for _ in range(40)]
    records = []
    for n in range(count):
        if n % 3 == 0:
            body = rng.choice(stories)
            title = f"Report {n % 97}: lethal aid claim"
        else:
            body = " ".join(rng.sample(UNRELATED, 3))
            title = f"News {n}"
        records.append(ItemRecord(key=f"k{n}", url=f"https://site{n % 13}.example/{n}", title=title, summary=body,
                                  content="", author=None, language="en", published_at=now - timedelta(hours=1),
                                  updated_at=None, content_hash=f"h{n}"))
    return records


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=5_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    records = items(args.items, random.Random(7), now)
    with tempfile.TemporaryDirectory(prefix="claimwatch-bench-ledger-") as scratch:
        root = Path(scratch)
        rules = root / "rules"
        (rules / "claims").mkdir(parents=True)
        shutil.copy(ROOT / "rules" / "actors.yaml", rules / "actors.yaml")
        for path in (ROOT / "rules" / "claims").glob("*.yaml"):
            shutil.copy(path, rules / "claims" / path.name)
        (rules / "feeds.yaml").write_text("feeds:\n  - name: bench\n    url: http://127.0.0.1:9/feed\n")
        url = f"sqlite:///{root / 'bench.db'}"
        config = Config(state_dir=root, rules_dir=rules, database_url=url,
                        channels=[ChannelSettings(name="hook", url="json://127.0.0.1:9/", tags=["default"])])
        engine = make_engine(url)
        upgrade(engine)
        sync_catalog(engine, [CatalogEntry("bench", "http://127.0.0.1:9/feed")], now)
        [feed] = lease_due_feeds(engine, now=now, owner="bench", lease=timedelta(minutes=5), limit=1)
        stored = store_poll(engine, feed, PollResult(status=PollStatus.ok, next_poll_at=now), records, now)
        assert len(stored.new_ids) == len(records)
        log = make_logger(open("/dev/null", "w"), json=True, level="warning")  # noqa: SIM115
        rules_in_force = Rules(config, engine, log, make_owner(), lambda: now)
        rules_in_force.reload("bench")
        current = rules_in_force.current()
        assert current is not None

        started = time.perf_counter()
        for record in records:
            current.matcher.match(record.title, record.summary)
        match_seconds = time.perf_counter() - started

        ledger = Recorder(engine, config, rules_in_force.current, lambda: now, log)
        started = time.perf_counter()
        run = ledger.backlog()
        ledger_seconds = time.perf_counter() - started
        engine.dispose()

    print(f"items: {args.items} ({run.evidence} pieces of evidence recorded, {run.alerts} alerts queued)")
    print(f"matching alone:        {args.items / match_seconds:8.0f} items/s")
    print(f"matching + ledger:     {args.items / ledger_seconds:8.0f} items/s  "
          f"(ratio {match_seconds / ledger_seconds:.2f} of matching alone)")
    print(f"ledger cost per matched item: {1000 * (ledger_seconds - match_seconds) / max(1, args.items // 3):.2f} ms")


if __name__ == "__main__":
    main()
