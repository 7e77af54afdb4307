"""Partners' API keys for the REST gateway: their hashes, and whether the hub still accepts
them. Every change marks the admission cache stale (and the table's triggers raise the cache
version), so a revocation is refused within a second in every replica."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hub.adapters.repositories.revocable import access_statement, partner_access, revoke_statement
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import api_keys
from hub.domain.access import PartnerAccess
from hub.domain.api_keys import ApiKey
from hub.domain.credentials import Credential
from hub.domain.errors import ApiKeyNotFound

_INSERT = api_keys.insert()
_GET = sa.select(api_keys).where(api_keys.c.key_id == sa.bindparam("key_id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_ALL = sa.select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id)
_OF_PARTNER = _ALL.where(api_keys.c.partner_id == sa.bindparam("partner_id"))
_REVOKE = revoke_statement(api_keys, api_keys.c.key_id)
_ACCESS = access_statement(api_keys, api_keys.c.key_sha256, "key_sha256")


def _key(row: Row) -> ApiKey:
    return ApiKey(
        key_id=row["key_id"],
        partner_id=row["partner_id"],
        key_sha256=row["key_sha256"],
        label=row["label"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        revoked_at=row["revoked_at"],
        revoked_by=row["revoked_by"],
        revoked_reason=row["revoked_reason"],
    )


class SqlApiKeyRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add(self, key: ApiKey) -> None:
        row = {
            "key_id": key.key_id,
            "key_sha256": key.key_sha256,
            "partner_id": key.partner_id,
            "label": key.label,
            "created_at": key.created_at,
            "created_by": key.created_by,
            "revoked_at": None,
            "revoked_by": None,
            "revoked_reason": None,
        }
        self._sql.defer(_INSERT, [row])
        self._sql.mark_cache_stale()

    def get(self, key_id: str, *, for_update: bool = False) -> ApiKey:
        row = self._sql.first(_GET_FOR_UPDATE if for_update else _GET, {"key_id": key_id})
        if row is None:
            raise ApiKeyNotFound(f"no API key has id {key_id!r}", key_id=key_id)
        return _key(row)

    def list(self, partner_id: str | None = None) -> Sequence[ApiKey]:
        if partner_id is None:
            return [_key(row) for row in self._sql.rows(_ALL)]
        return [_key(row) for row in self._sql.rows(_OF_PARTNER, {"partner_id": partner_id})]

    def save(self, key: ApiKey) -> None:
        self._sql.mark_cache_stale()
        self._sql.execute(
            _REVOKE,
            {
                "b_key": key.key_id,
                "b_revoked_at": key.revoked_at,
                "b_revoked_by": key.revoked_by,
                "b_revoked_reason": key.revoked_reason,
            },
        )

    def access(
        self, key_sha256: str, partner_id: str
    ) -> tuple[Credential | None, PartnerAccess | None]:
        row = self._sql.first(_ACCESS, {"key_sha256": key_sha256, "partner_id": partner_id})
        if row is None:
            return None, None
        credential = _key(row).as_credential() if row["key_id"] is not None else None
        return credential, partner_access(row)
