"""Refunds of a merged-away member's earns and redemptions follow its points to the survivor
(to the end of a chain of merges), on SQLite and PostgreSQL; after an unmerge they are the
absorbed member's again. The hub fixture runs ``hub ledger verify`` after each test, so every
scenario ends with the ledger's invariants holding."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from functools import partial

import pytest

from hub import bootstrap
from hub.domain.currencies import currency
from hub.domain.errors import HoldAlreadyVoided
from hub.domain.ledger import TransactionKind
from hub.domain.money import Money
from hub.services.commands import RefundEarn, RefundRedemption
from hub.services.results import EarnRefunded, RedemptionRefunded
from tests.conftest import add_partner, settings_for
from tests.integration.helpers import authorize, balance, capture, card, earn, enroll, row_counts
from tests.integration.helpers import void as void_hold
from tests.integration.test_concurrency import race
from tests.integration.test_member_merge import merge_into, unmerge
from tests.integration.wire import counted

EUR = currency("EUR")
CARD_A, CARD_B, CARD_C = "4000000000000001", "4000000000000002", "4000000000000003"


@pytest.fixture
def hub(database_url: str, clock) -> Iterator[bootstrap.Hub]:
    # Earning, merging and burning within minutes is what the fraud checks would hold for
    # review; the refunds are under test here.
    wired = bootstrap.build(replace(settings_for(database_url), fraud_checks=False), clock=clock)
    for partner_id in ("coffee", "fuel", "air"):
        add_partner(wired, partner_id)
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    assert report.violations == (), report.violations


def members(hub: bootstrap.Hub) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A with 300 points from coffee, B with 200 from fuel (its earn: ``fuel_earn``), C none."""
    a = enroll(hub, "coffee", card(CARD_A)).member_id
    b = enroll(hub, "fuel", card(CARD_B)).member_id
    c = enroll(hub, "coffee", card(CARD_C)).member_id
    earn(hub, card(CARD_A), 30_000)
    return a, b, c


def fuel_earn(hub: bootstrap.Hub, member: uuid.UUID) -> uuid.UUID:
    return earn(hub, member, 20_000, partner_id="fuel").transaction_id


def refund_earn(
    hub: bootstrap.Hub, earn_id: uuid.UUID, amount_minor: int = 20_000, *, key: str | None = None
) -> EarnRefunded:
    command = RefundEarn("fuel", key or uuid.uuid4().hex, earn_id, Money(amount_minor, EUR))
    return hub.partner_api().refund_earn(command)


def refund_redemption(
    hub: bootstrap.Hub, hold_id: uuid.UUID, points: int, *, key: str | None = None
) -> RedemptionRefunded:
    command = RefundRedemption("air", key or uuid.uuid4().hex, hold_id, points)
    return hub.partner_api().refund_redemption(command)


def spend(hub: bootstrap.Hub, member: uuid.UUID, points: int) -> uuid.UUID:
    hold = authorize(hub, member, points, partner_id="air")
    capture(hub, hold.hold_id, partner_id="air")
    return hold.hold_id


def points(hub: bootstrap.Hub, member: uuid.UUID) -> tuple[int, int]:
    """The member's available points and debt."""
    found = balance(hub, member)
    return found.available_points, found.debt_points


def kinds(hub: bootstrap.Hub, member: uuid.UUID) -> list[TransactionKind]:
    with hub.uow_factory(read_only=True) as uow:
        return [record.kind for record in uow.reviews.transactions(member, 20)]


# -- refunds of the absorbed member's earn ---------------------------------------------------


def test_a_refund_of_the_absorbed_members_earn_takes_the_points_back_from_the_survivor(hub):
    a, b, _ = members(hub)
    earned = fuel_earn(hub, b)
    merge_into(hub, a, b)

    refunded = refund_earn(hub, earned)

    assert (refunded.points_reversed, refunded.available_points_reversed) == (200, 200)
    assert refunded.debt_points == 0
    assert points(hub, a) == (300, 0)
    assert points(hub, b) == (0, 0)
    assert kinds(hub, a)[0] is TransactionKind.REFUND_EARN


def test_points_the_survivor_spent_become_its_debt_and_its_next_earn_pays_it_first(hub):
    a, b, _ = members(hub)
    earned = fuel_earn(hub, b)
    merge_into(hub, a, b)
    spend(hub, a, 450)  # 300 of A's and 150 of B's

    refunded = refund_earn(hub, earned)

    assert (refunded.available_points_reversed, refunded.debt_points) == (50, 150)
    assert points(hub, a) == (0, 150)
    assert points(hub, b) == (0, 0)
    paying = earn(hub, a, 20_000)
    assert paying.points == 200
    assert points(hub, a) == (50, 0)


