"""Idempotency keys, claimed inside the same database transaction as the effect they guard."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.adapters.sql import Sql
from hub.adapters.tables import idempotency_keys as keys
from hub.services.ports.conflicts import TransientConflict
from hub.services.ports.idempotency import StoredResponse
from hub.services.ports.reads import Later

# On PostgreSQL a claim racing an uncommitted one with the same key waits for it, then either
# finds its committed row or (if it rolled back) takes the key: the database decides.
_CLAIM = {
    "postgresql": postgresql.insert(keys).on_conflict_do_nothing().returning(keys.c.key),
    "sqlite": sqlite.insert(keys).on_conflict_do_nothing().returning(keys.c.key),
}
_GET = sa.select(keys.c.operation, keys.c.request_hash, keys.c.response).where(
    keys.c.partner_id == sa.bindparam("b_partner_id"), keys.c.key == sa.bindparam("b_key")
)
_SAVE = (
    sa.update(keys)
    .where(keys.c.partner_id == sa.bindparam("b_partner_id"), keys.c.key == sa.bindparam("b_key"))
    .values(response=sa.bindparam("b_response"))
)


class SqlIdempotencyRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def claim(
        self, partner_id: str, key: str, operation: str, request_hash: bytes, now: datetime
    ) -> StoredResponse | None:
        return self.claim_later(partner_id, key, operation, request_hash, now)()

    def claim_later(
        self, partner_id: str, key: str, operation: str, request_hash: bytes, now: datetime
    ) -> Later[StoredResponse | None]:
        row = {
            "partner_id": partner_id,
            "key": key,
            "operation": operation,
            "request_hash": request_hash,
            "created_at": now,
        }
        # Both sent at once: the read runs after the claim, so it sees the row of whoever
        # holds the key (once they committed), or ours.
        claimed = self._sql.later(_CLAIM[self._sql.dialect], row)
        stored = self._sql.later(_GET, {"b_partner_id": partner_id, "b_key": key})

        def answer() -> StoredResponse | None:
            if claimed():
                return None
            found = stored()
            if not found or found[0]["response"] is None:
                # Only possible if the holder of the key vanished between our two statements.
                raise TransientConflict(f"idempotency key {key!r} is in flux")
            return StoredResponse(
                found[0]["operation"], bytes(found[0]["request_hash"]), found[0]["response"]
            )

        return answer

    def save(self, partner_id: str, key: str, response: str) -> None:
        self._sql.defer(_SAVE, [{"b_partner_id": partner_id, "b_key": key, "b_response": response}])
