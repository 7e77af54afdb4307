"""Rules API messages to commands and domain rules, and back; no logic beyond the mapping.

Fields the proto leaves at zero take the domain's meaning of "not given": an empty partner is
the whole coalition, budget 0 is no budget, both day minutes 0 is all day, an unspecified
funder is the rule kind's default. Fraud thresholds: a window or number left at 0, and a
threshold message left unset, take their value from ``DEFAULT_THRESHOLDS``; inside a threshold
message that is set, 0 is never (``None``). Errors name the proto field (``campaign.multiplier``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from coalition.hub.v1 import common_pb2, rules_pb2
from fraud.thresholds import DEFAULT_THRESHOLDS, FraudThresholds, Threshold
from hub.api.admin_convert import attribution
from hub.api.convert import timestamp
from hub.domain.errors import InvalidRule
from hub.domain.fields import storable_text
from hub.domain.principals import Principal
from hub.domain.purchases import Channel
from hub.domain.rules import (
    Campaign,
    Cap,
    CapPeriod,
    Definition,
    EventKind,
    EventRule,
    Exclusions,
    Funder,
    ReviewPeriod,
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
from hub.services import commands
from hub.services.results import RuleHistory, RulesListed

E = TypeVar("E", bound=StrEnum)

DAY_MIN = 24 * 60
_FUNDERS_OUT: dict[Funder, common_pb2.Funder] = {
    Funder.PARTNER: common_pb2.FUNDER_PARTNER,
    Funder.COALITION: common_pb2.FUNDER_COALITION,
}
_FUNDERS: dict[int, Funder] = {number: funder for funder, number in _FUNDERS_OUT.items()}
_CHANNELS_OUT: dict[Channel, common_pb2.Channel] = {
    Channel.UNSPECIFIED: common_pb2.CHANNEL_UNSPECIFIED,
    Channel.POS: common_pb2.CHANNEL_POS,
    Channel.ONLINE: common_pb2.CHANNEL_ONLINE,
    Channel.APP: common_pb2.CHANNEL_APP,
}
_CHANNELS: dict[int, Channel] = {number: channel for channel, number in _CHANNELS_OUT.items()}
_FRAUD_FIELDS = tuple(f.name for f in dataclasses.fields(FraudThresholds) if f.name != "partner_id")
"""Named alike in the proto message and the dataclass (a unit test holds them together)."""


# -- fields -----------------------------------------------------------------------------------


def _decimal(text: str, *, field: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise InvalidRule(f"{field} must be a decimal number; got {text[:32]!r}", field=field)
    return value


def _optional_decimal(text: str, *, field: str) -> Decimal | None:
    return _decimal(text, field=field) if text else None


def _decimals(entries: Mapping[str, str], *, field: str) -> dict[str, Decimal]:
    return {key: _decimal(entries[key], field=f"{field}.{key}") for key in sorted(entries)}


def _choice(cls: type[E], text: str, default: E | None, *, field: str) -> E:
    if not text and default is not None:
        return default
    try:
        return cls(text)
    except ValueError:
        choices = ", ".join(member.value for member in cls)
        message = f"{field} must be one of {choices}; got {text[:32]!r}"
        raise InvalidRule(message, field=field) from None


def _default_funder(kind: type) -> Funder:
    """The funder a rule kind's dataclass defaults to (the domain decides, not the edge)."""
    default = next(f.default for f in dataclasses.fields(kind) if f.name == "funder")
    if not isinstance(default, Funder):
        raise TypeError(f"{kind.__name__}.funder has no default")
    return default


def _funder(number: int, kind: type, *, field: str) -> Funder:
    if number == common_pb2.FUNDER_UNSPECIFIED:
        return _default_funder(kind)
    if number not in _FUNDERS:
        raise InvalidRule(f"{field} is not a known funder", field=field)
    return _FUNDERS[number]


def _channels(numbers: Iterable[int], *, field: str) -> tuple[Channel, ...]:
    channels = []
    for index, number in enumerate(numbers):
        if number not in _CHANNELS:
            raise InvalidRule(f"{field}[{index}] is not a known channel", field=f"{field}[{index}]")
        channels.append(_CHANNELS[number])
    return tuple(channels)


