"""Applying the rules in force to an earn: the breakdown, and what tiers give at the till.

Pure functions: quote and earn call ``evaluate`` with the same ruleset and facts, so an earn
posts exactly what a quote at the same moment promised.

An earn is worked out in this order: exclusions leave the eligible amount; the partner's earn
rate on it gives the base; the member's tier multiplies the base; the campaigns that match add
their extras or fixed bonuses (exclusivity, then the stacking policy, then budgets decide how
much); a cap finally cuts the total, campaign bonuses first.
"""

from __future__ import annotations

import calendar
import decimal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from hub.domain.breakdown import (
    Breakdown,
    BreakdownLine,
    CapCut,
    ExcludedItem,
    ExclusionReason,
    ItemPoints,
    LineKind,
)
from hub.domain.errors import InvalidAmount
from hub.domain.invariants import require
from hub.domain.limits import POINTS_PER_OPERATION_MAX
from hub.domain.money import Money, Rounding, points_for_purchase, to_units
from hub.domain.partners import Partner
from hub.domain.purchases import Channel, LineItem, Purchase, require_currency
from hub.domain.rates import Rates, RateVersion
from hub.domain.receipt_lines import allocate, exact_text, shares_of
from hub.domain.rules import (
    NO_FACTS,
    Campaign,
    Cap,
    CapPeriod,
    Exclusions,
    FactWindows,
    Funder,
    MemberFacts,
    ReviewPeriod,
    RuleKind,
    Ruleset,
    Stacking,
    StackingMode,
    TierMetric,
    TierProgress,
    TierScheme,
    singleton_rule_id,
)

# Multipliers and rates have few digits, but their products with large point counts may not fit
# the default 28 digits; an inexact product would round before the floor, so it is an error.
_EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.InvalidOperation])
_ONE = Decimal(1)
_ZERO = Decimal(0)
_QUARTER_MONTHS = 3

NOTE_BUDGET = "budget"
"""A campaign line's note when its budget had fewer points left than it would give."""
NOTE_STACKING = "stacking"
"""A campaign line's note when the stacking policy's maximum multiplier cut its extra."""


@dataclass(frozen=True, slots=True)
class EarnSituation:
    """Everything an earn's points depend on besides the rules."""

    partner: Partner
    rate: RateVersion
    purchase: Purchase
    at: datetime
    zone: ZoneInfo
    """The coalition's time zone: campaign weekdays and hours, birthdays, cap periods."""
    member_known: bool = True
    """False for a quote that names no member: campaigns conditioned on the member (tiers,
    birthday, first purchase) do not apply, and the tier is the base tier."""
    facts: MemberFacts = NO_FACTS
    budgets_left: Mapping[str, int] | None = None
    """Campaign rule id -> bonus points its budget has left; ``None``: not read yet (budgets
    do not limit), which is how the caller learns which budgets to read."""


def evaluate(ruleset: Ruleset, situation: EarnSituation) -> Breakdown:
    """The breakdown of the earn ``situation`` describes under ``ruleset``."""
    purchase, partner = situation.purchase, situation.partner
    require_currency(purchase.amount, partner.currency, field="purchase.currency")
    excluded, eligible_lines = _exclude(ruleset.exclusions(partner.id), purchase.line_items)
    eligible_minor = purchase.amount.amount_minor - sum(item.amount_minor for item in excluded)
    base = _points_for_minor(eligible_minor, situation)
    scheme = ruleset.tier_scheme
    tier = _tier_name(scheme, situation)
    conditions = _Conditions.of(situation, tier, eligible_lines, base)
    lines, caps = _apply_caps(
        ruleset.caps(partner.id),
        situation.facts,
        (
            BreakdownLine(LineKind.BASE, base, Funder.PARTNER),
            *_tier_lines(ruleset, partner.id, tier, base),
            *_campaign_lines(ruleset, conditions, situation.budgets_left),
        ),
    )
    points = sum(line.posted_points for line in lines)
    _check_operation_limit(points)
    breakdown = Breakdown(
        points=points,
        eligible_minor=eligible_minor,
        lines=lines,
        excluded=excluded,
        caps=caps,
        coalition_funded_points=_posted(lines, Funder.COALITION),
        tier=tier,
        tier_after=_tier_after(scheme, situation, tier, points),
        earn_rounding=partner.earn_rounding,
    )
    breakdown = _with_items(breakdown, ruleset, partner.id, purchase.line_items)
    _check_adds_up(breakdown)
    return breakdown


