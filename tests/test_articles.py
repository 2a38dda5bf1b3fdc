"""Reading an item's article page for its full text: main text only, robots.txt, caps, the address policy."""

from __future__ import annotations

import threading
from ipaddress import ip_network
from pathlib import Path

import pytest

from monitor.config import ArticleSettings
from monitor.errors import PermanentFetchError
from monitor.feeds.addresses import AddressPolicy
from monitor.feeds.article import (
    PAGE_ACCEPT,
    ArticleReader,
    FullText,
    RobotsRefusal,
    user_agent,
    wants_article,
)
from monitor.feeds.fetch import Fetcher, FetchLimits
from tests.feedserver import FeedServer, Reply, Request

PAGES = Path(__file__).parent / "fixtures" / "articles"
HTML = {"Content-Type": "text/html; charset=utf-8"}
LOOPBACK = AddressPolicy((ip_network("127.0.0.0/8"),))


def _reader(settings: ArticleSettings | None = None, policy: AddressPolicy = LOOPBACK) -> ArticleReader:
    settings = settings or ArticleSettings(contact="desk@example.org")
    limits = FetchLimits(connect_timeout=5, read_timeout=5, deadline=settings.fetch_deadline_seconds,
                         max_body_bytes=settings.max_body_bytes, max_redirects=3)
    fetcher = Fetcher(limits, policy=policy, pool_size=2, user_agent=user_agent(settings.contact),
                      accept=PAGE_ACCEPT)
    return ArticleReader(fetcher, settings)


@pytest.mark.parametrize(("mode", "chars", "candidate", "expected"), [
    (FullText.NEVER, 0, True, False),
    (FullText.ALWAYS, 5_000, False, True),
    (FullText.CANDIDATES, 80, True, True),
    (FullText.CANDIDATES, 80, False, False),
    (FullText.CANDIDATES, 5_000, True, False),
])
def test_which_items_get_their_article(mode: FullText, chars: int, candidate: bool, expected: bool) -> None:
    """`candidates` reads the article of a claim candidate carrying little text; always and never mean it."""
    assert wants_article(mode, text_chars=chars, candidate=candidate, min_chars=400) is expected


def test_the_main_text_is_read_without_the_page_around_it(feed_server: FeedServer) -> None:
    """A news page's article text comes back with its quotes, and without navigation, advertising,
    related stories or readers' comments; the request names the reader and the operator's contact."""
    url = feed_server.add("/world/uk-china-aid", Reply(body=(PAGES / "uk-china-aid.html").read_bytes(),
                                                       headers=HTML))
    article = _reader().read(url)
    assert '"We have not seen that to date."' in article.text
    assert "Grant Shapps said on Wednesday" in article.text
    for noise in ("Sign up for our morning briefing", "ADVERTISEMENT", "Related stories", "bluefin77",
                  "Where is the proof", "All rights reserved"):
        assert noise not in article.text
    assert article.title == "UK says China is sending lethal aid to Russia"
    [page] = feed_server.hits("/world/uk-china-aid")
    assert page.headers["user-agent"].startswith("claimwatch/")
    assert "+desk@example.org" in page.headers["user-agent"]


def test_a_paywall_stub_is_not_taken_for_the_article(feed_server: FeedServer) -> None:
    """A page holding only a subscription prompt is refused as permanent, not stored as the item's text."""
    url = feed_server.add("/talks", Reply(body=(PAGES / "paywall-stub.html").read_bytes(), headers=HTML))
    with pytest.raises(PermanentFetchError, match="paywall"):
        _reader().read(url)


def test_robots_txt_is_honoured_and_read_once_per_host(feed_server: FeedServer) -> None:
    """A path robots.txt disallows for claimwatch is never requested; robots.txt is read once for the host."""
    feed_server.add("/robots.txt", Reply(body=b"User-agent: claimwatch\nDisallow: /members/\n\n"
                                              b"User-agent: *\nDisallow:\n"))
    body = (PAGES / "uk-china-aid.html").read_bytes()
    private = feed_server.add("/members/uk-china-aid", Reply(body=body, headers=HTML))
    public = feed_server.add("/world/uk-china-aid", Reply(body=body, headers=HTML))
    reader = _reader()
    with pytest.raises(RobotsRefusal):
        reader.read(private)
    assert reader.read(public).text
    assert feed_server.hits("/members/uk-china-aid") == []
    assert len(feed_server.hits("/robots.txt")) == 1


def test_a_missing_robots_txt_allows_and_an_unreachable_one_refuses(feed_server: FeedServer) -> None:
    """No robots.txt (404) means every page may be read; a robots.txt answering 503 means none may for now."""
    body = (PAGES / "uk-china-aid.html").read_bytes()
    url = feed_server.add("/world/uk-china-aid", Reply(body=body, headers=HTML))
    assert _reader().read(url).text
    feed_server.add("/robots.txt", Reply(503, b"busy"))
    with pytest.raises(RobotsRefusal):
        _reader().read(url)


