"""Shared fixtures: a database on SQLite and on PostgreSQL, a loopback feed server, a rules folder, and the
seed story served by `claimwatch web` (module-scoped, for the web view's tests)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.engine import make_engine, upgrade
from tests.daemons import NotifySocket
from tests.feedserver import FeedServer
from tests.webseed import SeedStory, record_seed_story, web_process

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_URL = os.environ.get("CLAIMWATCH_TEST_POSTGRES_URL", "")
POSTGRES_REQUIRED = os.environ.get("CLAIMWATCH_REQUIRE_POSTGRES") == "1"


def _postgres_param() -> object:
    if POSTGRES_URL or POSTGRES_REQUIRED:
        return pytest.param("postgresql", id="postgresql")
    return pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(
        True, reason="PostgreSQL tests need CLAIMWATCH_TEST_POSTGRES_URL (.ci/postgres start DIR sets it)"))


@pytest.fixture(params=["sqlite", _postgres_param()])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'claimwatch.db'}"
        return
    with _scratch_postgres() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards (skipped without a server, failed under CI)."""
    if not POSTGRES_URL and not POSTGRES_REQUIRED:
        pytest.skip("PostgreSQL tests need CLAIMWATCH_TEST_POSTGRES_URL (.ci/postgres start DIR sets it)")
    with _scratch_postgres() as url:
        yield url


@contextmanager
def _scratch_postgres() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.fail("CLAIMWATCH_REQUIRE_POSTGRES=1 but CLAIMWATCH_TEST_POSTGRES_URL is not set")
    name = f"cw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on `database_url` with every migration applied."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 serving the routes a test registers."""
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    """A NOTIFY_SOCKET in a short path (AF_UNIX paths are limited to 108 bytes)."""
    short = Path(f"/tmp/cw-notify-{os.getpid()}-{time.monotonic_ns()}.sock")
    listener = NotifySocket(short)
    yield listener
    listener.close()
    short.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> SeedStory:
    """The seed story recorded once for the module (with one hostile item), as the poller and ledger did."""
    return record_seed_story(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module")
def site(seed: SeedStory) -> Iterator[str]:
    """The address of `claimwatch web` serving the seed story."""
    with web_process(seed.config) as url:
        yield url
