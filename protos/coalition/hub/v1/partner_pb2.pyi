import datetime

from coalition.hub.v1 import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MemberStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBER_STATUS_UNSPECIFIED: _ClassVar[MemberStatus]
    MEMBER_STATUS_ACTIVE: _ClassVar[MemberStatus]
    MEMBER_STATUS_FROZEN: _ClassVar[MemberStatus]
    MEMBER_STATUS_ERASED: _ClassVar[MemberStatus]
    MEMBER_STATUS_MERGED: _ClassVar[MemberStatus]

class TransactionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSACTION_KIND_UNSPECIFIED: _ClassVar[TransactionKind]
    TRANSACTION_KIND_EARN: _ClassVar[TransactionKind]
    TRANSACTION_KIND_HOLD: _ClassVar[TransactionKind]
    TRANSACTION_KIND_CAPTURE: _ClassVar[TransactionKind]
    TRANSACTION_KIND_VOID: _ClassVar[TransactionKind]
    TRANSACTION_KIND_HOLD_EXPIRY: _ClassVar[TransactionKind]
    TRANSACTION_KIND_REFUND_EARN: _ClassVar[TransactionKind]
    TRANSACTION_KIND_REFUND_REDEMPTION: _ClassVar[TransactionKind]
    TRANSACTION_KIND_BONUS: _ClassVar[TransactionKind]
    TRANSACTION_KIND_GOODWILL: _ClassVar[TransactionKind]

class HoldStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOLD_STATUS_UNSPECIFIED: _ClassVar[HoldStatus]
    HOLD_STATUS_PENDING: _ClassVar[HoldStatus]
    HOLD_STATUS_CAPTURED: _ClassVar[HoldStatus]
    HOLD_STATUS_VOIDED: _ClassVar[HoldStatus]
    HOLD_STATUS_EXPIRED: _ClassVar[HoldStatus]
    HOLD_STATUS_IN_REVIEW: _ClassVar[HoldStatus]
    HOLD_STATUS_DECLINED: _ClassVar[HoldStatus]
MEMBER_STATUS_UNSPECIFIED: MemberStatus
MEMBER_STATUS_ACTIVE: MemberStatus
MEMBER_STATUS_FROZEN: MemberStatus
MEMBER_STATUS_ERASED: MemberStatus
MEMBER_STATUS_MERGED: MemberStatus
TRANSACTION_KIND_UNSPECIFIED: TransactionKind
TRANSACTION_KIND_EARN: TransactionKind
TRANSACTION_KIND_HOLD: TransactionKind
TRANSACTION_KIND_CAPTURE: TransactionKind
TRANSACTION_KIND_VOID: TransactionKind
TRANSACTION_KIND_HOLD_EXPIRY: TransactionKind
TRANSACTION_KIND_REFUND_EARN: TransactionKind
TRANSACTION_KIND_REFUND_REDEMPTION: TransactionKind
TRANSACTION_KIND_BONUS: TransactionKind
TRANSACTION_KIND_GOODWILL: TransactionKind
HOLD_STATUS_UNSPECIFIED: HoldStatus
HOLD_STATUS_PENDING: HoldStatus
HOLD_STATUS_CAPTURED: HoldStatus
HOLD_STATUS_VOIDED: HoldStatus
HOLD_STATUS_EXPIRED: HoldStatus
HOLD_STATUS_IN_REVIEW: HoldStatus
HOLD_STATUS_DECLINED: HoldStatus

class PingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PingResponse(_message.Message):
    __slots__ = ("server_time",)
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("member_id", "status", "enrolled_at", "identifier_kinds", "welcome_points")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_AT_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_KINDS_FIELD_NUMBER: _ClassVar[int]
    WELCOME_POINTS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    status: MemberStatus
    enrolled_at: _timestamp_pb2.Timestamp
    identifier_kinds: _containers.RepeatedScalarFieldContainer[_common_pb2.IdentifierKind]
    welcome_points: int
    def __init__(self, member_id: _Optional[str] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., enrolled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., identifier_kinds: _Optional[_Iterable[_Union[_common_pb2.IdentifierKind, str]]] = ..., welcome_points: _Optional[int] = ...) -> None: ...

