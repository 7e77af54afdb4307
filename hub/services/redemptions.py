"""Two-phase redemptions: authorize a hold, then capture or void it; read it back."""

from __future__ import annotations

import uuid
from datetime import datetime

from fraud.facts import Operation
from fraud.verdicts import ALLOWED, Decision
from hub.domain import holds
from hub.domain.clock import Clock
from hub.domain.errors import DuplicateOrder, HoldNotFound, InsufficientPoints, InvalidField
from hub.domain.holds import OPEN_HOLD_STATUSES, Hold
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.lots import Lot, LotStatus
from hub.domain.members import IdentifierHasher
from hub.domain.money import points_to_pay, value_of_points
from hub.domain.partners import check_hold_ttl
from hub.domain.purchases import check_purchase, require_currency
from hub.services import releases, rule_context, screening, sweeper
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
        _clear_the_way(uow, cmd.partner_id, order_id, member.id, now)
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
            lots=_holdable_lots(uow, member.id, now),
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
    try:
        return screening.recording_refusals(
            lambda: execute(request, HoldView, effect, uow_factory=uow_factory, clock=clock),
            uow_factory,
        )
    except (DuplicateOrder, InsufficientPoints) as refused:
        # Lost a race for the order to another authorization: in the unique index, or on the
        # member's lots, which the winner holds now. Either way the answer is the winner.
        if "hold_id" in refused.metadata:
            raise
        winner = _open_hold_of_order(cmd.partner_id, order_id, uow_factory, clock.now())
        if winner is None:
            raise
        raise holds.duplicate_order(winner) from None


def _clear_the_way(
    uow: UnitOfWork, partner_id: str, order_id: str, member_id: uuid.UUID, now: datetime
) -> None:
    """Release the open holds past their expiry that stand in the way of a new hold (the
    member's, whose points are free, and the order's), whether or not the sweeper has come
    by; refuse if the order still has an open hold."""
    expired = []
    for hold in uow.holds.blocking_for_update(member_id, partner_id, order_id, now):
        # The member's are past their expiry; the order's refuses unless it is too.
        holds.require_order_free(hold, now)
        expired.append(hold)
    if not expired:
        return
    # Every lot before any debt account (the lock order of every operation): the released
    # holds' lots, then the member's lots the new hold may take.
    for hold in expired:
        uow.lots.of_hold_for_update(hold.id)
    uow.lots.holdable_for_update(member_id, now)
    for hold in expired:
        sweeper.release_expired(uow, hold, now)


def _holdable_lots(uow: UnitOfWork, member_id: uuid.UUID, now: datetime) -> list[Lot]:
    """The member's lots a hold may take, locked; those past their pending period are matured
    first (their points paying debt first), as the sweeper will."""
    lots = uow.lots.holdable_for_update(member_id, now)
    due = [lot for lot in lots if lot.status is LotStatus.PENDING]
    if not due:
        return list(lots)
    matured = sweeper.mature_member(uow, member_id, due, now)
    record(uow, matured)
    return [*(lot for lot in lots if lot.status is LotStatus.AVAILABLE), *matured.lots]


def _open_hold_of_order(
    partner_id: str, order_id: str, uow_factory: UnitOfWorkFactory, now: datetime
) -> Hold | None:
    """The order's open hold at ``now``, if any (a refused authorization's second look)."""
    with uow_factory(read_only=True) as uow:
        try:
            hold = uow.holds.of_order(partner_id, order_id)
        except HoldNotFound:
            return None
    return hold if holds.as_of(hold, now).status in OPEN_HOLD_STATUSES else None


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
        # Only a partial capture gives points back; only then is the debt read (and locked).
        partial = 0 < points < hold.points
        debt = uow.members.debt_for_update(hold.member_id) if partial else 0
        resolution = holds.capture(
            hold, points, lots, reservations, transaction_id, now, debt_points=debt
        )
        _write(uow, resolution)
        value = value_of_points(points, hold.rate_version.rates.burn_value, hold.value.currency)
        released = hold.points - points
        return Captured(
            transaction_id, hold.id, points, released, value, now, resolution.debt_paid_points
        )

    request = IdempotentRequest.of("capture_redemption", cmd)
    return execute(request, Captured, effect, uow_factory=uow_factory, clock=clock)


def void(cmd: VoidRedemption, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> HoldView:
    """Release a hold: the member gets the points back."""

    def effect(uow: UnitOfWork, now: datetime) -> HoldView:
        hold = _locked_hold(uow, cmd.partner_id, cmd.hold_id, now)
        resolution = releases.release(uow, hold, TransactionKind.VOID, now)
        return HoldView.of(resolution.hold, debt_paid_points=resolution.debt_paid_points)

    request = IdempotentRequest.of("void_redemption", cmd)
    return execute(request, HoldView, effect, uow_factory=uow_factory, clock=clock)


def _write(uow: UnitOfWork, resolution: holds.Resolution) -> None:
    record(uow, resolution.lots)
    uow.holds.save(resolution.hold)


def get_hold(cmd: GetHold, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> HoldView:
    """The caller's hold as it stands now (past its expiry it reads EXPIRED, swept or not), by
    id or by order id: the order's open hold, else its latest."""
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        active_partner(uow, cmd.partner_id)
        if cmd.hold_id is not None:
            hold = uow.holds.get(cmd.hold_id, cmd.partner_id)
        elif cmd.order_id is not None:
            hold = uow.holds.of_order(cmd.partner_id, cmd.order_id)
        else:
            raise InvalidField("name the hold by hold_id or by order_id", field="hold_id")
    return HoldView.of(holds.as_of(hold, now))
