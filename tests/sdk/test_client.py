from __future__ import annotations

from decimal import Decimal

import grpc
import pytest

from coalition.hub.v1 import common_pb2
from partner_sdk import (
    HubClient,
    Identifier,
    LineItem,
    Money,
    PointOfSale,
    PointsStatus,
    TransactionKind,
    Unavailable,
)

from .fakes import LATER, NOW, FakePartnerService


def test_ping_returns_the_hubs_clock(fake_hub: FakePartnerService, client: HubClient) -> None:
    assert client.ping() == NOW


def test_enroll_sends_every_identifier_and_returns_the_member(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    member = client.enroll(Identifier.card("4000123456789010"), Identifier.app_id("u-42"))

    kinds = [i.kind for i in fake_hub.received[0].request.identifiers]
    assert kinds == [common_pb2.IDENTIFIER_KIND_CARD, common_pb2.IDENTIFIER_KIND_APP_ID]
    assert (member.member_id, member.status, member.enrolled_at) == ("m_1", "active", NOW)


def test_lookup_and_balance_name_the_member_by_identifier(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    client.lookup(Identifier.phone("+4915112345678"))
    balance = client.balance(Identifier.phone("+4915112345678"))

    refs = [r.request.member.identifier.value for r in fake_hub.received]
    assert refs == ["+4915112345678", "+4915112345678"]
    assert (balance.available_points, balance.pending_points, balance.held_points) == (120, 105, 20)
    assert balance.expiring_before is None
    assert balance.as_of == NOW


def test_earn_sends_the_purchase_and_returns_what_was_earned(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    earned = client.earn(
        "m_1",
        amount_minor=1050,
        currency="EUR",
        order_id="receipt-9",
        line_items=[LineItem("latte", "coffee", 1050)],
        point_of_sale=PointOfSale(channel="pos", store_id="berlin-1"),
    )

    request = fake_hub.received[0].request
    assert (request.member.member_id, request.order_id) == ("m_1", "receipt-9")
    assert request.purchase == common_pb2.Money(amount_minor=1050, currency="EUR")
    assert request.line_items[0].quantity == 1
    assert request.point_of_sale.store_id == "berlin-1"
    assert (earned.points, earned.status, earned.available_at) == (105, PointsStatus.PENDING, LATER)
    assert earned.rates.earn_rate == Decimal("0.1")


def test_quote_earn_and_quote_burn_return_their_own_results(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    earn = client.quote_earn(amount_minor=1050, currency="EUR", member="m_1")
    burn = client.quote_burn(points=500)

    assert (earn.points, earn.status, earn.expires_at, earn.quoted_at) == (
        105,
        "available",
        LATER,
        NOW,
    )
    assert (burn.points, burn.value) == (500, Money(5, "EUR"))
    assert [r.request.WhichOneof("operation") for r in fake_hub.received] == ["earn", "burn"]


def test_history_returns_one_page_and_its_token(client: HubClient) -> None:
    page = client.history(page_size=2)

    assert [t.transaction_id for t in page.transactions] == ["t_3", "t_2"]
    assert page.next_page_token == "page-2"
    assert page.transactions[0].kind is TransactionKind.EARN
    assert page.transactions[0].purchase == Money(1000, "EUR")


def test_iter_history_walks_every_page(fake_hub: FakePartnerService, client: HubClient) -> None:
    ids = [t.transaction_id for t in client.iter_history(member="m_1", page_size=2)]

    assert ids == ["t_3", "t_2", "t_1"]
    assert [r.request.page_token for r in fake_hub.received] == ["", "page-2"]
    assert {r.request.page_size for r in fake_hub.received} == {2}


def test_add_identifier_names_the_member_by_id(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    client.add_identifier("m_1", Identifier.card("4000123456789010"))

    request = fake_hub.received[0].request
    assert (request.member_id, request.identifier.value) == ("m_1", "4000123456789010")


def test_a_closed_client_refuses_calls(fake_hub: FakePartnerService) -> None:
    with HubClient(fake_hub.target, partner_id="coffee") as client:
        client.ping()

    with pytest.raises(ValueError, match="closed"):
        client.ping()


def test_a_client_needs_a_partner_id_and_a_positive_timeout(fake_hub: FakePartnerService) -> None:
    with pytest.raises(ValueError, match="partner_id"):
        HubClient(fake_hub.target, partner_id="")
    with pytest.raises(ValueError, match="timeout_s"):
        HubClient(fake_hub.target, partner_id="coffee", timeout_s=0)


def test_channel_credentials_are_used_when_given(fake_hub: FakePartnerService) -> None:
    # Real TLS comes with mTLS; here it is enough that a secure channel cannot talk plaintext.
    credentials = grpc.ssl_channel_credentials()
    client = HubClient(fake_hub.target, partner_id="coffee", credentials=credentials, retry=None)
    with client, pytest.raises(Unavailable) as raised:
        client.ping(timeout_s=2)

    assert raised.value.code == grpc.StatusCode.UNAVAILABLE
