"""What a staff client reads back from the rules API (``hub rules``, ``hub partner show``): the
answer's versions, histories and listings turn into the same domain values the hub sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from fraud.thresholds import FraudThresholds, Threshold
from hub.api import rules_convert
from hub.domain.purchases import Channel
from hub.domain.rules import (
    Campaign,
    Cap,
    CapPeriod,
    Definition,
    Exclusions,
    Funder,
    RuleKind,
    RuleVersion,
    Tier,
    TierBenefits,
    TierScheme,
)
from hub.services.results import RuleHistory, RulesListed

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
OPERATOR = "spiffe://coalition.hub/staff/operator/ada"
CAMPAIGN = Campaign(
    label="Breakfast",
    starts_at=NOW,
    ends_at=NOW + timedelta(days=30),
    multiplier=Decimal(2),
    partner_id="coffee",
    categories=("pastry",),
    channels=(Channel.POS,),
    weekdays=(0, 4),
    day_start_min=7 * 60,
    day_end_min=10 * 60,
    tiers=("gold",),
    priority=5,
    budget_points=5000,
    funder=Funder.COALITION,
)
DEFINITIONS: dict[str, Definition] = {
    "campaign": CAMPAIGN,
    "cap": Cap(CapPeriod.MONTH, 5000, None),
    "tiers": TierScheme((Tier("base", 0), Tier("gold", 5000))),
    "benefits": TierBenefits("coffee", {"gold": Decimal(2)}, {"gold": Decimal("0.012")}),
    "exclusions": Exclusions("coffee", ("tobacco",), False, ("gift-cards",)),
    "fraud": FraudThresholds(
        partner_id="coffee", velocity_count=Threshold(10, 30), linked_members=Threshold(None)
    ),
}


def _version(rule_id: str, definition: Definition | None, number: int = 1) -> RuleVersion:
    kind = RuleKind.CAP if definition is None else _kind(definition)
    return RuleVersion(rule_id, number, kind, NOW, definition, NOW, OPERATOR)


def _kind(definition: Definition) -> RuleKind:
    kinds = {
        Campaign: RuleKind.CAMPAIGN,
        Cap: RuleKind.CAP,
        TierScheme: RuleKind.TIERS,
        TierBenefits: RuleKind.TIER_BENEFITS,
        Exclusions: RuleKind.EXCLUSIONS,
    }
    return kinds.get(type(definition), RuleKind.FRAUD)


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_a_version_reads_back_as_the_version_the_hub_sent(name):
    sent = _version(name, DEFINITIONS[name])
    assert rules_convert.version(rules_convert.version_message(sent)) == sent


def test_an_ending_version_reads_back_with_no_definition():
    ended = _version("daily", None, number=2)
    read = rules_convert.version(rules_convert.version_message(ended))
    assert (read.ended, read.definition, read.version) == (True, None, 2)


def test_a_history_keeps_its_versions_in_order_and_the_budget_spent():
    sent = RuleHistory(
        "breakfast", (_version("breakfast", CAMPAIGN), _version("breakfast", None, 2)), 1200
    )
    assert rules_convert.history(rules_convert.history_message(sent)) == sent


def test_a_listing_says_the_instant_it_is_as_of():
    at = NOW + timedelta(days=3)
    sent = RulesListed(
        at, (_version("campaign", CAMPAIGN),), (_version("cap", DEFINITIONS["cap"]),)
    )
    assert rules_convert.listed(rules_convert.listed_message(sent)) == sent
