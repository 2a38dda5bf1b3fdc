"""The analyst's workspace end to end: the real daemon and CLI as subprocesses, loopback feeds, a loopback
webhook. A claim added to a running daemon is backfilled with one summary; a daemon killed in the middle of a
backfill is resumed by the next; a replay lists the alert an edit would add; a dismissal takes a holder out
of the picture and keeps a revised item from alerting again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.backfills import BackfillState, list_backfills
from storage.claims import claim_positions
from storage.engine import make_engine
from storage.models import ALERTS, EVIDENCE
from tests.feedserver import FeedServer, Reply
from tests.helpers import rss
from tests.newsroom import CLAIM, COPY, FEEDS, SCENARIO, SCOPES, add_copy, edited_rules, seed_rules
from tests.oncerun import CLAIMWATCH, claimwatch, cli_json, run_once
from tests.receivers import HttpReceiver

WAIT = 120.0


@pytest.fixture
def hook() -> Iterator[HttpReceiver]:
    """A webhook receiver on loopback."""
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


class Desk:
    """Five loopback feeds, a rules folder with the shipped actors and the seed claim, a config on a SQLite
    file, and the database read directly for the test's waits."""

    def __init__(self, tmp_path: Path, server: FeedServer, hook: HttpReceiver, *, interval: int = 1,
                 batch: int = 500) -> None:
        self.server = server
        self.published: dict[str, list[dict[str, str]]] = {name: [] for name in FEEDS}
        for name in FEEDS:
            self.serve(name)
        self.rules = seed_rules(tmp_path / "rules", {name: server.url(f"/{name}.xml") for name in FEEDS})
        self.url = f"sqlite:///{tmp_path / 'cw.db'}"
        self.config = tmp_path / "claimwatch.toml"
        self.config.write_text(
            f'rules_dir = "{self.rules}"\ndatabase_url = "{self.url}"\n'
            f"[alerts]\ngrouping_seconds = 0\nbackfill_batch = {batch}\n"
            f"[polling]\ndefault_interval_seconds = {interval}\nmin_interval_seconds = 1\nparser_processes = 1\n"
            "read_timeout_seconds = 5\nfetch_deadline_seconds = 20\nallowed_networks = [\"127.0.0.0/8\"]\n"
            f'[[channels]]\nname = "webhook"\nurl = "{hook.json_url()}"\ntags = ["default", "analysts"]\n')
        self.engine: Engine = make_engine(self.url)

    def serve(self, name: str) -> None:
        """Serve the feed as published so far."""
        self.server.add(f"/{name}.xml", Reply(body=rss(self.published[name], title=name)))

    def publish(self, *items: dict[str, str]) -> None:
        """Add items to their feeds, published ten minutes ago."""
        for item in items:
            fields = {k: v for k, v in item.items() if k != "feed"}
            fields["pubDate"] = format_datetime(datetime.now(UTC) - timedelta(minutes=10))
            self.published[item["feed"]].append(fields)
        for name in {item["feed"] for item in items}:
            self.serve(name)

    def count(self, query: object) -> int:
        """The value of a count query."""
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())  # type: ignore[call-overload]

    def picture(self, claim: str) -> dict[str, str]:
        """The claim's holders and stances, read from the database."""
        return {p.holder: p.stance for p in claim_positions(self.engine, claim)}

    @contextmanager
    def daemon(self) -> Iterator[subprocess.Popen[bytes]]:
        """`claimwatch run` as a subprocess, stopped with SIGTERM on exit (if still running)."""
        process = subprocess.Popen([*CLAIMWATCH, "run", "--config", str(self.config)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env={**os.environ, "CLAIMWATCH_CONFIG": ""})
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(60)
            self.engine.dispose()


def wait_for(what: str, ready: Callable[[], bool]) -> None:
    """Poll until `ready()` holds; fail after WAIT seconds saying what never happened."""
    deadline = time.monotonic() + WAIT
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _every_stage() -> list[dict[str, str]]:
    return [item for stage in SCENARIO["stages"] for item in stage["items"]]


def _summaries(hook: HttpReceiver) -> list[str]:
    return [post.json()["title"] for post in hook.posted if "Backfilled" in post.json()["title"]]


def test_a_claim_added_to_a_running_daemon_gets_its_picture_and_one_summary(
        tmp_path: Path, feed_server: FeedServer, hook: HttpReceiver) -> None:
    """The seed story is recorded for the claim; a copy of the claim dropped into the rules folder while the
    daemon runs gets the same picture from the stored items, and its channels one summary message and no
    alert per item."""
    desk = Desk(tmp_path, feed_server, hook)
    desk.publish(*_every_stage())
    with desk.daemon():
        wait_for("the seed story's three alerts", lambda: len(hook.posted) >= 3)
        add_copy(desk.rules)
        wait_for("the backfill summary", lambda: bool(_summaries(hook)))
        wait_for("the backfill to end", lambda: all(b.state == BackfillState.done
                                                    for b in list_backfills(desk.engine)))
        assert desk.picture(COPY) == desk.picture(CLAIM) == {
            "uk-government": "corroborates", "us-government": "denies", "china": "denies"}
        [summary] = _summaries(hook)
        assert "UK government" in summary and "China" in summary
        assert desk.count(select(func.count()).select_from(ALERTS).where(ALERTS.c.claim_id == COPY)) == 1
        status = cli_json(desk.config, "status")
        assert status["backfills"] == []


def test_a_daemon_killed_midway_through_a_backfill_is_resumed_by_the_next(
        tmp_path: Path, feed_server: FeedServer, hook: HttpReceiver) -> None:
    """With the seed story among 1,500 other stored items, the daemon is killed while it backfills a new
    claim one item per transaction; the restarted daemon resumes at the cursor, records each item once, and
    ends with the original claim's picture and one summary."""
    desk = Desk(tmp_path, feed_server, hook, interval=3600, batch=1)
    filler = [{"feed": "daily", "guid": f"market-{n}", "link": f"https://daily.example/markets/{n}",
               "title": f"Markets update {n}: shares edge higher in quiet trading",
               "description": f"Stock indexes closed slightly higher on day {n} as investors weighed earnings "
                              "reports and central bank comments; trading volumes were light."} for n in range(1500)]
    desk.publish(*filler, *_every_stage())
    with desk.daemon() as first:
        wait_for("the seed story's three alerts", lambda: len(hook.posted) >= 3)
        add_copy(desk.rules)

        def midway() -> bool:
            running = [b for b in list_backfills(desk.engine) if b.claim_id == COPY]
            return bool(running) and running[0].items_done >= 20

        wait_for("the backfill to get going", midway)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    [stopped] = [b for b in list_backfills(desk.engine) if b.claim_id == COPY]
    assert stopped.state == BackfillState.running and stopped.items_done < stopped.items_total
    with desk.daemon():
        wait_for("the backfill to end", lambda: [b.state for b in list_backfills(desk.engine)
                                                 if b.claim_id == COPY] == [BackfillState.done])
        wait_for("the backfill summary", lambda: bool(_summaries(hook)))
    [done] = [b for b in list_backfills(desk.engine) if b.claim_id == COPY]
    assert done.items_done == done.items_total
    with desk.engine.connect() as connection:
        rows = connection.execute(select(EVIDENCE.c.item_id, EVIDENCE.c.speaker)
                                  .where(EVIDENCE.c.claim_id == COPY)).all()
        original = connection.execute(select(func.count()).select_from(EVIDENCE)
                                      .where(EVIDENCE.c.claim_id == CLAIM)).scalar_one()
    desk.engine.dispose()
    assert len(rows) == len(set(rows)) == original
    assert desk.picture(COPY) == desk.picture(CLAIM)
    assert len(_summaries(hook)) == 1


def test_a_replay_of_an_edited_claim_lists_the_alert_the_edit_would_add(
        tmp_path: Path, feed_server: FeedServer, hook: HttpReceiver) -> None:
    """After the daemon has recorded the seed story and an item on Chinese rifle scopes, replaying the rules
    as they run finds nothing; replaying a copy whose claim names rifle scopes lists one new alert (Ukraine
    corroborating, with the item and why) and, with --fail-on-change, exits 1."""
    desk = Desk(tmp_path, feed_server, hook)
    desk.publish(*_every_stage(), SCOPES)
    run_once(desk.config)
    same = claimwatch(desk.config, "rules", "replay", "--since", "1d", "--fail-on-change")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "0 new alerts, 0 alerts not sent, 0 stance or speaker changes" in same.stdout
    edited = edited_rules(desk.rules, tmp_path / "edited", "rifle scopes")
    replayed = claimwatch(desk.config, "rules", "replay", str(edited), "--since", "1d", "--json", "--fail-on-change")
    assert replayed.returncode == 1, replayed.stderr
    report = json.loads(replayed.stdout)
    [change] = report["changes"]
    assert (change["change"], change["claim_id"], change["holder"]) == ("new_alert", CLAIM, "ukraine")
    assert change["title"] == SCOPES["title"] and change["url"] == SCOPES["link"]
    assert change["replayed"]["stance"] == "corroborates" and "Budanov" in change["explanation"]
    text = claimwatch(desk.config, "rules", "replay", str(edited), "--since", "1d")
    assert text.returncode == 0 and "+ would alert  ukraine" in text.stdout
    assert desk.count(select(func.count()).select_from(ALERTS)) == 3


def test_a_dismissal_takes_the_holder_out_and_stops_a_repeat_alert(
        tmp_path: Path, feed_server: FeedServer, hook: HttpReceiver) -> None:
    """The UK's first corroboration alerts once; dismissed, the UK leaves the claim's picture, and when the
    feed revises the same item the daemon records it as dismissed and sends nothing."""
    desk = Desk(tmp_path, feed_server, hook)
    story = SCENARIO["stages"][0]["items"][0]
    desk.publish(story)
    run_once(desk.config)
    assert [post.json()["title"].split(":")[0] for post in hook.posted] == ["First corroboration"]
    before = cli_json(desk.config, "evidence", "list", "--claim", CLAIM)
    [uk] = [e for e in before if e["holder"] == "uk-government" and e["alert_id"]]
    dismissed = claimwatch(desk.config, "evidence", "dismiss", str(uk["id"]), "--reason", "wrong claim", "--by",
                           "night-desk")
    assert dismissed.returncode == 0, dismissed.stderr
    assert "uk-government" not in {p["holder"] for p in cli_json(desk.config, "claims", "show", CLAIM)["picture"]}
    desk.published["wire"].clear()
    desk.publish({**story, "description": story["description"] + " The ministry later repeated the remarks."})
    time.sleep(1.1)  # the feed is due again (interval 1 s)
    run_once(desk.config)
    assert len(hook.posted) == 1
    listed = cli_json(desk.config, "evidence", "list", "--claim", CLAIM)
    revised = listed[len(before):]
    assert revised and {e["decision"] for e in revised} == {"dismissed"}
    [kept] = [e for e in listed if e["id"] == uk["id"]]
    assert kept["correction"]["by"] == "night-desk" and kept["alert_id"] == uk["alert_id"]
