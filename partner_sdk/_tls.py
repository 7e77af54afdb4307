"""A partner's certificate, key and CA: read and checked before any connection is made.

gRPC cannot tell a partner why the hub refused its certificate: under TLS 1.3 the hub rejects
it after the client's side of the handshake is done, and the client sees "Socket closed", as
it would for any dropped connection. So what the hub will check (validity, issuer, client
authentication, the partner named) is checked here first, with ``cryptography``, and a
failure raises ``CertificateError`` saying exactly what is wrong.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID

from partner_sdk.errors import CertificateError

FilePath = str | os.PathLike[str]

TRUST_DOMAIN: Final = "coalition.hub"
PARTNER_URI_TEMPLATE: Final = f"spiffe://{TRUST_DOMAIN}/partner/<partner id>"
# The hub's partner id rule (2-32 of a-z, 0-9, '-', starting with a letter), repeated here
# because the SDK imports nothing of the hub.
_PARTNER_URI: Final = re.compile(
    rf"spiffe://{re.escape(TRUST_DOMAIN)}/partner/([a-z][a-z0-9-]{{1,31}})"
)
_COALITION_URI_PREFIX: Final = f"spiffe://{TRUST_DOMAIN}/"
SERVER_NAME_OPTION: Final = "grpc.ssl_target_name_override"
_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S UTC"


@dataclass(frozen=True)
class ClientTls:
    """What a channel needs to call the hub as the partner a certificate names."""

    partner_id: str
    credentials: grpc.ChannelCredentials
    channel_options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Pem:
    """A file's contents and how messages name it."""

    label: str
    path: str
    data: bytes

    def __str__(self) -> str:
        return f"{self.label} {self.path}"


def load_client_tls(
    *,
    certificate: FilePath,
    private_key: FilePath,
    ca: FilePath,
    server_name: str | None = None,
    now: datetime | None = None,
) -> ClientTls:
    """Read and check the three files; ``CertificateError`` says what is wrong with them."""
    if server_name is not None and not server_name:
        raise ValueError("server_name must be a host name, or None to use the target's")
    certificate_pem = _read("certificate", certificate)
    key_pem = _read("private key", private_key)
    ca_pem = _read("CA certificate", ca)
    partner_id = _checked_partner_id(certificate_pem, key_pem, ca_pem, now or datetime.now(UTC))
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca_pem.data,
        private_key=key_pem.data,
        certificate_chain=certificate_pem.data,
    )
    options = ((SERVER_NAME_OPTION, server_name),) if server_name else ()
    return ClientTls(partner_id, credentials, options)


def _checked_partner_id(certificate_pem: _Pem, key_pem: _Pem, ca_pem: _Pem, now: datetime) -> str:
    """The partner the certificate names, once it passed every check the hub will make."""
    leaf = _certificates(certificate_pem)[0]
    key = _private_key(key_pem)
    authorities = _certificates(ca_pem)
    _check_key_matches(leaf, key, certificate_pem, key_pem)
    _check_valid_at(leaf, now, certificate_pem)
    _check_issued_by(leaf, authorities, certificate_pem, ca_pem)
    _check_client_auth(leaf, certificate_pem)
    return _partner_named(leaf, certificate_pem)


def _read(label: str, path: FilePath) -> _Pem:
    shown = os.fspath(path)
    try:
        return _Pem(label, shown, Path(path).read_bytes())
    except FileNotFoundError:
        raise CertificateError(f"{label} file {shown} does not exist") from None
    except OSError as error:
        raise CertificateError(f"cannot read {label} file {shown}: {error.strerror}") from None


def _certificates(pem: _Pem) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem.data)
    except ValueError:
        raise CertificateError(f"{pem} is not a PEM certificate") from None


def _private_key(pem: _Pem) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(pem.data, password=None)
    except TypeError:
        # gRPC takes the key as it is and cannot ask for a password.
        raise CertificateError(f"{pem} is encrypted; the SDK needs it unencrypted") from None
    except (ValueError, UnsupportedAlgorithm):
        raise CertificateError(f"{pem} is not a PEM private key") from None


def _check_key_matches(
    leaf: x509.Certificate, key: PrivateKeyTypes, certificate_pem: _Pem, key_pem: _Pem
) -> None:
    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(der, spki) != leaf.public_key().public_bytes(der, spki):
        raise CertificateError(f"{key_pem} does not belong to {certificate_pem}")


def _check_valid_at(leaf: x509.Certificate, now: datetime, certificate_pem: _Pem) -> None:
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
    certificate_pem: _Pem,
    ca_pem: _Pem,
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


def _check_client_auth(leaf: x509.Certificate, certificate_pem: _Pem) -> None:
    try:
        usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = x509.ExtendedKeyUsage([])
    if ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        raise CertificateError(
            f"{certificate_pem} is not a client certificate: its extended key usage does not "
            "include client authentication (clientAuth)"
        )


def _partner_named(leaf: x509.Certificate, certificate_pem: _Pem) -> str:
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
