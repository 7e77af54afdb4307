"""Refunds: of an earn (its points come back from the member) and of a redemption (points go
back to the member). Both are linked to the original and never exceed it in total."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from hub.domain import crediting, receipt_lines
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
from hub.domain.breakdown import Breakdown
from hub.domain.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidField,
    RefundExceedsOriginal,
)
from hub.domain.holds import Hold
from hub.domain.invariants import require
from hub.domain.ledger import Entry, Transaction, TransactionKind
from hub.domain.lots import (
    Lot,
    LotMovement,
    LotStatus,
    LotUpdate,
    MovementKind,
    Redeemer,
    earliest_expiry_first,
)
from hub.domain.money import Money
from hub.domain.receipt_lines import ReturnedLine, Shares


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
    order_id: str | None = None
    """The partner's order id, which the earn's refunds carry too."""
    breakdown: Breakdown | None = None
    """The stored breakdown: with per-line points, refunds go by line."""
    holder_id: uuid.UUID | None = None
    """The member holding the earn's points now, when a merge gave them to another member
    (``hub.domain.merge``): the refund is that member's, as if the earn had been."""

    @property
    def holder(self) -> uuid.UUID:
        """The member whose points, lots and debt the refund moves."""
        return self.holder_id or self.member_id


@dataclass(frozen=True, slots=True)
class RefundAsked:
    """What the till returns: exactly one of an amount of money, lines, or the whole receipt."""

    amount: Money | None = None
    lines: tuple[ReturnedLine, ...] = ()
    whole_receipt: bool = False


@dataclass(frozen=True, slots=True)
class PriorRefunds:
    """An earn's refunds so far."""

    amount_minor: int = 0
    points: int = 0
    shares: Shares = field(default_factory=dict)
    """Line index -> share of the line returned so far (earns with per-line points)."""


NO_PRIOR_REFUNDS = PriorRefunds()


@dataclass(frozen=True, slots=True)
class RefundPlan:
    """What one refund of an earn reverses: its points, the money it records, and the share of
    each line it returns (empty for an earn without per-line points)."""

    points: int
    amount: Money
    shares: tuple[tuple[int, Fraction], ...] = ()


def check_asked(asked: RefundAsked) -> RefundAsked:
    """``asked`` if it names exactly one of an amount, lines and the whole receipt, each valid."""
    given = [asked.amount is not None, bool(asked.lines), asked.whole_receipt]
    if given.count(True) != 1:
        field_name = "lines" if asked.lines else "amount"
        raise InvalidField(
            "refund an amount, returned lines, or the whole receipt: exactly one",
            field=field_name,
        )
    if asked.amount is not None and asked.amount.amount_minor < 1:
        raise InvalidAmount("refund at least 1 minor unit", field="amount.amount_minor")
    receipt_lines.check_returned_lines(asked.lines)
    return asked


def plan_earn_refund(earn: EarnRecord, asked: RefundAsked, prior: PriorRefunds) -> RefundPlan:
    """The points and money of a refund of ``earn``, cumulatively with its ``prior`` refunds.

    With per-line points stored, returned lines give back what they earned, an amount alone is
    charged against the lines that earned most per unit of money first, and the whole receipt
    gives back every point (its transaction-level bonuses too); see ``receipt_lines`` for the
    rounding, which never leaves the member ahead of the exact share. Older earns (and earns
    without line items) refund by amount: ``ceil(points * refunded share)``, cumulatively.
    """
    if asked.amount is not None and asked.amount.currency != earn.purchase.currency:
        raise CurrencyMismatch(f"the earn was in {earn.purchase.currency}", field="amount.currency")
    items = earn.breakdown.items if earn.breakdown is not None else ()
    if not items:
        return _plan_by_amount(earn, asked, prior)
    if asked.lines:
        returned = receipt_lines.returned_shares(items, asked.lines, prior.shares)
    elif asked.whole_receipt:
        returned = receipt_lines.whole_receipt_shares(items, prior.shares)
    else:
        amount_minor = asked.amount.amount_minor if asked.amount is not None else 0
        returned = receipt_lines.amount_shares(items, amount_minor, prior.shares)
    after = receipt_lines.added(prior.shares, returned)
    whole_minor = earn.purchase.amount_minor

    def reversed_at(state: Shares) -> int:
        return receipt_lines.reversed_points(items, earn.points, state)

    def refunded_at(state: Shares) -> int:
        return receipt_lines.refunded_minor(items, whole_minor, state)

    points = reversed_at(after) - reversed_at(prior.shares)
    # Money recorded so far never exceeds the returned shares' amounts rounded down, so
    # returned lines record what brings it up to them, and a full return the purchase exactly.
    amount_minor = max(0, refunded_at(after) - prior.amount_minor)
    if asked.amount is not None:
        amount_minor = asked.amount.amount_minor
    shares = tuple(sorted(returned.items()))
    return RefundPlan(points, Money(amount_minor, earn.purchase.currency), shares)


