"""OPML import into feeds.yaml and export from it, as an analyst moves feeds from and to a feed reader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from monitor.rulebook.feeds_edit import read_feeds
from monitor.rulebook.opml import OpmlFeed, read_opml
from tests.helpers import EXAMPLE_RULES

FIXTURES = Path(__file__).parent / "fixtures" / "opml"


def _claimwatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", *args, "--config", str(config)], capture_output=True,
                          text=True, timeout=60, check=False, env={**os.environ, "CLAIMWATCH_CONFIG": ""})


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(EXAMPLE_RULES / "feeds.yaml", rules / "feeds.yaml")
    config = tmp_path / "claimwatch.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n')
    return config, rules / "feeds.yaml"


def test_import_adds_new_feeds_below_the_analysts_own_lines(tmp_path: Path) -> None:
    """Importing a reader's export appends its new feeds with folder and category tags, keeps a feed already
    listed, and leaves every existing line (comments included) exactly as it was."""
    config, feeds_yaml = _setup(tmp_path)
    before = feeds_yaml.read_text(encoding="utf-8")
    run = _claimwatch(config, "feeds", "import", str(FIXTURES / "reader-export.opml"), "--tag", "Imported")
    assert run.returncode == 0, run.stderr
    after = feeds_yaml.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before):] == (
        "  - name: Kyiv Independent\n"
        "    url: https://kyivindependent.com/feed/\n"
        "    tags: [world, ukraine, imported]\n"
        "    site: https://kyivindependent.com/\n"
        "  - name: Defence Weekly\n"
        "    url: https://defence-weekly.example/rss\n"
        "    tags: [defence-press, imported]\n")
    assert "kept    bbc-world: already in feeds.yaml" in run.stdout
    assert "kept    un-news: already in feeds.yaml" in run.stdout
    skipped = [line for line in run.stdout.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 4, run.stdout
    assert any("'BBC World again': the same address as 'BBC News - World'" in line for line in skipped)
    assert any("'Think tank blog': no xmlUrl" in line for line in skipped)
    assert any("'Ministry press page'" in line and "looks like a web page" in line for line in skipped)
    assert any("'Local file'" in line and "not an http:// or https://" in line for line in skipped)
    again = _claimwatch(config, "feeds", "import", str(FIXTURES / "reader-export.opml"))
    assert again.returncode == 0 and feeds_yaml.read_text(encoding="utf-8") == after
    assert len(read_feeds(feeds_yaml)) == len(read_feeds(EXAMPLE_RULES / "feeds.yaml")) + 2


def test_export_then_import_gives_back_the_same_feeds(tmp_path: Path) -> None:
    """feeds.yaml exported as OPML 2.0 and read back gives the same names, addresses, tags and sites (grouped
    in folders by first tag, so only the order between folders changes)."""
    config, feeds_yaml = _setup(tmp_path)
    assert _claimwatch(config, "feeds", "import", str(FIXTURES / "reader-export.opml")).returncode == 0
    exported = tmp_path / "feeds.opml"
    run = _claimwatch(config, "feeds", "export", "-o", str(exported))
    assert run.returncode == 0, run.stderr
    assert exported.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    back = read_opml(exported.read_bytes())
    def by_url(feeds: list[OpmlFeed]) -> list[OpmlFeed]:
        return sorted(feeds, key=lambda feed: feed.url)

    assert (by_url(back.feeds), back.skipped) == (by_url(read_feeds(feeds_yaml)), [])


def test_a_file_not_in_its_declared_encoding_is_read_with_a_note(tmp_path: Path) -> None:
    """An export that says UTF-8 but is Latin-1 is read with its accents intact, and the report says so."""
    contents = read_opml((FIXTURES / "latin1-declared-utf8.opml").read_bytes())
    [feed] = contents.feeds
    assert (feed.name, feed.tags) == ("Le Monde à la une", ("actualités",))
    assert contents.notes and "not in the encoding it declares" in contents.notes[0]


def test_an_import_never_leaves_a_broken_feeds_yaml(tmp_path: Path) -> None:
    """A file that is not OPML, or a feeds.yaml already broken, stops the import with exit 1 and no change."""
    config, feeds_yaml = _setup(tmp_path)
    before = feeds_yaml.read_text(encoding="utf-8")
    page = tmp_path / "page.opml"
    page.write_text("<html><body>Subscriptions</body></html>")
    run = _claimwatch(config, "feeds", "import", str(page))
    assert run.returncode == 1 and "not OPML" in run.stderr
    bomb = tmp_path / "bomb.opml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body/></opml>')
    assert _claimwatch(config, "feeds", "import", str(bomb)).returncode == 1
    assert feeds_yaml.read_text(encoding="utf-8") == before
    feeds_yaml.write_text(before + "  - name: broken\n    url: ftp://nowhere\n", encoding="utf-8")
    broken = feeds_yaml.read_text(encoding="utf-8")
    run = _claimwatch(config, "feeds", "import", str(FIXTURES / "reader-export.opml"))
    assert run.returncode == 1 and "fix them first" in run.stderr
    assert feeds_yaml.read_text(encoding="utf-8") == broken
    assert not [p for p in feeds_yaml.parent.iterdir() if p.name.endswith(".tmp")]
