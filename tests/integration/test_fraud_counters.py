"""The fraud counters: kept exact by every earn and hold, pruned by the sweeper, and read at a
cost that does not grow with the history (``hub.adapters.repositories.fraud_counters``)."""

from __future__ import annotations

import contextlib
import random
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from fraud.facts import HISTORY_EARNS_MAX, Attempt, Operation, TillRate
from fraud.thresholds import FraudThresholds
from hub import bootstrap
from hub.adapters.repositories.fraud import _ACTIVITY
from hub.adapters.repositories.fraud_counters import hour_of, minute_of, shard_of, week_of
from hub.adapters.sql import compiled_for_postgres
from hub.adapters.tables import (
    fraud_member_minutes,
    fraud_member_partners,
    fraud_till_members,
    fraud_till_rates,
    transactions,
)
from hub.domain.clock import ManualClock
from hub.domain.errors import HubError
from hub.domain.ledger import TransactionKind
from hub.domain.purchases import Channel, PointOfSale
from hub.services import sweeper
from tests.conftest import add_partner, settings_for
from tests.integration.helpers import authorize_command, card, earn_command, enroll

PARTNERS = ("coffee", "fuel")
TILLS = ("", "A", "B")
PSYCOPG_PREPARED_QUERY_MAX = 4096
"""psycopg prepares no query longer than this: a longer one is parsed on every call."""


def _pos(terminal: str, cashier: str) -> PointOfSale:
    return PointOfSale(Channel.POS, "store-1", terminal, cashier, None)


def _at_till(command, terminal: str, cashier: str):  # type: ignore[no-untyped-def]
    return replace(
        command, purchase=replace(command.purchase, point_of_sale=_pos(terminal, cashier))
    )


def _random_history(hub: bootstrap.Hub, clock: ManualClock, rng: random.Random) -> list[uuid.UUID]:
    numbers = [f"40001234123400{i:02d}" for i in range(4)]
    members = [enroll(hub, "coffee", card(n)).member_id for n in numbers]
    _random_operations(hub, clock, rng, numbers)
    return members


def _random_operations(
    hub: bootstrap.Hub, clock: ManualClock, rng: random.Random, numbers: list[str]
) -> None:
    for _ in range(40):
        clock.advance(timedelta(seconds=rng.choice((0, 7, 40, 61, 600, 1900))))
        number, partner = rng.choice(numbers), rng.choice(PARTNERS)
        terminal, cashier = rng.choice(TILLS), rng.choice(TILLS)
        if rng.random() < 0.75:
            command = earn_command(card(number), rng.randrange(100, 5000), partner_id=partner)
            hub.partner_api().earn(_at_till(command, terminal, cashier))
            continue
        command = authorize_command(card(number), rng.randrange(1, 5), partner_id=partner)
        with contextlib.suppress(HubError):  # too few points yet: nothing posted or counted
            hub.partner_api().authorize(_at_till(command, terminal, cashier))


def _scan(hub: bootstrap.Hub) -> tuple[dict[tuple, list[int]], dict[tuple, datetime]]:
    """The counters, computed from the raw transactions."""
    t = transactions.c
    kinds = (TransactionKind.EARN.value, TransactionKind.HOLD.value)
    with hub.engine.connect() as connection:
        rows = connection.execute(
            sa.select(t.kind, t.created_at, t.points, t.partner_id, t.member_id)
            .add_columns(t.terminal_id, t.cashier_id)
            .where(t.kind.in_(kinds))
        ).all()
    minutes: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    tills: dict[tuple, datetime] = {}
    for kind, at, points, partner, member, terminal, cashier in rows:
        sums = minutes[(member, minute_of(at), partner, cashier or "")]
        earning = kind == TransactionKind.EARN.value
        sums[0 if earning else 2] += 1
        sums[1 if earning else 3] += points
        for till_kind, till_id in (("terminal", terminal), ("cashier", cashier)):
            key = (partner, till_kind, till_id, member)
            if earning and till_id:
                tills[key] = max(at, tills.get(key, at))
    return dict(minutes), tills


