"""A real loopback HTTP server for tests: routes answer with canned responses or hostile behaviour."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """A canned answer; `stall_after` stops sending (but keeps the socket open) after that many body bytes,
    `trickle` sends the body a byte at a time with that many seconds between bytes."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stall_after: int | None = None
    trickle: float | None = None
    no_answer: bool = False


Handler = Callable[["Request"], Reply]


@dataclass(frozen=True)
class Request:
    """What the server received."""

    path: str
    headers: dict[str, str]


class FeedServer:
    """Serves registered routes on a loopback address (127.0.0.1 unless told); records every request; stops
    hostile replies on close."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[Request] = []
        self._closing = threading.Event()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""

            def do_GET(self) -> None:
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                route = server.routes.get(self.path.split("?")[0], Reply(404, b"not found"))
                reply = route(request) if callable(route) else route
                server.answer(self, reply)

        self._httpd = ThreadingHTTPServer((host, 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        """http://HOST:PORT"""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server."""
        return self.base + path

    def add(self, path: str, reply: Reply | Handler) -> str:
        """Register a route and return its URL."""
        self.routes[path] = reply
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        """Requests received for `path`."""
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def answer(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        """Write `reply`, misbehaving as it asks."""
        if reply.no_answer:
            self._closing.wait(60)
            return
        handler.send_response(reply.status)
        headers = {"Content-Length": str(len(reply.body)), **reply.headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if reply.stall_after is not None:
            handler.wfile.write(reply.body[:reply.stall_after])
            handler.wfile.flush()
            self._closing.wait(60)
            return
        if reply.trickle is not None:
            for index in range(len(reply.body)):
                if self._closing.is_set():
                    return
                handler.wfile.write(reply.body[index:index + 1])
                handler.wfile.flush()
                time.sleep(reply.trickle)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(reply.body)

    def close(self) -> None:
        """Release stalled handlers and stop serving."""
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
