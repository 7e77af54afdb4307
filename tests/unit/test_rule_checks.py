from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hub.domain.errors import (
    CampaignsOverlap,
    InvalidRule,
    RuleEnded,
    RuleInPast,
    RuleNotFound,
)
from hub.domain.limits import POINTS_PER_OPERATION_MAX, RATE_MAX
from hub.domain.purchases import Channel
from hub.domain.rule_checks import check_change, check_definition, rule_id_for
from hub.domain.rules import (
    KIND_OF,
    Campaign,
    Cap,
    CapPeriod,
    Definition,
    EventKind,
    EventRule,
    Exclusions,
    RuleKind,
    RuleVersion,
    Stacking,
    StackingMode,
    Tier,
    TierBenefits,
    TierMetric,
    TierScheme,
    WelcomeBonus,
)

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NAIVE = datetime(2026, 11, 22, 10, 0)
SCHEME = TierScheme((Tier("base", 0), Tier("silver", 1000), Tier("gold", 5000)))
BENEFITS = TierBenefits("coffee", {"gold": Decimal(2)}, {"gold": Decimal("0.02")})
EXCLUSIONS = Exclusions("coffee", ("tobacco",), burn_categories=("gift-cards",))
STACKING = Stacking("coffee", StackingMode.STACK, Decimal(3))
CAMPAIGN = Campaign("Double points", NOW, NOW + timedelta(days=7), multiplier=Decimal(2))
CAP = Cap(CapPeriod.DAY, 1000)
WELCOME = WelcomeBonus(100)
EVENT = EventRule("coffee", EventKind.REFERRAL, 200, 5, referee_points=100)
EXCLUSIVE = replace(CAMPAIGN, exclusive=True)


def _tiers(*names: str) -> tuple[Tier, ...]:
    return tuple(Tier(name, 100 * index) for index, name in enumerate(names))


def _version(
    rule_id: str,
    definition: Definition | None,
    *,
    version: int = 1,
    effective_from: datetime = NOW,
    kind: RuleKind | None = None,
) -> RuleVersion:
    if kind is None:
        assert definition is not None
        kind = KIND_OF[type(definition)]
    return RuleVersion(rule_id, version, kind, effective_from, definition, NOW, "operator")


def _change(
    definition: Definition | None,
    *,
    rule_id: str = "new",
    history: tuple[RuleVersion, ...] = (),
    others: tuple[RuleVersion, ...] = (),
    effective_from: datetime = NOW,
) -> None:
    check_change(rule_id, definition, effective_from, NOW, history, others)


# check_definition: valid definitions.


@pytest.mark.parametrize(
    "definition",
    [
        SCHEME,
        TierScheme((Tier("base", 0),)),
        TierScheme(_tiers(*(f"t{i}" for i in range(10)))),
        TierScheme(SCHEME.tiers, TierMetric.SPEND, "EUR"),
        BENEFITS,
        TierBenefits("coffee"),
        TierBenefits("coffee", {"gold": Decimal(1), "silver": Decimal("99.9999")}),
        TierBenefits("coffee", {"gold": Decimal(100)}, {"gold": Decimal("0.0000000001")}),
        TierBenefits("coffee", burn_values={"gold": RATE_MAX}),
        EXCLUSIONS,
        Exclusions("coffee", tuple(f"c{i}" for i in range(100))),
        STACKING,
        Stacking("coffee"),
        CAMPAIGN,
        replace(CAMPAIGN, multiplier=Decimal("1.0001")),
        replace(CAMPAIGN, multiplier=Decimal("100.0000")),
        replace(CAMPAIGN, multiplier=None, bonus_points=50),
        replace(CAMPAIGN, multiplier=None, bonus_points=POINTS_PER_OPERATION_MAX),
        replace(CAMPAIGN, ends_at=None),
        replace(CAMPAIGN, day_start_min=0, day_end_min=1440),
        replace(CAMPAIGN, day_start_min=22 * 60, day_end_min=2 * 60),
        replace(CAMPAIGN, day_start_min=1440, day_end_min=600),
        replace(CAMPAIGN, weekdays=(0, 6), priority=-1000, budget_points=1),
        replace(CAMPAIGN, priority=1000, partner_id="coffee", categories=("coffee-beans",)),
        replace(CAMPAIGN, tiers=("gold", "silver"), channels=(Channel.POS, Channel.APP)),
        replace(CAMPAIGN, exclusive=True, birthday=True, first_purchase=True),
        CAP,
        Cap(CapPeriod.TRANSACTION, POINTS_PER_OPERATION_MAX, "coffee"),
        WELCOME,
        WelcomeBonus(POINTS_PER_OPERATION_MAX, partner_id="coffee"),
        EVENT,
        EventRule("coffee", EventKind.REVIEW, 10, 1000),
        EventRule("coffee", EventKind.REFERRAL, 10, 1),
    ],
)
def test_valid_definitions_pass_unchanged(definition: Definition) -> None:
    assert check_definition(definition) is definition


