import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from hub.domain.breakdown import (
    Breakdown,
    BreakdownLine,
    CapCut,
    ExcludedItem,
    ExclusionReason,
    LineKind,
)
from hub.domain.currencies import currency
from hub.domain.earn_rules import (
    NOTE_BUDGET,
    NOTE_STACKING,
    EarnSituation,
    budgeted_campaigns,
    burn_excluded_categories,
    burn_value,
    evaluate,
    fact_windows,
    is_birthday,
    needs_birth_date,
    needs_facts,
    review_period_start,
    reviewed_tier,
    tier_progress,
)
from hub.domain.errors import CurrencyMismatch, InvalidAmount
from hub.domain.money import Money, Rounding, points_for_purchase
from hub.domain.partners import BurnRules, ExpiryPolicy, Partner, PartnerStatus
from hub.domain.purchases import Channel, LineItem, PointOfSale, Purchase
from hub.domain.rates import Rates, RateVersion
from hub.domain.rules import (
    KIND_OF,
    NO_FACTS,
    TIERS_RULE_ID,
    Campaign,
    Cap,
    CapPeriod,
    Definition,
    Exclusions,
    Funder,
    MemberFacts,
    ReviewPeriod,
    RuleKind,
    Ruleset,
    RuleVersion,
    Stacking,
    StackingMode,
    Tier,
    TierBenefits,
    TierMetric,
    TierScheme,
    singleton_rule_id,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
"""A Monday."""
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
EUR = currency("EUR")
USD = currency("USD")
UTC_ZONE = ZoneInfo("UTC")
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")
PARTNER_ID = "coffee"
TIER_RULE_ID = singleton_rule_id(RuleKind.TIER_BENEFITS, PARTNER_ID)

SCHEME = TierScheme((Tier("blue", 0), Tier("silver", 1000), Tier("gold", 5000)))
GOLD = MemberFacts(tier="gold")
D = Decimal


# --- Builders -----------------------------------------------------------------------------


def _partner(burn_rules: BurnRules | None = None) -> Partner:
    return Partner(
        PARTNER_ID,
        "Coffee",
        EUR,
        Rounding.FLOOR,
        0,
        ExpiryPolicy.parse("never"),
        PartnerStatus.ACTIVE,
        burn_rules=burn_rules or BurnRules(),
    )


def _rates(earn_rate: str = "1", burn_value: str = "0.01") -> Rates:
    return Rates(D(earn_rate), D(burn_value), D("0.01"), D("0.009"))


def _rate(earn_rate: str = "1") -> RateVersion:
    return RateVersion(uuid.uuid4(), PARTNER_ID, EPOCH, _rates(earn_rate))


def _rule_id(definition: Definition) -> str:
    if isinstance(definition, TierScheme):
        return TIERS_RULE_ID
    return singleton_rule_id(KIND_OF[type(definition)], PARTNER_ID)


def _ruleset(*rules: Definition | tuple[str, Definition]) -> Ruleset:
    versions = []
    for rule in rules:
        rule_id, definition = rule if isinstance(rule, tuple) else (_rule_id(rule), rule)
        kind = KIND_OF[type(definition)]
        versions.append(RuleVersion(rule_id, 1, kind, EPOCH, definition, EPOCH, "operator"))
    return Ruleset.in_force(versions, NOW)


def _situation(
    amount_minor: int = 10_000,
    *,
    lines: tuple[LineItem, ...] = (),
    channel: Channel = Channel.POS,
    at: datetime = NOW,
    zone: ZoneInfo = UTC_ZONE,
    member_known: bool = True,
    facts: MemberFacts = NO_FACTS,
    budgets_left: dict[str, int] | None = None,
    earn_rate: str = "1",
    purchase_currency: str = "EUR",
) -> EarnSituation:
    purchase = Purchase(
        Money(amount_minor, currency(purchase_currency)),
        "order-1",
        lines,
        PointOfSale(channel=channel),
    )
    return EarnSituation(
        partner=_partner(),
        rate=_rate(earn_rate),
        purchase=purchase,
        at=at,
        zone=zone,
        member_known=member_known,
        facts=facts,
        budgets_left=budgets_left,
    )


_campaign = partial(Campaign, label="double points", starts_at=EPOCH)
"""A campaign running since before the tests' instant, with no condition unless given."""
_double = partial(_campaign, multiplier=D(2))


def _campaign_points(situation: EarnSituation, *rules: Definition | tuple[str, Definition]) -> int:
    """Points the campaigns gave in an earn of ``situation`` (base 100 points by default)."""
    breakdown = evaluate(_ruleset(*rules), situation)
    return sum(line.points for line in breakdown.lines if line.kind is LineKind.CAMPAIGN)


def _campaigns_apply(situation: EarnSituation, campaign: Campaign) -> bool:
    breakdown = evaluate(_ruleset(("c", campaign)), situation)
    return any(line.kind is LineKind.CAMPAIGN for line in breakdown.lines)


# --- Base and exclusions ------------------------------------------------------------------


def test_without_rules_the_breakdown_is_the_base_earn_rate_alone() -> None:
    breakdown = evaluate(Ruleset(NOW), _situation(1999))
    assert breakdown.points == points_for_purchase(Money(1999, EUR), D(1)) == 19
    assert breakdown.lines == (BreakdownLine(LineKind.BASE, 19, Funder.PARTNER),)
    assert breakdown.eligible_minor == 1999
    assert (breakdown.excluded, breakdown.caps) == ((), ())
    assert (breakdown.tier, breakdown.tier_after, breakdown.coalition_funded_points) == ("", "", 0)


def test_a_purchase_in_another_currency_than_the_partners_is_refused() -> None:
    with pytest.raises(CurrencyMismatch) as raised:
        evaluate(Ruleset(NOW), _situation(purchase_currency="USD"))
    assert raised.value.field == "purchase.currency"


def test_an_earn_above_the_points_limit_is_refused() -> None:
    with pytest.raises(InvalidAmount) as raised:
        evaluate(Ruleset(NOW), _situation(10_000_000_000, earn_rate="1000000"))
    assert raised.value.field == "purchase.amount_minor"


def test_a_cap_can_bring_an_earn_back_under_the_points_limit() -> None:
    rules = _ruleset(("per-earn", Cap(CapPeriod.TRANSACTION, 1000)))
    breakdown = evaluate(rules, _situation(10_000_000_000, earn_rate="1000000"))
    assert breakdown.points == 1000


def test_lines_of_an_excluded_category_earn_nothing() -> None:
    lines = (
        LineItem("coffee-1", "coffee", 6000),
        LineItem("cig-1", "tobacco", 3000),
        LineItem("card-1", "gift-cards", 1000),
    )
    rules = _ruleset(Exclusions(PARTNER_ID, earn_categories=("tobacco", "gift-cards")))
    breakdown = evaluate(rules, _situation(lines=lines))
    assert breakdown.eligible_minor == 6000
    assert breakdown.points == 60
    assert breakdown.excluded == (
        ExcludedItem(1, "cig-1", "tobacco", 3000, ExclusionReason.CATEGORY),
        ExcludedItem(2, "card-1", "gift-cards", 1000, ExclusionReason.CATEGORY),
    )


def test_discounted_lines_earn_nothing_only_where_the_partner_says_so() -> None:
    lines = (LineItem("a", "coffee", 7000), LineItem("b", "coffee", 3000, discounted=True))
    refusing = _ruleset(Exclusions(PARTNER_ID, discounted_earn=False))
    allowing = _ruleset(Exclusions(PARTNER_ID, discounted_earn=True))
    refused = evaluate(refusing, _situation(lines=lines))
    assert refused.points == 70
    assert refused.excluded == (ExcludedItem(1, "b", "coffee", 3000, ExclusionReason.DISCOUNTED),)
    assert evaluate(allowing, _situation(lines=lines)).points == 100


def test_a_discounted_line_of_an_excluded_category_is_excluded_for_its_category() -> None:
    lines = (LineItem("a", "coffee", 7000), LineItem("b", "tobacco", 3000, discounted=True))
    rules = _ruleset(Exclusions(PARTNER_ID, earn_categories=("tobacco",), discounted_earn=False))
    assert evaluate(rules, _situation(lines=lines)).excluded[0].reason is ExclusionReason.CATEGORY


def test_exclusions_of_another_partner_do_not_apply() -> None:
    lines = (LineItem("a", "tobacco", 10_000),)
    other = ("exclusions:fuel", Exclusions("fuel", earn_categories=("tobacco",)))
    assert evaluate(_ruleset(other), _situation(lines=lines)).points == 100


def test_a_purchase_without_line_items_earns_on_its_whole_amount_despite_exclusions() -> None:
    rules = _ruleset(Exclusions(PARTNER_ID, earn_categories=("tobacco",), discounted_earn=False))
    breakdown = evaluate(rules, _situation(2550))
    assert (breakdown.eligible_minor, breakdown.points) == (2550, 25)


# --- Tiers --------------------------------------------------------------------------------


def test_a_tier_multiplier_adds_a_tier_line_on_the_base_rounded_down() -> None:
    rules = _ruleset(SCHEME, TierBenefits(PARTNER_ID, multipliers={"gold": D("1.5")}))
    breakdown = evaluate(rules, _situation(10_100, facts=GOLD))
    assert breakdown.tier == "gold"
    assert breakdown.lines[1] == BreakdownLine(
        LineKind.TIER,
        50,
        Funder.PARTNER,
        rule_id=TIER_RULE_ID,
        label="gold tier",
        multiplier=D("1.5"),
        on_points=101,
    )
    assert breakdown.points == 151


def test_a_tier_lines_label_shows_the_multiplier_without_trailing_zeros() -> None:
    rules = _ruleset(SCHEME, TierBenefits(PARTNER_ID, multipliers={"gold": D("2.00")}))
    assert evaluate(rules, _situation(facts=GOLD)).lines[1].label == "gold tier"


def test_a_tier_without_a_multiplier_above_one_adds_no_line() -> None:
    benefits = TierBenefits(PARTNER_ID, multipliers={"gold": D(1), "silver": D(2)})
    breakdown = evaluate(_ruleset(SCHEME, benefits), _situation(facts=GOLD))
    assert [line.kind for line in breakdown.lines] == [LineKind.BASE]
    assert breakdown.tier == "gold"


def test_a_stored_tier_the_scheme_no_longer_has_earns_as_the_base_tier() -> None:
    benefits = TierBenefits(PARTNER_ID, multipliers={"blue": D(2), "platinum": D(5)})
    breakdown = evaluate(_ruleset(SCHEME, benefits), _situation(facts=MemberFacts("platinum")))
    assert breakdown.tier == "blue"
    assert breakdown.points == 200


def test_without_a_tier_scheme_there_is_no_tier_and_no_tier_line() -> None:
    benefits = TierBenefits(PARTNER_ID, multipliers={"gold": D(2)})
    breakdown = evaluate(_ruleset(benefits), _situation(facts=GOLD))
    assert (breakdown.tier, breakdown.points, breakdown.tier_after) == ("", 100, "")


def test_a_quote_without_a_member_is_at_the_base_tier() -> None:
    benefits = TierBenefits(PARTNER_ID, multipliers={"blue": D("1.1"), "gold": D(2)})
    breakdown = evaluate(_ruleset(SCHEME, benefits), _situation(member_known=False, facts=GOLD))
    assert breakdown.tier == "blue"
    assert breakdown.points == 110
    assert breakdown.tier_after == ""


def test_an_earn_reaching_a_threshold_exactly_lifts_the_member_from_the_next_earn() -> None:
    rules = _ruleset(SCHEME, TierBenefits(PARTNER_ID, multipliers={"silver": D(2)}))
    breakdown = evaluate(rules, _situation(facts=MemberFacts(qualifying_points=900)))
    assert breakdown.tier == "blue"
    assert breakdown.points == 100
    assert breakdown.tier_after == "silver"


def test_an_earn_one_point_short_of_a_threshold_lifts_nobody() -> None:
    rules = _ruleset(SCHEME)
    breakdown = evaluate(rules, _situation(facts=MemberFacts(qualifying_points=899)))
    assert breakdown.tier_after == ""


def test_an_earn_can_lift_a_member_past_several_tiers() -> None:
    breakdown = evaluate(_ruleset(SCHEME), _situation(facts=MemberFacts(qualifying_points=4900)))
    assert breakdown.tier_after == "gold"


def test_a_member_already_above_the_tier_qualified_for_is_not_lowered_by_an_earn() -> None:
    facts = MemberFacts(tier="gold", qualifying_points=1000)
    assert evaluate(_ruleset(SCHEME), _situation(facts=facts)).tier_after == ""


def test_spend_tiers_count_the_purchase_amount_in_the_schemes_currency_only() -> None:
    spend_eur = TierScheme((Tier("blue", 0), Tier("silver", 50_000)), TierMetric.SPEND, "EUR")
    spend_usd = TierScheme((Tier("blue", 0), Tier("silver", 50_000)), TierMetric.SPEND, "USD")
    facts = MemberFacts(qualifying_spend_minor=40_000, qualifying_points=10**6)
    assert evaluate(_ruleset(spend_eur), _situation(facts=facts)).tier_after == "silver"
    assert evaluate(_ruleset(spend_usd), _situation(facts=facts)).tier_after == ""
    short = MemberFacts(qualifying_spend_minor=39_999)
    assert evaluate(_ruleset(spend_eur), _situation(facts=short)).tier_after == ""


# --- Campaign conditions ------------------------------------------------------------------


def test_a_multiplier_campaign_adds_its_extra_on_the_base() -> None:
    breakdown = evaluate(_ruleset(("double", _double(priority=3))), _situation(10_150))
    assert breakdown.lines[1] == BreakdownLine(
        LineKind.CAMPAIGN,
        101,
        Funder.PARTNER,
        rule_id="double",
        label="double points",
        multiplier=D(2),
        on_points=101,
    )
    assert breakdown.points == 202


def test_a_fractional_multiplier_rounds_the_extra_down() -> None:
    rules = _ruleset(("c", _campaign(multiplier=D("1.25"))))
    assert evaluate(rules, _situation(1_900)).lines[1].points == 4  # 19 * 0.25 = 4.75


def test_a_fixed_bonus_campaign_adds_its_points_whatever_the_amount() -> None:
    rules = _ruleset(("welcome-back", _campaign(label="+50", bonus_points=50)))
    line = evaluate(rules, _situation(100)).lines[1]
    assert (line.points, line.multiplier, line.on_points, line.label) == (50, None, 0, "+50")


def test_a_campaign_applies_from_its_start_until_just_before_its_end() -> None:
    campaign = _double(starts_at=NOW, ends_at=NOW + timedelta(hours=1))
    assert _campaigns_apply(_situation(at=NOW), campaign)
    assert _campaigns_apply(_situation(at=NOW + timedelta(minutes=59)), campaign)
    assert not _campaigns_apply(_situation(at=NOW - timedelta(microseconds=1)), campaign)
    assert not _campaigns_apply(_situation(at=NOW + timedelta(hours=1)), campaign)


def test_a_campaign_of_another_partner_does_not_apply() -> None:
    assert not _campaigns_apply(_situation(), _double(partner_id="fuel"))
    assert _campaigns_apply(_situation(), _double(partner_id=PARTNER_ID))


def test_a_channel_campaign_applies_only_on_its_channels() -> None:
    campaign = _double(channels=(Channel.APP, Channel.ONLINE))
    assert _campaigns_apply(_situation(channel=Channel.APP), campaign)
    assert not _campaigns_apply(_situation(channel=Channel.POS), campaign)


def test_weekdays_are_those_of_the_coalitions_time_zone() -> None:
    sunday_night_utc = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # Monday 01:30 in Moscow
    mondays = _double(weekdays=(0,))
    assert _campaigns_apply(_situation(at=sunday_night_utc, zone=MOSCOW), mondays)
    assert not _campaigns_apply(_situation(at=sunday_night_utc, zone=UTC_ZONE), mondays)
    assert _campaigns_apply(_situation(at=sunday_night_utc), _double(weekdays=(5, 6)))


@pytest.mark.parametrize(
    ("local_time", "applies"),
    [("11:59", False), ("12:00", True), ("13:59", True), ("14:00", False)],
)
def test_hours_are_local_and_include_the_start_but_not_the_end(
    local_time: str, applies: bool
) -> None:
    hour, minute = map(int, local_time.split(":"))
    at = datetime(2026, 11, 23, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)
    lunch = _double(day_start_min=12 * 60, day_end_min=14 * 60)
    assert _campaigns_apply(_situation(at=at, zone=NEW_YORK), lunch) is applies


@pytest.mark.parametrize(
    ("local_time", "applies"),
    [
        ("21:59", False),
        ("22:00", True),
        ("23:59", True),
        ("00:00", True),
        ("01:59", True),
        ("02:00", False),
        ("12:00", False),
    ],
)
def test_hours_starting_after_they_end_span_midnight(local_time: str, applies: bool) -> None:
    hour, minute = map(int, local_time.split(":"))
    at = datetime(2026, 11, 23, hour, minute, tzinfo=MOSCOW).astimezone(UTC)
    night = _double(day_start_min=22 * 60, day_end_min=2 * 60)
    assert _campaigns_apply(_situation(at=at, zone=MOSCOW), night) is applies


def test_the_whole_day_is_every_minute() -> None:
    at = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)
    assert _campaigns_apply(_situation(at=at), _double(day_start_min=0, day_end_min=24 * 60))


