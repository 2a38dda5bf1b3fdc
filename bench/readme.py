"""bench/README.md kept by the benchmarks that write their own section of it."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).with_name("README.md")


def replace_section(heading: str, lines: list[str]) -> None:
    """Replace the section under `heading` (up to the next `## ` heading) with `lines`, or append it."""
    section = "\n".join([heading, "", *lines, ""])
    current = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if heading in current:
        before, _, rest = current.partition(heading)
        following = rest.find("\n## ")
        after = rest[following + 1:] if following >= 0 else ""
        current = before + section + ("\n" + after if after else "")
    else:
        current = current.rstrip("\n") + "\n\n" + section
    README.write_text(current, encoding="utf-8")
