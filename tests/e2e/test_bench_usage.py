"""``hub bench`` on PostgreSQL: what each workload costs the hub and the database, and how the
bench counts it. Timings are never asserted, only that the figures are there and sane."""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from hub.bench.usage import Meter, connection_segments, cpu_ticks
from hub.cli.bench import NOOP_TRIPS_PER_CALL, TARGETS, target_results
from tests.e2e.test_demo_and_bench import hub_command

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
USAGE_KEYS = ("server_cpu_ms_per_op", "db_cpu_ms_per_op", "db_round_trips_per_op")


@pytest.fixture(scope="module")
def bench_url(pg_template: str) -> Iterator[str]:
    """An empty PostgreSQL database for one bench run (which migrates it), dropped after."""
    server = make_url(_pg_url(pg_template))
    name = f"hub_bench_{uuid.uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(database: str) -> str:
    url = make_url(os.environ.get("HUB_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/"))
    return url.set(drivername="postgresql", database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def report(bench_url: str) -> dict[str, Any]:
    done = hub_command(
        *("bench", "--db", bench_url, "--json"),
        *("--duration", "1", "--warmup", "0.5", "--clients", "4", "--members", "20"),
        *("--fraud-history", "40"),
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_every_workload_reports_the_hubs_and_the_databases_cpu_and_round_trips(report):
    assert set(report["workloads"]) == {"noop", "earn", "authorize+capture", "earn_fraud_history"}
    for stats in report["workloads"].values():
        assert all(isinstance(stats[key], float | int) for key in USAGE_KEYS), stats
        assert all(stats[key] >= 0 for key in USAGE_KEYS), stats
    assert report["unmeasured"] == {}
    assert report["database"] == "postgresql"
    assert report["ledger_ok"] is True


def test_an_earn_makes_round_trips_and_a_redemption_more(report):
    workloads = report["workloads"]
    assert workloads["earn"]["db_round_trips_per_op"] >= 1
    assert workloads["earn"]["server_cpu_ms_per_op"] > 0
    assert workloads["earn"]["db_cpu_ms_per_op"] > 0
    # Two calls, each with its own transaction.
    assert (
        workloads["authorize+capture"]["db_round_trips_per_op"]
        > workloads["earn"]["db_round_trips_per_op"]
    )


def test_the_report_says_whether_the_no_op_reads_the_database(report):
    noop_trips = report["workloads"]["noop"]["db_round_trips_per_op"]

    assert report["noop_touches_database"] is (noop_trips > NOOP_TRIPS_PER_CALL)
    assert noop_trips < report["workloads"]["earn"]["db_round_trips_per_op"]


def test_the_fraud_history_variant_earns_at_a_busy_till_and_compares_it_with_a_fresh_one(report):
    history = report["fraud_history"]

    assert history["earns_before"] == 40
    assert history["refused"] == 0
    assert history["db_cpu_vs_fresh"] > 0
    assert history["server_cpu_vs_fresh"] > 0
    assert report["ratios"]["earn_fraud_history_vs_noop"] > 0


def test_every_target_is_reported_with_its_figure_and_verdict(report):
    results = report["target_results"]

    assert set(results) == set(TARGETS) == set(report["targets"])
    for result in results.values():
        assert isinstance(result["measured"], float | int)
        assert result["met"] in (True, False)


def test_a_ceiling_is_met_at_or_below_its_target_and_a_floor_at_or_above():
    stats = {key: None for key in USAGE_KEYS} | {"p99_ms": 25.0}
    report = {
        "workloads": {"noop": stats, "earn": stats},
        "ratios": {"earn_vs_noop": 0.4, "authorize_capture_vs_noop": 0.3},
    }

    results = target_results(report)

    assert results["earn_p99_ms"]["met"] is True
    assert results["earn_vs_noop"]["met"] is False
    assert results["earn_vs_noop_first_step"]["met"] is True
    assert results["authorize_capture_vs_noop"]["met"] is True
    assert results["earn_cpu_ms_per_op"] == {"target": 1.5, "measured": None, "met": None}
    assert results["db_round_trips_per_call"]["met"] is None


def test_a_round_trip_is_each_answer_the_database_sends(pg_url):
    port = make_url(pg_url).port or 5432
    with psycopg.connect(make_url(pg_url).render_as_string(hide_password=False)) as connection:
        with socket.socket(fileno=os.dup(connection.fileno())) as connected:
            local_port = connected.getsockname()[1]

        def trips(step: Callable[[], object]) -> int:
            before = connection_segments([os.getpid()], port)[local_port]
            step()
            return connection_segments([os.getpid()], port)[local_port] - before

        # psycopg sends the transaction's BEGIN on its own, then the query.
        assert trips(lambda: connection.execute("SELECT %s::int", (1,)).fetchall()) == 2
        assert trips(connection.commit) == 1
        assert trips(lambda: None) == 0


def test_cpu_ticks_grow_with_the_processes_work():
    before = cpu_ticks(os.getpid())
    deadline = time.process_time() + 0.1
    while time.process_time() < deadline:
        pass

    assert cpu_ticks(os.getpid()) > before
    assert cpu_ticks(2**22 + 1) == 0  # above the kernel's pid limit: no such process


def test_on_sqlite_the_database_figures_are_unmeasured_with_a_reason(tmp_path):
    meter = Meter(hub_port=1, database_url=f"sqlite:///{tmp_path}/hub.db")

    assert set(meter.unmeasured) == {"db_cpu_ms_per_op", "db_round_trips_per_op"}
    assert "inside the hub process" in meter.unmeasured["db_cpu_ms_per_op"]
