"""Member merge: two accounts of one person become one, and the correcting unmerge.

The survivor takes the absorbed member's lots as they are: each keeps its id, issuer, issue
price, status, ``available_at`` and ``expires_at``, only its owner changes. So settlement,
which follows lots and their movements, still attributes the points to their issuers when the
survivor redeems them, the sweeper matures and expires them on time, and nothing is issued or
retired by the merge. The ledger records the move as one ``MERGE`` transaction: available to
available, pending to pending, and the absorbed member's debt to the survivor's debt. Debt
first: the survivor's whole debt is then paid out of its unreserved available points, as any
credit does (``hub.domain.crediting``).

An unmerge gives back what is left of the moved lots (spent, expired or debt-paying points
stay spent), and the part of the moved debt the survivor still owes; the points it could not
give back are reported, never invented. History is never edited: both are new transactions.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hub.domain.accounts import member_available, member_debt, member_pending
from hub.domain.crediting import pay_debt_from_available
from hub.domain.errors import (
    InvalidField,
    MemberAlreadyMerged,
    MemberHasPendingHolds,
    MemberNotActive,
)
from hub.domain.invariants import require
from hub.domain.ledger import Transaction, TransactionKind, transfer
from hub.domain.lots import Lot, LotStatus, LotUpdate
from hub.domain.members import Member, MemberStatus


@dataclass(frozen=True, slots=True)
class Move:
    """Points, lots and debt going from one member to another, as the ledger records them."""

    update: LotUpdate
    """The transaction (``None`` when nothing moved), the moved lots as they end (owned by the
    receiver) and the debt payment's movements."""
    points: int
    """Points the moved lots held when they moved."""
    debt_points: int
    """Debt that moved with them."""
    debt_paid_points: int


def check_members(survivor: Member, absorbed: Member) -> None:
    """Refuse a merge of a member with itself, or of one that is not active."""
    if survivor.id == absorbed.id:
        raise InvalidField("a member cannot be merged into itself", field="absorbed_member_id")
    for member in (survivor, absorbed):
        if member.status is MemberStatus.MERGED:
            raise MemberAlreadyMerged(f"member {member.id} is already merged into another")
        if member.status is not MemberStatus.ACTIVE:
            raise MemberNotActive(f"member {member.id} is {member.status.value}")


def check_no_holds(member_id: uuid.UUID, open_holds: int) -> None:
    """A pending hold reserves the absorbed member's lots for one partner's capture, keyed by
    that member: it must be resolved before the lots change owner."""
    if open_holds:
        raise MemberHasPendingHolds(
            f"member {member_id} has {open_holds} pending holds: capture, void or let them "
            "expire before the merge",
            holds=str(open_holds),
        )


def move(
    giver: uuid.UUID,
    receiver: uuid.UUID,
    lots: Sequence[Lot],
    *,
    debt_points: int,
    receiver_debt_points: int,
    receiver_lots: Sequence[Lot],
    kind: TransactionKind,
    transaction_id: uuid.UUID,
    now: datetime,
    survivor_id: uuid.UUID,
) -> Move:
    """Move ``lots`` (the giver's, none reserved) and ``debt_points`` of the giver's debt to the
    receiver, then pay the receiver's whole debt out of its unreserved available points. The
    transaction is the survivor's (both a merge's and its unmerge's), so its history shows
    both."""
    require(all(lot.reserved_points == 0 for lot in lots), "moved lots are not reserved")
    moved = tuple(replace(lot, member_id=receiver) for lot in lots)
    available = _sum(lots, LotStatus.AVAILABLE)
    pending = _sum(lots, LotStatus.PENDING)
    entries = (
        *transfer(member_available(giver), member_available(receiver), available),
        *transfer(member_pending(giver), member_pending(receiver), pending),
        *transfer(member_debt(receiver), member_debt(giver), debt_points),
    )
    paid = pay_debt_from_available(
        receiver,
        receiver_debt_points + debt_points,
        [*moved, *receiver_lots],
        transaction_id=transaction_id,
    )
    kept = tuple(entry for entry in (*entries, *paid.entries) if entry.amount_points)
    transaction = None
    if kept:
        transaction = Transaction(
            transaction_id, kind, now, kept, available + pending, member_id=survivor_id
        )
    changed = {lot.id: lot for lot in moved} | {lot.id: lot for lot in paid.lots}
    update = LotUpdate(transaction, tuple(changed.values()), paid.movements)
    return Move(update, available + pending, debt_points, paid.debt_paid_points)


def _sum(lots: Sequence[Lot], status: LotStatus) -> int:
    return sum(lot.remaining_points for lot in lots if lot.status is status)


def lots_of_merge(lots: Sequence[Lot], survivor_id: uuid.UUID) -> list[Lot]:
    """The merged lots an unmerge gives back: those the survivor still owns with points left;
    refused while a hold of the survivor reserves some of them."""
    owned = [lot for lot in lots if lot.member_id == survivor_id and lot.remaining_points > 0]
    held = sum(1 for lot in owned if lot.reserved_points)
    if held:
        raise MemberHasPendingHolds(
            f"member {survivor_id} has pending holds on {held} of the merged lots: capture, "
            "void or let them expire before the unmerge",
            holds=str(held),
        )
    return owned
