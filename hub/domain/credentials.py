"""Credentials: the client certificates the coalition CA issued, as the hub tracks them.

The certificate proves who calls; this record says whether the hub still accepts it. A
certificate the CA signed but the hub has no record of is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from hub.domain.errors import CredentialRevoked, Unauthenticated
from hub.domain.principals import Principal


@dataclass(frozen=True, slots=True)
class Credential:
    serial: str
    principal: Principal
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    issued_by: str
    renews: str | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoked_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self, at: datetime, by: str, reason: str) -> Credential:
        """This credential revoked; revoking again keeps the first revocation."""
        if self.revoked:
            return self
        return replace(self, revoked_at=at, revoked_by=by, revoked_reason=reason)

    def require_accepted(self, principal: Principal) -> None:
        """Refuse a revoked credential, or one presented for another principal. (The TLS
        handshake already refused expired ones, by the real clock: the hub's clock may be a
        simulated one in demos.)"""
        if self.revoked:
            raise CredentialRevoked(f"certificate {self.serial} was revoked")
        if self.principal.uri != principal.uri:
            raise Unauthenticated(f"certificate {self.serial} was issued to someone else")
