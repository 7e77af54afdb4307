"""Fraud thresholds as a rule: each field's check and the field it names, and the rule ids
derived for the coalition's thresholds and each partner's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from fraud.thresholds import DEFAULT_THRESHOLDS, FraudThresholds, Threshold
from hub.domain.errors import InvalidRule
from hub.domain.limits import POINTS_PER_OPERATION_MAX
from hub.domain.rule_checks import (
    FRAUD_THRESHOLD_MAX,
    FRAUD_WINDOW_MAX_S,
    check_change,
    check_definition,
    rule_id_for,
)
from hub.domain.rules import (
    Campaign,
    Cap,
    CapPeriod,
    RuleKind,
    Ruleset,
    RuleVersion,
    WelcomeBonus,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
COFFEE = FraudThresholds("coffee")
COALITION = FraudThresholds()
TOO_HIGH = FRAUD_THRESHOLD_MAX + 1
WINDOWS = ("velocity_window_s", "earn_then_burn_window_s", "till_window_s", "cashier_card_window_s")
THRESHOLDS = (
    "velocity_count",
    "velocity_points",
    "earn_then_burn_points",
    "refund_debt_points",
    "terminal_cards",
    "cashier_cards",
    "cashier_card_receipts",
    "linked_members",
    "history_multiple",
    "travel_speed_kmh",
    "farming_earns",
    "dormant_burn_percent",
)


def coffee(**changes: object) -> FraudThresholds:
    return replace(COFFEE, **changes)  # type: ignore[arg-type]


# -- valid ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "definition",
    [
        COALITION,
        COFFEE,
        DEFAULT_THRESHOLDS,
        coffee(velocity_count=Threshold()),
        coffee(velocity_count=Threshold(None, 5), velocity_points=Threshold(5, 5)),
        coffee(velocity_points=Threshold(1, FRAUD_THRESHOLD_MAX)),
        coffee(**dict.fromkeys(WINDOWS, 1)),
        coffee(**dict.fromkeys(WINDOWS, FRAUD_WINDOW_MAX_S)),
        coffee(history_min_earns=1, travel_min_km=1, dormant_min_points=1),
        coffee(history_min_earns=50, travel_min_km=20_000),
        coffee(dormant_min_points=POINTS_PER_OPERATION_MAX),
        coffee(farming_days=1, farming_min_active_days=1, dormant_days=1),
        coffee(farming_days=90, farming_min_active_days=90, dormant_days=3650),
        coffee(dormant_burn_percent=Threshold(100, 100)),
        coffee(**{name: Threshold() for name in THRESHOLDS}),
    ],
)
def test_valid_fraud_thresholds_pass_unchanged(definition):
    assert check_definition(definition) is definition


# -- each field -------------------------------------------------------------------------------

INVALID = [
    (coffee(partner_id="Coffee"), "fraud.partner_id"),
    (coffee(partner_id=""), "fraud.partner_id"),
    (coffee(partner_id="c"), "fraud.partner_id"),
    *[(coffee(**{name: 0}), f"fraud.{name}") for name in WINDOWS],
    *[(coffee(**{name: -60}), f"fraud.{name}") for name in WINDOWS],
    *[(coffee(**{name: FRAUD_WINDOW_MAX_S + 1}), f"fraud.{name}") for name in WINDOWS],
    *[(coffee(**{name: Threshold(0)}), f"fraud.{name}.review_at") for name in THRESHOLDS],
    *[(coffee(**{name: Threshold(-1)}), f"fraud.{name}.review_at") for name in THRESHOLDS],
    *[(coffee(**{name: Threshold(None, 0)}), f"fraud.{name}.deny_at") for name in THRESHOLDS],
    *[(coffee(**{name: Threshold(5, 4)}), f"fraud.{name}.deny_at") for name in THRESHOLDS],
    *[(coffee(**{name: 5}), f"fraud.{name}") for name in THRESHOLDS],
    (coffee(velocity_points=Threshold(FRAUD_THRESHOLD_MAX + 1)), "fraud.velocity_points.review_at"),
    (
        coffee(velocity_points=Threshold(1, FRAUD_THRESHOLD_MAX + 1)),
        "fraud.velocity_points.deny_at",
    ),
    (coffee(dormant_burn_percent=Threshold(101)), "fraud.dormant_burn_percent.review_at"),
    (coffee(dormant_burn_percent=Threshold(50, 101)), "fraud.dormant_burn_percent.deny_at"),
    (coffee(history_min_earns=0), "fraud.history_min_earns"),
    (coffee(history_min_earns=51), "fraud.history_min_earns"),
    (coffee(travel_min_km=0), "fraud.travel_min_km"),
    (coffee(travel_min_km=20_001), "fraud.travel_min_km"),
    (coffee(farming_days=0), "fraud.farming_days"),
    (coffee(farming_days=91), "fraud.farming_days"),
    (coffee(farming_min_active_days=0), "fraud.farming_min_active_days"),
    (coffee(farming_days=7, farming_min_active_days=8), "fraud.farming_min_active_days"),
    (coffee(dormant_days=0), "fraud.dormant_days"),
    (coffee(dormant_days=3651), "fraud.dormant_days"),
    (coffee(dormant_min_points=0), "fraud.dormant_min_points"),
    (coffee(dormant_min_points=POINTS_PER_OPERATION_MAX + 1), "fraud.dormant_min_points"),
]


@pytest.mark.parametrize(("definition", "field"), INVALID)
def test_each_invalid_fraud_field_is_refused_by_its_dotted_path(definition, field):
    with pytest.raises(InvalidRule) as caught:
        check_definition(definition)
    assert (caught.value.reason, caught.value.field) == ("INVALID_RULE", field)
    assert field in caught.value.message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"velocity_window_s": 0}, r"fraud.velocity_window_s must be 1..2592000; got 0"),
        ({"velocity_count": Threshold(60, 20)}, r"deny_at must be at least review_at \(60\)"),
        ({"linked_members": Threshold(0)}, r"review_at must be 1..\d+; got 0"),
        (
            {"farming_days": 5, "farming_min_active_days": 6},
            r"farming_min_active_days must be 1\.\.5; got 6",
        ),
        ({"velocity_count": (20, 60)}, r"must be a threshold \(review_at, deny_at\)"),
        ({"till_window_s": 60.0}, "whole number"),
        ({"history_min_earns": True}, "whole number"),
        ({"velocity_count": Threshold(Decimal(5))}, "whole number"),  # type: ignore[arg-type]
    ],
)
def test_fraud_messages_say_what_is_wrong(changes, message):
    with pytest.raises(InvalidRule, match=message):
        check_definition(coffee(**changes))


# -- rule ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "definition", "stored"),
    [
        ("", COALITION, "fraud"),
        ("fraud", COALITION, "fraud"),
        ("", COFFEE, "fraud:coffee"),
        ("fraud:coffee", COFFEE, "fraud:coffee"),
        ("fraud-week", Campaign("Fraud week", NOW, multiplier=Decimal(2)), "fraud-week"),
        ("fraudulent", Cap(CapPeriod.DAY, 5), "fraudulent"),
    ],
)
def test_fraud_rule_ids_are_derived_from_the_partner(given, definition, stored):
    assert rule_id_for(given, definition) == stored


@pytest.mark.parametrize(
    ("given", "definition", "message"),
    [
        ("fraud:tea", COFFEE, "'fraud:coffee'"),
        ("fraud", COFFEE, "'fraud:coffee'"),
        ("fraud:coffee", COALITION, "'fraud'"),
        ("coffee-fraud", COFFEE, "derived from it"),
        ("fraud", Cap(CapPeriod.DAY, 5), "reserved"),
        ("fraud:coffee", WelcomeBonus(10), "reserved"),
        ("fraud:", Cap(CapPeriod.DAY, 5), "reserved"),
    ],
)
def test_bad_fraud_rule_ids_are_refused(given, definition, message):
    with pytest.raises(InvalidRule, match=message) as caught:
        rule_id_for(given, definition)
    assert caught.value.field == "rule_id"


# -- changes and what is in force -------------------------------------------------------------


def version(rule_id: str, definition, number: int = 1) -> RuleVersion:
    return RuleVersion(rule_id, number, RuleKind.FRAUD, NOW, definition, NOW, "operator")


def test_a_partners_fraud_thresholds_may_change_but_not_become_another_kind():
    history = [version("fraud:coffee", COFFEE)]
    check_change("fraud:coffee", coffee(till_window_s=60), NOW, NOW, history, [])
    with pytest.raises(InvalidRule) as caught:
        check_change("fraud:coffee", Cap(CapPeriod.DAY, 5), NOW, NOW, history, [])
    assert caught.value.field == "definition"


def test_the_rule_ids_derived_are_those_the_ruleset_looks_up():
    partner = coffee(velocity_count=Threshold(3, 6))
    everyone = replace(COALITION, velocity_count=Threshold(4, 8))
    rules = Ruleset.in_force(
        [
            version(rule_id_for("", partner), partner),
            version(rule_id_for("", everyone), everyone),
        ],
        NOW,
    )
    assert rules.fraud_thresholds("coffee") == partner
    assert rules.fraud_thresholds("fuel") == everyone
    assert Ruleset(NOW).fraud_thresholds("coffee") == DEFAULT_THRESHOLDS


def test_a_thresholds_window_is_at_most_30_days():
    assert timedelta(seconds=FRAUD_WINDOW_MAX_S) == timedelta(days=30)
