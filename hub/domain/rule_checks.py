"""Validation of rule definitions and rule changes, with errors that name the field at fault.

Field paths start with the rule kind, e.g. ``campaign.multiplier``, ``tiers.tiers[1].threshold``
or ``tier_benefits.multipliers.gold``, so that an operator can find the value to fix.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal

from fraud.facts import HISTORY_EARNS_MAX
from fraud.thresholds import FraudThresholds, Threshold
from hub.domain.currencies import EXPONENTS
from hub.domain.errors import (
    CampaignsOverlap,
    InvalidField,
    InvalidRule,
    RuleEnded,
    RuleInPast,
    RuleNotFound,
)
from hub.domain.fields import bounded_text
from hub.domain.limits import (
    CAMPAIGN_PRIORITY_MAX,
    EVENT_PER_MEMBER_MAX,
    MULTIPLIER_DECIMAL_PLACES_MAX,
    MULTIPLIER_MAX,
    POINTS_PER_OPERATION_MAX,
    RATE_DECIMAL_PLACES_MAX,
    RATE_MAX,
    RULE_CATEGORIES_MAX,
    TIERS_MAX,
)
from hub.domain.partners import PARTNER_ID_PATTERN
from hub.domain.purchases import Channel
from hub.domain.rules import (
    KIND_OF,
    PARTNER_SINGLETONS,
    TIERS_RULE_ID,
    Campaign,
    Cap,
    Definition,
    EventKind,
    EventRule,
    Exclusions,
    RuleKind,
    RuleVersion,
    Stacking,
    StackingMode,
    TierBenefits,
    TierMetric,
    TierScheme,
    WelcomeBonus,
    singleton_rule_id,
)

_TIER_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_:.-]{0,63}")
FRAUD_RULE_ID = RuleKind.FRAUD.value
"""The coalition-wide fraud thresholds; a partner's are ``fraud:<partner>``."""
_RESERVED_IDS = (TIERS_RULE_ID, FRAUD_RULE_ID)
_RESERVED_PREFIXES = tuple(f"{kind.value}:" for kind in (*PARTNER_SINGLETONS, RuleKind.FRAUD))
_MINUTES_PER_DAY = 24 * 60
_CHANNELS = frozenset(Channel) - {Channel.UNSPECIFIED}

FRAUD_WINDOW_MAX_S = 30 * 24 * 3600
"""The longest activity window a fraud rule may count over: the hot path reads it per earn."""
FRAUD_FARMING_DAYS_MAX = 90
FRAUD_DORMANT_DAYS_MAX = 3650
FRAUD_TRAVEL_MIN_KM_MAX = 20_000
"""About half the earth's circumference: no two tills are farther apart."""
FRAUD_THRESHOLD_MAX = POINTS_PER_OPERATION_MAX
_PERCENT_MAX = 100
_FRAUD_WINDOWS = (
    "velocity_window_s",
    "earn_then_burn_window_s",
    "till_window_s",
    "cashier_card_window_s",
)
_FRAUD_THRESHOLDS = tuple(
    f.name for f in dataclasses.fields(FraudThresholds) if isinstance(f.default, Threshold)
)


def check_definition(definition: Definition) -> Definition:
    """``definition`` if each of its fields is valid on its own, else ``InvalidRule`` naming the
    field (e.g. ``campaign.multiplier``)."""
    match definition:
        case TierScheme():
            _check_tier_scheme(definition)
        case TierBenefits():
            _check_tier_benefits(definition)
        case Exclusions():
            _check_exclusions(definition)
        case Stacking():
            _check_stacking(definition)
        case Campaign():
            _check_campaign(definition)
        case Cap():
            _check_cap(definition)
        case WelcomeBonus():
            _check_welcome(definition)
        case EventRule():
            _check_event(definition)
        case FraudThresholds():
            _check_fraud(definition)
    return definition


def rule_id_for(rule_id: str, definition: Definition) -> str:
    """The id the version is stored under: derived for tiers and per-partner singletons (a given
    id must then equal it), validated for the rest; ``InvalidRule`` on ``rule_id``."""
    derived = _derived_rule_id(definition)
    if derived is None:
        return _check_named_rule_id(rule_id)
    if rule_id and rule_id != derived:
        raise InvalidRule(
            f"rule_id of this {KIND_OF[type(definition)].value} rule is {derived!r}, derived from "
            f"it (leave rule_id empty); got {_show(rule_id)}",
            field="rule_id",
        )
    return derived


