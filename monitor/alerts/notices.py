"""Operator notices about the service itself, queued in the outbox like any alert."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from storage.outbox import NewAlert

MAX_LISTED = 20


def rules_rejected(problems: Sequence[str], now: datetime, *, rules_dir: str) -> NewAlert:
    """A notice that an edit of the rules was rejected, listing its problems. Its id is derived from the
    problems, so daemons rejecting the same edit queue it once (see `enqueue_once`)."""
    digest = hashlib.sha256("\n".join(sorted(problems)).encode()).hexdigest()[:12]
    listed = "\n".join(f"- {problem}" for problem in problems[:MAX_LISTED])
    more = f"\n... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    body = (f"An edit of the rules in {rules_dir} was rejected; the daemons keep running the last good rules.\n"
            f"{listed}{more}\nFix the files (claimwatch rules check shows every problem); the daemons reload "
            "on their own when the files change.")
    return NewAlert(id=f"rules-{digest}", kind="rules_rejected", priority=1, created_at=now, severity="high",
                    detail={"title": f"Rules edit rejected: {len(problems)} problem{'s' * (len(problems) != 1)}",
                            "body": body, "problems": list(problems)})
