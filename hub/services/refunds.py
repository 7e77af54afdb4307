"""Refunds of earns and of redemptions, linked to the original and never beyond it."""

from __future__ import annotations

from datetime import datetime

from hub.domain import refunds
from hub.domain.clock import Clock
from hub.domain.errors import RefundExceedsOriginal
from hub.domain.holds import HoldStatus
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.services.callers import active_partner
from hub.services.commands import RefundEarn, RefundRedemption
from hub.services.idempotency import IdempotentRequest, execute
from hub.services.results import EarnRefunded, RedemptionRefunded
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory, record


def refund_earn(cmd: RefundEarn, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> EarnRefunded:
    """Reverse the points of a (partly) refunded purchase; spent points become debt."""

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
            refunded_before_minor=refunded_minor,
            amount=cmd.amount,
            transaction_id=transaction_id,
            now=now,
            reversed_before_points=reversed_points,
        )
        record(uow, refunding.update)
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
