from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.currencies import currency
from hub.domain.errors import InvalidAmount, UnknownCurrency
from hub.domain.limits import PURCHASE_AMOUNT_MAX_MAJOR
from hub.domain.money import (
    Money,
    Rounding,
    points_for_purchase,
    points_to_pay,
    purchase_amount,
    settlement_value_minor,
    to_units,
    value_of_points,
)

EUR, JPY, KWD = currency("EUR"), currency("JPY"), currency("KWD")
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4)
amounts = st.integers(min_value=1, max_value=10**9)


def test_currency_exponents_come_from_iso_4217():
    assert (EUR.exponent, JPY.exponent, KWD.exponent) == (2, 0, 3)


def test_an_unknown_currency_code_is_refused_naming_the_field():
    with pytest.raises(UnknownCurrency) as caught:
        currency("EURO", field="purchase.currency")
    assert caught.value.field == "purchase.currency"


def test_money_knows_its_exact_major_amount():
    assert Money(1050, EUR).major == Decimal("10.50")
    assert Money(1050, JPY).major == Decimal(1050)
    assert str(Money(1234, KWD)) == "1.234 KWD"


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        (Decimal("2.5"), Rounding.FLOOR, 2),
        (Decimal("2.5"), Rounding.CEILING, 3),
        (Decimal("2.5"), Rounding.HALF_EVEN, 2),
        (Decimal("3.5"), Rounding.HALF_EVEN, 4),
        (Decimal("2.5"), Rounding.HALF_UP, 3),
        (Decimal("-2.5"), Rounding.FLOOR, -3),
    ],
)
def test_to_units_rounds_once_with_the_named_mode(value, rounding, expected):
    assert to_units(value, 0, rounding) == expected


def test_to_units_scales_to_minor_units():
    assert to_units(Decimal("1.2345"), 2, Rounding.FLOOR) == 123


def test_points_for_a_purchase_round_down():
    assert points_for_purchase(Money(1999, EUR), Decimal(1)) == 19
    assert points_for_purchase(Money(999, EUR), Decimal("0.1")) == 0


def test_value_of_points_rounds_down_and_points_to_pay_round_up():
    assert value_of_points(7, Decimal("0.0333"), EUR) == Money(23, EUR)
    assert points_to_pay(Money(100, EUR), Decimal("0.03")) == 34


@pytest.mark.parametrize("amount_minor", [0, -1, PURCHASE_AMOUNT_MAX_MAJOR * 100 + 1])
def test_a_purchase_amount_out_of_range_is_refused(amount_minor):
    with pytest.raises(InvalidAmount):
        purchase_amount(amount_minor, EUR, field="purchase.amount_minor")


def test_settlement_values_use_the_partners_rounding():
    assert settlement_value_minor(5, Decimal("0.003"), EUR, Rounding.HALF_UP) == 2
    assert settlement_value_minor(5, Decimal("0.003"), EUR, Rounding.FLOOR) == 1


@given(first=amounts, second=amounts, rate=rates)
def test_splitting_a_receipt_never_earns_more_than_the_whole(first, second, rate):
    split = points_for_purchase(Money(first, EUR), rate) + points_for_purchase(
        Money(second, EUR), rate
    )
    assert split <= points_for_purchase(Money(first + second, EUR), rate)


@given(amount=amounts, rate=rates)
def test_points_earned_never_exceed_the_exact_value(amount, rate):
    points = points_for_purchase(Money(amount, EUR), rate)
    assert points <= Money(amount, EUR).major * rate < points + 1


@given(amount=amounts, burn_value=rates)
def test_points_to_pay_are_the_fewest_that_cover_the_amount(amount, burn_value):
    points = points_to_pay(Money(amount, EUR), burn_value)
    assert points * burn_value >= Money(amount, EUR).major
    assert (points - 1) * burn_value < Money(amount, EUR).major


@given(points=st.integers(min_value=1, max_value=10**9), burn_value=rates)
def test_value_of_points_never_exceeds_their_exact_worth(points, burn_value):
    value = value_of_points(points, burn_value, EUR)
    assert value.major <= points * burn_value < value.major + Decimal("0.01")
