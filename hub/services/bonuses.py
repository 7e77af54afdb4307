"""Crediting bonuses (points without a purchase), and the welcome bonus at enrollment."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.bonuses import WELCOME_EVENT, BonusGrant, bonus
from hub.domain.ids import new_id
from hub.domain.partners import Partner
from hub.domain.rules import Ruleset
from hub.services.ports.unit_of_work import UnitOfWork


def credit(
    uow: UnitOfWork,
    grant: BonusGrant,
    partner: Partner,
    now: datetime,
    zone: ZoneInfo,
    *,
    debt_points: int,
) -> uuid.UUID:
    """Queue ``grant``'s transaction and lot at ``partner``, once the member's refund debt
    (``debt_points``, read under its account's lock) is paid; returns the transaction id."""
    posted = bonus(
        grant,
        transaction_id=new_id(),
        lot_id=new_id(),
        partner=partner,
        now=now,
        zone=zone,
        debt_points=debt_points,
    )
    uow.ledger.add(posted.transaction)
    if posted.lot is not None:
        uow.lots.add(posted.lot)
    return posted.transaction.id


def welcome(
    uow: UnitOfWork,
    ruleset: Ruleset,
    partner: Partner,
    member_id: uuid.UUID,
    now: datetime,
    zone: ZoneInfo,
) -> int:
    """Credit the welcome bonuses of ``ruleset`` (the rules in force) for an enrollment at
    ``partner``; their points."""
    given = 0
    for rule_id, rule in ruleset.welcome_bonuses(partner.id):
        credit(
            uow,
            BonusGrant(member_id, rule.points, rule.funder, WELCOME_EVENT, rule_id),
            partner,
            now,
            zone,
            debt_points=0,  # enrolled in this unit of work: nothing owed yet
        )
        given += rule.points
    return given
