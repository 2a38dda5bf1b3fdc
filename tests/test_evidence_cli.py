"""`claimwatch evidence` and `claims examples --from-corrections` as an analyst runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

from monitor.rulebook.schema import ExampleSpec
from storage.engine import make_engine, upgrade
from tests.feedserver import FeedServer
from tests.newsroom import CLAIM, SCENARIO, Newsroom

CLAIMWATCH = [sys.executable, "-m", "monitor"]


def _claimwatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLAIMWATCH, *args, "--config", str(config)], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "CLAIMWATCH_CONFIG": "", "USER": "analyst-a"})


def test_list_correct_dismiss_and_examples(tmp_path: Path, feed_server: FeedServer) -> None:
    """An analyst lists the evidence, corrects the US denial to China's foreign ministry, is told plainly about
    evidence that does not exist, and prints the correction as an example the claim file accepts."""
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    engine = make_engine(url)
    upgrade(engine)
    newsroom = Newsroom(tmp_path, url, engine, feed_server)
    for stage in SCENARIO["stages"][:2]:
        newsroom.publish(stage["items"])
        newsroom.poll()
    engine.dispose()
    config = tmp_path / "claimwatch.toml"
    config.write_text(f'rules_dir = "{newsroom.config.rules_dir}"\ndatabase_url = "{url}"\n')

    listed = _claimwatch(config, "evidence", "list", "--claim", CLAIM, "--json")
    assert listed.returncode == 0, listed.stderr
    us = next(e for e in json.loads(listed.stdout) if e["holder"] == "us-government")
    assert us["alert_id"] and us["correction"] is None

    corrected = _claimwatch(config, "evidence", "correct", str(us["id"]), "--stance", "denies", "--speaker",
                            "chinese-foreign-ministry", "--reason", "the quote was Beijing's")
    assert corrected.returncode == 0, corrected.stderr
    assert "denies: china" in corrected.stdout
    shown = json.loads(_claimwatch(config, "claims", "show", CLAIM, "--json").stdout)
    assert {p["holder"]: p["stance"] for p in shown["picture"]} == {"uk-government": "corroborates", "china": "denies"}
    again = next(e for e in json.loads(_claimwatch(config, "evidence", "list", "--claim", CLAIM, "--json").stdout)
                 if e["id"] == us["id"])
    assert again["alert_id"] == us["alert_id"]
    assert (again["correction"]["by"], again["correction"]["holder"]) == ("analyst-a", "china")
    assert "corrected to denies by chinese-foreign-ministry" in _claimwatch(
        config, "evidence", "list", "--claim", CLAIM).stdout

    missing = _claimwatch(config, "evidence", "dismiss", "999999", "--reason", "typo")
    assert missing.returncode == 2 and "no evidence 999999" in missing.stderr

    printed = _claimwatch(config, "claims", "examples", CLAIM, "--from-corrections")
    assert printed.returncode == 0, printed.stderr
    [example] = [ExampleSpec.model_validate(entry) for entry in YAML(typ="safe").load(printed.stdout)]
    assert (example.label, example.speaker) == ("denies", "chinese-foreign-ministry")