# check_definition: each field check, with the field it names.

_TOO_MANY_TIERS = TierScheme(_tiers(*(f"t{i}" for i in range(11))))
_ELEVEN_MULTIPLIERS = {f"t{i}": Decimal(2) for i in range(11)}
_MANY_CATEGORIES = tuple(f"c{i}" for i in range(101))

INVALID = [
    # Tier scheme.
    (TierScheme(()), "tiers.tiers"),
    (_TOO_MANY_TIERS, "tiers.tiers"),
    (TierScheme(_tiers("base", "Gold")), "tiers.tiers[1].name"),
    (TierScheme(_tiers("")), "tiers.tiers[0].name"),
    (TierScheme(_tiers("base", "1st")), "tiers.tiers[1].name"),
    (TierScheme(_tiers("a" * 33)), "tiers.tiers[0].name"),
    (TierScheme(_tiers("base", "gold", "gold")), "tiers.tiers[2].name"),
    (TierScheme((Tier("base", 5), Tier("gold", 10))), "tiers.tiers[0].threshold"),
    (TierScheme((Tier("base", 0), Tier("gold", 0))), "tiers.tiers[1].threshold"),
    (TierScheme((Tier("a", 0), Tier("b", 50), Tier("c", 40))), "tiers.tiers[2].threshold"),
    (TierScheme((Tier("base", -1),)), "tiers.tiers[0].threshold"),
    (TierScheme(SCHEME.tiers, TierMetric.SPEND), "tiers.spend_currency"),
    (TierScheme(SCHEME.tiers, TierMetric.SPEND, "XXX"), "tiers.spend_currency"),
    (TierScheme(SCHEME.tiers, TierMetric.SPEND, "eur"), "tiers.spend_currency"),
    (TierScheme(SCHEME.tiers, TierMetric.POINTS, "EUR"), "tiers.spend_currency"),
    # Tier benefits.
    (replace(BENEFITS, partner_id="Coffee"), "tier_benefits.partner_id"),
    (replace(BENEFITS, partner_id="c"), "tier_benefits.partner_id"),
    (replace(BENEFITS, multipliers={"Gold": Decimal(2)}), "tier_benefits.multipliers"),
    (replace(BENEFITS, multipliers=_ELEVEN_MULTIPLIERS), "tier_benefits.multipliers"),
    (replace(BENEFITS, multipliers={"gold": Decimal(-2)}), "tier_benefits.multipliers.gold"),
    (replace(BENEFITS, multipliers={"gold": Decimal(0)}), "tier_benefits.multipliers.gold"),
    (replace(BENEFITS, multipliers={"gold": Decimal("0.5")}), "tier_benefits.multipliers.gold"),
    (replace(BENEFITS, multipliers={"gold": Decimal(101)}), "tier_benefits.multipliers.gold"),
    (replace(BENEFITS, multipliers={"gold": Decimal("NaN")}), "tier_benefits.multipliers.gold"),
    (replace(BENEFITS, multipliers={"gold": Decimal("sNaN")}), "tier_benefits.multipliers.gold"),
    (replace(BENEFITS, multipliers={"gold": Decimal("Inf")}), "tier_benefits.multipliers.gold"),
    (replace(BENEFITS, multipliers={"gold": Decimal("1.00001")}), "tier_benefits.multipliers.gold"),
    (replace(BENEFITS, burn_values={"Gold": Decimal(1)}), "tier_benefits.burn_values"),
    (replace(BENEFITS, burn_values={"gold": Decimal(0)}), "tier_benefits.burn_values.gold"),
    (replace(BENEFITS, burn_values={"gold": Decimal(-1)}), "tier_benefits.burn_values.gold"),
    (replace(BENEFITS, burn_values={"gold": RATE_MAX + 1}), "tier_benefits.burn_values.gold"),
    (replace(BENEFITS, burn_values={"gold": Decimal("NaN")}), "tier_benefits.burn_values.gold"),
    (replace(BENEFITS, burn_values={"gold": Decimal("-Inf")}), "tier_benefits.burn_values.gold"),
    (
        replace(BENEFITS, burn_values={"gold": Decimal("0.00000000001")}),
        "tier_benefits.burn_values.gold",
    ),
    # Exclusions.
    (replace(EXCLUSIONS, partner_id=""), "exclusions.partner_id"),
    (replace(EXCLUSIONS, earn_categories=("",)), "exclusions.earn_categories[0]"),
    (replace(EXCLUSIONS, earn_categories=("a", "b" * 65)), "exclusions.earn_categories[1]"),
    (replace(EXCLUSIONS, earn_categories=("bad\n",)), "exclusions.earn_categories[0]"),
    (replace(EXCLUSIONS, earn_categories=("a", "b", "a")), "exclusions.earn_categories[2]"),
    (replace(EXCLUSIONS, earn_categories=_MANY_CATEGORIES), "exclusions.earn_categories"),
    (replace(EXCLUSIONS, burn_categories=("",)), "exclusions.burn_categories[0]"),
    (replace(EXCLUSIONS, burn_categories=("x", "x")), "exclusions.burn_categories[1]"),
    (replace(EXCLUSIONS, burn_categories=_MANY_CATEGORIES), "exclusions.burn_categories"),
    # Stacking.
    (replace(STACKING, partner_id="-coffee"), "stacking.partner_id"),
    (replace(STACKING, max_multiplier=Decimal("0.9")), "stacking.max_multiplier"),
    (replace(STACKING, max_multiplier=Decimal("100.01")), "stacking.max_multiplier"),
    (replace(STACKING, max_multiplier=Decimal("NaN")), "stacking.max_multiplier"),
    # Campaign.
    (replace(CAMPAIGN, label=""), "campaign.label"),
    (replace(CAMPAIGN, label="   "), "campaign.label"),
    (replace(CAMPAIGN, label="x" * 65), "campaign.label"),
    (replace(CAMPAIGN, label="bad\x00label"), "campaign.label"),
    (replace(CAMPAIGN, multiplier=None), "campaign.multiplier"),
    (replace(CAMPAIGN, multiplier=Decimal(1)), "campaign.multiplier"),
    (replace(CAMPAIGN, multiplier=Decimal("0.5")), "campaign.multiplier"),
    (replace(CAMPAIGN, multiplier=Decimal(-2)), "campaign.multiplier"),
    (replace(CAMPAIGN, multiplier=Decimal("100.0001")), "campaign.multiplier"),
    (replace(CAMPAIGN, multiplier=Decimal("1.23456")), "campaign.multiplier"),
    (replace(CAMPAIGN, multiplier=Decimal("Infinity")), "campaign.multiplier"),
    (replace(CAMPAIGN, bonus_points=10), "campaign.bonus_points"),
    (replace(CAMPAIGN, multiplier=None, bonus_points=-5), "campaign.bonus_points"),
    (
        replace(CAMPAIGN, multiplier=None, bonus_points=POINTS_PER_OPERATION_MAX + 1),
        "campaign.bonus_points",
    ),
    (replace(CAMPAIGN, starts_at=NAIVE, ends_at=None), "campaign.starts_at"),
    (replace(CAMPAIGN, ends_at=NAIVE + timedelta(days=1)), "campaign.ends_at"),
    (replace(CAMPAIGN, ends_at=NOW), "campaign.ends_at"),
    (replace(CAMPAIGN, ends_at=NOW - timedelta(seconds=1)), "campaign.ends_at"),
    (replace(CAMPAIGN, weekdays=(7,)), "campaign.weekdays[0]"),
    (replace(CAMPAIGN, weekdays=(0, -1)), "campaign.weekdays[1]"),
    (replace(CAMPAIGN, weekdays=(1, 2, 1)), "campaign.weekdays[2]"),
    (replace(CAMPAIGN, day_start_min=-1), "campaign.day_start_min"),
    (replace(CAMPAIGN, day_start_min=1441), "campaign.day_start_min"),
    (replace(CAMPAIGN, day_end_min=-1), "campaign.day_end_min"),
    (replace(CAMPAIGN, day_end_min=1441), "campaign.day_end_min"),
    (replace(CAMPAIGN, day_start_min=600, day_end_min=600), "campaign.day_end_min"),
    (replace(CAMPAIGN, day_start_min=0, day_end_min=0), "campaign.day_end_min"),
    (replace(CAMPAIGN, day_start_min=1440, day_end_min=1440), "campaign.day_end_min"),
    (replace(CAMPAIGN, priority=1001), "campaign.priority"),
    (replace(CAMPAIGN, priority=-1001), "campaign.priority"),
    (replace(CAMPAIGN, budget_points=0), "campaign.budget_points"),
    (replace(CAMPAIGN, budget_points=-10), "campaign.budget_points"),
    (replace(CAMPAIGN, categories=("",)), "campaign.categories[0]"),
    (replace(CAMPAIGN, categories=("tea", "tea")), "campaign.categories[1]"),
    (replace(CAMPAIGN, categories=_MANY_CATEGORIES), "campaign.categories"),
    (replace(CAMPAIGN, tiers=("gold", "Silver")), "campaign.tiers[1]"),
    (replace(CAMPAIGN, tiers=("gold", "gold")), "campaign.tiers[1]"),
    (replace(CAMPAIGN, partner_id="COFFEE"), "campaign.partner_id"),
    (replace(CAMPAIGN, channels=(Channel.UNSPECIFIED,)), "campaign.channels[0]"),
    (replace(CAMPAIGN, channels=(Channel.POS, Channel.POS)), "campaign.channels[1]"),
    # Cap.
    (replace(CAP, limit_points=0), "cap.limit_points"),
    (replace(CAP, limit_points=POINTS_PER_OPERATION_MAX + 1), "cap.limit_points"),
    (replace(CAP, partner_id="x"), "cap.partner_id"),
    # Welcome bonus.
    (replace(WELCOME, points=0), "welcome.points"),
    (replace(WELCOME, points=POINTS_PER_OPERATION_MAX + 1), "welcome.points"),
    (replace(WELCOME, partner_id="Coffee Shop"), "welcome.partner_id"),
    # Event rule.
    (replace(EVENT, partner_id="c"), "event.partner_id"),
    (replace(EVENT, points=0), "event.points"),
    (replace(EVENT, points=POINTS_PER_OPERATION_MAX + 1), "event.points"),
    (replace(EVENT, max_per_member=0), "event.max_per_member"),
    (replace(EVENT, max_per_member=1001), "event.max_per_member"),
    (replace(EVENT, referee_points=-1), "event.referee_points"),
    (replace(EVENT, event=EventKind.REVIEW), "event.referee_points"),
    (replace(EVENT, event=EventKind.PROFILE_COMPLETED), "event.referee_points"),
]


