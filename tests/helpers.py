"""Small builders shared by tests: feed documents, configs, rules folders, an ingest stack."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import Engine

from monitor.alerts.ledger import Recorder
from monitor.config import Config, PollingSettings
from monitor.daemon import Rules, make_owner, poller_for
from monitor.logs import make_logger
from monitor.poller import Poller

EXAMPLE_RULES = Path(__file__).parent / "fixtures" / "example-rules"
"""The tests' own copy of the example rules: analysts' edits to rules/ do not change what tests expect."""


def rss(items: list[dict[str, str]], *, title: str = "Test feed", ttl: int | None = None,
        encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 document with the given items (keys: guid, title, link, description, pubDate)."""
    entries = []
    for item in items:
        fields = "".join(f"<{key}>{escape(value)}</{key}>" for key, value in item.items())
        entries.append(f"<item>{fields}</item>")
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel><title>{escape(title)}'
            f"</title><link>http://example.com/</link>{ttl_tag}{''.join(entries)}</channel></rss>"
            ).encode(encoding)


def news_items(count: int, *, prefix: str = "story", start: int = 0) -> list[dict[str, str]]:
    """`count` distinct news items with guids, links and dates."""
    when = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    return [{"guid": f"{prefix}-{n}", "title": f"Headline {prefix} {n}",
             "link": f"http://example.com/{prefix}/{n}?utm_source=rss",
             "description": f"<p>Body of {prefix} {n} with <b>markup</b> &amp; entities.</p>",
             "pubDate": format_datetime(when)} for n in range(start, start + count)]


def write_rules(rules_dir: Path, feeds: list[tuple[str, str]]) -> Path:
    """A rules folder whose feeds.yaml lists (name, url) pairs."""
    rules_dir.mkdir(parents=True, exist_ok=True)
    lines = ["feeds:"] + [f"  - name: {name}\n    url: {url}" for name, url in feeds]
    (rules_dir / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rules_dir


LOOPBACK = ["127.0.0.0/8"]
"""polling.allowed_networks for tests: their feeds are served on loopback, which is refused by default."""


def fast_polling(**overrides: object) -> PollingSettings:
    """Polling settings with test-sized timeouts, loopback feeds allowed."""
    values: dict[str, object] = {"connect_timeout_seconds": 2, "read_timeout_seconds": 1,
                                 "fetch_deadline_seconds": 3, "parse_timeout_seconds": 10, "workers": 4,
                                 "per_host": 4, "parser_processes": 1, "allowed_networks": LOOPBACK}
    values.update(overrides)
    return PollingSettings.model_validate(values)


def make_config(tmp_path: Path, database_url: str, feeds: list[tuple[str, str]],
                **polling: object) -> Config:
    """A Config on `database_url` with a rules folder listing `feeds`."""
    rules = write_rules(tmp_path / "rules", feeds)
    return Config(state_dir=tmp_path / "state", rules_dir=rules, database_url=database_url,
                  polling=fast_polling(**polling))


@contextmanager
def ingest_stack(config: Config, engine: Engine, clock: FakeClock | None = None) -> Iterator[Poller]:
    """The catalog loaded and a real Poller (fetcher, parser processes) ready to run."""
    log = make_logger(json=True, level="error")
    clock = clock or FakeClock()
    owner = make_owner()
    rules = Rules(config, engine, log, owner, clock)
    rules.reload("test")
    with poller_for(config, engine, log, clock, owner=owner,
                    ledger=Recorder(engine, config, rules.current, clock, log)) as poller:
        yield poller


class FakeClock:
    """A settable clock for the scheduling code (HTTP timeouts still use real time)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


def seeded_rng() -> random.Random:
    """A deterministic random source for jitter."""
    return random.Random(7)