def test_local_hours_follow_daylight_saving_time() -> None:
    # New York moves from UTC-5 to UTC-4 at 02:00 local on 8 March 2026.
    early_morning = _double(day_start_min=3 * 60, day_end_min=4 * 60)
    after_change = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT (02:30 at UTC-5)
    before_change = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert _campaigns_apply(_situation(at=after_change, zone=NEW_YORK), early_morning)
    assert not _campaigns_apply(_situation(at=before_change, zone=NEW_YORK), early_morning)
    a_week_before = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)  # 03:30 EST
    assert _campaigns_apply(_situation(at=a_week_before, zone=NEW_YORK), early_morning)


def test_a_tier_campaign_applies_to_members_of_its_tiers_only() -> None:
    campaign = _double(tiers=("gold", "silver"))
    rules = (SCHEME, ("c", campaign))
    assert _campaign_points(_situation(facts=GOLD), *rules) == 100
    assert _campaign_points(_situation(facts=MemberFacts("blue")), *rules) == 0


def test_a_base_tier_campaign_applies_to_members_without_a_stored_tier_but_not_to_quotes() -> None:
    rules = (SCHEME, ("c", _double(tiers=("blue",))))
    assert _campaign_points(_situation(facts=MemberFacts()), *rules) == 100
    assert _campaign_points(_situation(member_known=False), *rules) == 0