def check_change(
    rule_id: str,
    definition: Definition | None,
    effective_from: datetime,
    now: datetime,
    history: Sequence[RuleVersion],
    others: Sequence[RuleVersion],
) -> None:
    """Whether a new version (``definition`` ``None``: the end) may be added to ``history``.

    ``others`` are every other rule's versions, for checks across rules (overlapping exclusive
    campaigns; tier benefits and campaigns naming tiers the scheme lacks).
    """
    if effective_from < now:
        raise RuleInPast(
            f"effective_from {effective_from.isoformat()} is in the past; a rule change never "
            "rewrites history, schedule it from now on",
            field="effective_from",
        )
    _check_history(rule_id, definition, history)
    if definition is None:
        return
    _check_tiers_known(definition, others)
    if isinstance(definition, Campaign) and definition.exclusive:
        _check_no_overlap(rule_id, definition, others)


# Definitions, one kind at a time.


def _check_tier_scheme(scheme: TierScheme) -> None:
    tiers = scheme.tiers
    if not 1 <= len(tiers) <= TIERS_MAX:
        raise InvalidRule(
            f"tiers.tiers must list 1..{TIERS_MAX} tiers; got {len(tiers)}", field="tiers.tiers"
        )
    names: set[str] = set()
    for index, tier in enumerate(tiers):
        field = f"tiers.tiers[{index}]"
        if _tier_name(tier.name, f"{field}.name") in names:
            raise InvalidRule(
                f"{field}.name {tier.name!r} is already an earlier tier's name; names are unique",
                field=f"{field}.name",
            )
        names.add(tier.name)
        _threshold(tier.threshold, index, tiers[index - 1].threshold if index else None)
    _check_spend_currency(scheme)


def _threshold(threshold: int, index: int, previous: int | None) -> None:
    field = f"tiers.tiers[{index}].threshold"
    _integer(threshold, field)
    if previous is None and threshold != 0:
        raise InvalidRule(
            f"{field} must be 0: the first tier is every member's starting tier; got {threshold}",
            field=field,
        )
    if previous is not None and threshold <= previous:
        raise InvalidRule(
            f"{field} must be more than the previous tier's threshold ({previous}); "
            f"got {threshold}",
            field=field,
        )


def _check_spend_currency(scheme: TierScheme) -> None:
    code = scheme.spend_currency
    if scheme.metric is TierMetric.SPEND and code not in EXPONENTS:
        raise InvalidRule(
            f"tiers.spend_currency must be an ISO-4217 currency code (e.g. EUR) when the metric "
            f"is spend; got {_show(code)}",
            field="tiers.spend_currency",
        )
    if scheme.metric is not TierMetric.SPEND and code:
        raise InvalidRule(
            f"tiers.spend_currency must be empty unless the metric is spend; got {_show(code)}",
            field="tiers.spend_currency",
        )


def _check_tier_benefits(benefits: TierBenefits) -> None:
    _partner_id(benefits.partner_id, "tier_benefits.partner_id")
    _tier_keys(benefits.multipliers, "tier_benefits.multipliers")
    for name, multiplier in benefits.multipliers.items():
        _multiplier(multiplier, f"tier_benefits.multipliers.{name}")
    _tier_keys(benefits.burn_values, "tier_benefits.burn_values")
    for name, burn_value in benefits.burn_values.items():
        _burn_value(burn_value, f"tier_benefits.burn_values.{name}")


def _check_exclusions(exclusions: Exclusions) -> None:
    _partner_id(exclusions.partner_id, "exclusions.partner_id")
    _categories(exclusions.earn_categories, "exclusions.earn_categories")
    _categories(exclusions.burn_categories, "exclusions.burn_categories")


def _check_stacking(stacking: Stacking) -> None:
    _partner_id(stacking.partner_id, "stacking.partner_id")
    _multiplier(stacking.max_multiplier, "stacking.max_multiplier")
    # Stacking up to 1 would silently give every multiplier campaign nothing.
    if stacking.mode is StackingMode.STACK and stacking.max_multiplier <= 1:
        raise InvalidRule(
            "stacking.max_multiplier must be above 1 when campaigns stack; "
            f"got {stacking.max_multiplier}",
            field="stacking.max_multiplier",
        )


