"""Backfill and replay benchmark: one new claim backfilled over a million stored items, and the shipped rules
replayed over the newest 100,000, each next to bare matching of the same items in the same run.

    .venv/bin/python -m bench.backfill                          # 1,000,000 items, SQLite
    .venv/bin/python -m bench.backfill --items 100000           # quick run
    .venv/bin/python -m bench.backfill --database-url postgresql+psycopg://...   # scratch PostgreSQL database

Items are generated and inserted in bulk (batched Core inserts) as the ledger leaves them: recorded, spread
over the last 60 days, in 20 feeds; each is a headline and 400-700 characters of news-like text, and one in
a thousand retells the seed claim (an assertion or a denial by a named speaker). The backfilled claim is a
copy of the seed claim under a new id, run by `Backfiller` exactly as the daemon runs it (batches of
`alerts.backfill_batch`, cursor and lease per batch, evidence through the ledger's writer, the picture rebuilt
at the end); its baseline is `Matcher.match` of that one claim over a sample of the same items. The replay
runs the shipped rules through `rules_replay.replay`; its baseline is the whole rule book's `Matcher.match`.
Peak RSS is `ru_maxrss`; "RSS during" samples the resident set every 100 batches. It prints its figures and
never fails.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from bench.harness import database
from bench.ledger import ASSERTIONS, DENIALS
from monitor.alerts.backfill import Backfiller, begin
from monitor.alerts.rules_replay import replay
from monitor.config import ChannelSettings, Config
from monitor.logs import make_logger
from monitor.matching.matcher import Matcher
from monitor.rulebook.loader import RuleBook, load_rulebook
from storage.backfills import lease_backfill
from storage.engine import make_engine, upgrade
from storage.feeds import CatalogEntry, sync_catalog

ROOT = Path(__file__).parent.parent
CLAIM = "china-lethal-aid-russia"
COPY = "bench-backfilled-claim"
FEEDS = 20
CHUNK = 20_000
SAMPLE = 20_000
WORDS = tuple("""government officials said on tuesday the ministry spokesman reported new talks would continue after
the meeting in the capital where leaders discussed trade energy security and the economy while analysts expected
further sanctions markets fell sharply investors worried about inflation the central bank kept rates unchanged the
army moved troops near the border according to local media the agency confirmed that negotiations resumed late on
friday a senior diplomat told reporters that the delegation arrived in the region for consultations on regional
stability humanitarian access and reconstruction funding farmers harvest rain storm football club season shares
chipmaker revenue election campaign parliament budget hospital school court ruling""".split())  # noqa: SIM905


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def item_text(n: int, rng: random.Random) -> tuple[str, str]:
    """The n-th item's headline and text; one in a thousand retells the claim."""
    body = " ".join(rng.choices(WORDS, k=rng.randint(70, 110)))
    if n % 1000 == 500:
        claim = rng.choice(ASSERTIONS + DENIALS)
        return f"Report {n}: lethal aid row", f"{claim} {body}"
    return " ".join(rng.choices(WORDS, k=9)).capitalize(), body.capitalize() + "."


