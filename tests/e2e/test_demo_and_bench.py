"""``hub demo`` and ``hub bench`` as an operator runs them: real processes, SQLite by default."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

from fraud.engine import distance_km
from fraud.facts import Location
from fraud.thresholds import DEFAULT_THRESHOLDS, Threshold
from hub.bench.flag_rate import EarnCounts
from hub.bench.workloads import SHOPS, city_stores, shop_partner, shop_tills
from hub.cli import parser
from hub.cli.bench import bench_fraud_thresholds, server_env
from hub.config import Settings
from settlement.signing import verify

pytestmark = pytest.mark.slow
LEDGER_CHECKS = (
    "transactions sum to zero",
    "running totals equal the sum of entries",
    "lot remainders equal the member's balance",
    "reserved points are the pending holds' reservations",
    "no member balance below zero except recorded refund debt",
    "no member has available points and debt at once",
    "each hold resolved at most once",
    "refunds never exceed the original",
)
SWEEP_LINE = re.compile(
    r"sweeper: expired (\d+) holds, matured (\d+) lots, expired the points of (\d+) lots"
)


class Sweep(NamedTuple):
    holds_expired: int
    lots_matured: int
    lots_expired: int


def sweeps(stdout: str) -> list[Sweep]:
    """What each of the demo's sweeps reported, in order."""
    return [Sweep(*map(int, found)) for found in SWEEP_LINE.findall(stdout)]


