"""Feeds from the wild: hostile, huge, slow, moved, rate-limited or gone. Each case goes through the real
loopback FeedServer and the real poller; the poller stays up and each feed ends in a recorded state with a
clear error, and nothing stored before is lost."""

from __future__ import annotations

import socket
import zlib
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import brotli
from sqlalchemy import Engine, select

from monitor.config import Config
from storage.engine import make_engine, upgrade
from storage.feeds import FeedListing, list_feeds
from storage.models import FEEDS
from tests.feedserver import FeedServer, Reply
from tests.helpers import FakeClock, ingest_stack, make_config, news_items, rss

MB = 1024 * 1024
# Small limits so every hostile case ends in well under a few seconds of real time.
FAST: dict[str, float] = {"read_timeout_seconds": 0.5, "fetch_deadline_seconds": 2}


class Harness:
    """A SQLite database, a config listing `feeds`, a FakeClock, and real poller runs on demand."""

    def __init__(self, tmp_path: Path, feeds: list[tuple[str, str]], **polling: float) -> None:
        self.url = f"sqlite:///{tmp_path / 'cw.db'}"
        self.engine: Engine = make_engine(self.url)
        upgrade(self.engine)
        self.clock = FakeClock()
        self.config: Config = make_config(tmp_path, self.url, feeds, **{**FAST, **polling})

    def run(self) -> None:
        """One full poller run over every due feed."""
        with ingest_stack(self.config, self.engine, self.clock) as poller:
            poller.run_once()

    def rows(self) -> dict[str, FeedListing]:
        """list_feeds, by feed name."""
        return {row.name: row for row in list_feeds(self.engine)}

    def next_polls(self) -> dict[str, datetime]:
        """The feeds table's next_poll_at, by feed name."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(FEEDS.c.name, FEEDS.c.next_poll_at))
            return {name: when for name, when in rows}

    def close(self) -> None:
        """Release the database."""
        self.engine.dispose()


def _poll_once(tmp_path: Path, feeds: list[tuple[str, str]], **polling: float) -> dict[str, FeedListing]:
    harness = Harness(tmp_path, feeds, **polling)
    try:
        harness.run()
        return harness.rows()
    finally:
        harness.close()


def _zeros_compressed(size: int, wbits: int) -> bytes:
    """`size` bytes of zeros compressed a megabyte at a time (never held uncompressed in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    chunk = b"\0" * MB
    return b"".join(compressor.compress(chunk) for _ in range(size // MB)) + compressor.flush()


def _closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gzip_bomb_is_cut_off_at_the_cap(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 1 GB gzip bomb (about 1 MB on the wire) stops at the 1 MB cap and leaves the feed failing."""
    body = _zeros_compressed(1024 * MB, wbits=31)
    assert len(body) < 2 * MB
    url = feed_server.add("/bomb.xml", Reply(body=body, headers={"Content-Encoding": "gzip"}))
    row = _poll_once(tmp_path, [("bomb", url)], max_body_bytes=MB)["bomb"]
    assert row.status == "failing" and row.consecutive_errors == 1
    assert "cap after decompression" in str(row.last_error) and "1,048,576-byte" in str(row.last_error)
    assert row.items == 0


def test_deflate_bomb_is_cut_off_at_the_cap(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 1 GB deflate bomb stops at the 1 MB cap and leaves the feed failing."""
    body = _zeros_compressed(1024 * MB, wbits=15)
    url = feed_server.add("/bomb.xml", Reply(body=body, headers={"Content-Encoding": "deflate"}))
    row = _poll_once(tmp_path, [("bomb", url)], max_body_bytes=MB)["bomb"]
    assert row.status == "failing"
    assert "cap after decompression" in str(row.last_error) and "1,048,576-byte" in str(row.last_error)


def test_brotli_bomb_is_cut_off_at_the_cap(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 50 MB brotli bomb (under 1 KB on the wire) stops at the 1 MB cap and leaves the feed failing."""
    body = brotli.compress(b"\0" * (50 * MB))
    assert len(body) < 1024
    url = feed_server.add("/bomb.xml", Reply(body=body, headers={"Content-Encoding": "br"}))
    row = _poll_once(tmp_path, [("bomb", url)], max_body_bytes=MB)["bomb"]
    assert row.status == "failing"
    assert "cap after decompression" in str(row.last_error) and "1,048,576-byte" in str(row.last_error)


def test_huge_plain_body_is_refused(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 50 MB uncompressed feed over a 5 MB cap is refused with an error naming the cap."""
    url = feed_server.add("/big.xml", Reply(body=b"<rss>" + b" " * (50 * MB)))
    row = _poll_once(tmp_path, [("big", url)], max_body_bytes=5 * MB)["big"]
    assert row.status == "failing" and "5,242,880-byte cap" in str(row.last_error)


def test_stall_mid_body_times_out(tmp_path: Path, feed_server: FeedServer) -> None:
    """A server that sends 100 bytes of the body and then goes silent fails the feed with a timeout."""
    url = feed_server.add("/stall.xml", Reply(body=rss(news_items(3)), stall_after=100))
    row = _poll_once(tmp_path, [("stall", url)])["stall"]
    assert row.status == "failing" and "timed out" in str(row.last_error) and row.items == 0


def test_server_that_never_answers_times_out(tmp_path: Path, feed_server: FeedServer) -> None:
    """A server that accepts the connection but never sends a status line fails the feed with a timeout."""
    url = feed_server.add("/silent.xml", Reply(no_answer=True))
    row = _poll_once(tmp_path, [("silent", url)])["silent"]
    assert row.status == "failing" and "timed out" in str(row.last_error)


def test_trickle_past_the_deadline_fails(tmp_path: Path, feed_server: FeedServer) -> None:
    """A body trickled a byte at a time (never silent long enough to time out) fails at the deadline."""
    url = feed_server.add("/trickle.xml", Reply(body=rss(news_items(3)), trickle=0.05))
    row = _poll_once(tmp_path, [("trickle", url)])["trickle"]
    assert row.status == "failing" and "deadline" in str(row.last_error)


def test_redirect_loop_ends_with_an_error(tmp_path: Path, feed_server: FeedServer) -> None:
    """/a -> /b -> /a is reported as a redirect loop."""
    feed_server.add("/b", Reply(302, headers={"Location": "/a"}))
    url = feed_server.add("/a", Reply(302, headers={"Location": "/b"}))
    row = _poll_once(tmp_path, [("loop", url)])["loop"]
    assert row.status == "failing" and "redirect loop" in str(row.last_error)
    assert row.url == url


def test_permanent_redirect_moves_the_feed(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 301 updates the stored URL, and the next poll requests the new path directly."""
    feed_server.add("/new.xml", Reply(body=rss(news_items(2))))
    old = feed_server.add("/old.xml", Reply(301, headers={"Location": "/new.xml"}))
    harness = Harness(tmp_path, [("moved", old)])
    harness.run()
    row = harness.rows()["moved"]
    assert (row.status, row.url, row.items) == ("ok", feed_server.url("/new.xml"), 2)
    harness.clock.advance(7200)
    harness.run()
    assert len(feed_server.hits("/old.xml")) == 1
    assert len(feed_server.hits("/new.xml")) == 2
    harness.close()


def test_temporary_redirect_keeps_the_url(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 302 is followed but the stored URL stays, so the next poll asks the old address again."""
    feed_server.add("/target.xml", Reply(body=rss(news_items(2))))
    temporary = feed_server.add("/tmp.xml", Reply(302, headers={"Location": "/target.xml"}))
    harness = Harness(tmp_path, [("temporary", temporary)])
    harness.run()
    row = harness.rows()["temporary"]
    assert (row.status, row.url, row.items) == ("ok", temporary, 2)
    harness.clock.advance(7200)
    harness.run()
    assert len(feed_server.hits("/tmp.xml")) == 2
    harness.close()


def test_429_retry_after_seconds_sets_the_next_poll(tmp_path: Path, feed_server: FeedServer) -> None:
    """429 with Retry-After: 120 schedules the next poll exactly 120 seconds after the clock."""
    url = feed_server.add("/429.xml", Reply(429, headers={"Retry-After": "120"}))
    harness = Harness(tmp_path, [("busy", url)], min_interval_seconds=10)
    harness.run()
    assert harness.next_polls()["busy"] == harness.clock.now + timedelta(seconds=120)
    row = harness.rows()["busy"]
    assert row.status == "failing" and "429" in str(row.last_error)
    harness.close()


def test_503_retry_after_http_date_sets_the_next_poll(tmp_path: Path, feed_server: FeedServer) -> None:
    """503 with an HTTP-date Retry-After schedules the next poll at that moment."""
    clock_start = FakeClock().now
    later = format_datetime(clock_start + timedelta(minutes=30), usegmt=True)
    url = feed_server.add("/503.xml", Reply(503, headers={"Retry-After": later}))
    harness = Harness(tmp_path, [("down", url)], min_interval_seconds=10)
    assert harness.clock.now == clock_start
    harness.run()
    assert harness.next_polls()["down"] == clock_start + timedelta(minutes=30)
    assert "503" in str(harness.rows()["down"].last_error)
    harness.close()


def test_repeated_500s_back_off_with_growing_delays(tmp_path: Path, feed_server: FeedServer) -> None:
    """Three 500s in a row count three consecutive errors, each next poll further away than the last."""
    url = feed_server.add("/500.xml", Reply(500, b"oops"))
    harness = Harness(tmp_path, [("err", url)], backoff_base_seconds=60, backoff_max_seconds=3600)
    delays = []
    for _ in range(3):
        harness.run()
        next_poll = harness.next_polls()["err"]
        delays.append((next_poll - harness.clock.now).total_seconds())
        harness.clock.now = next_poll
    row = harness.rows()["err"]
    assert (row.status, row.consecutive_errors) == ("failing", 3) and "500" in str(row.last_error)
    assert delays[0] < delays[1] < delays[2]
    assert 48 <= delays[0] <= 72 and 96 <= delays[1] <= 144 and 192 <= delays[2] <= 288
    assert len(feed_server.hits("/500.xml")) == 3
    harness.close()


def test_gone_retires_the_feed_and_it_is_not_requested_again(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 410 retires the feed, and the next run does not request it at all."""
    url = feed_server.add("/gone.xml", Reply(410))
    harness = Harness(tmp_path, [("gone", url)])
    harness.run()
    row = harness.rows()["gone"]
    assert row.status == "retired" and row.next_poll is None
    harness.clock.advance(86_400 * 7)
    harness.run()
    assert len(feed_server.hits("/gone.xml")) == 1
    assert harness.rows()["gone"].status == "retired"
    harness.close()


def test_refused_connection_marks_the_feed_failing(tmp_path: Path) -> None:
    """Nothing listening on the port: the feed is failing with a connection error."""
    url = f"http://127.0.0.1:{_closed_port()}/feed.xml"
    row = _poll_once(tmp_path, [("closed", url)])["closed"]
    assert row.status == "failing" and "ConnectError" in str(row.last_error)


def test_stalled_feed_does_not_hold_back_good_feeds(tmp_path: Path, feed_server: FeedServer) -> None:
    """One stalled feed and three good ones in the same run: the three are stored, the stalled one fails."""
    body = rss(news_items(3))
    feeds = [("stall", feed_server.add("/stall.xml", Reply(body=body, stall_after=100)))]
    feeds += [(f"good{n}", feed_server.add(f"/good{n}.xml", Reply(body=body))) for n in range(3)]
    rows = _poll_once(tmp_path, feeds)
    assert rows["stall"].status == "failing" and "timed out" in str(rows["stall"].last_error)
    for n in range(3):
        assert (rows[f"good{n}"].status, rows[f"good{n}"].items) == ("ok", 3), rows[f"good{n}"]


def test_items_stored_earlier_survive_a_later_failure(tmp_path: Path, feed_server: FeedServer) -> None:
    """A feed that worked and then starts failing keeps every item it stored."""
    url = feed_server.add("/f.xml", Reply(body=rss(news_items(4))))
    harness = Harness(tmp_path, [("f", url)])
    harness.run()
    assert (harness.rows()["f"].status, harness.rows()["f"].items) == ("ok", 4)
    feed_server.add("/f.xml", Reply(500, b"broken"))
    harness.clock.advance(7200)
    harness.run()
    row = harness.rows()["f"]
    assert (row.status, row.consecutive_errors, row.items) == ("failing", 1, 4)
    harness.close()


def test_tiny_ttl_never_polls_sooner_than_the_floor(tmp_path: Path, feed_server: FeedServer) -> None:
    """<ttl>1</ttl> (and max-age=5) cannot bring the next poll under min_interval_seconds."""
    url = feed_server.add("/fast.xml", Reply(body=rss(news_items(1), ttl=1), headers={"Cache-Control": "max-age=5"}))
    harness = Harness(tmp_path, [("fast", url)], min_interval_seconds=300, default_interval_seconds=30)
    harness.run()
    assert harness.next_polls()["fast"] - harness.clock.now == timedelta(seconds=300)
    harness.close()


def test_large_ttl_lengthens_the_interval(tmp_path: Path, feed_server: FeedServer) -> None:
    """<ttl>600</ttl> (ten hours) pushes the next poll past the 15-minute default interval."""
    url = feed_server.add("/slow.xml", Reply(body=rss(news_items(1), ttl=600)))
    harness = Harness(tmp_path, [("slow", url)], min_interval_seconds=60, default_interval_seconds=900)
    harness.run()
    assert harness.next_polls()["slow"] - harness.clock.now == timedelta(hours=10)
    assert harness.rows()["slow"].status == "ok"
    harness.close()
