"""Earning points for a purchase, and quoting earns and burns."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from fraud.facts import Operation
from fraud.verdicts import ALLOWED
from hub.domain import burning, earning
from hub.domain.clock import Clock
from hub.domain.contacts import ContactCipher
from hub.domain.errors import InvalidField
from hub.domain.holds import points_to_redeem
from hub.domain.ids import new_id
from hub.domain.members import IdentifierHasher
from hub.domain.purchases import Purchase, check_purchase, line_items
from hub.domain.rates import RateVersion
from hub.domain.rules import NO_FACTS
from hub.services import rule_context, screening
from hub.services.callers import till
from hub.services.commands import Earn, QuoteBurn, QuoteEarn
from hub.services.idempotency import IdempotentRequest, execute
from hub.services.results import BurnQuoted, Earned, EarnQuoted
from hub.services.rule_cache import RuleCache
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


def earn(
    cmd: Earn,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    zone: ZoneInfo,
    rules: RuleCache,
    cipher: ContactCipher | None = None,
    fraud_checks: bool = True,
) -> Earned:
    """Credit the points a purchase earns under the rules in force, once the fraud checks
    allow it; pending for the partner's pending period. The breakdown is stored with the
    transaction."""
    check_purchase(cmd.purchase)
    order_id = cmd.purchase.order_id

    def effect(uow: UnitOfWork, now: datetime) -> Earned:
        context = till(uow, cmd.partner_id, now, cmd.member, hasher)
        member = screening.member_to_screen(context)
        ruleset = rule_context.ruleset_for(uow, context, rules, now)
        facts = rule_context.member_facts(
            uow, ruleset, context, member, now=now, zone=zone, cipher=cipher, lock=True
        )
        situation = rule_context.situation(
            context, cmd.purchase, facts, now=now, zone=zone, member_known=True
        )
        breakdown = rule_context.breakdown(uow, ruleset, situation, lock=True)
        calculation = earning.calculate(breakdown, context.partner, now, zone)
        tried = screening.attempt(
            Operation.EARN, cmd.partner_id, member.id, calculation.points, cmd.purchase, now
        )
        screening.require_not_frozen(member, tried, order_id)
        assessment = ALLOWED
        if fraud_checks:
            thresholds = ruleset.fraud_thresholds(cmd.partner_id)
            assessment = screening.screen(
                uow, tried, thresholds, order_id, context.member_debt_points
            )
        # Always read under the debt account's lock, never from the unlocked read above: a
        # refund creating debt at this moment either commits first (and is paid here) or waits
        # and then sees this earn's lot, which pays it there.
        debt = uow.members.debt_for_update(member.id)
        result = earning.earn(
            transaction_id=new_id(),
            lot_id=new_id(),
            member_id=member.id,
            partner=context.partner,
            rate=situation.rate,
            purchase=cmd.purchase,
            calculation=calculation,
            debt_points=debt,
            now=now,
        )
        uow.ledger.add(result.transaction)
        if result.lot is not None:
            uow.lots.add(result.lot)
        rule_context.charge(uow, ruleset, breakdown, member.id, now)
        screening.flag_if_review(
            uow, assessment, tried, order_id, transaction_id=result.transaction.id
        )
        return _earned(result, member.id, situation.rate)

    request = IdempotentRequest.of("earn", cmd, fingerprint=hasher.fingerprint)
    return screening.recording_refusals(
        lambda: execute(request, Earned, effect, uow_factory=uow_factory, clock=clock), uow_factory
    )


def _earned(result: earning.Earning, member_id: uuid.UUID, rate: RateVersion) -> Earned:
    transaction, calculation = result.transaction, result.calculation
    return Earned(
        transaction_id=transaction.id,
        member_id=member_id,
        points=calculation.points,
        status=calculation.status,
        available_at=calculation.available_at,
        expires_at=calculation.expires_at,
        rate_version=rate,
        created_at=transaction.created_at,
        debt_paid_points=result.debt_paid_points,
        breakdown=calculation.breakdown,
    )


def quote_earn(
    cmd: QuoteEarn,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    zone: ZoneInfo,
    rules: RuleCache,
    cipher: ContactCipher | None = None,
) -> EarnQuoted:
    """What ``earn`` would credit now for this purchase, line by line; writes nothing."""
    line_items(cmd.line_items, cmd.amount)
    purchase = Purchase(cmd.amount, "quote", cmd.line_items, cmd.point_of_sale)
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        context = till(uow, cmd.partner_id, now, cmd.member, hasher)
        ruleset = rule_context.ruleset_for(uow, context, rules, now)
        member = context.member
        facts = NO_FACTS
        if member is not None:
            facts = rule_context.member_facts(
                uow, ruleset, context, member, now=now, zone=zone, cipher=cipher, lock=False
            )
        situation = rule_context.situation(
            context, purchase, facts, now=now, zone=zone, member_known=member is not None
        )
        breakdown = rule_context.breakdown(uow, ruleset, situation, lock=False)
    calculation = earning.calculate(breakdown, context.partner, now, zone)
    return EarnQuoted(
        calculation.points,
        calculation.status,
        calculation.available_at,
        calculation.expires_at,
        situation.rate,
        now,
        breakdown,
    )


def quote_burn(
    cmd: QuoteBurn,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    rules: RuleCache,
) -> BurnQuoted:
    """What points are worth at the partner (for the member's tier, when one is named), or how
    many pay an amount; writes nothing."""
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        context = till(uow, cmd.partner_id, now, cmd.member, hasher)
        context = rule_context.for_burn(context, rule_context.ruleset_for(uow, context, rules, now))
        partner, rate = context.partner, context.rate
    if cmd.points is not None and cmd.amount is None:
        quote = burning.quote_points(cmd.points, partner, rate.rates)
    elif cmd.amount is not None and cmd.points is None:
        quote = burning.quote_amount(cmd.amount, partner, rate.rates)
    else:
        raise InvalidField("a burn quote takes either points or an amount", field="burn")
    if cmd.receipt is not None:
        # The same burn rules authorize applies, so a quote never promises what it refuses.
        line_items(cmd.receipt.line_items, cmd.receipt.amount)
        points_to_redeem(quote.points, cmd.receipt, partner, rate)
    return BurnQuoted(quote.points, quote.value, rate, now)