@pytest.mark.parametrize(("definition", "field"), INVALID)
def test_each_invalid_field_is_refused_by_its_dotted_path(
    definition: Definition, field: str
) -> None:
    with pytest.raises(InvalidRule) as caught:
        check_definition(definition)
    assert caught.value.field == field
    assert caught.value.reason == "INVALID_RULE"
    assert field.split(".")[-1].split("[")[0] in caught.value.message


def test_values_of_the_wrong_type_are_refused_not_crashed_on() -> None:
    floats = replace(BENEFITS, multipliers={"gold": 2.0})  # type: ignore[dict-item]
    with pytest.raises(InvalidRule, match="finite decimal") as caught:
        check_definition(floats)
    assert caught.value.field == "tier_benefits.multipliers.gold"
    with pytest.raises(InvalidRule, match="whole number"):
        check_definition(replace(CAP, limit_points=True))
    with pytest.raises(InvalidRule, match="time zone"):
        check_definition(replace(CAMPAIGN, starts_at="2026-11-22"))  # type: ignore[arg-type]


def test_messages_say_what_is_wrong() -> None:
    with pytest.raises(InvalidRule, match=r"at least 1 .* got -2"):
        check_definition(replace(BENEFITS, multipliers={"gold": Decimal(-2)}))
    with pytest.raises(InvalidRule, match="must be after starts_at"):
        check_definition(replace(CAMPAIGN, ends_at=NOW))
    with pytest.raises(InvalidRule, match="one or the other"):
        check_definition(replace(CAMPAIGN, bonus_points=10))
    with pytest.raises(InvalidRule, match="only for referral"):
        check_definition(replace(EVENT, event=EventKind.REVIEW))
    with pytest.raises(InvalidRule, match="more than 4 decimal places"):
        check_definition(replace(CAMPAIGN, multiplier=Decimal("1.23456")))


