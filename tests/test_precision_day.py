"""Precision on a day of unrelated news: the real daemon (`run --once`, shipped claims and actors) reads 25 items
that name the claims' countries, leaders and words in other contexts, and nobody corroborates or denies anything."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.feedserver import FeedServer, Reply
from tests.oncerun import SHIPPED_CLAIMS, cli_json, once_config, run_once, shipped_rules
from tests.receivers import HttpReceiver

DAY = Path(__file__).parent / "fixtures" / "unrelated-day" / "world-desk.xml"
# The fixture's items are dated 24 November 2026; a ten-year maximum age keeps them alert-worthy, so that a
# quiet webhook means the matcher found nothing, not that the items were too old to alert.
TEN_YEARS = 10 * 365 * 86_400


@pytest.fixture
def hook() -> Iterator[HttpReceiver]:
    """A webhook receiver on loopback."""
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


def test_unrelated_day_takes_no_side_and_alerts_nobody(tmp_path: Path, feed_server: FeedServer,
                                                       hook: HttpReceiver) -> None:
    """After a day of unrelated news no claim has a corroborating or denying holder and no alert is sent."""
    body = DAY.read_bytes()
    published = len(ET.fromstring(body).findall("./channel/item"))
    feed_server.add("/world-desk.xml", Reply(body=body, headers={"Content-Type": "application/rss+xml"}))
    shipped_rules(tmp_path / "rules", {"world-desk": feed_server.url("/world-desk.xml")})
    config = once_config(tmp_path, hook, alerts=f"max_age_seconds = {TEN_YEARS}\n")

    run_once(config)

    feeds = cli_json(config, "feeds", "list")
    assert [(f["name"], f["items"]) for f in feeds] == [("world-desk", published)], feeds
    sided: list[str] = []
    for claim in SHIPPED_CLAIMS:
        report = cli_json(config, "claims", "show", claim)
        sided += [f"{claim}: holder {p['holder']} {p['stance']}" for p in report["picture"]]
        sided += [f"{claim}: {e['speaker']} ({e['holder']}) {e['stance']} in {e['title']!r}"
                  for e in report["timeline"] if e["stance"] in ("corroborates", "denies")]
    assert not sided, "\n".join(["sides taken on unrelated news:", *sided])
    listing = cli_json(config, "claims", "list")
    assert {row["id"] for row in listing} == set(SHIPPED_CLAIMS)
    assert [(r["id"], r["corroborating"], r["denying"]) for r in listing if r["corroborating"] or r["denying"]] == []
    assert cli_json(config, "alerts", "list") == []
    assert [post.json()["title"] for post in hook.posted] == []
