import datetime

from coalition.hub.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PutRuleRequest(_message.Message):
    __slots__ = ("rule_id", "effective_from", "definition", "reason")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    effective_from: _timestamp_pb2.Timestamp
    definition: RuleDefinition
    reason: str
    def __init__(self, rule_id: _Optional[str] = ..., effective_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., definition: _Optional[_Union[RuleDefinition, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class EndRuleRequest(_message.Message):
    __slots__ = ("rule_id", "effective_from", "reason")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    effective_from: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, rule_id: _Optional[str] = ..., effective_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class GetRuleRequest(_message.Message):
    __slots__ = ("rule_id",)
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    def __init__(self, rule_id: _Optional[str] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("partner_id", "at")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, partner_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("in_force", "scheduled", "at")
    IN_FORCE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    in_force: _containers.RepeatedCompositeFieldContainer[RuleVersion]
    scheduled: _containers.RepeatedCompositeFieldContainer[RuleVersion]
    at: _timestamp_pb2.Timestamp
    def __init__(self, in_force: _Optional[_Iterable[_Union[RuleVersion, _Mapping]]] = ..., scheduled: _Optional[_Iterable[_Union[RuleVersion, _Mapping]]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RuleHistory(_message.Message):
    __slots__ = ("rule_id", "versions", "budget_spent_points")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    BUDGET_SPENT_POINTS_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    versions: _containers.RepeatedCompositeFieldContainer[RuleVersion]
    budget_spent_points: int
    def __init__(self, rule_id: _Optional[str] = ..., versions: _Optional[_Iterable[_Union[RuleVersion, _Mapping]]] = ..., budget_spent_points: _Optional[int] = ...) -> None: ...

class RuleVersion(_message.Message):
    __slots__ = ("rule_id", "version", "kind", "effective_from", "definition", "ended", "created_at", "created_by")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    ENDED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    version: int
    kind: str
    effective_from: _timestamp_pb2.Timestamp
    definition: RuleDefinition
    ended: bool
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    def __init__(self, rule_id: _Optional[str] = ..., version: _Optional[int] = ..., kind: _Optional[str] = ..., effective_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., definition: _Optional[_Union[RuleDefinition, _Mapping]] = ..., ended: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ...) -> None: ...

class RuleDefinition(_message.Message):
    __slots__ = ("tiers", "tier_benefits", "exclusions", "stacking", "campaign", "cap", "welcome", "event", "fraud")
    TIERS_FIELD_NUMBER: _ClassVar[int]
    TIER_BENEFITS_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIONS_FIELD_NUMBER: _ClassVar[int]
    STACKING_FIELD_NUMBER: _ClassVar[int]
    CAMPAIGN_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    WELCOME_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    FRAUD_FIELD_NUMBER: _ClassVar[int]
    tiers: TierScheme
    tier_benefits: TierBenefits
    exclusions: Exclusions
    stacking: Stacking
    campaign: Campaign
    cap: Cap
    welcome: WelcomeBonus
    event: EventRule
    fraud: FraudThresholds
    def __init__(self, tiers: _Optional[_Union[TierScheme, _Mapping]] = ..., tier_benefits: _Optional[_Union[TierBenefits, _Mapping]] = ..., exclusions: _Optional[_Union[Exclusions, _Mapping]] = ..., stacking: _Optional[_Union[Stacking, _Mapping]] = ..., campaign: _Optional[_Union[Campaign, _Mapping]] = ..., cap: _Optional[_Union[Cap, _Mapping]] = ..., welcome: _Optional[_Union[WelcomeBonus, _Mapping]] = ..., event: _Optional[_Union[EventRule, _Mapping]] = ..., fraud: _Optional[_Union[FraudThresholds, _Mapping]] = ...) -> None: ...

class TierScheme(_message.Message):
    __slots__ = ("tiers", "metric", "spend_currency", "review")
    TIERS_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    SPEND_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    tiers: _containers.RepeatedCompositeFieldContainer[Tier]
    metric: str
    spend_currency: str
    review: str
    def __init__(self, tiers: _Optional[_Iterable[_Union[Tier, _Mapping]]] = ..., metric: _Optional[str] = ..., spend_currency: _Optional[str] = ..., review: _Optional[str] = ...) -> None: ...

class Tier(_message.Message):
    __slots__ = ("name", "threshold")
    NAME_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    name: str
    threshold: int
    def __init__(self, name: _Optional[str] = ..., threshold: _Optional[int] = ...) -> None: ...

class TierBenefits(_message.Message):
    __slots__ = ("partner_id", "multipliers", "burn_values")
    class MultipliersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class BurnValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIERS_FIELD_NUMBER: _ClassVar[int]
    BURN_VALUES_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    multipliers: _containers.ScalarMap[str, str]
    burn_values: _containers.ScalarMap[str, str]
    def __init__(self, partner_id: _Optional[str] = ..., multipliers: _Optional[_Mapping[str, str]] = ..., burn_values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Exclusions(_message.Message):
    __slots__ = ("partner_id", "earn_categories", "exclude_discounted", "burn_categories")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    EARN_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_DISCOUNTED_FIELD_NUMBER: _ClassVar[int]
    BURN_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    earn_categories: _containers.RepeatedScalarFieldContainer[str]
    exclude_discounted: bool
    burn_categories: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, partner_id: _Optional[str] = ..., earn_categories: _Optional[_Iterable[str]] = ..., exclude_discounted: _Optional[bool] = ..., burn_categories: _Optional[_Iterable[str]] = ...) -> None: ...

class Stacking(_message.Message):
    __slots__ = ("partner_id", "mode", "max_multiplier")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    MAX_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    mode: str
    max_multiplier: str
    def __init__(self, partner_id: _Optional[str] = ..., mode: _Optional[str] = ..., max_multiplier: _Optional[str] = ...) -> None: ...

class Campaign(_message.Message):
    __slots__ = ("label", "starts_at", "ends_at", "multiplier", "bonus_points", "partner_id", "categories", "channels", "weekdays", "day_start_min", "day_end_min", "tiers", "birthday", "first_purchase", "exclusive", "priority", "budget_points", "funder")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    BONUS_POINTS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    DAY_START_MIN_FIELD_NUMBER: _ClassVar[int]
    DAY_END_MIN_FIELD_NUMBER: _ClassVar[int]
    TIERS_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAY_FIELD_NUMBER: _ClassVar[int]
    FIRST_PURCHASE_FIELD_NUMBER: _ClassVar[int]
    EXCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    BUDGET_POINTS_FIELD_NUMBER: _ClassVar[int]
    FUNDER_FIELD_NUMBER: _ClassVar[int]
    label: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    multiplier: str
    bonus_points: int
    partner_id: str
    categories: _containers.RepeatedScalarFieldContainer[str]
    channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    weekdays: _containers.RepeatedScalarFieldContainer[int]
    day_start_min: int
    day_end_min: int
    tiers: _containers.RepeatedScalarFieldContainer[str]
    birthday: bool
    first_purchase: bool
    exclusive: bool
    priority: int
    budget_points: int
    funder: _common_pb2.Funder
    def __init__(self, label: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., multiplier: _Optional[str] = ..., bonus_points: _Optional[int] = ..., partner_id: _Optional[str] = ..., categories: _Optional[_Iterable[str]] = ..., channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., weekdays: _Optional[_Iterable[int]] = ..., day_start_min: _Optional[int] = ..., day_end_min: _Optional[int] = ..., tiers: _Optional[_Iterable[str]] = ..., birthday: _Optional[bool] = ..., first_purchase: _Optional[bool] = ..., exclusive: _Optional[bool] = ..., priority: _Optional[int] = ..., budget_points: _Optional[int] = ..., funder: _Optional[_Union[_common_pb2.Funder, str]] = ...) -> None: ...

class Cap(_message.Message):
    __slots__ = ("period", "limit_points", "partner_id")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_POINTS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    period: str
    limit_points: int
    partner_id: str
    def __init__(self, period: _Optional[str] = ..., limit_points: _Optional[int] = ..., partner_id: _Optional[str] = ...) -> None: ...

class WelcomeBonus(_message.Message):
    __slots__ = ("points", "funder", "partner_id")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    FUNDER_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    points: int
    funder: _common_pb2.Funder
    partner_id: str
    def __init__(self, points: _Optional[int] = ..., funder: _Optional[_Union[_common_pb2.Funder, str]] = ..., partner_id: _Optional[str] = ...) -> None: ...

class EventRule(_message.Message):
    __slots__ = ("partner_id", "event", "points", "max_per_member", "referee_points", "funder")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_MEMBER_FIELD_NUMBER: _ClassVar[int]
    REFEREE_POINTS_FIELD_NUMBER: _ClassVar[int]
    FUNDER_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    event: str
    points: int
    max_per_member: int
    referee_points: int
    funder: _common_pb2.Funder
    def __init__(self, partner_id: _Optional[str] = ..., event: _Optional[str] = ..., points: _Optional[int] = ..., max_per_member: _Optional[int] = ..., referee_points: _Optional[int] = ..., funder: _Optional[_Union[_common_pb2.Funder, str]] = ...) -> None: ...

class FraudThreshold(_message.Message):
    __slots__ = ("review_at", "deny_at")
    REVIEW_AT_FIELD_NUMBER: _ClassVar[int]
    DENY_AT_FIELD_NUMBER: _ClassVar[int]
    review_at: int
    deny_at: int
    def __init__(self, review_at: _Optional[int] = ..., deny_at: _Optional[int] = ...) -> None: ...

class FraudThresholds(_message.Message):
    __slots__ = ("partner_id", "velocity_window_s", "velocity_count", "velocity_points", "earn_then_burn_window_s", "earn_then_burn_points", "refund_debt_points", "till_window_s", "terminal_cards", "cashier_cards", "cashier_card_window_s", "cashier_card_receipts", "linked_members", "history_min_earns", "history_multiple", "travel_min_km", "travel_speed_kmh", "farming_days", "farming_min_active_days", "farming_earns", "dormant_days", "dormant_min_points", "dormant_burn_percent")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_WINDOW_S_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_COUNT_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_POINTS_FIELD_NUMBER: _ClassVar[int]
    EARN_THEN_BURN_WINDOW_S_FIELD_NUMBER: _ClassVar[int]
    EARN_THEN_BURN_POINTS_FIELD_NUMBER: _ClassVar[int]
    REFUND_DEBT_POINTS_FIELD_NUMBER: _ClassVar[int]
    TILL_WINDOW_S_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_CARDS_FIELD_NUMBER: _ClassVar[int]
    CASHIER_CARDS_FIELD_NUMBER: _ClassVar[int]
    CASHIER_CARD_WINDOW_S_FIELD_NUMBER: _ClassVar[int]
    CASHIER_CARD_RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    LINKED_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_MIN_EARNS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_MULTIPLE_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_MIN_KM_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_SPEED_KMH_FIELD_NUMBER: _ClassVar[int]
    FARMING_DAYS_FIELD_NUMBER: _ClassVar[int]
    FARMING_MIN_ACTIVE_DAYS_FIELD_NUMBER: _ClassVar[int]
    FARMING_EARNS_FIELD_NUMBER: _ClassVar[int]
    DORMANT_DAYS_FIELD_NUMBER: _ClassVar[int]
    DORMANT_MIN_POINTS_FIELD_NUMBER: _ClassVar[int]
    DORMANT_BURN_PERCENT_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    velocity_window_s: int
    velocity_count: FraudThreshold
    velocity_points: FraudThreshold
    earn_then_burn_window_s: int
    earn_then_burn_points: FraudThreshold
    refund_debt_points: FraudThreshold
    till_window_s: int
    terminal_cards: FraudThreshold
    cashier_cards: FraudThreshold
    cashier_card_window_s: int
    cashier_card_receipts: FraudThreshold
    linked_members: FraudThreshold
    history_min_earns: int
    history_multiple: FraudThreshold
    travel_min_km: int
    travel_speed_kmh: FraudThreshold
    farming_days: int
    farming_min_active_days: int
    farming_earns: FraudThreshold
    dormant_days: int
    dormant_min_points: int
    dormant_burn_percent: FraudThreshold
    def __init__(self, partner_id: _Optional[str] = ..., velocity_window_s: _Optional[int] = ..., velocity_count: _Optional[_Union[FraudThreshold, _Mapping]] = ..., velocity_points: _Optional[_Union[FraudThreshold, _Mapping]] = ..., earn_then_burn_window_s: _Optional[int] = ..., earn_then_burn_points: _Optional[_Union[FraudThreshold, _Mapping]] = ..., refund_debt_points: _Optional[_Union[FraudThreshold, _Mapping]] = ..., till_window_s: _Optional[int] = ..., terminal_cards: _Optional[_Union[FraudThreshold, _Mapping]] = ..., cashier_cards: _Optional[_Union[FraudThreshold, _Mapping]] = ..., cashier_card_window_s: _Optional[int] = ..., cashier_card_receipts: _Optional[_Union[FraudThreshold, _Mapping]] = ..., linked_members: _Optional[_Union[FraudThreshold, _Mapping]] = ..., history_min_earns: _Optional[int] = ..., history_multiple: _Optional[_Union[FraudThreshold, _Mapping]] = ..., travel_min_km: _Optional[int] = ..., travel_speed_kmh: _Optional[_Union[FraudThreshold, _Mapping]] = ..., farming_days: _Optional[int] = ..., farming_min_active_days: _Optional[int] = ..., farming_earns: _Optional[_Union[FraudThreshold, _Mapping]] = ..., dormant_days: _Optional[int] = ..., dormant_min_points: _Optional[int] = ..., dormant_burn_percent: _Optional[_Union[FraudThreshold, _Mapping]] = ...) -> None: ...