def _plan_by_amount(earn: EarnRecord, asked: RefundAsked, prior: PriorRefunds) -> RefundPlan:
    if asked.lines:
        raise RefundExceedsOriginal(
            "the original earn has no receipt lines to return; refund by amount",
            field=f"lines[{asked.lines[0].position}]",
        )
    if asked.whole_receipt:
        left_minor = earn.purchase.amount_minor - prior.amount_minor
        if left_minor <= 0:
            raise RefundExceedsOriginal(
                "the receipt was refunded in full already", field="whole_receipt"
            )
        amount = Money(left_minor, earn.purchase.currency)
    elif asked.amount is not None:
        amount = asked.amount
    else:
        raise InvalidAmount("give an amount, lines or the whole receipt", field="amount")
    return RefundPlan(points_to_reverse(earn, prior.amount_minor, amount), amount)


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
    plan: RefundPlan,
    transaction_id: uuid.UUID,
    now: datetime,
    reversed_before_points: int = 0,
    annulled_points: int = 0,
    tier_drop: tuple[str, str] | None = None,
    other_lots: Sequence[Lot] = (),
) -> EarnRefunding:
    """Take back the points ``plan`` says: from the earn's lot while there, from breakage if
    they expired, from the coalition's adjustments if a fraud analyst annulled them, and as
    debt (paid by later credits) if the member already spent or holds them. Each funder gets
    back its share of what it issued. The refund carries the earn's order id, and the tier it
    took the member from and to (``tier_drop``), if it took one. It is the earn's holder's
    (``EarnRecord.holder``): after a merge, the survivor's lots, points and debt."""
    reverse = plan.points
    coalition = _coalition_share(earn, reversed_before_points, reverse)
    from_lot = min(reverse, lot.unreserved_points) if lot else 0
    from_breakage = min(reverse - from_lot, expired_points)
    from_adjustments = min(reverse - from_lot - from_breakage, annulled_points)
    owed = reverse - from_lot - from_breakage - from_adjustments
    # Debt first at its birth too: the member's other available points (``other_lots``,
    # locked) pay what the earn's own lot could not, so no points stay spendable while owed.
    others = [other for other in other_lots if lot is None or other.id != lot.id]
    paid = crediting.pay_debt_from_available(
        earn.holder, owed, others, transaction_id=transaction_id
    )
    debt = owed - paid.debt_paid_points
    pending = lot is not None and lot.status is LotStatus.PENDING
    lot_account = member_pending(earn.holder) if pending else member_available(earn.holder)
    debits = (
        (lot_account, from_lot),
        (COALITION_BREAKAGE, from_breakage),
        (COALITION_ADJUSTMENTS, from_adjustments),
        (member_debt(earn.holder), debt),
        (member_available(earn.holder), paid.debt_paid_points),
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
        member_id=earn.holder,
        partner_id=earn.partner_id,
        order_id=earn.order_id,
        purchase=plan.amount,
        related_id=earn.id,
        coalition_funded_points=coalition,
        returned_shares=plan.shares,
        tier_before=tier_drop[0] if tier_drop else None,
        tier_after=tier_drop[1] if tier_drop else None,
    )
    movements: list[LotMovement] = []
    if lot is not None:
        movements += _movement(transaction_id, lot, from_breakage, MovementKind.EXPIRY)
        movements += _movement(transaction_id, lot, from_adjustments, MovementKind.ANNULMENT)
        taken_back = from_lot + from_breakage + from_adjustments
        movements += _movement(transaction_id, lot, -taken_back, MovementKind.REVERSAL)
    movements += paid.movements
    lots = ((lot.moved(-from_lot),) if lot else ()) + paid.lots
    update = LotUpdate(transaction, lots, tuple(movements))
    available = (0 if pending else from_lot) + paid.debt_paid_points
    return EarnRefunding(
        update, reverse, from_lot if pending else 0, available, from_breakage, debt
    )


