"""Failed deliveries: retried with backoff until the receiver recovers, hanging receivers kept to their own
message, concurrent notifiers, dead deliveries reported to the operators, secrets kept out of errors."""

from __future__ import annotations

import io
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from monitor.alerts.notify import DeliveryReport, Notifier
from monitor.alerts.send import check_channels
from monitor.config import Config
from monitor.logs import make_logger
from storage.alert_views import DeliveryListing, list_alerts
from storage.outbox import delivery_lease_owners, lease_deliveries, release_delivery_leases
from tests.helpers import FakeClock, seeded_rng
from tests.receivers import (
    HttpReceiver,
    SmtpReceiver,
    alert_ids_in,
    channel,
    claim_alert,
    free_port,
    notify_config,
    queue,
)


def _notifier(engine: Engine, config: Config, clock: FakeClock, *, owner: str = "test:1:a",
              logs: io.StringIO | None = None, batch: int = 500) -> Notifier:
    log = make_logger(logs if logs is not None else io.StringIO(), json=True, level="debug")
    return Notifier(engine, config, log, clock, owner=owner, rng=seeded_rng(), batch=batch)


def _delivery(engine: Engine, alert_id: str, channel_name: str) -> DeliveryListing:
    [row] = [row for row in list_alerts(engine) if row.id == alert_id]
    return next(d for d in row.deliveries if d.channel == channel_name)


def test_connection_refused_is_retried_after_backoff_until_the_receiver_is_up(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    """A refused connection leaves the delivery pending with its error and a jittered backoff; once the
    receiver listens and the backoff has passed, the next round delivers it."""
    clock = FakeClock()
    port = free_port()
    config = notify_config(tmp_path, database_url, [channel("hook", f"json://127.0.0.1:{port}/hook")],
                           backoff_base_seconds=30)
    queue(engine, config, claim_alert("a1", clock.now), ["hook"])
    clock.advance(121)
    notifier = _notifier(engine, config, clock)
    receiver: HttpReceiver | None = None
    try:
        first = notifier.deliver_due()
        assert (first.sent, first.failed, first.dead) == (0, 1, 0)
        delivery = _delivery(engine, "a1", "hook")
        assert (delivery.state, delivery.attempts) == ("pending", 1)
        assert delivery.last_error is not None and "Connection error" in delivery.last_error
        wait = (delivery.next_attempt_at - clock.now).total_seconds()
        assert 15 <= wait <= 30
        clock.advance(wait - 1)
        assert notifier.deliver_due().leased == 0
        receiver = HttpReceiver(port)
        clock.advance(1)
        second = notifier.deliver_due()
    finally:
        notifier.close()
        if receiver is not None:
            receiver.close()
    assert (second.sent, second.failed) == (1, 0)
    assert receiver is not None and len(receiver.posted) == 1
    delivery = _delivery(engine, "a1", "hook")
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 2, None)


