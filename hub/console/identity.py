"""Who is at the browser: the staff member their client certificate names, or, when a
deployment trusts an SSO proxy explicitly, the person the proxy's header names.

Only staff roles sign in: a partner's or a console's certificate chains to the same CA but is
no person at a desk.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from hub.adapters.pki import principal_of
from hub.domain.errors import InvalidField, Unauthenticated
from hub.domain.principals import STAFF_ROLES, Principal, staff_role


class NotSignedIn(Exception):
    """The request names no staff member the console accepts; the message says why."""


@dataclass(frozen=True, slots=True)
class HeaderTrust:
    """The SSO proxy header a deployment trusts, and from where; off when ``header`` is empty."""

    header: str = ""
    proxies: frozenset[str] = frozenset()

    def person(self, headers: Mapping[str, str], client_address: str) -> Principal | None:
        """The person the header names when it comes from a trusted proxy; else ``None``
        (``headers`` named in lower case)."""
        if not self.header or client_address not in self.proxies:
            return None
        value = headers.get(self.header.lower())
        return _staff(value) if value else None


def sign_in(
    peer_certificate_der: bytes | None,
    headers: Mapping[str, str],
    client_address: str,
    trust: HeaderTrust,
) -> Principal:
    """The staff member making this request, or ``NotSignedIn``."""
    if peer_certificate_der:
        return _from_certificate(peer_certificate_der)
    person = trust.person(headers, client_address)
    if person is None:
        raise NotSignedIn("sign in with your staff certificate")
    return person


def _from_certificate(der: bytes) -> Principal:
    pem = ssl.DER_cert_to_PEM_cert(der).encode()
    try:
        principal = principal_of(pem)
    except Unauthenticated as error:
        raise NotSignedIn(str(error)) from None
    if principal.role not in STAFF_ROLES:
        raise NotSignedIn("only staff (analysts, officers, operators) sign in to the console")
    return principal


def _staff(text: str) -> Principal:
    role_text, _, name = text.partition("/")
    role = staff_role(role_text)
    if role is None:
        raise NotSignedIn(f"the proxy named no staff role ({role_text!r})")
    try:
        return Principal.staff(role, name)
    except InvalidField as error:
        raise NotSignedIn(str(error)) from None
