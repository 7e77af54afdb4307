"""Debt first: every credit to a member's points pays their refund debt before they can spend.

The issue's scenario: earn 100 at A, hold those 100 at B, refund A's earn in full (a debt of
100, the points being held), then give the held points back (a void, the hold's expiry, or a
refund of the captured redemption), or credit new ones (matured pending points, a bonus). Each
ends with the member owing what is left and holding nothing they could spend while owing; the
hub fixture then runs ``hub ledger verify``, which checks exactly that (and that lot
remainders still equal the balances).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from hub import bootstrap
from hub.domain.currencies import currency
from hub.domain.errors import InsufficientPoints
from hub.domain.lots import MovementKind
from hub.domain.members import Identifier
from hub.domain.money import Money
from hub.domain.rules import EventKind, EventRule
from hub.services.commands import (
    Attribution,
    DeclineHold,
    GrantEvent,
    PutRule,
    RefundEarn,
    RefundRedemption,
)
from hub.services.results import Earned, HoldView
from tests.conftest import OPERATOR, add_partner, settings_for
from tests.integration.helpers import authorize, balance, capture, card, earn, enroll, void
from tests.integration.test_concurrency import race

EUR = currency("EUR")
ANALYST = Attribution("spiffe://coalition.hub/staff/analyst/ana", "ticket D-1")


def refund_earn(hub: bootstrap.Hub, earned: Earned, amount_minor: int) -> int:
    """Refund ``amount_minor`` of ``earned`` at coffee; the debt it leaves."""
    command = RefundEarn(
        "coffee", uuid.uuid4().hex, earned.transaction_id, Money(amount_minor, EUR)
    )
    return hub.partner_api().refund_earn(command).debt_points


def owed_and_available(hub: bootstrap.Hub, member: Identifier) -> tuple[int, int]:
    now = balance(hub, member)
    return now.debt_points, now.available_points


def held_then_refunded(hub: bootstrap.Hub, member: Identifier) -> HoldView:
    """Earn 100 at coffee, hold them at air, refund the earn: a debt of 100, the 100 held."""
    earned = earn(hub, member, 10_000)
    hold = authorize(hub, member, 100, partner_id="air")
    assert refund_earn(hub, earned, 10_000) == 100
    assert owed_and_available(hub, member) == (100, 0)
    return hold


def spent_then_refunded(hub: bootstrap.Hub, member: Identifier) -> HoldView:
    """Earn 100 at coffee, spend them at air, refund the earn: a debt of 100."""
    earned = earn(hub, member, 10_000)
    hold = authorize(hub, member, 100, partner_id="air")
    capture(hub, hold.hold_id, partner_id="air")
    assert refund_earn(hub, earned, 10_000) == 100
    return hold


@pytest.fixture
def member(hub: bootstrap.Hub) -> Identifier:
    add_partner(hub, "coffee")
    add_partner(hub, "air")
    enroll(hub)
    return card()


def test_owing_while_the_points_are_held_or_pending_verifies(hub, member):
    add_partner(hub, "fuel", pending_period_s=3600)
    earn(hub, member, 5_000, partner_id="fuel")  # pending: not available to spend
    held_then_refunded(hub, member)
    report = hub.operator.verify_ledger()
    assert "no member has available points and debt at once" in report.checks
    assert report.violations == ()


def test_a_void_pays_the_debt_before_giving_the_points_back(hub, member):
    hold = held_then_refunded(hub, member)
    voided = void(hub, hold.hold_id, partner_id="air")
    assert voided.debt_paid_points == 100
    assert owed_and_available(hub, member) == (0, 0)
    [lot] = hub.inspect_member(member).lots
    assert (lot.remaining_points, lot.reserved_points) == (0, 0)


def test_a_void_of_more_than_the_debt_gives_the_member_the_rest(hub, member):
    earned = earn(hub, member, 10_000)
    hold = authorize(hub, member, 100, partner_id="air")
    assert refund_earn(hub, earned, 4_000) == 40
    assert void(hub, hold.hold_id, partner_id="air").debt_paid_points == 40
    assert owed_and_available(hub, member) == (0, 60)


def test_a_void_without_debt_pays_nothing(hub, member):
    earn(hub, member, 10_000)
    hold = authorize(hub, member, 100, partner_id="air")
    assert void(hub, hold.hold_id, partner_id="air").debt_paid_points == 0
    assert owed_and_available(hub, member) == (0, 100)


def test_the_voided_points_cannot_be_spent_again_at_the_partner(hub, member):
    hold = held_then_refunded(hub, member)
    void(hub, hold.hold_id, partner_id="air")
    with pytest.raises(InsufficientPoints):
        authorize(hub, member, 1, partner_id="air")


def test_the_rest_of_a_partial_capture_pays_the_debt_first(hub, member):
    hold = held_then_refunded(hub, member)
    captured = capture(hub, hold.hold_id, 30, partner_id="air")
    assert (captured.released_points, captured.debt_paid_points) == (70, 70)
    assert owed_and_available(hub, member) == (30, 0)


def test_a_hold_that_expires_pays_the_debt_before_giving_the_points_back(hub, clock, member):
    held_then_refunded(hub, member)
    clock.advance(timedelta(days=1))
    assert hub.operator.sweep().holds_expired == 1
    assert owed_and_available(hub, member) == (0, 0)


def test_a_refunded_redemption_pays_the_debt_first(hub, member):
    hold = spent_then_refunded(hub, member)
    command = RefundRedemption("air", uuid.uuid4().hex, hold.hold_id, 60)
    refunded = hub.partner_api().refund_redemption(command)
    assert (refunded.points_returned, refunded.debt_paid_points) == (60, 60)
    assert owed_and_available(hub, member) == (40, 0)
    command = RefundRedemption("air", uuid.uuid4().hex, hold.hold_id, 40)
    assert hub.partner_api().refund_redemption(command).debt_paid_points == 40
    assert owed_and_available(hub, member) == (0, 0)


def test_debt_paid_from_a_lot_is_recorded_as_its_movement(hub, member):
    hold = held_then_refunded(hub, member)
    void(hub, hold.hold_id, partner_id="air")
    with hub.engine.connect() as connection:
        kinds = connection.exec_driver_sql(
            "SELECT kind, points FROM lot_movements WHERE kind = ?"
            if connection.dialect.name == "sqlite"
            else "SELECT kind, points FROM lot_movements WHERE kind = %s",
            (MovementKind.DEBT_PAYMENT.value,),
        ).all()
    assert [tuple(row) for row in kinds] == [(MovementKind.DEBT_PAYMENT.value, -100)]


def test_matured_pending_points_pay_the_debt_first(hub, clock, member):
    add_partner(hub, "fuel", pending_period_s=3600)
    earn(hub, member, 5_000, partner_id="fuel")  # 50 pending, while nothing is owed
    spent_then_refunded(hub, member)
    assert owed_and_available(hub, member)[0] == 100
    clock.advance(timedelta(hours=2))
    assert hub.operator.sweep().lots_matured == 1
    now = balance(hub, member)
    assert (now.debt_points, now.available_points, now.pending_points) == (50, 0, 0)


def test_a_bonus_pays_the_debt_first(hub, member):
    hub.operator.put_rule(
        PutRule(
            "review",
            EventRule("coffee", EventKind.REVIEW, 20, max_per_member=1),
            changed_by=OPERATOR,
        )
    )
    spent_then_refunded(hub, member)
    grant = GrantEvent("coffee", uuid.uuid4().hex, member, EventKind.REVIEW)
    assert hub.partner_api().grant_event(grant).points == 20
    assert owed_and_available(hub, member) == (80, 0)


def test_a_hold_declined_by_an_analyst_pays_the_debt_first(hub, member):
    hold = held_then_refunded(hub, member)
    hub.fraud_api().decline_hold(DeclineHold(hold.hold_id, changed_by=ANALYST))
    assert owed_and_available(hub, member) == (0, 0)


# -- races on real PostgreSQL connections -----------------------------------------------------

ROUNDS = 8


@pytest.fixture
def pg_hub(pg_url, clock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(replace(settings_for(pg_url), threads=8), clock=clock)
    add_partner(wired, "coffee")
    add_partner(wired, "air")
    yield wired
    report = wired.operator.verify_ledger()
    assert report.violations == ()
    wired.close()


@pytest.mark.postgres
def test_a_void_and_an_earn_at_once_pay_one_debt_once(pg_hub):
    hub = pg_hub
    for round_number in range(ROUNDS):
        member = card(f"40001234123{round_number:05d}")
        enroll(hub, "coffee", member)
        hold = held_then_refunded(hub, member)
        voided, earned = race(
            [
                lambda hold=hold: void(hub, hold.hold_id, partner_id="air"),
                lambda member=member: earn(hub, member, 10_000),
            ]
        )
        assert isinstance(voided, HoldView)
        assert isinstance(earned, Earned)
        assert voided.debt_paid_points + earned.debt_paid_points == 100
        assert owed_and_available(hub, member) == (0, 100)


@pytest.mark.postgres
def test_two_refunded_redemptions_at_once_pay_one_debt_once(pg_hub):
    hub = pg_hub
    for round_number in range(ROUNDS):
        member = card(f"40001234124{round_number:05d}")
        enroll(hub, "coffee", member)
        earned = earn(hub, member, 10_000)
        holds = [authorize(hub, member, 50, partner_id="air") for _ in range(2)]
        for hold in holds:
            capture(hub, hold.hold_id, partner_id="air")
        assert refund_earn(hub, earned, 10_000) == 100
        results = race(
            [
                lambda hold=hold: hub.partner_api().refund_redemption(
                    RefundRedemption("air", uuid.uuid4().hex, hold.hold_id, 50)
                )
                for hold in holds
            ]
        )
        assert sum(result.debt_paid_points for result in results) == 100
        assert owed_and_available(hub, member) == (0, 0)


@pytest.mark.postgres
def test_a_void_and_the_sweepers_maturation_at_once_pay_one_debt_once(pg_hub, clock):
    hub = pg_hub
    add_partner(hub, "fuel", pending_period_s=60)
    for round_number in range(ROUNDS):
        member = card(f"40001234125{round_number:05d}")
        enroll(hub, "coffee", member)
        earn(hub, member, 5_000, partner_id="fuel")  # 50 pending for a minute
        hold = held_then_refunded(hub, member)
        clock.advance(timedelta(minutes=2))  # matured, while the hold (15 minutes) is open
        voided, swept = race(
            [
                lambda hold=hold: void(hub, hold.hold_id, partner_id="air"),
                hub.operator.sweep,
            ]
        )
        assert isinstance(voided, HoldView)
        assert swept.lots_matured == 1
        now = balance(hub, member)
        assert (now.debt_points, now.available_points, now.pending_points) == (0, 50, 0)


@pytest.mark.postgres
def test_a_refund_leaving_debt_and_an_earn_at_once_never_leave_points_owed_and_spendable(pg_hub):
    hub = pg_hub
    for round_number in range(ROUNDS):
        member = card(f"40001234126{round_number:05d}")
        enroll(hub, "coffee", member)
        earned = earn(hub, member, 10_000)
        capture(hub, authorize(hub, member, 100, partner_id="air").hold_id, partner_id="air")
        _, later = race(
            [
                lambda earned=earned: refund_earn(hub, earned, 10_000),
                lambda member=member: earn(hub, member, 5_000, partner_id="air"),
            ]
        )
        assert isinstance(later, Earned)
        # Whichever commits first, the new 50 points pay half of the 100 owed.
        assert owed_and_available(hub, member) == (50, 0)


@pytest.mark.postgres
def test_a_refund_leaving_debt_and_a_void_at_once_never_leave_points_owed_and_spendable(pg_hub):
    hub = pg_hub
    for round_number in range(ROUNDS):
        member = card(f"40001234127{round_number:05d}")
        enroll(hub, "coffee", member)
        earn(hub, member, 5_000, partner_id="air")  # 50 points, held below
        earned = earn(hub, member, 10_000)  # 100 points, spent below
        capture(hub, authorize(hub, member, 100, partner_id="air").hold_id, partner_id="air")
        hold = authorize(hub, member, 50, partner_id="air")
        _, voided = race(
            [
                lambda earned=earned: refund_earn(hub, earned, 10_000),
                lambda hold=hold: void(hub, hold.hold_id, partner_id="air"),
            ]
        )
        assert isinstance(voided, HoldView)
        assert owed_and_available(hub, member) == (50, 0)