# --- Exclusions and base ------------------------------------------------------------------


def _exclude(
    rules: Exclusions | None, items: Sequence[LineItem]
) -> tuple[tuple[ExcludedItem, ...], tuple[LineItem, ...]]:
    """The excluded line items, and the line items that still earn."""
    excluded: list[ExcludedItem] = []
    earning: list[LineItem] = []
    for index, item in enumerate(items):
        reason = _exclusion_reason(rules, item)
        if reason is None:
            earning.append(item)
        else:
            excluded.append(ExcludedItem(index, item.sku, item.category, item.amount_minor, reason))
    return tuple(excluded), tuple(earning)


def _exclusion_reason(rules: Exclusions | None, item: LineItem) -> ExclusionReason | None:
    if rules is None:
        return None
    if item.category in rules.earn_categories:
        return ExclusionReason.CATEGORY
    if item.discounted and not rules.discounted_earn:
        return ExclusionReason.DISCOUNTED
    return None


def _points_for_minor(amount_minor: int, situation: EarnSituation) -> int:
    """Base points for ``amount_minor``, rounded as the partner chose (down by default)."""
    amount = Money(amount_minor, situation.purchase.amount.currency)
    rounding = situation.partner.earn_rounding
    return points_for_purchase(amount, situation.rate.rates.earn_rate, rounding)


def _extra(multiplier: Decimal) -> Decimal:
    # A multiplier below 1 would take points away; rules never do, so its extra is nothing.
    return max(_ZERO, _EXACT.subtract(multiplier, _ONE))


def _extra_points(on_points: int, extra: Decimal) -> int:
    """``on_points`` times ``extra``, rounded down like every point the member gets."""
    return to_units(_EXACT.multiply(Decimal(on_points), extra), 0, Rounding.FLOOR)


# --- Tiers --------------------------------------------------------------------------------


def _tier_of(scheme: TierScheme, name: str | None) -> str:
    """``name`` if the scheme has it, else its base tier (``None`` is the base tier too)."""
    return scheme.tiers[scheme.rank(name)].name


def _tier_name(scheme: TierScheme | None, situation: EarnSituation) -> str:
    if scheme is None:
        return ""
    return _tier_of(scheme, situation.facts.tier if situation.member_known else None)


def _tier_lines(
    ruleset: Ruleset, partner_id: str, tier: str, base: int
) -> tuple[BreakdownLine, ...]:
    benefits = ruleset.tier_benefits(partner_id)
    multiplier = benefits.multipliers.get(tier, _ONE) if benefits is not None and tier else _ONE
    if multiplier <= _ONE:
        return ()
    line = BreakdownLine(
        LineKind.TIER,
        _extra_points(base, _extra(multiplier)),
        Funder.PARTNER,
        rule_id=singleton_rule_id(RuleKind.TIER_BENEFITS, partner_id),
        label=f"{tier} tier",
        multiplier=multiplier,
        on_points=base,
    )
    return (line,)


def _tier_after(scheme: TierScheme | None, situation: EarnSituation, tier: str, points: int) -> str:
    """The higher tier this earn lifts the member into, or empty."""
    if scheme is None or not situation.member_known:
        return ""
    reached = scheme.qualifying_tier(_qualifying_after(scheme, situation, points))
    return reached.name if scheme.rank(reached.name) > scheme.rank(tier) else ""


def _qualifying_after(scheme: TierScheme, situation: EarnSituation, points: int) -> int:
    facts = situation.facts
    if scheme.metric is TierMetric.POINTS:
        return facts.qualifying_points + points
    amount = situation.purchase.amount
    # The hub converts no currencies: spend in another currency does not qualify.
    counted = amount.amount_minor if amount.currency.code == scheme.spend_currency else 0
    return facts.qualifying_spend_minor + counted


# --- Campaigns ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Conditions:
    """What campaign conditions are checked against, worked out once per earn."""

    situation: EarnSituation
    local: datetime
    """The earn's instant in the coalition's time zone: weekdays, hours and birthdays are local."""
    tier: str
    eligible_lines: tuple[LineItem, ...]
    base: int

    @classmethod
    def of(
        cls, situation: EarnSituation, tier: str, eligible_lines: tuple[LineItem, ...], base: int
    ) -> _Conditions:
        local = situation.at.astimezone(situation.zone)
        return cls(situation, local, tier, eligible_lines, base)

    @property
    def member_known(self) -> bool:
        return self.situation.member_known

    @property
    def facts(self) -> MemberFacts:
        return self.situation.facts