def test_a_birthday_campaign_applies_on_the_members_local_birthday() -> None:
    campaign = _campaign(bonus_points=500, birthday=True)
    facts = MemberFacts(birth_date=date(1990, 11, 23))
    assert _campaign_points(_situation(facts=facts), ("c", campaign)) == 500
    day_before = MemberFacts(birth_date=date(1990, 11, 22))
    assert _campaign_points(_situation(facts=day_before), ("c", campaign)) == 0
    assert _campaign_points(_situation(facts=MemberFacts()), ("c", campaign)) == 0
    quote = _situation(facts=facts, member_known=False)
    assert _campaign_points(quote, ("c", campaign)) == 0


def test_a_birthday_is_the_local_date_not_the_utc_one() -> None:
    late_utc = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)  # already 23 November in Moscow
    campaign = _campaign(bonus_points=500, birthday=True)
    facts = MemberFacts(birth_date=date(1990, 11, 23))
    assert _campaign_points(_situation(at=late_utc, zone=MOSCOW, facts=facts), ("c", campaign))
    assert not _campaign_points(_situation(at=late_utc, facts=facts), ("c", campaign))


def test_a_29_february_birthday_is_on_28_february_outside_leap_years() -> None:
    leap_born = date(2000, 2, 29)
    assert is_birthday(leap_born, date(2027, 2, 28))
    assert not is_birthday(leap_born, date(2027, 3, 1))
    assert is_birthday(leap_born, date(2028, 2, 29))
    assert not is_birthday(leap_born, date(2028, 2, 28))
    assert not is_birthday(date(2001, 2, 28), date(2028, 2, 29))


