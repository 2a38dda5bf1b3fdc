"""Parsing in separate processes with a hard time limit: a hostile body can burn a parser process, never
the daemon. A parse that overruns is killed and its process replaced."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Mapping
from concurrent.futures import TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool

from monitor.errors import ParseError
from monitor.feeds.parse import ParsedFeed, parse_feed

ParseFunction = Callable[[bytes, Mapping[str, str], str], ParsedFeed]


class ParserPool:
    """A pool of parser processes; `parse` blocks the calling thread until the result or the time limit."""

    def __init__(self, processes: int, timeout: float, function: ParseFunction = parse_feed) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["monitor.feeds.parse"])
        self._pool = ProcessPool(max_workers=processes, context=context)
        self._timeout = timeout
        self._function = function

    def parse(self, body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
        """The parsed feed; ParseError when it is unparsable, overran the time limit or killed its process."""
        future = self._pool.schedule(self._function, args=(body, dict(headers), url), timeout=self._timeout)
        try:
            result: ParsedFeed = future.result()
            return result
        except FutureTimeout:
            raise ParseError(f"parse took longer than {self._timeout:g} s; the parser was stopped") from None
        except ProcessExpired as exc:
            raise ParseError(f"the parser process died ({exc}); the body may be hostile") from None
        except MemoryError:
            raise ParseError("the parser ran out of memory; the body may be hostile") from None

    def close(self) -> None:
        """Stop the parser processes, waiting for none of them."""
        self._pool.stop()  # type: ignore[no-untyped-call]  # pebble is untyped
        self._pool.join(timeout=5)