def _counters(hub: bootstrap.Hub) -> tuple[dict[tuple, list[int]], dict[tuple, datetime]]:
    with hub.engine.connect() as connection:
        minutes = {
            (row.member_id, row.minute_start, row.partner_id, row.cashier_id): [
                row.earns,
                row.earned_points,
                row.holds,
                row.held_points,
            ]
            for row in connection.execute(sa.select(fraud_member_minutes))
        }
        tills = {
            (row.partner_id, row.till_kind, row.till_id, row.member_id): row.last_earn_at
            for row in connection.execute(sa.select(fraud_till_members))
        }
    return minutes, tills


def _activity(hub: bootstrap.Hub, tried: Attempt):  # type: ignore[no-untyped-def]
    with hub.uow_factory(read_only=True) as uow:
        return uow.fraud.activity(tried, FraudThresholds().windows(tried.at))


def _till_members_scanned(hub: bootstrap.Hub, tried: Attempt, till: str) -> int:
    t = transactions.c
    till_column = t.terminal_id if till == "terminal" else t.cashier_id
    till_id = tried.terminal_id if till == "terminal" else tried.cashier_id
    since = tried.at - timedelta(seconds=FraudThresholds().till_window_s)
    with hub.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count(sa.distinct(t.member_id))).where(
                t.kind == TransactionKind.EARN.value,
                t.partner_id == tried.partner_id,
                till_column == till_id,
                t.created_at >= since,
                t.member_id != tried.member_id,
            )
        ).scalar_one()


@pytest.mark.parametrize("seed", range(3))
def test_the_counters_equal_a_scan_of_the_transactions_over_random_histories(hub, clock, seed):
    for partner in PARTNERS:
        add_partner(hub, partner)
    rng = random.Random(seed)
    members = _random_history(hub, clock, rng)
    minutes, tills = _scan(hub)
    assert any(sums[2] for sums in minutes.values()), "the history has holds"
    assert _counters(hub) == (minutes, tills)
    for member in members:
        tried = Attempt(Operation.EARN, "coffee", member, 1, clock.now(), "s", "A", "A")
        facts = _activity(hub, tried)
        assert facts.terminal_members == _till_members_scanned(hub, tried, "terminal")
        assert facts.cashier_members == _till_members_scanned(hub, tried, "cashier")


def _earns(hub: bootstrap.Hub) -> list[Any]:
    t = transactions.c
    with hub.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(t.created_at, t.points, t.partner_id, t.member_id)
                .add_columns(t.terminal_id, t.cashier_id)
                .where(t.kind == TransactionKind.EARN.value)
                .order_by(t.created_at)
            )
        )


def _scanned_partners(hub: bootstrap.Hub) -> dict[tuple, list[int]]:
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for _at, points, partner, member, _, _ in _earns(hub):
        sums[(member, partner)][0] += 1
        sums[(member, partner)][1] += points
    return dict(sums)


def _scanned_rates(hub: bootstrap.Hub) -> dict[tuple, tuple]:
    """Each till shard's rate row, from its earns' times: the hours, the busiest closed hour of
    its last week and of the week before that it was busy in, and its earns and points ever."""
    times: dict[tuple, list[datetime]] = defaultdict(list)
    points_of: Counter[tuple] = Counter()
    for at, points, partner, member, terminal, cashier in _earns(hub):
        for kind, till_id in (("terminal", terminal), ("cashier", cashier)):
            if till_id:
                times[(partner, kind, till_id, shard_of(member))].append(at)
                points_of[(partner, kind, till_id, shard_of(member))] += points
    rates = {}
    for till, ats in times.items():
        hours = Counter(hour_of(at) for at in ats)
        last = max(hours)
        before = max((h for h in hours if h < last), default=last)
        week = week_of(last)
        closed = {h: n for h, n in hours.items() if h != last}
        earlier = max((week_of(h) for h in closed if week_of(h) < week), default=None)
        rates[till] = (
            last,
            hours[last],
            before,
            hours[before] if before != last else 0,
            week,
            max((n for h, n in closed.items() if week_of(h) == week), default=0),
            max((n for h, n in closed.items() if week_of(h) == earlier), default=0),
            len(ats),
            points_of[till],
        )
    return rates


