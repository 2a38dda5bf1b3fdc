"""The rules folder as the web view reads it: loaded again only when a file in it changes, the last good set
kept when an edit is rejected (as the daemon does), and the rejected edit's problems kept for the Rules page."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from stat import S_ISREG

from monitor.errors import RuleFileError, RuleProblem
from monitor.rulebook.loader import RuleBook, load_rulebook

Signature = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class FolderState:
    """The last good rule book (None when none ever loaded), when it was loaded, and the current edit's
    problems (empty when the folder is valid)."""

    book: RuleBook | None
    loaded_at: datetime | None
    checked_at: datetime
    problems: tuple[RuleProblem, ...]


class RulesFolder:
    """Reads the folder on demand: a stat of its files, at most once every `recheck_seconds`, decides whether
    to parse it again."""

    def __init__(self, rules_dir: Path, clock: Callable[[], datetime], *, recheck_seconds: float = 1.0) -> None:
        self._dir = rules_dir
        self._clock = clock
        self._recheck = recheck_seconds
        self._lock = threading.Lock()
        self._signature: Signature | None = None
        self._state: FolderState | None = None
        self._scanned = float("-inf")

    def state(self) -> FolderState:
        """The folder's state, parsed again when any file was added, removed or changed since last time."""
        if self._state is not None and time.monotonic() - self._scanned < self._recheck:
            return self._state
        signature = self._scan()
        self._scanned = time.monotonic()
        with self._lock:
            if self._state is not None and signature == self._signature:
                return self._state
            now = self._clock()
            previous = self._state
            try:
                self._state = FolderState(load_rulebook(self._dir), now, now, ())
            except RuleFileError as exc:
                self._state = FolderState(previous.book if previous else None,
                                          previous.loaded_at if previous else None, now, tuple(exc.problems))
            self._signature = signature
            return self._state

    def book(self) -> RuleBook | None:
        """The last good rule book."""
        return self.state().book

    def _scan(self) -> Signature:
        """Each file's path, modification time and size, by path: one stat a file and plain strings, since a
        folder of a thousand claims is scanned again every `recheck_seconds`."""
        signature = []
        for folder, _, names in os.walk(self._dir):
            for name in names:
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                if S_ISREG(stat.st_mode):
                    signature.append((path, stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(signature))
