"""Earning points for a purchase, and quoting earns and burns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fraud.facts import Operation
from fraud.verdicts import ALLOWED
from hub.domain import burning, earning, offline
from hub.domain.breakdown import Breakdown
from hub.domain.clock import Clock
from hub.domain.contacts import ContactCipher
from hub.domain.earn_rules import EarnSituation
from hub.domain.errors import InvalidField
from hub.domain.holds import points_to_redeem
from hub.domain.ids import new_id
from hub.domain.members import IdentifierHasher
from hub.domain.purchases import Purchase, check_purchase, line_items
from hub.domain.rates import RateVersion
from hub.services import rule_context, screening, till_reads
from hub.services.commands import Earn, QuoteBurn, QuoteEarn
from hub.services.idempotency import IdempotentRequest
from hub.services.ports.reads import Later
from hub.services.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.services.results import BurnQuoted, Earned, EarnQuoted
from hub.services.rule_cache import RuleCache
from hub.services.till_reads import TillQuery, TillRead
from hub.services.transactions import run_idempotent


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
    transaction. One round trip reads (with the idempotency claim), one writes.

    An earn a till sends after the sale (``purchased_at``, store-and-forward) posts now and
    records the sale's time, if the sale is within the partner's offline window (the partner
    comes with the one read; ``hub.domain.offline``)."""
    check_purchase(cmd.purchase)
    offline.check_not_future(cmd.purchase.purchased_at, clock.now())
    order_id = cmd.purchase.order_id
    pos = cmd.purchase.point_of_sale
    query = TillQuery(
        cmd.partner_id, cmd.member, locked=True, screened_at=pos if fraud_checks else None
    )

    def read(uow: UnitOfWork, now: datetime) -> Later[TillRead]:
        return till_reads.send(
            uow, query, now, hasher=hasher, rules=rules, zone=zone, cipher=cipher
        )

    def apply(uow: UnitOfWork, state: TillRead, now: datetime) -> Earned:
        window_s = state.context.partner.offline_window_s
        offline.check_within_window(cmd.purchase.purchased_at, window_s, now)
        member = screening.member_to_screen(state.context)
        priced = _priced(uow, state, cmd.purchase, now, zone, lock=True)
        tried = screening.attempt(
            Operation.EARN, cmd.partner_id, member.id, priced.calculation.points, cmd.purchase, now
        )
        screening.require_not_frozen(member, tried, order_id)
        assessment = ALLOWED
        if state.activity is not None:
            thresholds = state.ruleset.fraud_thresholds(cmd.partner_id)
            assessment = screening.assess(
                tried, state.activity, thresholds, order_id, state.context.member_debt_points
            )
        # The debt was read under the debt account's lock: a refund creating debt at this
        # moment either committed first (and is paid here) or waits and then sees this earn's
        # lot, which pays it there.
        result = earning.earn(
            transaction_id=new_id(),
            lot_id=new_id(),
            member_id=member.id,
            partner=state.context.partner,
            rate=priced.situation.rate,
            purchase=cmd.purchase,
            calculation=priced.calculation,
            debt_points=state.debt_points,
            now=now,
        )
        uow.ledger.add(result.transaction)
        if result.lot is not None:
            uow.lots.add(result.lot)
        rule_context.charge(uow, state.ruleset, priced.breakdown, member.id, now)
        screening.flag_if_review(
            uow, assessment, tried, order_id, transaction_id=result.transaction.id
        )
        return _earned(result, member.id, priced.situation.rate)

    request = IdempotentRequest.of("earn", cmd, fingerprint=hasher.fingerprint)
    return run_idempotent(request, Earned, read, apply, uow_factory=uow_factory, clock=clock)


@dataclass(frozen=True, slots=True)
class _Priced:
    situation: EarnSituation
    breakdown: Breakdown
    calculation: earning.EarnCalculation


def _priced(
    uow: UnitOfWork,
    state: TillRead,
    purchase: Purchase,
    now: datetime,
    zone: ZoneInfo,
    *,
    lock: bool,
) -> _Priced:
    """What a purchase earns under the rules in force: the same for an earn and its quote.
    Reads only when a budgeted campaign applies (its budget: a round trip more)."""
    context = state.context
    situation = rule_context.situation(
        context, purchase, state.facts, now=now, zone=zone, member_known=context.member is not None
    )
    breakdown = rule_context.breakdown(uow, state.ruleset, situation, lock=lock)
    return _Priced(situation, breakdown, earning.calculate(breakdown, context.partner, now, zone))


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
    query = TillQuery(cmd.partner_id, cmd.member, locked=False)
    with uow_factory(single_read=True) as uow:
        state = till_reads.send(
            uow, query, now, hasher=hasher, rules=rules, zone=zone, cipher=cipher
        )()
        priced = _priced(uow, state, purchase, now, zone, lock=False)
    calculation = priced.calculation
    return EarnQuoted(
        calculation.points,
        calculation.status,
        calculation.available_at,
        calculation.expires_at,
        priced.situation.rate,
        now,
        priced.breakdown,
    )


def quote_burn(
    cmd: QuoteBurn,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    zone: ZoneInfo,
    rules: RuleCache,
) -> BurnQuoted:
    """What points are worth at the partner (for the member's tier, when one is named), or how
    many pay an amount; writes nothing."""
    now = clock.now()
    query = TillQuery(cmd.partner_id, cmd.member, locked=False, with_facts=False)
    with uow_factory(single_read=True) as uow:
        state = till_reads.send(uow, query, now, hasher=hasher, rules=rules, zone=zone)()
    context = rule_context.for_burn(state.context, state.ruleset)
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
