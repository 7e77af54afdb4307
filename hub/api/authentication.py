"""Who is calling: read from the verified client certificate, or, on a plaintext loopback
hub, from metadata (a development convenience that ``hub serve`` only allows on loopback)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import grpc

from hub.adapters.pki import principal_of
from hub.api.headers import PARTNER_ID_HEADER, STAFF_HEADER
from hub.domain.errors import InvalidField, Unauthenticated
from hub.domain.principals import STAFF_ROLES, Principal, Role

Authenticate = Callable[[grpc.ServicerContext, Mapping[str, str]], Principal]

_CERTIFICATE_KEY = "x509_pem_cert"


def from_certificate(context: grpc.ServicerContext, metadata: Mapping[str, str]) -> Principal:
    """The principal the TLS layer verified; metadata claiming otherwise is ignored."""
    pem = context.auth_context().get(_CERTIFICATE_KEY)
    if not pem:
        raise Unauthenticated("a client certificate issued by the coalition CA is required")
    return principal_of(pem[0])


def from_metadata(context: grpc.ServicerContext, metadata: Mapping[str, str]) -> Principal:
    """The partner or staff member the metadata names; nothing proves it (loopback only)."""
    try:
        if staff := metadata.get(STAFF_HEADER):
            role, _, name = staff.partition("/")
            if role not in STAFF_ROLES:
                raise InvalidField(f"{role!r} is not a staff role", field=STAFF_HEADER)
            return Principal.staff(Role(role), name)
        return Principal.partner(metadata.get(PARTNER_ID_HEADER, ""))
    except InvalidField:
        raise Unauthenticated(
            f"name the caller in the {PARTNER_ID_HEADER} or {STAFF_HEADER} (role/name) metadata"
        ) from None