def test_a_first_purchase_campaign_applies_to_the_first_earn_at_the_partner_only() -> None:
    campaign = ("first", _campaign(bonus_points=200, first_purchase=True))
    assert _campaign_points(_situation(facts=MemberFacts(earns_at_partner=0)), campaign) == 200
    assert _campaign_points(_situation(facts=MemberFacts(earns_at_partner=1)), campaign) == 0
    assert _campaign_points(_situation(member_known=False), campaign) == 0


def test_a_category_campaign_multiplies_only_its_categories_eligible_lines() -> None:
    lines = (
        LineItem("latte", "coffee", 4550),
        LineItem("bun", "bakery", 3000),
        LineItem("beans", "coffee", 2450, discounted=True),
    )
    rules = _ruleset(
        Exclusions(PARTNER_ID, discounted_earn=False),
        ("coffee-x3", _campaign(multiplier=D(3), categories=("coffee",))),
    )
    line = evaluate(rules, _situation(lines=lines)).lines[1]
    assert (line.on_points, line.points) == (45, 90)


def test_a_category_campaign_needs_an_eligible_line_of_its_categories() -> None:
    campaign = _double(categories=("coffee",))
    assert not _campaigns_apply(_situation(), campaign)  # no line items
    bakery = (LineItem("bun", "bakery", 10_000),)
    assert not _campaigns_apply(_situation(lines=bakery), campaign)
    excluded_coffee = (LineItem("latte", "coffee", 1000), LineItem("bun", "bakery", 9000))
    rules = (Exclusions(PARTNER_ID, earn_categories=("coffee",)), ("c", campaign))
    assert _campaign_points(_situation(lines=excluded_coffee), *rules) == 0


