"""The claim ledger fed by the real poller: stories, positions and outbox rows, stage by stage."""

from __future__ import annotations

import io
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from monitor.alerts.ledger import Recorder
from monitor.daemon import Rules, make_owner
from monitor.logs import make_logger
from monitor.matching.matcher import Matcher
from monitor.matching.model import Match
from monitor.rulebook.reload import ActiveRules
from storage.ledger import claim_items, pending_items
from storage.models import ALERTS, DELIVERIES, EVIDENCE, ITEMS, POSITIONS
from storage.silences import add_silence
from tests.feedserver import FeedServer
from tests.newsroom import CLAIM, SCENARIO, WAVERING, Newsroom


def test_seed_story_alerts_once_per_new_stance(tmp_path: Path, database_url: str, engine: Engine,
                                               feed_server: FeedServer) -> None:
    """The seed story stage by stage: the assertion, the US denial and China's rebuttal each alert once;
    retitled copies, the embassy's non-comment and a rerun alert nothing."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"]:
        newsroom.publish(stage["items"])
        created = newsroom.poll()
        assert [(kind, holder) for kind, holder, _ in created] == [tuple(a) for a in stage["alerts"]], stage["name"]
        assert all(state == "pending" for _, _, state in created)
    with engine.connect() as connection:
        positions = dict(connection.execute(select(POSITIONS.c.holder, POSITIONS.c.stance)
                                            .where(POSITIONS.c.claim_id == CLAIM)).all())
        copies = connection.execute(select(func.count()).select_from(EVIDENCE)
                                    .where(EVIDENCE.c.decision == "copy")).scalar_one()
        deliveries = connection.execute(select(DELIVERIES.c.channel, DELIVERIES.c.state)).all()
    assert positions["uk-government"] == "corroborates"
    assert positions["us-government"] == "denies"
    assert positions["china"] == "denies"
    assert copies >= 3
    assert deliveries == [("hook", "pending")] * 3


def test_old_news_enters_the_ledger_without_alerting(tmp_path: Path, database_url: str, engine: Engine,
                                                     feed_server: FeedServer) -> None:
    """An item already five days old when first seen updates the picture but sends nothing; a fresh one
    from another holder still alerts."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    newsroom.publish(SCENARIO["stages"][0]["items"], age=timedelta(days=5))
    assert newsroom.poll() == []
    with engine.connect() as connection:
        decisions = set(connection.execute(select(EVIDENCE.c.decision)).scalars())
        held = connection.execute(select(POSITIONS.c.stance).where(POSITIONS.c.holder == "uk-government")).scalar()
    assert "too_old" in decisions and held == "corroborates"
    newsroom.publish(SCENARIO["stages"][1]["items"])
    assert [(kind, holder) for kind, holder, _ in newsroom.poll()] == [("first_denial", "us-government")]


def test_silenced_alert_is_recorded_not_queued(tmp_path: Path, database_url: str, engine: Engine,
                                               feed_server: FeedServer) -> None:
    """Under a silence for the claim the alert is stored as silenced, with no delivery."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    add_silence(engine, claim_id=CLAIM, speaker=None, reason="briefing the minister", now=newsroom.clock(),
                ends_at=newsroom.clock() + timedelta(hours=6))
    newsroom.publish(SCENARIO["stages"][0]["items"])
    assert newsroom.poll() == [("first_corroboration", "uk-government", "silenced")]
    assert newsroom.count(DELIVERIES) == 0


def test_items_left_unrecorded_are_recorded_by_the_backlog(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """Items stored by a process that died before its ledger stage wait in the database; the backlog pass
    of the next daemon records them, and a second pass finds nothing left."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    newsroom.publish(SCENARIO["stages"][0]["items"])
    newsroom.store_only()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ITEMS)
                                  .where(ITEMS.c.ledger_at.is_(None))).scalar_one() == 1
    ledger = newsroom.ledger()
    assert ledger.backlog().alerts == 1
    assert ledger.backlog().items == 0
    assert [kind for kind, _, _ in newsroom.alerts()] == ["first_corroboration"]


