"""deploy/claimwatch.service as systemd reads it: no warning from `systemd-analyze verify`, a low exposure
score, and commands and paths that agree with the CLI and the example configuration."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE_RULES

ROOT = Path(__file__).parent.parent
UNIT = ROOT / "deploy" / "claimwatch.service"
DROP_IN = ROOT / "deploy" / "credentials.conf"
EXAMPLE_CONFIG = ROOT / "deploy" / "claimwatch.toml"
INSTALLED = "/opt/claimwatch/venv/bin/claimwatch"
CLAIMWATCH = Path(sys.executable).with_name("claimwatch")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
# Warnings go to stderr, uncoloured, whatever the caller's environment says (a quieter inherited
# SYSTEMD_LOG_LEVEL would hide them; a journal stream as stderr would divert them).
SYSTEMD_ENV = {**os.environ, "SYSTEMD_LOG_LEVEL": "info", "SYSTEMD_LOG_TARGET": "console",
               "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": "cat"}
# The highest acceptable `systemd-analyze security` exposure, in tenths (the unit scores 1.2 of 10).
EXPOSURE_THRESHOLD = 20

needs_systemd = pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")


def staged_unit(folder: Path, text: str | None = None, drop_in: str | None = None) -> Path:
    """A copy of the unit (and its example credentials drop-in) whose commands point at this checkout's
    claimwatch instead of /opt/claimwatch, which does not exist here."""
    text = UNIT.read_text(encoding="utf-8") if text is None else text
    unit = folder / "claimwatch.service"
    unit.write_text(text.replace(INSTALLED, str(CLAIMWATCH)), encoding="utf-8")
    drop_ins = folder / "claimwatch.service.d"
    drop_ins.mkdir()
    (drop_ins / "credentials.conf").write_text(
        DROP_IN.read_text(encoding="utf-8") if drop_in is None else drop_in, encoding="utf-8")
    return unit


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run([SYSTEMD_ANALYZE, *args], capture_output=True, text=True, env=SYSTEMD_ENV,
                          timeout=60, check=False)


def directives(name: str) -> list[str]:
    """Every value of one [Service] directive in the unit, in order."""
    return [line.split("=", 1)[1] for line in UNIT.read_text(encoding="utf-8").splitlines()
            if line.startswith(f"{name}=")]


@needs_systemd
def test_unit_and_drop_in_verify_without_a_word(tmp_path: Path) -> None:
    """`systemd-analyze verify` says nothing at all about the unit and its credentials drop-in."""
    assert CLAIMWATCH.is_file(), f"{CLAIMWATCH} is missing: install the project into this environment"
    result = analyze("verify", str(staged_unit(tmp_path)))
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


@needs_systemd
@pytest.mark.parametrize(("where", "good", "bad", "complaint"), [
    ("unit", "ProtectSystem=strict", "ProtectSystem=strcit", "Failed to parse protect system value"),
    ("unit", "ProtectHome=yes", "ProtectHoem=yes", "Unknown key 'ProtectHoem'"),
    ("unit", "Restart=on-failure", "Restart=on-falure", "Failed to parse service restart specifier"),
    ("unit", "SystemCallFilter=@system-service", "SystemCallFilter=@system-servise", "Unknown system call group"),
    ("drop-in", "LoadCredential=SLACK_TOKENS:", "LoadCredentials=SLACK_TOKENS:", "Unknown key"),
])
def test_a_mistake_in_the_unit_fails_verification(tmp_path: Path, where: str, good: str, bad: str,
                                                 complaint: str) -> None:
    """A misspelt key or value, which verify only warns about and still exits 0 for, shows on stderr."""
    source = UNIT if where == "unit" else DROP_IN
    text = source.read_text(encoding="utf-8")
    assert good in text
    broken = text.replace(good, bad, 1)
    unit = staged_unit(tmp_path, text=broken if where == "unit" else None,
                       drop_in=broken if where == "drop-in" else None)
    result = analyze("verify", str(unit))
    assert complaint in result.stderr, result.stderr


@needs_systemd
def test_the_original_unit_is_checked_against_the_installed_binary() -> None:
    """Verified as shipped, the unit names /opt/claimwatch/venv/bin/claimwatch, which verify checks exists."""
    result = analyze("verify", str(UNIT))
    if Path(INSTALLED).exists():
        assert result.stderr == ""
    else:
        assert f"Command {INSTALLED} is not executable" in result.stderr


@needs_systemd
def test_sandbox_exposure_stays_low(tmp_path: Path) -> None:
    """`systemd-analyze security --offline` rates the unit at most 2.0 (\"OK\"); it rates it 1.2."""
    result = analyze("security", "--offline=true", f"--threshold={EXPOSURE_THRESHOLD}", "--no-pager",
                     str(staged_unit(tmp_path)))
    score = re.search(r"Overall exposure level for claimwatch\.service: (\d+\.\d)", result.stdout)
    assert score, result.stdout + result.stderr
    assert result.returncode == 0, f"exposure {score[1]} is above {EXPOSURE_THRESHOLD / 10}"


def test_unit_commands_run_as_the_cli_understands_them(tmp_path: Path) -> None:
    """ExecStartPre checks the rules folder and ExecStart runs the daemon with the unit's own arguments,
    here against a copy of /etc/claimwatch in a temporary folder (`run` gets --once to return)."""
    etc = tmp_path / "etc"
    rules = etc / "rules"
    shutil.copytree(EXAMPLE_RULES, rules)
    (rules / "feeds.yaml").write_text("feeds: []\n", encoding="utf-8")
    config = etc / "claimwatch.toml"
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8")
                      .replace('"/var/lib/claimwatch"', f'"{tmp_path / "state"}"')
                      .replace('"/etc/claimwatch/rules"', f'"{rules}"'), encoding="utf-8")
    (tmp_path / "state").mkdir()

    def run(line: str, *extra: str) -> subprocess.CompletedProcess[str]:
        argv = [arg.replace("/etc/claimwatch", str(etc)) for arg in shlex.split(line)]
        assert argv[0] == INSTALLED
        env = {key: value for key, value in os.environ.items() if not key.startswith("CLAIMWATCH_")}
        return subprocess.run([str(CLAIMWATCH), *argv[1:], *extra], capture_output=True, text=True, env=env,
                              timeout=120, check=False)

    [check] = directives("ExecStartPre")
    assert shlex.split(check)[1:] == ["rules", "check", "/etc/claimwatch/rules"]
    checked = run(check)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{rules}: OK" in checked.stdout

    [start] = directives("ExecStart")
    assert shlex.split(start)[1:] == ["run", "--config", "/etc/claimwatch/claimwatch.toml"]
    ran = run(start, "--once")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (tmp_path / "state" / "claimwatch.db").is_file()


def test_unit_and_example_config_agree_on_paths() -> None:
    """The example configuration keeps its database in the unit's StateDirectory and reads the rules
    folder that ExecStartPre checks; reloads are a SIGHUP, which the daemon takes as "reload rules"."""
    config = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    assert directives("StateDirectory") == ["claimwatch"]
    assert config["state_dir"] == "/var/lib/claimwatch"
    assert shlex.split(directives("ExecStartPre")[0])[-1] == config["rules_dir"]
    assert directives("ExecReload") == ["/bin/kill -HUP $MAINPID"]
    assert directives("Type") == ["notify"]
    assert directives("NotifyAccess") == ["main"]
