"""Giving a hold's points back (a void, a decline, an expiry): one shape for every caller."""

from __future__ import annotations

from datetime import datetime

from hub.domain import holds
from hub.domain.holds import Hold
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.services.ports.unit_of_work import UnitOfWork, record


def release(
    uow: UnitOfWork, hold: Hold, kind: TransactionKind, now: datetime, *, declined: bool = False
) -> holds.Resolution:
    """Release ``hold`` (already locked): its lots, then the member's debt account, are locked
    in the order every resolution takes them, so two credits never pay one debt twice; the
    points pay that debt first."""
    lots, reservations = uow.lots.of_hold_for_update(hold.id)
    debt = uow.members.debt_for_update(hold.member_id)
    resolution = holds.release(
        hold, kind, lots, reservations, new_id(), now, debt_points=debt, declined=declined
    )
    record(uow, resolution.lots)
    uow.holds.save(resolution.hold)
    return resolution
