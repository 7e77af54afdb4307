"""``hub rules`` as operators run it: over gRPC to a real mTLS hub, with their certificate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import add_partner
from tests.e2e import operator_desk
from tests.e2e.staff import StaffDesk

STARTS = "2026-01-01T00:00:00Z"


@pytest.fixture
def db(hub, tmp_path) -> Iterator[StaffDesk]:
    """An operator's desk before a hub with partner coffee (named ``db`` as when the commands
    opened the database themselves)."""
    add_partner(hub, "coffee")
    with operator_desk.open_desk(hub, tmp_path) as desk:
        yield desk


def rules(desk: StaffDesk, *args: str, reason: str | None = "T-42") -> str:
    """Run ``hub rules ...`` as the operator and return its output; it must succeed."""
    flags = ("--reason", reason) if reason else ()
    return operator_desk.ok(desk, "rules", *args, *flags)


def refused(desk: StaffDesk, *args: str) -> str:
    """Run ``hub rules ...`` and return its one-line error; it must fail with exit code 2."""
    return operator_desk.refused(desk, "rules", *args)


def test_every_kind_of_rule_is_set_from_the_command_line(db):
    tiers = rules(db, "tiers", "--tier", "base:0", "--tier", "silver:1000", "--tier", "gold:5000")
    assert "rule tiers version 1 (tiers)" in tiers
    assert "base 0 < silver 1000 < gold 5000" in tiers
    benefits = rules(
        db, "benefits", "coffee", "--multiplier", "gold=2", "--burn-value", "gold=0.012"
    )
    assert "rule tier-benefits:coffee version 1" in benefits
    assert "multipliers gold ×2; burn values gold 0.012" in benefits
    exclusions = rules(
        db,
        "exclusions",
        "coffee",
        "--earn-category",
        "tobacco",
        "--exclude-discounted",
        "--burn-category",
        "gift-cards",
    )
    assert "no earn on tobacco; discounted lines earn nothing; no burn on gift-cards" in exclusions
    stacking = rules(db, "stacking", "coffee", "--mode", "stack", "--max-multiplier", "3")
    assert "campaigns stack up to ×3" in stacking
    campaign = rules(
        db,
        "campaign",
        "breakfast",
        "--label",
        "Breakfast",
        "--multiplier",
        "2",
        "--partner",
        "coffee",
        "--starts",
        STARTS,
        "--category",
        "pastry",
        "--channel",
        "pos",
        "--weekday",
        "mon",
        "--weekday",
        "fri",
        "--hours",
        "07:00-10:00",
        "--tier",
        "gold",
        "--priority",
        "5",
        "--budget",
        "5000",
        "--funder",
        "coalition",
    )
    assert "Breakfast: ×2 at coffee from 2026-01-01 00:00:00Z, budget 5000" in campaign
    cap = rules(db, "cap", "monthly", "--period", "month", "--points", "5000")
    assert "at most 5000 points per month across partners" in cap
    welcome = rules(db, "welcome", "hello", "--points", "100", "--funder", "coalition")
    assert "100 points to members enrolled anywhere, funded by the coalition" in welcome
    event = rules(
        db,
        "event",
        "reviews",
        "--partner",
        "coffee",
        "--event",
        "review",
        "--points",
        "50",
        "--max-per-member",
        "3",
    )
    assert "review: 50 points, at most 3 per member" in event


def test_rules_are_listed_shown_changed_and_ended(db):
    rules(db, "tiers", "--tier", "base:0", "--tier", "gold:5000")
    rules(
        db,
        "campaign",
        "double",
        "--label",
        "Double",
        "--bonus-points",
        "100",
        "--starts",
        STARTS,
        "--hours",
        "22:00-02:00",
        "--weekday",
        "sat",
        "--budget",
        "1000",
    )
    rules(db, "cap", "coffee-daily", "--period", "day", "--points", "300", "--partner", "coffee")
    ending = rules(db, "end", "coffee-daily", "--effective-from", "2099-01-01T00:00:00Z")
    assert "rule coffee-daily version 2 (cap) from 2099-01-01 00:00:00Z: ended" in ending

    listed = rules(db, "list", "--partner", "coffee", reason=None)
    assert listed.startswith("in force at 2026-11-22 10:00:00Z\n")  # the hub's now, not ours
    in_force, scheduled = listed.split("scheduled")
    for expected in ("tiers", "double", "+100 points everywhere", "coffee-daily", "300 points"):
        assert expected in in_force
    assert "coffee-daily" in scheduled
    assert "ended" in scheduled
    before = rules(db, "list", "--at", "2025-06-01T00:00:00Z", reason=None)
    assert before.startswith("in force at 2025-06-01 00:00:00Z\n")
    assert "double" not in before.split("scheduled")[0]
    assert "coffee  " in before.split("scheduled")[1].splitlines()[-1]  # an end's partner

    shown = rules(db, "show", "double", reason=None)
    assert "version 1 (campaign) from" in shown
    assert "by spiffe://coalition.hub/staff/operator/ada at" in shown  # the certificate's
    for line in (
        "bonus points: 100",
        "weekdays: sat",
        "day start min: 22:00",
        "day end min: 02:00",
    ):
        assert line in shown
    assert "budget: 0 of 1000 points given, 1000 left" in shown
    ended = rules(db, "show", "coffee-daily", reason=None)
    assert "version 2 (cap)" in ended
    assert "  ended" in ended


def test_bad_flags_get_one_line_errors_and_exit_code_2(db):
    tier = refused(db, "tiers", "--tier", "gold", "--reason", "x")
    assert "--tier takes NAME:THRESHOLD" in tier
    assert "INVALID_RULE" in tier
    multiplier = refused(
        db,
        "campaign",
        "c",
        "--label",
        "L",
        "--multiplier",
        "two",
        "--starts",
        STARTS,
        "--reason",
        "x",
    )
    assert "--multiplier must be a decimal number" in multiplier
    zone = refused(
        db,
        "campaign",
        "c",
        "--label",
        "L",
        "--multiplier",
        "2",
        "--starts",
        "2026-01-01",
        "--reason",
        "x",
    )
    assert "--starts must be an ISO-8601 instant with a zone" in zone
    hours = refused(
        db, "campaign", "c", "--label", "L", "--bonus-points", "5", "--starts", STARTS,
        "--hours", "7-10", "--reason", "x",
    )  # fmt: skip
    assert "--hours takes HH:MM-HH:MM" in hours
    assert "cap.limit_points" in refused(
        db, "cap", "c", "--period", "day", "--points", "0", "--reason", "x"
    )
    assert "PARTNER_NOT_FOUND" in refused(
        db, "exclusions", "ghost", "--earn-category", "x", "--reason", "x"
    )
    assert "RULE_NOT_FOUND" in refused(db, "end", "nope", "--reason", "x")
    assert "RULE_IN_PAST" in refused(
        db, "cap", "c", "--period", "day", "--points", "5",
        "--effective-from", "2001-01-01T00:00:00Z", "--reason", "x",
    )  # fmt: skip
    assert "RULE_NOT_FOUND" in refused(db, "show", "nope")


def test_fraud_thresholds_are_set_per_partner_and_for_the_coalition_and_shown(db):
    partner = rules(
        db,
        "fraud",
        "--partner",
        "coffee",
        "--velocity-count",
        "10/30",
        "--velocity-window-s",
        "1800",
        "--linked-members",
        "off",
        "--cashier-cards",
        "off/120",
        "--earn-then-burn-points",
        "300",
        "--farming-days",
        "14",
    )
    assert "rule fraud:coffee version 1 (fraud)" in partner
    assert "defaults except velocity window s 1800; velocity count review at 10, deny at 30" in (
        partner
    )
    coalition = rules(db, "fraud", "--dormant-days", "365")
    assert "rule fraud version 1 (fraud)" in coalition
    assert "defaults except dormant days 365" in coalition

    shown = rules(db, "show", "fraud:coffee", reason=None)
    assert "version 1 (fraud) from" in shown
    for line in (
        "partner id: coffee",
        "velocity window s: 1800",
        "velocity count: review at 10, deny at 30",
        "velocity points: review at 20000",  # left out: the default
        "earn then burn points: review at 300",
        "cashier cards: deny at 120",
        "linked members: off",
        "farming days: 14",
        "dormant days: 180",
    ):
        assert f"  {line}\n" in shown
    listed = rules(db, "list", "--partner", "coffee", reason=None)
    assert "fraud:coffee" in listed
    assert "the default thresholds" not in listed
    assert "dormant days 365" in listed  # the coalition's apply to coffee too

    changed = rules(db, "fraud", "--partner", "coffee")
    assert "rule fraud:coffee version 2 (fraud)" in changed
    assert "the default thresholds" in changed


def test_bad_fraud_flags_get_one_line_errors_naming_the_flag_or_field(db):
    assert "--velocity-count takes REVIEW or REVIEW/DENY" in refused(
        db, "fraud", "--velocity-count", "ten", "--reason", "x"
    )
    assert "--linked-members takes REVIEW or REVIEW/DENY" in refused(
        db, "fraud", "--linked-members", "5/", "--reason", "x"
    )
    inverted = refused(db, "fraud", "--velocity-count", "60/20", "--reason", "x")
    assert "INVALID_RULE" in inverted
    assert "fraud.velocity_count.deny_at must be at least review_at (60)" in inverted
    assert "fraud.velocity_window_s must be 1..2592000" in refused(
        db, "fraud", "--velocity-window-s", "0", "--reason", "x"
    )
    assert "PARTNER_NOT_FOUND" in refused(db, "fraud", "--partner", "ghost", "--reason", "x")
