"""claimwatch.toml plus CLAIMWATCH_* environment overrides, validated once and passed explicitly.

Precedence, highest first: environment (`CLAIMWATCH_DATABASE_URL`, `CLAIMWATCH_POLLING__WORKERS`, ...),
then the TOML file, then the defaults below. A bad value names the key, where it came from and what is
wrong, and raises ConfigError: the daemon refuses to start rather than guess.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitor.errors import ConfigError
from storage.engine import database_url_problem

_SECRET_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
ENV_PREFIX = "CLAIMWATCH_"
CONFIG_ENV = "CLAIMWATCH_CONFIG"

_CENTURY_SECONDS = 100 * 365 * 86_400
# Durations are finite (allow_inf_nan=False on every model) and at most a century, so that adding one to
# the clock can never overflow a datetime.
Seconds = Annotated[float, Field(le=_CENTURY_SECONDS)]
Hours = Annotated[float, Field(le=_CENTURY_SECONDS // 3_600)]
Days = Annotated[float, Field(le=_CENTURY_SECONDS // 86_400)]


class PollingSettings(BaseModel):
    """How feeds are fetched and how often."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    default_interval_seconds: Seconds = Field(900, gt=0, description="poll a feed this often unless it says")
    min_interval_seconds: Seconds = Field(
        60, gt=0, description="floor: no feed interval, TTL or Cache-Control polls faster than this")
    max_interval_seconds: Seconds = Field(86_400, gt=0, description="longest wait a feed's TTL can ask for")
    backoff_base_seconds: Seconds = Field(60, gt=0, description="first retry delay after a failure")
    backoff_max_seconds: Seconds = Field(21_600, gt=0, description="cap of the exponential backoff")
    connect_timeout_seconds: Seconds = Field(10, gt=0)
    read_timeout_seconds: Seconds = Field(20, gt=0, description="longest silence while reading a body")
    fetch_deadline_seconds: Seconds = Field(60, gt=0, description="total time one fetch may take")
    parse_timeout_seconds: Seconds = Field(30, gt=0, description="total time one parse may take")
    max_body_bytes: int = Field(15 * 1024 * 1024, gt=0, description="cap after decompression")
    max_redirects: int = Field(5, ge=0)
    workers: int = Field(16, ge=1, le=256, description="feeds fetched at once")
    per_host: int = Field(4, ge=1, description="feeds fetched at once from one host")
    parser_processes: int = Field(2, ge=1, le=64, description="processes parsing feed bodies")
    tick_seconds: Seconds = Field(1.0, gt=0, description="how often the scheduler looks for due feeds")
    lease_seconds: Seconds = Field(300, gt=0, description="how long a claimed feed stays ours")
    allowed_networks: list[IPvAnyNetwork] = Field(default_factory=list, description=(
        "networks feeds may be fetched from besides public addresses, e.g. [\"10.20.0.0/16\"]; loopback, "
        "private, link-local and metadata addresses are refused unless listed"))


class ArticleSettings(BaseModel):
    """Fetching an item's article page for its full text, when its feed carries only a headline."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    contact: str = Field("", max_length=200, description=(
        "an e-mail address or URL publishers can reach the operator at; sent in the User-Agent"))
    min_text_chars: int = Field(400, ge=0, description="an item with less text than this is worth its article")
    per_host: int = Field(1, ge=1, le=16, description="article pages fetched at once from one host")
    max_body_bytes: int = Field(2 * 1024 * 1024, gt=0, description="cap of one page after decompression")
    fetch_deadline_seconds: Seconds = Field(20, gt=0, description="total time one page may take")
    robots_cache_seconds: Seconds = Field(3_600, gt=0, description="how long a host's robots.txt is trusted")


class ChannelSettings(BaseModel):
    """A notification channel: an apprise URL and the tags that route alerts to it.

    Secrets never sit in the file: write `${NAME}` in the URL and claimwatch takes NAME from the environment
    or, under systemd's LoadCredential, from $CREDENTIALS_DIRECTORY/NAME. The resolved URL is a SecretStr,
    shown only as `display` (scheme and host, no tokens).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field(min_length=1, max_length=100, description="how logs and `alerts list` name it")
    url: SecretStr = Field(description="apprise URL, e.g. slack://${SLACK_TOKENS}/#claims or mailtos://...")
    tags: list[str] = Field(default_factory=list, description="claims and severities route to channels by tag")

    @property
    def display(self) -> str:
        """The URL with every credential hidden: scheme and host only."""
        return redact_url(self.url.get_secret_value())


