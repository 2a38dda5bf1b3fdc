"""rules/feeds.yaml: validation with located errors, and syncing the catalog into the database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.errors import RuleFileError
from monitor.rulebook.loader import load_rulebook
from storage.feeds import CatalogEntry, list_feeds, sync_catalog

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "feeds.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as raised:
        load_rulebook(tmp_path)
    return [str(p).replace(str(tmp_path) + "/", "") for p in raised.value.problems]


def test_valid_file_gives_feeds_with_durations(tmp_path: Path) -> None:
    """Intervals written as 90s / 15m / 2h become seconds; tags are kept."""
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - name: wire\n    url: https://wire.example.com/rss\n    interval: 15m\n    tags: [wire]\n"
        "  - name: herald\n    url: http://herald.example.org/feed\n    interval: 90\n")
    feeds = load_rulebook(tmp_path).feeds
    assert [(f.name, f.interval, f.tags) for f in feeds] == [("wire", 900.0, ["wire"]), ("herald", 90.0, [])]


@pytest.mark.parametrize(("text", "expected"), [
    ("feeds:\n  - name: a\n    url: http://x/\n    intervall: 5m\n",
     ["feeds.yaml:4:5: feeds.1.intervall: unknown key; did you mean 'interval'?"]),
    ("feeds:\n  - name: a\n    url: ftp://x/\n",
     ["feeds.yaml:3:10: feeds.1.url: must be an http:// or https:// address"]),
    ("feeds:\n  - name: a\n    url: http://x/\n    interval: soon\n",
     ["feeds.yaml:4:15: feeds.1.interval: 'soon' is not a duration; write e.g. 90s, 15m, 2h or 1d"]),
    ("feeds:\n  - url: http://x/\n", ["feeds.yaml:2:5: feeds.1.name: required field is missing"]),
    ("feeds:\n  - name: a\n    url: http://x/\n  - name: a\n    url: http://y/\n",
     ["feeds.yaml:4:11: feeds.2.name: 'a' is already used on line 2; feed names must be unique"]),
    ("feeds:\n  - name: a\n   url: http://x/\n", ["feeds.yaml:3:4: YAML syntax:"]),
    ("feeds:\n  - name: a\n    name: b\n    url: http://x/\n", ["feeds.yaml:3:5: YAML syntax:"]),
    ("feeds:\n  - name: a\n    url: https://desk:s3cret@x.example/feed\n",
     ["feeds.yaml:3:10: feeds.1.url: must not hold a user name or password"]),
])
def test_each_error_is_located(tmp_path: Path, text: str, expected: list[str]) -> None:
    """Each kind of mistake is reported as FILE:LINE:COL: field: message."""
    problems = _problems(tmp_path, text)
    assert len(problems) == len(expected)
    for problem, wanted in zip(problems, expected, strict=True):
        assert problem.startswith(wanted), problem


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    """Three broken feeds give three problems in one pass, in file order."""
    problems = _problems(tmp_path, "feeds:\n  - name: a\n    url: nope\n  - name: b\n    url: http://b/\n"
                                   "    interval: -5\n  - name: c\n")
    assert [p.split(": ")[0] for p in problems] == ["feeds.yaml:3:10", "feeds.yaml:6:15", "feeds.yaml:7:5"]


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    """A rules folder without feeds.yaml is reported, not read as 'no feeds'."""
    with pytest.raises(RuleFileError, match=r"feeds\.yaml:1:1: file not found"):
        load_rulebook(tmp_path)


def test_sync_adds_changes_and_deactivates(engine: Engine) -> None:
    """Sync adds new feeds due now, restarts a feed whose URL changed, and keeps removed feeds as 'removed'."""
    first = sync_catalog(engine, [CatalogEntry("a", "http://a/"), CatalogEntry("b", "http://b/")], NOW)
    assert (first.added, first.changed, first.removed) == (["a", "b"], [], [])
    second = sync_catalog(engine, [CatalogEntry("a", "http://a2/", 600.0, ("wire",))], NOW)
    assert (second.added, second.changed, second.removed) == ([], ["a"], ["b"])
    rows = {row.name: row for row in list_feeds(engine)}
    assert (rows["a"].url, rows["a"].tags, rows["a"].status) == ("http://a2/", ["wire"], "new")
    assert rows["b"].status == "removed" and rows["b"].next_poll is None
    third = sync_catalog(engine, [CatalogEntry("a", "http://a2/", 600.0, ("wire",)), CatalogEntry("b", "http://b/")],
                         NOW)
    assert (third.added, third.changed, third.removed) == ([], ["b"], [])