def _check_campaign(campaign: Campaign) -> None:
    _text(campaign.label, "campaign.label")
    if not campaign.label.strip():
        raise InvalidRule("campaign.label must not be blank", field="campaign.label")
    _check_reward(campaign)
    _check_window(campaign)
    _check_day_minutes(campaign)
    _integer(campaign.priority, "campaign.priority", -CAMPAIGN_PRIORITY_MAX, CAMPAIGN_PRIORITY_MAX)
    if campaign.budget_points is not None:
        _integer(campaign.budget_points, "campaign.budget_points", 1, POINTS_PER_OPERATION_MAX)
    _partner_id(campaign.partner_id, "campaign.partner_id", optional=True)
    _categories(campaign.categories, "campaign.categories")
    _tier_names(campaign.tiers, "campaign.tiers")
    _channels(campaign.channels, "campaign.channels")
    _weekdays(campaign.weekdays, "campaign.weekdays")


def _check_reward(campaign: Campaign) -> None:
    if campaign.multiplier is None and campaign.bonus_points == 0:
        raise InvalidRule(
            "a campaign needs a multiplier or bonus_points; it has neither",
            field="campaign.multiplier",
        )
    if campaign.multiplier is None:
        _integer(campaign.bonus_points, "campaign.bonus_points", 1, POINTS_PER_OPERATION_MAX)
        return
    _multiplier(campaign.multiplier, "campaign.multiplier", above_one=True)
    if campaign.bonus_points != 0:
        raise InvalidRule(
            "campaign.bonus_points must be 0 when a multiplier is set: a campaign gives one or "
            f"the other; got {_show(campaign.bonus_points)}",
            field="campaign.bonus_points",
        )


def _check_window(campaign: Campaign) -> None:
    _aware(campaign.starts_at, "campaign.starts_at")
    if campaign.ends_at is None:
        return
    _aware(campaign.ends_at, "campaign.ends_at")
    if campaign.ends_at <= campaign.starts_at:
        raise InvalidRule(
            f"campaign.ends_at ({campaign.ends_at.isoformat()}) must be after starts_at "
            f"({campaign.starts_at.isoformat()})",
            field="campaign.ends_at",
        )


def _check_day_minutes(campaign: Campaign) -> None:
    start = _integer(campaign.day_start_min, "campaign.day_start_min", 0, _MINUTES_PER_DAY)
    end = _integer(campaign.day_end_min, "campaign.day_end_min", 0, _MINUTES_PER_DAY)
    if start == end:
        raise InvalidRule(
            f"campaign.day_end_min must differ from day_start_min (both are {start}); for the "
            f"whole day use 0 and {_MINUTES_PER_DAY}",
            field="campaign.day_end_min",
        )


def _check_cap(cap: Cap) -> None:
    _integer(cap.limit_points, "cap.limit_points", 1, POINTS_PER_OPERATION_MAX)
    _partner_id(cap.partner_id, "cap.partner_id", optional=True)


def _check_welcome(welcome: WelcomeBonus) -> None:
    _integer(welcome.points, "welcome.points", 1, POINTS_PER_OPERATION_MAX)
    _partner_id(welcome.partner_id, "welcome.partner_id", optional=True)


def _check_event(event: EventRule) -> None:
    _partner_id(event.partner_id, "event.partner_id")
    _integer(event.points, "event.points", 1, POINTS_PER_OPERATION_MAX)
    _integer(event.max_per_member, "event.max_per_member", 1, EVENT_PER_MEMBER_MAX)
    _integer(event.referee_points, "event.referee_points", 0, POINTS_PER_OPERATION_MAX)
    if event.event is not EventKind.REFERRAL and event.referee_points != 0:
        raise InvalidRule(
            f"event.referee_points are only for referral events; must be 0 for "
            f"{_show(event.event)}, got {event.referee_points}",
            field="event.referee_points",
        )


