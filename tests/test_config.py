"""claimwatch.toml and CLAIMWATCH_* overrides."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError


def test_defaults_put_sqlite_under_state_dir(tmp_path: Path) -> None:
    """With no file and no environment, the database is SQLite in the state folder."""
    config = load_config(None)
    assert config.database_url is None
    assert config.effective_database_url.endswith("/state/claimwatch.db")
    assert config.polling.max_body_bytes == 15 * 1024 * 1024


def test_file_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    """state_dir and rules_dir in the file are read relative to the file, not the working directory."""
    path = tmp_path / "etc" / "claimwatch.toml"
    path.parent.mkdir()
    path.write_text('state_dir = "var"\nrules_dir = "rules"\n[polling]\nworkers = 3\n')
    config = load_config(path)
    assert config.state_dir == path.parent / "var"
    assert config.rules_dir == path.parent / "rules"
    assert config.polling.workers == 3


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLAIMWATCH_DATABASE_URL and nested CLAIMWATCH_POLLING__WORKERS win over the file."""
    path = tmp_path / "claimwatch.toml"
    path.write_text('database_url = "sqlite:///a.db"\n[polling]\nworkers = 3\n')
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", "postgresql+psycopg://db/cw")
    monkeypatch.setenv("CLAIMWATCH_POLLING__WORKERS", "9")
    config = load_config(path)
    assert config.database_url == "postgresql+psycopg://db/cw"
    assert config.polling.workers == 9


@pytest.mark.parametrize(("text", "environ", "expected"), [
    ("[polling]\nworkers = 0\n", {}, "claimwatch.toml: polling.workers: Input should be greater than or equal to 1"),
    ("[polling]\nworkerz = 4\n", {}, "claimwatch.toml: polling.workerz: unknown key"),
    ("colour = 'red'\n", {}, "claimwatch.toml: colour: unknown key"),
    ("", {"CLAIMWATCH_POLLING__WORKERS": "many"},
     "environment variable CLAIMWATCH_POLLING__WORKERS: polling.workers: Input should be a valid integer"),
    ("workers = [\n", {}, "claimwatch.toml: not valid TOML"),
    ("[retention]\nitems_days = 90\nkeys_days = 30\n", {},
     "claimwatch.toml: retention: keys_days (30) must be at least items_days (90)"),
    ("[polling]\nlease_seconds = inf\n", {}, "claimwatch.toml: polling.lease_seconds: Input should be a finite number"),
    ("[alerts]\ngrouping_seconds = nan\n", {},
     "claimwatch.toml: alerts.grouping_seconds: Input should be a finite number"),
    ("[polling]\nlease_seconds = 1e308\n", {},
     "claimwatch.toml: polling.lease_seconds: Input should be less than or equal to 3153600000"),
    ("[retention]\nkeys_days = 1e300\n", {}, "claimwatch.toml: retention.keys_days: Input should be less than"),
    ('database_url = "postgresql+psycopg://cw@db:notaport/cw"\n', {},
     "claimwatch.toml: database_url: not a database URL: the port must be a number"),
    ('database_url = "oracle+nosuch://cw@db/cw"\n', {},
     "claimwatch.toml: database_url: unsupported database 'oracle'; use sqlite:///PATH or postgresql+psycopg://"),
    ('database_url = "postgresql+nosuch://cw@db/cw"\n', {},
     "claimwatch.toml: database_url: unknown driver 'nosuch'; use sqlite:///PATH or postgresql+psycopg://"),
    ('database_url = "just words"\n', {}, "claimwatch.toml: database_url: not a database URL"),
    ("a = " + "[" * 100_000 + "\n", {}, "claimwatch.toml: not valid TOML: nested too deeply"),
    ('[polling]\nallowed_networks = ["10.0.0.1/8"]\n', {},
     "claimwatch.toml: polling.allowed_networks.0: value is not a valid IPv4 or IPv6 network"),
])
def test_bad_config_names_key_source_and_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
                                                 environ: dict[str, str], expected: str) -> None:
    """Every bad value is reported with where it came from, the key, and what is wrong."""
    path = tmp_path / "claimwatch.toml"
    path.write_text(text)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert expected in str(raised.value).replace(str(tmp_path) + "/", "")


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    """A config path that does not exist is refused, not silently replaced by defaults."""
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_example_config_documents_every_setting() -> None:
    """deploy/claimwatch.toml parses and names every top-level, polling, alerts, retention and nodes setting."""
    import tomllib

    from monitor.config import AlertSettings, Config, NodeSettings, PollingSettings, RetentionSettings, WebSettings

    path = Path(__file__).parent.parent / "deploy" / "claimwatch.toml"
    load_config(path)
    text = path.read_text()
    data = tomllib.loads(text)
    documented = set(data) | {line.split("=")[0].strip("# ").strip() for line in text.splitlines() if "=" in line}
    assert set(Config.model_fields) - {"polling", "alerts", "retention", "nodes", "channels", "web"} <= documented
    assert "[[channels]]" in text
    assert set(PollingSettings.model_fields) == set(data["polling"])
    assert set(AlertSettings.model_fields) == set(data["alerts"]) | {"severity_channels"}
    assert "severity_channels" in text
    assert set(RetentionSettings.model_fields) == set(data["retention"])
    assert set(NodeSettings.model_fields) == set(data["nodes"])
    assert set(WebSettings.model_fields) <= documented


