"""Money, points and the one conversion function between them.

Points are integers; money is integer minor units of a currency; rates are ``Decimal``. Every
conversion goes through :func:`to_units`, which rounds once with a named :class:`Rounding`.

Conversions a member benefits from round in the books' favour by default: points earned round
down, the value of burned points rounds down and the points needed to pay an amount round up.
Splitting a receipt can then never earn more points than the whole, and no sequence of
operations farms fractions. A partner may choose another :class:`EarnRounding` for the base
points of its earns (half-up or up, as its till promises its customers): that is the partner's
own choice and cost, since under it a receipt split in two can earn a point more than the whole.
The partner's settlement ``rounding`` is a separate setting, for money between the partner and
the coalition (settlement values), where neither side is favoured.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from hub.domain.currencies import Currency
from hub.domain.errors import InvalidAmount
from hub.domain.limits import PURCHASE_AMOUNT_MAX_MAJOR

# Wide enough that products of bounded amounts and rates are exact.
_EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.InvalidOperation])
_WIDE = decimal.Context(prec=60)


class Rounding(StrEnum):
    FLOOR = "floor"
    CEILING = "ceiling"
    HALF_EVEN = "half_even"
    HALF_UP = "half_up"

    @property
    def decimal_mode(self) -> str:
        return _DECIMAL_MODES[self]


_DECIMAL_MODES = {
    Rounding.FLOOR: decimal.ROUND_FLOOR,
    Rounding.CEILING: decimal.ROUND_CEILING,
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
}

PARTNER_ROUNDINGS = (Rounding.FLOOR, Rounding.HALF_EVEN, Rounding.HALF_UP)
"""Modes a partner may name for its settlement values."""


class EarnRounding(StrEnum):
    """How the base points of a partner's earns round; ``down`` (the books' favour) unless the
    partner chose otherwise. Each earn records the mode that made its points."""

    DOWN = "down"
    HALF_UP = "half_up"
    UP = "up"

    @property
    def rounding(self) -> Rounding:
        return _EARN_ROUNDINGS[self]


_EARN_ROUNDINGS = {
    EarnRounding.DOWN: Rounding.FLOOR,
    EarnRounding.HALF_UP: Rounding.HALF_UP,
    EarnRounding.UP: Rounding.CEILING,
}


def to_units(value: Decimal, exponent: int, rounding: Rounding) -> int:
    """Round ``value`` (in whole units) to an integer count of ``10**-exponent`` units."""
    scaled = _WIDE.scaleb(value, exponent)
    return int(scaled.to_integral_value(rounding=rounding.decimal_mode, context=_WIDE))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units of a currency."""

    amount_minor: int
    currency: Currency

    @property
    def major(self) -> Decimal:
        """The amount in major units, exactly."""
        return _EXACT.scaleb(Decimal(self.amount_minor), -self.currency.exponent)

    def __str__(self) -> str:
        return f"{self.major:.{self.currency.exponent}f} {self.currency.code}"


def purchase_amount(amount_minor: int, currency: Currency, *, field: str) -> Money:
    """A positive purchase amount no larger than the limit, or ``InvalidAmount``."""
    limit_minor = PURCHASE_AMOUNT_MAX_MAJOR * 10**currency.exponent
    if amount_minor <= 0:
        raise InvalidAmount(f"{field} must be positive; got {amount_minor}", field=field)
    if amount_minor > limit_minor:
        raise InvalidAmount(
            f"{field} {amount_minor} exceeds the limit of {limit_minor} minor units "
            f"({PURCHASE_AMOUNT_MAX_MAJOR} {currency.code})",
            field=field,
        )
    return Money(amount_minor, currency)


def points_for_purchase(
    amount: Money, earn_rate: Decimal, rounding: EarnRounding = EarnRounding.DOWN
) -> int:
    """Points earned for ``amount`` at ``earn_rate`` points per major unit, rounded down unless
    the partner chose another ``rounding``."""
    return to_units(_EXACT.multiply(amount.major, earn_rate), 0, rounding.rounding)


def value_of_points(points: int, burn_value: Decimal, currency: Currency) -> Money:
    """What ``points`` are worth at ``burn_value`` per point, rounded down to a minor unit."""
    value = _EXACT.multiply(Decimal(points), burn_value)
    return Money(to_units(value, currency.exponent, Rounding.FLOOR), currency)


def points_to_pay(amount: Money, burn_value: Decimal) -> int:
    """Fewest points whose value at ``burn_value`` covers ``amount``, rounded up."""
    return to_units(_WIDE.divide(amount.major, burn_value), 0, Rounding.CEILING)


def settlement_value_minor(
    points: int, price: Decimal, currency: Currency, rounding: Rounding
) -> int:
    """Value of ``points`` at ``price`` per point in settlement ``currency`` minor units."""
    return to_units(_EXACT.multiply(Decimal(points), price), currency.exponent, rounding)
