"""Operations that commit after their business day was settled are settled with the next open
day, listed as late there, never lost; after every run the outstanding points per issuer are
the points members hold in that issuer's lots.

Two ways to be late: a replica whose clock lags stamps an operation into a settled day (here
the hub's clock is moved back, on both stores), and a commit held open across the run
(PostgreSQL, a thread holding its earn's transaction while the run reads). The hub process
under ``faketime`` is in ``tests/e2e/test_settlement_late_faketime.py``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import lots
from hub.adapters.unit_of_work import SqlUnitOfWork
from hub.domain.clock import ManualClock
from hub.domain.currencies import currency
from hub.domain.money import Money
from hub.services.commands import (
    Attribution,
    GetStatement,
    RefundEarn,
    RefundRedemption,
    RunSettlement,
)
from hub.services.results import SettlementRunView
from settlement.model import Valued
from tests.conftest import add_partner, settings_for
from tests.integration.helpers import authorize_command, capture, card, earn, enroll

DAY_1, DAY_2, DAY_3 = date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24)
OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
SKEW = timedelta(minutes=40)


@pytest.fixture
def hub(database_url: str, clock: ManualClock) -> Iterator[bootstrap.Hub]:
    settings = replace(settings_for(database_url), fraud_checks=False)
    wired = bootstrap.build(settings, clock=clock)
    add_partner(wired, "coffee")
    add_partner(wired, "fuel")
    yield wired
    report = wired.operator.verify_ledger()
    wired.close()
    assert report.ok, report.violations


def at(clock: ManualClock, when: datetime) -> None:
    clock.advance(when - clock.now())


def settle(hub: bootstrap.Hub, clock: ManualClock, day: date) -> SettlementRunView:
    at(clock, datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + SKEW)
    return hub.settlement_api().run(RunSettlement(day, OFFICER))


def held_by_members(hub: bootstrap.Hub) -> dict[str, int]:
    """Points in members' lots per issuer, as the database holds them now."""
    statement = sa.select(lots.c.partner_id, sa.func.sum(lots.c.remaining_points)).group_by(
        lots.c.partner_id
    )
    with hub.engine.connect() as connection:
        return {issuer: int(points) for issuer, points in connection.execute(statement) if points}


def outstanding(run: SettlementRunView) -> dict[str, int]:
    return {
        p.partner_id: p.outstanding.points for p in run.settlement.partners if p.outstanding.points
    }


def late_in_statement(hub: bootstrap.Hub, day: date, partner_id: str) -> list[dict[str, object]]:
    statement = hub.settlement_api().statement(GetStatement(day, partner_id))
    return list(json.loads(statement.json)["late"])