def test_http_500_backs_off_exponentially_then_delivers(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """Two HTTP 500 answers are two failed attempts, the second wait about twice the first; the third
    attempt delivers, once."""
    clock = FakeClock()
    receiver = HttpReceiver()
    receiver.fail_next(500, 500)
    config = notify_config(tmp_path, database_url, [channel("hook", receiver.json_url())],
                           backoff_base_seconds=60, backoff_max_seconds=3_600)
    queue(engine, config, claim_alert("a1", clock.now), ["hook"])
    clock.advance(121)
    notifier = _notifier(engine, config, clock)
    waits = []
    try:
        for _ in range(2):
            assert notifier.deliver_due().failed == 1
            delivery = _delivery(engine, "a1", "hook")
            assert delivery.last_error is not None and "error=500" in delivery.last_error
            waits.append((delivery.next_attempt_at - clock.now).total_seconds())
            clock.now = delivery.next_attempt_at
        assert notifier.deliver_due().sent == 1
    finally:
        notifier.close()
        receiver.close()
    assert 30 <= waits[0] <= 60 and 60 <= waits[1] <= 120
    assert receiver.answered == [500, 500, 200] and len(receiver.posted) == 1
    assert _delivery(engine, "a1", "hook").attempts == 3


def test_smtp_temporary_failure_is_retried(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """An SMTP server answering 451 (try again later) gets the email again after the backoff, and accepts."""
    clock = FakeClock()
    smtp = SmtpReceiver()
    smtp.replies.append("451 4.3.0 Mail server temporarily rejected message")
    config = notify_config(tmp_path, database_url, [channel("mail", smtp.url())])
    queue(engine, config, claim_alert("a1", clock.now), ["mail"])
    clock.advance(121)
    notifier = _notifier(engine, config, clock)
    try:
        assert notifier.deliver_due().failed == 1
        assert smtp.messages == []
        clock.now = _delivery(engine, "a1", "mail").next_attempt_at
        assert notifier.deliver_due().sent == 1
    finally:
        notifier.close()
        smtp.close()
    assert [reply[:3] for reply in smtp.answered] == ["451", "250"]
    [message] = smtp.messages
    assert "a1" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_hanging_receiver_holds_up_only_its_own_message(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """While one channel's receiver takes the request and never answers, the other channel's message is
    delivered and recorded; the hanging one fails when its connection drops and waits for a retry."""
    clock = FakeClock()
    slow, fast = HttpReceiver(), HttpReceiver()
    slow.hold()
    config = notify_config(tmp_path, database_url, [channel("slow", slow.json_url()), channel("fast", fast.json_url())],
                           senders=2)
    queue(engine, config, claim_alert("a1", clock.now), ["slow", "fast"])
    clock.advance(121)
    notifier = _notifier(engine, config, clock)
    reports: list[DeliveryReport] = []
    round_ = threading.Thread(target=lambda: reports.append(notifier.deliver_due()))
    try:
        round_.start()
        assert fast.wait_for(1) and slow.arrived.wait(30)
        # The fast channel's outcome is written while the slow send is still in flight.
        for _ in range(300):
            if _delivery(engine, "a1", "fast").state == "sent":
                break
            threading.Event().wait(0.05)
        assert _delivery(engine, "a1", "fast").state == "sent"
        assert round_.is_alive() and _delivery(engine, "a1", "slow").attempts == 0
        slow.release()
        round_.join(60)
    finally:
        slow.release()
        round_.join(60)
        notifier.close()
        slow.close()
        fast.close()
    [report] = reports
    assert (report.messages, report.sent, report.failed) == (2, 1, 1)
    slow_delivery = _delivery(engine, "a1", "slow")
    assert (slow_delivery.state, slow_delivery.attempts) == ("pending", 1)
    assert [row.state for row in list_alerts(engine)] == ["pending"]


def test_retry_limit_kills_the_delivery_and_tells_the_operators(engine: Engine, database_url: str,
                                                                tmp_path: Path) -> None:
    """A delivery still failing at the retry limit is dead, its alert too; the operator channel (not the
    dead one) gets a notice naming the alert and how to retry it, once."""
    clock = FakeClock()
    ops = HttpReceiver()
    port = free_port()
    config = notify_config(tmp_path, database_url,
                           [channel("hook", f"json://127.0.0.1:{port}/hook", "operator"),
                            channel("ops", ops.json_url(), "operator")],
                           retry_limit_seconds=600, backoff_base_seconds=60, backoff_max_seconds=240)
    queue(engine, config, claim_alert("a1", clock.now), ["hook"])
    clock.advance(121)
    notifier = _notifier(engine, config, clock)
    outcomes = []
    try:
        for _ in range(20):
            report = notifier.deliver_due()
            outcomes.append((report.failed, report.dead))
            if report.dead:
                break
            clock.now = _delivery(engine, "a1", "hook").next_attempt_at
        assert len(report.notices) == 1
        told = notifier.deliver_due()
        assert notifier.deliver_due().leased == 0
    finally:
        notifier.close()
        ops.close()
    assert outcomes[-1] == (0, 1) and all(outcome == (1, 0) for outcome in outcomes[:-1])
    dead = _delivery(engine, "a1", "hook")
    assert dead.state == "dead" and dead.last_error is not None
    assert [row.id for row in list_alerts(engine, failed=True)] == ["a1"]
    assert {row.id: row.state for row in list_alerts(engine)}["a1"] == "dead"
    assert told.sent == 1
    [posted] = ops.posted
    assert posted.json()["title"] == "Alert a1 could not be delivered to hook"
    assert "claimwatch alerts retry a1" in posted.json()["message"]


def test_a_dead_notice_raises_no_notice_of_its_own(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """When the operator channel itself is down, its notices die quietly instead of begetting more."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url,
                           [channel("hook", f"json://127.0.0.1:{free_port()}/hook"),
                            channel("ops", f"json://127.0.0.1:{free_port()}/ops", "operator")],
                           retry_limit_seconds=60)
    queue(engine, config, claim_alert("a1", clock.now), ["hook"])
    notifier = _notifier(engine, config, clock)
    try:
        clock.advance(121)  # past the retry limit already: the first failure is the last
        first = notifier.deliver_due()
        second = notifier.deliver_due()
        clock.advance(3_600)
        third = notifier.deliver_due()
    finally:
        notifier.close()
    assert (first.dead, len(first.notices)) == (1, 1)
    assert (second.failed, second.dead, second.notices) == (1, 0, [])
    assert (third.dead, third.notices) == (1, [])
    assert sorted(row.state for row in list_alerts(engine)) == ["dead", "dead"]


def test_an_unconfigured_channel_is_a_permanent_failure(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """A delivery to a channel no longer in the configuration dies at once, saying so (not retryable)."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url, [])
    queue(engine, config, claim_alert("a1", clock.now), ["gone"])
    clock.advance(121)
    logs = io.StringIO()
    notifier = _notifier(engine, config, clock, logs=logs)
    try:
        report = notifier.deliver_due()
    finally:
        notifier.close()
    assert (report.dead, report.messages) == (1, 0)
    assert _delivery(engine, "a1", "gone").last_error == "channel 'gone' is not configured"
    assert '"event": "alert.dead"' in logs.getvalue() and '"retryable": false' in logs.getvalue()


def test_two_notifiers_never_send_the_same_delivery_twice(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """Two notifiers with different owners, each leasing a few due deliveries per round, flushing the same
    outbox at once round after round, deliver every alert exactly once."""
    clock = FakeClock()
    receiver = HttpReceiver()
    config = notify_config(tmp_path, database_url, [channel("hook", receiver.json_url())], senders=4)
    expected = []
    for claim in range(12):
        for n in range(3):
            alert_id = f"c{claim}n{n}"
            expected.append(alert_id)
            queue(engine, config, claim_alert(alert_id, clock.now + timedelta(seconds=n), claim_id=f"claim-{claim}"),
                  ["hook"])
    clock.advance(10)
    notifiers = [_notifier(engine, config, clock, owner=f"test:{n}:x", batch=2) for n in (1, 2)]
    start = threading.Barrier(2)
    reports: list[DeliveryReport] = []

    def run(notifier: Notifier) -> None:
        start.wait()
        while (report := notifier.deliver_due(flush=True)).leased:
            reports.append(report)

    threads = [threading.Thread(target=run, args=(notifier,)) for notifier in notifiers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for notifier in notifiers:
            notifier.close()
        receiver.close()
    delivered = Counter(alert_id for posted in receiver.posted for alert_id in alert_ids_in(posted.json()["message"]))
    assert sorted(delivered) == sorted(expected) and set(delivered.values()) == {1}
    assert sum(report.sent for report in reports) == len(expected)
    assert {row.state for row in list_alerts(engine, limit=100)} == {"sent"}


def test_secrets_stay_out_of_errors_logs_and_notices(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """Credentials in a channel URL never show in the recorded error, the logs, the operator notice or the
    configuration check."""
    clock = FakeClock()
    ops = HttpReceiver()
    secret_url = f"json://analyst:Pa55word-xyz@127.0.0.1:{free_port()}/T0ken-abc123?apikey=K3y-987"
    config = notify_config(tmp_path, database_url, [channel("hook", secret_url), channel("ops", ops.json_url(),
                                                                                         "operator")],
                           retry_limit_seconds=60)
    queue(engine, config, claim_alert("a1", clock.now), ["hook"])
    clock.advance(121)
    logs = io.StringIO()
    notifier = _notifier(engine, config, clock, logs=logs)
    try:
        notifier.deliver_due()
        notifier.deliver_due()
    finally:
        notifier.close()
        ops.close()
    problems = check_channels([channel("bad", "nosuch://Pa55word-xyz@T0ken-abc123"), *config.channels])
    seen = [logs.getvalue(), str(_delivery(engine, "a1", "hook").last_error), *problems,
            *(posted.body.decode() for posted in ops.posted)]
    assert len(ops.posted) == 1 and problems == ["channel 'bad' (nosuch://***): apprise cannot use this URL"]
    for secret in ("Pa55word-xyz", "T0ken-abc123", "K3y-987"):
        assert not any(secret in text for text in seen)


def test_leases_of_gone_processes_can_be_listed_and_released(engine: Engine, database_url: str,
                                                             tmp_path: Path) -> None:
    """A lease held by a process that died is listed by owner and, once released, leased again at once."""
    clock = FakeClock()
    config = notify_config(tmp_path, database_url, [])
    queue(engine, config, claim_alert("a1", clock.now), ["hook"])
    clock.advance(121)
    lease = timedelta(seconds=300)
    assert len(lease_deliveries(engine, now=clock.now, owner="host:99:dead", lease=lease, limit=10)) == 1
    assert lease_deliveries(engine, now=clock.now, owner="host:1:live", lease=lease, limit=10) == []
    assert delivery_lease_owners(engine) == ["host:99:dead"]
    release_delivery_leases(engine, "host:99:dead")
    assert delivery_lease_owners(engine) == []
    [again] = lease_deliveries(engine, now=clock.now, owner="host:1:live", lease=lease, limit=10)
    assert again.alert_id == "a1" and again.lease_owner == "host:1:live"


def test_a_refused_request_dies_at_once_but_a_throttled_one_is_retried(engine: Engine, database_url: str,
                                                                       tmp_path: Path) -> None:
    """HTTP 404 from a receiver (the hook does not exist) is not retryable: the delivery dies at its first
    attempt and the operators hear of it; HTTP 429 (slow down) is retried."""
    clock = FakeClock()
    gone, busy, ops = HttpReceiver(), HttpReceiver(), HttpReceiver()
    gone.fail_next(404)
    busy.fail_next(429)
    config = notify_config(tmp_path, database_url, [channel("gone", gone.json_url()), channel("busy", busy.json_url()),
                                                    channel("ops", ops.json_url(), "operator")])
    queue(engine, config, claim_alert("a1", clock.now), ["gone", "busy"])
    clock.advance(121)
    notifier = _notifier(engine, config, clock)
    try:
        first = notifier.deliver_due()
        clock.now = _delivery(engine, "a1", "busy").next_attempt_at
        second = notifier.deliver_due()
    finally:
        notifier.close()
        for receiver in (gone, busy, ops):
            receiver.close()
    assert (first.dead, first.failed, len(first.notices)) == (1, 1, 1)
    assert second.sent == 2  # the retried alert, and the notice about the dead one
    gone_delivery = _delivery(engine, "a1", "gone")
    assert (gone_delivery.state, gone_delivery.attempts) == ("dead", 1)
    assert gone_delivery.last_error is not None and "error=404" in gone_delivery.last_error
    assert _delivery(engine, "a1", "busy").state == "sent"
    assert [posted.json()["title"] for posted in ops.posted] == ["Alert a1 could not be delivered to gone"]
