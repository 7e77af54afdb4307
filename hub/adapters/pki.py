"""The coalition's certificate authority: creates it, issues server and client certificates,
and reads the principal back out of a client certificate.

Keys are ECDSA P-256 (fast TLS handshakes, supported everywhere gRPC runs). A client
certificate names its principal in a URI subject alternative name (``hub.domain.principals``)
and is only good for client authentication; the server certificate only for server
authentication, so neither can stand in for the other.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hub.domain.errors import Unauthenticated
from hub.domain.principals import Principal

CA_VALID_DAYS = 3650
SERVER_VALID_DAYS = 397
CLIENT_VALID_DAYS_DEFAULT = 365
CLIENT_VALID_DAYS_MAX = 825
CLOCK_SKEW_S = 300
"""Certificates start this much before they are issued, for callers whose clocks lag."""
CA_CERT_FILE, CA_KEY_FILE = "ca.crt", "ca.key"
SERVER_CERT_FILE, SERVER_KEY_FILE = "server.crt", "server.key"
_PARSED_CERTIFICATES_MAX = 4096


class PkiError(Exception):
    """A certificate authority or certificate file is missing or unusable."""


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    serial: str
    """Lower-case hex, as stored in the ``credentials`` table."""
    subject: str
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str
    principal_uri: str | None


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate and its private key, both PEM."""

    certificate_pem: bytes
    key_pem: bytes
    info: CertificateInfo

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """Write ``stem.crt`` and ``stem.key`` (readable by the owner only) into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        certificate_path = directory / f"{stem}.crt"
        certificate_path.write_bytes(self.certificate_pem)
        return certificate_path, _write_private(directory / f"{stem}.key", self.key_pem)


def _write_private(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return path


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Coalition Hub"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def info_of(certificate: x509.Certificate) -> CertificateInfo:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        uris = names.value.get_values_for_type(x509.UniformResourceIdentifier)
    except x509.ExtensionNotFound:
        uris = []
    return CertificateInfo(
        serial=format(certificate.serial_number, "x"),
        subject=certificate.subject.rfc4514_string(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
        principal_uri=uris[0] if uris else None,
    )


def read_certificate(pem: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as error:
        raise PkiError(f"not a PEM certificate: {error}") from None


@functools.lru_cache(maxsize=_PARSED_CERTIFICATES_MAX)
def principal_of(certificate_pem: bytes) -> Principal:
    """The principal a verified client certificate names (cached: parsing costs more than a
    lookup, and a client presents the same certificate on every call)."""
    try:
        info = info_of(x509.load_pem_x509_certificate(certificate_pem))
    except ValueError:
        raise Unauthenticated("the client certificate cannot be read") from None
    if info.principal_uri is None:
        raise Unauthenticated("the client certificate names no principal")
    return Principal.from_uri(info.principal_uri, credential_serial=info.serial)


class CertificateAuthority:
    """The coalition's CA: one key, kept on the operator's disk, never in the database."""

    def __init__(self, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        self.certificate = certificate
        self._key = key

    @classmethod
    def create(cls, now: datetime, *, name: str = "Coalition Hub CA") -> CertificateAuthority:
        key = _new_key()
        subject = _name(name)
        certificate = (
            _builder(subject, key.public_key(), now, CA_VALID_DAYS)
            .issuer_name(subject)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(signs_certificates=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return cls(certificate, key)

    @classmethod
    def load(cls, directory: Path) -> CertificateAuthority:
        try:
            certificate = read_certificate((directory / CA_CERT_FILE).read_bytes())
            key = serialization.load_pem_private_key((directory / CA_KEY_FILE).read_bytes(), None)
        except FileNotFoundError:
            raise PkiError(
                f"no certificate authority in {directory}; run `hub certs init`"
            ) from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise PkiError(f"{directory / CA_KEY_FILE} is not an EC private key")
        return cls(certificate, key)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if (directory / CA_KEY_FILE).exists():
            raise PkiError(f"{directory} already holds a certificate authority")
        _write_private(directory / CA_KEY_FILE, _key_pem(self._key))
        (directory / CA_CERT_FILE).write_bytes(self.certificate_pem)

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue_client(
        self, principal: Principal, now: datetime, *, valid_days: int = CLIENT_VALID_DAYS_DEFAULT
    ) -> Issued:
        """A client certificate naming ``principal``, valid for ``valid_days``."""
        if not 1 <= valid_days <= CLIENT_VALID_DAYS_MAX:
            raise PkiError(f"a client certificate is valid for 1..{CLIENT_VALID_DAYS_MAX} days")
        names = [x509.UniformResourceIdentifier(principal.uri)]
        return self._issue(principal.name, names, ExtendedKeyUsageOID.CLIENT_AUTH, now, valid_days)

    def issue_server(self, hostnames: Sequence[str], now: datetime) -> Issued:
        """The hub's own certificate, for the DNS names and IP addresses it is reached by."""
        names: list[x509.GeneralName] = [_host_name(host) for host in hostnames]
        return self._issue(
            hostnames[0], names, ExtendedKeyUsageOID.SERVER_AUTH, now, SERVER_VALID_DAYS
        )

    def _issue(
        self,
        common_name: str,
        names: Sequence[x509.GeneralName],
        usage: x509.ObjectIdentifier,
        now: datetime,
        valid_days: int,
    ) -> Issued:
        key = _new_key()
        certificate = (
            _builder(_name(common_name), key.public_key(), now, valid_days)
            .issuer_name(self.certificate.subject)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signs_certificates=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), False
            )
            .sign(self._key, hashes.SHA256())
        )
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        return Issued(pem, _key_pem(key), info_of(certificate))


def _builder(
    subject: x509.Name, public_key: ec.EllipticCurvePublicKey, now: datetime, valid_days: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(seconds=CLOCK_SKEW_S))
        .not_valid_after(now + timedelta(days=valid_days))
    )


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _host_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)
