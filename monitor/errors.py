"""Every error claimwatch raises on purpose, and whether it is worth retrying.

    ClaimwatchError
    ├── TransientError            retry later: the same call may succeed
    │   └── TransientFetchError   timeouts, refused connections, 5xx, 429 (with the server's Retry-After)
    └── PermanentError            retrying as-is will fail again: a person must act
        ├── ConfigError           claimwatch.toml or CLAIMWATCH_* is wrong
        ├── RuleFileError         an analyst's YAML file is wrong (file, line, column, all at once)
        ├── PermanentFetchError   4xx, body over the cap, redirect loop, not a feed
        ├── ParseError            a body feedparser or the JSON Feed reader could not turn into items,
        │                         or whose parse ran out of time
        └── CorrectionError       an analyst's correction names evidence, an actor or a stance that does
                                  not exist

Both fetch errors also derive from FetchError, so a caller that only wants "the fetch failed" can say so.

Callers decide by class, never by message text: `except TransientError` backs off and tries again,
`except PermanentError` records the problem for a person and stops trying this round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


class ClaimwatchError(Exception):
    """Base of every error claimwatch raises on purpose."""

    retryable: bool = False


class TransientError(ClaimwatchError):
    """The same call may succeed later."""

    retryable = True


class PermanentError(ClaimwatchError):
    """Retrying unchanged will fail again; a person has to fix something."""


class CorrectionError(PermanentError):
    """A correction cannot apply as given; the message says which argument to fix."""


class ConfigError(PermanentError):
    """The configuration file or environment is invalid; the message names the key and the source."""


@dataclass(frozen=True)
class RuleProblem:
    """One mistake in an analyst's file, located for an editor."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class RuleFileError(PermanentError):
    """One or more analyst files are invalid; `problems` holds every one of them."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FetchError(ClaimwatchError):
    """A feed could not be fetched."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientFetchError(FetchError, TransientError):
    """The fetch may succeed later; `retry_after` is the server's own wish when it gave one."""

    def __init__(self, message: str, *, status: int | None = None,
                 retry_after: timedelta | datetime | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class PermanentFetchError(FetchError, PermanentError):
    """The feed answered with something claimwatch cannot use until its publisher changes it."""


class ParseError(PermanentError):
    """A feed body could not be turned into items."""
