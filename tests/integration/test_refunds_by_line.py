"""Refunds by receipt line and by order id, and tiers that follow refunds, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from hub import bootstrap
from hub.domain.currencies import currency
from hub.domain.errors import (
    HoldNotFound,
    InvalidField,
    RefundExceedsOriginal,
    TransactionNotFound,
)
from hub.domain.ledger import TransactionKind
from hub.domain.money import Money
from hub.domain.purchases import LineItem
from hub.domain.receipt_lines import ReturnedLine
from hub.domain.rules import Campaign, Exclusions, ReviewPeriod, Tier, TierBenefits, TierScheme
from hub.services.commands import (
    GetBalance,
    ListTransactions,
    PutRule,
    RefundEarn,
    RefundRedemption,
)
from hub.services.results import EarnRefunded
from tests.conftest import OPERATOR, START, add_partner, rates
from tests.integration.helpers import (
    authorize,
    balance,
    capture,
    card,
    earn,
    enroll,
    row_counts,
)

EUR = currency("EUR")
GIFT_CARD = LineItem("gift-900", "gift-cards", 90_000)
MILK = LineItem("milk-1", "dairy", 10_000)
EGGS = LineItem("eggs-10", "dairy", 3_000, quantity=10)


def put(hub: bootstrap.Hub, definition: object, rule_id: str = "") -> None:
    command = PutRule(rule_id, definition, changed_by=OPERATOR)  # type: ignore[arg-type]
    hub.operator.put_rule(command)


@pytest.fixture
def grocer(hub: bootstrap.Hub) -> str:
    """A partner earning 1 point per 10 EUR that excludes gift cards from earning."""
    add_partner(hub, "grocer", rates=rates("0.1"))
    put(hub, Exclusions("grocer", earn_categories=("gift-cards",)))
    enroll(hub, "grocer")
    return "grocer"


def _refund(hub: bootstrap.Hub, **fields: object) -> EarnRefunded:
    fields.setdefault("transaction_id", None)
    command = RefundEarn("grocer", uuid.uuid4().hex, **fields)  # type: ignore[arg-type]
    return hub.partner_api().refund_earn(command)


def tier(hub: bootstrap.Hub) -> str:
    return hub.partner_api().balance(GetBalance("coffee", card())).tier.tier


def _line(position: int = 0, **fields: object) -> ReturnedLine:
    return ReturnedLine(position, **fields)  # type: ignore[arg-type]


def _basket(hub: bootstrap.Hub, *lines: LineItem, order_id: str = "order-1"):
    total = sum(line.amount_minor for line in lines)
    return earn(hub, card(), total, partner_id="grocer", order_id=order_id, line_items=lines)


def test_returning_the_milk_takes_back_its_points_and_the_gift_card_none(hub, grocer):
    receipt = _basket(hub, GIFT_CARD, MILK)
    assert receipt.points == 10
    gift = _refund(hub, transaction_id=receipt.transaction_id, lines=(_line(index=0, quantity=1),))
    assert gift.points_reversed == 0
    milk = _refund(hub, transaction_id=receipt.transaction_id, lines=(_line(index=1, quantity=1),))
    assert (milk.points_reversed, milk.amount) == (10, Money(10_000, EUR))
    assert balance(hub, card()).available_points == 0


def test_returning_the_gift_card_first_leaves_the_milks_points_with_the_member(hub, grocer):
    _basket(hub, GIFT_CARD, MILK)
    _refund(hub, order_id="order-1", lines=(_line(sku="gift-900", quantity=1),))
    assert balance(hub, card()).available_points == 10


def test_a_refund_by_order_id_finds_the_earn_and_carries_its_order_id_to_history(hub, grocer):
    _basket(hub, GIFT_CARD, MILK, order_id="till-7/123")
    refund = _refund(hub, order_id="till-7/123", whole_receipt=True)
    assert (refund.points_reversed, refund.order_id) == (10, "till-7/123")
    page = hub.partner_api().transactions(ListTransactions("grocer", card(), 10))
    refunds = [t for t in page.transactions if t.kind is TransactionKind.REFUND_EARN]
    assert [t.order_id for t in refunds] == ["till-7/123"]


def test_a_partial_quantity_gives_back_its_share_of_the_lines_points(hub, grocer):
    receipt = _basket(hub, EGGS, MILK)  # 13 points: 3 on the eggs, 10 on the milk
    three = _refund(hub, transaction_id=receipt.transaction_id,
                    lines=(_line(sku="eggs-10", quantity=3),))  # fmt: skip
    assert three.points_reversed == 1  # ceil(3 * 3/10): the books' favour
    rest = _refund(hub, transaction_id=receipt.transaction_id,
                   lines=(_line(sku="eggs-10", quantity=7),))  # fmt: skip
    assert three.points_reversed + rest.points_reversed == 3


def test_an_amount_alone_is_charged_against_the_earning_lines_first(hub, grocer):
    receipt = _basket(hub, GIFT_CARD, MILK)
    refund = _refund(hub, transaction_id=receipt.transaction_id, amount=Money(10_000, EUR))
    assert refund.points_reversed == 10


def test_the_whole_receipt_gives_back_the_first_purchase_bonus_too(hub, grocer):
    first = Campaign("First visit", START, bonus_points=50, partner_id="grocer",
                     first_purchase=True)  # fmt: skip
    put(hub, first, rule_id="first-visit")
    receipt = _basket(hub, GIFT_CARD, MILK)
    assert receipt.points == 60
    milk = _refund(hub, transaction_id=receipt.transaction_id, lines=(_line(index=1, quantity=1),))
    assert milk.points_reversed == 10
    gift = _refund(hub, transaction_id=receipt.transaction_id, lines=(_line(index=0, quantity=1),))
    assert gift.points_reversed == 50  # the last line back: the receipt is whole again


def test_more_than_was_bought_is_refused_naming_the_line_and_writes_nothing(hub, grocer):
    receipt = _basket(hub, GIFT_CARD, MILK)
    counts = row_counts(hub)
    lines = (_line(0, index=0, quantity=1), _line(1, index=1, quantity=2))
    with pytest.raises(RefundExceedsOriginal) as refused:
        _refund(hub, transaction_id=receipt.transaction_id, lines=lines)
    assert refused.value.metadata["field"] == "lines[1]"
    with pytest.raises(RefundExceedsOriginal) as refused:
        _refund(hub, transaction_id=receipt.transaction_id, lines=(_line(sku="bread", quantity=1),))
    assert refused.value.metadata["field"] == "lines[0]"
    assert row_counts(hub) == counts


def test_an_unknown_order_id_is_not_found_and_writes_nothing(hub, grocer):
    _basket(hub, GIFT_CARD, MILK)
    counts = row_counts(hub)
    with pytest.raises(TransactionNotFound):
        _refund(hub, order_id="no-such-order", whole_receipt=True)
    command = RefundRedemption("grocer", uuid.uuid4().hex, None, 1, order_id="no-such-order")
    with pytest.raises(HoldNotFound):
        hub.partner_api().refund_redemption(command)
    assert row_counts(hub) == counts


def test_a_returned_quantity_of_0_is_invalid_and_names_the_field(hub, grocer):
    receipt = _basket(hub, GIFT_CARD, MILK)
    counts = row_counts(hub)
    with pytest.raises(InvalidField) as refused:
        _refund(hub, transaction_id=receipt.transaction_id, lines=(_line(index=1, quantity=0),))
    assert refused.value.field == "lines[0].quantity"
    with pytest.raises(InvalidField) as refused:
        _refund(hub, transaction_id=receipt.transaction_id, order_id="order-1", whole_receipt=True)
    assert refused.value.field == "transaction_id"
    assert row_counts(hub) == counts


def test_a_redemption_refund_by_order_id_carries_the_order_id(hub, grocer):
    earn(hub, card(), 100_000, partner_id="grocer")
    hold = authorize(hub, card(), 5, partner_id="grocer", order_id="pay-9", amount_minor=1_000)
    capture(hub, hold.hold_id, partner_id="grocer")
    command = RefundRedemption("grocer", uuid.uuid4().hex, None, 2, order_id="pay-9")
    refund = hub.partner_api().refund_redemption(command)
    assert (refund.points_returned, refund.order_id) == (2, "pay-9")


# --- Tiers --------------------------------------------------------------------------------


def test_a_refund_below_the_tiers_threshold_takes_the_tier_back_at_once(hub, coffee):
    put(hub, TierScheme((Tier("base", 0), Tier("gold", 100)), review=ReviewPeriod.YEAR))
    put(hub, TierBenefits("coffee", multipliers={"gold": Decimal(2)}))
    enroll(hub)
    lifting = earn(hub, card(), 10_000, order_id="big")
    assert lifting.breakdown.tier_after == "gold"
    assert tier(hub) == "gold"
    command = RefundEarn("coffee", uuid.uuid4().hex, None, whole_receipt=True, order_id="big")
    refund = hub.partner_api().refund_earn(command)
    assert (refund.tier_before, refund.tier_after) == ("gold", "base")
    assert tier(hub) == "base"
    assert earn(hub, card(), 1_000).points == 10  # no gold multiplier any more
    page = hub.partner_api().transactions(ListTransactions("coffee", card(), 10))
    refunds = [t for t in page.transactions if t.kind is TransactionKind.REFUND_EARN]
    assert [(t.tier_before, t.tier_after) for t in refunds] == [("gold", "base")]


def test_a_refund_that_leaves_the_member_above_the_threshold_keeps_the_tier(hub, coffee):
    put(hub, TierScheme((Tier("base", 0), Tier("gold", 100)), review=ReviewPeriod.YEAR))
    enroll(hub)
    receipt = earn(hub, card(), 15_000)
    refund = hub.partner_api().refund_earn(
        RefundEarn("coffee", uuid.uuid4().hex, receipt.transaction_id, Money(4_000, EUR))
    )
    assert (refund.tier_before, refund.tier_after) == (None, None)
    assert tier(hub) == "gold"
