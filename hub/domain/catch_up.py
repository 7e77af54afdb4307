"""A member's points as they stand now, whether or not the sweeper has run.

The sweeper posts what the clock has made due (holds past their expiry released, pending
points matured, points past their expiry taken to breakage) some time after it became due.
Reads must not show that lag: these pure functions apply, to the stored rows, what the sweeper
will post, in the order it posts it (holds, maturation, expiry). Credits to available points
pay the member's recorded debt first, as every posted credit does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hub.domain.lots import Lot, LotStatus, earliest_expiry_first


@dataclass(frozen=True, slots=True)
class OverdueLot:
    """A stored lot the clock has overtaken, with the points of it reserved by open holds past
    their expiry (which the sweeper will release)."""

    lot: Lot
    released_points: int = 0


@dataclass(frozen=True, slots=True)
class CaughtUp:
    """What the sweeper has yet to post for one member, and the member's lots once it has."""

    released_points: int
    """Points of open holds past their expiry, free again."""
    matured_points: int
    """Pending points past their pending period, available now."""
    debt_paid_points: int
    """Of the points above, those that pay the member's debt first."""
    expired_points: int
    """Unreserved points of lots past their expiry, gone to breakage."""
    lots: tuple[Lot, ...]

    @property
    def available_change_points(self) -> int:
        return (
            self.released_points
            + self.matured_points
            - self.debt_paid_points
            - (self.expired_points)
        )

    def expiring_points(self, now: datetime, expiring_before: datetime) -> int:
        """Unreserved points of these lots that are available and expire in ``[now, before)``."""
        return sum(
            lot.unreserved_points
            for lot in self.lots
            if lot.status is LotStatus.AVAILABLE
            and lot.expires_at is not None
            and now < lot.expires_at < expiring_before
        )


NOTHING_OVERDUE = CaughtUp(0, 0, 0, 0, ())


def catch_up(overdue: Iterable[OverdueLot], debt_points: int, now: datetime) -> CaughtUp:
    """``overdue`` lots as the sweeper will leave them at ``now``, and the points it moves."""
    lots: dict[uuid.UUID, Lot] = {}
    released_from: dict[uuid.UUID, int] = {}
    matured_in: dict[uuid.UUID, int] = {}
    for item in overdue:
        lot = replace(item.lot, reserved_points=item.lot.reserved_points - item.released_points)
        released_from[lot.id] = item.released_points
        if lot.status is LotStatus.PENDING and lot.available_at <= now:
            lot = replace(lot, status=LotStatus.AVAILABLE)
            matured_in[lot.id] = lot.remaining_points
        lots[lot.id] = lot
    released, matured = sum(released_from.values()), sum(matured_in.values())
    debt_points = max(debt_points, 0)
    # The sweeper releases holds before it matures lots; each credit pays what debt is left.
    paid = _take(lots, released_from, debt_points)
    paid += _take(lots, matured_in, debt_points - paid)
    expired = 0
    for lot in list(lots.values()):
        if lot.status is LotStatus.AVAILABLE and lot.expired(now) and lot.unreserved_points:
            expired += lot.unreserved_points
            lots[lot.id] = lot.moved(-lot.unreserved_points)
    return CaughtUp(released, matured, paid, expired, tuple(lots.values()))


def _take(lots: dict[uuid.UUID, Lot], credited: dict[uuid.UUID, int], debt_points: int) -> int:
    """Pay up to ``debt_points`` out of the points ``credited`` to lots, earliest expiry first
    (as ``hub.domain.crediting`` posts it); the points paid."""
    paid = 0
    for lot in earliest_expiry_first(lots[lot_id] for lot_id, c in credited.items() if c):
        taken = min(debt_points - paid, credited[lot.id], lot.unreserved_points)
        lots[lot.id] = lot.moved(-taken)
        paid += taken
    return paid


def lots_as_of(stored: Sequence[Lot], caught_up: CaughtUp) -> tuple[Lot, ...]:
    """``stored`` lots with the overdue ones as the sweeper will leave them."""
    now_by_id = {lot.id: lot for lot in caught_up.lots}
    return tuple(now_by_id.get(lot.id, lot) for lot in stored)
