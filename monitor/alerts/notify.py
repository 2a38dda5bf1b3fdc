"""The notifier: takes due deliveries from the outbox, sends them, records what happened.

One round (`Notifier.deliver_due`): lease the due deliveries (and their pending siblings of the same
channel and group, so a claim's alerts inside the grouping window go out as one message), render one
message per (channel, group), send the messages in parallel on `senders` threads so a hanging receiver
holds up only its own message, and record each result as soon as it is known. A failed delivery is tried
again after an exponential backoff with jitter; one still failing `retry_limit_seconds` after it was
queued (or failing in a way retrying cannot fix) is dead, and the operator channels hear about it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from structlog.typing import FilteringBoundLogger

from monitor.alerts.digest import digest_notice, digest_window
from monitor.alerts.render import Message, format_for_url, headline, render
from monitor.alerts.results import SendResult
from monitor.alerts.routing import channels_tagged, operator_route
from monitor.alerts.send import ChannelSender, Sender
from monitor.config import AlertSettings, ChannelSettings, Config
from storage.alert_views import AlertContext, claim_changes, message_context
from storage.outbox import DeliveryOutcome, LeasedDelivery, NewAlert, enqueue_once, lease_deliveries, record_outcomes

Clock = Callable[[], datetime]
ROUND_LIMIT = 500
NOTICE_KINDS = ("delivery_dead", "rules_rejected", "digest")


@dataclass
class DeliveryReport:
    """What one round did, counted in deliveries (one alert to one channel) except `messages`."""

    leased: int = 0
    messages: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    notices: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        """Fold another round's counts into this one."""
        self.leased += other.leased
        self.messages += other.messages
        self.sent += other.sent
        self.failed += other.failed
        self.dead += other.dead
        self.notices.extend(other.notices)


@dataclass(frozen=True)
class _Group:
    channel: str
    deliveries: tuple[LeasedDelivery, ...]
    contexts: tuple[AlertContext, ...]


def retry_at(delivery: LeasedDelivery, attempts: int, now: datetime, settings: AlertSettings,
             rng: random.Random) -> datetime | None:
    """When to try a failed delivery again (its `attempts` failures counted), or None when it is dead: the
    delay doubles from backoff_base up to backoff_max, the upper half jittered, and never past the retry
    limit, so the last attempt falls on it."""
    deadline = delivery.created_at + timedelta(seconds=settings.retry_limit_seconds)
    if now >= deadline:
        return None
    delay = min(settings.backoff_max_seconds, settings.backoff_base_seconds * 2 ** min(attempts - 1, 30))
    delay = delay / 2 + rng.uniform(0, delay / 2)
    return min(now + timedelta(seconds=delay), deadline)


def notice_id(alert_id: str, channel: str, queued_at: datetime) -> str:
    """The id of the operator notice about one dead delivery: the same for every process that sees it die."""
    digest = hashlib.blake2b(f"{alert_id}|{channel}|{queued_at.isoformat()}".encode(), digest_size=12)
    return "dead-" + digest.hexdigest()


def message_key(deliveries: Sequence[LeasedDelivery]) -> str:
    """A message's idempotency key: its alert id, or for a grouped message a digest of its alert ids, so
    every attempt at the same message carries the same key."""
    ids = sorted({delivery.alert_id for delivery in deliveries})
    if len(ids) == 1:
        return ids[0]
    return "group-" + hashlib.blake2b(",".join(ids).encode(), digest_size=12).hexdigest()


