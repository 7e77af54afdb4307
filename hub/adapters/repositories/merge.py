"""Member merges: the lots and identifiers a merge moves, and its record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa

from hub.adapters.repositories.lots import lot_from_row
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import (
    holds,
    lots,
    member_identifiers,
    member_merge_identifiers,
    member_merge_lots,
    member_merges,
)
from hub.domain.holds import OPEN_HOLD_STATUSES
from hub.domain.lots import Lot
from hub.services.ports.merge import MergeRecord, Unmerging

_OPEN_HOLDS = sa.select(sa.func.count().label("holds")).where(
    holds.c.member_id == sa.bindparam("member_id"),
    sa.or_(*(holds.c.status == status.value for status in OPEN_HOLD_STATUSES)),
)
# One statement for both members' lots, in id order (the hub's lock order for lots): every
# lot of the absorbed member, spent ones too (a merge moves them all, so a later refund of the
# absorbed member's redemption finds them the survivor's), and the survivor's with points left.
_LOTS_FOR_UPDATE = (
    sa.select(lots)
    .where(
        sa.or_(
            lots.c.member_id == sa.bindparam("absorbed_id"),
            sa.and_(lots.c.member_id == sa.bindparam("survivor_id"), lots.c.remaining_points > 0),
        )
    )
    .order_by(lots.c.id)
    .with_for_update()
)
_DIGESTS = (
    sa.select(member_identifiers.c.digest)
    .where(member_identifiers.c.member_id == sa.bindparam("member_id"))
    .order_by(member_identifiers.c.digest)
    .with_for_update()
)
_MOVE_LOT = (
    sa.update(lots)
    .where(lots.c.id == sa.bindparam("b_id"), lots.c.member_id == sa.bindparam("b_from"))
    .values(member_id=sa.bindparam("b_to"))
)
_MOVE_IDENTIFIER = (
    sa.update(member_identifiers)
    .where(
        member_identifiers.c.digest == sa.bindparam("b_digest"),
        member_identifiers.c.member_id == sa.bindparam("b_from"),
    )
    .values(member_id=sa.bindparam("b_to"))
)
_OPEN_MERGE = (
    sa.select(member_merges)
    .where(
        member_merges.c.survivor_id == sa.bindparam("survivor_id"),
        member_merges.c.absorbed_id == sa.bindparam("absorbed_id"),
        member_merges.c.unmerged_at.is_(None),
    )
    .with_for_update()
)
_MERGE_LOTS = sa.select(member_merge_lots.c.lot_id, member_merge_lots.c.points).where(
    member_merge_lots.c.merge_id == sa.bindparam("merge_id")
)
_MERGE_DIGESTS = sa.select(member_merge_identifiers.c.digest).where(
    member_merge_identifiers.c.merge_id == sa.bindparam("merge_id")
)
_MERGED_INTO = sa.select(member_merges.c.survivor_id).where(
    member_merges.c.absorbed_id == sa.bindparam("member_id"),
    member_merges.c.unmerged_at.is_(None),
)
_ABSORBED = (
    sa.select(member_merges.c.absorbed_id)
    .where(
        member_merges.c.survivor_id == sa.bindparam("member_id"),
        member_merges.c.unmerged_at.is_(None),
    )
    .order_by(member_merges.c.merged_at, member_merges.c.id)
)
_UNMERGE = (
    sa.update(member_merges)
    .where(member_merges.c.id == sa.bindparam("b_id"))
    .values(
        unmerged_at=sa.bindparam("b_at"),
        unmerged_by=sa.bindparam("b_by"),
        unmerge_reason=sa.bindparam("b_reason"),
        unmerge_transaction_id=sa.bindparam("b_transaction_id"),
    )
)


def _record(row: Row, lot_ids: Sequence[Row], digests: Sequence[Row]) -> MergeRecord:
    return MergeRecord(
        id=row["id"],
        survivor_id=row["survivor_id"],
        absorbed_id=row["absorbed_id"],
        merged_at=row["merged_at"],
        merged_by=row["merged_by"],
        reason=row["reason"],
        transaction_id=row["transaction_id"],
        debt_points=int(row["debt_points"]),
        points=sum(int(found["points"]) for found in lot_ids),
        lot_ids=tuple(found["lot_id"] for found in lot_ids),
        digests=tuple(bytes(found["digest"]) for found in digests),
        unmerged_at=row["unmerged_at"],
    )


class SqlMergeRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def open_holds(self, member_id: uuid.UUID) -> int:
        return int(self._sql.rows(_OPEN_HOLDS, {"member_id": member_id})[0]["holds"])

    def lots_for_update(self, absorbed_id: uuid.UUID, survivor_id: uuid.UUID) -> Sequence[Lot]:
        found = self._sql.rows(
            _LOTS_FOR_UPDATE, {"absorbed_id": absorbed_id, "survivor_id": survivor_id}
        )
        return [lot_from_row(row) for row in found]

    def identifier_digests(self, member_id: uuid.UUID) -> Sequence[bytes]:
        return [bytes(row["digest"]) for row in self._sql.rows(_DIGESTS, {"member_id": member_id})]

    def move_lots(
        self, lot_ids: Sequence[uuid.UUID], from_member_id: uuid.UUID, to_member_id: uuid.UUID
    ) -> None:
        rows = [{"b_id": lot, "b_from": from_member_id, "b_to": to_member_id} for lot in lot_ids]
        self._sql.defer(_MOVE_LOT, rows)

    def move_identifiers(
        self, digests: Sequence[bytes], from_member_id: uuid.UUID, to_member_id: uuid.UUID
    ) -> None:
        rows = [{"b_digest": d, "b_from": from_member_id, "b_to": to_member_id} for d in digests]
        self._sql.defer(_MOVE_IDENTIFIER, rows)

    def add(self, merge: MergeRecord, lots: Sequence[Lot]) -> None:
        row = {
            "id": merge.id,
            "survivor_id": merge.survivor_id,
            "absorbed_id": merge.absorbed_id,
            "merged_at": merge.merged_at,
            "merged_by": merge.merged_by,
            "reason": merge.reason,
            "transaction_id": merge.transaction_id,
            "debt_points": merge.debt_points,
        }
        self._sql.defer(member_merges.insert(), [row])
        moved = [
            {
                "merge_id": merge.id,
                "lot_id": lot.id,
                "points": lot.remaining_points,
                "status": lot.status.value,
            }
            for lot in lots
        ]
        self._sql.defer(member_merge_lots.insert(), moved)
        digests = [{"merge_id": merge.id, "digest": digest} for digest in merge.digests]
        self._sql.defer(member_merge_identifiers.insert(), digests)

    def open_merge_for_update(
        self, survivor_id: uuid.UUID, absorbed_id: uuid.UUID
    ) -> MergeRecord | None:
        params = {"survivor_id": survivor_id, "absorbed_id": absorbed_id}
        row = self._sql.first(_OPEN_MERGE, params)
        if row is None:
            return None
        merge_id = {"merge_id": row["id"]}
        return _record(
            row, self._sql.rows(_MERGE_LOTS, merge_id), self._sql.rows(_MERGE_DIGESTS, merge_id)
        )

    def merged_into(self, member_id: uuid.UUID) -> uuid.UUID | None:
        row = self._sql.first(_MERGED_INTO, {"member_id": member_id})
        return row["survivor_id"] if row else None

    def absorbed(self, survivor_id: uuid.UUID) -> Sequence[uuid.UUID]:
        return [row["absorbed_id"] for row in self._sql.rows(_ABSORBED, {"member_id": survivor_id})]

    def unmerge(self, unmerging: Unmerging) -> None:
        row = {
            "b_id": unmerging.merge_id,
            "b_at": unmerging.unmerged_at,
            "b_by": unmerging.unmerged_by,
            "b_reason": unmerging.reason,
            "b_transaction_id": unmerging.transaction_id,
        }
        self._sql.defer(_UNMERGE, [row])
