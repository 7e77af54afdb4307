"""Caps, once-only bonuses, tier upgrades and event limits race on one member over real
concurrent connections: each call reads the member's totals only once it holds the member's
lock, so the outcome is the one some sequential order gives, whatever the interleaving.

On PostgreSQL the member's row lock orders the calls; on SQLite (the embedded default) a writer
holds the whole database from ``BEGIN IMMEDIATE``, and the same races must come out the same."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import entries, members
from hub.adapters.unit_of_work import SqlUnitOfWork
from hub.domain.accounts import member_available
from hub.domain.breakdown import LineKind
from hub.domain.errors import EventLimitReached
from hub.domain.rules import (
    Campaign,
    Cap,
    CapPeriod,
    EventKind,
    EventRule,
    ReviewPeriod,
    Tier,
    TierBenefits,
    TierScheme,
)
from hub.services.commands import GrantEvent, PutRule
from hub.services.results import Earned
from tests.conftest import OPERATOR, START, add_partner, settings_for
from tests.integration.helpers import card, earn, enroll

RACERS = 30
TEN_POINTS_MINOR = 1000
"""A purchase of 10 EUR earns 10 points at the test partners' rate (1 point per euro)."""


@pytest.fixture
def hub(database_url, clock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(replace(settings_for(database_url), threads=RACERS + 2), clock=clock)
    add_partner(wired, "coffee")
    add_partner(wired, "fuel")
    yield wired
    assert wired.operator.verify_ledger().violations == ()
    wired.close()


def put(hub: bootstrap.Hub, definition: object, rule_id: str) -> None:
    hub.operator.put_rule(PutRule(rule_id, definition, changed_by=OPERATOR))  # type: ignore[arg-type]


def race(calls: list[Callable[[], Earned]]) -> list[Earned]:
    """Run ``calls`` at once, released together by a barrier; any error fails the test."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Earned]) -> Earned:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def race_allowing(calls: list[Callable[[], object]], refusal: type[Exception]) -> list[object]:
    """Like ``race``, with ``refusal`` returned instead of raised."""

    def refused_or_done(call: Callable[[], object]) -> object:
        try:
            return call()
        except refusal as error:
            return error

    return race([lambda call=call: refused_or_done(call) for call in calls])  # type: ignore[misc]


def earns_of_ten_points(hub: bootstrap.Hub, count: int, partner_id: str = "coffee") -> list:
    return [lambda: earn(hub, card(), TEN_POINTS_MINOR, partner_id=partner_id)] * count


def available_points(hub: bootstrap.Hub, member_id: uuid.UUID) -> int:
    """What the member's available account holds, summed from its entries."""
    account_id = member_available(member_id).id
    with hub.engine.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.coalesce(sa.func.sum(entries.c.amount_points), 0)).where(
                entries.c.account_id == account_id
            )
        ).scalar_one()
    return int(total)


def test_thirty_concurrent_earns_of_ten_under_a_day_cap_of_a_hundred_post_exactly_a_hundred(hub):
    put(hub, Cap(CapPeriod.DAY, 100), "daily-100")
    member = enroll(hub)
    results = race(earns_of_ten_points(hub, RACERS))
    assert sum(result.points for result in results) == 100
    assert sorted(result.points for result in results) == [0] * 20 + [10] * 10
    assert available_points(hub, member.member_id) == 100


def test_a_monthly_coalition_cap_holds_across_two_partners_racing(hub):
    put(hub, Cap(CapPeriod.MONTH, 100), "monthly-100")
    member = enroll(hub)
    half = RACERS // 2
    results = race(earns_of_ten_points(hub, half) + earns_of_ten_points(hub, half, "fuel"))
    assert sum(result.points for result in results) == 100
    assert available_points(hub, member.member_id) == 100


def test_a_first_purchase_bonus_is_paid_once_under_twenty_concurrent_first_earns(hub):
    first = Campaign(
        "First purchase", START, partner_id="coffee", bonus_points=50, first_purchase=True
    )
    put(hub, first, "first")
    member = enroll(hub)
    results = race(earns_of_ten_points(hub, 20))
    bonus_lines = [
        line for result in results for line in result.breakdown.lines if line.rule_id == "first"
    ]
    assert [line.points for line in bonus_lines] == [50]
    assert available_points(hub, member.member_id) == 20 * 10 + 50


def test_a_member_crossing_a_tier_threshold_under_concurrent_earns_upgrades_as_in_sequence(hub):
    put(hub, TierScheme((Tier("base", 0), Tier("silver", 100)), review=ReviewPeriod.MONTH), "")
    put(hub, TierBenefits("coffee", multipliers={"silver": Decimal(2)}), "")
    in_sequence = enroll(hub, "coffee", card("4000999999999999"))
    sequential = [earn(hub, card("4000999999999999"), TEN_POINTS_MINOR) for _ in range(20)]
    racing = enroll(hub)
    results = race(earns_of_ten_points(hub, 20))

    def crossings(earns: list[Earned]) -> list[str]:
        return [e.breakdown.tier_after for e in earns if e.breakdown.tier_after]

    # Ten earns of 10 reach silver at 100; the other ten earn double.
    assert sum(result.points for result in sequential) == 10 * 10 + 10 * 20
    assert crossings(results) == crossings(sequential) == ["silver"]
    assert sorted(r.points for r in results) == sorted(r.points for r in sequential)
    doubled = [r for r in results if LineKind.TIER in {line.kind for line in r.breakdown.lines}]
    assert len(doubled) == 10
    assert available_points(hub, racing.member_id) == available_points(hub, in_sequence.member_id)


def test_an_event_bonus_limited_to_one_per_member_is_granted_once_under_twenty_racing_grants(
    hub,
):
    put(hub, EventRule("coffee", EventKind.REVIEW, 25, max_per_member=1), "review")
    member = enroll(hub)
    grant = GrantEvent("coffee", "", card(), EventKind.REVIEW)
    calls = [
        lambda: hub.partner_api().grant_event(replace(grant, idempotency_key=uuid.uuid4().hex))
    ] * 20
    outcomes = race_allowing(calls, EventLimitReached)
    assert (
        sorted(type(outcome).__name__ for outcome in outcomes)
        == ["EventGranted"] + ["EventLimitReached"] * 19
    )
    assert available_points(hub, member.member_id) == 25


def locked_elsewhere(engine: sa.Engine, member_id: uuid.UUID) -> bool:
    """Whether another transaction holds the member's row lock (asked without waiting)."""
    nowait = sa.select(members.c.id).where(members.c.id == member_id).with_for_update(nowait=True)
    with engine.connect() as connection:
        try:
            connection.execute(nowait)
        except sa.exc.OperationalError:
            return True
        return False


@pytest.mark.postgres
def test_the_member_lock_is_sent_with_the_next_read_at_no_round_trip_of_its_own(pg_url, clock):
    wired = bootstrap.build(settings_for(pg_url), clock=clock)
    try:
        add_partner(wired, "coffee")
        member_id = enroll(wired).member_id
        with SqlUnitOfWork(wired.engine) as uow:
            uow.members.lock(member_id)
            assert not locked_elsewhere(wired.engine, member_id)
            uow.members.get(member_id)
            assert locked_elsewhere(wired.engine, member_id)
        assert not locked_elsewhere(wired.engine, member_id)
    finally:
        wired.close()
