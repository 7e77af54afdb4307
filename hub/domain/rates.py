"""A partner's time-versioned rates.

A change is a new version with its own ``effective_from``; versions are never edited, so the
rate in force at any past instant stays what it was, and every transaction also stores the
rates it used.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from hub.domain.errors import InvalidRate, NoRateInForce, RateInPast
from hub.domain.limits import RATE_DECIMAL_PLACES_MAX, RATE_MAX


@dataclass(frozen=True, slots=True)
class Rates:
    """The four prices of one partner (see DESIGN.md, Money model)."""

    earn_rate: Decimal
    """Points per major unit of the partner's purchase currency."""
    burn_value: Decimal
    """Purchase-currency value of one point redeemed at the partner."""
    issue_price: Decimal
    """Settlement-currency price the partner pays per point it issues."""
    redemption_price: Decimal
    """Settlement-currency price the coalition pays per point redeemed at the partner."""

    @classmethod
    def parse(
        cls, *, earn_rate: str, burn_value: str, issue_price: str, redemption_price: str
    ) -> Rates:
        """Validated rates from decimal strings; ``burn_value`` must be positive."""
        rates = cls(
            earn_rate=parse_rate(earn_rate, field="earn_rate"),
            burn_value=parse_rate(burn_value, field="burn_value"),
            issue_price=parse_rate(issue_price, field="issue_price"),
            redemption_price=parse_rate(redemption_price, field="redemption_price"),
        )
        if rates.burn_value == 0:
            raise InvalidRate("burn_value must be positive", field="burn_value")
        return rates


@dataclass(frozen=True, slots=True)
class RateVersion:
    id: uuid.UUID
    partner_id: str
    effective_from: datetime
    rates: Rates


def parse_rate(text: str | Decimal, *, field: str) -> Decimal:
    """A finite rate in ``[0, RATE_MAX]`` with at most ten decimal places, or ``InvalidRate``."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidRate(
            f"{field} must be a decimal number; got {str(text)[:32]!r}", field=field
        ) from None
    if not value.is_finite() or not 0 <= value <= RATE_MAX:
        raise InvalidRate(
            f"{field} must be a number from 0 to {RATE_MAX}; got {value}", field=field
        )
    result = canonical(value)
    if -_exponent(result) > RATE_DECIMAL_PLACES_MAX:
        raise InvalidRate(
            f"{field} has more than {RATE_DECIMAL_PLACES_MAX} decimal places: {value}", field=field
        )
    return result


def canonical(value: Decimal) -> Decimal:
    """``value`` without trailing zeros, never in exponent notation (``100``, not ``1E+2``)."""
    normalized = value.normalize()
    return normalized.quantize(Decimal(1)) if _exponent(normalized) > 0 else normalized


def _exponent(value: Decimal) -> int:
    # Only finite values reach here, whose exponent is an int (NaN's would be a letter).
    return int(value.as_tuple().exponent)


def check_schedulable(effective_from: datetime, now: datetime) -> None:
    """A new version may take effect now or later, never in the past."""
    if effective_from < now:
        raise RateInPast(
            f"effective_from {effective_from.isoformat()} is in the past; a rate change never "
            "rewrites history, schedule it from now on",
            field="effective_from",
        )


def in_force(versions: Iterable[RateVersion], at: datetime) -> RateVersion:
    """The version with the latest ``effective_from`` not after ``at``."""
    candidates = [version for version in versions if version.effective_from <= at]
    if not candidates:
        raise NoRateInForce(f"no rate is in force at {at.isoformat()}")
    return max(candidates, key=lambda version: version.effective_from)