@dataclass(frozen=True, slots=True)
class _Offer:
    """What a matching campaign gives, before and as stacking and budgets cut it."""

    rule_id: str
    campaign: Campaign
    on_points: int
    points: int
    extra: Decimal = _ZERO
    """The multiplier's extra (multiplier - 1); zero for a fixed bonus."""
    note: str = ""

    @property
    def multiplied(self) -> bool:
        return self.campaign.multiplier is not None

    def line(self) -> BreakdownLine:
        return BreakdownLine(
            LineKind.CAMPAIGN,
            self.points,
            self.campaign.funder,
            rule_id=self.rule_id,
            label=self.campaign.label,
            multiplier=self.campaign.multiplier,
            on_points=self.on_points,
            note=self.note,
        )


def _display_order(offer: _Offer) -> tuple[int, str]:
    """Higher priority first, then rule id: display order, stacking order, and exclusivity."""
    return -offer.campaign.priority, offer.rule_id


def _campaign_lines(
    ruleset: Ruleset, conditions: _Conditions, budgets_left: Mapping[str, int] | None
) -> tuple[BreakdownLine, ...]:
    partner_id = conditions.situation.partner.id
    offers = [
        _offer(rule_id, campaign, conditions)
        for rule_id, campaign in ruleset.campaigns(partner_id)
        if _matches(campaign, conditions)
    ]
    applied = _stacked(_exclusive(offers), ruleset.stacking(partner_id))
    limited = (_within_budget(offer, budgets_left) for offer in applied)
    return tuple(offer.line() for offer in sorted(limited, key=_display_order))


def _matches(campaign: Campaign, conditions: _Conditions) -> bool:
    """Whether every condition the campaign sets holds (an unset one always does)."""
    return (
        _in_window(campaign, conditions.situation.at)
        and (not campaign.channels or _channel(conditions) in campaign.channels)
        and (not campaign.weekdays or conditions.local.weekday() in campaign.weekdays)
        and _in_hours(campaign, conditions.local)
        and (not campaign.tiers or _tier_matches(campaign, conditions))
        and (not campaign.birthday or _birthday_matches(conditions))
        and (not campaign.first_purchase or _first_purchase(conditions))
        and (not campaign.categories or bool(_category_lines(campaign, conditions)))
    )


def _channel(conditions: _Conditions) -> Channel:
    return conditions.situation.purchase.point_of_sale.channel


def _in_window(campaign: Campaign, at: datetime) -> bool:
    return campaign.starts_at <= at and (campaign.ends_at is None or at < campaign.ends_at)


def _in_hours(campaign: Campaign, local: datetime) -> bool:
    minute = local.hour * 60 + local.minute
    start, end = campaign.day_start_min, campaign.day_end_min
    if start <= end:
        return start <= minute < end
    # Spans midnight: e.g. 22:00-02:00 is late evening or early morning.
    return minute >= start or minute < end


def _tier_matches(campaign: Campaign, conditions: _Conditions) -> bool:
    return conditions.member_known and conditions.tier in campaign.tiers


def _birthday_matches(conditions: _Conditions) -> bool:
    birth = conditions.facts.birth_date
    return conditions.member_known and birth is not None and is_birthday(birth, conditions.local)


def is_birthday(birth_date: date, on: date) -> bool:
    """Whether ``on`` is the birthday of someone born on ``birth_date``; those born on
    29 February have theirs on 28 February outside leap years."""
    month, day = birth_date.month, birth_date.day
    if (month, day) == (2, 29) and not calendar.isleap(on.year):
        day = 28
    return (on.month, on.day) == (month, day)


def _first_purchase(conditions: _Conditions) -> bool:
    return conditions.member_known and conditions.facts.earns_at_partner == 0


def _category_lines(campaign: Campaign, conditions: _Conditions) -> list[LineItem]:
    return [line for line in conditions.eligible_lines if line.category in campaign.categories]


def _offer(rule_id: str, campaign: Campaign, conditions: _Conditions) -> _Offer:
    if campaign.multiplier is None:
        return _Offer(rule_id, campaign, 0, max(0, campaign.bonus_points))
    on_points = conditions.base
    if campaign.categories:
        lines_minor = sum(line.amount_minor for line in _category_lines(campaign, conditions))
        on_points = _points_for_minor(lines_minor, conditions.situation)
    extra = _extra(campaign.multiplier)
    return _Offer(rule_id, campaign, on_points, _extra_points(on_points, extra), extra)


