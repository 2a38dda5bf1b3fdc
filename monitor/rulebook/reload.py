"""The rules in force, swapped whole: a new set is validated completely before it replaces the old one,
and a bad edit leaves the last good set running."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from structlog.typing import FilteringBoundLogger

from monitor.errors import RuleFileError, RuleProblem
from monitor.matching.matcher import Matcher
from monitor.rulebook.loader import RuleBook, load_rulebook


@dataclass(frozen=True)
class ActiveRules:
    """A validated rule book, its compiled matcher (active claims only), and when it came into force."""

    book: RuleBook
    matcher: Matcher
    loaded_at: datetime


@dataclass(frozen=True)
class ReloadOutcome:
    """What one reload attempt did."""

    accepted: bool
    changed: bool
    problems: tuple[RuleProblem, ...] = ()


Installer = Callable[[RuleBook], None]


class RulesKeeper:
    """Holds the rules in force. Readers take `current` once per unit of work; `reload` replaces it whole."""

    def __init__(self, rules_dir: Path, log: FilteringBoundLogger, clock: Callable[[], datetime],
                 install: Installer | None = None) -> None:
        self._rules_dir = rules_dir
        self._log = log
        self._clock = clock
        self._install = install
        self._lock = threading.Lock()
        self.current: ActiveRules | None = None
        self.problems: tuple[RuleProblem, ...] = ()

    def reload(self, reason: str) -> ReloadOutcome:
        """Load and validate the folder; on success install and swap it in, else keep the current set."""
        with self._lock:
            try:
                book = load_rulebook(self._rules_dir)
            except RuleFileError as exc:
                self.problems = tuple(exc.problems)
                for problem in exc.problems:
                    self._log.error("rules.invalid", file=problem.file, line=problem.line, column=problem.column,
                                    problem=problem.message, reason=reason)
                kept = self.current.book.fingerprint[:12] if self.current else None
                self._log.error("rules.kept", problems=len(exc.problems), running=kept, reason=reason)
                return ReloadOutcome(accepted=False, changed=False, problems=self.problems)
            self.problems = ()
            if self.current is not None and self.current.book.fingerprint == book.fingerprint:
                return ReloadOutcome(accepted=True, changed=False)
            matcher = Matcher(book.ruleset())
            if self._install is not None:
                self._install(book)
            self.current = ActiveRules(book, matcher, self._clock())
            self._log.info("rules.loaded", reason=reason, fingerprint=book.fingerprint[:12], feeds=len(book.feeds),
                           actors=len(book.actors), claims=len(book.claims),
                           active_claims=sum(claim.status == "active" for claim in book.claims))
            return ReloadOutcome(accepted=True, changed=True)
