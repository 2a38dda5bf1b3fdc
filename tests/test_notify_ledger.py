"""The seed story from feeds to a webhook: the ledger's alerts delivered with the claim's picture and sources."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import Engine

from monitor.alerts.notify import Notifier
from monitor.logs import make_logger
from monitor.rulebook.loader import load_rulebook
from storage.alert_views import list_alerts
from tests.feedserver import FeedServer
from tests.helpers import seeded_rng
from tests.newsroom import CLAIM, SCENARIO, Newsroom
from tests.receivers import HttpReceiver, alert_ids_in, channel


def test_seed_story_alerts_carry_picture_sources_and_ids(engine: Engine, database_url: str, tmp_path: Path,
                                                         feed_server: FeedServer) -> None:
    """The UK assertion (with its three syndicated copies) and then the US denial reach the webhook as two
    messages: the first lists the copies' feeds as other sources, the second shows who corroborates and who
    denies since when, with actor names, and each names its alert id."""
    receiver = HttpReceiver()
    newsroom = Newsroom(tmp_path, database_url, engine, feed_server)
    config = newsroom.config.model_copy(update={"channels": [channel("hook", receiver.json_url(), "default")]})
    names = {actor.id: actor.name for actor in load_rulebook(config.rules_dir).actors}
    notifier = Notifier(engine, config, make_logger(io.StringIO(), json=True), newsroom.clock, owner="test:1:a",
                        names=lambda: names, rng=seeded_rng())
    stages = SCENARIO["stages"]
    try:
        newsroom.publish([*stages[0]["items"], *stages[2]["items"]])
        newsroom.poll()
        newsroom.clock.advance(config.alerts.grouping_seconds + 1)
        first = notifier.deliver_due()
        newsroom.publish(stages[1]["items"])
        newsroom.poll()
        newsroom.clock.advance(config.alerts.grouping_seconds + 1)
        second = notifier.deliver_due()
    finally:
        notifier.close()
        receiver.close()
    assert (first.messages, first.sent, second.messages, second.sent) == (1, 1, 1, 1)
    assert [p.json()["title"].split(" — ")[0] for p in receiver.posted] == [
        "First corroboration: UK government (UK Defence Secretary)",
        "First denial: US government (US National Security Adviser)"]
    corroboration, denial = (p.json()["message"] for p in receiver.posted)
    also = {line.split("Also in: [", 1)[1].split(":")[0]
            for line in corroboration.splitlines() if line.startswith("Also in: ")}
    source = next(line for line in corroboration.splitlines() if line.startswith("Source: "))
    own = source.rsplit("(", 1)[1].split(",")[0]
    assert len(also) == 3 and also | {own} == {"wire", "herald", "daily", "asia"}
    assert "Corroborated by: UK government (since " in denial
    assert "Denied by: US government (since " in denial
    alerts = {row.kind: row for row in list_alerts(engine, claim_id=CLAIM)}
    assert alert_ids_in(corroboration) == [alerts["first_corroboration"].id]
    assert alert_ids_in(denial) == [alerts["first_denial"].id]
    assert alerts["first_denial"].state == "sent"