# rule_id_for.


@pytest.mark.parametrize(
    ("given", "definition", "stored"),
    [
        ("", SCHEME, "tiers"),
        ("tiers", SCHEME, "tiers"),
        ("", BENEFITS, "tier-benefits:coffee"),
        ("tier-benefits:coffee", BENEFITS, "tier-benefits:coffee"),
        ("", EXCLUSIONS, "exclusions:coffee"),
        ("", STACKING, "stacking:coffee"),
        ("stacking:coffee", STACKING, "stacking:coffee"),
        ("summer-2026", CAMPAIGN, "summer-2026"),
        ("a", CAP, "a"),
        ("0" + "x" * 63, WELCOME, "0" + "x" * 63),
        ("event:coffee.review_v2", EVENT, "event:coffee.review_v2"),
        ("tiers-bonus", CAMPAIGN, "tiers-bonus"),
        ("stacking", CAMPAIGN, "stacking"),
    ],
)
def test_rule_ids_are_derived_or_validated(given: str, definition: Definition, stored: str) -> None:
    assert rule_id_for(given, definition) == stored


@pytest.mark.parametrize(
    ("given", "definition", "message"),
    [
        ("gold", SCHEME, "'tiers'"),
        ("tier-benefits:tea", BENEFITS, "tier-benefits:coffee"),
        ("exclusions", EXCLUSIONS, "exclusions:coffee"),
        ("my-stacking", STACKING, "stacking:coffee"),
        ("", CAMPAIGN, "required"),
        ("", EVENT, "required"),
        ("Summer", CAMPAIGN, "1-64 characters"),
        ("_summer", CAP, "1-64 characters"),
        ("-summer", CAP, "1-64 characters"),
        ("summer sale", CAP, "1-64 characters"),
        ("x" * 65, WELCOME, "1-64 characters"),
        ("tiers", CAMPAIGN, "reserved"),
        ("tier-benefits:coffee", CAMPAIGN, "reserved"),
        ("exclusions:coffee", CAP, "reserved"),
        ("stacking:", WELCOME, "reserved"),
    ],
)
def test_bad_rule_ids_are_refused(given: str, definition: Definition, message: str) -> None:
    with pytest.raises(InvalidRule, match=message) as caught:
        rule_id_for(given, definition)
    assert caught.value.field == "rule_id"


