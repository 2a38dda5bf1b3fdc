"""What one send came to, whether trying again can help, and error texts kept free of a URL's secrets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

_MIN_SECRET = 3
# A 4xx other than these says the request itself is wrong (bad token, unknown hook), and a 301 or 308 that
# the address has moved for good: sending it again unchanged cannot succeed.
_RETRYABLE_4XX = frozenset({408, 425, 429})
_MOVED = frozenset({301, 308})


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send; `retryable` False means trying again unchanged cannot succeed."""

    ok: bool
    error: str | None = None
    retryable: bool = True


def retryable_status(status: int) -> bool:
    """Whether a failed send answered with this HTTP status may succeed when sent again unchanged."""
    return not (status in _MOVED or (400 <= status < 500 and status not in _RETRYABLE_4XX))


def scrub(text: str, url: str) -> str:
    """`text` with every secret-looking part of `url` (user, password, path segments, query values, and
    the URL itself) replaced by ***."""
    secrets = [url]
    try:
        parts = urlsplit(url)
        secrets += [parts.username or "", parts.password or ""]
        if "." not in (parts.hostname or ""):
            secrets.append(parts.hostname or "")  # token-shaped "hosts": slack://TokenA/...
        secrets += [unquote(segment) for segment in parts.path.split("/")]
        secrets += [value for _key, value in parse_qsl(parts.query)]
    except ValueError:
        pass
    for secret in sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True):
        text = re.sub(re.escape(secret), "***", text)
    return text