class AlertSettings(BaseModel):
    """When evidence alerts, how alerts are grouped and routed, and how hard delivery tries."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    grouping_seconds: Seconds = Field(
        120, ge=0, description="alerts of one claim within this window go out as one message; 0 turns it off")
    max_age_seconds: Seconds = Field(
        3 * 86_400, gt=0, description="items older than this when first seen are recorded but do not alert")
    story_window_seconds: Seconds = Field(
        3 * 86_400, gt=0, description="a copy of a story folds into it when it appears within this window")
    retry_limit_seconds: Seconds = Field(
        48 * 3_600, gt=0, description="a delivery still failing this long after its alert is dead")
    backoff_base_seconds: Seconds = Field(30, gt=0, description="first retry delay after a failed delivery")
    backoff_max_seconds: Seconds = Field(3_600, gt=0, description="cap of the exponential delivery backoff")
    send_timeout_seconds: Seconds = Field(20, gt=0, description="connect and read timeout of one send")
    senders: int = Field(4, ge=1, le=64, description="messages sent at once (a hanging channel holds one)")
    lease_seconds: Seconds = Field(300, gt=0, description="how long a claimed delivery stays ours")
    default_channels: list[str] = Field(
        default_factory=lambda: ["default"], description="channel tags that get alerts nothing else routes")
    operator_channels: list[str] = Field(
        default_factory=lambda: ["operator"],
        description="channel tags that hear about rejected rule edits and dead deliveries")
    severity_channels: dict[str, list[str]] = Field(
        default_factory=dict, description="severity -> channel tags, e.g. critical = [\"oncall\"]")
    digest_channels: list[str] = Field(
        default_factory=lambda: ["digest"], description="channel tags that get a daily summary of every claim")
    digest_hour: int = Field(8, ge=0, le=23, description="UTC hour the daily digest goes out")
    backfill_summary: bool = Field(
        True, description="a backfill (a claim added or edited) sends one summary message to the claim's channels")
    backfill_batch: int = Field(500, ge=1, le=10_000, description=(
        "items a backfill matches per transaction (its cursor moves after each)"))


class WebSettings(BaseModel):
    """The analysts' web view (`claimwatch web`, `claimwatch run --web-port`) and who may open it.

    It listens on 127.0.0.1 unless told otherwise, and refuses any other address unless a token or
    basic-auth credentials are set. Write them as `${NAME}`, like channel secrets: claimwatch takes NAME
    from the environment or from $CREDENTIALS_DIRECTORY/NAME. No page shows them.
    """

    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", min_length=1, description="address to listen on")
    port: int = Field(8080, ge=0, le=65_535, description="port to listen on; 0 picks a free one")
    token: SecretStr | None = Field(None, description=(
        "a bearer token: sent as `Authorization: Bearer TOKEN`, or typed once into the login page"))
    username: str | None = Field(None, min_length=1, description="basic-auth user name (with password)")
    password: SecretStr | None = Field(None, description="basic-auth password (with username)")

    @model_validator(mode="after")
    def _credentials_paired(self) -> WebSettings:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together: set both for basic auth, or neither")
        for name, secret in (("token", self.token), ("password", self.password)):
            value = secret.get_secret_value() if secret is not None else None
            if value is not None and len(value) < 12 and not _SECRET_REFERENCE.fullmatch(value):
                raise ValueError(f"{name} is too short: use at least 12 characters")
        return self

    @property
    def auth_required(self) -> bool:
        """Whether a token or basic-auth credentials are configured."""
        return self.token is not None or self.password is not None


class RetentionSettings(BaseModel):
    """How long the ledger keeps what it has seen, and how often housekeeping runs."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    items_days: Days = Field(90, gt=0, description="items' text, their evidence and stories are kept this long")
    keys_days: Days = Field(365, gt=0, description=(
        "an item's row, without text, is kept this long, so a feed still listing it does not bring it back as "
        "new; at least items_days"))
    alerts_days: Days = Field(30, gt=0, description="sent and silenced alerts (and ended silences) kept this long")
    housekeeping_hours: Hours = Field(6, gt=0, description="how often pruning and SQLite maintenance run")

    @model_validator(mode="after")
    def _keys_outlive_items(self) -> RetentionSettings:
        if self.keys_days < self.items_days:
            raise ValueError(f"keys_days ({self.keys_days:g}) must be at least items_days ({self.items_days:g})")
        return self


