"""A newsroom for ledger and alert tests: loopback feeds publishing the seed scenario stage by stage."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from monitor.alerts.ledger import Recorder
from monitor.config import AlertSettings, ChannelSettings, Config
from monitor.daemon import Rules, make_owner, poller_for
from monitor.logs import make_logger
from monitor.matching.model import Explanation, Match, Stance
from monitor.rulebook.reload import ActiveRules
from storage.models import ALERTS
from tests.feedserver import FeedServer, Reply
from tests.helpers import EXAMPLE_RULES, FakeClock, fast_polling, ingest_stack, rss

ROOT = Path(__file__).parent.parent
SCENARIO = json.loads((ROOT / "tests" / "fixtures" / "seed-scenario.json").read_text())
CLAIM = "china-lethal-aid-russia"
FEEDS = ("wire", "usdesk", "herald", "daily", "asia")


def seed_rules(rules: Path, feeds: dict[str, str]) -> Path:
    """A rules folder with the shipped actors, the seed claim and `feeds` (name -> URL)."""
    (rules / "claims").mkdir(parents=True)
    shutil.copy(EXAMPLE_RULES / "actors.yaml", rules / "actors.yaml")
    shutil.copy(EXAMPLE_RULES / "claims" / f"{CLAIM}.yaml", rules / "claims" / f"{CLAIM}.yaml")
    (rules / "feeds.yaml").write_text("feeds:\n" + "".join(f"  - name: {name}\n    url: {url}\n"
                                                            for name, url in feeds.items()))
    return rules


def said(stance: Stance, speaker: str, holder: str, *, clear: bool) -> Match:
    """A match of the seed claim made by hand: `speaker` (speaking for `holder`) takes `stance`, named in
    its own clause or not (`clear`)."""
    return Match(CLAIM, stance, 0.9, speaker, holder, None, Explanation(CLAIM, True, f"{speaker} {stance}"),
                 clear_speaker=clear)


class Scripted:
    """A narrow stand-in for Matcher.match: the matches scripted for an item's title, else none."""

    def __init__(self, script: Mapping[str, Sequence[Match]]) -> None:
        self._script = script

    def match(self, title: str, text: str = "", language: str | None = None) -> list[Match]:
        return list(self._script.get(title, ()))


# The UK corroborates the claim; a later denial is pinned on it only through a contrast clause; then the UK
# denies it plainly. Each item with its scripted match.
WAVERING: list[tuple[dict[str, str], Match]] = [
    ({"feed": "wire", "guid": "uk-asserts", "link": "https://wire.example/world/uk-lethal-aid",
      "title": "UK says China is supplying lethal aid to Russia",
      "description": "China is supplying lethal aid to Russia for use in Ukraine, Defence Secretary Grant Shapps "
                     "said on Wednesday."},
     said("corroborates", "uk-defence-secretary", "uk-government", clear=True)),
    ({"feed": "herald", "guid": "contrast", "link": "https://herald.example/news/aid-row",
      "title": "Allies split over Chinese aid to Moscow",
      "description": "Shapps spoke of lethal aid on Wednesday, but there is no evidence China is arming Russia, "
                     "officials said."},
     said("denies", "uk-defence-secretary", "uk-government", clear=False)),
    ({"feed": "daily", "guid": "uk-denies", "link": "https://daily.example/uk-withdraws-aid-claim",
      "title": "Downing Street: no evidence Beijing is arming Moscow",
      "description": "The Prime Minister said on Friday that Britain has no evidence of Chinese weapons reaching "
                     "Russia, withdrawing the Defence Secretary's claim."},
     said("denies", "uk-prime-minister", "uk-government", clear=True)),
]


