"""Which addresses feeds may be fetched from, checked on the address actually connected to.

By default only public (globally routable) addresses are polled: loopback, private, link-local (cloud
metadata at 169.254.169.254), shared, reserved, multicast and unique-local IPv6 (fd00:ec2::254) are
refused, so that a feed URL or a redirect cannot make the daemon read a service inside its network.
`polling.allowed_networks` lists the networks let through anyway (intranet feeds; `127.0.0.0/8` for a
loopback test server).

The check sits in the network backend under httpx: the host name is resolved once, each resolved
address is checked, and the socket is connected to that same checked address. A name that resolves to a
public address for a check and to a private one for the connection (DNS rebinding) therefore cannot slip
through, and every redirect hop, being a new request, is checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore
import httpx

from monitor.errors import PermanentFetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses, plus those inside `allowed` networks."""

    allowed: tuple[IPNetwork, ...] = ()

    def refusal(self, address: IPAddress) -> str | None:
        """Why `address` may not be fetched from, or None when it may."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed):
            return None
        if address.is_multicast:
            return "a multicast address"
        if not address.is_global:
            return f"a {_kind(address)} address"
        return None


def _kind(address: IPAddress) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    return "non-public"


class PolicedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses `policy` permits."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
        """Resolve `host`, drop refused addresses, connect to the first permitted one that answers."""
        try:
            resolved = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        permitted: list[str] = []
        refused: list[str] = []
        for *_, sockaddr in resolved:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            reason = self._policy.refusal(address)
            if reason is None:
                permitted.append(str(sockaddr[0]))
            else:
                refused.append(f"{address} ({reason})")
        if not permitted:
            # Permanent: polling again cannot help until the URL or polling.allowed_networks changes.
            raise PermanentFetchError(f"{host} resolves to {', '.join(dict.fromkeys(refused))}, which feeds may "
                                      "not be fetched from; list its network in polling.allowed_networks to allow it")
        *others, last = dict.fromkeys(permitted)
        for literal in others:
            try:
                return super().connect_tcp(literal, port, timeout, local_address, socket_options)
            except httpcore.ConnectError:
                continue
        return super().connect_tcp(last, port, timeout, local_address, socket_options)


def policed_transport(policy: AddressPolicy, limits: httpx.Limits) -> httpx.HTTPTransport:
    """An httpx transport whose connections go only to addresses `policy` permits."""
    transport = httpx.HTTPTransport(limits=limits)
    # httpx takes no network backend, so its pool is rebuilt with ours and otherwise httpx's defaults
    # (tests/test_feed_addresses.py fails if a new httpx stops routing connections through it).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
        network_backend=PolicedBackend(policy))
    return transport
