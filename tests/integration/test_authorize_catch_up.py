"""An authorization settles what is overdue on the member's account first, in one pass: every
expired hold in its way is released, and pending lots due are matured, each step seeing the
lots and the debt the previous one left (debt is paid once, from the first points freed)."""

from __future__ import annotations

from datetime import timedelta

from hub.domain.holds import HoldStatus
from hub.services.commands import GetHold
from tests.conftest import add_partner
from tests.integration.helpers import authorize, balance, card, earn, enroll
from tests.integration.test_debt_first import owed_and_available, refund_earn


def test_two_expired_holds_on_one_lot_are_both_released_before_the_new_hold(hub, coffee, clock):
    enroll(hub)
    earn(hub, card(), 50_000)
    first = authorize(hub, card(), 100, order_id="o1", ttl_s=60)
    second = authorize(hub, card(), 200, order_id="o2", ttl_s=60)
    clock.advance(timedelta(seconds=60))
    assert authorize(hub, card(), 500, order_id="o3").points == 500
    for hold in (first, second):
        found = hub.partner_api().get_hold(GetHold("coffee", hold.hold_id))
        assert found.status is HoldStatus.EXPIRED
    assert hub.operator.sweep().holds_expired == 0
    assert (balance(hub, card()).available_points, balance(hub, card()).held_points) == (0, 500)


def test_expired_holds_then_a_maturing_lot_pay_the_debt_in_turn(hub, clock):
    add_partner(hub, "coffee")
    add_partner(hub, "air")
    add_partner(hub, "fuel", pending_period_s=3600)
    enroll(hub)
    member = card()
    earn(hub, member, 5_000, partner_id="fuel")
    earned = earn(hub, member, 10_000)
    authorize(hub, member, 60, partner_id="air", ttl_s=60)
    authorize(hub, member, 40, partner_id="air", ttl_s=60)
    assert refund_earn(hub, earned, 10_000) == 100
    clock.advance(timedelta(seconds=3600))
    assert authorize(hub, member, 50, partner_id="air").points == 50
    assert owed_and_available(hub, member) == (0, 0)
    swept = hub.operator.sweep()
    assert (swept.holds_expired, swept.lots_matured) == (0, 0)
