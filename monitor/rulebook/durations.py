"""Durations as analysts write them: 90s, 15m, 2h, 1d, or a number of seconds."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400}


def parse_duration(value: Any) -> Any:
    """'90s', '15m', '2h', '1d' or a number of seconds, as seconds; anything else is left to pydantic."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 15m, 2h or 1d")
        return float(match[1]) * _UNITS[(match[2] or "s").lower()]
    return value


Duration = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