def test_size_cap_and_address_policy_apply(feed_server: FeedServer) -> None:
    """A page over the size cap is refused, and so is a loopback page the address policy does not allow."""
    huge = feed_server.add("/huge", Reply(body=b"<html><body><p>" + b"word " * 100_000 + b"</p></body></html>",
                                          headers=HTML))
    with pytest.raises(PermanentFetchError, match="cap"):
        _reader(ArticleSettings(max_body_bytes=50_000)).read(huge)
    page = feed_server.add("/world/uk-china-aid", Reply(body=(PAGES / "uk-china-aid.html").read_bytes(),
                                                        headers=HTML))
    with pytest.raises(PermanentFetchError, match="loopback"):
        _reader(policy=AddressPolicy(())).read(page)


def test_one_page_at_a_time_per_host(feed_server: FeedServer) -> None:
    """Four threads reading pages of one host (the same text under four addresses, as syndicated copies are)
    never have two requests in flight there at once, and each gets the text."""
    body = (PAGES / "uk-china-aid.html").read_bytes()
    in_flight, most = [0], [0]
    lock = threading.Lock()
    release = threading.Event()

    def slow(request: Request) -> Reply:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        release.wait(0.2)
        with lock:
            in_flight[0] -= 1
        return Reply(body=body, headers=HTML)

    urls = [feed_server.add(f"/world/story-{n}", slow) for n in range(4)]
    reader = _reader()
    texts: list[str] = []

    def read(url: str) -> None:
        texts.append(reader.read(url).text)

    threads = [threading.Thread(target=read, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([hit for hit in feed_server.requests if hit.path.startswith("/world/")]) == 4
    assert most[0] == 1
    assert len(texts) == 4 and all('"We have not seen that to date."' in text for text in texts)


def test_run_once_reads_the_article_of_a_headline_only_item_and_matches_it_again(
        tmp_path: Path, feed_server: FeedServer) -> None:
    """A feed item carrying only a headline gets its article's text as a new revision, which the ledger
    matches again (the US denial quoted only in the article is found); a second run reads no page again."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from sqlalchemy import select

    from storage.engine import make_engine
    from storage.models import ITEMS
    from tests.helpers import EXAMPLE_RULES, rss

    page = feed_server.add("/world/uk-china-aid", Reply(body=(PAGES / "uk-china-aid.html").read_bytes(),
                                                        headers=HTML))
    feed = feed_server.add("/wire.xml", Reply(body=rss([{
        "guid": "uk-china-1", "title": "UK says China is sending lethal aid to Russia", "link": page,
        "description": "Britain makes the accusation publicly for the first time.",
        "pubDate": "Wed, 22 May 2024 09:30:00 GMT"}])))
    rules = tmp_path / "rules"
    shutil.copytree(EXAMPLE_RULES, rules)
    (rules / "feeds.yaml").write_text(f"feeds:\n  - name: wire\n    url: {feed}\n")
    config = tmp_path / "claimwatch.toml"
    config.write_text('state_dir = "state"\nrules_dir = "rules"\n[polling]\nallowed_networks = ["127.0.0.0/8"]\n'
                      'parser_processes = 1\n[alerts]\nmax_age_seconds = 3153600000\n'
                      '[articles]\ncontact = "desk@example.org"\n')
    env = {**os.environ, "CLAIMWATCH_CONFIG": ""}
    for _ in range(2):
        run = subprocess.run([sys.executable, "-m", "monitor", "run", "--once", "--config", str(config)],
                             capture_output=True, text=True, timeout=120, check=False, env=env)
        assert run.returncode == 0, run.stderr
    assert len(feed_server.hits("/world/uk-china-aid")) == 1
    assert "+desk@example.org" in feed_server.hits("/robots.txt")[0].headers["user-agent"]
    engine = make_engine(f"sqlite:///{tmp_path / 'state' / 'claimwatch.db'}")
    with engine.connect() as connection:
        [(revision, content)] = connection.execute(select(ITEMS.c.revision, ITEMS.c.content)).all()
    engine.dispose()
    assert revision == 2 and '"We have not seen that to date."' in content
    show = subprocess.run([sys.executable, "-m", "monitor", "claims", "show", "china-lethal-aid-russia", "--json",
                           "--config", str(config)], capture_output=True, text=True, timeout=60, check=False, env=env)
    report = json.loads(show.stdout)
    stances = {(entry["stance"], entry["holder"]) for entry in report["timeline"]}
    assert ("denies", "us-government") in stances, report["timeline"]