def test_concurrent_ledgers_record_each_item_once(tmp_path: Path, database_url: str, engine: Engine,
                                                  feed_server: FeedServer) -> None:
    """Four ledgers (as four daemons would) racing over the same waiting items record each one once and
    decide one first corroboration and one first denial, not four of each."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    for stage in SCENARIO["stages"][:3]:
        newsroom.publish(stage["items"])
    newsroom.store_only()
    ledgers = [newsroom.ledger() for _ in range(4)]
    start = threading.Barrier(len(ledgers))

    def race(ledger: Recorder) -> None:
        start.wait()
        ledger.backlog()

    threads = [threading.Thread(target=race, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with engine.connect() as connection:
        per_item = connection.execute(select(EVIDENCE.c.item_id, EVIDENCE.c.speaker, func.count())
                                      .group_by(EVIDENCE.c.item_id, EVIDENCE.c.speaker)).all()
        pending = connection.execute(select(func.count()).select_from(ITEMS)
                                     .where(ITEMS.c.ledger_at.is_(None))).scalar_one()
    assert per_item and all(n == 1 for _, _, n in per_item) and pending == 0
    kinds = sorted(kind for kind, _, _ in newsroom.alerts())
    assert kinds == ["first_corroboration", "first_denial"]


def test_a_revision_read_before_it_changed_is_not_marked_recorded(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """An item read at revision 1 cannot mark revision 2 as recorded: the new text waits and is matched
    on its own (here it brings the claim's first corroboration)."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    story = dict(SCENARIO["stages"][0]["items"][0])
    newsroom.publish([{**story, "title": "Defence conference opens in London",
                       "description": "Delegates from forty countries arrived on Wednesday."}])
    newsroom.store_only()
    [stale] = pending_items(engine)
    newsroom.published["wire"].clear()
    newsroom.publish([story])
    newsroom.store_only()
    with engine.begin() as connection:
        assert claim_items(connection, [stale], newsroom.clock()) == 0
    assert newsroom.ledger().backlog().alerts == 1
    assert [kind for kind, _, _ in newsroom.alerts()] == ["first_corroboration"]


class _Failing:
    """The real matcher, except that it fails on items titled 'poison' (a narrow fake of Matcher.match)."""

    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher

    def match(self, title: str, text: str = "", language: str | None = None) -> list[Match]:
        if title == "poison":
            raise ValueError("the matcher cannot read this item")
        return self._matcher.match(title, text, language)


def test_an_item_the_matcher_fails_on_does_not_block_the_others(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """The failing item is logged and recorded without evidence; the items behind it are recorded and alert,
    and nothing is left waiting."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    poison = {"feed": "wire", "guid": "poison", "title": "poison", "description": "x"}
    newsroom.publish([poison, *SCENARIO["stages"][0]["items"]])
    newsroom.store_only()
    keeper = Rules(newsroom.config, engine, make_logger(io.StringIO()), make_owner(), newsroom.clock)
    keeper.reload("test")
    rules = keeper.current()
    assert rules is not None
    failing = ActiveRules(rules.book, _Failing(rules.matcher), rules.loaded_at)  # type: ignore[arg-type]
    logs = io.StringIO()
    ledger = Recorder(engine, newsroom.config, lambda: failing, newsroom.clock, make_logger(logs, json=True))
    assert ledger.backlog().alerts == 1
    assert '"event": "ledger.match_failed"' in logs.getvalue()
    assert pending_items(engine) == []


def _uk_position(engine: Engine) -> tuple[str, int, int]:
    with engine.connect() as connection:
        row = connection.execute(select(POSITIONS.c.stance, POSITIONS.c.last_evidence_id, POSITIONS.c.evidence_count)
                                 .where(POSITIONS.c.claim_id == CLAIM, POSITIONS.c.holder == "uk-government")).one()
    return row[0], row[1], row[2]


def _evidence(engine: Engine, item: dict[str, str]) -> tuple[int, str, str | None, dict[str, object]]:
    with engine.connect() as connection:
        row = connection.execute(
            select(EVIDENCE.c.id, EVIDENCE.c.decision, EVIDENCE.c.alert_id, EVIDENCE.c.explanation)
            .join(ITEMS, ITEMS.c.id == EVIDENCE.c.item_id).where(ITEMS.c.title == item["title"])).one()
    return row[0], row[1], row[2], row[3]


def test_only_a_clear_speaker_reverses_a_holder(tmp_path: Path, database_url: str, engine: Engine,
                                               feed_server: FeedServer) -> None:
    """A UK corroboration, then a denial without a clear speaker (needs review: no alert, the UK's position
    kept), then a clear UK denial, which alerts as the reversal."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    ledger = newsroom.scripted_ledger({item["title"]: [match] for item, match in WAVERING})
    (asserts, _), (contrast, _), (denies, _) = WAVERING

    newsroom.publish([asserts])
    newsroom.store_only()
    assert ledger.backlog().alerts == 1
    first_id, _, _, explanation = _evidence(engine, asserts)
    assert explanation["clear_speaker"] is True
    assert _uk_position(engine) == ("corroborates", first_id, 1)

    newsroom.publish([contrast])
    newsroom.store_only()
    assert ledger.backlog().alerts == 0
    _, decision, alert_id, explanation = _evidence(engine, contrast)
    assert (decision, alert_id, explanation["clear_speaker"]) == ("needs_review", None, False)
    assert _uk_position(engine) == ("corroborates", first_id, 1)
    assert newsroom.alerts() == [("first_corroboration", "uk-government", "pending")]

    newsroom.publish([denies])
    newsroom.store_only()
    assert ledger.backlog().alerts == 1
    reversal_id, decision, alert_id, _ = _evidence(engine, denies)
    assert decision == "reversal" and alert_id is not None
    assert _uk_position(engine) == ("denies", reversal_id, 2)
    assert newsroom.alerts()[-1] == ("reversal", "uk-government", "pending")
    with engine.connect() as connection:
        detail = connection.execute(select(ALERTS.c.detail).where(ALERTS.c.id == alert_id)).scalar_one()
    assert detail["previous_stance"] == "corroborates"


def test_a_clear_speaker_speaks_for_its_holder_before_a_stronger_unclear_one(
        tmp_path: Path, database_url: str, engine: Engine, feed_server: FeedServer) -> None:
    """When one item has two speakers for the UK, the clear one decides for it even if weaker: the unclear
    match cannot hold back the clear reversal in the same item."""
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    (asserts, corroboration), (_, unclear), (denies, clear) = WAVERING
    ledger = newsroom.scripted_ledger({asserts["title"]: [corroboration],
                                       denies["title"]: [replace(unclear, score=0.95), replace(clear, score=0.6)]})
    for item in (asserts, denies):
        newsroom.publish([item])
        newsroom.store_only()
        ledger.backlog()
    with engine.connect() as connection:
        decided = dict(connection.execute(select(EVIDENCE.c.speaker, EVIDENCE.c.decision)
                                          .join(ITEMS, ITEMS.c.id == EVIDENCE.c.item_id)
                                          .where(ITEMS.c.title == denies["title"])).all())
    assert decided == {"uk-prime-minister": "reversal", "uk-defence-secretary": "same_item"}
    assert [kind for kind, _, _ in newsroom.alerts()] == ["first_corroboration", "reversal"]
