"""Refunds by receipt line and by order id, through the SDK against a real hub server."""

from __future__ import annotations

import pytest

from hub.domain.rules import Exclusions
from hub.services.commands import PutRule
from partner_sdk import (
    HubClient,
    Identifier,
    InvalidField,
    LineItem,
    RefundExceedsOriginal,
    ReturnedLine,
    TransactionKind,
    TransactionNotFound,
)
from tests.conftest import OPERATOR, add_partner, rates

CARD = Identifier.card("4000 1234 1234 1234")
GIFT_CARD = LineItem("gift-900", "gift-cards", 90_000)
MILK = LineItem("milk-1", "dairy", 10_000)


@pytest.fixture
def till(hub, target):
    """A grocer earning 1 point per 10 EUR, gift cards excluded, and a receipt of a gift card
    and milk (10 points, all on the milk) as order "till-3/77"."""
    add_partner(hub, "grocer", rates=rates("0.1"))
    exclusions = Exclusions("grocer", earn_categories=("gift-cards",))
    hub.operator.put_rule(PutRule("", exclusions, changed_by=OPERATOR))
    with HubClient(target, partner_id="grocer") as grocer:
        grocer.enroll(CARD)
        earned = grocer.earn(CARD, amount_minor=100_000, currency="EUR", order_id="till-3/77",
                             line_items=(GIFT_CARD, MILK))  # fmt: skip
        assert earned.points == 10
        assert [item.points for item in earned.breakdown.items] == [0, 10]
        yield grocer


def test_returning_the_gift_card_by_order_id_takes_back_nothing(till):
    refund = till.refund_earn(
        order_id="till-3/77", lines=[ReturnedLine(sku="gift-900", quantity=1)]
    )
    assert (refund.points_reversed, refund.order_id) == (0, "till-3/77")
    assert till.balance(CARD).available_points == 10


def test_returning_the_milk_takes_back_all_its_points(till):
    refund = till.refund_earn(order_id="till-3/77", lines=[ReturnedLine(index=1, quantity=1)])
    assert refund.points_reversed == 10
    assert till.balance(CARD).available_points == 0
    history = till.history(member=CARD)
    refunds = [t for t in history.transactions if t.kind is TransactionKind.REFUND_EARN]
    assert [t.order_id for t in refunds] == ["till-3/77"]


def test_a_refund_by_amount_alone_still_works_as_before(till):
    earn_id = till.history(member=CARD).transactions[0].transaction_id
    refund = till.refund_earn(earn_id, amount_minor=10_000, currency="EUR")
    assert refund.points_reversed == 10  # charged against the milk first


def test_more_milk_than_was_bought_is_refused_naming_the_line(till):
    with pytest.raises(RefundExceedsOriginal) as refused:
        till.refund_earn(order_id="till-3/77", lines=[ReturnedLine(index=1, quantity=2)])
    assert refused.value.details["field"] == "lines[0]"
    assert till.balance(CARD).available_points == 10


def test_an_unknown_order_id_is_not_found(till):
    with pytest.raises(TransactionNotFound):
        till.refund_earn(order_id="never-sold", whole_receipt=True)


def test_a_returned_quantity_of_0_and_a_line_item_quantity_of_0_are_invalid(till):
    with pytest.raises(InvalidField) as refused:
        till.refund_earn(order_id="till-3/77", lines=[ReturnedLine(index=1, quantity=0)])
    assert refused.value.field_violations[0].field == "lines[0].quantity"
    with pytest.raises(InvalidField) as refused:
        till.earn(CARD, amount_minor=100, currency="EUR", order_id="zero",
                  line_items=[LineItem("milk-1", "dairy", 100, quantity=0)])  # fmt: skip
    assert refused.value.field_violations[0].field == "line_items[0].quantity"
