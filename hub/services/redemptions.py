"""Two-phase redemptions: authorize a hold, then capture or void it; read it back."""

from __future__ import annotations

import uuid
from datetime import datetime

from fraud.facts import Operation
from fraud.verdicts import ALLOWED, Decision
from hub.domain import holds
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField
from hub.domain.holds import Hold
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.members import IdentifierHasher
from hub.domain.money import points_to_pay, value_of_points
from hub.domain.partners import check_hold_ttl
from hub.domain.purchases import check_purchase, require_currency
from hub.services import rule_context, screening
from hub.services.callers import Till, active_partner, till
from hub.services.commands import AuthorizeRedemption, CaptureRedemption, GetHold, VoidRedemption
from hub.services.idempotency import IdempotentRequest, execute
from hub.services.results import Captured, HoldView
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory, record


def _points(cmd: AuthorizeRedemption, context: Till) -> int:
    """The points to hold: as asked, or the fewest that pay the amount asked."""
    if cmd.points is not None and cmd.pay_amount is None:
        return cmd.points
    if cmd.pay_amount is not None and cmd.points is None:
        require_currency(cmd.pay_amount, context.partner.currency, field="amount.currency")
        return points_to_pay(cmd.pay_amount, context.rate.rates.burn_value)
    raise InvalidField("pay with either a number of points or an amount", field="payment")


def authorize(
    cmd: AuthorizeRedemption,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    rules: RuleCache,
    fraud_checks: bool = True,
) -> HoldView:
    """Hold points for an order, once the burn rules, the member's balance and the fraud
    checks allow it; a member's tier may be worth more per point at the partner. A redemption
    the fraud checks want reviewed is held IN_REVIEW: not capturable until an analyst releases
    it."""
    check_purchase(cmd.purchase)
    if cmd.ttl_s is not None:
        check_hold_ttl(cmd.ttl_s)
    order_id = cmd.purchase.order_id

    def effect(uow: UnitOfWork, now: datetime) -> HoldView:
        context = till(uow, cmd.partner_id, now, cmd.member, hasher)
        member = screening.member_to_screen(context)
        ruleset = rule_context.ruleset_for(uow, context, rules, now)
        context = rule_context.for_burn(context, ruleset)
        points = _points(cmd, context)
        value = holds.points_to_redeem(points, cmd.purchase, context.partner, context.rate)
        tried = screening.attempt(
            Operation.AUTHORIZE, cmd.partner_id, member.id, points, cmd.purchase, now
        )
        screening.require_not_frozen(member, tried, order_id)
        assessment = ALLOWED
        if fraud_checks:
            thresholds = ruleset.fraud_thresholds(cmd.partner_id)
            assessment = screening.screen(
                uow, tried, thresholds, order_id, context.member_debt_points
            )
        authorization = holds.authorize(
            hold_id=new_id(),
            transaction_id=new_id(),
            member_id=member.id,
            partner=context.partner,
            rate=context.rate,
            purchase=cmd.purchase,
            points=points,
            value=value,
            ttl_s=cmd.ttl_s or context.partner.hold_ttl_s,
            lots=uow.lots.holdable_for_update(member.id, now),
            now=now,
            in_review=assessment.decision is Decision.REVIEW,
        )
        uow.ledger.add(authorization.transaction)
        uow.lots.save(authorization.lots)
        uow.holds.add(authorization.hold, authorization.reservations)
        screening.flag_if_review(
            uow,
            assessment,
            tried,
            order_id,
            transaction_id=authorization.transaction.id,
            hold_id=authorization.hold.id,
        )
        return HoldView.of(authorization.hold)

    request = IdempotentRequest.of("authorize_redemption", cmd, fingerprint=hasher.fingerprint)
    return screening.recording_refusals(
        lambda: execute(request, HoldView, effect, uow_factory=uow_factory, clock=clock),
        uow_factory,
    )


def _locked_hold(uow: UnitOfWork, partner_id: str, hold_id: uuid.UUID, now: datetime) -> Hold:
    """The caller's hold, locked, and still pending: the database decides who resolves it."""
    active_partner(uow, partner_id)
    hold = uow.holds.get(hold_id, partner_id, for_update=True)
    hold.check_resolvable(now)
    return hold


def capture(cmd: CaptureRedemption, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> Captured:
    """Post all or part of a hold; the rest goes back to the member."""

    def effect(uow: UnitOfWork, now: datetime) -> Captured:
        hold = _locked_hold(uow, cmd.partner_id, cmd.hold_id, now)
        lots, reservations = uow.lots.of_hold_for_update(hold.id)
        points, transaction_id = hold.points if cmd.points is None else cmd.points, new_id()
        _write(uow, holds.capture(hold, points, lots, reservations, transaction_id, now))
        value = value_of_points(points, hold.rate_version.rates.burn_value, hold.value.currency)
        return Captured(transaction_id, hold.id, points, hold.points - points, value, now)

    request = IdempotentRequest.of("capture_redemption", cmd)
    return execute(request, Captured, effect, uow_factory=uow_factory, clock=clock)


def void(cmd: VoidRedemption, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> HoldView:
    """Release a hold: the member gets the points back."""

    def effect(uow: UnitOfWork, now: datetime) -> HoldView:
        hold = _locked_hold(uow, cmd.partner_id, cmd.hold_id, now)
        lots, reservations = uow.lots.of_hold_for_update(hold.id)
        resolution = holds.release(hold, TransactionKind.VOID, lots, reservations, new_id(), now)
        _write(uow, resolution)
        return HoldView.of(resolution.hold)

    request = IdempotentRequest.of("void_redemption", cmd)
    return execute(request, HoldView, effect, uow_factory=uow_factory, clock=clock)


def _write(uow: UnitOfWork, resolution: holds.Resolution) -> None:
    record(uow, resolution.lots)
    uow.holds.save(resolution.hold)


def get_hold(cmd: GetHold, *, uow_factory: UnitOfWorkFactory) -> HoldView:
    with uow_factory(read_only=True) as uow:
        active_partner(uow, cmd.partner_id)
        return HoldView.of(uow.holds.get(cmd.hold_id, cmd.partner_id))