def hub_command(*args: str) -> subprocess.CompletedProcess[str]:
    # Without a database URL in the environment, bench runs on its own SQLite file.
    env = {name: value for name, value in os.environ.items() if name != "HUB_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "hub", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def statements_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("statements")


@pytest.fixture(scope="module")
def demo(statements_dir: Path) -> subprocess.CompletedProcess[str]:
    return hub_command("demo", "--statements", str(statements_dir))


def before_settlement(stdout: str) -> str:
    return stdout.split("\nNightly settlement\n", 1)[0]


def test_the_demo_ends_with_every_ledger_check_passing(demo):
    assert demo.returncode == 0, demo.stderr
    ledger = demo.stdout.split("\nLedger check\n", 1)[1]
    results = [line.strip() for line in ledger.splitlines()[1:]]
    assert results, demo.stdout
    assert all(result.startswith("ok ") for result in results), ledger
    for check in LEDGER_CHECKS:
        assert f"ok    {check}" in ledger


def test_the_demo_matures_pending_points_and_expires_abandoned_holds(demo):
    two_days_later, past_hold_lifetime, *_ = sweeps(demo.stdout)
    assert two_days_later.lots_matured > 0
    assert past_hold_lifetime.holds_expired > 0
    assert f"expired {past_hold_lifetime.holds_expired} holds" in demo.stdout
    redemptions = demo.stdout.split("\nRedemptions", 1)[1].split("\n\n", 1)[0]
    for status in ("captured", "voided", "expired"):
        assert status in redemptions


def test_the_demo_shows_the_typed_errors_a_till_gets(demo):
    for error in ("HoldAlreadyCaptured", "HoldExpired", "InsufficientPoints"):
        assert error in demo.stdout


def test_the_demo_refunds_into_debt_that_the_next_earn_pays_off(demo):
    refunds = demo.stdout.split("Refunds", 1)[1]
    assert "became debt" in refunds
    assert "pay the debt off" in refunds
    assert "0 debt)" in refunds
    assert "refunds part of a redemption" in refunds


def test_the_demo_voids_a_hold_whose_points_pay_the_members_debt_first(demo):
    debt_first = demo.stdout.split("\nDebt first", 1)[1].split("\n", 1)[0]
    assert "the airline voids the hold" in debt_first
    assert debt_first.endswith(" 0 debt)")


def test_the_demo_refunds_one_line_of_a_receipt_and_only_that_lines_points(demo):
    by_line = demo.stdout.split("Refunds by line", 1)[1].split("\n", 1)[0]
    assert "returning the gift card takes back 0," in by_line


def test_the_demo_expires_unspent_points_to_breakage_a_year_on(demo):
    *_, eleven_months_on, a_year_on = sweeps(before_settlement(demo.stdout))
    assert eleven_months_on.lots_expired == 0
    assert a_year_on.lots_expired > 0
    assert "expired to breakage" in demo.stdout


def test_the_demo_ends_with_the_nights_settlement_as_tables(demo):
    night = demo.stdout.split("The next night: the day is settled", 1)[1]
    for table in ("matrix (points issued by row", "net positions:", "transfers:", "margin:"):
        assert table in night
    assert "fuel               " in night.split("net positions:", 1)[0]  # a matrix row
    assert "coalition:clearing" in night.split("transfers:", 1)[1]
    assert "pat approved it: approved" in demo.stdout
    assert "SAME_OFFICER" in night
    assert "1 matched, 1 missing at the hub, 1 missing at fuel, 1 mismatched" in night
    # The earn a lagging replica stamped into the settled day is settled with the next one.
    assert "40 minutes behind" in demo.stdout.split("The next night", 1)[0]
    assert "late operations (committed after their day was settled): 1" in night


def test_the_demo_writes_signed_statements_that_verify(demo, statements_dir):
    (day,) = [folder for folder in statements_dir.iterdir() if folder.is_dir()]
    public_key = (day / "hub-signing-key.pem").read_bytes()
    statements = sorted(day.glob("*.json")) + sorted(day.glob("*.csv"))

    assert [path.stem for path in statements] == ["airline", "coffee", "fuel"] * 2
    for path in statements:
        verify(path.read_bytes(), path.with_name(path.name + ".sig").read_bytes(), public_key)
    assert json.loads((day / "fuel.json").read_text())["business_date"] == day.name


def test_the_demo_prints_receipts_with_a_tier_upgrade_double_points_and_an_excluded_item(demo):
    rules = demo.stdout.split("Rules in force", 1)[1].split("Eleven months on", 1)[0]
    receipts = [
        "\n".join(line for line in block.splitlines() if line.startswith("  | "))
        for block in rules.split("\nQuote and receipt")[1:]
    ]
    assert "Double points week x2" in rules
    assert "No points: gift-card-1000, category gift-" in rules
    assert "No points: croissant, discounted item" in rules
    assert "New tier: silver (was base), from your next" in rules
    assert "silver tier x1.5" in rules
    assert rules.count("exactly what the quote promised") == 3
    assert receipts, rules
    assert "welcome bonus 50 points" in rules


EVENT_LINE = re.compile(r"^    event +(\d+) (\w+) +(.+) \(verified\)$", re.MULTILINE)
EVENT_COUNT = re.compile(r"^(\w+) +(\d+) +(\d+)$", re.MULTILINE)


def test_the_demo_relays_its_event_stream_to_a_partners_webhook_that_verifies_each(demo):
    assert "webhook is https://127.0.0.1:" in demo.stdout
    stream = demo.stdout.split("\nEvent stream", 1)[1].split("\nAudit log", 1)[0]
    samples = EVENT_LINE.findall(stream)
    kinds = {kind for _, kind, _ in samples}
    assert {"earned", "redeemed", "refunded", "flag_raised", "settlement_ready"} <= kinds
    assert any(kind == "earned" and " points" in what for _, kind, what in samples)
    counts = {kind: (int(w), int(r)) for kind, w, r in EVENT_COUNT.findall(stream)}
    assert counts["earned"][0] > 0
    assert all(written == received for written, received in counts.values()), stream
    assert "refused a delivery" not in stream
    delivered = int(re.search(r"([\d,]+) deliveries to", stream)[1].replace(",", ""))
    assert delivered == sum(written for written, _ in counts.values())


def test_the_bench_reports_three_workloads_their_ratios_and_a_clean_ledger():
    done = hub_command(
        *("bench", "--duration", "1", "--warmup", "0.5", "--clients", "4", "--members", "20"),
        *("--rules", "--json"),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["workloads"]) == {"noop", "earn", "authorize+capture"}
    for stats in report["workloads"].values():
        assert stats["operations"] > 0
        assert stats["errors"] == 0
        assert stats["p99_ms"] > 0
    assert set(report["ratios"]) == {"earn_vs_noop", "authorize_capture_vs_noop"}
    assert all(ratio > 0 for ratio in report["ratios"].values())
    assert report["targets"]["authorize_capture_vs_noop"] == 0.3
    assert report["database"] == "sqlite"
    assert report["rules"] is True
    assert report["ledger_ok"] is True
    # SQLite runs inside the hub: its CPU is the hub's, and it has no round trips.
    for stats in report["workloads"].values():
        assert stats["server_cpu_ms_per_op"] >= 0
        assert stats["db_cpu_ms_per_op"] is None
        assert stats["db_round_trips_per_op"] is None
    assert set(report["unmeasured"]) == {"db_cpu_ms_per_op", "db_round_trips_per_op"}
    assert report["noop_touches_database"] is None
    # The earn workload is ordinary traffic at three shops; the report counts what was flagged.
    flags = report["earn_flags"]
    assert flags["earns"] >= report["workloads"]["earn"]["operations"] > 0
    assert flags["flagged_percent"] == round(100 * flags["flagged"] / flags["earns"], 3)
    assert report["target_results"]["earn_flagged_percent"]["target"] == 0.2


def test_no_fraud_serves_the_bench_with_the_fraud_checks_off_and_they_are_on_by_default():
    key = "00" * 32
    off = server_env(parser().parse_args(["bench", "--no-fraud"]), key)
    on = server_env(parser().parse_args(["bench"]), key)

    assert Settings.from_env(off).fraud_checks is False
    assert Settings.from_env(on).fraud_checks is True


def test_the_bench_tills_send_a_full_point_of_sale_from_stores_of_one_city():
    stores = city_stores()
    tills = [store.till() for store in stores for _ in range(5)]
    places = [Location(store.latitude, store.longitude) for store in stores]

    assert len({store.store_id for store in stores}) == len(stores)
    assert all(t.store_id and t.terminal_id and t.cashier_id and t.channel == "pos" for t in tills)
    assert all(t.latitude is not None and t.longitude is not None for t in tills)
    # Hopping between them is never impossible travel, whatever the bench's pace.
    farthest_km = max(distance_km(a, b) for a in places for b in places)
    assert 1 < farthest_km < DEFAULT_THRESHOLDS.travel_min_km


def test_the_bench_partners_fraud_thresholds_only_lift_the_rules_that_count_in_a_window():
    thresholds = bench_fraud_thresholds("bench-1")
    changed = {
        field.name
        for field in dataclasses.fields(thresholds)
        if getattr(thresholds, field.name) != getattr(DEFAULT_THRESHOLDS, field.name)
    }

    assert thresholds.partner_id == "bench-1"
    assert changed == {
        "partner_id",
        "velocity_count",
        "velocity_points",
        "terminal_cards",
        "cashier_cards",
        "cashier_card_receipts",
    }
    assert all(getattr(thresholds, name) == Threshold() for name in changed - {"partner_id"})


def test_the_bench_shops_share_the_clients_by_their_share_of_earns():
    tills = shop_tills("localhost:1", "bench-1", 32)
    partners = Counter(client.partner_id for client, _, _ in tills)

    assert partners == {"bench-1-coffee": 23, "bench-1-grocer": 6, "bench-1-fuel": 3}
    assert shop_partner("bench-1", SHOPS[0]) == "bench-1-coffee"


def test_the_flag_rate_is_flags_per_hundred_earns_since_a_snapshot():
    before, after = EarnCounts(100, 1), EarnCounts(2_100, 3)

    assert after.since(before) == EarnCounts(2_000, 2)
    assert after.since(before).flagged_percent == 0.1
    assert EarnCounts(0, 0).flagged_percent is None
