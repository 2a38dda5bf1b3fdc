"""The web view's defences: security headers (a Content-Security-Policy that allows no script at all), CSRF
tokens for every POST form, authentication by token or basic auth, and the rule for which links are shown.

CSRF: each browser gets a random nonce in an HttpOnly, SameSite=Strict cookie; a form carries
HMAC(secret, nonce), which only this process can compute (the secret is made when the app is built), so a
page elsewhere can neither read nor forge it. A POST whose Origin header names another site is refused too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote, urlsplit

from monitor.config import WebSettings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY"),
           (b"cache-control", b"no-store")]
CSRF_COOKIE = "cw_csrf"
SESSION_COOKIE = "cw_session"
CSRF_FIELD = "csrf"
SAFE_SCHEMES = ("http", "https")


def safe_href(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link, else None: `javascript:`, `data:` and the like from a
    feed are never rendered as links."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else None


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_path(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default` (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies."""
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 - a malformed cookie header is treated as no cookie
                continue
    return {key: morsel.value for key, morsel in jar.items()}


def header(scope: Scope, wanted: bytes) -> str | None:
    """One request header, decoded."""
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


class SecurityHeaders:
    """Adds the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Csrf:
    """Issues and checks CSRF tokens; see the module docstring."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def token(self, nonce: str) -> str:
        """The form token for a browser's nonce."""
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()

    def valid(self, scope: Scope, submitted: str | None) -> bool:
        """Whether a POST carries the token of the nonce in its cookie and, if it says where it comes from,
        comes from this site."""
        nonce = cookies(scope).get(CSRF_COOKIE)
        if not nonce or not submitted or not hmac.compare_digest(self.token(nonce), submitted):
            return False
        origin = header(scope, b"origin")
        return origin is None or urlsplit(origin).netloc == header(scope, b"host")


class CsrfCookie:
    """Gives each browser its CSRF nonce: from its cookie, or a new one set on the response. The nonce is put
    in `scope["state"]["csrf_nonce"]` for the forms of the page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = cookies(scope).get(CSRF_COOKIE)
        fresh = nonce is None
        nonce = nonce or secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_nonce"] = nonce

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                cookie = f"{CSRF_COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Strict"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


@dataclass(frozen=True)
class Credentials:
    """What a request must show when the configuration asks for authentication."""

    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: WebSettings) -> Credentials:
        """The configured token and basic-auth pair (the secrets stay in this object, never in a page)."""
        return cls(token=settings.token.get_secret_value() if settings.token else None,
                   username=settings.username,
                   password=settings.password.get_secret_value() if settings.password else None)

    @property
    def required(self) -> bool:
        """Whether any authentication is configured."""
        return self.token is not None or self.password is not None

    def session_value(self) -> str:
        """The login cookie's value: derived from the token, never the token itself."""
        return hmac.new((self.token or "").encode(), b"claimwatch web session", hashlib.sha256).hexdigest()

    def token_matches(self, offered: str) -> bool:
        """Whether `offered` is the configured token."""
        return self.token is not None and hmac.compare_digest(offered.encode(), self.token.encode())

    def allows(self, scope: Scope) -> bool:
        """Whether the request shows the token (bearer header or login cookie) or the basic-auth pair."""
        if not self.required:
            return True
        authorization = header(scope, b"authorization") or ""
        kind, _, value = authorization.partition(" ")
        if self.token is not None:
            if kind.lower() == "bearer" and self.token_matches(value.strip()):
                return True
            session = cookies(scope).get(SESSION_COOKIE)
            if session and hmac.compare_digest(session, self.session_value()):
                return True
        if self.password is not None and kind.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return (hmac.compare_digest(user.encode(), (self.username or "").encode())
                    & hmac.compare_digest(password.encode(), self.password.encode()))
        return False


class RequireAuth:
    """Lets a request through only with valid credentials; others get 401 (basic auth, and the API) or are
    sent to the login page (a browser, when a token is configured)."""

    def __init__(self, app: ASGIApp, credentials: Credentials) -> None:
        self.app = app
        self.credentials = credentials

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        public = path == "/login" or path.startswith("/static/")
        if scope["type"] != "http" or public or self.credentials.allows(scope):
            await self.app(scope, receive, send)
            return
        if self.credentials.token is not None and not path.startswith("/api/") and scope.get("method") == "GET":
            location = "/login?next=" + _quote_path(scope)
            await _respond(send, 303, b"", [(b"location", location.encode())])
            return
        challenge = [(b"www-authenticate", b'Basic realm="claimwatch"')] if self.credentials.password else []
        await _respond(send, 401, b"authentication required\n",
                       [(b"content-type", b"text/plain; charset=utf-8"), *challenge])


def _quote_path(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return quote(scope.get("path", "/") + (f"?{query}" if query else ""), safe="")


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