def test_a_refund_follows_a_chain_of_merges_to_the_last_survivor(hub):
    a, b, c = members(hub)
    earned = fuel_earn(hub, b)
    merge_into(hub, a, b)
    merge_into(hub, c, a)
    spend(hub, c, 400)  # 100 left

    refunded = refund_earn(hub, earned)

    assert (refunded.available_points_reversed, refunded.debt_points) == (100, 100)
    assert points(hub, c) == (0, 100)
    assert points(hub, a) == (0, 0)
    assert points(hub, b) == (0, 0)
    earn(hub, card(CARD_B), 30_000, partner_id="fuel")  # B's card finds C, whose earn pays
    assert points(hub, c) == (200, 0)


def test_a_refund_of_a_pending_earn_cancels_the_survivors_pending_points(hub):
    add_partner(hub, "grocer", pending_period_s=3600)
    a, b, _ = members(hub)
    earned = earn(hub, b, 10_000, partner_id="grocer").transaction_id
    merge_into(hub, a, b)
    command = RefundEarn("grocer", uuid.uuid4().hex, earned, Money(10_000, EUR))

    refunded = hub.partner_api().refund_earn(command)

    assert (refunded.pending_points_cancelled, refunded.debt_points) == (100, 0)
    assert balance(hub, a).pending_points == 0
    assert points(hub, a) == (300, 0)


def test_after_an_unmerge_a_refund_of_the_earn_is_the_absorbed_members_again(hub):
    a, b, _ = members(hub)
    earned = fuel_earn(hub, b)
    merge_into(hub, a, b)
    unmerge(hub, a, b)

    refund_earn(hub, earned, 10_000)

    assert points(hub, b) == (100, 0)
    assert points(hub, a) == (300, 0)


def test_partial_refunds_before_and_after_the_merge_add_up_to_the_earn(hub):
    a, b, _ = members(hub)
    earned = fuel_earn(hub, b)
    before = refund_earn(hub, earned, 5_000)
    merge_into(hub, a, b)

    after = refund_earn(hub, earned, 15_000)

    assert (before.points_reversed, after.points_reversed) == (50, 150)
    assert points(hub, a) == (300, 0)


# -- refunds of the absorbed member's redemption ---------------------------------------------


def test_a_refund_of_the_absorbed_members_redemption_credits_the_survivor(hub):
    a, b, _ = members(hub)
    fuel_earn(hub, b)
    hold_id = spend(hub, b, 150)
    merge_into(hub, a, b)

    refunded = refund_redemption(hub, hold_id, 150)

    assert refunded.points_returned == 150
    assert points(hub, a) == (500, 0)
    assert points(hub, b) == (0, 0)
    assert kinds(hub, a)[0] is TransactionKind.REFUND_REDEMPTION


def test_a_redemption_refund_after_the_merge_pays_the_survivors_debt_first(hub):
    a, b, _ = members(hub)
    earned = fuel_earn(hub, b)
    hold_id = spend(hub, b, 100)
    merge_into(hub, a, b)
    spend(hub, a, 400)  # everything
    assert refund_earn(hub, earned).debt_points == 200

    refunded = refund_redemption(hub, hold_id, 100)

    assert refunded.debt_paid_points == 100
    assert points(hub, a) == (0, 100)


def test_a_redemption_refund_follows_a_chain_of_merges(hub):
    a, b, c = members(hub)
    fuel_earn(hub, b)
    hold_id = spend(hub, b, 150)
    merge_into(hub, a, b)
    merge_into(hub, c, a)

    refund_redemption(hub, hold_id, 100)

    assert points(hub, c) == (450, 0)
    assert points(hub, a) == (0, 0)
    assert points(hub, b) == (0, 0)


def test_after_an_unmerge_a_redemption_refund_credits_the_absorbed_member(hub):
    a, b, _ = members(hub)
    fuel_earn(hub, b)
    hold_id = spend(hub, b, 150)
    merge_into(hub, a, b)
    unmerge(hub, a, b)

    refund_redemption(hub, hold_id, 150)

    assert points(hub, b) == (200, 0)
    assert points(hub, a) == (300, 0)


def test_a_survivors_redemption_refunded_after_an_unmerge_refills_each_lot_for_its_owner(hub):
    a, b, _ = members(hub)
    fuel_earn(hub, b)
    merge_into(hub, a, b)
    hold_id = spend(hub, a, 450)  # all of A's lot and 150 of B's
    unmerge(hub, a, b)

    refund_redemption(hub, hold_id, 450)

    # As if refunded before the unmerge, which would then have given B its lot back whole.
    assert points(hub, a) == (300, 0)
    assert points(hub, b) == (200, 0)
    assert kinds(hub, a)[0] is TransactionKind.REFUND_REDEMPTION