def _instant(message: Timestamp, field: str) -> datetime:
    """A timestamp a caller sent; one outside what a ``datetime`` holds is an invalid rule."""
    try:
        return message.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidRule(f"{field} is not a valid instant", field=field) from None


def _when(owner: Any, name: str) -> datetime | None:
    return _instant(getattr(owner, name), name) if owner.HasField(name) else None


# -- definitions in ---------------------------------------------------------------------------


def _tier_scheme(m: rules_pb2.TierScheme) -> TierScheme:
    return TierScheme(
        tiers=tuple(Tier(tier.name, tier.threshold) for tier in m.tiers),
        metric=_choice(TierMetric, m.metric, TierMetric.POINTS, field="tiers.metric"),
        spend_currency=m.spend_currency,
        review=_choice(ReviewPeriod, m.review, ReviewPeriod.YEAR, field="tiers.review"),
    )


def _tier_benefits(m: rules_pb2.TierBenefits) -> TierBenefits:
    return TierBenefits(
        partner_id=m.partner_id,
        multipliers=_decimals(m.multipliers, field="tier_benefits.multipliers"),
        burn_values=_decimals(m.burn_values, field="tier_benefits.burn_values"),
    )


def _exclusions(m: rules_pb2.Exclusions) -> Exclusions:
    return Exclusions(
        partner_id=m.partner_id,
        earn_categories=tuple(m.earn_categories),
        discounted_earn=not m.exclude_discounted,
        burn_categories=tuple(m.burn_categories),
    )


def _stacking(m: rules_pb2.Stacking) -> Stacking:
    return Stacking(
        partner_id=m.partner_id,
        mode=_choice(StackingMode, m.mode, StackingMode.BEST, field="stacking.mode"),
        max_multiplier=_decimal(m.max_multiplier or "1", field="stacking.max_multiplier"),
    )


def _campaign(m: rules_pb2.Campaign) -> Campaign:
    starts_at = _when(m, "starts_at")
    if starts_at is None:
        raise InvalidRule("campaign.starts_at is required", field="campaign.starts_at")
    all_day = m.day_start_min == 0 and m.day_end_min == 0
    return Campaign(
        label=m.label,
        starts_at=starts_at,
        ends_at=_when(m, "ends_at"),
        multiplier=_optional_decimal(m.multiplier, field="campaign.multiplier"),
        bonus_points=m.bonus_points,
        partner_id=m.partner_id or None,
        categories=tuple(m.categories),
        channels=_channels(m.channels, field="campaign.channels"),
        weekdays=tuple(m.weekdays),
        day_start_min=m.day_start_min,
        day_end_min=DAY_MIN if all_day else m.day_end_min,
        tiers=tuple(m.tiers),
        birthday=m.birthday,
        first_purchase=m.first_purchase,
        exclusive=m.exclusive,
        priority=m.priority,
        budget_points=m.budget_points or None,
        funder=_funder(m.funder, Campaign, field="campaign.funder"),
    )


def _cap(m: rules_pb2.Cap) -> Cap:
    return Cap(
        period=_choice(CapPeriod, m.period, None, field="cap.period"),
        limit_points=m.limit_points,
        partner_id=m.partner_id or None,
    )


def _welcome(m: rules_pb2.WelcomeBonus) -> WelcomeBonus:
    return WelcomeBonus(
        points=m.points,
        funder=_funder(m.funder, WelcomeBonus, field="welcome.funder"),
        partner_id=m.partner_id or None,
    )


def _event(m: rules_pb2.EventRule) -> EventRule:
    return EventRule(
        partner_id=m.partner_id,
        event=_choice(EventKind, m.event, None, field="event.event"),
        points=m.points,
        max_per_member=m.max_per_member,
        referee_points=m.referee_points,
        funder=_funder(m.funder, EventRule, field="event.funder"),
    )


def _threshold(owner: rules_pb2.FraudThresholds, name: str, default: Threshold) -> Threshold:
    if not owner.HasField(name):
        return default
    message: rules_pb2.FraudThreshold = getattr(owner, name)
    return Threshold(message.review_at or None, message.deny_at or None)


def _fraud(m: rules_pb2.FraudThresholds) -> FraudThresholds:
    given: dict[str, Any] = {}
    for name in _FRAUD_FIELDS:
        default = getattr(DEFAULT_THRESHOLDS, name)
        if isinstance(default, Threshold):
            given[name] = _threshold(m, name, default)
        else:
            given[name] = getattr(m, name) or default
    return FraudThresholds(partner_id=m.partner_id or None, **given)


