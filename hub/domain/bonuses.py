"""Bonuses: points credited without a purchase (welcome bonuses, partners' events).

A bonus is issued by the partner it is granted at, or by the coalition when the coalition funds
it; either way its lot names that partner, so redemption tracing still knows where the points
entered. Bonus points are available at once and expire by the partner's expiry policy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain import crediting
from hub.domain.accounts import COALITION_CAMPAIGNS, member_available, partner_issued
from hub.domain.ledger import Entry, Transaction, TransactionKind
from hub.domain.lots import Lot, LotStatus
from hub.domain.partners import Partner
from hub.domain.rules import Funder

WELCOME_EVENT = "welcome"
REFEREE_EVENT = "referee"
"""The referred member's side of a referral."""


@dataclass(frozen=True, slots=True)
class Bonus:
    transaction: Transaction
    lot: Lot | None
    """``None`` when every point paid the member's refund debt."""
    debt_paid_points: int = 0


@dataclass(frozen=True, slots=True)
class BonusGrant:
    """One bonus to credit: how many points, to whom, why and who pays."""

    member_id: uuid.UUID
    points: int
    funder: Funder
    event: str
    rule_id: str


def bonus(
    grant: BonusGrant,
    *,
    transaction_id: uuid.UUID,
    lot_id: uuid.UUID,
    partner: Partner,
    now: datetime,
    zone: ZoneInfo,
    debt_points: int,
) -> Bonus:
    """The transaction and lot that credit ``grant`` at ``partner``; the member's refund debt
    (``debt_points``, read under its lock) is paid first, and only the rest becomes a lot."""
    issuer = COALITION_CAMPAIGNS if grant.funder is Funder.COALITION else partner_issued(partner.id)
    expires_at = partner.expiry.expires_at(now, zone)
    credited = crediting.credit(
        member_available(grant.member_id), grant.points, debt_points, transaction_id=transaction_id
    )
    transaction = Transaction(
        id=transaction_id,
        kind=TransactionKind.BONUS,
        created_at=now,
        entries=(Entry(issuer, -grant.points), *credited.entries),
        points=grant.points,
        member_id=grant.member_id,
        partner_id=partner.id,
        available_at=now,
        expires_at=expires_at,
        coalition_funded_points=grant.points if grant.funder is Funder.COALITION else 0,
        event=grant.event,
        rule_id=grant.rule_id,
    )
    if not credited.kept_points:
        return Bonus(transaction, None, credited.debt_paid_points)
    lot = Lot(
        id=lot_id,
        member_id=grant.member_id,
        partner_id=partner.id,
        earn_transaction_id=transaction_id,
        points=credited.kept_points,
        remaining_points=credited.kept_points,
        reserved_points=0,
        status=LotStatus.AVAILABLE,
        created_at=now,
        available_at=now,
        expires_at=expires_at,
    )
    return Bonus(transaction, lot, credited.debt_paid_points)
