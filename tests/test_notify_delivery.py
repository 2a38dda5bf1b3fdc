"""Delivering the outbox to real receivers on loopback: email over SMTP, json:// webhooks, Slack, grouping."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from apprise.plugins.slack import NotifySlack
from sqlalchemy import Engine

from monitor.alerts.notify import DeliveryReport, Notifier
from monitor.config import Config
from monitor.logs import make_logger
from storage.alert_views import list_alerts
from tests.helpers import FakeClock, seeded_rng
from tests.receivers import (
    STATEMENT,
    HttpReceiver,
    SmtpReceiver,
    alert_ids_in,
    channel,
    claim_alert,
    notify_config,
    queue,
)


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    """A webhook receiver on loopback."""
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    """An SMTP server on loopback."""
    receiver = SmtpReceiver()
    yield receiver
    receiver.close()


def _notifier(engine: Engine, config: Config, clock: FakeClock, owner: str = "test:1:a") -> Notifier:
    return Notifier(engine, config, make_logger(io.StringIO(), json=True), clock, owner=owner, rng=seeded_rng())


def _deliver_once(engine: Engine, config: Config, clock: FakeClock) -> DeliveryReport:
    """One delivery round by a fresh notifier, closed afterwards."""
    notifier = _notifier(engine, config, clock)
    try:
        return notifier.deliver_due()
    finally:
        notifier.close()


def test_email_carries_html_and_text_parts_with_the_alert_id(engine: Engine, database_url: str, tmp_path: Path,
                                                              smtp: SmtpReceiver) -> None:
    """A mailto:// channel gets one email with a text and an HTML part, both naming the alert id."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url, [channel("mail", smtp.url())])
    queue(engine, config, claim_alert("a1", clock.now), ["mail"])
    clock.advance(121)
    report = _deliver_once(engine, config, clock)
    assert (report.messages, report.sent, report.failed) == (1, 1, 0)
    [message] = smtp.messages
    assert message["Subject"] == f"New denial: US government — {STATEMENT}"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "a1" in text.get_content() and "We have not seen that to date" in text.get_content()
    assert "<blockquote>We have not seen that to date</blockquote>" in html.get_content()
    assert alert_ids_in(html.get_content()) == ["a1"]
    [listed] = list_alerts(engine)
    assert listed.state == "sent" and listed.deliveries[0].state == "sent" and listed.deliveries[0].attempts == 1


def test_json_webhook_gets_title_and_markdown_body(engine: Engine, database_url: str, tmp_path: Path,
                                                   http: HttpReceiver) -> None:
    """A json:// channel gets a POST whose title and message carry the claim, the quote and the alert id."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url, [channel("hook", http.json_url())])
    queue(engine, config, claim_alert("a1", clock.now), ["hook"])
    clock.advance(121)
    assert _deliver_once(engine, config, clock).sent == 1
    [posted] = http.posted
    payload = posted.json()
    assert payload["title"] == f"New denial: US government — {STATEMENT}"
    assert "> We have not seen that to date" in payload["message"]
    assert "[US says no sign of Chinese lethal aid](https://news.example.com/a1)" in payload["message"]
    assert "Why it matched: denies 0.91" in payload["message"]
    assert alert_ids_in(payload["message"]) == ["a1"]


def test_slack_plugin_posts_to_a_loopback_webhook(engine: Engine, database_url: str, tmp_path: Path,
                                                  http: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """A slack:// channel posts its webhook payload (with the alert id) to Slack's hook URL, here on loopback."""
    monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{http.port}/services")
    clock = FakeClock()
    url = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/#claims"
    config = notify_config(tmp_path, database_url, [channel("slack", url)])
    queue(engine, config, claim_alert("a1", clock.now), ["slack"])
    clock.advance(121)
    assert _deliver_once(engine, config, clock).sent == 1
    [posted] = http.posted
    assert posted.path == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    payload = posted.json()
    assert payload["channel"] == "#claims"
    text = json.dumps(payload)
    assert "New denial: US government" in text and "a1" in text


