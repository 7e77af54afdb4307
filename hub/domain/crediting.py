"""Debt first: every credit to a member's points pays the member's recorded debt before them.

A refund of points already spent leaves a debt (``member:{id}:debt``). Whatever later becomes
the member's to spend (an earn, a hold's points given back by a void, a decline or its expiry,
the released rest of a partial capture, a refunded redemption, matured pending points, a bonus)
is posted through ``credit``, which pays that debt first: no credit path can forget it, and a
member never has points to spend while owing some (``hub ledger verify`` checks it).

Callers read the debt under its account's row lock, taken after the hold and lots they lock
(the hub's lock order), so two credits at once never pay one debt twice.

Points that already sit in lots (a hold's reservation, a refilled or matured lot) pay the debt
out of those lots, each taken as a ``DEBT_PAYMENT`` movement, so lot remainders keep equalling
the member's balance. Points not yet in a lot (an earn, a bonus) simply leave the paid part
out of the lot the caller creates.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hub.domain.accounts import (
    Account,
    AccountKind,
    member_available,
    member_debt,
    member_pending,
)
from hub.domain.invariants import require
from hub.domain.ledger import Entry, Transaction, TransactionKind, transfer
from hub.domain.lots import (
    Lot,
    LotMovement,
    LotStatus,
    LotUpdate,
    MovementKind,
    earliest_expiry_first,
)

_CREDITABLE = (AccountKind.MEMBER_AVAILABLE, AccountKind.MEMBER_PENDING)


@dataclass(frozen=True, slots=True)
class Credited:
    """The member's side of a credit: what the member keeps, what paid debt, and the lots."""

    entries: tuple[Entry, ...]
    """Posted entries: for arriving points they sum to the points credited (the caller's
    counterpart debits them); for released points they sum to zero."""
    points: int
    debt_paid_points: int
    lots: tuple[Lot, ...] = ()
    """The lots given, after the debt took its points out of them."""
    movements: tuple[LotMovement, ...] = ()

    @property
    def kept_points(self) -> int:
        """What is left for the member once the debt is paid."""
        return self.points - self.debt_paid_points


def credit(
    account: Account,
    points: int,
    debt_points: int,
    *,
    transaction_id: uuid.UUID,
    lots: Sequence[tuple[Lot, int]] = (),
    released: bool = False,
) -> Credited:
    """Credit ``points`` to a member's ``account`` (available, or pending for a pending earn),
    paying ``debt_points`` (read under the debt account's lock) first.

    ``released``: the points are on ``account`` already and only become spendable (a hold's
    release); paying debt then moves them from ``account`` to the debt. ``lots``: the lots that
    hold the credited points (as they stand after the credit) with how many each received; the
    paid points leave them earliest-expiry-first, as burns do. None when the caller creates the
    lot afterwards with ``kept_points`` (an earn, a bonus).
    """
    require(account.kind in _CREDITABLE, f"credits go to a member's points, not {account.code}")
    require(points >= 0, f"a credit is of a non-negative number of points, not {points}")
    require(debt_points >= 0, f"a debt is a non-negative number of points, not {debt_points}")
    require(
        not lots or sum(given for _, given in lots) == points,
        "the lots credited receive exactly the points credited",
    )
    paid = min(points, debt_points)
    debt = member_debt(uuid.UUID(account.owner))
    lots_after, movements = _paid_from_lots(lots, paid, transaction_id)
    entries: tuple[Entry, ...]
    if released:
        entries = transfer(account, debt, paid) if paid else ()
    else:
        arriving = (Entry(debt, paid), Entry(account, points - paid))
        entries = tuple(entry for entry in arriving if entry.amount_points) or (Entry(account, 0),)
    return Credited(entries, points, paid, lots_after, movements)


def pay_debt_from_available(
    member_id: uuid.UUID, debt_points: int, lots: Sequence[Lot], *, transaction_id: uuid.UUID
) -> Credited:
    """Pay ``debt_points`` a posting is about to record out of the member's unreserved
    available ``lots`` (locked, as they stand after that posting), so that a refund leaves a
    debt only for points the member no longer has. Their posted entries move the points from
    the available account to the debt; the lots lose them as ``DEBT_PAYMENT`` movements."""
    spendable = [lot for lot in lots if lot.status is LotStatus.AVAILABLE]
    free = [(lot, lot.unreserved_points) for lot in spendable if lot.unreserved_points > 0]
    return credit(
        member_available(member_id),
        sum(points for _, points in free),
        debt_points,
        transaction_id=transaction_id,
        lots=free,
        released=True,
    )


def _paid_from_lots(
    lots: Sequence[tuple[Lot, int]], paid: int, transaction_id: uuid.UUID
) -> tuple[tuple[Lot, ...], tuple[LotMovement, ...]]:
    """The lots after ``paid`` points left what they were credited, and the movements."""
    by_id = {lot.id: lot for lot, _ in lots}
    given = {lot.id: points for lot, points in lots}
    movements, wanted = [], paid
    for lot in earliest_expiry_first(by_id.values()):
        taken = min(wanted, given[lot.id], lot.unreserved_points)
        if taken:
            by_id[lot.id] = lot.moved(-taken)
            movements.append(lot.movement(transaction_id, -taken, MovementKind.DEBT_PAYMENT))
            wanted -= taken
    require(not lots or wanted == 0, f"the lots credited could not pay {wanted} points of debt")
    return tuple(by_id.values()), tuple(movements)


@dataclass(frozen=True, slots=True)
class Maturation:
    update: LotUpdate
    debt_paid_points: int = 0


def mature(
    member_id: uuid.UUID,
    lots: Sequence[Lot],
    transaction_id: uuid.UUID,
    now: datetime,
    *,
    debt_points: int,
) -> Maturation:
    """Move a member's lots whose pending period is over into their available points, paying
    the member's refund debt (``debt_points``, read under its lock) out of them first."""
    require(
        all(lot.status is LotStatus.PENDING and lot.available_at <= now for lot in lots),
        "only due pending lots mature",
    )
    matured = tuple(replace(lot, status=LotStatus.AVAILABLE) for lot in lots)
    points = sum(lot.remaining_points for lot in lots)
    if points == 0:  # fully refunded while pending: nothing left to move
        return Maturation(LotUpdate(None, matured))
    credited = credit(
        member_available(member_id),
        points,
        debt_points,
        transaction_id=transaction_id,
        lots=tuple((lot, lot.remaining_points) for lot in matured),
    )
    entries = (Entry(member_pending(member_id), -points), *credited.entries)
    transaction = Transaction(
        transaction_id, TransactionKind.MATURATION, now, entries, points, member_id=member_id
    )
    return Maturation(
        LotUpdate(transaction, credited.lots, credited.movements), credited.debt_paid_points
    )
