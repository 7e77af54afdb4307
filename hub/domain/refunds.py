"""Refunds: of an earn (its points come back from the member) and of a redemption (points go
back to the member). Both are linked to the original and never exceed it in total."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.domain.accounts import (
    COALITION_ADJUSTMENTS,
    COALITION_BREAKAGE,
    COALITION_CAMPAIGNS,
    Account,
    member_available,
    member_debt,
    member_pending,
    partner_issued,
    partner_redeemed,
)
from hub.domain.errors import CurrencyMismatch, InvalidAmount, RefundExceedsOriginal
from hub.domain.holds import Hold
from hub.domain.ledger import Entry, Transaction, TransactionKind
from hub.domain.lots import (
    Lot,
    LotMovement,
    LotStatus,
    LotUpdate,
    MovementKind,
    earliest_expiry_first,
)
from hub.domain.money import Money


@dataclass(frozen=True, slots=True)
class EarnRecord:
    """What a refund needs to know of the earn it reverses."""

    id: uuid.UUID
    partner_id: str
    member_id: uuid.UUID
    points: int
    purchase: Money
    coalition_funded_points: int = 0
    """Of ``points``, those the coalition funded: refunds give it back its share."""


def _ceil_share(points: int, part_minor: int, whole_minor: int) -> int:
    return -(-points * part_minor // whole_minor)


def points_to_reverse(earn: EarnRecord, refunded_before_minor: int, amount: Money) -> int:
    """Points this refund reverses: cumulative refunds reverse ``ceil(points * share)``.

    Rounding up favours the books, and a full refund reverses exactly every point earned.
    """
    if amount.currency != earn.purchase.currency:
        raise CurrencyMismatch(f"the earn was in {earn.purchase.currency}", field="amount.currency")
    refunded_minor = refunded_before_minor + amount.amount_minor
    if refunded_minor > earn.purchase.amount_minor:
        raise RefundExceedsOriginal(
            f"refunds would total {refunded_minor} minor units "
            f"of a {earn.purchase.amount_minor} purchase"
        )
    whole = earn.purchase.amount_minor
    return _ceil_share(earn.points, refunded_minor, whole) - _ceil_share(
        earn.points, refunded_before_minor, whole
    )


def _coalition_share(earn: EarnRecord, reversed_before: int, reverse: int) -> int:
    """The coalition's part of ``reverse``: cumulatively ``floor(reversed * funded / points)``,
    so that refunds in full give each funder back exactly what it issued."""
    if not earn.coalition_funded_points:
        return 0

    def cumulative(reversed_points: int) -> int:
        return reversed_points * earn.coalition_funded_points // earn.points

    return cumulative(reversed_before + reverse) - cumulative(reversed_before)


@dataclass(frozen=True, slots=True)
class EarnRefunding:
    update: LotUpdate
    points_reversed: int
    pending_cancelled: int
    available_reversed: int
    from_breakage: int
    debt: int


def refund_earn(
    *,
    earn: EarnRecord,
    lot: Lot | None,
    expired_points: int,
    refunded_before_minor: int,
    amount: Money,
    transaction_id: uuid.UUID,
    now: datetime,
    reversed_before_points: int = 0,
    annulled_points: int = 0,
) -> EarnRefunding:
    """Take back an earn's share of points: from its lot while there, from breakage if they
    expired, from the coalition's adjustments if a fraud analyst annulled them, and as debt
    (paid by later earns) if the member already spent or holds them. Each funder gets back its
    share of what it issued."""
    reverse = points_to_reverse(earn, refunded_before_minor, amount)
    coalition = _coalition_share(earn, reversed_before_points, reverse)
    from_lot = min(reverse, lot.unreserved_points) if lot else 0
    from_breakage = min(reverse - from_lot, expired_points)
    from_adjustments = min(reverse - from_lot - from_breakage, annulled_points)
    debt = reverse - from_lot - from_breakage - from_adjustments
    pending = lot is not None and lot.status is LotStatus.PENDING
    lot_account = member_pending(earn.member_id) if pending else member_available(earn.member_id)
    debits = (
        (lot_account, from_lot),
        (COALITION_BREAKAGE, from_breakage),
        (COALITION_ADJUSTMENTS, from_adjustments),
        (member_debt(earn.member_id), debt),
    )
    entries = _entries(partner_issued(earn.partner_id), reverse - coalition, debits, credit=True)
    if coalition:
        entries += (Entry(COALITION_CAMPAIGNS, coalition),)
    transaction = Transaction(
        transaction_id,
        TransactionKind.REFUND_EARN,
        now,
        entries,
        reverse,
        member_id=earn.member_id,
        partner_id=earn.partner_id,
        purchase=amount,
        related_id=earn.id,
        coalition_funded_points=coalition,
    )
    movements: list[LotMovement] = []
    if lot is not None:
        movements += _movement(transaction_id, lot.id, from_breakage, MovementKind.EXPIRY)
        movements += _movement(transaction_id, lot.id, from_adjustments, MovementKind.ANNULMENT)
        taken_back = from_lot + from_breakage + from_adjustments
        movements += _movement(transaction_id, lot.id, -taken_back, MovementKind.REVERSAL)
    lots = (lot.moved(-from_lot),) if lot else ()
    update = LotUpdate(transaction, lots, tuple(movements))
    return EarnRefunding(
        update, reverse, from_lot if pending else 0, 0 if pending else from_lot, from_breakage, debt
    )


def _movement(
    transaction_id: uuid.UUID, lot_id: uuid.UUID, points: int, kind: MovementKind
) -> list[LotMovement]:
    return [LotMovement(transaction_id, lot_id, points, kind)] if points else []


def _entries(
    counterpart: Account, points: int, others: Sequence[tuple[Account, int]], *, credit: bool
) -> tuple[Entry, ...]:
    """``counterpart`` credited (or debited) ``points`` against the non-zero ``others``."""
    sign = 1 if credit else -1
    entries = [Entry(account, -sign * amount) for account, amount in others if amount]
    if not entries:  # a refund worth no points still records its money, with a zero transfer
        entries = [Entry(others[0][0], 0)]
    return (Entry(counterpart, sign * points), *entries)


@dataclass(frozen=True, slots=True)
class RedemptionRefunding:
    update: LotUpdate
    points_returned: int
    points_expired: int


def refund_redemption(
    *,
    hold: Hold,
    points: int,
    refunded_before: int,
    lots: Sequence[Lot],
    consumed: Mapping[uuid.UUID, int],
    transaction_id: uuid.UUID,
    now: datetime,
) -> RedemptionRefunding:
    """Give captured points back to the lots they came from; those whose lot expired meanwhile
    go to breakage. Unexpired lots are refilled first, latest expiry first."""
    if points < 1:
        raise InvalidAmount(f"refund at least 1 point; asked {points}", field="points")
    if points > hold.refundable_points(refunded_before):
        raise RefundExceedsOriginal(
            f"{hold.captured_points} points were captured and {refunded_before} refunded already"
        )
    alive = [lot for lot in lots if not lot.expired(now)]
    order = earliest_expiry_first(alive)[::-1] + earliest_expiry_first(
        lot for lot in lots if lot.expired(now)
    )
    by_id, movements, wanted = {lot.id: lot for lot in lots}, [], points
    returned = expired = 0
    for lot in order:
        given = min(wanted, consumed.get(lot.id, 0))
        if not given:
            continue
        wanted -= given
        movements += _movement(transaction_id, lot.id, given, MovementKind.REDEMPTION)
        if lot.expired(now):
            movements += _movement(transaction_id, lot.id, -given, MovementKind.EXPIRY)
            expired += given
        else:
            by_id[lot.id] = lot.moved(given)
            returned += given
    credits = ((member_available(hold.member_id), returned), (COALITION_BREAKAGE, expired))
    entries = _entries(partner_redeemed(hold.partner_id), points, credits, credit=False)
    transaction = Transaction(
        transaction_id,
        TransactionKind.REFUND_REDEMPTION,
        now,
        entries,
        points,
        member_id=hold.member_id,
        partner_id=hold.partner_id,
        order_id=hold.order_id,
        related_id=hold.transaction_id,
    )
    return RedemptionRefunding(
        LotUpdate(transaction, tuple(by_id.values()), tuple(movements)), returned, expired
    )