def test_a_fixed_bonus_scoped_to_categories_needs_one_matching_line() -> None:
    campaign = ("c", _campaign(bonus_points=30, categories=("coffee",)))
    coffee = (LineItem("latte", "coffee", 100), LineItem("bun", "bakery", 9900))
    assert _campaign_points(_situation(lines=coffee), campaign) == 30
    assert _campaign_points(_situation(9900, lines=coffee[1:]), campaign) == 0


# --- Combining campaigns ------------------------------------------------------------------


def test_an_exclusive_campaign_leaves_no_room_for_any_other() -> None:
    rules = _ruleset(
        ("a-double", _double(priority=9)),
        ("b-fixed", _campaign(bonus_points=10)),
        ("z-exclusive", _campaign(multiplier=D("1.5"), exclusive=True)),
    )
    lines = evaluate(rules, _situation()).lines
    assert [line.rule_id for line in lines] == ["", "z-exclusive"]
    assert lines[1].points == 50


def test_of_two_exclusive_campaigns_the_higher_priority_then_the_smaller_rule_id_applies() -> None:
    high = ("b", _double(exclusive=True, priority=2))
    low = ("a", _campaign(bonus_points=1000, exclusive=True, priority=1))
    assert [line.rule_id for line in evaluate(_ruleset(high, low), _situation()).lines] == ["", "b"]
    tie = ("c", _double(exclusive=True, priority=2))
    assert [line.rule_id for line in evaluate(_ruleset(tie, high), _situation()).lines] == ["", "b"]


def test_an_exclusive_campaign_is_still_held_to_the_maximum_multiplier_when_stacking() -> None:
    rules = _ruleset(
        Stacking(PARTNER_ID, StackingMode.STACK, max_multiplier=D("1.5")),
        ("other", _double(priority=9)),
        ("solo", _campaign(multiplier=D(3), exclusive=True)),
    )
    lines = evaluate(rules, _situation()).lines
    assert [(line.rule_id, line.points, line.note) for line in lines] == [
        ("", 100, ""),
        ("solo", 50, NOTE_STACKING),
    ]


def test_by_default_only_the_highest_priority_multiplier_counts_but_fixed_bonuses_add() -> None:
    rules = _ruleset(
        ("triple", _campaign(multiplier=D(3), priority=1)),
        ("double", _double(priority=2)),
        ("fixed", _campaign(bonus_points=7, priority=0)),
    )
    breakdown = evaluate(rules, _situation())
    assert [(line.rule_id, line.points) for line in breakdown.lines] == [
        ("", 100),
        ("double", 100),
        ("fixed", 7),
    ]


def test_best_breaks_a_priority_tie_by_the_larger_bonus_then_the_smaller_rule_id() -> None:
    best = Stacking(PARTNER_ID, StackingMode.BEST)
    larger = _ruleset(best, ("a", _double()), ("b", _campaign(multiplier=D(3))))
    assert [line.rule_id for line in evaluate(larger, _situation()).lines] == ["", "b"]
    equal = _ruleset(best, ("b", _double()), ("a", _double()))
    assert [line.rule_id for line in evaluate(equal, _situation()).lines] == ["", "a"]


def test_stacking_adds_extras_in_priority_order_up_to_the_maximum_multiplier() -> None:
    rules = _ruleset(
        Stacking(PARTNER_ID, StackingMode.STACK, max_multiplier=D(3)),
        ("low", _campaign(multiplier=D("1.5"), priority=0)),
        ("high", _double(priority=2)),
        ("mid", _double(priority=1)),
    )
    lines = evaluate(rules, _situation()).lines
    assert [(line.rule_id, line.points, line.note) for line in lines] == [
        ("", 100, ""),
        ("high", 100, ""),
        ("mid", 100, ""),
        ("low", 0, NOTE_STACKING),
    ]


def test_the_campaign_overflowing_the_maximum_multiplier_gets_what_is_left() -> None:
    rules = _ruleset(
        Stacking(PARTNER_ID, StackingMode.STACK, max_multiplier=D("2.5")),
        ("a", _double(priority=1)),
        ("b", _campaign(multiplier=D("1.75"), priority=1)),
        ("c", _double(priority=0)),
    )
    lines = evaluate(rules, _situation(10_100)).lines
    assert [(line.rule_id, line.points, line.note) for line in lines] == [
        ("", 101, ""),
        ("a", 101, ""),
        ("b", 50, NOTE_STACKING),  # 101 * 0.5
        ("c", 0, NOTE_STACKING),
    ]
    assert lines[2].multiplier == D("1.75")


