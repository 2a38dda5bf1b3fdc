"""The [web] table: its token and password are taken like channel secrets and checked before anything
listens; the daemon serves the view beside itself with `run --web-port`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from monitor.config import load_config
from monitor.errors import ConfigError


def _config(tmp_path: Path, web: str) -> Path:
    path = tmp_path / "claimwatch.toml"
    path.write_text(f'state_dir = "state"\nrules_dir = "rules"\n[web]\n{web}')
    return path


def test_token_comes_from_the_environment_only_when_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """${NAME} in the web token is resolved when the web view's secrets are asked for; a command that does
    not serve the view runs without it, and one that does fails naming the key, not guessing a value."""
    path = _config(tmp_path, 'token = "${TOKEN}"\n')
    monkeypatch.delenv("TOKEN", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    assert load_config(path, secrets=False).web.auth_required
    with pytest.raises(ConfigError, match=r"web\.token: \$\{TOKEN\} is not set"):
        load_config(path, secrets=False, web_secrets=True)
    monkeypatch.setenv("TOKEN", "a-token-of-some-length")
    settings = load_config(path, secrets=False, web_secrets=True)
    assert settings.web.token is not None and settings.web.token.get_secret_value() == "a-token-of-some-length"
    assert "a-token-of-some-length" not in repr(settings)


@pytest.mark.parametrize(("web", "message"), [
    ('username = "analysts"\n', "username and password go together"),
    ('token = "short"\n', "token is too short"),
    ('port = 70000\n', "port"),
])
def test_bad_web_settings_are_refused(tmp_path: Path, web: str, message: str) -> None:
    """A user name without a password, a short token or an impossible port stops the configuration."""
    with pytest.raises(ConfigError, match=message):
        load_config(_config(tmp_path, web), secrets=False)


def test_the_daemon_serves_the_web_view_beside_itself(tmp_path: Path) -> None:
    """`claimwatch run --web-port 0` logs the view's address; the view answers and its Rules page shows
    the running daemon; SIGTERM stops both."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "feeds.yaml").write_text("feeds: []\n")
    config = _config(tmp_path, "")
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(config), "--web-port", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "CLAIMWATCH_CONFIG": ""})
    try:
        assert daemon.stderr is not None
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            found = re.search(r'"url": "(http://[^"]+)"', daemon.stderr.readline())
            url = found[1] if found else None
        assert url is not None
        for _ in range(100):
            rules_page = httpx.get(url + "api/rules", timeout=10).json()
            if rules_page["daemons"]:
                break
            time.sleep(0.2)
        assert rules_page["folder"]["ok"] and rules_page["daemons"][0]["rules_ok"]
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
        with pytest.raises(httpx.TransportError):
            httpx.get(url + "api/rules", timeout=5)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        if daemon.stderr is not None:
            daemon.stderr.close()