_FROM_PROTO: dict[str, Callable[[Any], Definition]] = {
    "tiers": _tier_scheme,
    "tier_benefits": _tier_benefits,
    "exclusions": _exclusions,
    "stacking": _stacking,
    "campaign": _campaign,
    "cap": _cap,
    "welcome": _welcome,
    "event": _event,
    "fraud": _fraud,
}


def definition(message: rules_pb2.RuleDefinition) -> Definition:
    """The domain definition of ``message``; ``InvalidRule`` on ``definition`` when unset."""
    which = message.WhichOneof("rule")
    if which is None:
        raise InvalidRule("definition is required: one of the rule kinds", field="definition")
    return _FROM_PROTO[which](getattr(message, which))


# -- requests ---------------------------------------------------------------------------------


def put_rule(request: rules_pb2.PutRuleRequest, by: Principal) -> commands.PutRule:
    return commands.PutRule(
        request.rule_id,
        definition(request.definition),
        _when(request, "effective_from"),
        changed_by=attribution(by, request.reason),
    )


def end_rule(request: rules_pb2.EndRuleRequest, by: Principal) -> commands.EndRule:
    return commands.EndRule(
        request.rule_id,
        _when(request, "effective_from"),
        changed_by=attribution(by, request.reason),
    )


def list_rules(request: rules_pb2.ListRulesRequest) -> commands.ListRules:
    partner_id = storable_text(request.partner_id, field="partner_id")
    return commands.ListRules(partner_id or None, _when(request, "at"))


# -- definitions out --------------------------------------------------------------------------


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _tier_scheme_message(d: TierScheme) -> rules_pb2.RuleDefinition:
    scheme = rules_pb2.TierScheme(
        tiers=[rules_pb2.Tier(name=t.name, threshold=t.threshold) for t in d.tiers],
        metric=d.metric.value,
        spend_currency=d.spend_currency,
        review=d.review.value,
    )
    return rules_pb2.RuleDefinition(tiers=scheme)


def _tier_benefits_message(d: TierBenefits) -> rules_pb2.RuleDefinition:
    benefits = rules_pb2.TierBenefits(
        partner_id=d.partner_id,
        multipliers={tier: str(value) for tier, value in d.multipliers.items()},
        burn_values={tier: str(value) for tier, value in d.burn_values.items()},
    )
    return rules_pb2.RuleDefinition(tier_benefits=benefits)


def _exclusions_message(d: Exclusions) -> rules_pb2.RuleDefinition:
    exclusions = rules_pb2.Exclusions(
        partner_id=d.partner_id,
        earn_categories=d.earn_categories,
        exclude_discounted=not d.discounted_earn,
        burn_categories=d.burn_categories,
    )
    return rules_pb2.RuleDefinition(exclusions=exclusions)


def _stacking_message(d: Stacking) -> rules_pb2.RuleDefinition:
    stacking = rules_pb2.Stacking(
        partner_id=d.partner_id, mode=d.mode.value, max_multiplier=str(d.max_multiplier)
    )
    return rules_pb2.RuleDefinition(stacking=stacking)


def _campaign_message(d: Campaign) -> rules_pb2.RuleDefinition:
    campaign = rules_pb2.Campaign(
        label=d.label,
        starts_at=timestamp(d.starts_at),
        ends_at=timestamp(d.ends_at),
        multiplier=_text(d.multiplier),
        bonus_points=d.bonus_points,
        partner_id=d.partner_id or "",
        categories=d.categories,
        channels=[_CHANNELS_OUT[channel] for channel in d.channels],
        weekdays=d.weekdays,
        day_start_min=d.day_start_min,
        day_end_min=d.day_end_min,
        tiers=d.tiers,
        birthday=d.birthday,
        first_purchase=d.first_purchase,
        exclusive=d.exclusive,
        priority=d.priority,
        budget_points=d.budget_points or 0,
        funder=_FUNDERS_OUT[d.funder],
    )
    return rules_pb2.RuleDefinition(campaign=campaign)