def test_stacking_never_limits_fixed_bonuses() -> None:
    rules = _ruleset(
        Stacking(PARTNER_ID, StackingMode.STACK, max_multiplier=D(1)),
        ("double", _double()),
        ("fixed", _campaign(bonus_points=25)),
    )
    lines = evaluate(rules, _situation()).lines
    assert [(line.rule_id, line.points, line.note) for line in lines] == [
        ("", 100, ""),
        ("double", 0, NOTE_STACKING),
        ("fixed", 25, ""),
    ]


def test_campaign_lines_follow_priority_then_rule_id() -> None:
    rules = _ruleset(
        ("b", _campaign(bonus_points=1, priority=1)),
        ("a", _campaign(bonus_points=1, priority=1)),
        ("c", _campaign(bonus_points=1, priority=5)),
        ("d", _campaign(bonus_points=1, priority=-1)),
    )
    assert [line.rule_id for line in evaluate(rules, _situation()).lines] == [
        "",
        "c",
        "a",
        "b",
        "d",
    ]


def test_coalition_funded_campaigns_are_counted_apart() -> None:
    rules = _ruleset(
        ("ours", _campaign(bonus_points=40, funder=Funder.COALITION)),
        ("theirs", _campaign(bonus_points=30)),
    )
    breakdown = evaluate(rules, _situation())
    assert (breakdown.points, breakdown.coalition_funded_points) == (170, 40)
    assert breakdown.lines[1].funder is Funder.COALITION


# --- Budgets ------------------------------------------------------------------------------


def test_budgets_do_not_limit_until_they_are_read() -> None:
    rules = ("c", _campaign(bonus_points=300, budget_points=100))
    assert _campaign_points(_situation(budgets_left=None), rules) == 300


def test_a_campaign_gives_no_more_than_its_budget_has_left() -> None:
    rules = _ruleset(("c", _double(budget_points=10_000)))
    line = evaluate(rules, _situation(budgets_left={"c": 60})).lines[1]
    assert (line.points, line.note) == (60, NOTE_BUDGET)


def test_a_campaign_whose_budget_is_spent_is_listed_with_nothing() -> None:
    rules = _ruleset(("c", _double(budget_points=10_000)))
    for left in (0, -5):
        line = evaluate(rules, _situation(budgets_left={"c": left})).lines[1]
        assert (line.points, line.note) == (0, NOTE_BUDGET)


def test_a_budget_not_read_yet_is_taken_as_whole() -> None:
    rules = _ruleset(("c", _double(budget_points=40)), ("d", _campaign(bonus_points=5)))
    lines = evaluate(rules, _situation(budgets_left={})).lines
    assert [(line.rule_id, line.points, line.note) for line in lines[1:]] == [
        ("c", 40, NOTE_BUDGET),
        ("d", 5, ""),
    ]


def test_a_budget_with_room_leaves_the_campaign_whole() -> None:
    line = evaluate(
        _ruleset(("c", _double(budget_points=10_000))), _situation(budgets_left={"c": 100})
    ).lines[1]
    assert (line.points, line.note) == (100, "")


def test_budgeted_campaigns_are_listed_once_sorted() -> None:
    rules = _ruleset(
        ("zeta", _campaign(bonus_points=5, budget_points=100)),
        ("alpha", _double(budget_points=100)),
        ("free", _campaign(bonus_points=5)),
        ("elsewhere", _double(budget_points=100, partner_id="fuel")),
    )
    breakdown = evaluate(rules, _situation())
    assert budgeted_campaigns(rules, breakdown) == ("alpha", "zeta")
    assert budgeted_campaigns(rules, evaluate(Ruleset(NOW), _situation())) == ()


# --- Caps ---------------------------------------------------------------------------------


def _capped_breakdown(cap: Cap, facts: MemberFacts = NO_FACTS) -> Breakdown:
    """A gold member's earn of 250 points: base 100, tier 100, campaigns 30 and 20."""
    rules = _ruleset(
        SCHEME,
        TierBenefits(PARTNER_ID, multipliers={"gold": D(2)}),
        ("cap", cap),
        ("high", _campaign(bonus_points=30, priority=2)),
        ("low", _campaign(bonus_points=20, priority=1, funder=Funder.COALITION)),
    )
    return evaluate(rules, _situation(facts=replace(facts, tier="gold")))


def test_a_cap_cuts_campaigns_from_the_lowest_priority_then_the_tier_then_the_base() -> None:
    # base 100, tier 100, high 30, low 20: 250 in all.
    cases = {
        240: [0, 0, 0, 10],
        220: [0, 0, 10, 20],
        150: [0, 50, 30, 20],
        50: [50, 100, 30, 20],
        0: [100, 100, 30, 20],
    }
    for limit, capped in cases.items():
        breakdown = _capped_breakdown(Cap(CapPeriod.TRANSACTION, limit))
        assert [line.capped_points for line in breakdown.lines] == capped
        assert breakdown.points == limit
        assert breakdown.caps == (CapCut("cap", "transaction", limit, 250 - limit),)


def test_a_cap_with_room_for_the_whole_earn_cuts_nothing() -> None:
    breakdown = _capped_breakdown(Cap(CapPeriod.TRANSACTION, 250))
    assert (breakdown.points, breakdown.caps) == (250, ())
    assert all(line.capped_points == 0 for line in breakdown.lines)


def test_a_cap_leaves_coalition_funded_points_only_as_far_as_they_are_posted() -> None:
    assert _capped_breakdown(Cap(CapPeriod.TRANSACTION, 240)).coalition_funded_points == 10
    assert _capped_breakdown(Cap(CapPeriod.TRANSACTION, 200)).coalition_funded_points == 0