def test_channel_secrets_come_from_environment_and_credentials(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """${NAME} in a channel URL is filled from the environment or $CREDENTIALS_DIRECTORY and never shown."""
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "SMTP_PASSWORD").write_text("hunter2\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    monkeypatch.setenv("SLACK_TOKENS", "T000/B000/XXXXSECRET")
    path = tmp_path / "claimwatch.toml"
    path.write_text('[[channels]]\nname = "slack"\nurl = "slack://${SLACK_TOKENS}/#claims"\ntags = ["analysts"]\n'
                    '[[channels]]\nname = "mail"\nurl = "mailtos://ops:${SMTP_PASSWORD}@mail.example.com"\n')
    slack, mail = load_config(path).channels
    assert slack.url.get_secret_value() == "slack://T000/B000/XXXXSECRET/#claims"
    assert mail.url.get_secret_value() == "mailtos://ops:hunter2@mail.example.com"
    assert (slack.display, mail.display) == ("slack://***", "mailtos://mail.example.com/***")
    assert "SECRET" not in repr(load_config(path)) and "hunter2" not in repr(load_config(path))


def test_missing_channel_secret_names_the_variable(tmp_path: Path) -> None:
    """A ${NAME} that nothing provides is a config error naming NAME and the channel."""
    path = tmp_path / "claimwatch.toml"
    path.write_text('[[channels]]\nname = "slack"\nurl = "slack://${NO_SUCH_TOKEN_X}"\n')
    with pytest.raises(ConfigError, match=r"channels\.0\.url: \$\{NO_SUCH_TOKEN_X\} is not set"):
        load_config(path)


def test_commands_that_never_send_run_without_channel_secrets(tmp_path: Path) -> None:
    """`claimwatch status` runs when a channel's ${NAME} is not provided, and `run` refuses to start."""
    import subprocess
    import sys

    path = tmp_path / "claimwatch.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\n[[channels]]\nname = "slack"\n'
                    'url = "slack://${NO_SUCH_TOKEN_X}"\n')
    assert load_config(path, secrets=False).channels[0].url.get_secret_value() == "slack://${NO_SUCH_TOKEN_X}"
    env = {key: value for key, value in os.environ.items() if key != "CLAIMWATCH_CONFIG"}
    upgrade = subprocess.run([sys.executable, "-m", "monitor", "db", "upgrade", "--config", str(path)],
                             capture_output=True, text=True, timeout=60, check=False, env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    status = subprocess.run([sys.executable, "-m", "monitor", "status", "--no-daemon-expected", "--config", str(path)],
                            capture_output=True, text=True, timeout=60, check=False, env=env)
    assert status.returncode == 0, status.stderr
    run = subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "--config", str(path)],
                         capture_output=True, text=True, timeout=60, check=False, env=env)
    assert run.returncode == 2 and "NO_SUCH_TOKEN_X" in run.stderr


def test_every_config_problem_is_reported_in_one_pass(tmp_path: Path) -> None:
    """A missing secret, a wrong type, a misspelt key and an unusable channel URL all come back from one run."""
    import subprocess
    import sys

    path = tmp_path / "claimwatch.toml"
    path.write_text('[polling]\nworkers = "many"\nper_hots = 2\n'
                    '[[channels]]\nname = "slack"\nurl = "slack://${NO_SUCH_TOKEN_Y}"\n'
                    '[[channels]]\nname = "hook"\nurl = "nosuchscheme://example.org/x"\n')
    env = {key: value for key, value in os.environ.items() if key != "CLAIMWATCH_CONFIG"}
    run = subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "--config", str(path)],
                         capture_output=True, text=True, timeout=60, check=False, env=env)
    assert run.returncode == 2
    assert "4 configuration problems" in run.stderr
    assert "polling.workers: Input should be a valid integer" in run.stderr
    assert "polling.per_hots: unknown key; did you mean 'per_host'?" in run.stderr
    assert "${NO_SUCH_TOKEN_Y} is not set" in run.stderr
    assert "channel 'hook' (nosuchscheme://example.org/***): apprise cannot use this URL" in run.stderr