def _baselines(hub: bootstrap.Hub) -> tuple[dict[tuple, list[int]], dict[tuple, tuple]]:
    r = fraud_till_rates.c
    with hub.engine.connect() as connection:
        partners = {
            (row.member_id, row.partner_id): [row.earns, row.earned_points]
            for row in connection.execute(sa.select(fraud_member_partners))
        }
        rates = {
            (row.partner_id, row.till_kind, row.till_id, row.shard): (
                row.hour_start,
                row.hour_earns,
                row.previous_hour_start,
                row.previous_hour_earns,
                row.week_start,
                row.peak_earns,
                row.previous_peak_earns,
                row.earns,
                row.earned_points,
            )
            for row in connection.execute(sa.select(fraud_till_rates).order_by(r.till_id))
        }
    return partners, rates


@pytest.mark.parametrize("seed", range(3))
def test_the_baselines_equal_a_scan_of_the_transactions_over_random_histories(hub, clock, seed):
    for partner in PARTNERS:
        add_partner(hub, partner)
    rng = random.Random(seed)
    _random_history(hub, clock, rng)
    clock.advance(timedelta(days=1))  # over a week's end: Sunday to Monday
    _random_operations(hub, clock, rng, [f"40001234123400{i:02d}" for i in range(4)])
    assert _baselines(hub) == (_scanned_partners(hub), _scanned_rates(hub))


def _pace_at(hub: bootstrap.Hub, at: datetime) -> TillRate:
    tried = Attempt(Operation.EARN, "coffee", uuid.uuid4(), 1, at, "s", "T1", "")
    return _activity(hub, tried).terminal_rate


def test_a_tills_pace_adds_up_its_shards_last_hour_and_busiest_closed_hours(hub, clock):
    ten = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    shard = {
        "partner_id": "coffee",
        "till_kind": "terminal",
        "till_id": "T1",
        "hour_start": ten,
        "hour_earns": 30,
        "previous_hour_start": ten - timedelta(hours=1),
        "previous_hour_earns": 40,
        "week_start": week_of(ten),
        "peak_earns": 40,
        "previous_peak_earns": 50,
        "earns": 1,
        "earned_points": 1,
    }
    with hub.engine.begin() as connection:
        connection.execute(
            fraud_till_rates.insert(),
            [
                {**shard, "shard": 0},
                {**shard, "shard": 1, "peak_earns": 20, "previous_peak_earns": 0},
            ],
        )
    # At 10:15 the hour before reaches back to 9:15: three quarters of 9:00-10:00. Each shard's
    # busiest closed hour adds up: 50 and 20.
    assert _pace_at(hub, ten + timedelta(minutes=15)) == TillRate(2 * (30 + 30), 50 + 20)
    # At 11:30 the 10:00 hour has closed: half of it is recent, and the busiest of shard 1.
    assert _pace_at(hub, ten + timedelta(hours=1, minutes=30)) == TillRate(2 * 15, 50 + 30)
    # A till quiet for a day is at no pace, and keeps its norm.
    assert _pace_at(hub, ten + timedelta(days=1)) == TillRate(0, 50 + 30)


def test_the_velocity_window_counts_from_the_minute_its_start_falls_in(hub, clock):
    add_partner(hub, "coffee")
    member = enroll(hub).member_id
    clock.advance(timedelta(seconds=50))  # START is on the minute
    hub.partner_api().earn(earn_command(card()))
    clock.advance(timedelta(hours=1, seconds=5))  # the earn is 5 s before the window's start
    tried = Attempt(Operation.EARN, "coffee", member, 1, clock.now())
    assert _activity(hub, tried).member_earns == 1
    clock.advance(timedelta(seconds=10))  # now its minute is out of the window too
    assert _activity(hub, replace(tried, at=clock.now())).member_earns == 0