class Notifier:
    """Delivers the outbox: call `deliver_due` on each tick, `close` when stopping. `names` gives actor
    names for the claim's picture (read once per round); `batch` caps the due deliveries of one round."""

    def __init__(self, engine: Engine, config: Config, log: FilteringBoundLogger, clock: Clock, *, owner: str,
                 sender: Sender | None = None, names: Callable[[], Mapping[str, str]] | None = None,
                 rng: random.Random | None = None, batch: int = ROUND_LIMIT) -> None:
        self._engine = engine
        self._config = config
        self._settings = config.alerts
        self._log = log
        self._clock = clock
        self._owner = owner
        self._own_sender: ChannelSender | None = None
        if sender is None:
            sender = self._own_sender = ChannelSender(config.alerts.send_timeout_seconds)
        self._sender = sender
        self._names = names
        self._rng = rng or random.Random()
        self._batch = batch
        self._digest_checked: date | None = None
        self._pool = ThreadPoolExecutor(max_workers=config.alerts.senders, thread_name_prefix="claimwatch-send")

    def deliver_due(self, *, flush: bool = False) -> DeliveryReport:
        """One round: send every due message and record the outcomes. With `flush` every pending delivery
        counts as due (grouping windows cut short), and the operator notices the round raised go out too.
        Once a day, at `digest_hour`, the round first queues the daily digest."""
        self._queue_digest()
        report = self._round(flush=flush, alert_ids=None)
        if flush and report.notices:
            report.add(self._round(flush=True, alert_ids=list(report.notices)))
        return report

    def close(self) -> None:
        """Wait for sends in flight, then stop the sender threads."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._own_sender is not None:
            self._own_sender.close()

    def _queue_digest(self) -> None:
        """Queue today's digest once its hour has come (a no-op when another daemon queued it already)."""
        now = self._clock()
        window = digest_window(now, self._settings.digest_hour)
        if window is None or window.day == self._digest_checked:
            return
        self._digest_checked = window.day
        targets = channels_tagged(self._config.channels, self._settings.digest_channels)
        if not targets:
            return
        changes = claim_changes(self._engine, window.since, window.until)
        notice = digest_notice(window, changes, now, dict(self._names()) if self._names else {})
        if enqueue_once(self._engine, notice, targets, now):
            self._log.info("digest.queued", alert_id=notice.id, claim_id=None, claims=len(changes), channels=targets)

    def _round(self, *, flush: bool, alert_ids: Sequence[str] | None) -> DeliveryReport:
        report = DeliveryReport()
        leased = lease_deliveries(self._engine, now=self._clock(), owner=self._owner,
                                  lease=timedelta(seconds=self._settings.lease_seconds), limit=self._batch,
                                  flush=flush, alert_ids=alert_ids, siblings=self._settings.grouping_seconds > 0)
        if not leased:
            return report
        report.leased = len(leased)
        contexts = {c.id: c for c in message_context(self._engine, [d.alert_id for d in leased])}
        channels = {channel.name: channel for channel in self._config.channels}
        names = dict(self._names()) if self._names else {}
        grouped: dict[tuple[str, str], list[LeasedDelivery]] = {}
        for delivery in leased:
            # Grouping off (a window of 0): every delivery is a message of its own.
            key = delivery.group_key if self._settings.grouping_seconds > 0 else f"#{delivery.id}"
            grouped.setdefault((delivery.channel, key), []).append(delivery)
        futures: dict[Future[SendResult], _Group] = {}
        for (channel_name, _key), deliveries in grouped.items():
            group = _Group(channel_name, tuple(deliveries),
                           tuple(contexts[d.alert_id] for d in deliveries if d.alert_id in contexts))
            channel = channels.get(channel_name)
            if channel is None:
                self._record(group, SendResult(False, f"channel {channel_name!r} is not configured",
                                               retryable=False), report)
                continue
            try:
                message = render(group.contexts, format_for_url(channel.url.get_secret_value()), names)
            except ValueError as exc:
                self._record(group, SendResult(False, f"cannot render: {exc}", retryable=False), report)
                continue
            futures[self._pool.submit(self._send, channel, message, message_key(deliveries))] = group
        report.messages = len(futures)
        for future in as_completed(futures):
            self._record(futures[future], future.result(), report)
        return report

    def _send(self, channel: ChannelSettings, message: Message, key: str) -> SendResult:
        try:
            return self._sender.send(channel.url.get_secret_value(), message.title, message.body,
                                     message.body_format, key)
        except Exception as exc:  # a broken sender must not take the round down: try again later
            return SendResult(False, f"sender failed: {type(exc).__name__}")

    def _record(self, group: _Group, result: SendResult, report: DeliveryReport) -> None:
        now = self._clock()
        outcomes = []
        for delivery in group.deliveries:
            attempts = delivery.attempts + 1
            if result.ok:
                outcomes.append(DeliveryOutcome(delivery.id, delivery.alert_id, "sent", attempts))
                continue
            again = retry_at(delivery, attempts, now, self._settings, self._rng) if result.retryable else None
            outcomes.append(DeliveryOutcome(delivery.id, delivery.alert_id, "pending" if again else "dead",
                                            attempts, again, result.error))
        written = set(record_outcomes(self._engine, self._owner, now, outcomes))
        contexts = {c.id: c for c in group.contexts}
        for delivery, outcome in zip(group.deliveries, outcomes, strict=True):
            if outcome.id not in written:
                self._log.warning("alert.lease_lost", alert_id=delivery.alert_id, channel=group.channel)
                continue
            context = contexts.get(delivery.alert_id)
            keys = {"alert_id": delivery.alert_id, "claim_id": context.claim_id if context else None,
                    "channel": group.channel, "attempts": outcome.attempts}
            if outcome.state == "sent":
                report.sent += 1
                self._log.info("alert.sent", **keys)
            elif outcome.state == "pending":
                report.failed += 1
                self._log.warning("alert.send_failed", **keys, error=outcome.error, retryable=result.retryable,
                                  next_attempt_at=outcome.next_attempt_at.isoformat()
                                  if outcome.next_attempt_at else None)
            else:
                report.dead += 1
                self._log.error("alert.dead", **keys, error=outcome.error, retryable=result.retryable)
                notice = self._tell_operators(delivery, context, group.channel, outcome) if context else None
                if notice is not None:
                    report.notices.append(notice)

    def _tell_operators(self, delivery: LeasedDelivery, context: AlertContext, channel: str,
                        outcome: DeliveryOutcome) -> str | None:
        """Queue an operator notice about a dead delivery; its id, or None when none was queued."""
        if context.claim_id is None or context.kind in NOTICE_KINDS:
            return None  # no notices about notices
        now = self._clock()
        targets = [name for name in operator_route(self._config.channels, self._settings) if name != channel]
        if not targets:
            self._log.warning("alert.dead_unreported", alert_id=delivery.alert_id, claim_id=context.claim_id,
                              channel=channel, reason="no other operator channel")
            return None
        statement = context.detail.get("statement") or context.claim_id
        body = (f"Alert {delivery.alert_id} ({headline(context)} on {statement}) could not be delivered to "
                f"channel {channel} after {outcome.attempts} attempt(s). Last error: {outcome.error}. "
                f"After fixing the channel, send it again with: claimwatch alerts retry {delivery.alert_id}")
        notice = NewAlert(id=notice_id(delivery.alert_id, channel, delivery.created_at), kind="delivery_dead",
                          priority=1, created_at=now, severity="high",
                          detail={"title": f"Alert {delivery.alert_id} could not be delivered to {channel}",
                                  "body": body, "alert_id": delivery.alert_id, "channel": channel})
        if not enqueue_once(self._engine, notice, targets, now):
            return None
        self._log.info("alert.queued", alert_id=notice.id, claim_id=None, kind=notice.kind, channels=targets)
        return notice.id
