"""Holds, captures, voids and refunds through the sync client, against the fake hub."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coalition.hub.v1 import common_pb2
from partner_sdk import HoldStatus, HubClient, Identifier, LineItem, Money, PointOfSale

from .fakes import LATER, NOW, FakePartnerService


def test_authorize_by_points_sends_the_receipt_and_the_points(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    client.authorize(
        Identifier.card("4000123456789010"),
        amount_minor=800,
        currency="EUR",
        order_id="receipt-9",
        points=300,
        line_items=[LineItem("latte", "coffee", 800)],
        ttl_s=120,
        point_of_sale=PointOfSale(channel="pos", terminal_id="till-2"),
        idempotency_key="till-2-receipt-9",
    )

    (received,) = fake_hub.received
    request = received.request
    assert received.method == "AuthorizeRedemption"
    assert request.idempotency_key == "till-2-receipt-9"
    assert request.member.identifier.value == "4000123456789010"
    assert request.purchase == common_pb2.Money(amount_minor=800, currency="EUR")
    assert (request.order_id, request.ttl_s) == ("receipt-9", 120)
    assert request.WhichOneof("payment") == "points"
    assert request.points == 300
    assert request.line_items[0].sku == "latte"
    assert request.point_of_sale.terminal_id == "till-2"


def test_authorize_by_amount_pays_part_of_the_receipt_in_its_currency(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    client.authorize("m_1", amount_minor=800, currency="EUR", order_id="o-1", pay_amount_minor=250)

    request = fake_hub.received[0].request
    assert request.WhichOneof("payment") == "amount"
    assert request.amount == common_pb2.Money(amount_minor=250, currency="EUR")
    assert request.member.member_id == "m_1"


def test_authorize_without_a_ttl_sends_zero_for_the_partners_default(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    client.authorize("m_1", amount_minor=800, currency="EUR", order_id="o-1", points=300)

    request = fake_hub.received[0].request
    assert request.ttl_s == 0
    assert not request.HasField("point_of_sale")
    assert request.idempotency_key


@pytest.mark.parametrize(
    "payment",
    [{}, {"points": 300, "pay_amount_minor": 250}, {"points": 0, "pay_amount_minor": 0}],
)
def test_authorize_needs_exactly_one_of_points_and_pay_amount_and_sends_nothing_otherwise(
    fake_hub: FakePartnerService, client: HubClient, payment: dict[str, int]
) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        client.authorize("m_1", amount_minor=800, currency="EUR", order_id="o-1", **payment)

    assert fake_hub.received == []


def test_authorize_returns_the_pending_hold(client: HubClient) -> None:
    hold = client.authorize("m_1", amount_minor=800, currency="EUR", order_id="o-1", points=300)

    assert hold.status is HoldStatus.PENDING
    assert (hold.hold_id, hold.member_id, hold.order_id) == ("h_1", "m_1", "o-1")
    assert (hold.points, hold.value, hold.captured_points) == (300, Money(300, "EUR"), 0)
    assert (hold.created_at, hold.expires_at, hold.resolved_at) == (NOW, LATER, None)
    assert hold.rates.burn_value == Decimal("0.01")
    assert hold.transaction_id == "t_h1"


def test_capture_without_points_sends_zero_to_capture_the_whole_hold(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    capture = client.capture("h_1")

    request = fake_hub.received[0].request
    assert (request.hold_id, request.points) == ("h_1", 0)
    assert request.idempotency_key
    assert (capture.transaction_id, capture.hold_id) == ("t_c1", "h_1")
    assert (capture.captured_points, capture.released_points) == (200, 100)
    assert (capture.value, capture.captured_at) == (Money(200, "EUR"), NOW)


def test_capture_of_some_points_sends_them(fake_hub: FakePartnerService, client: HubClient) -> None:
    client.capture("h_1", points=200, idempotency_key="cap-1")

    request = fake_hub.received[0].request
    assert (request.points, request.idempotency_key) == (200, "cap-1")


def test_capture_of_zero_points_is_refused_rather_than_capturing_everything(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    with pytest.raises(ValueError, match="None captures the whole hold"):
        client.capture("h_1", points=0)

    assert fake_hub.received == []


def test_void_returns_the_voided_hold_with_its_resolution_time(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    hold = client.void("h_1", idempotency_key="void-1")

    request = fake_hub.received[0].request
    assert (request.hold_id, request.idempotency_key) == ("h_1", "void-1")
    assert (hold.status, hold.resolved_at) == (HoldStatus.VOIDED, NOW)


def test_get_hold_names_the_hold_and_writes_nothing(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    hold = client.get_hold("h_1")

    (received,) = fake_hub.received
    assert (received.method, received.request.hold_id) == ("GetHold", "h_1")
    assert hold.status == "pending"


def test_get_hold_by_order_id_sends_only_the_order_id(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    client.get_hold(order_id="receipt-9")

    (received,) = fake_hub.received
    assert (received.request.hold_id, received.request.order_id) == ("", "receipt-9")


@pytest.mark.parametrize("names", [{}, {"hold_id": "h_1", "order_id": "receipt-9"}])
def test_get_hold_takes_exactly_one_of_hold_id_and_order_id(
    fake_hub: FakePartnerService, client: HubClient, names: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        client.get_hold(**names)
    assert fake_hub.received == []


def test_refund_earn_sends_the_refunded_money_and_splits_the_points_reversed(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    refund = client.refund_earn("t_1", amount_minor=500, currency="EUR")

    request = fake_hub.received[0].request
    assert request.transaction_id == "t_1"
    assert request.amount == common_pb2.Money(amount_minor=500, currency="EUR")
    assert request.idempotency_key
    assert (refund.transaction_id, refund.earn_transaction_id) == ("t_r1", "t_1")
    assert refund.points_reversed == 50
    assert (refund.pending_points_cancelled, refund.available_points_reversed) == (20, 25)
    assert (refund.debt_points, refund.created_at) == (5, NOW)


def test_refund_redemption_sends_the_points_and_returns_what_went_back(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    refund = client.refund_redemption("h_1", points=100, idempotency_key="rr-1")

    request = fake_hub.received[0].request
    assert (request.hold_id, request.points, request.idempotency_key) == ("h_1", 100, "rr-1")
    assert (refund.transaction_id, refund.hold_id) == ("t_r2", "h_1")
    assert (refund.points_returned, refund.points_expired, refund.created_at) == (80, 20, NOW)


def test_balance_carries_the_members_debt(client: HubClient) -> None:
    assert client.balance("m_1").debt_points == 7
