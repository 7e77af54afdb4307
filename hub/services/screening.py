"""Fraud checks at the till: assess an earn or a redemption before anything is posted.

The facts come from one indexed read (``FraudRepository.activity``) and the verdicts from the
pure rules in ``fraud.engine``, under the partner's thresholds from the cached rules. ALLOW
posts as usual; REVIEW posts and raises a flag in the same transaction (a redemption's hold is
placed in review); DENY posts nothing: the use case raises ``FlaggedRefusal``, its unit of
work rolls back, and the transaction runner (``hub.services.transactions``) then records the
attempt's flag in a unit of work of its own, so analysts see attempts that never posted.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from fraud import engine
from fraud.facts import ActivityFacts, Attempt, Operation
from fraud.thresholds import FraudThresholds
from fraud.verdicts import Assessment, Decision
from hub.domain.errors import FraudDeclined, HubError, MemberNotActive
from hub.domain.flags import Flag
from hub.domain.ids import new_id
from hub.domain.members import Member, MemberStatus
from hub.domain.purchases import Purchase
from hub.services.callers import Till
from hub.services.ports.unit_of_work import UnitOfWork

R = TypeVar("R")


class FlaggedRefusal(Exception):
    """An operation refused by the fraud checks, or on a frozen account: ``error`` goes to the
    caller once ``flag`` is recorded (after the operation's unit of work rolled back)."""

    def __init__(self, error: HubError, flag: Flag) -> None:
        super().__init__(error.message)
        self.error = error
        self.flag = flag


def attempt(
    operation: Operation,
    partner_id: str,
    member_id: uuid.UUID,
    points: int,
    purchase: Purchase,
    now: datetime,
) -> Attempt:
    pos = purchase.point_of_sale
    return Attempt(
        operation,
        partner_id,
        member_id,
        points,
        now,
        store_id=pos.store_id,
        terminal_id=pos.terminal_id,
        cashier_id=pos.cashier_id,
        location=pos.location,
    )


def _flag(
    assessment: Assessment,
    tried: Attempt,
    order_id: str,
    *,
    transaction_id: uuid.UUID | None = None,
    hold_id: uuid.UUID | None = None,
) -> Flag:
    return Flag.raised(
        new_id(),
        assessment,
        operation=tried.operation,
        partner_id=tried.partner_id,
        member_id=tried.member_id,
        points=tried.points,
        now=tried.at,
        order_id=order_id,
        transaction_id=transaction_id,
        hold_id=hold_id,
    )


def member_to_screen(context: Till) -> Member:
    """The member the call names, if it may earn or burn, or is frozen: a frozen account's
    attempts are refused after the fraud checks have seen them (``require_not_frozen``)."""
    member = context.require_member()
    if member.status is not MemberStatus.FROZEN:
        member.require_active()
    return member


def require_not_frozen(member: Member, tried: Attempt, order_id: str) -> None:
    """A frozen account can neither earn nor burn; the attempt is recorded for the analysts."""
    if member.status is MemberStatus.FROZEN:
        error = MemberNotActive(f"member {member.id} is frozen")
        raise FlaggedRefusal(error, _flag(engine.frozen_attempt(tried), tried, order_id))


def screen(
    uow: UnitOfWork, tried: Attempt, thresholds: FraudThresholds, order_id: str, debt_points: int
) -> Assessment:
    """The fraud checks' assessment of ``tried``, reading its facts; ``FlaggedRefusal`` when they
    deny it."""
    facts = uow.fraud.activity(tried, thresholds.windows(tried.at))
    return assess(tried, facts, thresholds, order_id, debt_points)


def assess(
    tried: Attempt,
    facts: ActivityFacts,
    thresholds: FraudThresholds,
    order_id: str,
    debt_points: int,
) -> Assessment:
    """The fraud checks' assessment of ``tried`` on facts already read; ``FlaggedRefusal`` when they
    deny it."""
    assessment = engine.assess(tried, replace(facts, debt_points=debt_points), thresholds)
    if assessment.decision is Decision.DENY:
        # The message never names the rule: that would teach a fraudster the thresholds.
        error = FraudDeclined("the coalition's fraud checks declined this operation")
        raise FlaggedRefusal(error, _flag(assessment, tried, order_id))
    return assessment


def flag_if_review(
    uow: UnitOfWork,
    assessment: Assessment,
    tried: Attempt,
    order_id: str,
    *,
    transaction_id: uuid.UUID,
    hold_id: uuid.UUID | None = None,
) -> None:
    """Raise a flag for an operation that went through under REVIEW, naming what it posted."""
    if assessment.decision is Decision.REVIEW:
        flag = _flag(assessment, tried, order_id, transaction_id=transaction_id, hold_id=hold_id)
        uow.fraud.add_flag(flag)
