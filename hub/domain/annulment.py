"""Annulment: a fraud analyst takes a member's fraudulently earned points off the books.

Only unreserved points are annulled (a hold's points wait for its capture, void or decline),
newest lots first: points earned by fraud are usually the latest. Or the analyst names one
operation (an earn or a bonus) and what is left unreserved of its points is annulled, whatever
else the member has. Pending lots give from the
member's pending account, available ones from the available account, so lot remainders keep
equalling the member's balances; the points go to ``coalition:adjustments``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.domain.accounts import COALITION_ADJUSTMENTS, member_available, member_pending
from hub.domain.errors import (
    InsufficientPoints,
    InvalidAmount,
    NothingToAnnul,
    TransactionNotFound,
)
from hub.domain.ledger import Entry, Transaction, TransactionKind
from hub.domain.limits import POINTS_PER_OPERATION_MAX
from hub.domain.lots import Lot, LotMovement, LotStatus, LotUpdate, MovementKind


@dataclass(frozen=True, slots=True)
class Annulment:
    transaction_id: uuid.UUID
    update: LotUpdate
    points: int
    points_by_partner: tuple[tuple[str, int], ...]
    """Points annulled per issuing partner, by partner id."""
    operation_id: uuid.UUID | None = None
    """The one operation whose points were annulled; ``None`` for points newest first."""


def newest_first(lots: Sequence[Lot]) -> list[Lot]:
    return sorted(lots, key=lambda lot: (lot.created_at, lot.id), reverse=True)


def _points_to_take(points: int | None, unreserved: int) -> int:
    if points is not None and not 1 <= points <= POINTS_PER_OPERATION_MAX:
        raise InvalidAmount(
            f"annul 1..{POINTS_PER_OPERATION_MAX} points, or all; asked {points}", field="points"
        )
    if unreserved == 0:
        raise InsufficientPoints("the member has no unreserved points to annul")
    if points is not None and points > unreserved:
        raise InsufficientPoints(
            f"the member has {unreserved} unreserved points, not {points}",
            available_points=str(unreserved),
        )
    return unreserved if points is None else points


def annul(
    member_id: uuid.UUID,
    lots: Sequence[Lot],
    points: int | None,
    transaction_id: uuid.UUID,
    now: datetime,
) -> Annulment:
    """Take ``points`` (``None``: all) of the member's unreserved points, newest lots first."""
    owned = [lot for lot in lots if lot.member_id == member_id and lot.unreserved_points > 0]
    wanted = _points_to_take(points, sum(lot.unreserved_points for lot in owned))
    return _annulment(member_id, newest_first(owned), wanted, transaction_id, now)


def annul_operation(
    member_id: uuid.UUID,
    operation_id: uuid.UUID,
    lot: Lot | None,
    transaction_id: uuid.UUID,
    now: datetime,
) -> Annulment:
    """Take what is left unreserved of the points one operation (``lot``, the lot it issued)
    gave the member: ``TransactionNotFound`` if it gave this member none,
    ``NothingToAnnul`` if none are left."""
    if lot is None or lot.member_id != member_id or lot.earn_transaction_id != operation_id:
        raise TransactionNotFound(
            f"no operation {operation_id} issued points to member {member_id}",
            field="operation_id",
        )
    if lot.unreserved_points == 0:
        raise NothingToAnnul(
            f"operation {operation_id} has no points left to annul: {lot.remaining_points} of "
            f"its {lot.points} remain and {lot.reserved_points} of those are held",
            remaining_points=str(lot.remaining_points),
            reserved_points=str(lot.reserved_points),
        )
    return _annulment(
        member_id, [lot], lot.unreserved_points, transaction_id, now, operation_id=operation_id
    )


def _annulment(
    member_id: uuid.UUID,
    lots: Sequence[Lot],
    wanted: int,
    transaction_id: uuid.UUID,
    now: datetime,
    *,
    operation_id: uuid.UUID | None = None,
) -> Annulment:
    """Take ``wanted`` points from ``lots`` in their order (they have that many unreserved);
    an annulment of one operation is related to it, so its history shows which."""
    taken_lots: list[Lot] = []
    movements: list[LotMovement] = []
    by_account = {LotStatus.PENDING: 0, LotStatus.AVAILABLE: 0}
    by_partner: dict[str, int] = {}
    for lot in lots:
        if wanted == 0:
            break
        taken = min(wanted, lot.unreserved_points)
        wanted -= taken
        taken_lots.append(lot.moved(-taken))
        movements.append(lot.movement(transaction_id, -taken, MovementKind.ANNULMENT))
        by_account[lot.status] += taken
        by_partner[lot.partner_id] = by_partner.get(lot.partner_id, 0) + taken
    total = sum(by_account.values())
    debits = (
        (member_pending(member_id), by_account[LotStatus.PENDING]),
        (member_available(member_id), by_account[LotStatus.AVAILABLE]),
    )
    entries = (
        *(Entry(account, -amount) for account, amount in debits if amount),
        Entry(COALITION_ADJUSTMENTS, total),
    )
    transaction = Transaction(
        transaction_id,
        TransactionKind.ANNULMENT,
        now,
        entries,
        total,
        member_id=member_id,
        related_id=operation_id,
    )
    update = LotUpdate(transaction, tuple(taken_lots), tuple(movements))
    by_partner_sorted = tuple(sorted(by_partner.items()))
    return Annulment(transaction_id, update, total, by_partner_sorted, operation_id)
