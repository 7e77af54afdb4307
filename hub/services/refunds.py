"""Refunds of earns and of redemptions, linked to the original and never beyond it."""

from __future__ import annotations

import uuid
from datetime import datetime

from fraud import engine
from fraud.facts import Attempt, Operation
from hub.domain import refunds
from hub.domain.clock import Clock
from hub.domain.errors import RefundExceedsOriginal
from hub.domain.holds import HoldStatus
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.refunds import EarnRecord
from hub.services import screening
from hub.services.callers import active_partner
from hub.services.commands import RefundEarn, RefundRedemption
from hub.services.idempotency import IdempotentRequest, execute
from hub.services.results import EarnRefunded, RedemptionRefunded
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory, record


def refund_earn(
    cmd: RefundEarn,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: RuleCache,
    fraud_checks: bool = True,
) -> EarnRefunded:
    """Reverse the points of a (partly) refunded purchase; spent points become debt, which
    the fraud checks flag (refund after burn: how points are farmed through refunds)."""

    def effect(uow: UnitOfWork, now: datetime) -> EarnRefunded:
        active_partner(uow, cmd.partner_id)
        # Locking the earn serialises its refunds, so together they never exceed it.
        earn = uow.ledger.earn(cmd.transaction_id, cmd.partner_id, for_update=True)
        lot = uow.lots.of_earn_for_update(earn.id)
        refunded_minor, reversed_points = uow.ledger.related_totals(
            earn.id, TransactionKind.REFUND_EARN
        )
        transaction_id = new_id()
        refunding = refunds.refund_earn(
            earn=earn,
            lot=lot,
            expired_points=uow.lots.expired_points(lot.id) if lot else 0,
            annulled_points=uow.lots.annulled_points(lot.id) if lot else 0,
            refunded_before_minor=refunded_minor,
            amount=cmd.amount,
            transaction_id=transaction_id,
            now=now,
            reversed_before_points=reversed_points,
        )
        record(uow, refunding.update)
        if fraud_checks and refunding.debt > 0:
            _flag_debt(uow, rules, earn, refunding.debt, transaction_id, now)
        return EarnRefunded(
            transaction_id,
            earn.id,
            refunding.points_reversed,
            refunding.pending_cancelled,
            refunding.available_reversed,
            refunding.debt,
            now,
        )

    request = IdempotentRequest.of("refund_earn", cmd)
    return execute(request, EarnRefunded, effect, uow_factory=uow_factory, clock=clock)


def _flag_debt(
    uow: UnitOfWork,
    rules: RuleCache,
    earn: EarnRecord,
    debt_points: int,
    transaction_id: uuid.UUID,
    now: datetime,
) -> None:
    """Flag a refund that leaves the member owing spent points (rare: rules read only now)."""
    thresholds = rules.ruleset(uow, uow.rules.generation(), now).fraud_thresholds(earn.partner_id)
    assessment = engine.assess_refund(debt_points, thresholds)
    tried = Attempt(Operation.REFUND, earn.partner_id, earn.member_id, debt_points, now)
    screening.flag_if_review(uow, assessment, tried, "", transaction_id=transaction_id)


def refund_redemption(
    cmd: RefundRedemption, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> RedemptionRefunded:
    """Give captured points back to the member, into the lots they came from."""

    def effect(uow: UnitOfWork, now: datetime) -> RedemptionRefunded:
        active_partner(uow, cmd.partner_id)
        hold = uow.holds.get(cmd.hold_id, cmd.partner_id, for_update=True)
        if hold.status is not HoldStatus.CAPTURED:
            raise RefundExceedsOriginal(
                f"hold {hold.id} is {hold.status.value}: nothing was captured"
            )
        lots = uow.lots.consumed_by_hold_for_update(hold.transaction_id)
        _, refunded = uow.ledger.related_totals(
            hold.transaction_id, TransactionKind.REFUND_REDEMPTION
        )
        transaction_id = new_id()
        refunding = refunds.refund_redemption(
            hold=hold,
            points=cmd.points,
            refunded_before=refunded,
            lots=lots,
            consumed=uow.lots.consumed_by_hold(hold.transaction_id),
            transaction_id=transaction_id,
            now=now,
        )
        record(uow, refunding.update)
        return RedemptionRefunded(
            transaction_id, hold.id, refunding.points_returned, refunding.points_expired, now
        )

    request = IdempotentRequest.of("refund_redemption", cmd)
    return execute(request, RedemptionRefunded, effect, uow_factory=uow_factory, clock=clock)