def generate(engine: Engine, count: int, now: datetime) -> tuple[float, float, list[tuple[str, str]], datetime]:
    """Insert `count` recorded items in bulk (the driver's executemany, one transaction per 20,000); returns
    the wall and CPU seconds it took, a sample of (title, text), and when the newest 100,000 begin."""
    sync_catalog(engine, [CatalogEntry(f"feed-{n}", f"http://127.0.0.1:9/{n}") for n in range(FEEDS)], now)
    rng = random.Random(11)
    start = now - timedelta(days=60)
    step = timedelta(days=60) / count
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    columns = ("feed_id", "key", "url", "title", "summary", "content", "published_at", "content_hash", "revision",
               "first_seen_at", "ledger_at")
    statement = f"INSERT INTO items ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    sample: list[tuple[str, str]] = []
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(0, count, CHUNK):
        rows = []
        for n in range(first, min(first + CHUNK, count)):
            title, text = item_text(n, rng)
            when = start + n * step
            seen: object = when.replace(tzinfo=None).isoformat(" ") if sqlite else when
            rows.append((1 + n % FEEDS, f"k{n}", f"https://site{n % 13}.example/{n}", title, text, "", seen,
                         f"h{n}", 1, seen, seen))
            if len(sample) < SAMPLE and n % max(1, count // SAMPLE) == 0 and n % 1000 != 500:  # not the claim's
                sample.append((title, text))
        with engine.begin() as connection:
            connection.exec_driver_sql(statement, rows)
    return (time.perf_counter() - started, time.process_time() - cpu, sample,
            start + max(count - 100_000, 0) * step)


def bare_rate(matcher: Matcher, sample: list[tuple[str, str]]) -> float:
    """Items per CPU second of `matcher.match` alone over the sample."""
    started = time.process_time()
    for title, text in sample:
        matcher.match(title, text)
    return len(sample) / (time.process_time() - started)


def rules_folder(root: Path) -> Path:
    """The shipped rules plus a copy of the seed claim under a new id (the claim to backfill)."""
    rules = root / "rules"
    shutil.copytree(ROOT / "rules", rules)
    text = (rules / "claims" / f"{CLAIM}.yaml").read_text(encoding="utf-8")
    (rules / "claims" / f"{COPY}.yaml").write_text(text.replace(f"id: {CLAIM}\n", f"id: {COPY}\n"), encoding="utf-8")
    return rules


def run_backfill(engine: Engine, config: Config, book: RuleBook,
                 now: datetime) -> tuple[float, float, int, int, list[float]]:
    """Backfill the copied claim; returns wall and CPU seconds, items, evidence and RSS samples (MiB)."""
    spec = book.claim(COPY)
    assert spec is not None
    with engine.begin() as connection:
        backfill_id = begin(connection, spec, config, "added", since=now - timedelta(days=90), now=now)
    leased = lease_backfill(engine, "bench:1:a", now, timedelta(minutes=10), backfill_id)
    assert leased is not None
    samples = [_rss_mib()]
    batches = [0]

    def sample(_n: int) -> None:
        batches[0] += 1
        if batches[0] % 100 == 0:
            samples.append(_rss_mib())

    log = make_logger(open("/dev/null", "w"), json=True, level="warning")  # noqa: SIM115
    backfiller = Backfiller(engine, config, lambda: book, lambda: datetime.now(UTC), log, owner="bench:1:a")
    started, cpu = time.perf_counter(), time.process_time()
    run = backfiller.run(leased, progress=sample)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    samples.append(_rss_mib())
    return seconds, cpu, run.items, run.evidence, samples


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="a PostgreSQL URL: a scratch database is created on it and dropped")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="claimwatch-bench-backfill-") as scratch, \
            database(args.database_url) as given:
        root = Path(scratch)
        url = given or f"sqlite:///{root / 'bench.db'}"
        rules = rules_folder(root)
        config = Config(state_dir=root, rules_dir=rules, database_url=url,
                        channels=[ChannelSettings(name="hook", url="json://127.0.0.1:9/", tags=["default"])])
        engine = make_engine(url)
        upgrade(engine)
        generate_seconds, generate_cpu, sample, replay_since = generate(engine, args.items, now)
        print(f"database    : {engine.url.render_as_string(hide_password=True)}")
        print(f"load        : {os.getloadavg()[0]:.1f} (1-minute load average on {os.cpu_count()} cores)")
        print(f"generated   : {args.items:,} items in {generate_seconds:.1f} s wall, {generate_cpu:.1f} s CPU "
              f"({args.items / generate_cpu:,.0f} items per CPU-s, executemany in transactions of {CHUNK:,})")
        book = load_rulebook(rules)
        shipped = load_rulebook(ROOT / "rules")
        one_claim = bare_rate(Matcher(book.ruleset([COPY])), sample)
        whole_book = bare_rate(Matcher(shipped.ruleset()), sample)
        rss_before = _rss_mib()

        seconds, cpu, items, evidence, samples = run_backfill(engine, config, book, now)
        print(f"backfill    : {items:,} items in {seconds:.1f} s wall, {cpu:.1f} s CPU = {items / cpu:,.0f} items per "
              f"CPU-s (target: 1,000,000 in < 120 s on one core), {evidence:,} pieces of evidence")
        print(f"  baseline  : Matcher.match of the one claim alone {one_claim:,.0f} items per CPU-s; "
              f"backfill / bare = {items / cpu / one_claim:.2f}")
        print(f"  memory    : RSS {rss_before:.0f} MiB before; during {min(samples):.0f}-{max(samples):.0f} MiB "
              f"over {len(samples)} samples; peak RSS {_peak_mib():.0f} MiB")

        started, cpu = time.perf_counter(), time.process_time()
        report = replay(engine, shipped, config.alerts, since=replay_since)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"replay      : shipped rules ({len(report.claims)} claims) over {report.items:,} items in "
              f"{seconds:.1f} s wall, {cpu:.1f} s CPU = {report.items / cpu:,.0f} items per CPU-s, "
              f"{len(report.changes)} changes")
        print(f"  baseline  : Matcher.match of the whole rule book {whole_book:,.0f} items per CPU-s; "
              f"replay / bare = {report.items / cpu / whole_book:.2f}")
        print(f"peak RSS    : {_peak_mib():.0f} MiB")
        engine.dispose()


if __name__ == "__main__":
    main()