def _exclusive(offers: list[_Offer]) -> list[_Offer]:
    """Only the first exclusive offer by priority when there is one, else all of them."""
    exclusive = [offer for offer in offers if offer.campaign.exclusive]
    return [min(exclusive, key=_display_order)] if exclusive else offers


def _stacked(offers: list[_Offer], stacking: Stacking | None) -> list[_Offer]:
    """Fixed bonuses all add; the stacking policy decides what multiplier campaigns give."""
    fixed = [offer for offer in offers if not offer.multiplied]
    multiplied = [offer for offer in offers if offer.multiplied]
    if stacking is None or stacking.mode is StackingMode.BEST:
        return fixed + _best(multiplied)
    return fixed + _stack(multiplied, _extra(stacking.max_multiplier))


def _best(offers: list[_Offer]) -> list[_Offer]:
    if not offers:
        return []
    return [min(offers, key=lambda offer: (-offer.campaign.priority, -offer.points, offer.rule_id))]


def _stack(offers: list[_Offer], room: Decimal) -> list[_Offer]:
    """Each offer adds its extra in priority order until the extras fill ``room``; the one
    that overflows it gets what is left, and those after it nothing."""
    stacked: list[_Offer] = []
    for offer in sorted(offers, key=_display_order):
        if offer.extra <= room:
            stacked.append(offer)
            room = _EXACT.subtract(room, offer.extra)
        else:
            points = _extra_points(offer.on_points, room)
            stacked.append(replace(offer, points=points, note=NOTE_STACKING))
            room = _ZERO
    return stacked


def _within_budget(offer: _Offer, budgets_left: Mapping[str, int] | None) -> _Offer:
    budget = offer.campaign.budget_points
    if budgets_left is None or budget is None:
        return offer
    left = max(0, budgets_left.get(offer.rule_id, budget))
    return offer if offer.points <= left else replace(offer, points=left, note=NOTE_BUDGET)


# --- What each receipt line earned -------------------------------------------------------


def _with_items(
    breakdown: Breakdown, ruleset: Ruleset, partner_id: str, items: Sequence[LineItem]
) -> Breakdown:
    """``breakdown`` with what each line item earned: each rule's posted points shared by amount
    over the lines it applies to, then allocated to whole points; fixed and first-purchase
    bonuses stay with the receipt."""
    if not items:
        return breakdown
    campaigns = dict(ruleset.campaigns(partner_id))
    excluded = {item.index for item in breakdown.excluded}
    exact = {index: Fraction(0) for index in range(len(items))}
    receipt = 0
    for line in breakdown.lines:
        scope = _scope(line, campaigns, items, excluded)
        weights = {index: items[index].amount_minor for index in scope}
        if not line.posted_points:
            continue
        if not sum(weights.values()):
            receipt += line.posted_points
            continue
        for index, share in shares_of(line.posted_points, weights).items():
            exact[index] += share
    points = allocate([exact[index] for index in range(len(items))])
    earned = tuple(
        ItemPoints(i, item.sku, item.quantity, item.amount_minor, points[i], exact_text(exact[i]))
        for i, item in enumerate(items)
    )
    return replace(breakdown, items=earned, receipt_points=receipt)


def _scope(
    line: BreakdownLine,
    campaigns: Mapping[str, Campaign],
    items: Sequence[LineItem],
    excluded: set[int],
) -> tuple[int, ...]:
    """Indexes of the line items a breakdown line applies to; none for a receipt bonus."""
    eligible = tuple(index for index in range(len(items)) if index not in excluded)
    if line.kind is not LineKind.CAMPAIGN:
        return eligible
    campaign = campaigns.get(line.rule_id)
    if campaign is None or campaign.multiplier is None or campaign.first_purchase:
        return ()
    if campaign.categories:
        return tuple(index for index in eligible if items[index].category in campaign.categories)
    return eligible


# --- Caps and totals ----------------------------------------------------------------------


