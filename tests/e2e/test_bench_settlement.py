"""``hub bench --settlement`` as an operator runs it, and the day it generates."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from hub import bootstrap
from hub.adapters.database import create_engine
from hub.bench import settlement
from tests.conftest import add_partner, settings_for

TINY_ENTRIES = 20_000
TIMINGS = ("group_by_s", "settlement_s")
COUNTS = """SELECT
  (SELECT count(*) FROM entries) AS entries,
  (SELECT count(*) FROM transactions) AS transactions,
  (SELECT count(*) FROM partners) AS partners"""
POINTS_BY_KIND = "SELECT kind, sum(points) FROM transactions GROUP BY kind"


def hub_command(*args: str) -> subprocess.CompletedProcess[str]:
    # Without a database URL in the environment, the bench runs on a temporary SQLite file.
    env = {name: value for name, value in os.environ.items() if name != "HUB_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "hub", "bench", "--settlement", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(sa.text(COUNTS)).mappings().one())
    finally:
        engine.dispose()


def points_by_kind(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            return {
                kind: int(points) for kind, points in connection.execute(sa.text(POINTS_BY_KIND))
            }
    finally:
        engine.dispose()


def check_report(report: dict[str, object], database: str, entries: int) -> None:
    assert report["database"] == database
    assert report["business_date"] == "2026-11-20"
    assert report["entries"] == entries
    assert report["transactions"] > 0
    assert report["runs"] == settlement.RUNS
    for timing in TIMINGS:
        assert report[timing] > 0
    for runs in ("group_by_runs_s", "settlement_runs_s"):
        assert len(report[runs]) == settlement.RUNS
        assert all(seconds > 0 for seconds in report[runs])
    assert report["group_by_rows"] > len(settlement.PARTNERS)
    assert report["settlement_steps_s"]
    assert report["settlement_same_result"] is True
    assert report["ratios"]["settlement_vs_group_by"] > 0
    assert report["targets"] == {"settlement_vs_group_by": 2.0}
    rss = report["rss_peak_mb"]
    assert set(rss) == {"after_generation", "after_settlement", "after_group_by"}
    assert all(megabytes > 0 for megabytes in rss.values())


@pytest.mark.slow
@pytest.mark.postgres
def test_the_settlement_bench_on_postgresql_reports_both_timings_their_ratio_and_memory(pg_url):
    done = hub_command("--entries", str(TINY_ENTRIES), "--db", pg_url, "--json")

    assert done.returncode == 0, done.stderr
    check_report(json.loads(done.stdout), "postgresql", TINY_ENTRIES)
    assert "settlement run 3/3" in done.stderr
    assert counts(pg_url)["entries"] == TINY_ENTRIES


@pytest.mark.slow
@pytest.mark.postgres
def test_the_bench_day_is_a_valid_ledger_whose_settlement_accounts_for_every_point(pg_url):
    report = settlement.run_bench(pg_url, TINY_ENTRIES)

    hub = bootstrap.build(settings_for(pg_url))
    try:
        assert hub.operator.verify_ledger().violations == ()
        settled = hub.settlement_api().get(settlement.BUSINESS_DATE).settlement
    finally:
        hub.close()
    points = points_by_kind(pg_url)
    assert settled.transaction_count == report["transactions"]
    issued = sum(
        p.issued_partner_funded.points + p.issued_coalition_funded.points for p in settled.partners
    )
    assert issued == points["earn"] - points["refund_earn"]
    assert sum(p.issued_coalition_funded.points for p in settled.partners) > 0
    redeemed = sum(cell.points for cell in settled.matrix)
    assert redeemed == points["capture"] - points["refund_redemption"]
    assert any(cell.issuer_id != cell.redeemer_id for cell in settled.matrix)
    assert settled.breakage.points == points["expiry"]


@pytest.mark.slow
def test_the_settlement_bench_runs_on_a_temporary_sqlite_file_without_a_database():
    done = hub_command("--entries", "2000", "--json")

    assert done.returncode == 0, done.stderr
    check_report(json.loads(done.stdout), "sqlite", 2000)


@pytest.mark.slow
def test_the_settlement_bench_prints_a_table_with_the_target_without_json(sqlite_url):
    done = hub_command("--entries", "1000", "--db", sqlite_url)

    assert done.returncode == 0, done.stderr
    assert "GROUP BY account_id" in done.stdout
    assert "settlement run" in done.stdout
    assert "target: settlement <= 2.0 x GROUP BY" in done.stdout


@pytest.mark.slow
def test_the_settlement_bench_refuses_a_database_holding_data_and_writes_nothing(sqlite_url):
    hub = bootstrap.build(settings_for(sqlite_url))
    try:
        add_partner(hub, "coffee")
    finally:
        hub.close()

    done = hub_command("--entries", "1000", "--db", sqlite_url)

    assert done.returncode == 2
    assert "needs an empty one" in done.stderr
    assert counts(sqlite_url) == {"entries": 0, "transactions": 0, "partners": 1}


@pytest.mark.slow
def test_the_settlement_bench_refuses_fewer_entries_than_a_day_needs_and_writes_nothing(
    sqlite_url,
):
    done = hub_command("--entries", "999", "--db", sqlite_url)

    assert done.returncode == 2
    assert "--entries: at least 1,000; got 999" in done.stderr
    assert counts(sqlite_url) == {"entries": 0, "transactions": 0, "partners": 0}


def test_a_plan_below_the_minimum_is_refused():
    with pytest.raises(ValueError, match="at least 1000 entries"):
        settlement.plan_for(settlement.ENTRIES_MIN - 1)


@given(st.integers(min_value=settlement.ENTRIES_MIN, max_value=10**9))
def test_a_plan_has_exactly_the_entries_asked_for_and_earns_for_everything_that_consumes_them(
    entries,
):
    plan = settlement.plan_for(entries)

    assert plan.entries == entries
    assert plan.earns >= 2 * plan.redemptions + plan.expiries + plan.earn_refunds
    assert 0 < plan.coalition_funded <= 2 * plan.redemptions
    assert plan.redemption_refunds <= plan.redemptions
    assert min(plan.members, plan.expiries, plan.earn_refunds, plan.redemption_refunds) > 0
