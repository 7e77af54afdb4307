"""Whatever the rules and the purchase, a breakdown adds up and no cap is ever exceeded."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.breakdown import Breakdown, LineKind
from hub.domain.currencies import currency
from hub.domain.earn_rules import EarnSituation, evaluate
from hub.domain.money import Money, Rounding
from hub.domain.partners import ExpiryPolicy, Partner, PartnerStatus
from hub.domain.purchases import Channel, LineItem, PointOfSale, Purchase
from hub.domain.rates import Rates, RateVersion
from hub.domain.rules import (
    KIND_OF,
    TIERS_RULE_ID,
    Campaign,
    Cap,
    CapPeriod,
    Definition,
    Exclusions,
    Funder,
    MemberFacts,
    Ruleset,
    RuleVersion,
    Stacking,
    StackingMode,
    Tier,
    TierBenefits,
    TierScheme,
    singleton_rule_id,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
EUR = currency("EUR")
PARTNER_ID = "coffee"
PARTNER = Partner(
    PARTNER_ID,
    "Coffee",
    EUR,
    Rounding.FLOOR,
    0,
    ExpiryPolicy.parse("never"),
    PartnerStatus.ACTIVE,
)
TIERS = ("blue", "silver", "gold")
SCHEME = TierScheme((Tier("blue", 0), Tier("silver", 1000), Tier("gold", 5000)))
CATEGORIES = ("coffee", "bakery", "tobacco", "beans")
T = TypeVar("T")
ZONES = (ZoneInfo("UTC"), ZoneInfo("Europe/Moscow"), ZoneInfo("America/New_York"))


@dataclass(frozen=True)
class Case:
    rules: Ruleset
    situation: EarnSituation


def _version(rule_id: str, definition: Definition) -> RuleVersion:
    kind = KIND_OF[type(definition)]
    return RuleVersion(rule_id, 1, kind, EPOCH, definition, EPOCH, "operator")


def _singleton(definition: TierBenefits | Exclusions | Stacking) -> RuleVersion:
    return _version(singleton_rule_id(KIND_OF[type(definition)], PARTNER_ID), definition)


def _decimals(low: str, high: str, places: int = 2) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places)


_multipliers = _decimals("1", "4")
_points = st.integers(0, 500)


@st.composite
def _line_items(draw: st.DrawFn) -> tuple[LineItem, ...]:
    count = draw(st.integers(0, 5))
    return tuple(
        LineItem(
            f"sku-{index}",
            draw(st.sampled_from(CATEGORIES)),
            draw(st.integers(1, 50_000)),
            discounted=draw(st.booleans()),
        )
        for index in range(count)
    )


def _sometimes(draw: st.DrawFn, strategy: st.SearchStrategy[T], unset: T) -> T:
    """A condition set in one campaign of eight, so that campaigns often apply together."""
    return draw(strategy) if draw(st.integers(0, 7)) == 0 else unset


def _some(values: Sequence[T], max_size: int = 2) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=max_size, unique=True).map(tuple)


@st.composite
def _campaign(draw: st.DrawFn) -> Campaign:
    multiplied = draw(st.booleans())
    return Campaign(
        label="campaign",
        starts_at=EPOCH,
        ends_at=_sometimes(draw, st.just(NOW), None),
        multiplier=draw(_multipliers) if multiplied else None,
        bonus_points=0 if multiplied else draw(_points),
        partner_id=_sometimes(draw, st.sampled_from([PARTNER_ID, "fuel"]), None),
        categories=_sometimes(draw, _some(CATEGORIES), ()),
        channels=_sometimes(draw, _some(list(Channel)), ()),
        weekdays=_sometimes(draw, _some(range(7), 5), ()),
        day_start_min=_sometimes(draw, st.integers(0, 24 * 60 - 1), 0),
        day_end_min=_sometimes(draw, st.integers(1, 24 * 60), 24 * 60),
        tiers=_sometimes(draw, _some(TIERS), ()),
        birthday=_sometimes(draw, st.booleans(), False),
        first_purchase=_sometimes(draw, st.booleans(), False),
        exclusive=_sometimes(draw, st.booleans(), False),
        priority=draw(st.integers(-2, 2)),
        budget_points=draw(st.none() | _points),
        funder=draw(st.sampled_from(list(Funder))),
    )


_caps = st.builds(
    Cap,
    period=st.sampled_from(list(CapPeriod)),
    limit_points=st.integers(0, 20_000),
    partner_id=st.sampled_from([None, PARTNER_ID]),
)

_facts = st.builds(
    MemberFacts,
    tier=st.sampled_from([None, *TIERS, "retired"]),
    qualifying_points=st.integers(0, 10_000),
    earned_today_points=st.integers(0, 20_000),
    earned_month_points=st.integers(0, 20_000),
    earned_today_at_partner_points=st.integers(0, 20_000),
    earned_month_at_partner_points=st.integers(0, 20_000),
    earns_at_partner=st.integers(0, 2),
    birth_date=st.sampled_from([None, date(1990, 11, 23), date(2000, 2, 29)]) | st.dates(),
)


@st.composite
def _rules(draw: st.DrawFn) -> Ruleset:
    campaigns = draw(st.lists(_campaign(), max_size=5))
    caps = draw(st.lists(_caps, max_size=3))
    versions = [_version(f"campaign-{i}", campaign) for i, campaign in enumerate(campaigns)]
    versions += [_version(f"cap-{i}", cap) for i, cap in enumerate(caps)]
    if draw(st.booleans()):
        versions.append(_version(TIERS_RULE_ID, SCHEME))
        multipliers = draw(st.dictionaries(st.sampled_from(TIERS), _multipliers))
        versions.append(_singleton(TierBenefits(PARTNER_ID, multipliers=multipliers)))
    if draw(st.booleans()):
        earn_categories = tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=2)))
        versions.append(_singleton(Exclusions(PARTNER_ID, earn_categories, draw(st.booleans()))))
    if draw(st.booleans()):
        mode = draw(st.sampled_from(list(StackingMode)))
        versions.append(_singleton(Stacking(PARTNER_ID, mode, draw(_decimals("1", "5")))))
    return Ruleset.in_force(versions, NOW)


@st.composite
def _cases(draw: st.DrawFn) -> Case:
    lines = draw(_line_items())
    amount_minor = sum(line.amount_minor for line in lines) or draw(st.integers(1, 10**8))
    purchase = Purchase(
        Money(amount_minor, EUR),
        "order-1",
        lines,
        PointOfSale(channel=draw(st.sampled_from(list(Channel)))),
    )
    rates = Rates(draw(_decimals("0", "10", 3)), Decimal("0.01"), Decimal(1), Decimal(1))
    budgets = st.dictionaries(
        st.sampled_from([f"campaign-{i}" for i in range(5)]), st.integers(-5, 200)
    )
    situation = EarnSituation(
        partner=PARTNER,
        rate=RateVersion(uuid.uuid4(), PARTNER_ID, EPOCH, rates),
        purchase=purchase,
        at=NOW + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60))),
        zone=draw(st.sampled_from(ZONES)),
        member_known=draw(st.booleans()),
        facts=draw(_facts),
        budgets_left=draw(st.none() | budgets),
    )
    return Case(draw(_rules()), situation)


def _room(cap: Cap, facts: MemberFacts) -> int:
    at_partner = cap.partner_id is not None
    used = {
        CapPeriod.TRANSACTION: 0,
        CapPeriod.DAY: (
            facts.earned_today_at_partner_points if at_partner else facts.earned_today_points
        ),
        CapPeriod.MONTH: (
            facts.earned_month_at_partner_points if at_partner else facts.earned_month_points
        ),
    }[cap.period]
    return max(0, cap.limit_points - used)


def _evaluate(case: Case) -> Breakdown:
    return evaluate(case.rules, case.situation)


@settings(max_examples=300)
@given(_cases())
def test_a_breakdown_always_adds_up_and_nothing_in_it_is_negative(case: Case) -> None:
    breakdown = _evaluate(case)
    assert breakdown.points == breakdown.lines_points - breakdown.cut_points
    assert breakdown.points == sum(line.posted_points for line in breakdown.lines)
    assert breakdown.cut_points == sum(line.capped_points for line in breakdown.lines)
    assert len(breakdown.caps) <= 1
    assert breakdown.points >= 0
    assert 0 <= breakdown.coalition_funded_points <= breakdown.points
    for line in breakdown.lines:
        assert line.points >= 0
        assert 0 <= line.capped_points <= line.points


@settings(max_examples=200)
@given(_cases())
def test_an_earn_never_exceeds_any_caps_room(case: Case) -> None:
    breakdown = _evaluate(case)
    facts = case.situation.facts
    for _, cap in case.rules.caps(PARTNER_ID):
        assert breakdown.points <= _room(cap, facts)


@settings(max_examples=100)
@given(_cases())
def test_the_base_comes_first_and_the_eligible_amount_leaves_out_excluded_lines(
    case: Case,
) -> None:
    breakdown = _evaluate(case)
    assert breakdown.lines[0].kind is LineKind.BASE
    excluded_minor = sum(item.amount_minor for item in breakdown.excluded)
    assert breakdown.eligible_minor == case.situation.purchase.amount.amount_minor - excluded_minor
    assert breakdown.eligible_minor >= 0


@settings(max_examples=100)
@given(_cases())
def test_no_campaign_gives_more_than_its_budget_has_left(case: Case) -> None:
    budgets_left = case.situation.budgets_left
    breakdown = _evaluate(case)
    campaigns = dict(case.rules.campaigns(PARTNER_ID))
    for line in breakdown.lines:
        if line.kind is not LineKind.CAMPAIGN or budgets_left is None:
            continue
        budget = campaigns[line.rule_id].budget_points
        if budget is not None:
            assert line.points <= max(0, budgets_left.get(line.rule_id, budget))


@settings(max_examples=100)
@given(_cases())
def test_a_quote_and_an_earn_of_the_same_situation_agree(case: Case) -> None:
    assert _evaluate(case) == _evaluate(case)