@pytest.mark.parametrize(
    ("cap", "used", "elsewhere"),
    [
        (
            Cap(CapPeriod.DAY, 1000),
            MemberFacts(earned_today_points=850),
            MemberFacts(earned_today_at_partner_points=999, earned_month_points=999),
        ),
        (
            Cap(CapPeriod.DAY, 1000, PARTNER_ID),
            MemberFacts(earned_today_at_partner_points=850),
            MemberFacts(earned_today_points=999, earned_month_at_partner_points=999),
        ),
        (
            Cap(CapPeriod.MONTH, 1000),
            MemberFacts(earned_month_points=850),
            MemberFacts(earned_month_at_partner_points=999, earned_today_points=999),
        ),
        (
            Cap(CapPeriod.MONTH, 1000, PARTNER_ID),
            MemberFacts(earned_month_at_partner_points=850),
            MemberFacts(earned_month_points=999, earned_today_at_partner_points=999),
        ),
    ],
)
def test_period_caps_count_what_the_member_already_earned_in_their_period(
    cap: Cap, used: MemberFacts, elsewhere: MemberFacts
) -> None:
    breakdown = _capped_breakdown(cap, used)
    assert breakdown.points == 150
    assert breakdown.caps == (CapCut("cap", cap.period.value, 1000, 100),)
    assert _capped_breakdown(cap, elsewhere).points == 250


def test_a_cap_already_exceeded_lets_nothing_through() -> None:
    breakdown = _capped_breakdown(Cap(CapPeriod.DAY, 100), MemberFacts(earned_today_points=400))
    assert breakdown.points == 0
    assert breakdown.caps == (CapCut("cap", "day", 100, 250),)


def test_the_binding_cap_is_the_one_with_least_room_then_the_smallest_rule_id() -> None:
    facts = MemberFacts(earned_month_points=900)
    rules = _ruleset(
        ("a-day", Cap(CapPeriod.DAY, 500)),
        ("b-month", Cap(CapPeriod.MONTH, 960)),
        ("c-earn", Cap(CapPeriod.TRANSACTION, 70)),
    )
    breakdown = evaluate(rules, _situation(facts=facts))
    assert breakdown.caps == (CapCut("b-month", "month", 960, 40),)
    assert breakdown.points == 60
    tied = _ruleset(("z", Cap(CapPeriod.TRANSACTION, 60)), ("y", Cap(CapPeriod.MONTH, 960)))
    assert evaluate(tied, _situation(facts=facts)).caps[0].rule_id == "y"


def test_a_cap_of_another_partner_does_not_limit() -> None:
    rules = _ruleset(("fuel-cap", Cap(CapPeriod.TRANSACTION, 1, partner_id="fuel")))
    assert evaluate(rules, _situation()).points == 100


def test_a_quote_without_a_member_is_limited_by_a_caps_whole_limit() -> None:
    rules = _ruleset(("cap", Cap(CapPeriod.DAY, 30)))
    assert evaluate(rules, _situation(member_known=False)).points == 30


# --- What the caller reads ----------------------------------------------------------------


def test_facts_are_needed_for_tiers_caps_and_first_purchase_campaigns_only() -> None:
    assert not needs_facts(Ruleset(NOW), PARTNER_ID)
    assert not needs_facts(_ruleset(("c", _double(birthday=True))), PARTNER_ID)
    assert needs_facts(_ruleset(SCHEME), PARTNER_ID)
    assert needs_facts(_ruleset(("cap", Cap(CapPeriod.DAY, 10))), PARTNER_ID)
    assert not needs_facts(_ruleset(("cap", Cap(CapPeriod.DAY, 10, "fuel"))), PARTNER_ID)
    first = _campaign(bonus_points=1, first_purchase=True)
    assert needs_facts(_ruleset(("c", first)), PARTNER_ID)
    elsewhere = _campaign(bonus_points=1, first_purchase=True, partner_id="fuel")
    assert not needs_facts(_ruleset(("c", elsewhere)), PARTNER_ID)


def test_a_birth_date_is_needed_only_while_a_birthday_campaign_runs_at_the_partner() -> None:
    campaign = _campaign(bonus_points=1, birthday=True, starts_at=NOW, ends_at=NOW + timedelta(1))
    rules = _ruleset(("bday", campaign), ("other", _double()))
    assert needs_birth_date(rules, PARTNER_ID, NOW)
    assert not needs_birth_date(rules, PARTNER_ID, NOW - timedelta(seconds=1))
    assert not needs_birth_date(rules, PARTNER_ID, NOW + timedelta(days=1))
    elsewhere = _ruleset(("bday", _campaign(bonus_points=1, birthday=True, partner_id="fuel")))
    assert not needs_birth_date(elsewhere, PARTNER_ID, NOW)
    assert not needs_birth_date(_ruleset(("other", _double())), PARTNER_ID, NOW)


def test_fact_windows_are_local_calendar_periods_given_in_utc() -> None:
    at = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # 1 December 01:30 in Moscow (UTC+3)
    windows = fact_windows(_ruleset(SCHEME), at, MOSCOW)
    assert windows.qualifying_since == datetime(2025, 11, 30, 22, 30, tzinfo=UTC)
    assert windows.day_start == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    assert windows.month_start == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    assert windows.spend_currency == ""
    assert windows.day_start.tzinfo is UTC


