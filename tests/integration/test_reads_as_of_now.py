"""Reads as of the call's time, whether or not the sweeper has run (SQLite and PostgreSQL).

Each test moves the clock past an expiry or a pending period without sweeping, checks what
every read says, then sweeps and checks that the reads have not changed: the sweeper only
makes the ledger catch up with what the reads already showed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.domain.errors import InsufficientPoints
from hub.domain.holds import HoldStatus
from hub.domain.limits import HOLD_TTL_MAX_S
from hub.domain.lots import LotStatus
from hub.domain.partners import ExpiryPolicy
from hub.services.commands import GetAccount, GetBalance, GetHold
from tests.conftest import add_partner
from tests.integration.helpers import authorize, balance, capture, card, earn, enroll, void
from tests.integration.test_refunds import refund_earn


def figures(hub, partner_id="coffee"):
    """(available, held, pending, debt, expiring) as the till's balance call reads them."""
    view = hub.partner_api().balance(GetBalance(partner_id, card()))
    return (
        view.available_points,
        view.held_points,
        view.pending_points,
        view.debt_points,
        view.expiring_points,
    )


def swept_without_changing_the_reads(hub, partner_id="coffee"):
    before = figures(hub, partner_id)
    report = hub.operator.sweep()
    assert figures(hub, partner_id) == before
    return report


@pytest.fixture
def member(hub, coffee):
    """500 points at coffee, available at once, never expiring."""
    enroll(hub)
    earn(hub, card(), 50_000)
    return card()


def test_a_hold_past_its_expiry_reads_expired_and_frees_its_points_before_the_sweep(
    hub, member, clock
):
    hold = authorize(hub, member, 120, ttl_s=60)
    clock.advance(timedelta(seconds=60))
    got = hub.partner_api().get_hold(GetHold("coffee", hold.hold_id))
    assert got.status is HoldStatus.EXPIRED
    assert figures(hub)[:2] == (500, 0)
    summary = hub.inspect_member(member)
    assert [h.status for h in summary.holds] == [HoldStatus.EXPIRED]
    assert (summary.balance.available_points, summary.balance.held_points) == (500, 0)
    assert [lot.reserved_points for lot in summary.lots] == [0]
    assert swept_without_changing_the_reads(hub).holds_expired == 1


def test_a_hold_a_second_before_its_expiry_still_reads_pending(hub, member, clock):
    hold = authorize(hub, member, 120, ttl_s=60)
    clock.advance(timedelta(seconds=59))
    assert hub.partner_api().get_hold(GetHold("coffee", hold.hold_id)).status is (
        HoldStatus.PENDING
    )
    assert figures(hub)[:2] == (380, 120)


def test_the_points_of_an_expired_unswept_hold_can_be_held_again(hub, member, clock):
    first = authorize(hub, member, 500, ttl_s=60)
    clock.advance(timedelta(seconds=60))
    second = authorize(hub, member, 500)
    assert second.status is HoldStatus.PENDING
    assert hub.partner_api().get_hold(GetHold("coffee", first.hold_id)).status is (
        HoldStatus.EXPIRED
    )
    assert figures(hub)[:2] == (0, 500)
    assert swept_without_changing_the_reads(hub).holds_expired == 0


def test_points_past_their_expiry_are_not_available_before_the_sweep(hub, clock):
    add_partner(hub, "soon", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "soon")
    earn(hub, card(), 10_000, partner_id="soon")
    clock.advance(timedelta(days=2))
    assert figures(hub, "soon") == (100, 0, 0, 0, 100)
    clock.advance(timedelta(days=29))
    assert figures(hub, "soon") == (0, 0, 0, 0, 0)
    [lot] = hub.inspect_member(card()).lots
    assert (lot.remaining_points, lot.reserved_points) == (0, 0)
    with pytest.raises(InsufficientPoints):
        authorize(hub, card(), 1, partner_id="soon")
    assert swept_without_changing_the_reads(hub, "soon").lots_expired == 1


def test_held_points_on_an_expired_lot_stay_held_and_expire_once_released(hub, clock):
    add_partner(hub, "soon", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "soon")
    earn(hub, card(), 10_000, partner_id="soon")  # expires in 30 days
    clock.advance(timedelta(days=28))
    hold = authorize(hub, card(), 40, partner_id="soon", ttl_s=HOLD_TTL_MAX_S)
    clock.advance(timedelta(days=3))
    assert figures(hub, "soon")[:2] == (0, 40)
    void(hub, hold.hold_id, partner_id="soon")
    assert figures(hub, "soon")[:2] == (0, 0)
    assert swept_without_changing_the_reads(hub, "soon").lots_expired == 1


def test_the_points_of_an_expired_unswept_hold_count_as_expiring_soon(hub, clock):
    add_partner(hub, "soon", expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "soon")
    earn(hub, card(), 10_000, partner_id="soon")
    clock.advance(timedelta(days=2))  # within the balance's expiring window
    authorize(hub, card(), 40, partner_id="soon", ttl_s=60)
    assert figures(hub, "soon") == (60, 40, 0, 0, 60)
    clock.advance(timedelta(seconds=60))
    assert figures(hub, "soon") == (100, 0, 0, 0, 100)
    swept_without_changing_the_reads(hub, "soon")


