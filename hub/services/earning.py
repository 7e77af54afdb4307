"""Earning points for a purchase, and quoting earns and burns."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hub.domain import burning, earning
from hub.domain.clock import Clock
from hub.domain.errors import InvalidField
from hub.domain.ids import new_id
from hub.domain.members import IdentifierHasher
from hub.domain.purchases import check_purchase, line_items
from hub.services.callers import till
from hub.services.commands import Earn, QuoteBurn, QuoteEarn
from hub.services.idempotency import IdempotentRequest, run_once
from hub.services.results import BurnQuoted, Earned, EarnQuoted
from hub.services.retry import retrying
from hub.services.unit_of_work import UnitOfWorkFactory


def earn(
    cmd: Earn,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    zone: ZoneInfo,
) -> Earned:
    """Credit the points a purchase earns; pending for the partner's pending period."""
    check_purchase(cmd.purchase)
    request = IdempotentRequest.of("earn", cmd)

    def attempt() -> Earned:
        now = clock.now()
        with uow_factory() as uow:

            def effect() -> Earned:
                context = till(uow, cmd.partner_id, now, cmd.member, hasher)
                partner, rate, member = context.partner, context.rate, context.require_member()
                member.require_active()
                calculation = earning.calculate(cmd.purchase.amount, partner, rate, now, zone)
                result = earning.earn(
                    transaction_id=new_id(),
                    lot_id=new_id(),
                    member_id=member.id,
                    partner=partner,
                    rate=rate,
                    purchase=cmd.purchase,
                    calculation=calculation,
                    now=now,
                )
                uow.ledger.add(result.transaction, result.lot)
                return Earned(
                    transaction_id=result.transaction.id,
                    member_id=member.id,
                    points=calculation.points,
                    status=calculation.status,
                    available_at=calculation.available_at,
                    expires_at=calculation.expires_at,
                    rate_version=rate,
                    created_at=now,
                )

            return run_once(uow, request, now, Earned, effect)

    return retrying(attempt)


def quote_earn(
    cmd: QuoteEarn,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: IdentifierHasher,
    zone: ZoneInfo,
) -> EarnQuoted:
    """What ``earn`` would credit now for this purchase; writes nothing."""
    line_items(cmd.line_items, cmd.amount)
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        context = till(uow, cmd.partner_id, now, cmd.member, hasher)
        partner, rate = context.partner, context.rate
    calculation = earning.calculate(cmd.amount, partner, rate, now, zone)
    return EarnQuoted(
        calculation.points,
        calculation.status,
        calculation.available_at,
        calculation.expires_at,
        rate,
        now,
    )


def quote_burn(
    cmd: QuoteBurn, *, uow_factory: UnitOfWorkFactory, clock: Clock, hasher: IdentifierHasher
) -> BurnQuoted:
    """What points are worth at the partner, or how many pay an amount; writes nothing."""
    now = clock.now()
    with uow_factory(read_only=True) as uow:
        context = till(uow, cmd.partner_id, now, cmd.member, hasher)
        partner, rate = context.partner, context.rate
    if cmd.points is not None and cmd.amount is None:
        quote = burning.quote_points(cmd.points, partner, rate.rates)
    elif cmd.amount is not None and cmd.points is None:
        quote = burning.quote_amount(cmd.amount, partner, rate.rates)
    else:
        raise InvalidField("a burn quote takes either points or an amount", field="burn")
    return BurnQuoted(quote.points, quote.value, rate, now)
