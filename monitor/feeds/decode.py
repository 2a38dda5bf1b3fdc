"""Content-Encoding decoders that never produce more than they are allowed to: a gzip bomb is cut off
at the cap instead of being inflated in memory."""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

from monitor.errors import PermanentFetchError


class Decoder(Protocol):
    """Feeds compressed chunks in, returns at most `limit` decoded bytes per call."""

    def decode(self, chunk: bytes, limit: int) -> bytes:
        """Decode `chunk`; PermanentFetchError when more than `limit` bytes would come out."""
        ...


class _Identity:
    def decode(self, chunk: bytes, limit: int) -> bytes:
        if len(chunk) > limit:
            raise _too_big()
        return chunk


class _Zlib:
    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflater = zlib.decompressobj(wbits)
        self._first = True

    def decode(self, chunk: bytes, limit: int) -> bytes:
        try:
            out = self._inflater.decompress(chunk, limit + 1)
        except zlib.error:
            if not self._first or self._wbits != zlib.MAX_WBITS:
                raise PermanentFetchError("the body is not valid compressed data") from None
            # Servers label raw DEFLATE as "deflate" as often as the zlib format the RFC asks for.
            self._wbits, self._inflater = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._inflater.decompress(chunk, limit + 1)
        self._first = False
        if len(out) > limit or self._inflater.unconsumed_tail:
            raise _too_big()
        return out


class _Brotli:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decode(self, chunk: bytes, limit: int) -> bytes:
        try:
            out: bytes = self._decompressor.process(chunk, output_buffer_limit=limit + 1)
        except brotli.error:
            raise PermanentFetchError("the body is not valid brotli data") from None
        if len(out) > limit or not self._decompressor.can_accept_more_data():
            raise _too_big()
        return out


def decoder_for(content_encoding: str) -> Decoder:
    """The decoder for a Content-Encoding header value; PermanentFetchError for one we cannot read."""
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if encoding == "br":
        return _Brotli()
    raise PermanentFetchError(f"unsupported Content-Encoding {content_encoding!r}")


def _too_big() -> PermanentFetchError:
    return PermanentFetchError("body larger than the cap after decompression")