class Newsroom:
    """Five loopback feeds publishing the seed scenario's items, a rules folder with the shipped actors and
    the seed claim, and real poller runs on a FakeClock."""

    def __init__(self, tmp_path: Path, database_url: str, engine: Engine, server: FeedServer,
                 **alerts: Any) -> None:
        rules = seed_rules(tmp_path / "rules", {name: server.url(f"/{name}.xml") for name in FEEDS})
        self.config = Config(state_dir=tmp_path / "state", rules_dir=rules, database_url=database_url,
                             polling=fast_polling(), alerts=AlertSettings(**alerts),
                             channels=[ChannelSettings(name="hook", url="json://127.0.0.1:9/", tags=["default"])])
        self.engine = engine
        self.server = server
        self.clock = FakeClock()
        self.published: dict[str, list[dict[str, str]]] = {name: [] for name in FEEDS}
        for name in FEEDS:
            self._serve(name)

    def _serve(self, name: str) -> None:
        self.server.add(f"/{name}.xml", Reply(body=rss(self.published[name], title=name)))

    def publish(self, items: list[dict[str, str]], *, age: timedelta | None = timedelta(minutes=10)) -> None:
        """Add items to their feeds, published `age` before the clock's now (undated when `age` is None)."""
        for item in items:
            fields = {k: v for k, v in item.items() if k != "feed"}
            if age is not None:
                fields["pubDate"] = format_datetime(self.clock() - age)
            self.published[item["feed"]].append(fields)
            self._serve(item["feed"])

    def poll(self) -> list[tuple[str, str, str]]:
        """Advance 20 minutes, poll every feed, and return the alerts this poll created (kind, holder, state)."""
        self.clock.advance(20 * 60)
        before = self.alerts()
        with ingest_stack(self.config, self.engine, self.clock) as poller:
            poller.run_once()
        return self.alerts()[len(before):]

    def store_only(self) -> None:
        """Advance 20 minutes and poll every feed with no ledger stage, as a process killed right after
        storing its items would leave them."""
        self.clock.advance(20 * 60)
        log = make_logger(json=True, level="error")
        rules = Rules(self.config, self.engine, log, make_owner(), self.clock)
        rules.reload("test")
        with poller_for(self.config, self.engine, log, self.clock, ledger=None) as poller:
            poller.run_once()

    def ledger(self) -> Recorder:
        """A ledger on the rules folder, as a (re)started daemon builds it."""
        log = make_logger(json=True, level="error")
        rules = Rules(self.config, self.engine, log, make_owner(), self.clock)
        rules.reload("test")
        return Recorder(self.engine, self.config, rules.current, self.clock, log)

    def scripted_ledger(self, script: Mapping[str, Sequence[Match]]) -> Recorder:
        """A ledger on the rules folder whose matcher returns the matches scripted for each title."""
        log = make_logger(json=True, level="error")
        rules = Rules(self.config, self.engine, log, make_owner(), self.clock)
        rules.reload("test")
        active = rules.current()
        assert active is not None
        scripted = ActiveRules(active.book, Scripted(script), active.loaded_at)  # type: ignore[arg-type]
        return Recorder(self.engine, self.config, lambda: scripted, self.clock, log)

    def alerts(self) -> list[tuple[str, str, str]]:
        """Every alert row in creation order."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(ALERTS.c.kind, ALERTS.c.holder, ALERTS.c.state)
                                      .order_by(ALERTS.c.created_at, ALERTS.c.id)).all()
        return [tuple(row) for row in rows]

    def count(self, table: Any) -> int:
        """Rows in a table."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


COPY = "china-lethal-aid-russia-copy"


def add_copy(rules: Path, claim: str = CLAIM, copy: str = COPY) -> None:
    """A second claim file, the same claim under another id (as an analyst trying an edit would make)."""
    text = (rules / "claims" / f"{claim}.yaml").read_text(encoding="utf-8")
    assert f"id: {claim}\n" in text
    (rules / "claims" / f"{copy}.yaml").write_text(text.replace(f"id: {claim}\n", f"id: {copy}\n"), encoding="utf-8")


# Ukraine's military intelligence on Chinese rifle scopes: no keyphrase of the shipped claim names them.
SCOPES = {"feed": "wire", "guid": "hur-scopes", "link": "https://wire.example/world/hur-rifle-scopes",
          "title": "Ukraine's military intelligence: Chinese rifle scopes reach Russian troops",
          "description": "China is supplying rifle scopes to Russia for its troops in Ukraine, Ukraine's military "
                         "intelligence chief Kyrylo Budanov said on Thursday, citing captured equipment."}


def edited_rules(rules: Path, target: Path, keyphrase: str) -> Path:
    """A copy of the rules folder whose seed claim also names `keyphrase`."""
    shutil.copytree(rules, target)
    claim = target / "claims" / f"{CLAIM}.yaml"
    text = claim.read_text(encoding="utf-8")
    assert "military equipment]" in text
    claim.write_text(text.replace("military equipment]", f"military equipment, {keyphrase}]"), encoding="utf-8")
    return target
