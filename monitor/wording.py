"""How numbers read in messages for people: `1 problem`, `2 problems`, `1 piece of evidence`."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and the noun, singular for exactly one; `many` is the plural when adding "s" is wrong."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