def _check_fraud(t: FraudThresholds) -> None:
    _partner_id(t.partner_id, "fraud.partner_id", optional=True)
    for name in _FRAUD_WINDOWS:
        _integer(getattr(t, name), f"fraud.{name}", 1, FRAUD_WINDOW_MAX_S)
    for name in _FRAUD_THRESHOLDS:
        high = _PERCENT_MAX if name.endswith("_percent") else FRAUD_THRESHOLD_MAX
        _fraud_threshold(getattr(t, name), f"fraud.{name}", high)
    # The history holds at most HISTORY_EARNS_MAX earns: a higher minimum would never be met.
    _integer(t.history_min_earns, "fraud.history_min_earns", 1, HISTORY_EARNS_MAX)
    _integer(t.travel_min_km, "fraud.travel_min_km", 1, FRAUD_TRAVEL_MIN_KM_MAX)
    days = _integer(t.farming_days, "fraud.farming_days", 1, FRAUD_FARMING_DAYS_MAX)
    _integer(t.farming_min_active_days, "fraud.farming_min_active_days", 1, days)
    _integer(t.dormant_days, "fraud.dormant_days", 1, FRAUD_DORMANT_DAYS_MAX)
    _integer(t.dormant_min_points, "fraud.dormant_min_points", 1, POINTS_PER_OPERATION_MAX)


def _fraud_threshold(threshold: object, field: str, high: int) -> None:
    if not isinstance(threshold, Threshold):
        raise InvalidRule(
            f"{field} must be a threshold (review_at, deny_at); got {_show(threshold)}",
            field=field,
        )
    # At least 1: a threshold of 0 would flag every operation, and 0 on the wire means never.
    review, deny = threshold.review_at, threshold.deny_at
    if review is not None:
        _integer(review, f"{field}.review_at", 1, high)
    if deny is not None:
        _integer(deny, f"{field}.deny_at", 1, high)
    if review is not None and deny is not None and deny < review:
        raise InvalidRule(
            f"{field}.deny_at must be at least review_at ({review}): what is refused is also "
            f"worth a review; got {deny}",
            field=f"{field}.deny_at",
        )


# Fields.


