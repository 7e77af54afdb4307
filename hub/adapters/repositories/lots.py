"""Lots, their movements, and the holds' reservations of them.

Lots are always locked ``ORDER BY id``: with holds locked before their lots and member
accounts updated only at commit, every operation takes its locks in one order (idempotency
key, hold, lots, member accounts), so operations queue rather than deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from hub.adapters.repositories.keys import for_member, for_original
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import accounts, hold_lots, holds, lot_movements, lots, transactions
from hub.adapters.types import UtcDateTime
from hub.domain.accounts import AccountKind
from hub.domain.catch_up import OverdueLot
from hub.domain.holds import OPEN_HOLD_STATUSES, Reservation
from hub.domain.invariants import require
from hub.domain.lots import Lot, LotStatus, LotUpdate, MovementKind
from hub.domain.rates import canonical
from hub.services.ports.lots import ConsumedLots, EarnLot, HeldLots
from hub.services.ports.reads import EarnKey, HoldKey, Later, MemberKey

_INSERT_LOT = lots.insert()
_INSERT_MOVEMENT = lot_movements.insert()
_SAVE = (
    sa.update(lots)
    .where(lots.c.id == sa.bindparam("b_id"))
    .values(
        remaining_points=sa.bindparam("b_remaining"),
        reserved_points=sa.bindparam("b_reserved"),
        status=sa.bindparam("b_status"),
    )
)
_OF_MEMBER = (
    sa.select(lots)
    .where(lots.c.member_id == sa.bindparam("member_id"))
    .order_by(lots.c.expires_at.is_(None), lots.c.expires_at, lots.c.created_at)
)
_NOW = sa.bindparam("now", type_=UtcDateTime())
# Pending lots past their pending period too: the caller matures them first, so a hold may
# take points the balance already shows available, whether or not the sweeper has run.
_HOLDABLE = (
    sa.select(lots)
    .where(
        lots.c.member_id == sa.bindparam("member_id"),
        lots.c.remaining_points > lots.c.reserved_points,
        sa.or_(lots.c.expires_at.is_(None), lots.c.expires_at > _NOW),
        sa.or_(
            lots.c.status == LotStatus.AVAILABLE.value,
            sa.and_(lots.c.status == LotStatus.PENDING.value, lots.c.available_at <= _NOW),
        ),
    )
    .order_by(lots.c.id)
    .with_for_update()
)
# Pending lots too: points earned by fraud are annulled before they mature.
_ANNULLABLE = (
    sa.select(lots)
    .where(
        lots.c.member_id == sa.bindparam("member_id"),
        lots.c.remaining_points > lots.c.reserved_points,
    )
    .order_by(lots.c.id)
    .with_for_update()
)
_OF_HOLD = (
    sa.select(lots, hold_lots.c.points.label("held_points"))
    .join(hold_lots, hold_lots.c.lot_id == lots.c.id)
    .where(hold_lots.c.hold_id == sa.bindparam("hold_id"))
    .order_by(lots.c.id)
    .with_for_update(of=lots)
)
# The lots of the open holds past their expiry in the way of a new hold (the member's, and the
# order's: ``SqlHoldRepository.blocking_later``), a row per hold and lot; sent after those
# holds are locked, so it sees them as their lock's previous holders left them.
_OF_EXPIRED_IN_THE_WAY = (
    sa.select(lots, hold_lots.c.hold_id, hold_lots.c.points.label("held_points"))
    .join(hold_lots, hold_lots.c.lot_id == lots.c.id)
    .join(holds, holds.c.id == hold_lots.c.hold_id)
    .where(
        sa.or_(*(holds.c.status == status.value for status in OPEN_HOLD_STATUSES)),
        holds.c.expires_at <= _NOW,
        sa.or_(
            holds.c.member_id == sa.bindparam("member_id"),
            sa.and_(
                holds.c.partner_id == sa.bindparam("partner_id"),
                holds.c.order_id == sa.bindparam("order_id"),
            ),
        ),
    )
    .order_by(lots.c.id, hold_lots.c.hold_id)
    .with_for_update(of=lots)
)
_OF_EARN = (
    sa.select(lots).where(lots.c.earn_transaction_id == sa.bindparam("earn_id")).with_for_update()
)
# By the earn's member too: lots are indexed by member, not by earn. Keyed by the earn
# (``keys.for_original``), like the points that left its lot, which are read once it is locked.
_EARN_LOT = sa.and_(
    lots.c.member_id == sa.bindparam("member_id"),
    lots.c.earn_transaction_id == sa.bindparam("earn_id"),
)
_OF_EARN_BY_KEY = sa.select(lots).where(_EARN_LOT).with_for_update()
# Net of those a refund put back (positive movements of the same kind).
_MOVED_OUT_OF_EARN_LOT = (
    sa.select(
        lot_movements.c.lot_id,
        lot_movements.c.kind,
        (-sa.func.coalesce(sa.func.sum(lot_movements.c.points), 0)).label("points"),
    )
    .where(
        lot_movements.c.lot_id.in_(sa.select(lots.c.id).where(_EARN_LOT)),
        sa.or_(
            lot_movements.c.kind == MovementKind.EXPIRY.value,
            lot_movements.c.kind == MovementKind.ANNULMENT.value,
        ),
    )
    .group_by(lot_movements.c.lot_id, lot_movements.c.kind)
)
_REDEMPTIONS_OF_HOLD = (
    sa.select(lot_movements.c.lot_id, lot_movements.c.points)
    .join(transactions, transactions.c.id == lot_movements.c.transaction_id)
    .where(
        transactions.c.related_id == sa.bindparam("hold_transaction_id"),
        lot_movements.c.kind == MovementKind.REDEMPTION.value,
    )
    .subquery("redemptions")
)
_CONSUMED = sa.select(
    _REDEMPTIONS_OF_HOLD.c.lot_id, (-sa.func.sum(_REDEMPTIONS_OF_HOLD.c.points)).label("points")
).group_by(_REDEMPTIONS_OF_HOLD.c.lot_id)
_CONSUMED_BY_HOLD = (
    sa.select(lots)
    .where(lots.c.id.in_(sa.select(_REDEMPTIONS_OF_HOLD.c.lot_id)))
    .order_by(lots.c.id)
    .with_for_update()
)
# The refund debt of each member holding those lots (the hold's member, a merge's survivor,
# or both after an unmerge), sent once the lots are locked, so that no merge moves them
# between the two; debt accounts are locked in member id order, as a merge locks them.
_DEBTS_OF_CONSUMED = (
    sa.select(accounts.c.member_id, accounts.c.debits_posted, accounts.c.credits_posted)
    .where(
        accounts.c.kind == AccountKind.MEMBER_DEBT.value,
        accounts.c.member_id.in_(
            sa.select(lots.c.member_id).where(
                lots.c.id.in_(sa.select(_REDEMPTIONS_OF_HOLD.c.lot_id))
            )
        ),
    )
    .order_by(accounts.c.member_id)
    .with_for_update(of=accounts)
)
# All keyed by the hold (``keys.for_original``): ``:hold_transaction_id`` becomes its.
_HOLD_TRANSACTION = {"hold_transaction_id": "transaction_id"}
# The sweeper's batches: due lots, skipping those another sweeper or an operation holds.
_DUE_TO_MATURE = (
    sa.select(lots)
    .where(lots.c.status == LotStatus.PENDING.value, lots.c.available_at <= _NOW)
    .order_by(lots.c.member_id, lots.c.id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_DUE_TO_EXPIRE = (
    sa.select(lots)
    .where(
        lots.c.status == LotStatus.AVAILABLE.value,
        lots.c.expires_at <= _NOW,
        lots.c.remaining_points > lots.c.reserved_points,
    )
    .order_by(lots.c.member_id, lots.c.id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)


def _released_by_expired_holds(now: sa.BindParameter[datetime]) -> sa.ScalarSelect[int]:
    """Points of the lot reserved by open holds past their expiry, which the sweeper will
    release; the correlated lot is ``lots``. Found from the member's holds (indexed by member),
    then the (hold, lot) key: ``hold_lots`` has no index by lot alone."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(hold_lots.c.points), 0))
        .join(holds, holds.c.id == hold_lots.c.hold_id)
        .where(
            holds.c.member_id == lots.c.member_id,
            hold_lots.c.lot_id == lots.c.id,
            sa.or_(*(holds.c.status == status.value for status in OPEN_HOLD_STATUSES)),
            holds.c.expires_at <= now,
        )
        .scalar_subquery()
    )


