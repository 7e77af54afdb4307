"""The rules API's conversion of fraud thresholds: proto to domain and back, with unset fields
keeping the defaults and 0 inside a threshold meaning never."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coalition.hub.v1 import rules_pb2
from fraud.thresholds import DEFAULT_THRESHOLDS, FraudThresholds, Threshold
from hub.api import rules_convert
from hub.domain.errors import InvalidRule
from hub.domain.rule_checks import check_definition
from hub.domain.rules import RuleKind, RuleVersion

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
T = rules_pb2.FraudThreshold
EVERY_FIELD = rules_pb2.FraudThresholds(
    partner_id="coffee",
    velocity_window_s=1800,
    velocity_count=T(review_at=10, deny_at=30),
    velocity_points=T(review_at=5000),
    earn_then_burn_window_s=600,
    earn_then_burn_points=T(review_at=200, deny_at=2000),
    refund_debt_points=T(review_at=50),
    till_window_s=7200,
    terminal_cards=T(review_at=30, deny_at=90),
    cashier_cards=T(deny_at=120),
    cashier_card_window_s=43_200,
    cashier_card_receipts=T(review_at=4, deny_at=8),
    linked_members=T(),
    history_min_earns=3,
    history_multiple=T(review_at=8, deny_at=40),
    travel_min_km=50,
    travel_speed_kmh=T(review_at=800, deny_at=3000),
    farming_days=14,
    farming_min_active_days=10,
    farming_earns=T(review_at=60),
    dormant_days=365,
    dormant_min_points=500,
    dormant_burn_percent=T(review_at=70, deny_at=95),
)


def domain(message: rules_pb2.FraudThresholds) -> FraudThresholds:
    converted = rules_convert.definition(rules_pb2.RuleDefinition(fraud=message))
    assert isinstance(converted, FraudThresholds)
    return converted


def wire(d: FraudThresholds) -> rules_pb2.FraudThresholds:
    message = rules_convert.definition_message(d)
    assert message.WhichOneof("rule") == "fraud"
    return rules_pb2.RuleDefinition.FromString(message.SerializeToString()).fraud


def test_the_proto_names_every_field_of_the_thresholds_alike():
    proto = {f.name for f in rules_pb2.FraudThresholds.DESCRIPTOR.fields}
    assert proto == {f.name for f in dataclasses.fields(FraudThresholds)}


def test_every_field_sent_is_read_as_sent():
    read = domain(EVERY_FIELD)
    assert read.partner_id == "coffee"
    assert (read.velocity_window_s, read.velocity_count) == (1800, Threshold(10, 30))
    assert read.velocity_points == Threshold(5000, None)
    assert read.cashier_cards == Threshold(None, 120)
    assert read.linked_members == Threshold()
    assert (read.farming_days, read.farming_min_active_days) == (14, 10)
    assert (read.dormant_days, read.dormant_min_points) == (365, 500)
    assert read.dormant_burn_percent == Threshold(70, 95)
    assert check_definition(read) is read


def test_a_message_with_every_field_comes_back_unchanged():
    assert wire(domain(EVERY_FIELD)) == EVERY_FIELD


def test_fields_left_unset_keep_the_defaults():
    assert domain(rules_pb2.FraudThresholds()) == DEFAULT_THRESHOLDS
    partial = domain(
        rules_pb2.FraudThresholds(partner_id="coffee", till_window_s=60, velocity_count=T())
    )
    assert partial == FraudThresholds("coffee", till_window_s=60, velocity_count=Threshold())


def test_an_empty_partner_is_the_coalitions_thresholds():
    assert domain(rules_pb2.FraudThresholds(velocity_window_s=60)).partner_id is None
    assert wire(FraudThresholds()).partner_id == ""


def test_a_threshold_switched_off_stays_off_rather_than_reverting_to_the_default():
    off = FraudThresholds("coffee", velocity_count=Threshold(), velocity_points=Threshold(None, 9))
    message = wire(off)
    assert message.HasField("velocity_count")
    assert (message.velocity_count.review_at, message.velocity_count.deny_at) == (0, 0)
    assert domain(message) == off


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"velocity_window_s": -1}, "fraud.velocity_window_s"),
        ({"velocity_count": T(review_at=-5)}, "fraud.velocity_count.review_at"),
        ({"linked_members": T(review_at=5, deny_at=2)}, "fraud.linked_members.deny_at"),
        ({"partner_id": "Coffee"}, "fraud.partner_id"),
        ({"farming_days": 400}, "fraud.farming_days"),
    ],
)
def test_bad_values_reach_the_checks_which_name_the_proto_field(fields, field):
    with pytest.raises(InvalidRule) as caught:
        check_definition(domain(rules_pb2.FraudThresholds(**fields)))
    assert caught.value.field == field


def test_a_fraud_version_is_sent_with_its_kind():
    version = RuleVersion(
        "fraud:coffee", 2, RuleKind.FRAUD, NOW, FraudThresholds("coffee"), NOW, "operator"
    )
    message = rules_convert.version_message(version)
    assert (message.rule_id, message.kind) == ("fraud:coffee", "fraud")
    assert message.definition.fraud.velocity_count == T(review_at=20, deny_at=60)


positive = st.integers(min_value=1, max_value=10**9)
thresholds = st.builds(Threshold, st.none() | positive, st.none() | positive)


@given(
    st.none() | st.sampled_from(["coffee", "fuel"]),
    st.fixed_dictionaries(
        {
            f.name: thresholds if isinstance(f.default, Threshold) else positive
            for f in dataclasses.fields(FraudThresholds)
            if f.name != "partner_id"
        }
    ),
)
def test_any_thresholds_without_zeros_survive_the_wire(partner_id, fields):
    sent = FraudThresholds(partner_id, **fields)
    assert domain(wire(sent)) == sent
