"""Engines for the embedded default (SQLite in WAL mode) and PostgreSQL, and schema upgrades on start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = Path(__file__).parent / "migrations"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_URL_FORMS = "use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/NAME"
_READ_ONLY = "claimwatch_read_only"  # the execution option `reading` sets


def database_url_problem(url: str) -> str | None:
    """Why `url` cannot name a database claimwatch can use (a supported backend, a driver that is installed),
    or None. Nothing is connected to."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return f"not a database URL; {_URL_FORMS}"
    except ValueError:
        return "not a database URL: the port must be a number"
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        return f"unsupported database {backend!r}; {_URL_FORMS}"
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        return f"unknown driver {parsed.get_driver_name()!r}; {_URL_FORMS}"
    except ImportError as exc:
        return f"the driver for {parsed.drivername!r} is not installed ({exc.name}); {_URL_FORMS}"
    return None


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys, its folder created."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=10)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                              "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def reading(engine: Engine) -> Connection:
    """A connection for reads: on SQLite its transaction begins deferred, so it reads one snapshot without
    taking the write lock (WAL lets readers and a writer run together) and a page view or a report never holds
    up the daemon's writes. Nothing written through it is committed."""
    return engine.connect().execution_options(**{_READ_ONLY: True})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is off so that the BEGIN of `_sqlite_begin` is the only one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")  # a reader's snapshot; the write lock is never taken
        return
    # A writer takes the write lock at BEGIN: a deferred transaction that later writes can fail with
    # SQLITE_BUSY without waiting, whereas BEGIN IMMEDIATE waits for the busy timeout.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied; safe to call on each start and from several processes."""
    command.upgrade(_alembic_config(engine), "head")


def missing_database_file(url: str) -> Path | None:
    """The SQLite file `url` names when it does not exist (connecting would create it), else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def schema_problem(engine: Engine) -> str | None:
    """Why the database's schema cannot be read as it is (no claimwatch tables, older or newer than this
    version), or None; nothing is changed."""
    script = ScriptDirectory.from_config(_alembic_config(engine))
    with reading(engine) as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        return "it has no claimwatch tables yet"
    if current == set(script.get_heads()):
        return None
    known = {revision.revision for revision in script.walk_revisions()}
    if current - known:
        return "its schema is newer than this version of claimwatch"
    return "its schema is older than this version (claimwatch db upgrade)"


def is_current(engine: Engine) -> bool:
    """True when the database schema is at the newest migration."""
    heads = set(ScriptDirectory.from_config(_alembic_config(engine)).get_heads())
    with reading(engine) as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
