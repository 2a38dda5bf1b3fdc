"""Polling real feeds from a loopback server into SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from storage.feeds import list_feeds
from storage.models import Feed, Item
from tests.feedserver import FeedServer, Reply
from tests.helpers import FakeClock, ingest_stack, make_config, news_items, rss


def _items(engine: Engine) -> list[Item]:
    with Session(engine) as session:
        return list(session.exec(select(Item).order_by(Item.id)).scalars())  # type: ignore[call-overload, arg-type]


def test_first_poll_stores_items_as_plain_text(tmp_path: Path, engine: Engine, database_url: str,
                                               feed_server: FeedServer) -> None:
    """A first poll stores every item once, HTML stripped, entities decoded, link canonical."""
    url = feed_server.add("/a.xml", Reply(body=rss(news_items(3)), headers={"Content-Type": "application/rss+xml"}))
    config = make_config(tmp_path, database_url, [("a", url)])
    with ingest_stack(config, engine) as poller:
        assert poller.run_once() == 1
    items = _items(engine)
    assert [item.key for item in items] == ["guid:story-0", "guid:story-1", "guid:story-2"]
    assert items[0].summary == "Body of story 0 with markup & entities."
    assert items[0].url == "http://example.com/story/0"
    assert items[0].published_at is not None and items[0].published_at.tzinfo is not None


def test_conditional_get_skips_unchanged_feed(tmp_path: Path, engine: Engine, database_url: str,
                                              feed_server: FeedServer) -> None:
    """The second poll sends the stored ETag; a 304 stores nothing and keeps the feed healthy."""
    body = rss(news_items(2))

    def handler(request):  # type: ignore[no-untyped-def]
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(body=body, headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    url = feed_server.add("/c.xml", handler)
    config = make_config(tmp_path, database_url, [("c", url)])
    clock = FakeClock()
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    clock.advance(3600)
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    assert len(feed_server.hits("/c.xml")) == 2
    assert feed_server.hits("/c.xml")[1].headers["if-none-match"] == '"v1"'
    assert len(_items(engine)) == 2
    [row] = list_feeds(engine)
    assert (row.status, row.last_result, row.items, row.consecutive_errors) == ("ok", "not_modified", 2, 0)
    assert row.last_poll == clock.now and row.next_poll is not None and row.next_poll > clock.now


def test_updated_item_is_recorded_not_duplicated(tmp_path: Path, engine: Engine, database_url: str,
                                                 feed_server: FeedServer) -> None:
    """An item seen again with new text keeps its row, gains a revision and a changed time."""
    items = news_items(2)
    url = feed_server.add("/u.xml", Reply(body=rss(items)))
    config = make_config(tmp_path, database_url, [("u", url)])
    clock = FakeClock()
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    items[1]["description"] = "Corrected body."
    feed_server.add("/u.xml", Reply(body=rss(items)))
    clock.advance(3600)
    with ingest_stack(config, engine, clock) as poller:
        poller.run_once()
    stored = _items(engine)
    assert [(i.key, i.revision) for i in stored] == [("guid:story-0", 1), ("guid:story-1", 2)]
    assert stored[1].summary == "Corrected body." and stored[1].changed_at == clock.now
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Feed)).one()[0] == 1  # type: ignore[call-overload]
