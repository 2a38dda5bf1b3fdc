"""Adding feeds to feeds.yaml the way an analyst would by hand: comments, order and layout kept.

The file is read and written with ruamel.yaml's round-trip mode, new entries go at the end, and the result
is validated before it atomically replaces the file, so an import never leaves a broken feeds.yaml.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from monitor.rulebook.feeds import FeedsFile
from monitor.rulebook.opml import OpmlFeed

EMPTY_FILE = "# The feeds claimwatch polls: name, url, and optionally interval, tags and site.\nfeeds: []\n"


class FeedsFileError(ValueError):
    """feeds.yaml cannot be edited (unreadable, invalid as it stands, or the edit would not validate)."""


@dataclass
class FeedsImport:
    """What an import did: the feeds added and those already present (matched by address, kept as they were)."""

    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


def add_feeds(path: Path, feeds: Sequence[OpmlFeed], *, extra_tags: Sequence[str] = ()) -> FeedsImport:
    """Append the feeds whose address feeds.yaml does not list yet; names already used get a suffix."""
    yaml = _yaml()
    text = path.read_text(encoding="utf-8") if path.exists() else EMPTY_FILE
    try:
        document = yaml.load(text) or CommentedMap()
        FeedsFile.model_validate(_plain(document))
    except (YAMLError, ValidationError) as exc:
        raise FeedsFileError(f"{path} has problems as it stands; fix them first (claimwatch rules check): "
                             f"{str(exc).splitlines()[0]}") from None
    entries = document.get("feeds")
    if not entries:  # absent, null or an empty [] (which would keep the new entries in flow style)
        entries = document["feeds"] = CommentedSeq()
    by_url = {str(entry["url"]): str(entry["name"]) for entry in entries}
    names = set(by_url.values())
    report = FeedsImport()
    for feed in feeds:
        if feed.url in by_url:
            report.kept.append(by_url[feed.url])
            continue
        name = _free_name(feed.name, names)
        names.add(name)
        by_url[feed.url] = name
        entries.append(_entry(name, feed, extra_tags))
        report.added.append(name)
    if report.added:
        _replace(path, _dump(yaml, document))
    return report


def _entry(name: str, feed: OpmlFeed, extra_tags: Sequence[str]) -> CommentedMap:
    entry = CommentedMap(name=name, url=feed.url)
    tags = list(dict.fromkeys([*feed.tags, *extra_tags]))
    if tags:
        flow = CommentedSeq(tags)
        flow.fa.set_flow_style()
        entry["tags"] = flow
    if feed.site:
        entry["site"] = feed.site
    return entry


def _free_name(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def _dump(yaml: YAML, document: CommentedMap) -> str:
    out = io.StringIO()
    yaml.dump(document, out)
    text = out.getvalue()
    try:
        FeedsFile.model_validate(_plain(YAML(typ="safe").load(text)))
    except (YAMLError, ValidationError) as exc:
        raise FeedsFileError(f"the edited feeds.yaml would not be valid, so it was left as it was: "
                             f"{str(exc).splitlines()[0]}") from None
    return text


def _replace(path: Path, text: str) -> None:
    """Write `text` beside `path` and rename it over: readers (the daemon's watcher) see old or new, whole."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _plain(node: object) -> object:
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    return node


def read_feeds(path: Path) -> list[OpmlFeed]:
    """The feeds feeds.yaml lists, in file order, as OPML entries; FeedsFileError when it is not valid."""
    try:
        parsed = FeedsFile.model_validate(_plain(YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}))
    except (OSError, YAMLError, ValidationError) as exc:
        raise FeedsFileError(f"{path}: {str(exc).splitlines()[0]} (claimwatch rules check)") from None
    return [OpmlFeed(name=feed.name, url=feed.url, tags=tuple(feed.tags), site=feed.site) for feed in parsed.feeds]
