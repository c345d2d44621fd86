"""What keeps the review page safe: http(s)-only links, CSRF tokens, the bearer token, headers.

Every text on the page comes from strangers on the internet; Jinja2 escapes it (autoescape on). A
link is written only when it is an http(s) URL: `javascript:`, `data:` and the rest are shown as text."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

CSRF_COOKIE, AUTH_COOKIE, REVIEWER_COOKIE = "lp_csrf", "lp_auth", "lp_reviewer"

# No script at all, styles only from the page itself, forms only back to us, never framed.
HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),  # a click on a post never tells the platform our address
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
)


def safe_url(url: object) -> str | None:
    """The URL when a browser may open it from our page: http(s), with a host, nothing hidden."""
    if not isinstance(url, str) or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


class Keys:
    """The secret behind the CSRF tokens and login cookies, and the optional bearer token."""

    def __init__(self, bearer: str | None = None, secret: bytes | None = None) -> None:
        self.bearer = bearer
        # Derived from the token when there is one, so every replica accepts the others' forms.
        derived = hashlib.sha256(b"luisterpost-review\0" + bearer.encode()).digest() if bearer else None
        self._secret = secret or derived or secrets.token_bytes(32)

    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(self._secret, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(24)

    def csrf_token(self, nonce: str) -> str:
        """The form field that goes with the nonce in the browser's cookie (signed double submit)."""
        return self._sign("csrf", nonce)

    def csrf_ok(self, nonce: str | None, token: str | None) -> bool:
        return bool(nonce and token) and hmac.compare_digest(self.csrf_token(str(nonce)), str(token))

    def login_cookie(self) -> str:
        """What a browser keeps after login: derived from the token, never the token itself."""
        return self._sign("login", self.bearer or "")

    def authorized(self, authorization: str | None, cookie: str | None) -> bool:
        if self.bearer is None:
            return True
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.bearer.encode()):
            return True
        return bool(cookie) and hmac.compare_digest(str(cookie), self.login_cookie())

    def token_ok(self, given: str) -> bool:
        return self.bearer is not None and hmac.compare_digest(given.strip().encode(), self.bearer.encode())