def _three_alerts(engine: Engine, config: Config, clock: FakeClock) -> None:
    queue(engine, config, claim_alert("a1", clock.now, holder="us-government"), ["hook"])
    queue(engine, config, claim_alert("a2", clock.now + timedelta(seconds=10), holder="china"), ["hook"])
    queue(engine, config, claim_alert("a3", clock.now + timedelta(seconds=20), kind="first_corroboration",
                                      stance="corroborates", holder="uk-government", priority=2), ["hook"])


def test_alerts_of_one_claim_within_the_window_go_as_one_message(engine: Engine, database_url: str,
                                                                  tmp_path: Path, http: HttpReceiver) -> None:
    """Three alerts of one claim inside the grouping window wait for it, then go out as one message."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url, [channel("hook", http.json_url())], grouping_seconds=120)
    _three_alerts(engine, config, clock)
    notifier = _notifier(engine, config, clock)
    try:
        clock.advance(60)
        assert notifier.deliver_due().leased == 0
        clock.advance(61)
        report = notifier.deliver_due()
    finally:
        notifier.close()
    assert (report.leased, report.messages, report.sent) == (3, 1, 3)
    [posted] = http.posted
    payload = posted.json()
    # Most urgent first: the first corroboration (priority 2) leads.
    assert payload["title"] == f"3 alerts: First corroboration: UK government and 2 more — {STATEMENT}"
    assert alert_ids_in(payload["message"]) == ["a3", "a1", "a2"]
    assert {row.state for row in list_alerts(engine)} == {"sent"}


def test_flush_cuts_the_grouping_window_short(engine: Engine, database_url: str, tmp_path: Path,
                                              http: HttpReceiver) -> None:
    """With flush every pending delivery is due: the three alerts go out at once, as one message."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url, [channel("hook", http.json_url())], grouping_seconds=120)
    _three_alerts(engine, config, clock)
    clock.advance(21)
    notifier = _notifier(engine, config, clock)
    try:
        assert notifier.deliver_due().leased == 0
        report = notifier.deliver_due(flush=True)
    finally:
        notifier.close()
    assert (report.messages, report.sent) == (1, 3)
    assert sorted(alert_ids_in(http.posted[0].json()["message"])) == ["a1", "a2", "a3"]


def test_a_window_of_zero_sends_each_alert_alone(engine: Engine, database_url: str, tmp_path: Path,
                                                 http: HttpReceiver) -> None:
    """With grouping_seconds = 0 each alert is a message of its own, even when several are due together."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url, [channel("hook", http.json_url())], grouping_seconds=0)
    _three_alerts(engine, config, clock)
    clock.advance(21)
    report = _deliver_once(engine, config, clock)
    assert (report.messages, report.sent) == (3, 3)
    assert sorted(alert_ids_in(p.json()["message"])[0] for p in http.posted) == ["a1", "a2", "a3"]
    assert all(len(alert_ids_in(p.json()["message"])) == 1 for p in http.posted)


def test_one_alert_to_two_channels_is_one_message_each(engine: Engine, database_url: str, tmp_path: Path,
                                                       http: HttpReceiver, smtp: SmtpReceiver) -> None:
    """An alert routed to a webhook and to email reaches both, each delivery recorded on its own."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url, [channel("hook", http.json_url()), channel("mail", smtp.url())])
    queue(engine, config, claim_alert("a1", clock.now), ["hook", "mail"])
    clock.advance(121)
    notifier = _notifier(engine, config, clock)
    try:
        assert notifier.deliver_due().sent == 2
        assert notifier.deliver_due().leased == 0
    finally:
        notifier.close()
    assert len(http.posted) == 1 and len(smtp.messages) == 1
    [listed] = list_alerts(engine)
    assert [(d.channel, d.state) for d in listed.deliveries] == [("hook", "sent"), ("mail", "sent")]
