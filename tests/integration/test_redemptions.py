"""Two-phase redemptions through the use cases, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from hub.domain.errors import (
    BelowMinimumRedemption,
    CaptureExceedsHold,
    CurrencyMismatch,
    ExceedsPayableAmount,
    HoldAlreadyCaptured,
    HoldAlreadyVoided,
    HoldExpired,
    HoldNotFound,
    InsufficientPoints,
    InvalidAmount,
    InvalidField,
    InvalidHoldTtl,
)
from hub.domain.holds import HoldStatus
from hub.domain.limits import HOLD_TTL_MAX_S
from hub.domain.lots import LotStatus
from hub.domain.money import Money
from hub.domain.partners import BurnRules, ExpiryPolicy
from hub.domain.purchases import LineItem
from hub.services.commands import GetHold
from tests.conftest import add_partner, rates
from tests.integration.helpers import (
    authorize,
    balance,
    capture,
    card,
    earn,
    enroll,
    row_counts,
    void,
)


@pytest.fixture
def member(hub, coffee):
    """A member with 500 points earned at the coffee partner (1 point per euro)."""
    enroll(hub)
    earn(hub, card(), 50_000)
    return card()


def test_an_authorization_holds_points_until_captured(hub, member, clock):
    hold = authorize(hub, member, 120)
    assert (hold.status, hold.points, hold.value) == (
        HoldStatus.PENDING,
        120,
        Money(120, hold.value.currency),
    )
    assert hold.expires_at == clock.now() + timedelta(minutes=15)
    after = balance(hub, member)
    assert (after.available_points, after.held_points) == (380, 120)


def test_a_capture_posts_the_points_and_a_partial_one_releases_the_rest(hub, member):
    full = authorize(hub, member, 100)
    assert capture(hub, full.hold_id).captured_points == 100
    partial = authorize(hub, member, 100)
    captured = capture(hub, partial.hold_id, 30)
    assert (captured.captured_points, captured.released_points) == (30, 70)
    after = balance(hub, member)
    assert (after.available_points, after.held_points) == (370, 0)


def test_a_void_gives_the_points_back(hub, member):
    hold = authorize(hub, member, 200)
    assert void(hub, hold.hold_id).status is HoldStatus.VOIDED
    assert balance(hub, member).available_points == 500


def test_a_hold_resolves_exactly_once(hub, member, clock):
    captured, voided, expired = (authorize(hub, member, 10) for _ in range(3))
    capture(hub, captured.hold_id)
    void(hub, voided.hold_id)
    clock.advance(timedelta(minutes=16))
    for act in (capture, void):
        with pytest.raises(HoldAlreadyCaptured):
            act(hub, captured.hold_id)
        with pytest.raises(HoldAlreadyVoided):
            act(hub, voided.hold_id)
        with pytest.raises(HoldExpired):  # before the sweeper has run
            act(hub, expired.hold_id)
    assert hub.operator.sweep().holds_expired == 1
    with pytest.raises(HoldExpired):
        capture(hub, expired.hold_id)


def test_only_the_partner_that_placed_a_hold_sees_it(hub, member):
    add_partner(hub, "fuel")
    hold = authorize(hub, member, 10)
    with pytest.raises(HoldNotFound):
        capture(hub, hold.hold_id, partner_id="fuel")
    with pytest.raises(HoldNotFound):
        void(hub, hold.hold_id, partner_id="fuel")
    with pytest.raises(HoldNotFound):
        hub.partner_api().get_hold(GetHold("fuel", hold.hold_id))
    assert hub.partner_api().get_hold(GetHold("coffee", hold.hold_id)).points == 10


def test_a_capture_is_replayed_for_the_same_key(hub, member):
    hold = authorize(hub, member, 50)
    from hub.services.commands import CaptureRedemption

    command = CaptureRedemption("coffee", "capture-1", hold.hold_id, None)
    assert hub.partner_api().capture(command) == hub.partner_api().capture(command)
    assert balance(hub, member).available_points == 450


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"points": 501}, InsufficientPoints),
        ({"points": 0}, InvalidAmount),
        ({"points": None}, InvalidField),
        ({"ttl_s": HOLD_TTL_MAX_S + 1}, InvalidHoldTtl),
        ({"ttl_s": -1}, InvalidHoldTtl),
        ({"currency_code": "USD"}, CurrencyMismatch),
        ({"amount_minor": 50}, ExceedsPayableAmount),
    ],
)
def test_a_refused_authorization_writes_nothing(hub, member, options, error):
    counts = row_counts(hub)
    options = dict(options)  # the parameters are shared by the SQLite and PostgreSQL runs
    points = options.pop("points", 100)
    with pytest.raises(error):
        authorize(hub, member, points, **options)
    assert row_counts(hub) == counts


def test_bad_captures_are_refused_and_write_nothing(hub, member):
    hold = authorize(hub, member, 100)
    counts = row_counts(hub)
    with pytest.raises(CaptureExceedsHold):
        capture(hub, hold.hold_id, 101)
    with pytest.raises(InvalidAmount):
        capture(hub, hold.hold_id, -5)
    with pytest.raises(HoldNotFound):
        capture(hub, uuid.uuid4())
    assert row_counts(hub) == counts


def test_an_amount_to_pay_is_turned_into_the_fewest_points_that_cover_it(hub, coffee):
    add_partner(hub, "air", rates=rates(burn_value="0.03"))
    enroll(hub)
    earn(hub, card(), 50_000, partner_id="coffee")
    hold = authorize(hub, card(), None, partner_id="air", pay_amount_minor=100)
    assert (hold.points, hold.value.amount_minor) == (34, 102)


def test_burn_rules_bound_what_points_may_pay(hub, coffee):
    rules = BurnRules(
        min_points=20,
        max_share=Decimal("0.5"),
        min_cash_minor=1,
        excluded_categories=frozenset({"tobacco"}),
    )
    add_partner(hub, "shop", burn_rules=rules)
    enroll(hub)
    earn(hub, card(), 500_000)
    with pytest.raises(BelowMinimumRedemption):
        authorize(hub, card(), 19, partner_id="shop")
    lines = (LineItem("cigs", "tobacco", 6_000), LineItem("bread", "food", 4_000))
    with pytest.raises(ExceedsPayableAmount):  # half of the 40.00 EUR of eligible lines is 20.00
        authorize(hub, card(), 2_001, partner_id="shop", line_items=lines)
    assert authorize(hub, card(), 2_000, partner_id="shop", line_items=lines).points == 2_000
    with pytest.raises(ExceedsPayableAmount):  # at least one cent must be paid in money
        authorize(hub, card(), 5_000, partner_id="shop", amount_minor=5_000)


def test_pending_points_cannot_be_held(hub):
    add_partner(hub, "fuel", pending_period_s=48 * 3600)
    enroll(hub, "fuel")
    earn(hub, card(), 50_000, partner_id="fuel")
    with pytest.raises(InsufficientPoints):
        authorize(hub, card(), 1, partner_id="fuel")


def test_burns_take_the_earliest_expiring_points_first(hub, clock):
    add_partner(hub, "late", expiry=ExpiryPolicy.parse("months:24"))
    add_partner(hub, "soon", expiry=ExpiryPolicy.parse("months:3"))
    add_partner(hub, "never")
    enroll(hub, "late")
    for partner_id in ("never", "late", "soon"):
        earn(hub, card(), 10_000, partner_id=partner_id)
    capture(hub, authorize(hub, card(), 150, partner_id="late").hold_id, partner_id="late")
    remaining = {lot.partner_id: lot.remaining_points for lot in hub.inspect_member(card()).lots}
    assert remaining == {"soon": 0, "late": 50, "never": 100}


def test_points_redeemed_at_another_partner_leave_the_issuers_lot(hub, member):
    add_partner(hub, "air")
    hold = authorize(hub, member, 80, partner_id="air")
    capture(hub, hold.hold_id, partner_id="air")
    [lot] = hub.inspect_member(member).lots
    assert (lot.partner_id, lot.remaining_points) == ("coffee", 420)


def test_held_points_do_not_expire_until_released(hub, clock):
    add_partner(hub, "soon", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "soon")
    earn(hub, card(), 10_000, partner_id="soon")  # expires in 30 days
    clock.advance(timedelta(days=28))
    hold = authorize(hub, card(), 40, partner_id="soon", ttl_s=HOLD_TTL_MAX_S)
    clock.advance(timedelta(days=3))
    assert hub.operator.sweep().lots_expired == 1
    assert (balance(hub, card()).available_points, balance(hub, card()).held_points) == (0, 40)
    void(hub, hold.hold_id, partner_id="soon")
    assert hub.operator.sweep().lots_expired == 1
    [lot] = hub.inspect_member(card()).lots
    assert (lot.remaining_points, lot.reserved_points) == (0, 0)


def test_the_sweeper_matures_pending_points_after_their_period(hub, clock):
    add_partner(hub, "fuel", pending_period_s=48 * 3600)
    enroll(hub, "fuel")
    earn(hub, card(), 20_000, partner_id="fuel")
    clock.advance(timedelta(hours=47))
    assert hub.operator.sweep().lots_matured == 0
    clock.advance(timedelta(hours=1))
    assert hub.operator.sweep().lots_matured == 1
    after = balance(hub, card())
    assert (after.available_points, after.pending_points) == (200, 0)
    assert hub.inspect_member(card()).lots[0].status is LotStatus.AVAILABLE


def test_expired_points_go_to_breakage_and_the_balance_warned_of_them(hub, clock):
    add_partner(hub, "soon", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "soon")
    earn(hub, card(), 10_000, partner_id="soon")
    clock.advance(timedelta(days=2))
    assert balance(hub, card()).expiring_points == 100
    clock.advance(timedelta(days=30))
    assert hub.operator.sweep().lots_expired == 1
    assert balance(hub, card()).available_points == 0