def _movement(
    transaction_id: uuid.UUID,
    lot: Lot,
    points: int,
    kind: MovementKind,
    redeemer: Redeemer | None = None,
) -> list[LotMovement]:
    return [lot.movement(transaction_id, points, kind, redeemer)] if points else []


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
    debt_paid_points: int = 0
    """Of ``points_returned``, those that paid the member's refund debt instead."""


def refund_redemption(
    *,
    hold: Hold,
    points: int,
    refunded_before: int,
    lots: Sequence[Lot],
    consumed: Mapping[uuid.UUID, int],
    transaction_id: uuid.UUID,
    now: datetime,
    debt_points: int,
    holder_id: uuid.UUID | None = None,
    debts: Mapping[uuid.UUID, int] | None = None,
) -> RedemptionRefunding:
    """Give captured points back to the lots they came from; those whose lot expired meanwhile
    go to breakage. Unexpired lots are refilled first, latest expiry first.

    The points are the lots' owners' now: the hold's member's, or, once a merge gave its lots
    to a survivor, the survivor's (``holder_id``, whose refund it is); after an unmerge, some
    may be the absorbed member's again, as they would have been had the refund come first.
    Each owner's points pay its refund debt first: ``debt_points`` is the refund's member's,
    ``debts`` every owner's, each read under its lock."""
    if points < 1:
        raise InvalidAmount(f"refund at least 1 point; asked {points}", field="points")
    if points > hold.refundable_points(refunded_before):
        raise RefundExceedsOriginal(
            f"{hold.captured_points} points were captured and {refunded_before} refunded already"
        )
    member_id = holder_id or hold.member_id
    owed = {**(debts or {}), member_id: debt_points}
    alive = [lot for lot in lots if not lot.expired(now)]
    order = earliest_expiry_first(alive)[::-1] + earliest_expiry_first(
        lot for lot in lots if lot.expired(now)
    )
    by_id, movements, wanted = {lot.id: lot for lot in lots}, [], points
    refilled: dict[uuid.UUID, int] = {}
    expired = 0
    for lot in order:
        given = min(wanted, consumed.get(lot.id, 0))
        if not given:
            continue
        wanted -= given
        movements += _movement(transaction_id, lot, given, MovementKind.REDEMPTION, hold.redeemer)
        if lot.expired(now):
            movements += _movement(transaction_id, lot, -given, MovementKind.EXPIRY)
            expired += given
        else:
            by_id[lot.id] = lot.moved(given)
            refilled[lot.id] = given
    credits = [
        _credit_owner(owner, refilled, by_id, owed, transaction_id)
        for owner in sorted({by_id[lot_id].member_id for lot_id in refilled})
    ]
    for credited in credits:
        by_id.update((lot.id, lot) for lot in credited.lots)
    entries = (
        Entry(partner_redeemed(hold.partner_id), -points),
        *((Entry(COALITION_BREAKAGE, expired),) if expired else ()),
        *(entry for credited in credits for entry in credited.entries),
    )
    transaction = Transaction(
        transaction_id,
        TransactionKind.REFUND_REDEMPTION,
        now,
        entries,
        points,
        member_id=member_id,
        partner_id=hold.partner_id,
        order_id=hold.order_id,
        related_id=hold.transaction_id,
    )
    paid_movements = (movement for credited in credits for movement in credited.movements)
    update = LotUpdate(transaction, tuple(by_id.values()), (*movements, *paid_movements))
    returned = sum(refilled.values())
    paid = sum(credited.debt_paid_points for credited in credits)
    return RedemptionRefunding(update, returned, expired, paid)


def _credit_owner(
    owner: uuid.UUID,
    refilled: Mapping[uuid.UUID, int],
    lots: Mapping[uuid.UUID, Lot],
    owed: Mapping[uuid.UUID, int],
    transaction_id: uuid.UUID,
) -> crediting.Credited:
    """Credit ``owner`` the points refilled into its lots, paying its debt first."""
    require(owner in owed, f"member {owner}'s debt was read under its lock")
    given = [(lots[lot_id], points) for lot_id, points in refilled.items()]
    owned = tuple((lot, points) for lot, points in given if lot.member_id == owner)
    return crediting.credit(
        member_available(owner),
        sum(points for _, points in owned),
        owed[owner],
        transaction_id=transaction_id,
        lots=owned,
    )