RELEASED_BY_EXPIRED_HOLDS = _released_by_expired_holds(_NOW)
# The ids of the lots open holds past their expiry reserve, of the member ``:member_id``:
# one semi-join, rather than the scalar above for every lot of the member.
RESERVED_BY_EXPIRED_HOLDS = (
    sa.select(hold_lots.c.lot_id)
    .join(holds, holds.c.id == hold_lots.c.hold_id)
    .where(
        holds.c.member_id == sa.bindparam("member_id"),
        sa.or_(*(holds.c.status == status.value for status in OPEN_HOLD_STATUSES)),
        holds.c.expires_at <= _NOW,
    )
)
# Lots the clock has overtaken: due to mature, past their expiry with points left, or reserved
# by a hold past its expiry. Usually none; read so that reads show what the sweeper will post.
_OVERDUE = (
    sa.select(lots, RELEASED_BY_EXPIRED_HOLDS.label("released_points"))
    .where(
        lots.c.member_id == sa.bindparam("member_id"),
        lots.c.remaining_points > 0,
        sa.or_(
            sa.and_(lots.c.status == LotStatus.PENDING.value, lots.c.available_at <= _NOW),
            lots.c.expires_at <= _NOW,
            lots.c.id.in_(RESERVED_BY_EXPIRED_HOLDS),
        ),
    )
    .order_by(lots.c.id)
)


