"""Serving the web view with uvicorn: in the foreground (`claimwatch web`) or on a thread beside the daemon
(`claimwatch run --web-port`, `claimwatch demo`). The socket is bound here first, so a busy port or a
refused address is reported before anything starts, and port 0 gives a free port whose number is known."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from sqlalchemy import Engine

from monitor.config import Config
from monitor.errors import ConfigError
from monitor.web.app import build_app
from monitor.web.security import is_loopback
from storage.engine import make_engine


def check_listen(config: Config, host: str) -> None:
    """Refuse (ConfigError) to listen beyond this machine without a token or basic-auth credentials."""
    if not is_loopback(host) and not config.web.auth_required:
        raise ConfigError(f"the web view would listen on {host}, beyond this machine, with no authentication: "
                          "set [web] token or username and password in the config (as ${NAME} secrets), "
                          "or listen on 127.0.0.1")


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; OSError (address in use, not an address of this machine) is the caller's."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    """The URL the socket serves."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _server(config: Config, engine: Engine) -> uvicorn.Server:
    app = build_app(config, engine)
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                         server_header=False))


def serve_foreground(config: Config, engine: Engine, sock: socket.socket) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn handles them in the main thread)."""
    _server(config, engine).run(sockets=[sock])


@dataclass(frozen=True)
class WebThread:
    """The web view on a thread of a running process."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread


@contextmanager
def serve_beside(config: Config, sock: socket.socket) -> Iterator[WebThread]:
    """Serve on a thread, with an engine of its own, while the block runs (the daemon runs in it)."""
    engine = make_engine(config.effective_database_url)
    server = _server(config, engine)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web", daemon=True)
    thread.start()
    try:
        yield WebThread(address(sock), server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        engine.dispose()
