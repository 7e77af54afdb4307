"""A hub replica whose clock is 40 minutes behind (``faketime``) posts an earn after its
business day was settled, on PostgreSQL: the next day settles it, listed as late with its own
stamp and business date, and after each run the outstanding points per issuer are the points
members hold.

The day closes 20 minutes before the test starts (``HUB_SETTLEMENT_CUTOFF``), so the replica's
clock, 40 minutes behind, stamps its earn into a day the test has just settled by the real
clock.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from hub import bootstrap
from hub.adapters.tables import lots, transactions
from hub.domain.clock import ManualClock
from hub.services.commands import Attribution, GetStatement, RunSettlement
from hub.services.results import SettlementRunView
from tests.conftest import KEYS_ENV, add_partner, settings_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

OFFICER = Attribution("spiffe://coalition.hub/staff/officer/olga", "nightly settlement")
BEHIND = timedelta(minutes=40)
CUTOFF_AGO = timedelta(minutes=20)


def held_by_members(hub: bootstrap.Hub) -> dict[str, int]:
    statement = sa.select(lots.c.partner_id, sa.func.sum(lots.c.remaining_points)).group_by(
        lots.c.partner_id
    )
    with hub.engine.connect() as connection:
        return {issuer: int(points) for issuer, points in connection.execute(statement) if points}


def outstanding(run: SettlementRunView) -> dict[str, int]:
    return {
        p.partner_id: p.outstanding.points for p in run.settlement.partners if p.outstanding.points
    }


@pytest.fixture
def lagging_replica(pg_url: str, cutoff: str) -> Iterator[str]:
    """``hub serve`` on ``pg_url`` under ``faketime``, 40 minutes behind; its address."""
    if shutil.which("faketime") is None:
        pytest.fail("faketime is not installed (Debian package faketime)")
    env = os.environ | KEYS_ENV | {"HUB_SETTLEMENT_CUTOFF": cutoff, "HUB_FRAUD_CHECKS": "off"}
    command = ["faketime", "-f", f"-{int(BEHIND.total_seconds() // 60)}m", sys.executable]
    command += ["-m", "hub", "serve", "--db", pg_url, "--listen", "127.0.0.1:0", "--insecure"]
    # faketime forks the hub and does not pass signals on: the hub gets a process group of its
    # own, and the whole group is stopped, or the hub would outlive the test.
    server = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().split(" on ")[1].strip()
    finally:
        _stop_group(server)


def _stop_group(server: subprocess.Popen[str]) -> None:
    """SIGTERM the group (the hub drains), then SIGKILL whatever is left after 30 s."""
    group_id = server.pid
    os.killpg(group_id, signal.SIGTERM)
    server.wait(timeout=30)  # reaped, or the group would never look empty
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group_id, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(group_id, signal.SIGKILL)


@pytest.fixture
def started_at() -> datetime:
    now = datetime.now(UTC)
    if (now - BEHIND - timedelta(minutes=5)).date() != now.date():
        pytest.skip("the day would close across midnight UTC; run it later")
    return now


@pytest.fixture
def cutoff(started_at: datetime) -> str:
    return (started_at - CUTOFF_AGO).strftime("%H:%M")


def test_an_earn_by_a_replica_40_minutes_behind_is_settled_late_with_the_next_day(
    pg_url: str, started_at: datetime, cutoff: str, request: pytest.FixtureRequest
) -> None:
    from partner_sdk import HubClient, Identifier

    clock = ManualClock(started_at - timedelta(hours=2))
    settings = replace(settings_for(pg_url), fraud_checks=False, settlement_cutoff=cutoff)
    hub = bootstrap.build(settings, clock=clock)
    add_partner(hub, "coffee")
    day = started_at.date()
    clock.advance(started_at - clock.now())
    first = hub.settlement_api().run(RunSettlement(day, OFFICER))
    assert outstanding(first) == held_by_members(hub) == {}

    target = request.getfixturevalue("lagging_replica")
    with HubClient(target, partner_id="coffee") as till:
        card = Identifier.card("4000123412341234")
        till.enroll(card)
        earned = till.earn(card, amount_minor=15_400, currency="EUR", order_id="skewed")
    with hub.engine.connect() as connection:
        stamped = connection.execute(
            sa.select(transactions.c.created_at).where(transactions.c.order_id == "skewed")
        ).scalar_one()
    assert stamped < first.window_end  # stamped into the day already settled

    clock.advance(timedelta(days=1))
    second = hub.settlement_api().run(RunSettlement(day + timedelta(days=1), OFFICER))

    assert [(str(line.transaction_id), line.points) for line in second.settlement.late] == [
        (earned.transaction_id, 154)
    ]
    statement = hub.settlement_api().statement(GetStatement(day + timedelta(days=1), "coffee"))
    [late] = json.loads(statement.json)["late"]
    assert (late["order_id"], late["business_date"]) == ("skewed", day.isoformat())
    assert second.settlement.partner("coffee").issued_partner_funded.points == 154
    assert outstanding(second) == held_by_members(hub) == {"coffee": 154}
    assert hub.settlement_api().get(day).summary_json == first.summary_json
    hub.close()
