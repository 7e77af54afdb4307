"""The rules API through a real mTLS hub: admins set rules, every kind survives the wire, bad
input names its field, and nobody else may touch rules."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from coalition.hub.v1 import common_pb2, rules_pb2, rules_pb2_grpc
from tests.conftest import START
from tests.e2e.mtls import ADMIN, ANALYST, COFFEE, Pki
from tests.e2e.test_mtls import reason_of

TIERS = rules_pb2.RuleDefinition(
    tiers=rules_pb2.TierScheme(
        tiers=[
            rules_pb2.Tier(name="base", threshold=0),
            rules_pb2.Tier(name="silver", threshold=1000),
            rules_pb2.Tier(name="gold", threshold=5000),
        ],
        metric="points",
        review="year",
    )
)


def at(days: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(START + timedelta(days=days))
    return stamp


def field_of(error: grpc.RpcError) -> str:
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.metadata.get("field", "")
    return ""


@pytest.fixture
def rules(hub, pki: Pki, mtls_target: str) -> rules_pb2_grpc.RulesServiceStub:
    return rules_pb2_grpc.RulesServiceStub(pki.channel(mtls_target, pki.enrol(hub, ADMIN)))


def put(rules, definition: rules_pb2.RuleDefinition, rule_id: str = "", **fields):
    request = rules_pb2.PutRuleRequest(
        rule_id=rule_id, definition=definition, reason="T-7", **fields
    )
    return rules.PutRule(request, timeout=5)


def refusal(call, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(request, timeout=5)
    return caught.value


# -- admins manage rules ----------------------------------------------------------------------


def test_an_admin_puts_lists_and_ends_rules_and_each_change_names_them(hub, rules):
    tiers = put(rules, TIERS)
    cap = put(
        rules, rules_pb2.RuleDefinition(cap=rules_pb2.Cap(period="day", limit_points=500)), "daily"
    )
    ended = rules.EndRule(
        rules_pb2.EndRuleRequest(rule_id="daily", effective_from=at(1), reason="T-8"), timeout=5
    )
    assert (tiers.rule_id, tiers.version, tiers.kind) == ("tiers", 1, "tiers")
    assert (cap.created_by, cap.effective_from.ToDatetime().isoformat()) == (
        ADMIN.uri,
        START.replace(tzinfo=None).isoformat(),
    )
    assert (ended.version, ended.ended, ended.HasField("definition")) == (2, True, False)
    listed = rules.ListRules(rules_pb2.ListRulesRequest(), timeout=5)
    assert sorted(v.rule_id for v in listed.in_force) == ["daily", "tiers"]
    assert [(v.rule_id, v.version) for v in listed.scheduled] == [("daily", 2)]
    later = rules.ListRules(rules_pb2.ListRulesRequest(at=at(2)), timeout=5)
    assert [v.rule_id for v in later.in_force] == ["tiers"]
    [record] = hub.operator.list_audit(limit=1, action="rule.end")
    assert (record.event.actor, record.event.reason, record.event.target) == (
        ADMIN.uri,
        "T-8",
        "rule:daily",
    )


def test_get_rule_shows_every_version_and_a_campaigns_budget(rules):
    campaign = rules_pb2.Campaign(
        label="Double week", starts_at=at(0), multiplier="2", budget_points=1000
    )
    put(rules, rules_pb2.RuleDefinition(campaign=campaign), "double")
    campaign.multiplier = "3"
    put(rules, rules_pb2.RuleDefinition(campaign=campaign), "double", effective_from=at(1))
    history = rules.GetRule(rules_pb2.GetRuleRequest(rule_id="double"), timeout=5)
    assert [v.definition.campaign.multiplier for v in history.versions] == ["2", "3"]
    assert history.budget_spent_points == 0
    unknown = refusal(rules.GetRule, rules_pb2.GetRuleRequest(rule_id="nope"))
    assert (unknown.code(), reason_of(unknown)) == (grpc.StatusCode.NOT_FOUND, "RULE_NOT_FOUND")


# -- every kind survives the wire -------------------------------------------------------------

T = rules_pb2.FraudThreshold
FRAUD_FIELDS = {
    "velocity_window_s": 1800,
    "velocity_count": T(review_at=10, deny_at=30),
    "velocity_points": T(review_at=5000),
    "earn_then_burn_window_s": 600,
    "earn_then_burn_points": T(review_at=200, deny_at=2000),
    "refund_debt_points": T(review_at=50),
    "till_window_s": 7200,
    "terminal_cards": T(review_at=30, deny_at=90),
    "cashier_cards": T(deny_at=120),
    "cashier_card_window_s": 43_200,
    "cashier_card_receipts": T(review_at=4, deny_at=8),
    "linked_members": T(),
    "history_min_earns": 3,
    "history_multiple": T(review_at=8, deny_at=40),
    "travel_min_km": 50,
    "travel_speed_kmh": T(review_at=800, deny_at=3000),
    "farming_days": 14,
    "farming_min_active_days": 10,
    "farming_earns": T(review_at=60),
    "dormant_days": 365,
    "dormant_min_points": 500,
    "dormant_burn_percent": T(review_at=70, deny_at=95),
}
"""Every field set, one threshold switched off: what is sent must come back as it was."""

EVERY_KIND = {
    "": TIERS,
    "tier-benefits:coffee": rules_pb2.RuleDefinition(
        tier_benefits=rules_pb2.TierBenefits(
            partner_id="coffee", multipliers={"gold": "2"}, burn_values={"gold": "0.012"}
        )
    ),
    "exclusions:coffee": rules_pb2.RuleDefinition(
        exclusions=rules_pb2.Exclusions(
            partner_id="coffee",
            earn_categories=["tobacco"],
            exclude_discounted=True,
            burn_categories=["gift-cards"],
        )
    ),
    "stacking:coffee": rules_pb2.RuleDefinition(
        stacking=rules_pb2.Stacking(partner_id="coffee", mode="stack", max_multiplier="3")
    ),
    "breakfast": rules_pb2.RuleDefinition(
        campaign=rules_pb2.Campaign(
            label="Breakfast",
            starts_at=at(0),
            ends_at=at(30),
            multiplier="1.5",
            partner_id="coffee",
            categories=["pastry", "coffee"],
            channels=[common_pb2.CHANNEL_POS, common_pb2.CHANNEL_APP],
            weekdays=[0, 1, 2, 3, 4],
            day_start_min=420,
            day_end_min=600,
            tiers=["silver", "gold"],
            birthday=True,
            first_purchase=True,
            exclusive=True,
            priority=7,
            budget_points=100_000,
            funder=common_pb2.FUNDER_COALITION,
        )
    ),
    "welcome-gift": rules_pb2.RuleDefinition(
        campaign=rules_pb2.Campaign(
            label="Gift",
            starts_at=at(0),
            bonus_points=100,
            day_start_min=1320,
            day_end_min=120,
            funder=common_pb2.FUNDER_PARTNER,
        )
    ),
    "monthly": rules_pb2.RuleDefinition(
        cap=rules_pb2.Cap(period="month", limit_points=5000, partner_id="fuel")
    ),
    "welcome": rules_pb2.RuleDefinition(
        welcome=rules_pb2.WelcomeBonus(
            points=100, funder=common_pb2.FUNDER_PARTNER, partner_id="coffee"
        )
    ),
    "referral": rules_pb2.RuleDefinition(
        event=rules_pb2.EventRule(
            partner_id="coffee",
            event="referral",
            points=50,
            max_per_member=3,
            referee_points=100,
            funder=common_pb2.FUNDER_COALITION,
        )
    ),
    "fraud:coffee": rules_pb2.RuleDefinition(
        fraud=rules_pb2.FraudThresholds(partner_id="coffee", **FRAUD_FIELDS)
    ),
    "fraud": rules_pb2.RuleDefinition(fraud=rules_pb2.FraudThresholds(**FRAUD_FIELDS)),
}


@pytest.mark.parametrize("rule_id", list(EVERY_KIND)[1:])
def test_every_kind_of_rule_comes_back_as_it_was_sent(rules, rule_id):
    put(rules, TIERS)
    sent = EVERY_KIND[rule_id]
    named = "" if rule_id.endswith(":coffee") else rule_id
    answered = put(rules, sent, named)
    stored = rules.GetRule(rules_pb2.GetRuleRequest(rule_id=rule_id), timeout=5)
    assert answered.rule_id == rule_id
    assert answered.definition == sent
    assert stored.versions[-1].definition == sent


def test_the_tier_scheme_comes_back_as_it_was_sent(rules):
    assert put(rules, TIERS).definition == TIERS


def test_fields_left_at_zero_take_the_domain_defaults(rules):
    campaign = put(
        rules,
        rules_pb2.RuleDefinition(
            campaign=rules_pb2.Campaign(label="All day", starts_at=at(0), bonus_points=5)
        ),
        "all-day",
    ).definition.campaign
    welcome = put(
        rules, rules_pb2.RuleDefinition(welcome=rules_pb2.WelcomeBonus(points=10)), "hello"
    ).definition.welcome
    event = put(
        rules,
        rules_pb2.RuleDefinition(
            event=rules_pb2.EventRule(
                partner_id="coffee", event="review", points=5, max_per_member=1
            )
        ),
        "review",
    ).definition.event
    stacking = put(
        rules, rules_pb2.RuleDefinition(stacking=rules_pb2.Stacking(partner_id="coffee"))
    ).definition.stacking
    assert (campaign.day_start_min, campaign.day_end_min) == (0, 1440)
    assert (campaign.budget_points, campaign.funder) == (0, common_pb2.FUNDER_PARTNER)
    assert (campaign.partner_id, campaign.multiplier) == ("", "")
    assert welcome.funder == common_pb2.FUNDER_COALITION
    assert event.funder == common_pb2.FUNDER_PARTNER
    assert (stacking.mode, stacking.max_multiplier) == ("best", "1")


def test_fraud_thresholds_left_unset_take_the_defaults_and_0_inside_one_is_never(rules):
    sent = rules_pb2.FraudThresholds(partner_id="coffee", velocity_points=T(review_at=100))
    fraud = put(rules, rules_pb2.RuleDefinition(fraud=sent)).definition.fraud
    assert (fraud.velocity_window_s, fraud.dormant_days) == (3600, 180)
    assert fraud.velocity_count == T(review_at=20, deny_at=60)
    assert fraud.velocity_points == T(review_at=100, deny_at=0)
    listed = rules.ListRules(rules_pb2.ListRulesRequest(partner_id="coffee"), timeout=5)
    assert [(v.rule_id, v.kind) for v in listed.in_force] == [("fraud:coffee", "fraud")]


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "rule_id", "field"),
    [
        (rules_pb2.RuleDefinition(), "x", "definition"),
        (
            rules_pb2.RuleDefinition(
                campaign=rules_pb2.Campaign(label="x", starts_at=at(0), multiplier="two")
            ),
            "x",
            "campaign.multiplier",
        ),
        (
            rules_pb2.RuleDefinition(campaign=rules_pb2.Campaign(label="x", multiplier="2")),
            "x",
            "campaign.starts_at",
        ),
        (
            rules_pb2.RuleDefinition(
                campaign=rules_pb2.Campaign(label="x", starts_at=at(0), multiplier="0.5")
            ),
            "x",
            "campaign.multiplier",
        ),
        (
            rules_pb2.RuleDefinition(
                campaign=rules_pb2.Campaign(
                    label="x",
                    starts_at=at(0),
                    bonus_points=1,
                    channels=[common_pb2.CHANNEL_UNSPECIFIED],
                )
            ),
            "x",
            "campaign.channels[0]",
        ),
        (
            rules_pb2.RuleDefinition(
                tier_benefits=rules_pb2.TierBenefits(partner_id="coffee", burn_values={"gold": "?"})
            ),
            "",
            "tier_benefits.burn_values.gold",
        ),
        (
            rules_pb2.RuleDefinition(cap=rules_pb2.Cap(period="week", limit_points=5)),
            "x",
            "cap.period",
        ),
        (
            rules_pb2.RuleDefinition(stacking=rules_pb2.Stacking(partner_id="coffee", mode="all")),
            "",
            "stacking.mode",
        ),
        (
            rules_pb2.RuleDefinition(
                event=rules_pb2.EventRule(
                    partner_id="coffee", event="tweet", points=1, max_per_member=1
                )
            ),
            "x",
            "event.event",
        ),
        (
            rules_pb2.RuleDefinition(welcome=rules_pb2.WelcomeBonus(points=1, funder=9)),
            "x",
            "welcome.funder",
        ),
        (rules_pb2.RuleDefinition(cap=rules_pb2.Cap(period="day", limit_points=5)), "", "rule_id"),
        (
            rules_pb2.RuleDefinition(
                fraud=rules_pb2.FraudThresholds(velocity_count=T(review_at=60, deny_at=20))
            ),
            "",
            "fraud.velocity_count.deny_at",
        ),
        (
            rules_pb2.RuleDefinition(fraud=rules_pb2.FraudThresholds(till_window_s=-1)),
            "",
            "fraud.till_window_s",
        ),
        (
            rules_pb2.RuleDefinition(fraud=rules_pb2.FraudThresholds(partner_id="coffee")),
            "fraud",
            "rule_id",
        ),
    ],
)
def test_bad_input_is_invalid_argument_naming_its_field(hub, rules, definition, rule_id, field):
    error = refusal(
        rules.PutRule,
        rules_pb2.PutRuleRequest(rule_id=rule_id, definition=definition, reason="T-9"),
    )
    assert (error.code(), reason_of(error), field_of(error)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_RULE",
        field,
    )


def test_a_change_in_the_past_or_without_a_reason_is_refused(rules):
    past = refusal(
        rules.PutRule,
        rules_pb2.PutRuleRequest(definition=TIERS, effective_from=at(-1), reason="T-10"),
    )
    assert (reason_of(past), field_of(past)) == ("RULE_IN_PAST", "effective_from")
    silent = refusal(rules.PutRule, rules_pb2.PutRuleRequest(definition=TIERS))
    assert (silent.code(), reason_of(silent), field_of(silent)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_FIELD",
        "reason",
    )
    listed = rules.ListRules(rules_pb2.ListRulesRequest(), timeout=5)
    assert list(listed.in_force) == []


# -- nobody else ------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", [COFFEE, ANALYST], ids=str)
def test_only_admins_may_call_the_rules_api(hub, pki, mtls_target, principal):
    stub = rules_pb2_grpc.RulesServiceStub(pki.channel(mtls_target, pki.enrol(hub, principal)))
    error = refusal(stub.ListRules, rules_pb2.ListRulesRequest())
    assert (error.code(), reason_of(error)) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "ROLE_NOT_ALLOWED",
    )
    refused = refusal(stub.PutRule, rules_pb2.PutRuleRequest(definition=TIERS, reason="x"))
    assert refused.code() is grpc.StatusCode.PERMISSION_DENIED
