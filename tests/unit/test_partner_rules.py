"""Pure parts of what partners asked for at the till: the earn rounding mode, per-category burn
shares, and annulling what is left of one operation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.accounts import COALITION_ADJUSTMENTS, member_available
from hub.domain.annulment import annul_operation
from hub.domain.currencies import currency
from hub.domain.errors import NothingToAnnul, TransactionNotFound
from hub.domain.ledger import TransactionKind
from hub.domain.lots import Lot, LotStatus, MovementKind
from hub.domain.money import EarnRounding, Money, points_for_purchase
from hub.domain.partners import BurnRules, CategoryShare
from hub.domain.purchases import LineItem

EUR = currency("EUR")
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
MEMBER = uuid.uuid4()
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4)
amounts = st.integers(min_value=1, max_value=10**9)

# -- earn rounding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_minor", "down", "half_up", "up"),
    [(1500, 1, 2, 2), (1499, 1, 1, 2), (1000, 1, 1, 1), (1, 0, 0, 1), (2500, 2, 3, 3)],
)
def test_base_points_round_by_the_partners_earn_rounding_mode(amount_minor, down, half_up, up):
    amount, rate = Money(amount_minor, EUR), Decimal("0.1")
    assert points_for_purchase(amount, rate) == down  # the default is the books' favour
    assert points_for_purchase(amount, rate, EarnRounding.DOWN) == down
    assert points_for_purchase(amount, rate, EarnRounding.HALF_UP) == half_up
    assert points_for_purchase(amount, rate, EarnRounding.UP) == up


@given(amount=amounts, rate=rates)
def test_every_earn_rounding_stays_within_one_point_of_the_exact_value(amount, rate):
    exact = Money(amount, EUR).major * rate
    down, half_up, up = (
        points_for_purchase(Money(amount, EUR), rate, mode) for mode in EarnRounding
    )
    assert down <= exact <= up
    assert up - down <= 1
    assert down <= half_up <= up
    assert abs(half_up - exact) <= Decimal("0.5")


# -- category shares -------------------------------------------------------------------------

TOYS = LineItem("toy", "children", 5000, 1)
MILK = LineItem("milk", "grocery", 5000, 1)
GIFT = LineItem("card", "gift", 5000, 1)
TOTAL = Money(10_000, EUR)


def rules(max_share: str = "1", **shares: str) -> BurnRules:
    return BurnRules(
        max_share=Decimal(max_share),
        excluded_categories=frozenset({"gift"}),
        category_shares=tuple(CategoryShare(c, Decimal(s)) for c, s in shares.items()),
    )


def test_a_category_share_takes_its_lines_down_to_that_share():
    assert rules(children="0.2").payable_minor(TOTAL, (TOYS, MILK)) == 5000 + 1000


def test_a_category_share_above_the_receipts_share_changes_nothing():
    assert rules("0.5", children="0.8").payable_minor(TOTAL, (TOYS, MILK)) == 5000
    assert rules("0.5", children="0.8").limiting_categories((TOYS, MILK)) == ()


def test_excluded_lines_pay_nothing_whatever_their_share():
    total = Money(15_000, EUR)
    with_share = BurnRules(
        excluded_categories=frozenset({"gift"}),
        category_shares=(CategoryShare("gift", Decimal("0.5")),),
    )
    assert with_share.payable_minor(total, (TOYS, MILK, GIFT)) == 10_000


def test_a_zero_share_leaves_the_category_to_money():
    assert rules(children="0").payable_minor(TOTAL, (TOYS, MILK)) == 5000


def test_without_category_shares_the_payable_amount_is_as_before():
    shared = rules("0.5", children="0.2")
    assert shared.payable_minor(TOTAL, (TOYS, MILK), by_category=False) == 5000
    assert shared.payable_minor(TOTAL, (TOYS, MILK)) == 2500 + 1000
    assert shared.limiting_categories((TOYS, MILK)) == ("children",)


def test_the_least_paid_in_money_still_applies_with_category_shares():
    shared = BurnRules(min_cash_minor=9500, category_shares=(CategoryShare("grocery", Decimal(1)),))
    assert shared.payable_minor(TOTAL, (TOYS, MILK)) == 500


@given(
    toys=st.integers(min_value=0, max_value=10**7),
    milk=st.integers(min_value=0, max_value=10**7),
    share=st.decimals(min_value=0, max_value=1, places=2),
)
def test_a_category_share_never_lets_points_pay_more_than_without_it(toys, milk, share):
    lines = (LineItem("t", "children", toys, 1), LineItem("m", "grocery", milk, 1))
    total = Money(toys + milk + 1, EUR)
    shared = BurnRules(category_shares=(CategoryShare("children", share),))
    payable = shared.payable_minor(total, lines)
    assert payable <= shared.payable_minor(total, lines, by_category=False)
    assert payable <= total.amount_minor - toys + toys * share


# -- annulling one operation -----------------------------------------------------------------


def lot(operation_id: uuid.UUID, *, remaining: int = 100, reserved: int = 0) -> Lot:
    return Lot(
        uuid.uuid4(),
        MEMBER,
        "coffee",
        operation_id,
        100,
        remaining,
        reserved,
        LotStatus.AVAILABLE,
        NOW,
        NOW,
        None,
    )


def test_annulling_an_operation_takes_its_unreserved_points_and_relates_to_it():
    operation = uuid.uuid4()
    annulment = annul_operation(
        MEMBER, operation, lot(operation, remaining=80, reserved=30), uuid.uuid4(), NOW
    )
    transaction = annulment.update.transaction
    assert transaction is not None
    assert (annulment.points, annulment.operation_id) == (50, operation)
    assert (transaction.kind, transaction.related_id) == (TransactionKind.ANNULMENT, operation)
    assert {(e.account, e.amount_points) for e in transaction.entries} == {
        (member_available(MEMBER), -50),
        (COALITION_ADJUSTMENTS, 50),
    }
    (movement,) = annulment.update.movements
    assert (movement.points, movement.kind) == (-50, MovementKind.ANNULMENT)
    (changed,) = annulment.update.lots
    assert (changed.remaining_points, changed.reserved_points) == (30, 30)


def test_an_operation_that_issued_the_member_nothing_is_not_found():
    operation = uuid.uuid4()
    someone_elses = Lot(**{**_fields(lot(operation)), "member_id": uuid.uuid4()})
    for found in (None, someone_elses, lot(uuid.uuid4())):
        with pytest.raises(TransactionNotFound):
            annul_operation(MEMBER, operation, found, uuid.uuid4(), NOW)


def test_an_operation_with_every_point_spent_or_held_has_nothing_to_annul():
    operation = uuid.uuid4()
    for found in (lot(operation, remaining=0), lot(operation, remaining=40, reserved=40)):
        with pytest.raises(NothingToAnnul):
            annul_operation(MEMBER, operation, found, uuid.uuid4(), NOW)


def _fields(value: Lot) -> dict[str, object]:
    return {name: getattr(value, name) for name in Lot.__dataclass_fields__}
