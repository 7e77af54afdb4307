"""A coalition CA for tests, and channels that present its certificates to a real hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc

from hub import bootstrap
from hub.adapters.pki import CertificateAuthority, Issued
from hub.api.server import ServerTls
from hub.cli.certs import issue_credential
from hub.domain.principals import Principal, Role
from tests.conftest import OPERATOR

COFFEE = Principal.partner("coffee")
FUEL = Principal.partner("fuel")
ANALYST = Principal.staff(Role.ANALYST, "ana")
OFFICER = Principal.staff(Role.OFFICER, "oscar")
ADMIN = Principal.staff(Role.ADMIN, "ada")


def real_now() -> datetime:
    # Certificates are checked by the TLS layer against the real clock, not the hub's.
    return datetime.now(UTC)


@dataclass
class Pki:
    authority: CertificateAuthority = field(
        default_factory=lambda: CertificateAuthority.create(real_now())
    )

    def server_tls(self) -> ServerTls:
        return ServerTls.issued_by(self.authority, ["localhost", "127.0.0.1"], real_now())

    def issue(self, principal: Principal, **options: object) -> Issued:
        """A certificate the CA signed but the hub has no record of."""
        return self.authority.issue_client(principal, real_now(), **options)  # type: ignore[arg-type]

    def enrol(self, hub: bootstrap.Hub, principal: Principal) -> Issued:
        """A certificate issued and recorded, as ``hub certs issue`` does it."""
        return issue_credential(hub, self.authority, principal, changed_by=OPERATOR)

    def channel(self, target: str, issued: Issued | None) -> grpc.Channel:
        credentials = grpc.ssl_channel_credentials(
            self.authority.certificate_pem,
            issued.key_pem if issued else None,
            issued.certificate_pem if issued else None,
        )
        return grpc.secure_channel(target, credentials)
