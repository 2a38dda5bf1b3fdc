"""The seed scenario end to end: feeds on loopback, `claimwatch run --once` as a subprocess per stage, and
real receivers (a webhook through `json://`, and email through aiosmtpd) counting what arrives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.feedserver import FeedServer, Reply
from tests.helpers import rss
from tests.newsroom import FEEDS, SCENARIO, seed_rules
from tests.receivers import HttpReceiver, SmtpReceiver

CLAIMWATCH = [sys.executable, "-m", "monitor"]
EXPECTED_TITLES = {
    ("first_corroboration", "uk-government"): ("First corroboration", "UK government"),
    ("first_denial", "us-government"): ("First denial", "US government"),
    ("new_speaker", "china"): ("New denial", "China"),
}


@pytest.fixture
def receivers() -> Iterator[tuple[HttpReceiver, SmtpReceiver]]:
    """A webhook receiver and an SMTP server on loopback."""
    hook, smtp = HttpReceiver(), SmtpReceiver()
    yield hook, smtp
    hook.close()
    smtp.close()


def _setup(tmp_path: Path, server: FeedServer, hook: HttpReceiver, smtp: SmtpReceiver) -> Path:
    seed_rules(tmp_path / "rules", {name: server.url(f"/{name}.xml") for name in FEEDS})
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        'state_dir = "state"\nrules_dir = "rules"\n'
        "[polling]\n"
        "allowed_networks = ['127.0.0.0/8']\n"
        "default_interval_seconds = 1\nmin_interval_seconds = 1\nparser_processes = 1\n"
        "read_timeout_seconds = 2\nfetch_deadline_seconds = 5\n"
        "[[channels]]\n"
        f'name = "webhook"\nurl = "{hook.json_url()}"\ntags = ["default"]\n'
        "[[channels]]\n"
        f'name = "analysts-mail"\nurl = "{smtp.url()}"\ntags = ["default"]\n')
    return config


def _run_once(config: Path) -> None:
    run = subprocess.run([*CLAIMWATCH, "run", "--once", "--config", str(config)], capture_output=True, text=True,
                         timeout=180, check=False, env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    assert run.returncode == 0, run.stderr[-3000:]


def test_seed_scenario_through_run_once(tmp_path: Path, feed_server: FeedServer,
                                        receivers: tuple[HttpReceiver, SmtpReceiver]) -> None:
    """Stage by stage: one "first corroboration" (UK government), one "first denial" (US government),
    nothing for three retitled copies, nothing for the embassy's non-comment, one "new denial" (China),
    nothing on a rerun; every alert reaches both the webhook and the mailbox."""
    hook, smtp = receivers
    config = _setup(tmp_path, feed_server, hook, smtp)
    published: dict[str, list[dict[str, str]]] = {name: [] for name in FEEDS}
    for name in FEEDS:
        feed_server.add(f"/{name}.xml", Reply(body=rss([], title=name)))
    seen_ids: set[str] = set()
    for stage in SCENARIO["stages"]:
        for item in stage["items"]:
            fields = {k: v for k, v in item.items() if k != "feed"}
            fields["pubDate"] = format_datetime(datetime.now(UTC) - timedelta(minutes=10))
            published[item["feed"]].append(fields)
            feed_server.add(f"/{item['feed']}.xml", Reply(body=rss(published[item["feed"]], title=item["feed"])))
        posted, mailed = len(hook.posted), len(smtp.messages)
        time.sleep(1.1)  # every feed is due again (interval 1 s)
        _run_once(config)
        expected = [EXPECTED_TITLES[(kind, holder)] for kind, holder in stage["alerts"]]
        new_posts = [post.json() for post in hook.posted[posted:]]
        new_mail = smtp.messages[mailed:]
        assert len(new_posts) == len(expected), (stage["name"], [p["title"] for p in new_posts])
        assert len(new_mail) == len(expected), stage["name"]
        for post, mail, (headline, holder) in zip(new_posts, new_mail, expected, strict=True):
            assert headline in post["title"] and holder in post["title"], post["title"]
            assert "lethal aid" in post["title"].lower()
            assert headline in str(mail["Subject"])
            html = mail.get_body(("html",))
            assert html is not None and holder in html.get_content()
            alert_id = post["message"].split("alert id: ")[-1].split()[0] if "alert id: " in post["message"] \
                else post["message"]
            assert alert_id not in seen_ids
            seen_ids.add(alert_id)
    assert len(hook.posted) == 3 and len(smtp.messages) == 3
    status = subprocess.run([*CLAIMWATCH, "status", "--json", "--no-daemon-expected", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    report = json.loads(status.stdout)
    assert status.returncode == 0 and report["healthy"], status.stdout
    assert report["outbox"] == {"pending": 0, "dead": 0, "sent": 3, "silenced": 0}
    assert report["feeds"] == {"ok": len(FEEDS)} and report["ledger_backlog"] == 0


def test_sigkill_while_sending_loses_no_alert(tmp_path: Path, feed_server: FeedServer,
                                              receivers: tuple[HttpReceiver, SmtpReceiver]) -> None:
    """A daemon killed while its webhook send hangs leaves the alert in the outbox; the restarted daemon
    frees the dead process's lease and delivers it (at least once), and the mailbox gets it too."""
    hook, smtp = receivers
    config = _setup(tmp_path, feed_server, hook, smtp)
    stage = SCENARIO["stages"][0]
    for name in FEEDS:
        items = [{k: v for k, v in item.items() if k != "feed"} | {"pubDate": format_datetime(datetime.now(UTC))}
                 for item in stage["items"] if item["feed"] == name]
        feed_server.add(f"/{name}.xml", Reply(body=rss(items, title=name)))
    config.write_text(config.read_text().replace("[polling]\n", "[alerts]\ngrouping_seconds = 0\n[polling]\n"))
    hook.hold()
    daemon = subprocess.Popen([*CLAIMWATCH, "run", "--config", str(config)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    try:
        assert hook.arrived.wait(120), "the daemon never tried the webhook"
    finally:
        daemon.kill()
        daemon.wait(30)
    hook.release()
    assert hook.posted == []
    _run_once(config)
    assert len(hook.posted) >= 1
    assert "First corroboration" in hook.posted[0].json()["title"]
    assert any("First corroboration" in str(mail["Subject"]) for mail in smtp.messages)
