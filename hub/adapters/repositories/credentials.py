"""The certificates the coalition CA issued, and whether the hub still accepts them."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hub.adapters.repositories.revocable import access_statement, partner_access, revoke_statement
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import credentials
from hub.domain.access import PartnerAccess
from hub.domain.credentials import Credential
from hub.domain.errors import CredentialNotFound
from hub.domain.principals import Principal

_INSERT = credentials.insert()
_GET = sa.select(credentials).where(credentials.c.serial == sa.bindparam("serial"))
_GET_FOR_UPDATE = _GET.with_for_update()
_ALL = sa.select(credentials).order_by(credentials.c.issued_at, credentials.c.serial)
_OF_PRINCIPAL = _ALL.where(credentials.c.principal == sa.bindparam("principal"))
_REVOKE = revoke_statement(credentials, credentials.c.serial)
_ACCESS = access_statement(credentials, credentials.c.serial, "serial")


def _credential(row: Row) -> Credential:
    return Credential(
        serial=row["serial"],
        principal=Principal.from_uri(row["principal"]),
        fingerprint_sha256=row["fingerprint_sha256"],
        not_before=row["not_before"],
        not_after=row["not_after"],
        issued_at=row["issued_at"],
        issued_by=row["issued_by"],
        renews=row["renews"],
        revoked_at=row["revoked_at"],
        revoked_by=row["revoked_by"],
        revoked_reason=row["revoked_reason"],
    )


class SqlCredentialRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add(self, credential: Credential) -> None:
        row = {
            "serial": credential.serial,
            "principal": credential.principal.uri,
            "role": credential.principal.role.value,
            "fingerprint_sha256": credential.fingerprint_sha256,
            "not_before": credential.not_before,
            "not_after": credential.not_after,
            "issued_at": credential.issued_at,
            "issued_by": credential.issued_by,
            "renews": credential.renews,
            "revoked_at": None,
            "revoked_by": None,
            "revoked_reason": None,
        }
        self._sql.defer(_INSERT, [row])
        self._sql.mark_cache_stale()

    def get(self, serial: str, *, for_update: bool = False) -> Credential:
        row = self._sql.first(_GET_FOR_UPDATE if for_update else _GET, {"serial": serial})
        if row is None:
            raise CredentialNotFound(f"no credential has serial {serial!r}", serial=serial)
        return _credential(row)

    def list(self, principal_uri: str | None = None) -> Sequence[Credential]:
        if principal_uri is None:
            return [_credential(row) for row in self._sql.rows(_ALL)]
        return [
            _credential(row) for row in self._sql.rows(_OF_PRINCIPAL, {"principal": principal_uri})
        ]

    def access(
        self, serial: str | None, partner_id: str | None
    ) -> tuple[Credential | None, PartnerAccess | None]:
        """The credential with ``serial`` and the access of ``partner_id``, either missing."""
        row = self._sql.first(_ACCESS, {"serial": serial, "partner_id": partner_id})
        if row is None:
            return None, None
        credential = _credential(row) if row["serial"] is not None else None
        return credential, partner_access(row)

    def save(self, credential: Credential) -> None:
        self._sql.mark_cache_stale()
        self._sql.execute(
            _REVOKE,
            {
                "b_key": credential.serial,
                "b_revoked_at": credential.revoked_at,
                "b_revoked_by": credential.revoked_by,
                "b_revoked_reason": credential.revoked_reason,
            },
        )
