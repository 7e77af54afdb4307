"""Members' contact data, stored only as AES-GCM ciphertext (see ``hub.domain.contacts``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from hub.adapters.sql import Row, Sql
from hub.adapters.tables import member_contacts
from hub.services.ports.contacts import SealedContact

_SEALED_COLUMNS = ("key_id", "nonce", "ciphertext", "updated_at")


def _upsert(insert: Any) -> UpdateBase:
    statement = insert(member_contacts)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[member_contacts.c.member_id],
        set_={name: statement.excluded[name] for name in _SEALED_COLUMNS},
    )


# Both stores speak INSERT ... ON CONFLICT, but SQLAlchemy builds it per dialect.
_UPSERT = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}
_GET = sa.select(member_contacts).where(member_contacts.c.member_id == sa.bindparam("member_id"))
_DELETE = sa.delete(member_contacts).where(
    member_contacts.c.member_id == sa.bindparam("b_member_id")
)
# Batches for re-sealing: rows under another key than the current one, past a cursor, locked;
# rows another re-sealer holds are skipped rather than waited for.
_STALE = (
    sa.select(member_contacts)
    .where(
        member_contacts.c.key_id != sa.bindparam("current_key_id"),
        member_contacts.c.member_id > sa.bindparam("after"),
    )
    .order_by(member_contacts.c.member_id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_KEY_COUNTS = sa.select(member_contacts.c.key_id, sa.func.count().label("contacts")).group_by(
    member_contacts.c.key_id
)


def _sealed(row: Row) -> SealedContact:
    return SealedContact(
        row["key_id"], bytes(row["nonce"]), bytes(row["ciphertext"]), row["updated_at"]
    )


class SqlContactRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def put(self, member_id: uuid.UUID, sealed: SealedContact) -> None:
        row = {
            "member_id": member_id,
            "key_id": sealed.key_id,
            "nonce": sealed.nonce,
            "ciphertext": sealed.ciphertext,
            "updated_at": sealed.updated_at,
        }
        self._sql.defer(_UPSERT[self._sql.dialect], [row])

    def get(self, member_id: uuid.UUID) -> SealedContact | None:
        row = self._sql.first(_GET, {"member_id": member_id})
        return _sealed(row) if row is not None else None

    def delete(self, member_id: uuid.UUID) -> None:
        self._sql.defer(_DELETE, [{"b_member_id": member_id}])

    def stale(
        self, current_key_id: str, after: uuid.UUID, limit: int
    ) -> Sequence[tuple[uuid.UUID, SealedContact]]:
        params = {"current_key_id": current_key_id, "after": after, "limit": limit}
        return [(row["member_id"], _sealed(row)) for row in self._sql.rows(_STALE, params)]

    def key_counts(self) -> dict[str, int]:
        return {row["key_id"]: int(row["contacts"]) for row in self._sql.rows(_KEY_COUNTS)}