class EnrollMemberRequest(_message.Message):
    __slots__ = ("idempotency_key", "identifiers", "contact")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    identifiers: _containers.RepeatedCompositeFieldContainer[_common_pb2.Identifier]
    contact: MemberContact
    def __init__(self, idempotency_key: _Optional[str] = ..., identifiers: _Optional[_Iterable[_Union[_common_pb2.Identifier, _Mapping]]] = ..., contact: _Optional[_Union[MemberContact, _Mapping]] = ...) -> None: ...

class MemberContact(_message.Message):
    __slots__ = ("name", "email", "phone", "birth_date")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    email: str
    phone: str
    birth_date: str
    def __init__(self, name: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., birth_date: _Optional[str] = ...) -> None: ...

class UpdateMemberContactRequest(_message.Message):
    __slots__ = ("idempotency_key", "member_id", "contact")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    member_id: str
    contact: MemberContact
    def __init__(self, idempotency_key: _Optional[str] = ..., member_id: _Optional[str] = ..., contact: _Optional[_Union[MemberContact, _Mapping]] = ...) -> None: ...

class LookupMemberRequest(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: _common_pb2.MemberRef
    def __init__(self, member: _Optional[_Union[_common_pb2.MemberRef, _Mapping]] = ...) -> None: ...

class AddIdentifierRequest(_message.Message):
    __slots__ = ("idempotency_key", "member_id", "identifier")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    member_id: str
    identifier: _common_pb2.Identifier
    def __init__(self, idempotency_key: _Optional[str] = ..., member_id: _Optional[str] = ..., identifier: _Optional[_Union[_common_pb2.Identifier, _Mapping]] = ...) -> None: ...

class EarnRequest(_message.Message):
    __slots__ = ("idempotency_key", "member", "purchase", "order_id", "line_items", "point_of_sale", "purchased_at")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    POINT_OF_SALE_FIELD_NUMBER: _ClassVar[int]
    PURCHASED_AT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    member: _common_pb2.MemberRef
    purchase: _common_pb2.Money
    order_id: str
    line_items: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineItem]
    point_of_sale: _common_pb2.PointOfSale
    purchased_at: _timestamp_pb2.Timestamp
    def __init__(self, idempotency_key: _Optional[str] = ..., member: _Optional[_Union[_common_pb2.MemberRef, _Mapping]] = ..., purchase: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., order_id: _Optional[str] = ..., line_items: _Optional[_Iterable[_Union[_common_pb2.LineItem, _Mapping]]] = ..., point_of_sale: _Optional[_Union[_common_pb2.PointOfSale, _Mapping]] = ..., purchased_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EarnResponse(_message.Message):
    __slots__ = ("transaction_id", "member_id", "points", "status", "available_at", "expires_at", "rates", "created_at", "debt_paid_points", "breakdown")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DEBT_PAID_POINTS_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    member_id: str
    points: int
    status: _common_pb2.PointsStatus
    available_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    rates: _common_pb2.Rates
    created_at: _timestamp_pb2.Timestamp
    debt_paid_points: int
    breakdown: Breakdown
    def __init__(self, transaction_id: _Optional[str] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., status: _Optional[_Union[_common_pb2.PointsStatus, str]] = ..., available_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rates: _Optional[_Union[_common_pb2.Rates, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., debt_paid_points: _Optional[int] = ..., breakdown: _Optional[_Union[Breakdown, _Mapping]] = ...) -> None: ...

class Breakdown(_message.Message):
    __slots__ = ("points", "eligible_minor", "lines", "excluded", "caps", "coalition_funded_points", "tier", "tier_after", "earn_rounding", "items", "receipt_points")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_MINOR_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    CAPS_FIELD_NUMBER: _ClassVar[int]
    COALITION_FUNDED_POINTS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    TIER_AFTER_FIELD_NUMBER: _ClassVar[int]
    EARN_ROUNDING_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_POINTS_FIELD_NUMBER: _ClassVar[int]
    points: int
    eligible_minor: int
    lines: _containers.RepeatedCompositeFieldContainer[BreakdownLine]
    excluded: _containers.RepeatedCompositeFieldContainer[ExcludedItem]
    caps: _containers.RepeatedCompositeFieldContainer[CapCut]
    coalition_funded_points: int
    tier: str
    tier_after: str
    earn_rounding: str
    items: _containers.RepeatedCompositeFieldContainer[BreakdownItem]
    receipt_points: int
    def __init__(self, points: _Optional[int] = ..., eligible_minor: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[BreakdownLine, _Mapping]]] = ..., excluded: _Optional[_Iterable[_Union[ExcludedItem, _Mapping]]] = ..., caps: _Optional[_Iterable[_Union[CapCut, _Mapping]]] = ..., coalition_funded_points: _Optional[int] = ..., tier: _Optional[str] = ..., tier_after: _Optional[str] = ..., earn_rounding: _Optional[str] = ..., items: _Optional[_Iterable[_Union[BreakdownItem, _Mapping]]] = ..., receipt_points: _Optional[int] = ...) -> None: ...

class BreakdownItem(_message.Message):
    __slots__ = ("index", "sku", "quantity", "amount_minor", "points")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    index: int
    sku: str
    quantity: int
    amount_minor: int
    points: int
    def __init__(self, index: _Optional[int] = ..., sku: _Optional[str] = ..., quantity: _Optional[int] = ..., amount_minor: _Optional[int] = ..., points: _Optional[int] = ...) -> None: ...

class BreakdownLine(_message.Message):
    __slots__ = ("kind", "points", "funder", "rule_id", "label", "multiplier", "on_points", "note", "capped_points")
    KIND_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    FUNDER_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    ON_POINTS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CAPPED_POINTS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    points: int
    funder: _common_pb2.Funder
    rule_id: str
    label: str
    multiplier: str
    on_points: int
    note: str
    capped_points: int
    def __init__(self, kind: _Optional[str] = ..., points: _Optional[int] = ..., funder: _Optional[_Union[_common_pb2.Funder, str]] = ..., rule_id: _Optional[str] = ..., label: _Optional[str] = ..., multiplier: _Optional[str] = ..., on_points: _Optional[int] = ..., note: _Optional[str] = ..., capped_points: _Optional[int] = ...) -> None: ...

class ExcludedItem(_message.Message):
    __slots__ = ("index", "sku", "category", "amount_minor", "reason")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    index: int
    sku: str
    category: str
    amount_minor: int
    reason: str
    def __init__(self, index: _Optional[int] = ..., sku: _Optional[str] = ..., category: _Optional[str] = ..., amount_minor: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class CapCut(_message.Message):
    __slots__ = ("rule_id", "period", "limit_points", "cut_points")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_POINTS_FIELD_NUMBER: _ClassVar[int]
    CUT_POINTS_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    period: str
    limit_points: int
    cut_points: int
    def __init__(self, rule_id: _Optional[str] = ..., period: _Optional[str] = ..., limit_points: _Optional[int] = ..., cut_points: _Optional[int] = ...) -> None: ...

class QuoteRequest(_message.Message):
    __slots__ = ("member", "earn", "burn")
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    EARN_FIELD_NUMBER: _ClassVar[int]
    BURN_FIELD_NUMBER: _ClassVar[int]
    member: _common_pb2.MemberRef
    earn: EarnQuote
    burn: BurnQuote
    def __init__(self, member: _Optional[_Union[_common_pb2.MemberRef, _Mapping]] = ..., earn: _Optional[_Union[EarnQuote, _Mapping]] = ..., burn: _Optional[_Union[BurnQuote, _Mapping]] = ...) -> None: ...

class EarnQuote(_message.Message):
    __slots__ = ("purchase", "line_items", "point_of_sale")
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    POINT_OF_SALE_FIELD_NUMBER: _ClassVar[int]
    purchase: _common_pb2.Money
    line_items: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineItem]
    point_of_sale: _common_pb2.PointOfSale
    def __init__(self, purchase: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., line_items: _Optional[_Iterable[_Union[_common_pb2.LineItem, _Mapping]]] = ..., point_of_sale: _Optional[_Union[_common_pb2.PointOfSale, _Mapping]] = ...) -> None: ...

class BurnQuote(_message.Message):
    __slots__ = ("points", "amount", "purchase", "line_items")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    points: int
    amount: _common_pb2.Money
    purchase: _common_pb2.Money
    line_items: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineItem]
    def __init__(self, points: _Optional[int] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., purchase: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., line_items: _Optional[_Iterable[_Union[_common_pb2.LineItem, _Mapping]]] = ...) -> None: ...