def test_a_busy_till_counts_its_members_up_to_where_the_verdict_stops_changing(hub, clock):
    add_partner(hub, "coffee")
    thresholds = FraudThresholds()
    cap = thresholds.windows(clock.now()).till_members_max
    assert cap == 2 * thresholds.terminal_cards.review_at  # type: ignore[operator]
    _fill_till(hub, clock, "T1", members=cap + 5)
    tried = Attempt(Operation.EARN, "coffee", uuid.uuid4(), 1, clock.now(), "s", "T1", "T1")
    facts = _activity(hub, tried)
    assert (facts.terminal_members, facts.cashier_members) == (cap, cap)


def _fill_till(hub: bootstrap.Hub, clock: ManualClock, till_id: str, members: int) -> None:
    """``members`` members' latest earns at terminal and cashier ``till_id``, straight into the
    counters: the read under test does not look anywhere else for them."""
    rows = [
        {
            "partner_id": "coffee",
            "till_kind": kind,
            "till_id": till_id,
            "member_id": uuid.uuid4(),
            "last_earn_at": clock.now() - timedelta(seconds=i),
        }
        for i in range(members)
        for kind in ("terminal", "cashier")
    ]
    with hub.engine.begin() as connection:
        connection.execute(fraud_till_members.insert(), rows)


def test_the_facts_read_is_short_enough_to_be_prepared():
    query, _ = compiled_for_postgres(_ACTIVITY, ())
    assert len(query) < PSYCOPG_PREPARED_QUERY_MAX


def test_the_facts_read_never_touches_the_tills_transactions():
    query, _ = compiled_for_postgres(_ACTIVITY, ())
    assert "terminal_id" not in query.replace("%(terminal_id)s", "")
    assert "transactions.cashier_id" not in query


def test_the_sweeper_prunes_counters_older_than_any_window_in_bounded_batches(hub, clock):
    add_partner(hub, "coffee")
    enroll(hub)
    for till in ("A", "B"):
        hub.partner_api().earn(_at_till(earn_command(card()), till, till))
        clock.advance(timedelta(minutes=1))
    before = {table: _count(hub, table) for table in (fraud_member_minutes, fraud_till_members)}
    assert before == {fraud_member_minutes: 2, fraud_till_members: 4}
    clock.advance(sweeper.FRAUD_COUNTERS_KEPT - timedelta(minutes=1))
    assert sweeper.prune_fraud_counters(hub.uow_factory, clock) == 3  # the first earn's
    clock.advance(timedelta(minutes=2))
    assert sweeper.prune_fraud_counters(hub.uow_factory, clock, batch=1) == 2  # one a table
    assert sweeper.prune_fraud_counters(hub.uow_factory, clock) == 1
    assert sweeper.prune_fraud_counters(hub.uow_factory, clock) == 0
    assert _count(hub, fraud_member_minutes) + _count(hub, fraud_till_members) == 0


def _count(hub: bootstrap.Hub, table: sa.Table) -> int:
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# -- PostgreSQL: concurrency and the plan ----------------------------------------------------

RACERS = 16


def _race(calls: list[Callable[[], object]]) -> list[object]:
    """Run ``calls`` at once, released together by a barrier, each on its own connection."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def pg_hub(pg_url, clock) -> Iterator[bootstrap.Hub]:
    wired = bootstrap.build(replace(settings_for(pg_url), threads=RACERS + 2), clock=clock)
    add_partner(wired, "coffee")
    yield wired
    assert wired.operator.verify_ledger().violations == ()
    wired.close()


@pytest.mark.postgres
def test_concurrent_earns_at_one_terminal_keep_the_counters_exact(pg_hub, clock):
    numbers = [f"40001234123401{i:02d}" for i in range(RACERS // 2)]
    members = [enroll(pg_hub, "coffee", card(n)).member_id for n in numbers]
    commands = [
        _at_till(earn_command(card(n), 1000 + i), "T1", "C1")
        for i, n in enumerate(numbers * 2)  # each member twice: its rows are upserted
    ]
    results = _race([lambda c=c: pg_hub.partner_api().earn(c) for c in commands])
    assert Counter(type(r).__name__ for r in results) == {"Earned": RACERS}
    assert _counters(pg_hub) == _scan(pg_hub)
    tried = Attempt(Operation.EARN, "coffee", members[0], 1, clock.now(), "s", "T1", "C1")
    facts = _activity(pg_hub, tried)
    assert (facts.terminal_members, facts.cashier_members) == (len(members) - 1,) * 2
    assert (facts.member_earns, facts.cashier_member_earns) == (2, 2)


def _rows_read(plan: dict, table: str) -> int:
    """Rows the plan's scans of ``table`` returned, over all their loops."""
    own = plan["Actual Rows"] * plan["Actual Loops"] if plan.get("Relation Name") == table else 0
    return own + sum(_rows_read(child, table) for child in plan.get("Plans", ()))


