"""The partner flows through the SDK against a real hub server: what a till sees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from partner_sdk import (
    CaptureExceedsHold,
    DuplicateOrder,
    HoldAlreadyCaptured,
    HoldExpired,
    HoldNotFound,
    HoldStatus,
    HubClient,
    Identifier,
    InsufficientPoints,
    LineItem,
    PointsStatus,
    RefundExceedsOriginal,
    TransactionNotFound,
)
from tests.conftest import add_partner

CARD = Identifier.card("4000 1234 1234 1234")


@pytest.fixture
def tills(hub, target):
    add_partner(hub, "coffee")
    add_partner(hub, "air", pending_period_s=0)
    with (
        HubClient(target, partner_id="coffee") as coffee,
        HubClient(target, partner_id="air") as air,
    ):
        yield coffee, air


def test_a_member_earns_at_one_partner_and_redeems_at_another(tills):
    coffee, air = tills
    coffee.enroll(CARD)
    earned = coffee.earn(
        CARD,
        amount_minor=50_000,
        currency="EUR",
        order_id="c-1",
        line_items=[LineItem("beans", "coffee", 50_000)],
    )
    assert (earned.points, earned.status) == (500, PointsStatus.AVAILABLE)
    hold = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=300)
    assert (hold.status, hold.points, air.balance(CARD).held_points) == (
        HoldStatus.PENDING,
        300,
        300,
    )
    captured = air.capture(hold.hold_id, points=250)
    assert (captured.captured_points, captured.released_points, captured.value.amount_minor) == (
        250,
        50,
        250,
    )
    assert air.balance(CARD).available_points == 250
    with pytest.raises(HoldAlreadyCaptured) as caught:
        air.capture(hold.hold_id)
    assert caught.value.request_id


def test_a_till_is_told_exactly_why_a_redemption_is_refused(tills, clock):
    coffee, air = tills
    coffee.enroll(CARD)
    earned = coffee.earn(CARD, amount_minor=10_000, currency="EUR", order_id="c-1")
    with pytest.raises(InsufficientPoints):
        air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=101)
    hold = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-2", points=50)
    with pytest.raises(HoldNotFound):
        coffee.capture(hold.hold_id)
    with pytest.raises(CaptureExceedsHold):
        air.capture(hold.hold_id, points=51)
    with pytest.raises(DuplicateOrder):
        coffee.earn(CARD, amount_minor=10_000, currency="EUR", order_id="c-1")
    with pytest.raises(TransactionNotFound):
        air.refund_earn(earned.transaction_id, amount_minor=100, currency="EUR")
    clock.advance(timedelta(minutes=16))
    with pytest.raises(HoldExpired):
        air.capture(hold.hold_id)


def test_refunds_through_the_sdk(tills):
    coffee, air = tills
    coffee.enroll(CARD)
    earned = coffee.earn(CARD, amount_minor=10_000, currency="EUR", order_id="c-1")
    hold = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=60)
    air.capture(hold.hold_id)
    returned = air.refund_redemption(hold.hold_id, points=20)
    assert (returned.points_returned, returned.points_expired) == (20, 0)
    with pytest.raises(RefundExceedsOriginal):
        air.refund_redemption(hold.hold_id, points=41)
    reversed_ = coffee.refund_earn(earned.transaction_id, amount_minor=10_000, currency="EUR")
    assert (reversed_.available_points_reversed, reversed_.debt_points) == (60, 40)
    assert coffee.balance(CARD).debt_points == 40
    assert (
        coffee.earn(CARD, amount_minor=2_500, currency="EUR", order_id="c-2").debt_paid_points == 25
    )
    kinds = [t.kind.value for t in coffee.iter_history()]
    assert kinds == ["earn", "refund_earn", "earn"]


def test_a_void_and_a_refunded_redemption_say_what_paid_the_members_debt(tills):
    coffee, air = tills
    coffee.enroll(CARD)
    earned = coffee.earn(CARD, amount_minor=10_000, currency="EUR", order_id="c-1")
    held = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=60)
    spent = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-2", points=40)
    air.capture(spent.hold_id)
    owed = coffee.refund_earn(earned.transaction_id, amount_minor=10_000, currency="EUR")
    assert owed.debt_points == 100
    assert air.void(held.hold_id).debt_paid_points == 60
    assert air.refund_redemption(spent.hold_id, points=40).debt_paid_points == 40
    after = coffee.balance(CARD)
    assert (after.debt_points, after.available_points) == (0, 0)


def test_a_partial_capture_says_what_of_the_rest_paid_the_members_debt(tills):
    coffee, air = tills
    coffee.enroll(CARD)
    earned = coffee.earn(CARD, amount_minor=10_000, currency="EUR", order_id="c-1")
    held = air.authorize(CARD, amount_minor=20_000, currency="EUR", order_id="a-1", points=100)
    assert (
        coffee.refund_earn(earned.transaction_id, amount_minor=4_000, currency="EUR").debt_points
        == 40
    )
    captured = air.capture(held.hold_id, points=50)
    assert (captured.released_points, captured.debt_paid_points) == (50, 40)
    assert coffee.balance(CARD).available_points == 10


def test_a_voided_hold_reads_back_as_voided(tills):
    coffee, air = tills
    coffee.enroll(CARD)
    coffee.earn(CARD, amount_minor=10_000, currency="EUR", order_id="c-1")
    hold = air.authorize(
        CARD, amount_minor=5_000, currency="EUR", order_id="a-1", pay_amount_minor=50
    )
    assert air.void(hold.hold_id).status is HoldStatus.VOIDED
    assert air.get_hold(hold.hold_id).resolved_at is not None
    assert air.balance(CARD).available_points == 100