# check_change: scheduling and history.


def test_a_change_may_take_effect_now_or_later() -> None:
    _change(CAP, effective_from=NOW)
    _change(CAP, effective_from=NOW + timedelta(days=1))


def test_a_change_in_the_past_is_refused() -> None:
    with pytest.raises(RuleInPast) as caught:
        _change(CAP, effective_from=NOW - timedelta(microseconds=1))
    assert caught.value.field == "effective_from"


def test_ending_a_rule_that_does_not_exist_is_refused() -> None:
    with pytest.raises(RuleNotFound, match="new"):
        _change(None)


def test_a_rule_may_change_and_end() -> None:
    history = (_version("cap", CAP),)
    _change(replace(CAP, limit_points=5), rule_id="cap", history=history)
    _change(None, rule_id="cap", history=history)


def test_ending_a_rule_twice_is_refused() -> None:
    history = (_version("cap", CAP), _version("cap", None, version=2, kind=RuleKind.CAP))
    with pytest.raises(RuleEnded, match="cap"):
        _change(None, rule_id="cap", history=history)


def test_an_ended_rule_cannot_change_even_when_its_end_is_still_ahead() -> None:
    end = _version("cap", None, version=2, kind=RuleKind.CAP, effective_from=NOW + timedelta(9))
    with pytest.raises(RuleEnded):
        _change(CAP, rule_id="cap", history=(_version("cap", CAP), end))


