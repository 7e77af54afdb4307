"""A till that lost an authorize's answer finds its hold by order id, through the SDK against a
real hub server; a second hold for an open order is refused naming the first."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from coalition.hub.v1 import partner_pb2
from partner_sdk import DuplicateOrder, HoldNotFound, HoldStatus, HubClient, Identifier
from tests.conftest import add_partner
from tests.e2e.test_grpc_edge import COFFEE, details_of

CARD = Identifier.card("4000 1234 1234 1234")


@pytest.fixture
def till(hub, target):
    add_partner(hub, "coffee")
    with HubClient(target, partner_id="coffee") as coffee:
        coffee.enroll(CARD)
        coffee.earn(CARD, amount_minor=50_000, currency="EUR", order_id="earn-1")
        yield coffee


def test_a_till_that_lost_the_answer_finds_its_hold_by_order_id(till):
    hold = till.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="r-9", points=300)
    found = till.get_hold(order_id="r-9")
    assert (found.hold_id, found.status, found.points) == (hold.hold_id, HoldStatus.PENDING, 300)
    with pytest.raises(DuplicateOrder) as refused:
        till.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="r-9", points=300)
    assert refused.value.hold_id == hold.hold_id
    assert hold.hold_id in refused.value.message
    assert till.balance(CARD).held_points == 300


def test_a_hold_past_its_expiry_reads_expired_and_frees_its_order(till, clock):
    hold = till.authorize(
        CARD, amount_minor=20_000, currency="EUR", order_id="r-9", points=500, ttl_s=60
    )
    clock.advance(timedelta(seconds=60))
    assert till.get_hold(hold.hold_id).status == HoldStatus.EXPIRED
    assert till.balance(CARD).available_points == 500
    again = till.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="r-9", points=500)
    assert till.get_hold(order_id="r-9").hold_id == again.hold_id


def test_an_unknown_order_id_is_not_found(till):
    with pytest.raises(HoldNotFound):
        till.get_hold(order_id="never-held")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"hold_id": "01a2414509127103befa835dc257dd65", "order_id": "r-9"}, "order_id"),
        ({}, "hold_id"),
        ({"order_id": "r\x00"}, "order_id"),
    ],
)
def test_get_hold_by_both_or_neither_or_a_bad_order_id_is_invalid(stub, till, fields, field):
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetHold(partner_pb2.GetHoldRequest(**fields), metadata=COFFEE, timeout=5)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert details_of(caught.value)["BadRequest"].field_violations[0].field == field