def _integer(value: object, field: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRule(f"{field} must be a whole number; got {_show(value)}", field=field)
    if value < low or (high is not None and value > high):
        bounds = f"{low}..{high}" if high is not None else f"at least {low}"
        raise InvalidRule(f"{field} must be {bounds}; got {value}", field=field)
    return value


def _finite_decimal(value: object, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidRule(
            f"{field} must be a finite decimal number; got {_show(value)}", field=field
        )
    return value


def _decimal_places(value: Decimal, field: str, places_max: int) -> None:
    # Range is checked first, so the quantized value fits the context's precision.
    if value != value.quantize(Decimal(1).scaleb(-places_max)):
        raise InvalidRule(
            f"{field} has more than {places_max} decimal places: {value}", field=field
        )


def _multiplier(value: object, field: str, *, above_one: bool = False) -> Decimal:
    multiplier = _finite_decimal(value, field)
    too_low = multiplier <= 1 if above_one else multiplier < 1
    if too_low or multiplier > MULTIPLIER_MAX:
        low = "more than 1" if above_one else "at least 1 (1 = nothing extra)"
        raise InvalidRule(
            f"{field} must be {low} and at most {MULTIPLIER_MAX}; got {multiplier}", field=field
        )
    _decimal_places(multiplier, field, MULTIPLIER_DECIMAL_PLACES_MAX)
    return multiplier


def _burn_value(value: object, field: str) -> Decimal:
    burn_value = _finite_decimal(value, field)
    if not 0 < burn_value <= RATE_MAX:
        raise InvalidRule(
            f"{field} must be more than 0 and at most {RATE_MAX}; got {burn_value}", field=field
        )
    _decimal_places(burn_value, field, RATE_DECIMAL_PLACES_MAX)
    return burn_value


def _text(value: str, field: str) -> str:
    try:
        return bounded_text(value, field=field, required=True)
    except InvalidField as exc:
        raise InvalidRule(exc.message, field=field) from None


def _partner_id(partner_id: object, field: str, *, optional: bool = False) -> None:
    if optional and partner_id is None:
        return
    if not isinstance(partner_id, str) or not PARTNER_ID_PATTERN.fullmatch(partner_id):
        raise InvalidRule(
            f"{field} must be 2-32 characters of a-z, 0-9 and '-', starting with a letter; "
            f"got {_show(partner_id)}",
            field=field,
        )


def _tier_name(name: object, field: str) -> str:
    if not isinstance(name, str) or not _TIER_NAME.fullmatch(name):
        raise InvalidRule(
            f"{field} must be a tier name: 1-32 characters of a-z, 0-9 and '-', starting with a "
            f"letter; got {_show(name)}",
            field=field,
        )
    return name


def _tier_keys(by_tier: Collection[object], field: str) -> None:
    if len(by_tier) > TIERS_MAX:
        raise InvalidRule(
            f"{field} may name at most {TIERS_MAX} tiers; got {len(by_tier)}", field=field
        )
    for name in by_tier:
        # A bad name stays out of the field path: it is what the operator got wrong.
        _tier_name(name, field)


def _tier_names(names: Sequence[str], field: str) -> None:
    if len(names) > TIERS_MAX:
        raise InvalidRule(
            f"{field} may name at most {TIERS_MAX} tiers; got {len(names)}", field=field
        )
    for index, name in enumerate(names):
        _tier_name(name, f"{field}[{index}]")
    _unique(names, field)


def _categories(categories: Sequence[str], field: str) -> None:
    if len(categories) > RULE_CATEGORIES_MAX:
        raise InvalidRule(
            f"{field} may list at most {RULE_CATEGORIES_MAX} categories; got {len(categories)}",
            field=field,
        )
    for index, category in enumerate(categories):
        _text(category, f"{field}[{index}]")
    _unique(categories, field)


def _channels(channels: Sequence[Channel], field: str) -> None:
    for index, channel in enumerate(channels):
        if channel not in _CHANNELS:
            allowed = ", ".join(sorted(_CHANNELS))
            raise InvalidRule(
                f"{field}[{index}] must be one of {allowed}; got {_show(channel)}",
                field=f"{field}[{index}]",
            )
    _unique(channels, field)


def _weekdays(weekdays: Sequence[int], field: str) -> None:
    for index, weekday in enumerate(weekdays):
        _integer(weekday, f"{field}[{index}]", 0, 6)
    _unique(weekdays, field)


def _unique(values: Sequence[object], field: str) -> None:
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise InvalidRule(
                f"{field} lists {_show(value)} more than once", field=f"{field}[{index}]"
            )
        seen.add(value)


def _aware(moment: object, field: str) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise InvalidRule(
            f"{field} must be a date and time with a time zone (e.g. UTC); got {_show(moment)}",
            field=field,
        )


def _show(value: object) -> str:
    text = value.value if isinstance(value, Channel | EventKind) else value
    return repr(text)[:40]


# Rule ids.


def _derived_rule_id(definition: Definition) -> str | None:
    if isinstance(definition, TierScheme):
        return TIERS_RULE_ID
    if isinstance(definition, FraudThresholds):
        partner_id = definition.partner_id
        return (
            FRAUD_RULE_ID if partner_id is None else singleton_rule_id(RuleKind.FRAUD, partner_id)
        )
    if isinstance(definition, TierBenefits | Exclusions | Stacking):
        return singleton_rule_id(KIND_OF[type(definition)], definition.partner_id)
    return None


def _check_named_rule_id(rule_id: str) -> str:
    if not rule_id:
        raise InvalidRule(
            "rule_id is required for campaign, cap, welcome and event rules", field="rule_id"
        )
    if not _RULE_ID.fullmatch(rule_id):
        raise InvalidRule(
            "rule_id must be 1-64 characters of a-z, 0-9, '_', ':', '.' and '-', starting with "
            f"a letter or digit; got {_show(rule_id)}",
            field="rule_id",
        )
    if rule_id in _RESERVED_IDS or rule_id.startswith(_RESERVED_PREFIXES):
        raise InvalidRule(
            f"rule_id {rule_id!r} is reserved: {', '.join(map(repr, _RESERVED_IDS))} and ids "
            f"starting with {', '.join(_RESERVED_PREFIXES)} are derived for the tier scheme, "
            "the fraud thresholds and each partner's tier benefits, exclusions, stacking and "
            "fraud thresholds",
            field="rule_id",
        )
    return rule_id


# Changes.


def _check_history(
    rule_id: str, definition: Definition | None, history: Sequence[RuleVersion]
) -> None:
    if not history:
        if definition is None:
            raise RuleNotFound(f"rule {rule_id} does not exist, so it cannot be ended")
        return
    if definition is not None:
        kind = KIND_OF[type(definition)]
        for version in history:
            if version.kind is not kind:
                raise InvalidRule(
                    f"rule {rule_id} is a {version.kind.value}; a new version cannot make it a "
                    f"{kind.value} (add the {kind.value} under another id)",
                    field="definition",
                )
    for version in history:
        if version.ended:
            raise RuleEnded(
                f"rule {rule_id} ends from {version.effective_from.isoformat()} and stays "
                "ended; add a new rule under another id instead"
            )


def _check_tiers_known(definition: Definition, others: Sequence[RuleVersion]) -> None:
    named = _tiers_named(definition)
    if not named:
        return
    scheme = _tier_scheme(others)
    if scheme is None:
        raise InvalidRule(
            f"{named[0][1]} names tier {named[0][0]!r}, but tiers must be set up first: there "
            "is no tier scheme yet",
            field=named[0][1],
        )
    known = [tier.name for tier in scheme.tiers]
    for name, field in named:
        if name not in known:
            raise InvalidRule(
                f"{field} names tier {name!r}, which the tier scheme lacks (it has "
                f"{', '.join(known)})",
                field=field,
            )


def _tiers_named(definition: Definition) -> list[tuple[str, str]]:
    """(tier name, field) of each tier ``definition`` names."""
    if isinstance(definition, TierBenefits):
        return [(name, f"tier_benefits.multipliers.{name}") for name in definition.multipliers] + [
            (name, f"tier_benefits.burn_values.{name}") for name in definition.burn_values
        ]
    if isinstance(definition, Campaign):
        return [(name, f"campaign.tiers[{index}]") for index, name in enumerate(definition.tiers)]
    return []


def _tier_scheme(others: Sequence[RuleVersion]) -> TierScheme | None:
    """The latest version of the tier scheme that is not its end."""
    schemes = [
        (_order(version), version.definition)
        for version in others
        if version.rule_id == TIERS_RULE_ID and isinstance(version.definition, TierScheme)
    ]
    return max(schemes, key=lambda pair: pair[0])[1] if schemes else None


def _check_no_overlap(rule_id: str, campaign: Campaign, others: Sequence[RuleVersion]) -> None:
    for other_id, other in _exclusive_campaigns(rule_id, others):
        if _overlap(campaign, other):
            raise CampaignsOverlap(
                f"exclusive campaign {rule_id} would overlap exclusive campaign {other_id}: both "
                "could apply to one earn (partners, dates, channels, weekdays, hours, tiers and "
                "categories all meet); exclusive campaigns may not overlap"
            )


def _exclusive_campaigns(rule_id: str, others: Sequence[RuleVersion]) -> list[tuple[str, Campaign]]:
    """(rule id, campaign) of other rules whose latest version is an exclusive campaign."""
    latest: dict[str, RuleVersion] = {}
    for version in others:
        current = latest.get(version.rule_id)
        if current is None or _order(version) > _order(current):
            latest[version.rule_id] = version
    return [
        (other_id, version.definition)
        for other_id, version in sorted(latest.items())
        if other_id != rule_id
        and isinstance(version.definition, Campaign)
        and version.definition.exclusive
    ]


def _order(version: RuleVersion) -> tuple[datetime, int]:
    return version.effective_from, version.version


def _overlap(a: Campaign, b: Campaign) -> bool:
    return (
        (a.partner_id is None or b.partner_id is None or a.partner_id == b.partner_id)
        and (a.ends_at is None or a.ends_at > b.starts_at)
        and (b.ends_at is None or b.ends_at > a.starts_at)
        and _sets_meet(a.channels, b.channels)
        and _sets_meet(a.weekdays, b.weekdays)
        and _hours_meet(a, b)
        and _sets_meet(a.tiers, b.tiers)
        and _sets_meet(a.categories, b.categories)
    )


def _sets_meet(a: Collection[object], b: Collection[object]) -> bool:
    """Whether two conditions can both hold; an empty one is no condition."""
    return not a or not b or not set(a).isdisjoint(b)


def _hours_meet(a: Campaign, b: Campaign) -> bool:
    return any(
        a_start < b_end and b_start < a_end
        for a_start, a_end in _day_intervals(a)
        for b_start, b_end in _day_intervals(b)
    )


def _day_intervals(campaign: Campaign) -> list[tuple[int, int]]:
    """The campaign's local minutes of the day as [start, end) intervals (two past midnight)."""
    start, end = campaign.day_start_min, campaign.day_end_min
    if start < end:
        return [(start, end)]
    return [(start, _MINUTES_PER_DAY), (0, end)]
