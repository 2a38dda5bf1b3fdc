"""Canonical item URLs: the same article reached through different tracking links has one address."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "matomo_", "hsa_", "_hs", "vero_", "oly_")
_TRACKING_KEYS = frozenset({
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "twclid", "ttclid", "li_fat_id",
    "mkt_tok", "_ga", "_gl", "cmpid", "ocid", "ncid", "sr_share", "smid", "ito", "from_rss", "ref", "ref_src",
    "spm", "__twitter_impression",
})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(link: str | None, base: str | None = None) -> str | None:
    """The link made absolute, scheme and host lowercased, default port, fragment and trackers removed.

    Returns None for anything that is not an http(s) URL (javascript:, mailto:, garbage).
    """
    if not link or not link.strip():
        return None
    link = link.strip()
    if base:
        link = urljoin(base, link)
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(key)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), ""))


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in _TRACKING_KEYS or lowered.startswith(_TRACKING_PREFIXES)


def host_of(url: str) -> str:
    """The host:port a URL points at, for per-host concurrency limits."""
    parts = urlsplit(url)
    return (parts.netloc or url).lower()


def hide_credentials(url: str) -> str:
    """`url` with any user name and password replaced by ***, for listings, logs and error messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))