class QuoteResponse(_message.Message):
    __slots__ = ("earn", "burn", "rates", "quoted_at")
    EARN_FIELD_NUMBER: _ClassVar[int]
    BURN_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    QUOTED_AT_FIELD_NUMBER: _ClassVar[int]
    earn: EarnQuoteResult
    burn: BurnQuoteResult
    rates: _common_pb2.Rates
    quoted_at: _timestamp_pb2.Timestamp
    def __init__(self, earn: _Optional[_Union[EarnQuoteResult, _Mapping]] = ..., burn: _Optional[_Union[BurnQuoteResult, _Mapping]] = ..., rates: _Optional[_Union[_common_pb2.Rates, _Mapping]] = ..., quoted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EarnQuoteResult(_message.Message):
    __slots__ = ("points", "status", "available_at", "expires_at", "breakdown")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    points: int
    status: _common_pb2.PointsStatus
    available_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    breakdown: Breakdown
    def __init__(self, points: _Optional[int] = ..., status: _Optional[_Union[_common_pb2.PointsStatus, str]] = ..., available_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breakdown: _Optional[_Union[Breakdown, _Mapping]] = ...) -> None: ...

class BurnQuoteResult(_message.Message):
    __slots__ = ("points", "value")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    points: int
    value: _common_pb2.Money
    def __init__(self, points: _Optional[int] = ..., value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: _common_pb2.MemberRef
    def __init__(self, member: _Optional[_Union[_common_pb2.MemberRef, _Mapping]] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("member_id", "available_points", "pending_points", "held_points", "expiring_points", "expiring_before", "as_of", "debt_points", "tier")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_POINTS_FIELD_NUMBER: _ClassVar[int]
    PENDING_POINTS_FIELD_NUMBER: _ClassVar[int]
    HELD_POINTS_FIELD_NUMBER: _ClassVar[int]
    EXPIRING_POINTS_FIELD_NUMBER: _ClassVar[int]
    EXPIRING_BEFORE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    DEBT_POINTS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    available_points: int
    pending_points: int
    held_points: int
    expiring_points: int
    expiring_before: _timestamp_pb2.Timestamp
    as_of: _timestamp_pb2.Timestamp
    debt_points: int
    tier: TierStatus
    def __init__(self, member_id: _Optional[str] = ..., available_points: _Optional[int] = ..., pending_points: _Optional[int] = ..., held_points: _Optional[int] = ..., expiring_points: _Optional[int] = ..., expiring_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., debt_points: _Optional[int] = ..., tier: _Optional[_Union[TierStatus, _Mapping]] = ...) -> None: ...

class TierStatus(_message.Message):
    __slots__ = ("tier", "next_tier", "metric", "qualifying", "to_next_tier", "spend_currency")
    TIER_FIELD_NUMBER: _ClassVar[int]
    NEXT_TIER_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    QUALIFYING_FIELD_NUMBER: _ClassVar[int]
    TO_NEXT_TIER_FIELD_NUMBER: _ClassVar[int]
    SPEND_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    tier: str
    next_tier: str
    metric: str
    qualifying: int
    to_next_tier: int
    spend_currency: str
    def __init__(self, tier: _Optional[str] = ..., next_tier: _Optional[str] = ..., metric: _Optional[str] = ..., qualifying: _Optional[int] = ..., to_next_tier: _Optional[int] = ..., spend_currency: _Optional[str] = ...) -> None: ...

class ListTransactionsRequest(_message.Message):
    __slots__ = ("member", "page_size", "page_token")
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member: _common_pb2.MemberRef
    page_size: int
    page_token: str
    def __init__(self, member: _Optional[_Union[_common_pb2.MemberRef, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTransactionsResponse(_message.Message):
    __slots__ = ("transactions", "next_page_token")
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[Transaction]
    next_page_token: str
    def __init__(self, transactions: _Optional[_Iterable[_Union[Transaction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Transaction(_message.Message):
    __slots__ = ("transaction_id", "kind", "member_id", "points", "order_id", "purchase", "rates", "created_at", "available_at", "expires_at", "related_transaction_id", "breakdown", "tier_before", "tier_after", "purchased_at")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    RELATED_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    TIER_BEFORE_FIELD_NUMBER: _ClassVar[int]
    TIER_AFTER_FIELD_NUMBER: _ClassVar[int]
    PURCHASED_AT_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    kind: TransactionKind
    member_id: str
    points: int
    order_id: str
    purchase: _common_pb2.Money
    rates: _common_pb2.Rates
    created_at: _timestamp_pb2.Timestamp
    available_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    related_transaction_id: str
    breakdown: Breakdown
    tier_before: str
    tier_after: str
    purchased_at: _timestamp_pb2.Timestamp
    def __init__(self, transaction_id: _Optional[str] = ..., kind: _Optional[_Union[TransactionKind, str]] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., order_id: _Optional[str] = ..., purchase: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., rates: _Optional[_Union[_common_pb2.Rates, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., available_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., related_transaction_id: _Optional[str] = ..., breakdown: _Optional[_Union[Breakdown, _Mapping]] = ..., tier_before: _Optional[str] = ..., tier_after: _Optional[str] = ..., purchased_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AuthorizeRedemptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "member", "purchase", "order_id", "line_items", "points", "amount", "ttl_s", "point_of_sale")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TTL_S_FIELD_NUMBER: _ClassVar[int]
    POINT_OF_SALE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    member: _common_pb2.MemberRef
    purchase: _common_pb2.Money
    order_id: str
    line_items: _containers.RepeatedCompositeFieldContainer[_common_pb2.LineItem]
    points: int
    amount: _common_pb2.Money
    ttl_s: int
    point_of_sale: _common_pb2.PointOfSale
    def __init__(self, idempotency_key: _Optional[str] = ..., member: _Optional[_Union[_common_pb2.MemberRef, _Mapping]] = ..., purchase: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., order_id: _Optional[str] = ..., line_items: _Optional[_Iterable[_Union[_common_pb2.LineItem, _Mapping]]] = ..., points: _Optional[int] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., ttl_s: _Optional[int] = ..., point_of_sale: _Optional[_Union[_common_pb2.PointOfSale, _Mapping]] = ...) -> None: ...

class Hold(_message.Message):
    __slots__ = ("hold_id", "member_id", "status", "points", "value", "created_at", "expires_at", "order_id", "captured_points", "resolved_at", "rates", "transaction_id", "debt_paid_points")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_POINTS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    DEBT_PAID_POINTS_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    member_id: str
    status: HoldStatus
    points: int
    value: _common_pb2.Money
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    order_id: str
    captured_points: int
    resolved_at: _timestamp_pb2.Timestamp
    rates: _common_pb2.Rates
    transaction_id: str
    debt_paid_points: int
    def __init__(self, hold_id: _Optional[str] = ..., member_id: _Optional[str] = ..., status: _Optional[_Union[HoldStatus, str]] = ..., points: _Optional[int] = ..., value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_id: _Optional[str] = ..., captured_points: _Optional[int] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rates: _Optional[_Union[_common_pb2.Rates, _Mapping]] = ..., transaction_id: _Optional[str] = ..., debt_paid_points: _Optional[int] = ...) -> None: ...

class CaptureRedemptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "hold_id", "points")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    hold_id: str
    points: int
    def __init__(self, idempotency_key: _Optional[str] = ..., hold_id: _Optional[str] = ..., points: _Optional[int] = ...) -> None: ...

class Capture(_message.Message):
    __slots__ = ("transaction_id", "hold_id", "captured_points", "released_points", "value", "captured_at", "debt_paid_points")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_POINTS_FIELD_NUMBER: _ClassVar[int]
    RELEASED_POINTS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_AT_FIELD_NUMBER: _ClassVar[int]
    DEBT_PAID_POINTS_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    hold_id: str
    captured_points: int
    released_points: int
    value: _common_pb2.Money
    captured_at: _timestamp_pb2.Timestamp
    debt_paid_points: int
    def __init__(self, transaction_id: _Optional[str] = ..., hold_id: _Optional[str] = ..., captured_points: _Optional[int] = ..., released_points: _Optional[int] = ..., value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., captured_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., debt_paid_points: _Optional[int] = ...) -> None: ...

class VoidRedemptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "hold_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    hold_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., hold_id: _Optional[str] = ...) -> None: ...

class GetHoldRequest(_message.Message):
    __slots__ = ("hold_id", "order_id")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    order_id: str
    def __init__(self, hold_id: _Optional[str] = ..., order_id: _Optional[str] = ...) -> None: ...

class RefundEarnRequest(_message.Message):
    __slots__ = ("idempotency_key", "transaction_id", "amount", "order_id", "lines", "whole_receipt")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    WHOLE_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    transaction_id: str
    amount: _common_pb2.Money
    order_id: str
    lines: _containers.RepeatedCompositeFieldContainer[ReturnedLine]
    whole_receipt: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., transaction_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., order_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[ReturnedLine, _Mapping]]] = ..., whole_receipt: _Optional[bool] = ...) -> None: ...

class ReturnedLine(_message.Message):
    __slots__ = ("index", "sku", "quantity", "amount_minor")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    index: int
    sku: str
    quantity: int
    amount_minor: int
    def __init__(self, index: _Optional[int] = ..., sku: _Optional[str] = ..., quantity: _Optional[int] = ..., amount_minor: _Optional[int] = ...) -> None: ...

class EarnRefund(_message.Message):
    __slots__ = ("transaction_id", "earn_transaction_id", "points_reversed", "pending_points_cancelled", "available_points_reversed", "debt_points", "created_at", "order_id", "amount", "tier_before", "tier_after")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    EARN_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_REVERSED_FIELD_NUMBER: _ClassVar[int]
    PENDING_POINTS_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_POINTS_REVERSED_FIELD_NUMBER: _ClassVar[int]
    DEBT_POINTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TIER_BEFORE_FIELD_NUMBER: _ClassVar[int]
    TIER_AFTER_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    earn_transaction_id: str
    points_reversed: int
    pending_points_cancelled: int
    available_points_reversed: int
    debt_points: int
    created_at: _timestamp_pb2.Timestamp
    order_id: str
    amount: _common_pb2.Money
    tier_before: str
    tier_after: str
    def __init__(self, transaction_id: _Optional[str] = ..., earn_transaction_id: _Optional[str] = ..., points_reversed: _Optional[int] = ..., pending_points_cancelled: _Optional[int] = ..., available_points_reversed: _Optional[int] = ..., debt_points: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., tier_before: _Optional[str] = ..., tier_after: _Optional[str] = ...) -> None: ...

class RefundRedemptionRequest(_message.Message):
    __slots__ = ("idempotency_key", "hold_id", "points", "order_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    hold_id: str
    points: int
    order_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., hold_id: _Optional[str] = ..., points: _Optional[int] = ..., order_id: _Optional[str] = ...) -> None: ...

class RedemptionRefund(_message.Message):
    __slots__ = ("transaction_id", "hold_id", "points_returned", "points_expired", "created_at", "order_id", "debt_paid_points")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_RETURNED_FIELD_NUMBER: _ClassVar[int]
    POINTS_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    DEBT_PAID_POINTS_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    hold_id: str
    points_returned: int
    points_expired: int
    created_at: _timestamp_pb2.Timestamp
    order_id: str
    debt_paid_points: int
    def __init__(self, transaction_id: _Optional[str] = ..., hold_id: _Optional[str] = ..., points_returned: _Optional[int] = ..., points_expired: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_id: _Optional[str] = ..., debt_paid_points: _Optional[int] = ...) -> None: ...

class GrantEventRequest(_message.Message):
    __slots__ = ("idempotency_key", "member", "event", "referred_member")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    REFERRED_MEMBER_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    member: _common_pb2.MemberRef
    event: str
    referred_member: _common_pb2.MemberRef
    def __init__(self, idempotency_key: _Optional[str] = ..., member: _Optional[_Union[_common_pb2.MemberRef, _Mapping]] = ..., event: _Optional[str] = ..., referred_member: _Optional[_Union[_common_pb2.MemberRef, _Mapping]] = ...) -> None: ...

class GrantEventResponse(_message.Message):
    __slots__ = ("transaction_id", "member_id", "points", "rule_id", "funder", "created_at", "referred_member_id", "referee_points", "referee_transaction_id")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    FUNDER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REFERRED_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REFEREE_POINTS_FIELD_NUMBER: _ClassVar[int]
    REFEREE_TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    member_id: str
    points: int
    rule_id: str
    funder: _common_pb2.Funder
    created_at: _timestamp_pb2.Timestamp
    referred_member_id: str
    referee_points: int
    referee_transaction_id: str
    def __init__(self, transaction_id: _Optional[str] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., rule_id: _Optional[str] = ..., funder: _Optional[_Union[_common_pb2.Funder, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., referred_member_id: _Optional[str] = ..., referee_points: _Optional[int] = ..., referee_transaction_id: _Optional[str] = ...) -> None: ...
