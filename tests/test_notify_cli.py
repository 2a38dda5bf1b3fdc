"""`claimwatch alerts list` and `claimwatch alerts retry` as an operator runs them, on a real outbox."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from monitor.alerts.notify import Notifier
from monitor.config import load_config
from monitor.logs import make_logger
from tests.helpers import FakeClock, seeded_rng
from tests.receivers import HttpReceiver, alert_ids_in, claim_alert, free_port, queue

CLAIMWATCH = [sys.executable, "-m", "monitor"]


def _claimwatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMWATCH, *args, "--config", str(config)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "CLAIMWATCH_CONFIG": ""}, check=False)


def test_failed_alert_is_listed_and_retry_delivers_it(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """An alert whose delivery died shows in `alerts list --failed` with its channel's attempts and error;
    `alerts retry ID` queues it again and the next round delivers it to the recovered receiver."""
    port = free_port()
    ops = HttpReceiver()
    config_path = tmp_path / "claimwatch.toml"
    config_path.write_text(
        f'database_url = "{database_url}"\n'
        "[alerts]\nretry_limit_seconds = 300\nbackoff_base_seconds = 60\nbackoff_max_seconds = 120\n"
        f'[[channels]]\nname = "hook"\nurl = "json://127.0.0.1:{port}/hook"\ntags = ["default"]\n'
        f'[[channels]]\nname = "ops"\nurl = "{ops.json_url()}"\ntags = ["operator"]\n')
    config = load_config(config_path)
    clock = FakeClock()
    queue(engine, config, claim_alert("a1", clock.now), ["hook"])
    queue(engine, config, claim_alert("a2", clock.now, claim_id="other-claim"), ["ops"])
    clock.advance(121)
    notifier = Notifier(engine, config, make_logger(io.StringIO(), json=True), clock, owner="test:1:a",
                        rng=seeded_rng())
    receiver: HttpReceiver | None = None
    try:
        for _ in range(20):
            if notifier.deliver_due(flush=True).dead:
                break
            clock.advance(120)
        notifier.deliver_due()

        failed = _claimwatch(config_path, "alerts", "list", "--failed", "--json")
        assert failed.returncode == 0, failed.stderr
        [row] = json.loads(failed.stdout)
        assert (row["id"], row["claim_id"], row["kind"], row["stance"], row["holder"], row["state"]) == (
            "a1", "china-lethal-aid-russia", "new_speaker", "denies", "us-government", "dead")
        [delivery] = row["deliveries"]
        assert (delivery["channel"], delivery["state"]) == ("hook", "dead") and delivery["attempts"] >= 2
        assert "Connection error" in delivery["last_error"]

        table = _claimwatch(config_path, "alerts", "list")
        assert table.returncode == 0, table.stderr
        assert table.stdout.startswith("ID") and "hook: dead" in table.stdout and "ops: sent" in table.stdout
        listed = _claimwatch(config_path, "alerts", "list", "--json", "--claim", "other-claim", "--limit", "5")
        assert [r["id"] for r in json.loads(listed.stdout)] == ["a2"]

        missing = _claimwatch(config_path, "alerts", "retry", "no-such-alert")
        assert missing.returncode == 1 and "no alert no-such-alert" in missing.stderr

        receiver = HttpReceiver(port)
        retried = _claimwatch(config_path, "alerts", "retry", "a1")
        assert retried.returncode == 0, retried.stderr
        assert "1 delivery queued again" in retried.stdout
        clock.now = max(clock.now, datetime.now(UTC))
        assert notifier.deliver_due().sent == 1
    finally:
        notifier.close()
        ops.close()
        if receiver is not None:
            receiver.close()
    assert [alert_ids_in(posted.json()["message"]) for posted in receiver.posted] == [["a1"]]
    notice = next(posted.json() for posted in ops.posted if posted.json()["title"].startswith("Alert a1"))
    assert "claimwatch alerts retry a1" in notice["message"]
    after = _claimwatch(config_path, "alerts", "list", "--json", "--claim", "china-lethal-aid-russia")
    [row] = json.loads(after.stdout)
    assert row["state"] == "sent" and row["deliveries"][0]["state"] == "sent"
    assert json.loads(_claimwatch(config_path, "alerts", "list", "--failed", "--json").stdout) == []


def test_alerts_channels_checks_the_configured_urls_without_showing_secrets(tmp_path: Path) -> None:
    """`alerts channels` lists each channel redacted and exits 1 when apprise cannot use a URL."""
    config_path = tmp_path / "claimwatch.toml"
    config_path.write_text(
        f'state_dir = "{tmp_path}"\n'
        '[[channels]]\nname = "slack"\nurl = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/#claims"\n'
        'tags = ["default"]\n'
        '[[channels]]\nname = "odd"\nurl = "nosuch://user:S3cret@example.com/T0ken"\n')
    checked = _claimwatch(config_path, "alerts", "channels", "--json")
    assert checked.returncode == 1
    report = json.loads(checked.stdout)
    assert report["channels"] == [{"name": "slack", "url": "slack://***", "tags": ["default"]},
                                  {"name": "odd", "url": "nosuch://example.com/***", "tags": []}]
    assert report["problems"] == ["channel 'odd' (nosuch://example.com/***): apprise cannot use this URL"]
    assert "S3cret" not in checked.stdout + checked.stderr and "TIiajkdnlazkcOXrIdevi7" not in checked.stdout
