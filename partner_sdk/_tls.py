"""A partner's certificate, key and CA: read and checked before any connection is made.

gRPC cannot tell a partner why the hub refused its certificate: under TLS 1.3 the hub rejects
it after the client's side of the handshake is done, and the client sees "Socket closed", as
it would for any dropped connection. So what the hub will check (validity, issuer, client
authentication, the partner named) is checked here first, with ``cryptography``
(``partner_sdk._certificates``), and a failure raises ``CertificateError`` saying exactly what
is wrong.

``cryptography`` is the SDK's ``certificates`` extra. Without it, a caller that names its
partner id itself still connects: the files are read and must look like what they are (PEM
certificates, an unencrypted PEM key), and the hub makes the remaining checks in the
handshake. Without it and without a partner id, ``MissingExtra`` names the extra to install.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import grpc

from partner_sdk._extras import CERTIFICATES, extra_required
from partner_sdk.errors import CertificateError, MissingExtra

FilePath = str | os.PathLike[str]

TRUST_DOMAIN: Final = "coalition.hub"
PARTNER_URI_TEMPLATE: Final = f"spiffe://{TRUST_DOMAIN}/partner/<partner id>"
# The hub's partner id rule (2-32 of a-z, 0-9, '-', starting with a letter), repeated here
# because the SDK imports nothing of the hub.
PARTNER_ID: Final = "[a-z][a-z0-9-]{1,31}"
_PARTNER_ID: Final = re.compile(PARTNER_ID)
SERVER_NAME_OPTION: Final = "grpc.ssl_target_name_override"
_FEATURE: Final = "reading the partner id from the certificate"
_HINT: Final = "; or pass partner_id= the partner your certificate names"
# What each file must hold when cryptography cannot parse it (PEM labels, RFC 7468).
_CERTIFICATE_LABEL: Final = b"-----BEGIN CERTIFICATE-----"
_KEY_LABEL: Final = re.compile(rb"-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----")
_ENCRYPTED_KEY_LABELS: Final = (b"-----BEGIN ENCRYPTED PRIVATE KEY-----", b"Proc-Type: 4,ENCRYPTED")


@dataclass(frozen=True)
class ClientTls:
    """What a channel needs to call the hub as the partner a certificate names."""

    partner_id: str
    credentials: grpc.ChannelCredentials
    channel_options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Pem:
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
    partner_id: str | None = None,
    now: datetime | None = None,
) -> ClientTls:
    """Read and check the three files; ``CertificateError`` says what is wrong with them.

    ``partner_id``, if given, must be the partner the certificate names; it is what lets the
    SDK's base install (no ``cryptography``) connect, with lighter checks.
    """
    if server_name is not None and not server_name:
        raise ValueError("server_name must be a host name, or None to use the target's")
    if partner_id is not None and not _PARTNER_ID.fullmatch(partner_id):
        raise ValueError(f"partner_id {partner_id!r} is not a partner id ({PARTNER_ID})")
    certificate_pem = _read("certificate", certificate)
    key_pem = _read("private key", private_key)
    ca_pem = _read("CA certificate", ca)
    partner_id = _partner_id(certificate_pem, key_pem, ca_pem, partner_id, now)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca_pem.data,
        private_key=key_pem.data,
        certificate_chain=certificate_pem.data,
    )
    options = ((SERVER_NAME_OPTION, server_name),) if server_name else ()
    return ClientTls(partner_id, credentials, options)


def _partner_id(
    certificate_pem: Pem, key_pem: Pem, ca_pem: Pem, given: str | None, now: datetime | None
) -> str:
    """The partner the certificate names, checked with ``cryptography`` when it is installed;
    else the one the caller gave, after the checks that need no ``cryptography``."""
    try:
        with extra_required(feature=_FEATURE, extra=CERTIFICATES, hint=_HINT):
            from partner_sdk import _certificates
    except MissingExtra:
        if given is None:
            raise
        _check_labels(certificate_pem, key_pem, ca_pem)
        return given
    named = _certificates.checked_partner_id(
        certificate_pem, key_pem, ca_pem, now or datetime.now(UTC)
    )
    if given is not None and named != given:
        raise CertificateError(f"{certificate_pem} names partner {named!r}, not {given!r}")
    return named


def _check_labels(certificate_pem: Pem, key_pem: Pem, ca_pem: Pem) -> None:
    """The checks that need no ``cryptography``: each file holds PEM of the right kind."""
    for pem in (certificate_pem, ca_pem):
        if _CERTIFICATE_LABEL not in pem.data:
            raise CertificateError(f"{pem} is not a PEM certificate")
    if any(label in key_pem.data for label in _ENCRYPTED_KEY_LABELS):
        # gRPC takes the key as it is and cannot ask for a password.
        raise CertificateError(f"{key_pem} is encrypted; the SDK needs it unencrypted")
    if not _KEY_LABEL.search(key_pem.data):
        raise CertificateError(f"{key_pem} is not a PEM private key")


def _read(label: str, path: FilePath) -> Pem:
    shown = os.fspath(path)
    try:
        return Pem(label, shown, Path(path).read_bytes())
    except FileNotFoundError:
        raise CertificateError(f"{label} file {shown} does not exist") from None
    except OSError as error:
        raise CertificateError(f"cannot read {label} file {shown}: {error.strerror}") from None