class NodeSettings(BaseModel):
    """How daemons sharing a database watch one another, and when the service counts as unhealthy."""

    model_config = ConfigDict(extra="forbid")

    heartbeat_seconds: float = Field(5, gt=0, description="how often each daemon records that it is alive")
    stale_seconds: float = Field(20, gt=0, description=(
        "a daemon silent this long is taken for dead and its peers free its feeds and deliveries; a daemon "
        "that cannot write for this long stops feeding the watchdog and reports itself unhealthy"))
    overdue_seconds: float = Field(600, gt=0, description=(
        "a feed still not polled this long after it fell due makes `status` unhealthy"))

    @model_validator(mode="after")
    def _stale_outlasts_beats(self) -> NodeSettings:
        if self.stale_seconds < 2 * self.heartbeat_seconds:
            raise ValueError(f"stale_seconds ({self.stale_seconds:g}) must be at least twice heartbeat_seconds "
                             f"({self.heartbeat_seconds:g}), or live daemons are taken for dead")
        return self


def redact_url(url: str) -> str:
    """scheme://host/*** where the URL names a DNS host, else scheme://***: the user, password, path and
    token-shaped "hosts" of notification URLs (slack://TokenA/TokenB/...) are secrets."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***"
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1].split(":")[0]
    return f"{scheme}://{host}/***" if "." in host else f"{scheme}://***"


class Config(BaseSettings):
    """Everything claimwatch needs to run; built by `load_config`, never read from a global."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid",
                                      allow_inf_nan=False)

    state_dir: Path = Field(Path("state"), description="where the embedded SQLite database lives")
    rules_dir: Path = Field(Path("rules"), description="the analysts' files: feeds.yaml, claims/, actors")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; empty means SQLite at STATE_DIR/claimwatch.db")
    polling: PollingSettings = Field(default_factory=PollingSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    nodes: NodeSettings = Field(default_factory=NodeSettings)
    articles: ArticleSettings = Field(default_factory=ArticleSettings)
    channels: list[ChannelSettings] = Field(default_factory=list)
    web: WebSettings = Field(default_factory=WebSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The TOML file arrives as init arguments; the environment overrides it."""
        return env_settings, init_settings

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, value: str | None) -> str | None:
        problem = database_url_problem(value) if value else None
        if problem:
            raise ValueError(problem)
        return value

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under state_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.state_dir / 'claimwatch.db').resolve()}"


ChannelCheck = Callable[[Sequence[ChannelSettings]], list[str]]
"""What is wrong with channels that parsed (URLs the sender cannot use, names used twice): one line each."""


def load_config(path: Path | None = None, *, secrets: bool = True, web_secrets: bool | None = None,
                check_channels: ChannelCheck | None = None) -> Config:
    """Read the TOML file (if any), apply the process environment, validate; ConfigError lists every problem
    at once (missing secrets, bad values, unknown keys with a "did you mean", and what `check_channels` finds).

    With `secrets=False` (commands that never send: status, claims, db ...) a `${NAME}` that cannot be
    resolved stays as written instead of being an error, so they run without the channel credentials.
    `web_secrets` (default: as `secrets`) does the same for the web view's token and password; a command
    that serves the web view asks for them, and an unresolved one is then an error, never a password."""
    environ = os.environ
    if path is None and environ.get(CONFIG_ENV):
        path = Path(environ[CONFIG_ENV])
    data: dict[str, Any] = {}
    if path is not None:
        data = _read_toml(path)
        base = path.resolve().parent
        for key in ("state_dir", "rules_dir"):
            if isinstance(data.get(key), str) and not Path(data[key]).is_absolute():
                data[key] = str(base / data[key])
    problems: list[str] = []
    if isinstance(data.get("channels"), list):
        data["channels"] = [_resolve_secrets(channel, f"channels.{index}", ("url",), path, environ, required=secrets,
                                             problems=problems)
                            for index, channel in enumerate(data["channels"])]
        if check_channels is not None:
            problems += check_channels(_parsable_channels(data["channels"]))
    if isinstance(data.get("web"), dict):
        data["web"] = _resolve_secrets(data["web"], "web", ("token", "password"), path, environ,
                                       required=secrets if web_secrets is None else web_secrets, problems=problems)
    try:
        config = Config(**data)
    except ValidationError as exc:
        problems[:0] = _describe(exc, path, data, environ)
    if problems:
        raise ConfigError(_plural(len(problems), "configuration problem") + ":\n  " + "\n  ".join(problems))
    return config


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _parsable_channels(channels: list[Any]) -> list[ChannelSettings]:
    """The channels that validate and whose secrets all resolved."""
    parsed = []
    for channel in channels:
        if isinstance(channel, dict) and _SECRET_REFERENCE.search(str(channel.get("url"))):
            continue
        try:
            parsed.append(ChannelSettings.model_validate(channel))
        except ValidationError:
            continue
    return parsed


def _resolve_secrets(table: Any, where: str, keys: tuple[str, ...], path: Path | None, environ: Mapping[str, str],
                     *, required: bool, problems: list[str]) -> Any:
    """The table with each ${NAME} in its `keys` replaced; a missing NAME (never a value) goes to `problems`."""
    if not isinstance(table, dict):
        return table
    credentials = environ.get("CREDENTIALS_DIRECTORY")
    resolved = dict(table)

    def value(key: str, match: re.Match[str]) -> str:
        name = match[1]
        if name in environ:
            return environ[name]
        if credentials and (Path(credentials) / name).is_file():
            return (Path(credentials) / name).read_text(encoding="utf-8").strip()
        if required:
            problems.append(f"{path or 'config'}: {where}.{key}: ${{{name}}} is not set in the environment "
                            "nor in $CREDENTIALS_DIRECTORY")
        return match[0]

    for key in keys:
        if isinstance(table.get(key), str):
            resolved[key] = _SECRET_REFERENCE.sub(functools.partial(value, key), table[key])
    return resolved


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None


def _describe(exc: ValidationError, path: Path | None, data: Mapping[str, Any],
              environ: Mapping[str, str]) -> list[str]:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        env_name = ENV_PREFIX + "__".join(str(part) for part in error["loc"]).upper()
        if env_name in environ:
            where = f"environment variable {env_name}"
        elif path is not None and _has_key(data, error["loc"]):
            where = str(path)
        else:
            where = "defaults"
        if error["type"] == "extra_forbidden":
            message = "unknown key" + _did_you_mean(error["loc"])
        else:
            message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {key}: {message}")
    return lines


def _did_you_mean(loc: tuple[int | str, ...]) -> str:
    """'; did you mean X?' for an unknown key close to a known one at the same place, else the known keys."""
    model: type[BaseModel] = Config
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        inner = next((arg for arg in (annotation, *getattr(annotation, "__args__", ()))
                      if isinstance(arg, type) and issubclass(arg, BaseModel)), None)
        if inner is None:
            return ""
        model = inner
    known = sorted(model.model_fields)
    hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
    return f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(known)}"


def _has_key(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> bool:
    node: Any = data
    for part in loc:
        if not isinstance(node, Mapping | list):
            return False
        try:
            node = node[part]  # type: ignore[index]  # a key of a table or an index of an array
        except (KeyError, IndexError, TypeError):
            return False
    return True