def test_a_rule_cannot_change_kind() -> None:
    with pytest.raises(InvalidRule, match="rule summer is a campaign") as caught:
        _change(CAP, rule_id="summer", history=(_version("summer", CAMPAIGN),))
    assert caught.value.field == "definition"


def test_a_kind_change_is_reported_before_the_end() -> None:
    history = (_version("summer", CAMPAIGN), _version("summer", None, kind=RuleKind.CAMPAIGN))
    with pytest.raises(InvalidRule, match="is a campaign"):
        _change(CAP, rule_id="summer", history=history)


# check_change: tier names.

WITH_SCHEME = (_version("tiers", SCHEME),)


def test_tier_benefits_and_campaigns_may_name_tiers_of_the_scheme() -> None:
    _change(BENEFITS, others=WITH_SCHEME)
    _change(replace(CAMPAIGN, tiers=("gold", "base")), others=WITH_SCHEME)


def test_definitions_naming_no_tier_need_no_scheme() -> None:
    _change(TierBenefits("coffee"))
    _change(CAMPAIGN)
    _change(SCHEME, rule_id="tiers")


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        (
            replace(BENEFITS, multipliers={"platinum": Decimal(3)}),
            "tier_benefits.multipliers.platinum",
        ),
        (
            replace(BENEFITS, burn_values={"platinum": Decimal(1)}),
            "tier_benefits.burn_values.platinum",
        ),
        (replace(CAMPAIGN, tiers=("gold", "platinum")), "campaign.tiers[1]"),
    ],
)
def test_naming_a_tier_the_scheme_lacks_is_refused(definition: Definition, field: str) -> None:
    with pytest.raises(InvalidRule, match="platinum") as caught:
        _change(definition, others=WITH_SCHEME)
    assert caught.value.field == field


@pytest.mark.parametrize("definition", [BENEFITS, replace(CAMPAIGN, tiers=("gold",))])
def test_naming_tiers_before_there_is_a_scheme_is_refused(definition: Definition) -> None:
    with pytest.raises(InvalidRule, match="tiers must be set up first"):
        _change(definition, others=(_version("cap", CAP),))


def test_tier_names_are_checked_against_the_latest_scheme() -> None:
    later = _version(
        "tiers", TierScheme(_tiers("base", "silver")), version=2, effective_from=NOW + timedelta(1)
    )
    with pytest.raises(InvalidRule, match="gold"):
        _change(BENEFITS, others=(*WITH_SCHEME, later))


def test_an_ended_scheme_is_passed_over_for_its_latest_definition() -> None:
    end = _version("tiers", None, version=2, kind=RuleKind.TIERS, effective_from=NOW + timedelta(1))
    _change(BENEFITS, others=(*WITH_SCHEME, end))


# check_change: overlapping exclusive campaigns.


def _others(*campaigns: Campaign) -> tuple[RuleVersion, ...]:
    return tuple(_version(f"other-{index}", c) for index, c in enumerate(campaigns))


def _overlaps(new: Campaign, *others: Campaign) -> bool:
    try:
        _change(new, others=(*WITH_SCHEME, *_others(*others)))
    except CampaignsOverlap:
        return True
    return False


def test_overlapping_exclusive_campaigns_are_refused_naming_the_other() -> None:
    with pytest.raises(CampaignsOverlap, match="other-1") as caught:
        _change(EXCLUSIVE, others=_others(CAMPAIGN, EXCLUSIVE))
    assert caught.value.reason == "CAMPAIGNS_OVERLAP"


def _at(start_h: int, end_h: int) -> Campaign:
    return replace(EXCLUSIVE, day_start_min=start_h * 60, day_end_min=end_h * 60)


