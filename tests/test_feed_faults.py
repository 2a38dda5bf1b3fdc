"""Feeds from the wild: hostile, huge, slow, moved, rate-limited or gone. The poller stays up and each feed
ends in a recorded state with a clear error; nothing stored before is lost."""

from __future__ import annotations

import zlib
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import brotli
from sqlalchemy import Engine, select

from storage.engine import make_engine, upgrade
from storage.feeds import FeedListing, list_feeds
from storage.models import FEEDS
from tests.feedserver import FeedServer, Reply
from tests.helpers import FakeClock, ingest_stack, make_config, news_items, rss

MB = 1024 * 1024


def _engine(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine


def _poll(tmp_path: Path, feeds: list[tuple[str, str]], clock: FakeClock | None = None,
          **polling: float) -> dict[str, FeedListing]:
    url, engine = _engine(tmp_path)
    config = make_config(tmp_path, url, feeds, **polling)
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    rows = {row.name: row for row in list_feeds(engine)}
    engine.dispose()
    return rows


def _gzip_bomb(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * MB
    parts = [compressor.compress(chunk) for _ in range(size // MB)]
    return b"".join(parts) + compressor.flush()


def test_gzip_bomb_is_cut_off_at_the_cap(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 1 GB gzip bomb (1 MB on the wire) stops at the 1 MB cap after decompression; the feed is failing."""
    url = feed_server.add("/bomb.xml", Reply(body=_gzip_bomb(1024 * MB), headers={"Content-Encoding": "gzip"}))
    row = _poll(tmp_path, [("bomb", url)], max_body_bytes=MB)["bomb"]
    assert row.status == "failing" and "cap after decompression" in str(row.last_error)


def test_brotli_and_deflate_bombs_are_cut_off(tmp_path: Path, feed_server: FeedServer) -> None:
    """The cap holds for brotli and deflate bodies too."""
    zeros = b"\0" * (50 * MB)
    feeds = [("br", feed_server.add("/br.xml", Reply(body=brotli.compress(zeros, quality=1),
                                                     headers={"Content-Encoding": "br"}))),
             ("deflate", feed_server.add("/d.xml", Reply(body=zlib.compress(zeros, 1),
                                                         headers={"Content-Encoding": "deflate"})))]
    rows = _poll(tmp_path, feeds, max_body_bytes=MB)
    for name in ("br", "deflate"):
        assert rows[name].status == "failing" and "cap" in str(rows[name].last_error), rows[name]


def test_huge_plain_body_is_refused(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 50 MB feed over a 5 MB cap is refused with an error naming the cap."""
    url = feed_server.add("/big.xml", Reply(body=b"<rss>" + b" " * (50 * MB)))
    row = _poll(tmp_path, [("big", url)], max_body_bytes=5 * MB)["big"]
    assert row.status == "failing" and "5,242,880-byte cap" in str(row.last_error)


def test_stalls_silence_and_trickles_time_out_without_delaying_good_feeds(tmp_path: Path,
                                                                          feed_server: FeedServer) -> None:
    """A stalled body, a server that never answers and a trickle past the deadline each fail; the good
    feeds of the same run are stored."""
    body = rss(news_items(3))
    feeds = [("stall", feed_server.add("/stall.xml", Reply(body=body, stall_after=100))),
             ("silent", feed_server.add("/silent.xml", Reply(no_answer=True))),
             ("trickle", feed_server.add("/trickle.xml", Reply(body=body, trickle=0.05)))]
    feeds += [(f"good{n}", feed_server.add(f"/good{n}.xml", Reply(body=body))) for n in range(3)]
    rows = _poll(tmp_path, feeds, read_timeout_seconds=0.5, fetch_deadline_seconds=2)
    assert "timed out" in str(rows["stall"].last_error)
    assert "timed out" in str(rows["silent"].last_error)
    assert "deadline" in str(rows["trickle"].last_error)
    assert all(rows[f"good{n}"].status == "ok" and rows[f"good{n}"].items == 3 for n in range(3))


def test_redirect_loop_ends_with_an_error(tmp_path: Path, feed_server: FeedServer) -> None:
    """/a -> /b -> /a is reported as a redirect loop."""
    feed_server.add("/b", Reply(302, headers={"Location": "/a"}))
    url = feed_server.add("/a", Reply(302, headers={"Location": "/b"}))
    row = _poll(tmp_path, [("loop", url)])["loop"]
    assert row.status == "failing" and "redirect loop" in str(row.last_error)


def test_permanent_redirect_moves_the_feed_temporary_does_not(tmp_path: Path, feed_server: FeedServer) -> None:
    """A 301 updates the stored URL and the next poll goes straight there; a 302 keeps the old URL."""
    body = rss(news_items(2))
    feed_server.add("/new.xml", Reply(body=body))
    moved = feed_server.add("/old.xml", Reply(301, headers={"Location": "/new.xml"}))
    feed_server.add("/tmp-target.xml", Reply(body=body))
    temporary = feed_server.add("/tmp.xml", Reply(302, headers={"Location": "/tmp-target.xml"}))
    clock = FakeClock()
    url, engine = _engine(tmp_path)
    config = make_config(tmp_path, url, [("moved", moved), ("temporary", temporary)])
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    rows = {row.name: row for row in list_feeds(engine)}
    assert rows["moved"].url == feed_server.url("/new.xml") and rows["moved"].items == 2
    assert rows["temporary"].url == temporary and rows["temporary"].items == 2
    clock.advance(7200)
    before = len(feed_server.hits("/old.xml"))
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    assert len(feed_server.hits("/old.xml")) == before
    assert len(feed_server.hits("/new.xml")) == 2


def test_retry_after_is_honoured_in_seconds_and_as_a_date(tmp_path: Path, feed_server: FeedServer) -> None:
    """429 with Retry-After: 120 and 503 with an HTTP-date both set the next poll to the server's wish."""
    clock = FakeClock()
    later = format_datetime(clock.now + timedelta(minutes=30), usegmt=True)
    feeds = [("busy", feed_server.add("/429.xml", Reply(429, headers={"Retry-After": "120"}))),
             ("down", feed_server.add("/503.xml", Reply(503, headers={"Retry-After": later})))]
    url, engine = _engine(tmp_path)
    config = make_config(tmp_path, url, feeds, min_interval_seconds=10)
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    with engine.connect() as connection:
        due = dict(connection.execute(select(FEEDS.c.name, FEEDS.c.next_poll_at)).all())
    assert due["busy"] == clock.now + timedelta(seconds=120)
    assert abs((due["down"] - clock.now).total_seconds() - 1800) < 60


def test_server_errors_back_off_exponentially_up_to_the_cap(tmp_path: Path, feed_server: FeedServer) -> None:
    """Each further 500 doubles the wait (with jitter), never past backoff_max."""
    url_ = feed_server.add("/500.xml", Reply(500, b"oops"))
    clock = FakeClock()
    url, engine = _engine(tmp_path)
    config = make_config(tmp_path, url, [("err", url_)], backoff_base_seconds=60, backoff_max_seconds=200)
    delays = []
    for _ in range(4):
        with ingest_stack(config, engine, clock) as poller:
            poller.run_once()
        with engine.connect() as connection:
            next_poll = connection.execute(select(FEEDS.c.next_poll_at)).scalar_one()
        delays.append((next_poll - clock.now).total_seconds())
        clock.now = next_poll
    assert 48 <= delays[0] <= 72 and 96 <= delays[1] <= 144
    assert delays[2] <= 200 and delays[3] <= 200
    assert list_feeds(engine)[0].consecutive_errors == 4


def test_gone_retires_the_feed_and_keeps_its_items(tmp_path: Path, feed_server: FeedServer) -> None:
    """A feed that later answers 410 is retired, never requested again, and its stored items stay."""
    feed_server.add("/g.xml", Reply(body=rss(news_items(2))))
    url_ = feed_server.url("/g.xml")
    clock = FakeClock()
    url, engine = _engine(tmp_path)
    config = make_config(tmp_path, url, [("g", url_)])
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    feed_server.add("/g.xml", Reply(410))
    for _ in range(2):
        clock.advance(7200)
        with ingest_stack(config, engine, clock) as poller:
            poller.run_once()
    [row] = list_feeds(engine)
    assert (row.status, row.items) == ("retired", 2)
    assert len(feed_server.hits("/g.xml")) == 2


def test_refused_connection_marks_the_feed_failing(tmp_path: Path) -> None:
    """Nothing listening on the port: the feed is failing with a connection error."""
    row = _poll(tmp_path, [("closed", "http://127.0.0.1:9/feed.xml")])["closed"]
    assert row.status == "failing" and "ConnectError" in str(row.last_error)


def test_publisher_hints_never_poll_faster_than_the_floor(tmp_path: Path, feed_server: FeedServer) -> None:
    """<ttl>1</ttl> and max-age=5 cannot bring the next poll under min_interval; a 10-hour TTL lengthens it."""
    feeds = [("fast", feed_server.add("/fast.xml", Reply(body=rss(news_items(1), ttl=1),
                                                         headers={"Cache-Control": "max-age=5"}))),
             ("slow", feed_server.add("/slow.xml", Reply(body=rss(news_items(1), ttl=600))))]
    clock = FakeClock()
    url, engine = _engine(tmp_path)
    config = make_config(tmp_path, url, feeds, min_interval_seconds=300, default_interval_seconds=900)
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    with engine.connect() as connection:
        due = dict(connection.execute(select(FEEDS.c.name, FEEDS.c.next_poll_at)).all())
    assert due["fast"] - clock.now == timedelta(seconds=900)
    assert due["slow"] - clock.now == timedelta(hours=10)