def test_an_earn_stamped_into_a_settled_day_by_a_lagging_clock_is_settled_late_the_next_day(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    member = enroll(hub, "coffee", card()).member_id
    at(clock, datetime(2026, 11, 22, 10, tzinfo=UTC))
    earn(hub, member, 10_000, order_id="on-time")
    first = settle(hub, clock, DAY_1)
    assert outstanding(first) == held_by_members(hub) == {"coffee": 100}

    # A replica 40 minutes behind, at 00:20 on day 2, stamps 23:40 on day 1 (settled).
    at(clock, datetime(2026, 11, 23, 0, 20, tzinfo=UTC) - SKEW)
    skewed = earn(hub, member, 15_400, order_id="skewed", partner_id="fuel")
    at(clock, datetime(2026, 11, 23, 9, tzinfo=UTC))
    earn(hub, member, 2_000, order_id="day-2")
    second = settle(hub, clock, DAY_2)

    assert second.settlement.partner("fuel").issued_partner_funded == Valued(154, 154)
    assert second.settlement.partner("coffee").issued_partner_funded == Valued(20, 20)
    assert [
        (line.transaction_id, line.order_id, line.points) for line in second.settlement.late
    ] == [(skewed.transaction_id, "skewed", 154)]
    assert late_in_statement(hub, DAY_2, "fuel") == [
        {
            "kind": "earn",
            "transaction_id": str(skewed.transaction_id),
            "order_id": "skewed",
            "created_at": "2026-11-22T23:40:00Z",
            "business_date": DAY_1.isoformat(),
            "points": 154,
        }
    ]
    assert late_in_statement(hub, DAY_2, "coffee") == []
    assert second.settlement.transaction_count == 2
    assert outstanding(second) == held_by_members(hub) == {"coffee": 120, "fuel": 154}
    # The settled day is locked as it was: the late earn is on no other day.
    assert hub.settlement_api().get(DAY_1).summary_json == first.summary_json
    third = settle(hub, clock, DAY_3)
    assert third.settlement.late == ()
    assert third.settlement.transaction_count == 0
    assert outstanding(third) == held_by_members(hub)


def test_a_day_without_late_operations_lists_none_and_settles_each_operation_once(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    member = enroll(hub, "coffee", card()).member_id
    at(clock, datetime(2026, 11, 22, 23, 59, tzinfo=UTC))
    earn(hub, member, 1_000)
    first = settle(hub, clock, DAY_1)
    at(clock, datetime(2026, 11, 23, 0, 1, tzinfo=UTC))
    earn(hub, member, 3_000)
    second = settle(hub, clock, DAY_2)

    assert (first.settlement.transaction_count, second.settlement.transaction_count) == (1, 1)
    assert second.settlement.late == ()
    assert outstanding(second) == held_by_members(hub) == {"coffee": 40}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_earn_whose_commit_is_held_open_across_the_run_is_settled_late_the_next_day(
    hub: bootstrap.Hub, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = enroll(hub, "coffee", card()).member_id
    at(clock, datetime(2026, 11, 22, 10, tzinfo=UTC))
    earn(hub, member, 1_000, order_id="on-time")
    at(clock, datetime(2026, 11, 22, 23, 59, tzinfo=UTC))
    written, release = threading.Event(), threading.Event()
    holder: list[threading.Thread] = []
    commit = SqlUnitOfWork.commit

    def held_commit(uow: SqlUnitOfWork) -> None:
        if holder and threading.current_thread() is holder[0]:
            # The earn's rows are written (and its transaction id taken), not committed.
            uow._sql.rows(sa.select(sa.literal(1)))  # type: ignore[union-attr]
            written.set()
            release.wait(30)
        commit(uow)

    monkeypatch.setattr(SqlUnitOfWork, "commit", held_commit)
    slow = threading.Thread(target=earn, args=(hub, member, 5_000), kwargs={"order_id": "slow"})
    holder.append(slow)
    slow.start()
    assert written.wait(30)
    # A later transaction completes first, so the held one is running inside the snapshot's
    # range (not merely after it).
    other = enroll(hub, "coffee", card("4000999988887777")).member_id
    earn(hub, other, 2_000, order_id="quick")
    first = settle(hub, clock, DAY_1)
    assert outstanding(first) == held_by_members(hub) == {"coffee": 30}
    release.set()
    slow.join(30)

    assert held_by_members(hub) == {"coffee": 80}
    second = settle(hub, clock, DAY_2)
    assert [(line.order_id, line.points) for line in second.settlement.late] == [("slow", 50)]
    assert [line["business_date"] for line in late_in_statement(hub, DAY_2, "coffee")] == [
        DAY_1.isoformat()
    ]
    assert second.settlement.partner("coffee").issued_partner_funded == Valued(50, 50)
    assert outstanding(second) == held_by_members(hub) == {"coffee": 80}


def test_refunds_of_a_settled_days_operations_are_listed_as_adjustments_with_the_order_id(
    hub: bootstrap.Hub, clock: ManualClock
) -> None:
    member = enroll(hub, "coffee", card()).member_id
    at(clock, datetime(2026, 11, 22, 10, tzinfo=UTC))
    earned = earn(hub, member, 10_000, order_id="E-1")
    command = authorize_command(member, 30, partner_id="fuel")
    held = hub.partner_api().authorize(
        replace(command, purchase=replace(command.purchase, order_id="H-1"))
    )
    capture(hub, held.hold_id, partner_id="fuel")
    settle(hub, clock, DAY_1)
    at(clock, datetime(2026, 11, 23, 9, tzinfo=UTC))
    partners = hub.partner_api()
    partners.refund_earn(
        RefundEarn("coffee", "r-1", earned.transaction_id, Money(1_000, currency("EUR")))
    )
    partners.refund_redemption(RefundRedemption("fuel", "r-2", held.hold_id, 5))
    second = settle(hub, clock, DAY_2)

    assert sorted((a.kind, a.order_id) for a in second.settlement.adjustments) == [
        ("refund_earn", "E-1"),
        ("refund_redemption", "H-1"),
    ]
    statement = hub.settlement_api().statement(GetStatement(DAY_2, "fuel"))
    [adjustment] = json.loads(statement.json)["adjustments"]
    assert (adjustment["order_id"], adjustment["related_business_date"]) == ("H-1", "2026-11-22")
    assert "order_id=H-1" in statement.csv.decode()
