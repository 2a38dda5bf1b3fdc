"""What a webhook channel's receiver can and cannot make the notifier do: its reply is read only up to a
cap, its redirects are not followed, and each message carries an idempotency key that survives retries."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from monitor.alerts.notify import DeliveryReport, Notifier
from monitor.config import Config
from monitor.logs import make_logger
from storage.alert_views import DeliveryListing, list_alerts
from tests.helpers import FakeClock, seeded_rng
from tests.receivers import HttpReceiver, ScriptedReceiver, channel, claim_alert, notify_config, queue

MB = 1024 * 1024


def _deliver(engine: Engine, config: Config, clock: FakeClock) -> DeliveryReport:
    notifier = Notifier(engine, config, make_logger(io.StringIO(), json=True), clock, owner="test:1:a",
                        rng=seeded_rng())
    try:
        return notifier.deliver_due()
    finally:
        notifier.close()


def _delivery(engine: Engine, alert_id: str, channel_name: str) -> DeliveryListing:
    [row] = [row for row in list_alerts(engine) if row.id == alert_id]
    return next(d for d in row.deliveries if d.channel == channel_name)


def test_a_huge_reply_is_not_read(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """A receiver that accepts the alert and then streams a 256 MiB reply gets the alert delivered while the
    notifier stops reading long before the end of the reply."""
    clock = FakeClock()
    huge = ScriptedReceiver(200, body_bytes=256 * MB)
    try:
        config = notify_config(tmp_path, database_url, [channel("hook", huge.json_url())])
        queue(engine, config, claim_alert("a1", clock.now), ["hook"])
        clock.advance(121)
        assert _deliver(engine, config, clock).sent == 1
    finally:
        huge.close()
    assert len(huge.requests) == 1
    assert huge.written < 32 * MB


def test_a_redirect_to_another_host_is_not_followed(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """A 307 pointing at another host is a failed, retryable delivery: the other host receives neither the
    alert nor the channel's secret header."""
    clock = FakeClock()
    elsewhere = ScriptedReceiver(200, host="127.0.0.2")
    redirecting = ScriptedReceiver(307, headers={"Location": elsewhere.json_url("/stolen").replace("json:", "http:")})
    try:
        config = notify_config(tmp_path, database_url,
                               [channel("hook", redirecting.json_url() + "?+X-Token=s3cret-header")])
        queue(engine, config, claim_alert("a1", clock.now), ["hook"])
        clock.advance(121)
        report = _deliver(engine, config, clock)
    finally:
        redirecting.close()
        elsewhere.close()
    assert (report.sent, report.failed, report.dead) == (0, 1, 0)
    assert redirecting.requests[0].headers["x-token"] == "s3cret-header"
    assert elsewhere.requests == []
    delivery = _delivery(engine, "a1", "hook")
    assert delivery.state == "pending" and "redirect" in str(delivery.last_error)
    assert "s3cret-header" not in str(delivery.last_error)


def test_a_permanent_redirect_kills_the_delivery(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """A 308 says the hook has moved for good: retrying the configured address cannot succeed, so the
    delivery is dead at once and names the new address for the operator."""
    clock = FakeClock()
    moved = ScriptedReceiver(308, headers={"Location": "https://hooks.example.org/new"})
    try:
        config = notify_config(tmp_path, database_url, [channel("hook", moved.json_url())])
        queue(engine, config, claim_alert("a1", clock.now), ["hook"])
        clock.advance(121)
        report = _deliver(engine, config, clock)
    finally:
        moved.close()
    assert report.dead == 1
    delivery = _delivery(engine, "a1", "hook")
    assert delivery.state == "dead" and "https://hooks.example.org/" in str(delivery.last_error)


def test_each_attempt_carries_the_alert_id_as_idempotency_key(engine: Engine, database_url: str,
                                                              tmp_path: Path) -> None:
    """A message of one alert carries Idempotency-Key: the alert id, the same on the failed first attempt and
    on the retry; a grouped message carries one key for its set of alerts, again the same on every attempt."""
    clock = FakeClock()
    hook = HttpReceiver()
    hook.fail_next(503, 503)
    try:
        config = notify_config(tmp_path, database_url, [channel("hook", hook.json_url())])
        queue(engine, config, claim_alert("a1", clock.now), ["hook"])
        queue(engine, config, claim_alert("b1", clock.now, claim_id="other-claim"), ["hook"])
        queue(engine, config, claim_alert("b2", clock.now + timedelta(seconds=5), claim_id="other-claim",
                                          holder="china"), ["hook"])
        clock.advance(130)
        assert _deliver(engine, config, clock).failed == 3
        clock.advance(3_000)
        assert _deliver(engine, config, clock).sent == 3
    finally:
        hook.close()
    keys = [posted.headers["idempotency-key"] for posted in hook.received]
    assert len(keys) == 4 and keys.count("a1") == 2
    [grouped] = set(keys) - {"a1"}
    assert keys.count(grouped) == 2 and grouped not in ("b1", "b2")
