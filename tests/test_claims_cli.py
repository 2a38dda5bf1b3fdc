"""`claimwatch claims` and `claimwatch silence` as an analyst runs them, on a ledger built by the real poller."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from storage.engine import make_engine, upgrade
from tests.feedserver import FeedServer
from tests.helpers import EXAMPLE_RULES
from tests.newsroom import CLAIM, SCENARIO, WAVERING, Newsroom

CLAIMWATCH = [sys.executable, "-m", "monitor"]


def _claimwatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMWATCH, *args, "--config", str(config)], capture_output=True, text=True,
                          timeout=120, check=False)


def _newsroom_config(tmp_path: Path, newsroom: Newsroom) -> Path:
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'rules_dir = "{newsroom.config.rules_dir}"\ndatabase_url = "{newsroom.config.database_url}"\n')
    return config


def test_claims_list_and_show_give_the_picture_and_timeline(tmp_path: Path, feed_server: FeedServer) -> None:
    """After the seed story, `claims list` counts who corroborates and denies, and `claims show --json` gives
    each holder's stance and a timeline with sources, links, decisions and alert ids."""
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    engine: Engine = make_engine(url)
    upgrade(engine)
    newsroom = Newsroom(tmp_path, url, engine, feed_server)
    for stage in SCENARIO["stages"]:
        newsroom.publish(stage["items"])
        newsroom.poll()
    engine.dispose()
    config = _newsroom_config(tmp_path, newsroom)

    listing = _claimwatch(config, "claims", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    row = next(r for r in json.loads(listing.stdout) if r["id"] == CLAIM)
    assert (row["corroborating"], row["denying"]) == (1, 2)
    assert row["stories"] < row["evidence"]

    shown = _claimwatch(config, "claims", "show", CLAIM, "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    picture = {p["holder"]: p["stance"] for p in report["picture"]}
    assert picture == {"uk-government": "corroborates", "us-government": "denies", "china": "denies"}
    assert {p["name"] for p in report["picture"]} >= {"UK government"}
    alerted = [e for e in report["timeline"] if e["alert_id"]]
    assert [e["decision"] for e in alerted] == ["first_corroboration", "first_denial", "new_speaker"]
    assert all(e["url"].startswith("https://") and e["source"] for e in alerted)
    assert any(e["decision"] == "copy" for e in report["timeline"])

    text = _claimwatch(config, "claims", "show", CLAIM)
    assert text.returncode == 0 and "Deny: " in text.stdout and "first_denial" in text.stdout

    unknown = _claimwatch(config, "claims", "show", "no-such-claim")
    assert unknown.returncode == 2 and CLAIM in unknown.stderr


def test_claims_show_lists_evidence_that_needs_review(tmp_path: Path, feed_server: FeedServer) -> None:
    """A denial pinned on the UK without a clear speaker is listed as needing review, in the text and in
    `--json`, and the timeline marks its speaker unclear while the picture keeps the UK corroborating."""
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    engine: Engine = make_engine(url)
    upgrade(engine)
    newsroom = Newsroom(tmp_path, url, engine, feed_server)
    ledger = newsroom.scripted_ledger({item["title"]: [match] for item, match in WAVERING})
    for item, _ in WAVERING[:2]:
        newsroom.publish([item])
        newsroom.store_only()
        ledger.backlog()
    engine.dispose()
    config = _newsroom_config(tmp_path, newsroom)

    shown = _claimwatch(config, "claims", "show", CLAIM, "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert [p["stance"] for p in report["picture"]] == ["corroborates"]
    [review] = report["needs_review"]
    assert (review["holder"], review["stance"], review["clear_speaker"]) == ("uk-government", "denies", False)
    assert review["title"] == WAVERING[1][0]["title"] and review["alert_id"] is None
    assert [(e["decision"], e["clear_speaker"]) for e in report["timeline"]] == [
        ("first_corroboration", True), ("needs_review", False)]

    text = _claimwatch(config, "claims", "show", CLAIM)
    assert text.returncode == 0, text.stderr
    assert "Needs review (1): " in text.stdout and "[needs_review]  speaker unclear" in text.stdout


def test_silence_add_list_remove(tmp_path: Path) -> None:
    """A silence is added with a duration and reason, listed while in force, and removed; bad input is
    refused with exit 2 and removing twice exits 1."""
    rules = tmp_path / "rules"
    (rules / "claims").mkdir(parents=True)
    root = EXAMPLE_RULES
    (rules / "actors.yaml").write_text((root / "actors.yaml").read_text())
    (rules / "feeds.yaml").write_text("feeds: []\n")
    (rules / "claims" / f"{CLAIM}.yaml").write_text((root / "claims" / f"{CLAIM}.yaml").read_text())
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'rules_dir = "{rules}"\nstate_dir = "{tmp_path / "state"}"\n')

    added = _claimwatch(config, "silence", "add", "--claim", CLAIM, "--speaker", "china", "--for", "6h",
                        "--reason", "embassy briefing")
    assert added.returncode == 0, added.stderr
    silence_id = added.stdout.split()[1].rstrip(":")
    listed = json.loads(_claimwatch(config, "silence", "list", "--json").stdout)
    assert [(s["claim_id"], s["speaker"], s["reason"]) for s in listed] == [(CLAIM, "china", "embassy briefing")]

    assert _claimwatch(config, "silence", "add", "--claim", CLAIM, "--for", "soon", "--reason", "x").returncode == 2
    assert _claimwatch(config, "silence", "add", "--claim", "nope", "--for", "1h", "--reason", "x").returncode == 2
    assert _claimwatch(config, "silence", "remove", silence_id).returncode == 0
    assert json.loads(_claimwatch(config, "silence", "list", "--json").stdout) == []
    assert _claimwatch(config, "silence", "remove", silence_id).returncode == 1


def test_silence_add_refuses_nothing_and_warns_about_long_ones(tmp_path: Path) -> None:
    """`silence add` refuses a zero duration, names the actor id a speaker alias stands for, and accepts a
    silence longer than 30 days with a warning."""
    rules = tmp_path / "rules"
    (rules / "claims").mkdir(parents=True)
    (rules / "actors.yaml").write_text((EXAMPLE_RULES / "actors.yaml").read_text())
    (rules / "feeds.yaml").write_text("feeds: []\n")
    (rules / "claims" / f"{CLAIM}.yaml").write_text((EXAMPLE_RULES / "claims" / f"{CLAIM}.yaml").read_text())
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'rules_dir = "{rules}"\nstate_dir = "{tmp_path / "state"}"\n')

    zero = _claimwatch(config, "silence", "add", "--claim", CLAIM, "--for", "0s", "--reason", "x")
    assert zero.returncode == 2 and "longer than 0" in zero.stderr
    alias = _claimwatch(config, "silence", "add", "--claim", CLAIM, "--speaker", "Beijing", "--for", "1h",
                        "--reason", "x")
    assert alias.returncode == 2 and "it is an alias of 'china'" in alias.stderr
    typo = _claimwatch(config, "silence", "add", "--claim", CLAIM, "--speaker", "chna", "--for", "1h", "--reason", "x")
    assert typo.returncode == 2 and "did you mean 'china'?" in typo.stderr
    long = _claimwatch(config, "silence", "add", "--claim", CLAIM, "--for", "45d", "--reason", "summit season")
    assert long.returncode == 0, long.stderr
    assert "warning: this silence lasts 45 days" in long.stderr and long.stdout.rstrip().endswith(" UTC")
