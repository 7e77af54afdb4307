"""Cross-site request forgery: the browser presents its client certificate to any page that
asks, so a POST must prove it came from one of the console's own forms.

Two checks, both required: the browser's own word on where the request came from
(``Sec-Fetch-Site``, else ``Origin``) must be this console, and the form must carry the token
bound to this browser's session cookie and to the person signed in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

COOKIE_NAME = "hub_console_session"
FIELD_NAME = "csrf_token"
_SESSION_BYTES = 32
_SAME_ORIGIN_SITES = ("same-origin",)


class Tokens:
    """Per-session tokens under a key that lives as long as the console process."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    @staticmethod
    def new_session() -> str:
        return secrets.token_hex(_SESSION_BYTES)

    def token(self, session: str, person_uri: str) -> str:
        message = f"{session}\n{person_uri}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def accepts(self, session: str, person_uri: str, given: str) -> bool:
        return bool(session) and hmac.compare_digest(self.token(session, person_uri), given)


def same_origin(headers: Mapping[str, str], console_origin: str) -> bool:
    """Whether the browser says the request comes from the console's own pages (``headers``
    named in lower case)."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in _SAME_ORIGIN_SITES
    origin = headers.get("origin")
    return origin is None or origin == console_origin


def cookie_session(cookie_header: str | None) -> str:
    """The session id in a ``Cookie`` header, or ``""``."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME:
            return value
    return ""


def session_cookie(session: str) -> str:
    """The ``Set-Cookie`` value: never sent cross-site, never readable by scripts."""
    return f"{COOKIE_NAME}={session}; Path=/; Secure; HttpOnly; SameSite=Strict"
