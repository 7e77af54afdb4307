"""Earning: how many points a purchase gives, and the ledger records of crediting them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain import crediting
from hub.domain.accounts import (
    COALITION_CAMPAIGNS,
    member_available,
    member_pending,
    partner_issued,
)
from hub.domain.breakdown import Breakdown
from hub.domain.ledger import Entry, Transaction, TransactionKind
from hub.domain.lots import Lot, LotStatus
from hub.domain.partners import Partner
from hub.domain.purchases import Purchase
from hub.domain.rates import RateVersion


@dataclass(frozen=True, slots=True)
class EarnCalculation:
    points: int
    status: LotStatus
    available_at: datetime
    expires_at: datetime | None
    breakdown: Breakdown

    @property
    def coalition_funded_points(self) -> int:
        return self.breakdown.coalition_funded_points


def calculate(
    breakdown: Breakdown, partner: Partner, now: datetime, zone: ZoneInfo
) -> EarnCalculation:
    """When the points of ``breakdown`` mature and expire (quote and earn share it)."""
    available_at = partner.available_at(now)
    status = LotStatus.PENDING if available_at > now else LotStatus.AVAILABLE
    expires_at = partner.expiry.expires_at(now, zone)
    return EarnCalculation(breakdown.points, status, available_at, expires_at, breakdown)


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
    """The transaction and lot that credit ``calculation.points``, issued by the partner and (for
    what the coalition funds) the coalition; a member's refund debt is paid off first
    (``crediting.credit``), and only the rest becomes a lot."""
    points, coalition = calculation.points, calculation.coalition_funded_points
    pending = calculation.status is LotStatus.PENDING
    account = member_pending(member_id) if pending else member_available(member_id)
    credited = crediting.credit(account, points, debt_points, transaction_id=transaction_id)
    paid = credited.debt_paid_points
    transaction = Transaction(
        id=transaction_id,
        kind=TransactionKind.EARN,
        created_at=now,
        entries=(*_issuers(partner.id, points, coalition), *credited.entries),
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
        breakdown=calculation.breakdown,
        coalition_funded_points=coalition,
        purchased_at=purchase.purchased_at,
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
        issue_price=rate.rates.issue_price,
    )
    return Earning(transaction, lot, calculation, paid)


def _issuers(partner_id: str, points: int, coalition_points: int) -> tuple[Entry, ...]:
    """The debits that issue ``points``: the coalition's campaigns account for its share."""
    partner = Entry(partner_issued(partner_id), -(points - coalition_points))
    return (
        (partner, Entry(COALITION_CAMPAIGNS, -coalition_points)) if coalition_points else (partner,)
    )
