"""Contrast end to end: `run --once` as a subprocess on a loopback feed, the shipped claims and actors, and a
loopback webhook. A holder that corroborates a claim and is quoted again corroborating it in the second clause
of "X denies ..., but Y insists ..." never gets a Reversal from X's denial."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from tests.feedserver import FeedServer
from tests.oncerun import Wire, cli_json, once_config, run_once, shipped_rules
from tests.receivers import HttpReceiver

CHINA = "china-lethal-aid-russia"
KIM = "kim-jong-un-gravely-ill"
# South Korea's spy agency is not in rules/actors.yaml; the tests add it to their own copy only.
NIS = """\
  - id: south-korea-nis
    name: South Korean National Intelligence Service
    kind: agency
    aliases: [NIS, National Intelligence Service, South Korea's NIS, South Korea's spy agency]
    affiliation: south-korea
"""


@pytest.fixture
def hook() -> Iterator[HttpReceiver]:
    """A webhook receiver on loopback."""
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


def _item(slug: str, title: str, text: str) -> dict[str, str]:
    return {"guid": f"contrast-{slug}", "title": title, "link": f"https://news.example.com/contrast/{slug}",
            "description": text, "pubDate": format_datetime(datetime.now(UTC) - timedelta(minutes=10))}


def _setup(tmp_path: Path, feed_server: FeedServer, hook: HttpReceiver) -> tuple[Wire, Path]:
    wire = Wire(feed_server)
    shipped_rules(tmp_path / "rules", {wire.name: wire.url}, extra_actors=NIS)
    return wire, once_config(tmp_path, hook)


def _poll(config: Path) -> None:
    time.sleep(1.1)  # the feed is due again (interval 1 s)
    run_once(config)


def _titles(posts: list[Any]) -> list[str]:
    return [post.json()["title"] for post in posts]


def _picture(config: Path, claim: str) -> dict[str, str]:
    return {p["holder"]: p["stance"] for p in cli_json(config, "claims", "show", claim)["picture"]}


def _assert_no_reversal(config: Path, hook: HttpReceiver) -> None:
    delivered = [f"{post.json()['title']}\n{post.json()['message']}" for post in hook.posted]
    assert not [text for text in delivered if "Reversal" in text], _titles(hook.posted)
    kinds = [(a["claim_id"], a["kind"], a["holder"]) for a in cli_json(config, "alerts", "list")]
    assert not [k for k in kinds if k[1] == "reversal"], kinds


def test_beijing_denial_does_not_reverse_the_uk(tmp_path: Path, feed_server: FeedServer, hook: HttpReceiver) -> None:
    """After the UK's first corroboration, "Beijing denies ..., but the UK defence secretary insists ..." sends
    no Reversal and leaves the UK government corroborating."""
    wire, config = _setup(tmp_path, feed_server, hook)
    wire.publish(_item(
        "shapps-asserts", "UK defence secretary: China is sending lethal aid to Russia",
        "Britain's defence secretary Grant Shapps told MPs on Wednesday that China is now sending lethal aid to "
        "Russia, pointing to new intelligence about artillery shells and drone parts reaching Russian units."))
    _poll(config)
    first = _titles(hook.posted)
    assert len(first) == 1, first
    assert "First corroboration" in first[0] and "UK government" in first[0], first

    wire.publish(
        _item("beijing-but-shapps", "Lethal aid row deepens",
              "Beijing denies the claims, but the UK defence secretary insists China is sending lethal aid to "
              "Russia."),
        _item("pyongyang-but-nis-shells", "Shell shipments continue, spy agency says",
              "Pyongyang denied the reports, but South Korea's NIS said the shipments of shells to Russia were "
              "continuing."))
    _poll(config)

    _assert_no_reversal(config, hook)
    picture = _picture(config, CHINA)
    assert picture.get("uk-government") == "corroborates", picture
    assert picture.get("china") == "denies", picture


def test_pyongyang_denial_does_not_reverse_south_korea(tmp_path: Path, feed_server: FeedServer,
                                                       hook: HttpReceiver) -> None:
    """After South Korea's first corroboration, "Pyongyang denied the reports, but South Korea's NIS said ..."
    sends no Reversal and leaves South Korea corroborating."""
    wire, config = _setup(tmp_path, feed_server, hook)
    wire.publish(_item(
        "nis-asserts", "South Korea's spy agency says Kim Jong Un is gravely ill",
        "South Korea's National Intelligence Service told lawmakers in a closed briefing on Tuesday that Kim Jong "
        "Un is gravely ill after undergoing heart surgery last week."))
    _poll(config)
    first = _titles(hook.posted)
    assert len(first) == 1, first
    assert "First corroboration" in first[0] and "South Korea" in first[0], first

    wire.publish(_item(
        "pyongyang-but-nis-kim", "Spy agency stands by its briefing",
        "Pyongyang denied the reports, but South Korea's NIS said Kim Jong Un remained gravely ill after surgery."))
    _poll(config)

    _assert_no_reversal(config, hook)
    picture = _picture(config, KIM)
    assert picture.get("south-korea") == "corroborates", picture
    assert picture.get("north-korea") == "denies", picture
