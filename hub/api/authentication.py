"""Who is calling: read from the verified client certificate, or, on a plaintext loopback
hub, from metadata (a development convenience that ``hub serve`` only allows on loopback).

A certificate naming a console (``spiffe://coalition.hub/console/<name>``) is the staff
console relaying a signed-in person's call: the person comes from the ``x-hub-staff`` metadata
(and the serial of the certificate they signed in with, which admission checks like any other),
and the console itself is admitted too, so revoking either stops the call. A gateway
certificate (``spiffe://coalition.hub/gateway/<name>``) is the REST gateway relaying a partner
the same way: the partner in ``x-hub-partner-id``, the serial of the certificate the partner
presented to the gateway in ``x-hub-partner-serial``, both admitted here as for a direct call;
or the partner's API key in ``x-hub-api-key``, which names the partner and is admitted by its
hash (``hub.domain.api_keys``): the gateway passes the key on, and the hub decides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import grpc

from hub.adapters.pki import principal_of
from hub.api.headers import (
    API_KEY_HEADER,
    PARTNER_ID_HEADER,
    PARTNER_SERIAL_HEADER,
    STAFF_HEADER,
    STAFF_SERIAL_HEADER,
)
from hub.domain.api_keys import principal_of_key
from hub.domain.errors import InvalidField, Unauthenticated
from hub.domain.principals import Principal, Role, staff_role

Authenticate = Callable[[grpc.ServicerContext, Mapping[str, str]], Principal]

_CERTIFICATE_KEY = "x509_pem_cert"
_SERIAL_LENGTH_MAX = 64


def from_certificate(context: grpc.ServicerContext, metadata: Mapping[str, str]) -> Principal:
    """The principal the TLS layer verified; metadata claiming otherwise is ignored, except
    the person a console relays for."""
    pem = context.auth_context().get(_CERTIFICATE_KEY)
    if not pem:
        raise Unauthenticated("a client certificate issued by the coalition CA is required")
    principal = principal_of(pem[0])
    if principal.role is Role.CONSOLE:
        return _relayed(principal, metadata)
    if principal.role is Role.GATEWAY:
        return _relayed_partner(principal, metadata)
    return principal


def from_metadata(context: grpc.ServicerContext, metadata: Mapping[str, str]) -> Principal:
    """The partner or staff member the metadata names; nothing proves it (loopback only).
    An API key a REST gateway passes on is checked all the same: it names its partner."""
    if API_KEY_HEADER in metadata:
        return principal_of_key(metadata[API_KEY_HEADER])
    try:
        if STAFF_HEADER in metadata:
            return staff_from_header(metadata[STAFF_HEADER])
        return Principal.partner(metadata.get(PARTNER_ID_HEADER, ""))
    except InvalidField:
        raise Unauthenticated(
            f"name the caller in the {PARTNER_ID_HEADER} or {STAFF_HEADER} (role/name) metadata"
        ) from None


def staff_from_header(text: str, credential_serial: str | None = None) -> Principal:
    """The staff member ``role/name`` names, or ``InvalidField``."""
    role_text, _, name = text.partition("/")
    role = staff_role(role_text)
    if role is None:
        raise InvalidField(f"{role_text!r} is not a staff role", field=STAFF_HEADER)
    return Principal.staff(role, name, credential_serial)


def _relayed(console: Principal, metadata: Mapping[str, str]) -> Principal:
    serial = metadata.get(STAFF_SERIAL_HEADER) or None
    if serial is not None and not (len(serial) <= _SERIAL_LENGTH_MAX and serial.isalnum()):
        raise Unauthenticated(f"{STAFF_SERIAL_HEADER} is not a certificate serial")
    try:
        person = staff_from_header(metadata.get(STAFF_HEADER, ""), serial)
    except InvalidField:
        raise Unauthenticated(
            f"a console names the signed-in person in {STAFF_HEADER} (role/name)"
        ) from None
    return person.relayed_by(console)


def _relayed_partner(gateway: Principal, metadata: Mapping[str, str]) -> Principal:
    key = metadata.get(API_KEY_HEADER)
    if key is not None:
        return principal_of_key(key).relayed_by(gateway)
    serial = metadata.get(PARTNER_SERIAL_HEADER, "")
    if not (0 < len(serial) <= _SERIAL_LENGTH_MAX and serial.isalnum()):
        raise Unauthenticated(
            f"a gateway names the partner's certificate in {PARTNER_SERIAL_HEADER}"
        )
    try:
        partner = Principal.partner(metadata.get(PARTNER_ID_HEADER, ""), serial.lower())
    except InvalidField:
        raise Unauthenticated(f"a gateway names the partner in {PARTNER_ID_HEADER}") from None
    return partner.relayed_by(gateway)