def _apply_caps(
    caps: Iterable[tuple[str, Cap]], facts: MemberFacts, lines: tuple[BreakdownLine, ...]
) -> tuple[tuple[BreakdownLine, ...], tuple[CapCut, ...]]:
    """The lines with the binding cap's cut allocated to them, and that cut (if any)."""
    rooms = [(_room(cap, facts), rule_id, cap) for rule_id, cap in caps]
    if not rooms:
        return lines, ()
    # The binding cap is the one with least room left; ties go to the smallest rule id.
    room, rule_id, cap = min(rooms, key=lambda found: (found[0], found[1]))
    cut = max(0, sum(line.points for line in lines) - room)
    if cut == 0:
        return lines, ()
    return _allocate_cut(lines, cut), (CapCut(rule_id, cap.period.value, cap.limit_points, cut),)


def _room(cap: Cap, facts: MemberFacts) -> int:
    return max(0, cap.limit_points - _used(cap, facts))


def _used(cap: Cap, facts: MemberFacts) -> int:
    """Points the member already earned in the cap's period (where the cap counts them)."""
    at_partner = cap.partner_id is not None
    if cap.period is CapPeriod.DAY:
        return facts.earned_today_at_partner_points if at_partner else facts.earned_today_points
    if cap.period is CapPeriod.MONTH:
        return facts.earned_month_at_partner_points if at_partner else facts.earned_month_points
    return 0


def _allocate_cut(lines: tuple[BreakdownLine, ...], cut: int) -> tuple[BreakdownLine, ...]:
    # Lines are base, tier, campaigns by priority: from the end, the cap takes the least
    # important bonuses first and the base last.
    allocated = list(lines)
    for index in reversed(range(len(lines))):
        taken = min(cut, lines[index].points)
        if taken > 0:
            allocated[index] = replace(lines[index], capped_points=taken)
            cut -= taken
    return tuple(allocated)


def _posted(lines: Iterable[BreakdownLine], funder: Funder) -> int:
    return sum(line.posted_points for line in lines if line.funder is funder)


def _check_operation_limit(points: int) -> None:
    if points > POINTS_PER_OPERATION_MAX:
        raise InvalidAmount(
            f"this purchase would earn {points} points, above the per-operation limit of "
            f"{POINTS_PER_OPERATION_MAX}",
            field="purchase.amount_minor",
        )


def _check_adds_up(breakdown: Breakdown) -> None:
    require(
        breakdown.points == breakdown.lines_points - breakdown.cut_points,
        "breakdown points differ from its lines less its cap cuts",
    )
    require(breakdown.points >= 0, "breakdown points are negative")
    require(
        0 <= breakdown.coalition_funded_points <= breakdown.points,
        "coalition-funded points exceed the breakdown's points",
    )
    require(
        all(0 <= line.capped_points <= line.points for line in breakdown.lines),
        "a line's capped points exceed its points",
    )
    require(
        not breakdown.items
        or sum(item.points for item in breakdown.items) + breakdown.receipt_points
        == breakdown.points,
        "receipt lines' points and receipt bonuses differ from the breakdown's points",
    )
    require(
        all(item.points >= 0 for item in breakdown.items), "a receipt line's points are negative"
    )


# --- What the caller reads before and around an earn --------------------------------------


def needs_facts(ruleset: Ruleset, partner_id: str) -> bool:
    """Whether an earn at ``partner_id`` needs ``MemberFacts`` (tiers, caps, first-purchase
    campaigns); without, the earn reads nothing more than it did before rules."""
    return (
        ruleset.tier_scheme is not None
        or bool(ruleset.caps(partner_id))
        or any(campaign.first_purchase for _, campaign in ruleset.campaigns(partner_id))
    )


def needs_birth_date(ruleset: Ruleset, partner_id: str, at: datetime) -> bool:
    """Whether a birthday campaign could apply at ``partner_id`` at ``at``: only then is the
    member's sealed contact read."""
    return any(
        campaign.birthday and _in_window(campaign, at)
        for _, campaign in ruleset.campaigns(partner_id)
    )


def fact_windows(ruleset: Ruleset, at: datetime, zone: ZoneInfo) -> FactWindows:
    """The instants facts are counted from for an earn at ``at``."""
    local = at.astimezone(zone)
    day_start = _midnight(local)
    scheme = ruleset.tier_scheme
    spend_currency = (
        scheme.spend_currency if scheme is not None and scheme.metric is TierMetric.SPEND else ""
    )
    return FactWindows(
        qualifying_since=_a_year_before(local).astimezone(UTC),
        day_start=day_start.astimezone(UTC),
        month_start=day_start.replace(day=1).astimezone(UTC),
        spend_currency=spend_currency,
    )


def _midnight(local: datetime) -> datetime:
    # fold=0: where midnight is skipped by a clock change, it is the instant of the change.
    return local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)


