"""What the benchmarks that run the real daemon share: a scratch database, the loopback feed server in a
process of its own, and their printed lines."""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from bench.feeds import Corpus, serve


@contextmanager
def database(url: str | None) -> Iterator[str | None]:
    """None for claimwatch's default (SQLite under state_dir); for a PostgreSQL URL, a scratch database on
    that server, dropped afterwards; any other URL as given (it must hold no feeds yet)."""
    if url is None or not url.startswith("postgresql"):
        yield url
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cw_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def progress(message: str) -> None:
    """A progress line, printed at once."""
    print(message, flush=True)


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


def start_server(corpus: Corpus, use_gzip: bool, delay: float = 0.0) -> tuple[multiprocessing.process.BaseProcess,
                                                                             Connection, dict[str, Any]]:
    """The server process, its pipe, and what it reported once ready (port, sizes); every answer leaves
    `delay` seconds after its request."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve, args=(corpus, use_gzip, theirs, delay), name="cw-bench-server",
                              daemon=True)
    process.start()
    theirs.close()
    if not ours.poll(600):
        process.kill()
        raise SystemExit("the feed server did not come up within 10 minutes")
    ready: dict[str, Any] = ours.recv()
    return process, ours, ready
