"""Certificates from the hub's own CA code, written as files the way a partner receives them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from hub.adapters.pki import CertificateAuthority, Issued
from hub.domain.principals import Principal

SERVER_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class PartnerFiles:
    """What ``connect`` takes, as keyword arguments."""

    certificate: Path
    private_key: Path
    ca: Path

    def kwargs(self) -> dict[str, Path]:
        return {"certificate": self.certificate, "private_key": self.private_key, "ca": self.ca}

    def encrypt_private_key(self, password: bytes = b"secret") -> None:
        """Rewrite the key file encrypted, as some partners' tooling exports keys."""
        key = serialization.load_pem_private_key(self.private_key.read_bytes(), password=None)
        self.private_key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(password),
            )
        )


@dataclass
class Pki:
    """The coalition CA, a stranger's CA, and a directory to write certificates into."""

    directory: Path
    now: datetime
    ca: CertificateAuthority
    other_ca: CertificateAuthority

    @classmethod
    def create(cls, directory: Path, now: datetime) -> Pki:
        other = CertificateAuthority.create(now, name="Some Other CA")
        return cls(directory, now, CertificateAuthority.create(now), other)

    @property
    def ca_file(self) -> Path:
        path = self.directory / "ca.crt"
        path.write_bytes(self.ca.certificate_pem)
        return path

    def files(self, issued: Issued, stem: str) -> PartnerFiles:
        certificate, private_key = issued.write(self.directory, stem)
        return PartnerFiles(certificate, private_key, self.ca_file)

    def partner(
        self,
        partner_id: str = "coffee",
        *,
        issued_at: datetime | None = None,
        valid_days: int = 30,
        ca: CertificateAuthority | None = None,
    ) -> PartnerFiles:
        issued = (ca or self.ca).issue_client(
            Principal.partner(partner_id), issued_at or self.now, valid_days=valid_days
        )
        return self.files(issued, partner_id)

    def client_certificate_naming(self, names: Sequence[x509.GeneralName]) -> PartnerFiles:
        # The CA's public API only issues certificates naming a principal, which is the point.
        issued = self.ca._issue("stranger", names, ExtendedKeyUsageOID.CLIENT_AUTH, self.now, 30)
        return self.files(issued, "stranger")

    def server_credentials(
        self,
        hosts: Sequence[str] = SERVER_HOSTS,
        *,
        ca: CertificateAuthority | None = None,
        trusted_client_ca: CertificateAuthority | None = None,
    ) -> grpc.ServerCredentials:
        """A hub certificate for ``hosts`` issued by ``ca``, trusting clients of
        ``trusted_client_ca``; both default to the coalition CA. Client certificates required."""
        issued = (ca or self.ca).issue_server(list(hosts), self.now)
        return grpc.ssl_server_credentials(
            [(issued.key_pem, issued.certificate_pem)],
            root_certificates=(trusted_client_ca or self.ca).certificate_pem,
            require_client_auth=True,
        )


def days(n: int) -> timedelta:
    return timedelta(days=n)