# -- retries with the same key replay the answer ---------------------------------------------


def test_a_refund_retried_after_the_merge_replays_its_answer(hub):
    a, b, _ = members(hub)
    earned = fuel_earn(hub, b)
    hold_id = spend(hub, b, 50)
    first_earn = refund_earn(hub, earned, 5_000, key="earn-1")
    first_burn = refund_redemption(hub, hold_id, 50, key="burn-1")
    merge_into(hub, a, b)
    merged = points(hub, a)

    assert refund_earn(hub, earned, 5_000, key="earn-1") == first_earn
    assert refund_redemption(hub, hold_id, 50, key="burn-1") == first_burn
    assert points(hub, a) == merged


def test_a_refund_made_after_the_merge_and_retried_applies_once(hub):
    a, b, _ = members(hub)
    earned = fuel_earn(hub, b)
    hold_id = spend(hub, b, 50)
    merge_into(hub, a, b)

    assert refund_earn(hub, earned, key="earn-1") == refund_earn(hub, earned, key="earn-1")
    burn = refund_redemption(hub, hold_id, 50, key="burn-1")
    assert refund_redemption(hub, hold_id, 50, key="burn-1") == burn
    assert points(hub, a) == (300, 0)


# -- the absorbed member's holds -------------------------------------------------------------


def test_a_hold_of_the_absorbed_member_is_resolved_before_the_merge_and_stays_resolved(hub):
    a, b, _ = members(hub)
    fuel_earn(hub, b)
    hold = authorize(hub, b, 50, partner_id="air")
    void_hold(hub, hold.hold_id, partner_id="air")
    merge_into(hub, a, b)
    before = row_counts(hub)

    with pytest.raises(HoldAlreadyVoided):
        void_hold(hub, hold.hold_id, partner_id="air")
    with pytest.raises(HoldAlreadyVoided):
        capture(hub, hold.hold_id, partner_id="air")
    assert row_counts(hub) == before
    assert points(hub, a) == (500, 0)


def test_the_survivors_hold_on_merged_points_voids_back_to_the_survivor(hub):
    a, b, _ = members(hub)
    fuel_earn(hub, b)
    merge_into(hub, a, b)
    hold = authorize(hub, a, 450, partner_id="air")

    void_hold(hub, hold.hold_id, partner_id="air")

    assert points(hub, a) == (500, 0)


# -- PostgreSQL: round trips and a merge racing the refund -----------------------------------


@pytest.mark.postgres
def test_refunds_after_a_merge_cost_one_read_and_one_write(pg_url, clock):
    with counted(pg_url) as (url, counter):
        wired = bootstrap.build(replace(settings_for(url), fraud_checks=False), clock=clock)
        try:
            for partner_id in ("coffee", "fuel", "air"):
                add_partner(wired, partner_id)
            a, b, c = members(wired)
            earns = [fuel_earn(wired, b) for _ in range(2)]
            holds = [spend(wired, b, 50) for _ in range(2)]
            merge_into(wired, a, b)
            merge_into(wired, c, a)
            refund_earn(wired, earns[0])  # warm: statements prepared, caches filled
            refund_redemption(wired, holds[0], 50)

            counter.reset()
            refund_earn(wired, earns[1])
            assert counter.round_trips <= 2
            counter.reset()
            refund_redemption(wired, holds[1], 50)
            assert counter.round_trips <= 2
            assert wired.operator.verify_ledger().violations == ()
        finally:
            wired.close()


@pytest.mark.postgres
def test_a_refund_racing_the_merge_lands_on_whoever_holds_the_points(pg_url, clock):
    settings = replace(settings_for(pg_url), threads=8, fraud_checks=False)
    wired = bootstrap.build(settings, clock=clock)
    try:
        for partner_id in ("coffee", "fuel", "air"):
            add_partner(wired, partner_id)
        for n in range(6):
            a = enroll(wired, "coffee", card(f"42000000000{n:02d}001")).member_id
            b = enroll(wired, "fuel", card(f"42000000000{n:02d}002")).member_id
            earn(wired, a, 30_000)
            earned = fuel_earn(wired, b)
            hold_id = spend(wired, b, 100)

            results = race(
                [
                    partial(merge_into, wired, a, b),
                    partial(refund_earn, wired, earned, 10_000),
                    partial(refund_redemption, wired, hold_id, 100),
                ]
            )

            assert [type(result).__name__ for result in results] == [
                "Merged",
                "EarnRefunded",
                "RedemptionRefunded",
            ]
            # 300 + 200 earned, 100 spent and given back, 100 refunded: wherever it happened.
            assert points(wired, a) == (400, 0)
            assert points(wired, b) == (0, 0)
        assert wired.operator.verify_ledger().violations == ()
    finally:
        wired.close()
