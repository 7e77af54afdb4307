"""``hub tuning preview`` as an operator or analyst runs it: through the FraudTuningService of
a real mTLS hub, with only their certificate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.e2e.staff import ADA, ANA, OLGA, StaffDesk
from tests.integration.test_fraud_tuning import RUSH, TERMINAL_REVIEW_AT, _a_day_at_the_coffee_shop

FLAGGED_NOW = RUSH - TERMINAL_REVIEW_AT + 1


@pytest.fixture
def desk(hub, coffee, clock, tmp_path) -> Iterator[StaffDesk]:
    _a_day_at_the_coffee_shop(hub, clock)
    clock.advance(timedelta(minutes=1))
    opened = StaffDesk.open(hub, tmp_path)
    yield opened
    opened.close()


def _rows(out: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split()[1:] for line in out.splitlines() if "_" in line[:30]}


def test_an_operator_sees_per_rule_what_a_change_would_have_flagged(desk):
    ran = desk.run(
        ADA, "tuning", "preview", "coffee", "--days", "1", "--set", "terminal_cards.review_at=20"
    )

    assert ran.code == 0, ran.err
    assert f"coffee: {RUSH + 6} earns and redemptions of the last 1 day(s) replayed" in ran.out
    # rule, flags now, declines now, flags proposed, declines proposed, recorded
    assert _rows(ran.out)["terminal_many_cards"] == [
        str(FLAGGED_NOW),
        "0",
        "0",
        "0",
        str(FLAGGED_NOW),
    ]
    assert _rows(ran.out)["earn_above_history"] == ["1", "0", "1", "0", "1"]
    assert "linked_members not replayed" in ran.out


def test_an_analyst_may_preview_and_gets_json(desk):
    ran = desk.run(
        ANA,
        "tuning",
        "preview",
        "coffee",
        "--days",
        "1",
        "--json",
        "--set",
        "history_multiple.review_at=never",
    )

    assert ran.code == 0, ran.err
    answer = json.loads(ran.out)
    rules = {rule["rule"]: rule for rule in answer["rules"]}
    assert rules["earn_above_history"]["current_flags"] == 1  # a number, as every listing's
    assert rules["earn_above_history"]["proposed_flags"] == 0  # typed, not left out
    assert answer["proposed"]["history_multiple"] == {"review_at": 0, "deny_at": 0}  # 0: never
    assert answer["proposed"]["partner_id"] == "coffee"


def test_an_officer_may_not_preview(desk):
    ran = desk.run(OLGA, "tuning", "preview", "coffee")

    assert ran.code == 2
    assert "ROLE_NOT_ALLOWED" in ran.err


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (("--days", "31"), "PREVIEW_OUT_OF_RANGE"),
        (("--set", "terminal_cards.warn_at=5"), "UNKNOWN_FRAUD_SETTING"),
        (("--set", "terminal_cards.deny_at=5"), "INVALID_RULE"),
    ],
)
def test_bad_input_is_refused_in_one_line_with_its_reason(desk, argv, reason):
    ran = desk.run(ADA, "tuning", "preview", "coffee", *argv)

    assert ran.code == 2, ran.out
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    assert reason in ran.err


def test_an_unknown_partner_is_not_found(desk):
    ran = desk.run(ADA, "tuning", "preview", "nobody")

    assert ran.code == 2
    assert "PARTNER_NOT_FOUND" in ran.err
