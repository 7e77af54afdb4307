"""Holds and the lots they reserve."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa

from hub.adapters.repositories.keys import for_member, for_original
from hub.adapters.repositories.partners import RATE_COLUMNS, rate_from_row
from hub.adapters.sql import Row, Sql
from hub.adapters.tables import hold_lots, holds, partner_rates
from hub.adapters.types import UtcDateTime
from hub.domain.currencies import currency
from hub.domain.errors import HoldNotFound
from hub.domain.holds import OPEN_HOLD_STATUSES, Hold, HoldStatus, Reservation
from hub.domain.money import Money
from hub.domain.rates import RateVersion, canonical
from hub.services.ports.reads import HoldKey, Later, MemberKey

_INSERT_HOLD = holds.insert()
_INSERT_RESERVATION = hold_lots.insert()
_SELECT = sa.select(
    *(column for column in holds.c if column.name != "burn_value"),
    holds.c.burn_value.label("hold_burn_value"),
    *RATE_COLUMNS,
).join(partner_rates, partner_rates.c.id == holds.c.rate_version_id)
_GET = _SELECT.where(holds.c.id == sa.bindparam("hold_id"))
_GET_FOR_UPDATE = _GET.with_for_update(of=holds)
_OF_MEMBER = _SELECT.where(holds.c.member_id == sa.bindparam("member_id")).order_by(
    holds.c.created_at.desc()
)
# Open holds, spelled out as OR: one index range per status, and a fixed statement.
_OPEN = sa.or_(*(holds.c.status == status.value for status in OPEN_HOLD_STATUSES))
_DUE = (
    _SELECT.where(
        _OPEN,
        holds.c.expires_at <= sa.bindparam("now", type_=UtcDateTime()),
    )
    .order_by(holds.c.expires_at, holds.c.id)
    .limit(sa.bindparam("limit"))
    # Several sweepers (one per hub replica) share the work instead of queueing on it.
    .with_for_update(of=holds, skip_locked=True)
)
# The open one first (at most one, by the partial unique index), then the latest.
_OF_ORDER = (
    _SELECT.where(
        holds.c.partner_id == sa.bindparam("partner_id"),
        holds.c.order_id == sa.bindparam("order_id"),
    )
    .order_by(sa.case((_OPEN, 0), else_=1), holds.c.created_at.desc(), holds.c.id.desc())
    .limit(1)
)
_BLOCKING = (
    _SELECT.where(
        _OPEN,
        sa.or_(
            sa.and_(
                holds.c.member_id == sa.bindparam("member_id"),
                holds.c.expires_at <= sa.bindparam("now", type_=UtcDateTime()),
            ),
            sa.and_(
                holds.c.partner_id == sa.bindparam("partner_id"),
                holds.c.order_id == sa.bindparam("order_id"),
            ),
        ),
    )
    .order_by(holds.c.id)
    # Holds before lots, like every resolution: see ``hub.adapters.repositories.lots``.
    .with_for_update(of=holds)
)
_SAVE = (
    sa.update(holds)
    .where(holds.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        expires_at=sa.bindparam("b_expires_at", type_=UtcDateTime()),
        captured_points=sa.bindparam("b_captured_points"),
        resolved_at=sa.bindparam("b_resolved_at", type_=UtcDateTime()),
        resolution_id=sa.bindparam("b_resolution_id", type_=sa.Uuid()),
    )
)


def _rate(row: Row) -> RateVersion:
    """The rate the hold used: its version, with the burn value the hold used (a tier's may
    beat the rate's; holds placed before tiers existed stored none)."""
    version = rate_from_row(row, row["partner_id"])
    if row["hold_burn_value"] is None:
        return version
    used = replace(version.rates, burn_value=canonical(row["hold_burn_value"]))
    return replace(version, rates=used)


def hold_from_row(row: Row) -> Hold:
    return Hold(
        id=row["id"],
        partner_id=row["partner_id"],
        member_id=row["member_id"],
        order_id=row["order_id"],
        points=row["points"],
        value=Money(row["value_minor"], currency(row["currency"])),
        rate_version=_rate(row),
        status=HoldStatus(row["status"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        transaction_id=row["transaction_id"],
        captured_points=row["captured_points"],
        resolved_at=row["resolved_at"],
        resolution_id=row["resolution_id"],
    )


def _hold_row(hold: Hold) -> dict[str, object]:
    return {
        "id": hold.id,
        "partner_id": hold.partner_id,
        "member_id": hold.member_id,
        "order_id": hold.order_id,
        "points": hold.points,
        "value_minor": hold.value.amount_minor,
        "currency": hold.value.currency.code,
        "rate_version_id": hold.rate_version.id,
        "status": hold.status.value,
        "created_at": hold.created_at,
        "expires_at": hold.expires_at,
        "transaction_id": hold.transaction_id,
        "captured_points": hold.captured_points,
        "resolved_at": hold.resolved_at,
        "resolution_id": hold.resolution_id,
        "burn_value": hold.rate_version.rates.burn_value,
    }


class SqlHoldRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add(self, hold: Hold, reservations: Sequence[Reservation]) -> None:
        self._sql.defer(_INSERT_HOLD, [_hold_row(hold)])
        rows = [{"hold_id": hold.id, "lot_id": r.lot_id, "points": r.points} for r in reservations]
        self._sql.defer(_INSERT_RESERVATION, rows)

    def get(self, hold_id: uuid.UUID, partner_id: str, *, for_update: bool = False) -> Hold:
        """The hold, if this partner placed it; anyone else's is not even confirmed to exist."""
        row = self._sql.first(_GET_FOR_UPDATE if for_update else _GET, {"hold_id": hold_id})
        if row is None or row["partner_id"] != partner_id:
            raise HoldNotFound(f"no hold {hold_id}", field="hold_id")
        return hold_from_row(row)

    def get_any(self, hold_id: uuid.UUID, *, for_update: bool = False) -> Hold:
        row = self._sql.first(_GET_FOR_UPDATE if for_update else _GET, {"hold_id": hold_id})
        if row is None:
            raise HoldNotFound(f"no hold {hold_id}", field="hold_id")
        return hold_from_row(row)

    def save(self, hold: Hold) -> None:
        row = {
            "b_id": hold.id,
            "b_status": hold.status.value,
            "b_expires_at": hold.expires_at,
            "b_captured_points": hold.captured_points,
            "b_resolved_at": hold.resolved_at,
            "b_resolution_id": hold.resolution_id,
        }
        self._sql.defer(_SAVE, [row])

    def due_to_expire(self, now: datetime, limit: int) -> Sequence[Hold]:
        return [hold_from_row(row) for row in self._sql.rows(_DUE, {"now": now, "limit": limit})]

    def find_later(self, hold: HoldKey, *, for_update: bool = False) -> Later[Hold]:
        """The hold by id or by order id (the order's open hold, else its latest), if this
        partner placed it; ``for_update`` locks it."""
        statement = _GET_FOR_UPDATE if for_update else _GET
        found = self._sql.later(*for_original(statement, hold, {}, hold_id="id"))

        def answer() -> Hold:
            if rows := found():
                return hold_from_row(rows[0])
            if hold.order_id is not None:
                raise HoldNotFound(f"no hold for order {hold.order_id!r}", field="order_id")
            raise HoldNotFound(f"no hold {hold.hold_id}", field="hold_id")

        return answer

    def of_order(self, partner_id: str, order_id: str) -> Hold:
        """The order's open hold, else its latest, if this partner placed any."""
        row = self._sql.first(_OF_ORDER, {"partner_id": partner_id, "order_id": order_id})
        if row is None:
            raise HoldNotFound(f"no hold for order {order_id!r}", field="order_id")
        return hold_from_row(row)

    def blocking_for_update(
        self, member_id: uuid.UUID, partner_id: str, order_id: str, now: datetime
    ) -> Sequence[Hold]:
        return self.blocking_later(member_id, partner_id, order_id, now)()

    def blocking_later(
        self, member: MemberKey, partner_id: str, order_id: str, now: datetime
    ) -> Later[Sequence[Hold]]:
        params = {"partner_id": partner_id, "order_id": order_id, "now": now}
        found = self._sql.later(*for_member(_BLOCKING, member, params))
        return lambda: [hold_from_row(row) for row in found()]

    def of_member(self, member_id: uuid.UUID) -> Sequence[Hold]:
        return [hold_from_row(row) for row in self._sql.rows(_OF_MEMBER, {"member_id": member_id})]