def _a_year_before(local: datetime) -> datetime:
    """Same wall-clock time a year earlier; 29 February becomes 28 February."""
    year = local.year - 1
    day = min(local.day, calendar.monthrange(year, local.month)[1])
    return local.replace(year=year, day=day)


def budgeted_campaigns(ruleset: Ruleset, breakdown: Breakdown) -> tuple[str, ...]:
    """Rule ids of the campaigns in ``breakdown`` that have a budget, sorted (the lock order)."""
    budgeted = {
        version.rule_id
        for version in ruleset.versions
        if isinstance(version.definition, Campaign) and version.definition.budget_points is not None
    }
    return tuple(
        sorted(
            {
                line.rule_id
                for line in breakdown.lines
                if line.kind is LineKind.CAMPAIGN and line.rule_id in budgeted
            }
        )
    )


def tier_progress(scheme: TierScheme, facts: MemberFacts) -> TierProgress:
    """The member's tier, the next one and the distance to it."""
    tier = _tier_of(scheme, facts.tier)
    spend = scheme.metric is TierMetric.SPEND
    qualifying = facts.qualifying_spend_minor if spend else facts.qualifying_points
    next_tier = scheme.next_tier(tier)
    return TierProgress(
        tier=tier,
        next_tier=next_tier.name if next_tier is not None else "",
        metric=scheme.metric,
        qualifying=qualifying,
        to_next_tier=max(0, next_tier.threshold - qualifying) if next_tier is not None else 0,
        spend_currency=scheme.spend_currency if spend else "",
    )


def burn_value(ruleset: Ruleset, partner_id: str, tier: str | None, rates: Rates) -> Decimal:
    """The value of a point redeemed at the partner for a member of ``tier``: the tier's own
    ``burn_value`` when the partner sets a better one, else the rate's."""
    scheme = ruleset.tier_scheme
    benefits = ruleset.tier_benefits(partner_id)
    if scheme is None or benefits is None:
        return rates.burn_value
    tier_value = benefits.burn_values.get(_tier_of(scheme, tier))
    if tier_value is None or tier_value <= rates.burn_value:
        return rates.burn_value
    return tier_value


def burn_excluded_categories(ruleset: Ruleset, partner: Partner) -> frozenset[str]:
    """Categories points cannot pay for: the partner's burn rules and its exclusions rule."""
    exclusions = ruleset.exclusions(partner.id)
    extra = frozenset(exclusions.burn_categories) if exclusions is not None else frozenset()
    return partner.burn_rules.excluded_categories | extra


def review_period_start(scheme: TierScheme, at: datetime, zone: ZoneInfo) -> datetime:
    """The start of the review period ``at`` falls in (local midnight of the first day of the
    month, quarter or year)."""
    local = at.astimezone(zone)
    if scheme.review is ReviewPeriod.MONTH:
        month = local.month
    elif scheme.review is ReviewPeriod.QUARTER:
        month = (local.month - 1) // _QUARTER_MONTHS * _QUARTER_MONTHS + 1
    else:
        month = 1
    return _midnight(local).replace(month=month, day=1).astimezone(UTC)


def refund_qualifying(scheme: TierScheme, points: int, amount: Money) -> int:
    """What a refund of ``points`` for ``amount`` takes off the member's qualifying amount."""
    if scheme.metric is TierMetric.POINTS:
        return points
    return amount.amount_minor if amount.currency.code == scheme.spend_currency else 0


def tier_after_refund(
    scheme: TierScheme, tier: str | None, qualifying_before: int, qualifying_after: int
) -> str | None:
    """The tier a refund drops the member to at once, or ``None`` for no change.

    Only a refund that takes the qualifying amount from at or above the member's tier's
    threshold to below it drops the tier: a member already below its threshold (whose old
    earns left the rolling window) keeps the tier until the period review, as inactivity
    downgrades always did.
    """
    current = scheme.tiers[scheme.rank(tier)]
    if qualifying_before < current.threshold or qualifying_after >= current.threshold:
        return None
    reached = scheme.qualifying_tier(qualifying_after)
    return reached.name if scheme.rank(reached.name) < scheme.rank(current.name) else None


def reviewed_tier(scheme: TierScheme, qualifying: int) -> str | None:
    """The tier a review sets for ``qualifying``; ``None`` for the base tier."""
    reached = scheme.qualifying_tier(qualifying)
    return None if reached.name == scheme.base.name else reached.name