def test_fact_windows_keep_local_wall_clock_across_daylight_saving_changes() -> None:
    at = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # 12:00 EST (UTC-5)
    windows = fact_windows(Ruleset(NOW), at, NEW_YORK)
    assert windows.qualifying_since == datetime(2025, 11, 20, 17, 0, tzinfo=UTC)  # EST too
    assert windows.day_start == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    assert windows.month_start == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # still EDT then
    summer = fact_windows(Ruleset(NOW), datetime(2026, 4, 10, 16, 0, tzinfo=UTC), NEW_YORK)
    assert summer.qualifying_since == datetime(2025, 4, 10, 16, 0, tzinfo=UTC)


def test_a_year_before_29_february_is_28_february() -> None:
    windows = fact_windows(Ruleset(NOW), datetime(2028, 2, 29, 12, tzinfo=UTC), UTC_ZONE)
    assert windows.qualifying_since == datetime(2027, 2, 28, 12, tzinfo=UTC)


def test_fact_windows_name_the_spend_currency_of_a_spend_scheme() -> None:
    scheme = TierScheme((Tier("blue", 0), Tier("gold", 100)), TierMetric.SPEND, "EUR")
    assert fact_windows(_ruleset(scheme), NOW, UTC_ZONE).spend_currency == "EUR"


def test_tier_progress_shows_the_distance_to_the_next_tier() -> None:
    progress = tier_progress(SCHEME, MemberFacts(tier="silver", qualifying_points=1200))
    assert (progress.tier, progress.next_tier, progress.to_next_tier) == ("silver", "gold", 3800)
    assert (progress.metric, progress.qualifying, progress.spend_currency) == (
        TierMetric.POINTS,
        1200,
        "",
    )


def test_tier_progress_at_the_top_and_beyond_a_threshold() -> None:
    top = tier_progress(SCHEME, MemberFacts(tier="gold", qualifying_points=9000))
    assert (top.next_tier, top.to_next_tier) == ("", 0)
    ahead = tier_progress(SCHEME, MemberFacts(qualifying_points=1500))
    assert (ahead.tier, ahead.next_tier, ahead.to_next_tier) == ("blue", "silver", 0)


def test_tier_progress_of_a_spend_scheme_counts_spend() -> None:
    scheme = TierScheme((Tier("blue", 0), Tier("gold", 100_000)), TierMetric.SPEND, "EUR")
    progress = tier_progress(scheme, MemberFacts(qualifying_spend_minor=25_000))
    assert (progress.qualifying, progress.to_next_tier, progress.spend_currency) == (
        25_000,
        75_000,
        "EUR",
    )


@pytest.mark.parametrize(
    ("qualifying", "tier"),
    [(0, None), (999, None), (1000, "silver"), (4999, "silver"), (5000, "gold"), (10**9, "gold")],
)
def test_a_review_sets_the_tier_whose_threshold_is_reached(
    qualifying: int, tier: str | None
) -> None:
    assert reviewed_tier(SCHEME, qualifying) == tier


def test_burn_value_is_the_tiers_when_it_is_better_for_the_member() -> None:
    benefits = TierBenefits(
        PARTNER_ID, burn_values={"gold": D("0.02"), "silver": D("0.005"), "blue": D("0.011")}
    )
    rules = _ruleset(SCHEME, benefits)
    assert burn_value(rules, PARTNER_ID, "gold", _rates()) == D("0.02")
    assert burn_value(rules, PARTNER_ID, "silver", _rates()) == D("0.01")
    assert burn_value(rules, PARTNER_ID, None, _rates()) == D("0.011")
    assert burn_value(rules, "fuel", "gold", _rates()) == D("0.01")
    assert burn_value(_ruleset(benefits), PARTNER_ID, "gold", _rates()) == D("0.01")


def test_burn_excluded_categories_join_the_partners_burn_rules_and_its_exclusions() -> None:
    partner = _partner(BurnRules(excluded_categories=frozenset({"tobacco"})))
    rules = _ruleset(Exclusions(PARTNER_ID, burn_categories=("gift-cards", "tobacco")))
    assert burn_excluded_categories(rules, partner) == {"tobacco", "gift-cards"}
    assert burn_excluded_categories(Ruleset(NOW), partner) == {"tobacco"}


@pytest.mark.parametrize(
    ("review", "start"),
    [
        (ReviewPeriod.MONTH, datetime(2026, 7, 31, 21, 0, tzinfo=UTC)),
        (ReviewPeriod.QUARTER, datetime(2026, 6, 30, 21, 0, tzinfo=UTC)),
        (ReviewPeriod.YEAR, datetime(2025, 12, 31, 21, 0, tzinfo=UTC)),
    ],
)
def test_a_review_period_starts_at_local_midnight_of_its_first_day(
    review: ReviewPeriod, start: datetime
) -> None:
    scheme = TierScheme(SCHEME.tiers, review=review)
    at = datetime(2026, 8, 14, 12, 0, tzinfo=UTC)
    assert review_period_start(scheme, at, MOSCOW) == start


def test_the_first_minutes_of_a_local_quarter_belong_to_it() -> None:
    scheme = TierScheme(SCHEME.tiers, review=ReviewPeriod.QUARTER)
    at = datetime(2026, 9, 30, 21, 5, tzinfo=UTC)  # 1 October 00:05 in Moscow
    assert review_period_start(scheme, at, MOSCOW) == datetime(2026, 9, 30, 21, 0, tzinfo=UTC)
    assert review_period_start(scheme, at, UTC_ZONE) == datetime(2026, 7, 1, tzinfo=UTC)
