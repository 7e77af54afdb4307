"""The checks ``connect`` makes on a partner's certificate files, with ``cryptography``.

Imported by ``partner_sdk._tls`` only when it needs them: ``cryptography`` is the
``certificates`` extra, not part of the SDK's base install.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID

from partner_sdk._tls import PARTNER_ID, PARTNER_URI_TEMPLATE, TRUST_DOMAIN, Pem
from partner_sdk.errors import CertificateError

_PARTNER_URI: Final = re.compile(rf"spiffe://{re.escape(TRUST_DOMAIN)}/partner/({PARTNER_ID})")
_COALITION_URI_PREFIX: Final = f"spiffe://{TRUST_DOMAIN}/"
_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S UTC"


def checked_partner_id(certificate_pem: Pem, key_pem: Pem, ca_pem: Pem, now: datetime) -> str:
    """The partner the certificate names, once it passed every check the hub will make."""
    leaf = _certificates(certificate_pem)[0]
    key = _private_key(key_pem)
    authorities = _certificates(ca_pem)
    _check_key_matches(leaf, key, certificate_pem, key_pem)
    _check_valid_at(leaf, now, certificate_pem)
    _check_issued_by(leaf, authorities, certificate_pem, ca_pem)
    _check_client_auth(leaf, certificate_pem)
    return _partner_named(leaf, certificate_pem)


def _certificates(pem: Pem) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem.data)
    except ValueError:
        raise CertificateError(f"{pem} is not a PEM certificate") from None


def _private_key(pem: Pem) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(pem.data, password=None)
    except TypeError:
        # gRPC takes the key as it is and cannot ask for a password.
        raise CertificateError(f"{pem} is encrypted; the SDK needs it unencrypted") from None
    except (ValueError, UnsupportedAlgorithm):
        raise CertificateError(f"{pem} is not a PEM private key") from None


def _check_key_matches(
    leaf: x509.Certificate, key: PrivateKeyTypes, certificate_pem: Pem, key_pem: Pem
) -> None:
    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(der, spki) != leaf.public_key().public_bytes(der, spki):
        raise CertificateError(f"{key_pem} does not belong to {certificate_pem}")


def _check_valid_at(leaf: x509.Certificate, now: datetime, certificate_pem: Pem) -> None:
    if now < leaf.not_valid_before_utc:
        raise CertificateError(
            f"{certificate_pem} is not valid until {leaf.not_valid_before_utc:{_TIME_FORMAT}} "
            f"(it is {now:{_TIME_FORMAT}} here: is this machine's clock right?)"
        )
    if now > leaf.not_valid_after_utc:
        raise CertificateError(
            f"{certificate_pem} expired at {leaf.not_valid_after_utc:{_TIME_FORMAT}}; "
            "ask the coalition for a new one"
        )


def _check_issued_by(
    leaf: x509.Certificate,
    authorities: list[x509.Certificate],
    certificate_pem: Pem,
    ca_pem: Pem,
) -> None:
    # The coalition CA signs partner certificates itself (its path length is 0): no
    # intermediates to walk.
    if not any(_issued(leaf, authority) for authority in authorities):
        raise CertificateError(
            f"{certificate_pem} is not signed by the CA in {ca_pem.path} "
            f"(it was issued by {leaf.issuer.rfc4514_string()!r})"
        )


def _issued(leaf: x509.Certificate, authority: x509.Certificate) -> bool:
    try:
        leaf.verify_directly_issued_by(authority)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _check_client_auth(leaf: x509.Certificate, certificate_pem: Pem) -> None:
    try:
        usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = x509.ExtendedKeyUsage([])
    if ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        raise CertificateError(
            f"{certificate_pem} is not a client certificate: its extended key usage does not "
            "include client authentication (clientAuth)"
        )


def _partner_named(leaf: x509.Certificate, certificate_pem: Pem) -> str:
    uris = _uris(leaf)
    for uri in uris:
        if found := _PARTNER_URI.fullmatch(uri):
            return found.group(1)
    others = [uri for uri in uris if uri.startswith(_COALITION_URI_PREFIX)]
    if others:
        raise CertificateError(
            f"{certificate_pem} names {others[0]}, not a partner; the partner SDK calls as a "
            f"partner ({PARTNER_URI_TEMPLATE})"
        )
    raise CertificateError(
        f"{certificate_pem} names no coalition principal: a partner's certificate carries "
        f"{PARTNER_URI_TEMPLATE} among its subject alternative names"
    )


def _uris(leaf: x509.Certificate) -> list[str]:
    try:
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return names.get_values_for_type(x509.UniformResourceIdentifier)