def lot_from_row(row: Row) -> Lot:
    return Lot(
        id=row["id"],
        member_id=row["member_id"],
        partner_id=row["partner_id"],
        earn_transaction_id=row["earn_transaction_id"],
        points=row["points"],
        remaining_points=row["remaining_points"],
        reserved_points=row["reserved_points"],
        status=LotStatus(row["status"]),
        created_at=row["created_at"],
        available_at=row["available_at"],
        expires_at=row["expires_at"],
        issue_price=canonical(row["issue_price"]) if row["issue_price"] is not None else None,
    )


def _held(rows: Sequence[Row]) -> HeldLots:
    """A hold's lots and its reservations of them, from rows with ``held_points``."""
    return [lot_from_row(row) for row in rows], [
        Reservation(row["id"], row["held_points"]) for row in rows
    ]


def _lot_row(lot: Lot) -> dict[str, object]:
    return {
        "id": lot.id,
        "member_id": lot.member_id,
        "partner_id": lot.partner_id,
        "earn_transaction_id": lot.earn_transaction_id,
        "points": lot.points,
        "remaining_points": lot.remaining_points,
        "reserved_points": lot.reserved_points,
        "status": lot.status.value,
        "created_at": lot.created_at,
        "available_at": lot.available_at,
        "expires_at": lot.expires_at,
        "issue_price": lot.issue_price,
    }


def _movement_rows(update: LotUpdate) -> list[dict[str, object]]:
    """The movements' rows, stamped with their transaction's time (the database adds its
    ``xid``): settlement selects a day's movements by these, without their transactions."""
    transaction = update.transaction
    if transaction is None:
        require(not update.movements, "lot movements are posted by a transaction")
        return []
    require(
        all(movement.transaction_id == transaction.id for movement in update.movements),
        "lot movements are posted by their update's transaction",
    )
    lines: dict[uuid.UUID, int] = {}
    rows = []
    for movement in update.movements:
        line = lines[movement.transaction_id] = lines.get(movement.transaction_id, -1) + 1
        redeemer = movement.redeemer
        rows.append(
            {
                "transaction_id": movement.transaction_id,
                "line": line,
                "lot_id": movement.lot_id,
                "points": movement.points,
                "kind": movement.kind.value,
                "posted_at": transaction.created_at,
                "issuer_id": movement.issuer_id,
                "issue_price": movement.issue_price,
                "redeemer_id": redeemer.partner_id if redeemer else None,
                "redemption_price": redeemer.redemption_price if redeemer else None,
            }
        )
    return rows


class SqlLotRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add(self, lot: Lot) -> None:
        self._sql.defer(_INSERT_LOT, [_lot_row(lot)])

    def apply(self, update: LotUpdate) -> None:
        """Write the lots and movements of ``update`` (its transaction goes to the ledger)."""
        saved = [
            {
                "b_id": lot.id,
                "b_remaining": lot.remaining_points,
                "b_reserved": lot.reserved_points,
                "b_status": lot.status.value,
            }
            for lot in update.lots
        ]
        self._sql.defer(_SAVE, saved)
        self._sql.defer(_INSERT_MOVEMENT, _movement_rows(update))

    def save(self, changed: Sequence[Lot]) -> None:
        self.apply(LotUpdate(None, tuple(changed)))

    def of_member(self, member_id: uuid.UUID) -> Sequence[Lot]:
        return [lot_from_row(row) for row in self._sql.rows(_OF_MEMBER, {"member_id": member_id})]

    def overdue(self, member_id: uuid.UUID, now: datetime) -> Sequence[OverdueLot]:
        """The member's lots the clock has overtaken at ``now`` (see ``hub.domain.catch_up``)."""
        return self.overdue_later(member_id, now)()

    def overdue_later(self, member: MemberKey, now: datetime) -> Later[Sequence[OverdueLot]]:
        found = self._sql.later(*for_member(_OVERDUE, member, {"now": now}))
        return lambda: [
            OverdueLot(lot_from_row(row), int(row["released_points"])) for row in found()
        ]

    def holdable_for_update(self, member_id: uuid.UUID, now: datetime) -> Sequence[Lot]:
        """The member's unexpired lots with unreserved points, available or due to mature at
        ``now``, locked in id order."""
        return self.holdable_later(member_id, now)()

    def holdable_later(self, member: MemberKey, now: datetime) -> Later[Sequence[Lot]]:
        found = self._sql.later(*for_member(_HOLDABLE, member, {"now": now}))
        return lambda: [lot_from_row(row) for row in found()]

    def annullable_for_update(self, member_id: uuid.UUID) -> Sequence[Lot]:
        """The member's lots with unreserved points (pending or available), locked in id order."""
        return self.annullable_later(member_id)()

    def annullable_later(self, member: MemberKey) -> Later[Sequence[Lot]]:
        found = self._sql.later(*for_member(_ANNULLABLE, member, {}))
        return lambda: [lot_from_row(row) for row in found()]

    def of_hold_for_update(self, hold_id: uuid.UUID) -> tuple[Sequence[Lot], Sequence[Reservation]]:
        """The lots a hold reserved, locked, and how much it reserved of each."""
        return self.of_hold_later(hold_id)()

    def of_hold_later(self, hold: uuid.UUID | HoldKey) -> Later[HeldLots]:
        if isinstance(hold, HoldKey):
            found = self._sql.later(*for_original(_OF_HOLD, hold, {}, hold_id="id"))
        else:
            found = self._sql.later(_OF_HOLD, {"hold_id": hold})
        return lambda: _held(found())

    def of_expired_in_the_way_later(
        self, member: MemberKey, partner_id: str, order_id: str, now: datetime
    ) -> Later[Mapping[uuid.UUID, HeldLots]]:
        params = {"partner_id": partner_id, "order_id": order_id, "now": now}
        found = self._sql.later(*for_member(_OF_EXPIRED_IN_THE_WAY, member, params))

        def by_hold() -> Mapping[uuid.UUID, HeldLots]:
            rows: dict[uuid.UUID, list[Row]] = {}
            for row in found():
                rows.setdefault(row["hold_id"], []).append(row)
            return {hold_id: _held(held) for hold_id, held in rows.items()}

        return by_hold

    def consumed_by_hold_later(self, hold: HoldKey) -> Later[ConsumedLots]:
        """The lots a hold's capture took points from, locked, and per lot the points it took
        that its refunds have not given back (read once the lots are locked)."""
        locked = self._sql.later(*for_original(_CONSUMED_BY_HOLD, hold, {}, **_HOLD_TRANSACTION))
        taken = self._sql.later(*for_original(_CONSUMED, hold, {}, **_HOLD_TRANSACTION))
        owed = self._sql.later(*for_original(_DEBTS_OF_CONSUMED, hold, {}, **_HOLD_TRANSACTION))

        def consumed() -> ConsumedLots:
            lots_taken = [lot_from_row(row) for row in locked()]
            by_lot = {row["lot_id"]: int(row["points"]) for row in taken() if row["points"]}
            debts = {
                row["member_id"]: int(row["debits_posted"] - row["credits_posted"])
                for row in owed()
            }
            return ConsumedLots(lots_taken, by_lot, debts)

        return consumed

    def of_earn_for_update(self, earn_id: uuid.UUID) -> Lot | None:
        """The lot an earn created (none if every point paid debt, or none were earned), locked."""
        row = self._sql.first(_OF_EARN, {"earn_id": earn_id})
        return lot_from_row(row) if row else None

    def of_earn_later(self, earn: EarnKey) -> Later[EarnLot]:
        """The earn's lot, locked, then the points that expired from it and that a fraud
        analyst annulled, each net of what a refund put back, read once the lock is held."""
        # The lot is the holder's: a merge gave the earn's member's lots to its survivor.
        keyed = {"member_id": "holder_id", "earn_id": "id"}
        locked = self._sql.later(*for_original(_OF_EARN_BY_KEY, earn, {}, **keyed))
        moved_out = self._sql.later(*for_original(_MOVED_OUT_OF_EARN_LOT, earn, {}, **keyed))

        def earn_lot() -> EarnLot:
            rows, moved = locked(), moved_out()
            if not rows:
                return EarnLot(None)
            lot = lot_from_row(rows[0])
            points = {row["kind"]: int(row["points"]) for row in moved if row["lot_id"] == lot.id}
            return EarnLot(
                lot,
                expired_points=points.get(MovementKind.EXPIRY.value, 0),
                annulled_points=points.get(MovementKind.ANNULMENT.value, 0),
            )

        return earn_lot

    def due_to_mature(self, now: datetime, limit: int) -> Sequence[Lot]:
        return [
            lot_from_row(row)
            for row in self._sql.rows(_DUE_TO_MATURE, {"now": now, "limit": limit})
        ]

    def due_to_expire(self, now: datetime, limit: int) -> Sequence[Lot]:
        return [
            lot_from_row(row)
            for row in self._sql.rows(_DUE_TO_EXPIRE, {"now": now, "limit": limit})
        ]
