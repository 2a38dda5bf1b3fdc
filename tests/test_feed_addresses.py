"""Where feeds may be fetched from: public addresses by default, other networks only when the config lists
them, checked on the address each request and each redirect actually connects to."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from monitor.feeds.addresses import AddressPolicy
from storage.engine import make_engine, upgrade
from storage.feeds import FeedListing, list_feeds
from tests.feedserver import FeedServer, Reply
from tests.helpers import FakeClock, ingest_stack, make_config, news_items, rss


def _poll(tmp_path: Path, feeds: list[tuple[str, str]], allowed: list[str]) -> dict[str, FeedListing]:
    """One poller run over `feeds` with `allowed` as polling.allowed_networks; the feeds by name."""
    url = f"sqlite:///{tmp_path / 'cw.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        config = make_config(tmp_path, url, feeds, allowed_networks=allowed)
        with ingest_stack(config, engine, FakeClock()) as poller:
            poller.run_once()
        return {row.name: row for row in list_feeds(engine)}
    finally:
        engine.dispose()


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fd00:ec2::254", "private"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("100.64.0.1", "non-public"), ("0.0.0.0", "private"), ("224.0.0.1", "multicast"),
    ("93.184.216.34", None), ("2606:4700::1111", None),
])
def test_only_public_addresses_pass_by_default(address: str, reason: str | None) -> None:
    """Loopback, private, link-local (cloud metadata), shared, unique-local and multicast addresses are
    refused with their kind named; public ones pass."""
    refusal = AddressPolicy().refusal(ipaddress.ip_address(address))
    assert refusal == (f"a {reason} address" if reason else None)


def test_allowed_networks_let_their_addresses_through() -> None:
    """An address inside a listed network passes; its neighbours outside it are still refused."""
    policy = AddressPolicy((ipaddress.ip_network("10.20.0.0/16"), ipaddress.ip_network("fd00:ec2::/64")))
    assert policy.refusal(ipaddress.ip_address("10.20.3.4")) is None
    assert policy.refusal(ipaddress.ip_address("fd00:ec2::254")) is None
    assert policy.refusal(ipaddress.ip_address("10.21.0.1")) == "a private address"


def test_loopback_feed_is_refused_before_any_request(tmp_path: Path, feed_server: FeedServer) -> None:
    """With no allowed networks a loopback feed fails with a reason naming the setting, and the server
    never hears from the poller."""
    url = feed_server.add("/a.xml", Reply(body=rss(news_items(1))))
    row = _poll(tmp_path, [("a", url)], allowed=[])["a"]
    assert row.status == "failing" and row.items == 0
    assert "127.0.0.1 (a loopback address)" in str(row.last_error)
    assert "polling.allowed_networks" in str(row.last_error)
    assert feed_server.requests == []


def test_host_names_are_checked_on_their_resolved_address(tmp_path: Path, feed_server: FeedServer) -> None:
    """`localhost` is refused like 127.0.0.1 by default and polled once loopback is allowed."""
    feed_server.add("/a.xml", Reply(body=rss(news_items(2))))
    url = feed_server.url("/a.xml").replace("127.0.0.1", "localhost")
    refused = _poll(tmp_path / "refused", [("a", url)], allowed=[])["a"]
    assert refused.status == "failing" and "localhost resolves to" in str(refused.last_error)
    assert feed_server.requests == []
    allowed = _poll(tmp_path / "allowed", [("a", url)], allowed=["127.0.0.0/8", "::1/128"])["a"]
    assert (allowed.status, allowed.items) == ("ok", 2)


def test_redirect_to_a_refused_address_is_not_followed(tmp_path: Path, feed_server: FeedServer) -> None:
    """A feed on an allowed address that redirects to one outside the allowed networks fails, and the
    redirect's target receives nothing."""
    inner = FeedServer(host="127.0.0.2")
    try:
        target = inner.add("/secret", Reply(body=rss(news_items(1))))
        url = feed_server.add("/a.xml", Reply(302, headers={"Location": target}))
        row = _poll(tmp_path, [("a", url)], allowed=["127.0.0.1/32"])["a"]
        assert row.status == "failing" and "127.0.0.2 (a loopback address)" in str(row.last_error)
        assert len(feed_server.hits("/a.xml")) == 1
        assert inner.requests == []
    finally:
        inner.close()


def test_allowed_network_lets_a_loopback_feed_be_polled(tmp_path: Path, feed_server: FeedServer) -> None:
    """Listing 127.0.0.0/8 in polling.allowed_networks lets a loopback feed through, redirects included."""
    feed_server.add("/b.xml", Reply(body=rss(news_items(3))))
    url = feed_server.add("/a.xml", Reply(302, headers={"Location": "/b.xml"}))
    row = _poll(tmp_path, [("a", url)], allowed=["127.0.0.0/8"])["a"]
    assert (row.status, row.items) == ("ok", 3)