@pytest.mark.postgres
def test_the_facts_read_reads_no_more_till_rows_however_busy_the_till(pg_hub, clock):
    tried = Attempt(Operation.EARN, "coffee", uuid.uuid4(), 1, clock.now(), "s", "T1", "T1")
    windows = FraudThresholds().windows(clock.now())
    read = []
    for members in (windows.till_members_max, 10 * windows.till_members_max):
        _fill_till(pg_hub, clock, "T1", members=members - _count(pg_hub, fraud_till_members) // 2)
        read.append(_rows_read_by_activity(pg_hub, tried, windows))
    assert read[0] == read[1] == 2 * windows.till_members_max


@pytest.mark.postgres
def test_no_step_of_the_facts_read_returns_more_rows_than_its_bound_after_a_long_history(
    pg_hub, clock
):
    enroll(pg_hub)
    for _ in range(3 * HISTORY_EARNS_MAX):  # without a location: the last sighting is none
        pg_hub.partner_api().earn(_at_till(earn_command(card()), "T1", "T1"))
        clock.advance(timedelta(seconds=70))  # under the velocity limit of 60 an hour
    windows = FraudThresholds().windows(clock.now())
    _fill_till(pg_hub, clock, "T1", members=10 * windows.till_members_max)
    with pg_hub.engine.connect() as connection:
        member_id = connection.execute(sa.select(transactions.c.member_id).limit(1)).scalar_one()
    tried = Attempt(Operation.EARN, "coffee", member_id, 1, clock.now(), "s", "T1", "T1")
    plan = _plan_of_activity(pg_hub, tried, windows)
    velocity_minutes_max = FraudThresholds().velocity_window_s // 60 + 1
    bound = max(windows.till_members_max, HISTORY_EARNS_MAX, velocity_minutes_max)
    assert max(_rows_of_each_step(plan)) <= bound


def _rows_of_each_step(plan: dict[str, Any]) -> Iterator[int]:
    yield plan["Actual Rows"] * plan["Actual Loops"]
    for child in plan.get("Plans", ()):
        yield from _rows_of_each_step(child)


def _rows_read_by_activity(hub: bootstrap.Hub, tried: Attempt, windows) -> int:  # type: ignore[no-untyped-def]
    return _rows_read(_plan_of_activity(hub, tried, windows), "fraud_till_members")


def _plan_of_activity(hub: bootstrap.Hub, tried: Attempt, windows) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    query, defaults = compiled_for_postgres(_ACTIVITY, ())
    params = {
        **defaults,
        "member_id": tried.member_id,
        "partner_id": tried.partner_id,
        "terminal_id": tried.terminal_id,
        "cashier_id": tried.cashier_id,
        "velocity_since": windows.velocity_since,
        "earn_then_burn_since": windows.earn_then_burn_since,
        "till_since": windows.till_since,
        "cashier_card_since": windows.cashier_card_since,
        "till_members_max": windows.till_members_max,
        "cashier_card_minutes_max": windows.cashier_card_minutes_max,
    }
    raw = hub.engine.raw_connection()
    try:
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", params)
            (plan,) = cursor.fetchone()[0]
    finally:
        raw.close()
    return plan["Plan"]
