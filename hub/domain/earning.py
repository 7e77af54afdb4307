"""Earning: how many points a purchase gives, and the ledger records of crediting them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.accounts import member_available, member_debt, member_pending, partner_issued
from hub.domain.errors import InvalidAmount
from hub.domain.ledger import Entry, Transaction, TransactionKind
from hub.domain.limits import POINTS_PER_OPERATION_MAX
from hub.domain.lots import Lot, LotStatus
from hub.domain.money import Money, points_for_purchase
from hub.domain.partners import Partner
from hub.domain.purchases import Purchase, require_currency
from hub.domain.rates import RateVersion


@dataclass(frozen=True, slots=True)
class EarnCalculation:
    points: int
    status: LotStatus
    available_at: datetime
    expires_at: datetime | None


def calculate(
    amount: Money, partner: Partner, rate: RateVersion, now: datetime, zone: ZoneInfo
) -> EarnCalculation:
    """What a purchase of ``amount`` at ``partner`` earns at ``now`` (quote and earn share it)."""
    require_currency(amount, partner.currency, field="purchase.currency")
    points = points_for_purchase(amount, rate.rates.earn_rate)
    if points > POINTS_PER_OPERATION_MAX:
        raise InvalidAmount(
            f"this purchase would earn {points} points, above the per-operation limit of "
            f"{POINTS_PER_OPERATION_MAX}",
            field="purchase.amount_minor",
        )
    available_at = partner.available_at(now)
    status = LotStatus.PENDING if available_at > now else LotStatus.AVAILABLE
    return EarnCalculation(points, status, available_at, partner.expiry.expires_at(now, zone))


@dataclass(frozen=True, slots=True)
class Earning:
    transaction: Transaction
    lot: Lot | None
    """``None`` when no points are left for the member (none earned, or all paid debt)."""
    calculation: EarnCalculation
    debt_paid_points: int = 0


def earn(
    *,
    transaction_id: uuid.UUID,
    lot_id: uuid.UUID,
    member_id: uuid.UUID,
    partner: Partner,
    rate: RateVersion,
    purchase: Purchase,
    calculation: EarnCalculation,
    debt_points: int,
    now: datetime,
) -> Earning:
    """The transaction and lot that credit ``calculation.points``; a member's refund debt is
    paid off first, and only the rest becomes a lot."""
    points = calculation.points
    paid = min(points, debt_points)
    pending = calculation.status is LotStatus.PENDING
    credit = member_pending(member_id) if pending else member_available(member_id)
    credits = [
        entry
        for entry in (Entry(member_debt(member_id), paid), Entry(credit, points - paid))
        if entry.amount_points
    ]
    transaction = Transaction(
        id=transaction_id,
        kind=TransactionKind.EARN,
        created_at=now,
        entries=(Entry(partner_issued(partner.id), -points), *(credits or [Entry(credit, 0)])),
        points=points,
        member_id=member_id,
        partner_id=partner.id,
        order_id=purchase.order_id,
        purchase=purchase.amount,
        rate_version=rate,
        point_of_sale=purchase.point_of_sale,
        line_items=purchase.line_items,
        available_at=calculation.available_at,
        expires_at=calculation.expires_at,
    )
    if points == paid:
        return Earning(transaction, None, calculation, paid)
    lot = Lot(
        id=lot_id,
        member_id=member_id,
        partner_id=partner.id,
        earn_transaction_id=transaction_id,
        points=points - paid,
        remaining_points=points - paid,
        reserved_points=0,
        status=calculation.status,
        created_at=now,
        available_at=calculation.available_at,
        expires_at=calculation.expires_at,
    )
    return Earning(transaction, lot, calculation, paid)
