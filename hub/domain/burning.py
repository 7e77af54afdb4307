"""Burning: what points are worth at a partner, and how many pay an amount."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.errors import InvalidAmount
from hub.domain.limits import POINTS_PER_OPERATION_MAX
from hub.domain.money import Money, points_to_pay, value_of_points
from hub.domain.partners import Partner
from hub.domain.purchases import require_currency
from hub.domain.rates import Rates


@dataclass(frozen=True, slots=True)
class BurnQuote:
    points: int
    value: Money


def quote_points(points: int, partner: Partner, rates: Rates) -> BurnQuote:
    """The value of ``points`` redeemed at ``partner``, rounded down."""
    if not 1 <= points <= POINTS_PER_OPERATION_MAX:
        raise InvalidAmount(
            f"points must be 1..{POINTS_PER_OPERATION_MAX}; got {points}", field="burn.points"
        )
    return BurnQuote(points, value_of_points(points, rates.burn_value, partner.currency))


def quote_amount(amount: Money, partner: Partner, rates: Rates) -> BurnQuote:
    """The fewest points that pay ``amount`` at ``partner`` (rounded up), and their value."""
    require_currency(amount, partner.currency, field="burn.amount.currency")
    return quote_points(points_to_pay(amount, rates.burn_value), partner, rates)
