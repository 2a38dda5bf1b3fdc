"""The daily digest: every claim's changes of the last 24 hours, once a day, to the digest channels."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from monitor.alerts.digest import digest_window
from monitor.alerts.notify import Notifier
from monitor.logs import make_logger
from storage.models import POSITIONS
from tests.helpers import FakeClock, seeded_rng
from tests.receivers import STATEMENT, HttpReceiver, channel, claim_alert, notify_config, queue


def test_digest_goes_out_once_a_day_at_its_hour(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """At digest_hour the digest channel gets one summary of the last 24 hours (alerts by claim and the
    picture now), however many notifiers run; the next day brings the next one."""
    digest, hook = HttpReceiver(), HttpReceiver()
    clock = FakeClock(datetime(2026, 11, 28, 7, 0, tzinfo=UTC))
    config = notify_config(tmp_path, database_url, [channel("hook", hook.json_url()),
                                                    channel("daily", digest.json_url(), "digest")], digest_hour=8)
    queue(engine, config, claim_alert("old", clock.now - timedelta(hours=24)), ["hook"])
    queue(engine, config, claim_alert("a1", clock.now - timedelta(hours=2), headline="New denial"), ["hook"])
    queue(engine, config, claim_alert("a2", clock.now - timedelta(hours=1), holder="china",
                                      claim_id="prigozhin-alive", statement="Prigozhin is alive"), ["hook"])
    with engine.begin() as connection:
        connection.execute(insert(POSITIONS), [
            {"claim_id": "china-lethal-aid-russia", "holder": holder, "stance": stance, "since": clock.now,
             "last_seen_at": clock.now, "last_evidence_id": 1, "evidence_count": 1}
            for holder, stance in (("uk-government", "corroborates"), ("us-government", "denies"))])
    names = {"us-government": "US government", "uk-government": "UK government"}
    log = make_logger(io.StringIO(), json=True)
    notifiers = [Notifier(engine, config, log, clock, owner=f"test:{n}:a", names=lambda: names, rng=seeded_rng())
                 for n in (1, 2)]
    try:
        assert [n.deliver_due().sent for n in notifiers] == [3, 0]  # the claim alerts, no digest yet
        clock.now = datetime(2026, 11, 28, 8, 0, 30, tzinfo=UTC)
        assert [n.deliver_due().sent for n in notifiers] == [1, 0]
        clock.advance(3_600)
        assert [n.deliver_due().sent for n in notifiers] == [0, 0]
        clock.now = datetime(2026, 11, 29, 8, 1, tzinfo=UTC)
        assert [n.deliver_due().sent for n in notifiers] == [1, 0]
    finally:
        for notifier in notifiers:
            notifier.close()
        digest.close()
        hook.close()
    first, second = (posted.json() for posted in digest.posted)
    assert first["title"] == "Daily digest 2026-11-28: 2 claims changed"
    assert f"china-lethal-aid-russia: {STATEMENT}" in first["message"]
    assert "- alerts: New denial (US government)\n" in first["message"]
    assert "- now: corroborated by UK government; denied by US government" in first["message"]
    assert "prigozhin-alive: Prigozhin is alive" in first["message"]
    assert "digest-2026-11-28" in first["message"]
    assert second["title"] == "Daily digest 2026-11-29: 0 claims changed"
    assert "No claim had new evidence or alerts." in second["message"]


def test_digest_window_starts_at_the_hour() -> None:
    """Before the hour there is no digest; from the hour on, it covers the 24 hours up to the hour."""
    assert digest_window(datetime(2026, 11, 28, 7, 59, tzinfo=UTC), 8) is None
    window = digest_window(datetime(2026, 11, 28, 23, 0, tzinfo=UTC), 8)
    assert window is not None and window.alert_id == "digest-2026-11-28"
    assert window.since == datetime(2026, 11, 27, 8, tzinfo=UTC)
    assert window.until == datetime(2026, 11, 28, 8, tzinfo=UTC)
