"""Refunds of earns and of redemptions, linked to the original and never beyond it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fraud import engine
from fraud.facts import Attempt, Operation
from hub.domain import earn_rules, refunds
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField, RefundExceedsOriginal
from hub.domain.fields import bounded_text
from hub.domain.holds import Hold, HoldStatus
from hub.domain.ids import new_id
from hub.domain.ledger import TransactionKind
from hub.domain.refunds import EarnRecord, RefundAsked
from hub.domain.rules import Ruleset
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
    zone: ZoneInfo,
    fraud_checks: bool = True,
) -> EarnRefunded:
    """Reverse the points of what was returned: the returned lines' own points, the whole
    receipt's, or an amount's (see ``refunds.plan_earn_refund``). Spent points become debt,
    which the fraud checks flag (refund after burn: how points are farmed through refunds). A
    refund that takes the member below its tier's threshold takes the tier back at once."""
    asked = refunds.check_asked(RefundAsked(cmd.amount, cmd.lines, cmd.whole_receipt))
    _check_original(cmd.transaction_id, cmd.order_id, field_name="transaction_id")

    def effect(uow: UnitOfWork, now: datetime) -> EarnRefunded:
        active_partner(uow, cmd.partner_id)
        # Locking the earn serialises its refunds, so together they never exceed it.
        earn = _earn(uow, cmd)
        prior = uow.ledger.refunds_of_earn(earn.id)
        plan = refunds.plan_earn_refund(earn, asked, prior)
        ruleset = rules.ruleset(uow, uow.rules.generation(), now)
        # The member's row before the lot: the order earns and holds lock them in.
        tier_drop = _tier_drop(uow, ruleset, earn, plan, now, zone)
        lot = uow.lots.of_earn_for_update(earn.id)
        # What pays a debt first: the member's other unexpired lots with points to spend, read
        # after the debt's lock, so that a void or an earn racing this refund either commits
        # before the read (its points pay here) or waits and pays the debt itself.
        uow.members.debt_for_update(earn.member_id)
        other_lots = [
            other
            for other in uow.lots.annullable_for_update(earn.member_id)
            if not other.expired(now)
        ]
        transaction_id = new_id()
        refunding = refunds.refund_earn(
            earn=earn,
            lot=lot,
            expired_points=uow.lots.expired_points(lot.id) if lot else 0,
            annulled_points=uow.lots.annulled_points(lot.id) if lot else 0,
            plan=plan,
            transaction_id=transaction_id,
            now=now,
            reversed_before_points=prior.points,
            tier_drop=(tier_drop.before, tier_drop.after) if tier_drop else None,
            other_lots=other_lots,
        )
        record(uow, refunding.update)
        if tier_drop is not None:
            uow.members.set_tier(earn.member_id, tier_drop.stored_tier, now)
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
            order_id=earn.order_id,
            amount=plan.amount,
            tier_before=tier_drop.before if tier_drop else None,
            tier_after=tier_drop.after if tier_drop else None,
        )

    request = IdempotentRequest.of("refund_earn", cmd)
    return execute(request, EarnRefunded, effect, uow_factory=uow_factory, clock=clock)


def _check_original(
    transaction_id: uuid.UUID | None, order_id: str | None, *, field_name: str
) -> None:
    if (transaction_id is None) == (order_id is None):
        raise InvalidField(
            f"name the original by {field_name} or by order_id: exactly one", field=field_name
        )
    if order_id is not None:
        bounded_text(order_id, field="order_id", required=True)


def _earn(uow: UnitOfWork, cmd: RefundEarn) -> EarnRecord:
    """The earn by id, or by order id (``_check_original`` made sure there is one)."""
    if cmd.transaction_id is not None:
        return uow.ledger.earn(cmd.transaction_id, cmd.partner_id, for_update=True)
    return uow.ledger.earn_of_order(cmd.order_id or "", cmd.partner_id, for_update=True)


@dataclass(frozen=True, slots=True)
class _TierDrop:
    before: str
    after: str
    stored_tier: str | None
    """What the member's row stores: ``None`` for the base tier."""


def _tier_drop(
    uow: UnitOfWork,
    ruleset: Ruleset,
    earn: EarnRecord,
    plan: refunds.RefundPlan,
    now: datetime,
    zone: ZoneInfo,
) -> _TierDrop | None:
    """The tier this refund takes the member down to, read under the member's lock."""
    scheme = ruleset.tier_scheme
    if scheme is None or (plan.points == 0 and plan.amount.amount_minor == 0):
        return None
    windows = earn_rules.fact_windows(ruleset, now, zone)
    facts = uow.members.facts(earn.member_id, earn.partner_id, windows, lock=True)
    before = facts.qualifying_spend_minor if windows.spend_currency else facts.qualifying_points
    after = before - earn_rules.refund_qualifying(scheme, plan.points, plan.amount)
    dropped = earn_rules.tier_after_refund(scheme, facts.tier, before, after)
    if dropped is None:
        return None
    stored = earn_rules.reviewed_tier(scheme, after)
    current = scheme.tiers[scheme.rank(facts.tier)].name
    return _TierDrop(current, dropped, stored)


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


def _refunded_hold(uow: UnitOfWork, cmd: RefundRedemption) -> Hold:
    """The hold by id, or the order's (its open hold, else its latest), locked."""
    hold_id = cmd.hold_id
    if hold_id is None:  # by order id: _check_original made sure there is one
        hold_id = uow.holds.of_order(cmd.partner_id, cmd.order_id or "").id
    return uow.holds.get(hold_id, cmd.partner_id, for_update=True)


def refund_redemption(
    cmd: RefundRedemption, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> RedemptionRefunded:
    """Give captured points back to the member, into the lots they came from; they pay the
    member's refund debt first."""

    _check_original(cmd.hold_id, cmd.order_id, field_name="hold_id")

    def effect(uow: UnitOfWork, now: datetime) -> RedemptionRefunded:
        active_partner(uow, cmd.partner_id)
        hold = _refunded_hold(uow, cmd)
        if hold.status is not HoldStatus.CAPTURED:
            raise RefundExceedsOriginal(
                f"hold {hold.id} is {hold.status.value}: nothing was captured"
            )
        lots = uow.lots.consumed_by_hold_for_update(hold.transaction_id)
        # Hold, lots, then the debt account: the lock order of every credit.
        debt = uow.members.debt_for_update(hold.member_id)
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
            debt_points=debt,
        )
        record(uow, refunding.update)
        return RedemptionRefunded(
            transaction_id,
            hold.id,
            refunding.points_returned,
            refunding.points_expired,
            now,
            order_id=hold.order_id,
            debt_paid_points=refunding.debt_paid_points,
        )

    request = IdempotentRequest.of("refund_redemption", cmd)
    return execute(request, RedemptionRefunded, effect, uow_factory=uow_factory, clock=clock)
