"""How log events look: readable lines on a terminal, JSON lines for the journal and for pipes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.logs import LogFormat, make_logger, wants_json


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("log_format", "terminal", "environ", "expected"), [
    (LogFormat.AUTO, True, {}, False),
    (LogFormat.AUTO, True, {"JOURNAL_STREAM": "8:1234"}, True),
    (LogFormat.AUTO, False, {}, True),
    (LogFormat.CONSOLE, False, {}, False),
    (LogFormat.JSON, True, {}, True),
])
def test_format_follows_the_terminal_unless_told(log_format: LogFormat, terminal: bool, environ: dict[str, str],
                                                 expected: bool) -> None:
    """Auto is readable on a terminal and JSON under systemd or into a pipe; an explicit format always wins."""
    stream = _Terminal() if terminal else io.StringIO()
    assert wants_json(log_format, stream, environ) is expected


def test_console_lines_are_readable_and_json_lines_parse() -> None:
    """The console renderer writes the event and its keys on one plain line; JSON mode writes one object."""
    console, machine = io.StringIO(), io.StringIO()
    make_logger(console, json=False).info("feed.polled", feed_id=7)
    make_logger(machine, json=True).info("feed.polled", feed_id=7)
    assert "feed.polled" in console.getvalue() and "feed_id=7" in console.getvalue()
    assert not console.getvalue().startswith("{")
    assert json.loads(machine.getvalue())["feed_id"] == 7


def test_run_takes_a_log_format(tmp_path: Path) -> None:
    """`run --once --log-format console` logs readable lines even into a pipe."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "feeds.yaml").write_text("feeds: []\n")
    config = tmp_path / "claimwatch.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n')
    run = subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "--log-format", "console",
                          "--config", str(config)], capture_output=True, text=True, timeout=60, check=False,
                         env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines and not any(line.startswith("{") for line in lines)
