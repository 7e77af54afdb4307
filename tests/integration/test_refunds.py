"""Refunds of earns and of redemptions, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from hub.domain.currencies import currency
from hub.domain.errors import RefundExceedsOriginal, TransactionNotFound
from hub.domain.money import Money
from hub.domain.partners import ExpiryPolicy
from hub.services.commands import RefundEarn, RefundRedemption
from tests.conftest import add_partner
from tests.integration.helpers import authorize, balance, capture, card, earn, enroll, row_counts

EUR = currency("EUR")


def refund_earn(hub, transaction_id, amount_minor, *, partner_id="coffee", key=None):
    command = RefundEarn(
        partner_id, key or uuid.uuid4().hex, transaction_id, Money(amount_minor, EUR)
    )
    return hub.partner_api().refund_earn(command)


def refund_redemption(hub, hold_id, points, *, partner_id="coffee", key=None):
    command = RefundRedemption(partner_id, key or uuid.uuid4().hex, hold_id, points)
    return hub.partner_api().refund_redemption(command)


@pytest.fixture
def receipt(hub, coffee):
    """A 19.99 EUR purchase that earned 19 points."""
    enroll(hub)
    return earn(hub, card(), 1_999)


def test_a_full_refund_reverses_every_point(hub, receipt):
    refunded = refund_earn(hub, receipt.transaction_id, 1_999)
    assert (refunded.points_reversed, refunded.available_points_reversed, refunded.debt_points) == (
        19,
        19,
        0,
    )
    assert balance(hub, card()).available_points == 0


def test_partial_refunds_round_in_the_books_favour_and_add_up_to_the_earn(hub, receipt):
    first = refund_earn(hub, receipt.transaction_id, 1_000)  # half of 19 points, rounded up
    second = refund_earn(hub, receipt.transaction_id, 999)
    assert (first.points_reversed, second.points_reversed) == (10, 9)


def test_refunds_never_exceed_the_purchase(hub, receipt):
    refund_earn(hub, receipt.transaction_id, 1_500)
    counts = row_counts(hub)
    with pytest.raises(RefundExceedsOriginal):
        refund_earn(hub, receipt.transaction_id, 500)
    assert row_counts(hub) == counts


def test_only_the_earning_partner_may_refund_it(hub, receipt):
    add_partner(hub, "fuel")
    with pytest.raises(TransactionNotFound):
        refund_earn(hub, receipt.transaction_id, 100, partner_id="fuel")
    with pytest.raises(TransactionNotFound):
        refund_earn(hub, uuid.uuid4(), 100)


def test_a_refund_is_replayed_for_the_same_key(hub, receipt):
    first = refund_earn(hub, receipt.transaction_id, 500, key="refund-1")
    assert refund_earn(hub, receipt.transaction_id, 500, key="refund-1") == first
    assert balance(hub, card()).available_points == 19 - first.points_reversed


def test_pending_points_are_cancelled(hub):
    add_partner(hub, "fuel", pending_period_s=48 * 3600)
    enroll(hub, "fuel")
    earned = earn(hub, card(), 5_000, partner_id="fuel")
    refunded = refund_earn(hub, earned.transaction_id, 5_000, partner_id="fuel")
    assert (refunded.pending_points_cancelled, balance(hub, card()).pending_points) == (50, 0)


def test_spent_points_leave_a_debt_that_the_next_earn_pays_first(hub, coffee):
    add_partner(hub, "air")
    enroll(hub)
    earned = earn(hub, card(), 10_000)
    capture(hub, authorize(hub, card(), 80, partner_id="air").hold_id, partner_id="air")
    refunded = refund_earn(hub, earned.transaction_id, 10_000)
    assert (refunded.available_points_reversed, refunded.debt_points) == (20, 80)
    assert balance(hub, card()).debt_points == 80
    later = earn(hub, card(), 5_000)
    assert (later.points, later.debt_paid_points) == (50, 50)
    assert (balance(hub, card()).debt_points, balance(hub, card()).available_points) == (30, 0)
    earn(hub, card(), 4_000)
    assert (balance(hub, card()).debt_points, balance(hub, card()).available_points) == (0, 10)


def test_a_refund_after_the_points_expired_takes_them_from_breakage_not_the_member(hub, clock):
    add_partner(hub, "soon", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "soon")
    earned = earn(hub, card(), 10_000, partner_id="soon")
    clock.advance(timedelta(days=31))
    hub.operator.sweep()
    refunded = refund_earn(hub, earned.transaction_id, 10_000, partner_id="soon")
    assert (refunded.points_reversed, refunded.debt_points) == (100, 0)
    assert balance(hub, card()).debt_points == 0


def test_a_refunded_redemption_gives_points_back_to_their_lots(hub, receipt):
    add_partner(hub, "air")
    hold = authorize(hub, card(), 15, partner_id="air")
    capture(hub, hold.hold_id, partner_id="air")
    refunded = refund_redemption(hub, hold.hold_id, 10, partner_id="air")
    assert (refunded.points_returned, refunded.points_expired) == (10, 0)
    [lot] = hub.inspect_member(card()).lots
    assert lot.remaining_points == 19 - 15 + 10
    with pytest.raises(RefundExceedsOriginal):
        refund_redemption(hub, hold.hold_id, 6, partner_id="air")
    refund_redemption(hub, hold.hold_id, 5, partner_id="air")
    assert balance(hub, card()).available_points == 19


def test_points_whose_lot_expired_meanwhile_go_to_breakage(hub, clock):
    add_partner(hub, "soon", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "soon")
    earn(hub, card(), 10_000, partner_id="soon")
    hold = authorize(hub, card(), 30, partner_id="soon")
    capture(hub, hold.hold_id, partner_id="soon")
    clock.advance(timedelta(days=31))
    refunded = refund_redemption(hub, hold.hold_id, 30, partner_id="soon")
    assert (refunded.points_returned, refunded.points_expired) == (0, 30)


def test_an_uncaptured_hold_has_nothing_to_refund(hub, receipt):
    hold = authorize(hub, card(), 5)
    with pytest.raises(RefundExceedsOriginal):
        refund_redemption(hub, hold.hold_id, 1)