def test_pending_points_past_their_period_read_available_before_the_sweep(hub, clock):
    add_partner(hub, "fuel", pending_period_s=48 * 3600)
    enroll(hub, "fuel")
    earn(hub, card(), 20_000, partner_id="fuel")
    clock.advance(timedelta(hours=47))
    assert figures(hub, "fuel")[:3] == (0, 0, 200)
    clock.advance(timedelta(hours=1))
    assert figures(hub, "fuel")[:3] == (200, 0, 0)
    assert [lot.status for lot in hub.inspect_member(card()).lots] == [LotStatus.AVAILABLE]
    assert swept_without_changing_the_reads(hub, "fuel").lots_matured == 1


def test_pending_points_past_their_period_can_be_held_before_the_sweep(hub, clock):
    add_partner(hub, "fuel", pending_period_s=48 * 3600)
    enroll(hub, "fuel")
    earn(hub, card(), 20_000, partner_id="fuel")
    with pytest.raises(InsufficientPoints):
        authorize(hub, card(), 150, partner_id="fuel")
    clock.advance(timedelta(hours=48))
    assert authorize(hub, card(), 150, partner_id="fuel").points == 150
    assert figures(hub, "fuel")[:3] == (50, 150, 0)
    assert swept_without_changing_the_reads(hub, "fuel").lots_matured == 0


def test_pending_points_that_matured_and_expired_unswept_are_gone(hub, clock):
    add_partner(hub, "fuel", pending_period_s=48 * 3600, expiry=ExpiryPolicy.parse("months:1"))
    enroll(hub, "fuel")
    earn(hub, card(), 20_000, partner_id="fuel")
    clock.advance(timedelta(days=40))
    assert figures(hub, "fuel") == (0, 0, 0, 0, 0)
    report = swept_without_changing_the_reads(hub, "fuel")
    assert (report.lots_matured, report.lots_expired) == (1, 1)


def test_matured_points_pay_the_members_debt_first_in_the_read(hub, coffee, clock):
    add_partner(hub, "fuel", pending_period_s=48 * 3600)
    add_partner(hub, "air")
    enroll(hub)
    earned = earn(hub, card(), 10_000)  # 100 available at coffee
    earn(hub, card(), 20_000, partner_id="fuel")  # 200 pending at fuel
    capture(hub, authorize(hub, card(), 80, partner_id="air").hold_id, partner_id="air")
    refund_earn(hub, earned.transaction_id, 10_000)  # 20 reversed, 80 owed
    assert figures(hub)[:4] == (0, 0, 200, 80)
    clock.advance(timedelta(hours=48))
    assert figures(hub)[:4] == (120, 0, 0, 0)
    assert sum(lot.remaining_points for lot in hub.inspect_member(card()).lots) == 120
    assert swept_without_changing_the_reads(hub).lots_matured == 1


def test_a_hold_of_matured_unswept_points_pays_the_members_debt_first(hub, coffee, clock):
    add_partner(hub, "fuel", pending_period_s=48 * 3600)
    add_partner(hub, "air")
    enroll(hub)
    earned = earn(hub, card(), 10_000)
    earn(hub, card(), 20_000, partner_id="fuel")
    capture(hub, authorize(hub, card(), 80, partner_id="air").hold_id, partner_id="air")
    refund_earn(hub, earned.transaction_id, 10_000)  # 80 owed
    clock.advance(timedelta(hours=48))
    with pytest.raises(InsufficientPoints):  # 200 matured, 80 of them pay the debt
        authorize(hub, card(), 121, partner_id="air")
    authorize(hub, card(), 120, partner_id="air")
    assert figures(hub)[:4] == (0, 120, 0, 0)
    assert swept_without_changing_the_reads(hub).lots_matured == 0


def test_an_expired_holds_points_pay_the_members_debt_first_in_the_read(hub, coffee, clock):
    add_partner(hub, "air")
    enroll(hub)
    earned = earn(hub, card(), 10_000)
    authorize(hub, card(), 100, partner_id="air", ttl_s=60)
    refund_earn(hub, earned.transaction_id, 10_000)  # the held 100 cannot be taken back
    assert figures(hub)[:4] == (0, 100, 0, 100)
    clock.advance(timedelta(seconds=60))
    assert figures(hub)[:4] == (0, 0, 0, 0)
    assert swept_without_changing_the_reads(hub).holds_expired == 1


def test_an_analysts_view_of_the_account_reads_as_of_now(hub, member, clock):
    add_partner(hub, "fuel", pending_period_s=3600)
    earn(hub, card(), 10_000, partner_id="fuel")
    authorize(hub, member, 200, ttl_s=60)
    clock.advance(timedelta(hours=1))
    view = hub.fraud_api().account(GetAccount(balance(hub, member).member_id))
    assert (view.available_points, view.pending_points) == (600, 0)
    assert [hold.status for hold in view.holds] == [HoldStatus.EXPIRED]
    assert {lot.status for lot in view.lots} == {LotStatus.AVAILABLE}
