"""Crediting bonuses (points without a purchase), and the welcome bonus at enrollment."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.domain.bonuses import WELCOME_EVENT, BonusGrant, bonus
from hub.domain.ids import new_id
from hub.domain.partners import Partner
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import UnitOfWork


def credit(
    uow: UnitOfWork,
    grant: BonusGrant,
    partner: Partner,
    now: datetime,
    zone: ZoneInfo,
    *,
    owes_nothing: bool = False,
) -> uuid.UUID:
    """Post ``grant`` at ``partner``: its transaction and lot, once the member's refund debt
    (read under its lock) is paid; returns the transaction id. ``owes_nothing``: the member
    was enrolled in this unit of work, so there is no debt to read."""
    debt = 0 if owes_nothing else uow.members.debt_for_update(grant.member_id)
    posted = bonus(
        grant,
        transaction_id=new_id(),
        lot_id=new_id(),
        partner=partner,
        now=now,
        zone=zone,
        debt_points=debt,
    )
    uow.ledger.add(posted.transaction)
    if posted.lot is not None:
        uow.lots.add(posted.lot)
    return posted.transaction.id


def welcome(
    uow: UnitOfWork,
    rules: RuleCache,
    partner: Partner,
    member_id: uuid.UUID,
    now: datetime,
    zone: ZoneInfo,
) -> int:
    """Credit the welcome bonuses in force for an enrollment at ``partner``; their points."""
    ruleset = rules.ruleset(uow, uow.rules.generation(), now)
    given = 0
    for rule_id, rule in ruleset.welcome_bonuses(partner.id):
        credit(
            uow,
            BonusGrant(member_id, rule.points, rule.funder, WELCOME_EVENT, rule_id),
            partner,
            now,
            zone,
            owes_nothing=True,
        )
        given += rule.points
    return given
