"""Reads as of now: what the sweeper will post, applied to stored rows by pure functions."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain import holds
from hub.domain.catch_up import NOTHING_OVERDUE, OverdueLot, catch_up, lots_as_of
from hub.domain.currencies import currency
from hub.domain.errors import DuplicateOrder
from hub.domain.holds import Hold, HoldStatus
from hub.domain.lots import Lot, LotStatus
from hub.domain.money import Money
from hub.domain.rates import Rates, RateVersion

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MEMBER = uuid.uuid4()
RATE = RateVersion(uuid.uuid4(), "coffee", NOW, Rates(*(Decimal(1),) * 4))


def lot(
    points: int,
    *,
    reserved: int = 0,
    status: LotStatus = LotStatus.AVAILABLE,
    available_at: datetime = NOW - DAY,
    expires_at: datetime | None = None,
) -> Lot:
    return Lot(
        uuid.uuid4(),
        MEMBER,
        "coffee",
        uuid.uuid4(),
        points,
        points,
        reserved,
        status,
        NOW - 2 * DAY,
        available_at,
        expires_at,
    )


def hold(status: HoldStatus = HoldStatus.PENDING, expires_at: datetime = NOW) -> Hold:
    return Hold(
        uuid.uuid4(),
        "coffee",
        MEMBER,
        "till-7",
        10,
        Money(10, currency("EUR")),
        RATE,
        status,
        NOW - DAY,
        expires_at,
        uuid.uuid4(),
    )


@pytest.mark.parametrize("status", [HoldStatus.PENDING, HoldStatus.IN_REVIEW])
def test_an_open_hold_reads_expired_from_its_expiry_on(status):
    assert holds.as_of(hold(status), NOW - timedelta(microseconds=1)).status is status
    assert holds.as_of(hold(status), NOW).status is HoldStatus.EXPIRED


@pytest.mark.parametrize("status", [HoldStatus.CAPTURED, HoldStatus.VOIDED, HoldStatus.DECLINED])
def test_a_resolved_hold_reads_as_it_was_resolved(status):
    assert holds.as_of(hold(status), NOW + DAY).status is status


def test_an_order_is_free_unless_its_hold_is_open_now():
    open_hold = hold(expires_at=NOW + DAY)
    holds.require_order_free(None, NOW)
    holds.require_order_free(open_hold, NOW + DAY)  # past its expiry, swept or not
    with pytest.raises(DuplicateOrder) as refused:
        holds.require_order_free(open_hold, NOW)
    assert refused.value.metadata["hold_id"] == str(open_hold.id)
    assert str(open_hold.id) in refused.value.message


def test_nothing_overdue_changes_nothing():
    assert catch_up([], 50, NOW) == NOTHING_OVERDUE


def test_released_and_matured_points_are_credited_and_expired_ones_taken():
    held = lot(100, reserved=40)
    pending = lot(30, status=LotStatus.PENDING, available_at=NOW)
    gone = lot(20, expires_at=NOW)
    caught = catch_up([OverdueLot(held, 40), OverdueLot(pending), OverdueLot(gone)], 0, NOW)
    assert (caught.released_points, caught.matured_points, caught.expired_points) == (40, 30, 20)
    assert caught.available_change_points == 40 + 30 - 20
    after = {lot.id: lot for lot in caught.lots}
    assert after[held.id].reserved_points == 0
    assert after[pending.id].status is LotStatus.AVAILABLE
    assert after[gone.id].remaining_points == 0


def test_points_under_a_live_hold_do_not_expire():
    expired_but_held = lot(100, reserved=40, expires_at=NOW - DAY)
    caught = catch_up([OverdueLot(expired_but_held)], 0, NOW)
    assert caught.expired_points == 60
    assert (caught.lots[0].remaining_points, caught.lots[0].reserved_points) == (40, 40)


def test_credits_pay_debt_first_released_points_before_matured_ones():
    held = lot(100, reserved=40, expires_at=NOW + 9 * DAY)
    pending = lot(30, status=LotStatus.PENDING, available_at=NOW)
    caught = catch_up([OverdueLot(pending), OverdueLot(held, 40)], 50, NOW)
    assert caught.debt_paid_points == 50
    after = {lot.id: lot for lot in caught.lots}
    assert (after[held.id].remaining_points, after[pending.id].remaining_points) == (60, 20)
    assert caught.available_change_points == 40 + 30 - 50


def test_a_pending_lot_that_matured_and_expired_unswept_is_gone():
    both = lot(30, status=LotStatus.PENDING, available_at=NOW - 2 * DAY, expires_at=NOW - DAY)
    caught = catch_up([OverdueLot(both)], 0, NOW)
    assert (caught.matured_points, caught.expired_points, caught.available_change_points) == (
        30,
        30,
        0,
    )


def test_expiring_points_count_only_available_lots_still_to_expire_in_the_window():
    soon = lot(10, expires_at=NOW + DAY, status=LotStatus.PENDING, available_at=NOW)
    later = lot(20, expires_at=NOW + 40 * DAY, status=LotStatus.PENDING, available_at=NOW)
    caught = catch_up([OverdueLot(soon), OverdueLot(later)], 0, NOW)
    assert caught.expiring_points(NOW, NOW + 30 * DAY) == 10


def test_lots_as_of_now_replace_only_the_overdue_ones():
    untouched, overdue = lot(5), lot(30, status=LotStatus.PENDING, available_at=NOW)
    caught = catch_up([OverdueLot(overdue)], 0, NOW)
    listed = lots_as_of([untouched, overdue], caught)
    assert listed == (untouched, replace(overdue, status=LotStatus.AVAILABLE))


@given(
    reserved=st.integers(0, 100),
    released=st.integers(0, 100),
    debt=st.integers(0, 300),
    matured=st.integers(0, 100),
    expired=st.booleans(),
)
def test_the_points_caught_up_equal_the_change_in_the_lots(
    reserved, released, debt, matured, expired
):
    released = min(released, reserved)
    held = lot(100, reserved=reserved, expires_at=NOW - DAY if expired else None)
    pending = lot(matured, status=LotStatus.PENDING, available_at=NOW)
    caught = catch_up([OverdueLot(held, released), OverdueLot(pending)], debt, NOW)
    before = sum(lot.remaining_points - lot.reserved_points for lot in (held,))
    after = sum(lot.unreserved_points for lot in caught.lots)
    # Pending points were not available before: maturation adds them.
    assert after - before == caught.available_change_points
    assert 0 <= caught.debt_paid_points <= min(debt, released + matured)
    assert all(0 <= lot.reserved_points <= lot.remaining_points for lot in caught.lots)