@pytest.mark.parametrize(
    ("new", "other"),
    [
        (EXCLUSIVE, replace(EXCLUSIVE, ends_at=None)),
        (replace(EXCLUSIVE, ends_at=None), replace(EXCLUSIVE, starts_at=NOW + timedelta(99))),
        (replace(EXCLUSIVE, partner_id="coffee"), EXCLUSIVE),
        (replace(EXCLUSIVE, partner_id="coffee"), replace(EXCLUSIVE, partner_id="coffee")),
        (replace(EXCLUSIVE, channels=(Channel.POS,)), EXCLUSIVE),
        (
            replace(EXCLUSIVE, channels=(Channel.POS, Channel.APP)),
            replace(EXCLUSIVE, channels=(Channel.APP,)),
        ),
        (replace(EXCLUSIVE, weekdays=(0, 1)), replace(EXCLUSIVE, weekdays=(1, 2))),
        (_at(9, 12), _at(11, 14)),
        (_at(22, 2), _at(1, 3)),
        (_at(22, 2), _at(23, 1)),
        (_at(0, 24), _at(23, 2)),
        (replace(EXCLUSIVE, tiers=("gold",)), replace(EXCLUSIVE, tiers=("gold", "silver"))),
        (replace(EXCLUSIVE, categories=("tea",)), EXCLUSIVE),
        (replace(EXCLUSIVE, birthday=True), replace(EXCLUSIVE, first_purchase=True)),
        (replace(EXCLUSIVE, multiplier=None, bonus_points=5), EXCLUSIVE),
    ],
)
def test_exclusive_campaigns_overlap_when_every_condition_meets(
    new: Campaign, other: Campaign
) -> None:
    assert _overlaps(new, other)
    assert _overlaps(other, new)


@pytest.mark.parametrize(
    ("new", "other"),
    [
        (
            replace(EXCLUSIVE, ends_at=NOW + timedelta(days=1)),
            replace(EXCLUSIVE, starts_at=NOW + timedelta(days=1), ends_at=None),
        ),
        (replace(EXCLUSIVE, partner_id="coffee"), replace(EXCLUSIVE, partner_id="tea")),
        (replace(EXCLUSIVE, channels=(Channel.POS,)), replace(EXCLUSIVE, channels=(Channel.APP,))),
        (replace(EXCLUSIVE, weekdays=(5, 6)), replace(EXCLUSIVE, weekdays=(0, 1, 2, 3, 4))),
        (_at(9, 12), _at(12, 14)),
        (_at(22, 2), _at(2, 22)),
        (_at(22, 24), _at(0, 22)),
        (replace(EXCLUSIVE, tiers=("gold",)), replace(EXCLUSIVE, tiers=("silver",))),
        (replace(EXCLUSIVE, categories=("tea",)), replace(EXCLUSIVE, categories=("coffee",))),
        (EXCLUSIVE, CAMPAIGN),
        (CAMPAIGN, EXCLUSIVE),
    ],
)
def test_campaigns_that_only_touch_do_not_overlap(new: Campaign, other: Campaign) -> None:
    assert not _overlaps(new, other)
    assert not _overlaps(other, new)


def test_an_ended_exclusive_campaign_no_longer_conflicts() -> None:
    end = _version(
        "old", None, version=2, kind=RuleKind.CAMPAIGN, effective_from=NOW + timedelta(1)
    )
    _change(EXCLUSIVE, others=(_version("old", EXCLUSIVE), end))


def test_only_the_latest_version_of_another_campaign_counts() -> None:
    no_longer_exclusive = _version("old", CAMPAIGN, version=2, effective_from=NOW + timedelta(1))
    _change(EXCLUSIVE, others=(_version("old", EXCLUSIVE), no_longer_exclusive))
    # Added later but taking effect earlier: the version scheduled after it stays the latest.
    earlier = _version("old", CAMPAIGN, version=2, effective_from=NOW)
    still_exclusive = _version("old", EXCLUSIVE, effective_from=NOW + timedelta(1))
    with pytest.raises(CampaignsOverlap, match="old"):
        _change(EXCLUSIVE, others=(still_exclusive, earlier))


def test_a_campaign_does_not_overlap_its_own_earlier_versions() -> None:
    own = (_version("summer", EXCLUSIVE),)
    _change(replace(EXCLUSIVE, multiplier=Decimal(3)), rule_id="summer", history=own, others=own)


def test_campaigns_cannot_stack_up_to_a_maximum_of_one() -> None:
    with pytest.raises(InvalidRule) as refused:
        check_definition(Stacking("coffee", StackingMode.STACK, Decimal(1)))
    assert refused.value.metadata["field"] == "stacking.max_multiplier"
    assert check_definition(Stacking("coffee", StackingMode.BEST, Decimal(1)))