def _cap_message(d: Cap) -> rules_pb2.RuleDefinition:
    cap = rules_pb2.Cap(
        period=d.period.value, limit_points=d.limit_points, partner_id=d.partner_id or ""
    )
    return rules_pb2.RuleDefinition(cap=cap)


def _welcome_message(d: WelcomeBonus) -> rules_pb2.RuleDefinition:
    welcome = rules_pb2.WelcomeBonus(
        points=d.points, funder=_FUNDERS_OUT[d.funder], partner_id=d.partner_id or ""
    )
    return rules_pb2.RuleDefinition(welcome=welcome)


def _event_message(d: EventRule) -> rules_pb2.RuleDefinition:
    event = rules_pb2.EventRule(
        partner_id=d.partner_id,
        event=d.event.value,
        points=d.points,
        max_per_member=d.max_per_member,
        referee_points=d.referee_points,
        funder=_FUNDERS_OUT[d.funder],
    )
    return rules_pb2.RuleDefinition(event=event)


def _threshold_message(t: Threshold) -> rules_pb2.FraudThreshold:
    return rules_pb2.FraudThreshold(review_at=t.review_at or 0, deny_at=t.deny_at or 0)


def _fraud_message(d: FraudThresholds) -> rules_pb2.RuleDefinition:
    fields: dict[str, Any] = {}
    for name in _FRAUD_FIELDS:
        value = getattr(d, name)
        # Every threshold is sent, so one switched off reads as such, not as the default.
        fields[name] = _threshold_message(value) if isinstance(value, Threshold) else value
    fraud = rules_pb2.FraudThresholds(partner_id=d.partner_id or "", **fields)
    return rules_pb2.RuleDefinition(fraud=fraud)


_TO_PROTO: dict[type, Callable[[Any], rules_pb2.RuleDefinition]] = {
    TierScheme: _tier_scheme_message,
    TierBenefits: _tier_benefits_message,
    Exclusions: _exclusions_message,
    Stacking: _stacking_message,
    Campaign: _campaign_message,
    Cap: _cap_message,
    WelcomeBonus: _welcome_message,
    EventRule: _event_message,
    FraudThresholds: _fraud_message,
}


def definition_message(d: Definition) -> rules_pb2.RuleDefinition:
    return _TO_PROTO[type(d)](d)


# -- responses --------------------------------------------------------------------------------


def version_message(version: RuleVersion) -> rules_pb2.RuleVersion:
    d = version.definition
    return rules_pb2.RuleVersion(
        rule_id=version.rule_id,
        version=version.version,
        kind=version.kind.value,
        effective_from=timestamp(version.effective_from),
        definition=definition_message(d) if d is not None else None,
        ended=version.ended,
        created_at=timestamp(version.created_at),
        created_by=version.created_by,
    )


def history_message(history: RuleHistory) -> rules_pb2.RuleHistory:
    return rules_pb2.RuleHistory(
        rule_id=history.rule_id,
        versions=[version_message(v) for v in history.versions],
        budget_spent_points=history.budget_spent_points,
    )


def listed_message(listed: RulesListed) -> rules_pb2.ListRulesResponse:
    return rules_pb2.ListRulesResponse(
        in_force=[version_message(v) for v in listed.in_force],
        scheduled=[version_message(v) for v in listed.scheduled],
        at=timestamp(listed.at),
    )


# -- responses in (what a staff client reads back) --------------------------------------------


def version(message: rules_pb2.RuleVersion) -> RuleVersion:
    """The domain version an answer carries, for clients that print it as the hub's CLI does."""
    return RuleVersion(
        rule_id=message.rule_id,
        version=message.version,
        kind=RuleKind(message.kind),
        effective_from=_instant(message.effective_from, "effective_from"),
        definition=None if message.ended else definition(message.definition),
        created_at=_instant(message.created_at, "created_at"),
        created_by=message.created_by,
    )


def history(message: rules_pb2.RuleHistory) -> RuleHistory:
    return RuleHistory(
        rule_id=message.rule_id,
        versions=tuple(version(v) for v in message.versions),
        budget_spent_points=message.budget_spent_points,
    )


def listed(message: rules_pb2.ListRulesResponse) -> RulesListed:
    return RulesListed(
        at=_instant(message.at, "at"),
        in_force=tuple(version(v) for v in message.in_force),
        scheduled=tuple(version(v) for v in message.scheduled),
    )
