"""Refund requests and line items from the wire: what is left out and what is set to zero
are told apart."""

import uuid

import pytest

from coalition.hub.v1 import common_pb2, partner_pb2
from hub.api import convert
from hub.domain.currencies import currency
from hub.domain.errors import InvalidField
from hub.domain.money import Money
from hub.domain.purchases import line_items
from hub.domain.receipt_lines import ReturnedLine


def test_a_line_item_without_a_quantity_is_one_and_a_quantity_of_0_is_refused() -> None:
    left_out = common_pb2.LineItem(sku="milk", category="dairy", amount_minor=100)
    zero = common_pb2.LineItem(sku="milk", category="dairy", amount_minor=100, quantity=0)
    assert convert.line_items([left_out])[0].quantity == 1
    parsed = convert.line_items([left_out, zero])
    with pytest.raises(InvalidField) as refused:
        line_items(parsed, _eur(200))
    assert refused.value.field == "line_items[1].quantity"


def _eur(amount_minor: int) -> Money:
    return Money(amount_minor, currency("EUR"))


def test_a_refund_request_keeps_which_line_and_size_fields_were_set() -> None:
    request = partner_pb2.RefundEarnRequest(
        idempotency_key="k-1",
        order_id="till-1/9",
        lines=[partner_pb2.ReturnedLine(sku="milk", quantity=0)],
    )
    command = convert.refund_earn(request, "grocer")
    assert (command.transaction_id, command.order_id, command.amount) == (None, "till-1/9", None)
    assert command.lines == (ReturnedLine(0, sku="milk", quantity=0),)


def test_a_refund_request_by_transaction_id_and_amount_reads_as_before() -> None:
    earn_id = uuid.uuid4()
    request = partner_pb2.RefundEarnRequest(
        idempotency_key="k-1",
        transaction_id=str(earn_id),
        amount=common_pb2.Money(amount_minor=500, currency="EUR"),
    )
    command = convert.refund_earn(request, "grocer")
    assert (command.transaction_id, command.amount, command.lines) == (earn_id, _eur(500), ())
