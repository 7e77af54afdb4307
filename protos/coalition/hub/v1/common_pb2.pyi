import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IdentifierKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IDENTIFIER_KIND_UNSPECIFIED: _ClassVar[IdentifierKind]
    IDENTIFIER_KIND_CARD: _ClassVar[IdentifierKind]
    IDENTIFIER_KIND_PHONE: _ClassVar[IdentifierKind]
    IDENTIFIER_KIND_APP_ID: _ClassVar[IdentifierKind]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_POS: _ClassVar[Channel]
    CHANNEL_ONLINE: _ClassVar[Channel]
    CHANNEL_APP: _ClassVar[Channel]

class Funder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FUNDER_UNSPECIFIED: _ClassVar[Funder]
    FUNDER_PARTNER: _ClassVar[Funder]
    FUNDER_COALITION: _ClassVar[Funder]

class PointsStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POINTS_STATUS_UNSPECIFIED: _ClassVar[PointsStatus]
    POINTS_STATUS_PENDING: _ClassVar[PointsStatus]
    POINTS_STATUS_AVAILABLE: _ClassVar[PointsStatus]

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    INVALID_FIELD: _ClassVar[ErrorReason]
    INVALID_AMOUNT: _ClassVar[ErrorReason]
    UNKNOWN_CURRENCY: _ClassVar[ErrorReason]
    CURRENCY_MISMATCH: _ClassVar[ErrorReason]
    MALFORMED_ID: _ClassVar[ErrorReason]
    INVALID_IDENTIFIER: _ClassVar[ErrorReason]
    TOO_MANY_LINE_ITEMS: _ClassVar[ErrorReason]
    LINE_ITEMS_MISMATCH: _ClassVar[ErrorReason]
    INVALID_IDEMPOTENCY_KEY: _ClassVar[ErrorReason]
    INVALID_PAGE_TOKEN: _ClassVar[ErrorReason]
    INVALID_RATE: _ClassVar[ErrorReason]
    RATE_IN_PAST: _ClassVar[ErrorReason]
    INVALID_HOLD_TTL: _ClassVar[ErrorReason]
    CAPTURE_EXCEEDS_HOLD: _ClassVar[ErrorReason]
    INVALID_RULE: _ClassVar[ErrorReason]
    RULE_IN_PAST: _ClassVar[ErrorReason]
    INVALID_REPORT: _ClassVar[ErrorReason]
    MALFORMED_REQUEST: _ClassVar[ErrorReason]
    AMBIGUOUS_ID: _ClassVar[ErrorReason]
    UNKNOWN_FRAUD_SETTING: _ClassVar[ErrorReason]
    PREVIEW_OUT_OF_RANGE: _ClassVar[ErrorReason]
    WEBHOOK_SETTING_REFUSED: _ClassVar[ErrorReason]
    MEMBER_NOT_FOUND: _ClassVar[ErrorReason]
    PARTNER_NOT_FOUND: _ClassVar[ErrorReason]
    HOLD_NOT_FOUND: _ClassVar[ErrorReason]
    TRANSACTION_NOT_FOUND: _ClassVar[ErrorReason]
    CREDENTIAL_NOT_FOUND: _ClassVar[ErrorReason]
    RULE_NOT_FOUND: _ClassVar[ErrorReason]
    FLAG_NOT_FOUND: _ClassVar[ErrorReason]
    SETTLEMENT_NOT_FOUND: _ClassVar[ErrorReason]
    RECONCILIATION_EXCEPTION_NOT_FOUND: _ClassVar[ErrorReason]
    GOODWILL_CREDIT_NOT_FOUND: _ClassVar[ErrorReason]
    API_KEY_NOT_FOUND: _ClassVar[ErrorReason]
    PARTNER_DISABLED: _ClassVar[ErrorReason]
    MEMBER_NOT_ACTIVE: _ClassVar[ErrorReason]
    NO_RATE_IN_FORCE: _ClassVar[ErrorReason]
    INSUFFICIENT_POINTS: _ClassVar[ErrorReason]
    BELOW_MINIMUM_REDEMPTION: _ClassVar[ErrorReason]
    EXCEEDS_PAYABLE_AMOUNT: _ClassVar[ErrorReason]
    HOLD_ALREADY_CAPTURED: _ClassVar[ErrorReason]
    HOLD_ALREADY_VOIDED: _ClassVar[ErrorReason]
    HOLD_EXPIRED: _ClassVar[ErrorReason]
    REFUND_EXCEEDS_ORIGINAL: _ClassVar[ErrorReason]
    CAMPAIGNS_OVERLAP: _ClassVar[ErrorReason]
    EVENT_LIMIT_REACHED: _ClassVar[ErrorReason]
    RULE_ENDED: _ClassVar[ErrorReason]
    FRAUD_DECLINED: _ClassVar[ErrorReason]
    HOLD_IN_REVIEW: _ClassVar[ErrorReason]
    HOLD_NOT_IN_REVIEW: _ClassVar[ErrorReason]
    FLAG_ALREADY_RESOLVED: _ClassVar[ErrorReason]
    MEMBER_ALREADY_FROZEN: _ClassVar[ErrorReason]
    MEMBER_NOT_FROZEN: _ClassVar[ErrorReason]
    BUSINESS_DAY_OPEN: _ClassVar[ErrorReason]
    SETTLEMENT_APPROVED: _ClassVar[ErrorReason]
    EXCEPTIONS_OPEN: _ClassVar[ErrorReason]
    EXCEPTION_ALREADY_ACCEPTED: _ClassVar[ErrorReason]
    EARLIER_DAY_UNSETTLED: _ClassVar[ErrorReason]
    SIGNING_KEY_MISSING: _ClassVar[ErrorReason]
    EXCEEDS_CATEGORY_SHARE: _ClassVar[ErrorReason]
    NOTHING_TO_ANNUL: _ClassVar[ErrorReason]
    OFFLINE_WINDOW_EXCEEDED: _ClassVar[ErrorReason]
    MEMBER_ALREADY_MERGED: _ClassVar[ErrorReason]
    MEMBER_HAS_PENDING_HOLDS: _ClassVar[ErrorReason]
    MEMBER_NOT_MERGED: _ClassVar[ErrorReason]
    GOODWILL_CREDIT_DECIDED: _ClassVar[ErrorReason]
    WEBHOOK_SECRET_KEY_MISSING: _ClassVar[ErrorReason]
    IDEMPOTENCY_KEY_REUSED: _ClassVar[ErrorReason]
    IDENTIFIER_TAKEN: _ClassVar[ErrorReason]
    DUPLICATE_ORDER: _ClassVar[ErrorReason]
    PARTNER_EXISTS: _ClassVar[ErrorReason]
    CONCURRENCY_CONFLICT: _ClassVar[ErrorReason]
    UNAUTHENTICATED: _ClassVar[ErrorReason]
    CREDENTIAL_REVOKED: _ClassVar[ErrorReason]
    ROLE_NOT_ALLOWED: _ClassVar[ErrorReason]
    SAME_OFFICER: _ClassVar[ErrorReason]
    SERVER_BUSY: _ClassVar[ErrorReason]
    RATE_LIMITED: _ClassVar[ErrorReason]
    INTERNAL_ERROR: _ClassVar[ErrorReason]
    DATABASE_UNAVAILABLE: _ClassVar[ErrorReason]
    COMMIT_OUTCOME_UNKNOWN: _ClassVar[ErrorReason]
IDENTIFIER_KIND_UNSPECIFIED: IdentifierKind
IDENTIFIER_KIND_CARD: IdentifierKind
IDENTIFIER_KIND_PHONE: IdentifierKind
IDENTIFIER_KIND_APP_ID: IdentifierKind
CHANNEL_UNSPECIFIED: Channel
CHANNEL_POS: Channel
CHANNEL_ONLINE: Channel
CHANNEL_APP: Channel
FUNDER_UNSPECIFIED: Funder
FUNDER_PARTNER: Funder
FUNDER_COALITION: Funder
POINTS_STATUS_UNSPECIFIED: PointsStatus
POINTS_STATUS_PENDING: PointsStatus
POINTS_STATUS_AVAILABLE: PointsStatus
ERROR_REASON_UNSPECIFIED: ErrorReason
INVALID_FIELD: ErrorReason
INVALID_AMOUNT: ErrorReason
UNKNOWN_CURRENCY: ErrorReason
CURRENCY_MISMATCH: ErrorReason
MALFORMED_ID: ErrorReason
INVALID_IDENTIFIER: ErrorReason
TOO_MANY_LINE_ITEMS: ErrorReason
LINE_ITEMS_MISMATCH: ErrorReason
INVALID_IDEMPOTENCY_KEY: ErrorReason
INVALID_PAGE_TOKEN: ErrorReason
INVALID_RATE: ErrorReason
RATE_IN_PAST: ErrorReason
INVALID_HOLD_TTL: ErrorReason
CAPTURE_EXCEEDS_HOLD: ErrorReason
INVALID_RULE: ErrorReason
RULE_IN_PAST: ErrorReason
INVALID_REPORT: ErrorReason
MALFORMED_REQUEST: ErrorReason
AMBIGUOUS_ID: ErrorReason
UNKNOWN_FRAUD_SETTING: ErrorReason
PREVIEW_OUT_OF_RANGE: ErrorReason
WEBHOOK_SETTING_REFUSED: ErrorReason
MEMBER_NOT_FOUND: ErrorReason
PARTNER_NOT_FOUND: ErrorReason
HOLD_NOT_FOUND: ErrorReason
TRANSACTION_NOT_FOUND: ErrorReason
CREDENTIAL_NOT_FOUND: ErrorReason
RULE_NOT_FOUND: ErrorReason
FLAG_NOT_FOUND: ErrorReason
SETTLEMENT_NOT_FOUND: ErrorReason
RECONCILIATION_EXCEPTION_NOT_FOUND: ErrorReason
GOODWILL_CREDIT_NOT_FOUND: ErrorReason
API_KEY_NOT_FOUND: ErrorReason
PARTNER_DISABLED: ErrorReason
MEMBER_NOT_ACTIVE: ErrorReason
NO_RATE_IN_FORCE: ErrorReason
INSUFFICIENT_POINTS: ErrorReason
BELOW_MINIMUM_REDEMPTION: ErrorReason
EXCEEDS_PAYABLE_AMOUNT: ErrorReason
HOLD_ALREADY_CAPTURED: ErrorReason
HOLD_ALREADY_VOIDED: ErrorReason
HOLD_EXPIRED: ErrorReason
REFUND_EXCEEDS_ORIGINAL: ErrorReason
CAMPAIGNS_OVERLAP: ErrorReason
EVENT_LIMIT_REACHED: ErrorReason
RULE_ENDED: ErrorReason
FRAUD_DECLINED: ErrorReason
HOLD_IN_REVIEW: ErrorReason
HOLD_NOT_IN_REVIEW: ErrorReason
FLAG_ALREADY_RESOLVED: ErrorReason
MEMBER_ALREADY_FROZEN: ErrorReason
MEMBER_NOT_FROZEN: ErrorReason
BUSINESS_DAY_OPEN: ErrorReason
SETTLEMENT_APPROVED: ErrorReason
EXCEPTIONS_OPEN: ErrorReason
EXCEPTION_ALREADY_ACCEPTED: ErrorReason
EARLIER_DAY_UNSETTLED: ErrorReason
SIGNING_KEY_MISSING: ErrorReason
EXCEEDS_CATEGORY_SHARE: ErrorReason
NOTHING_TO_ANNUL: ErrorReason
OFFLINE_WINDOW_EXCEEDED: ErrorReason
MEMBER_ALREADY_MERGED: ErrorReason
MEMBER_HAS_PENDING_HOLDS: ErrorReason
MEMBER_NOT_MERGED: ErrorReason
GOODWILL_CREDIT_DECIDED: ErrorReason
WEBHOOK_SECRET_KEY_MISSING: ErrorReason
IDEMPOTENCY_KEY_REUSED: ErrorReason
IDENTIFIER_TAKEN: ErrorReason
DUPLICATE_ORDER: ErrorReason
PARTNER_EXISTS: ErrorReason
CONCURRENCY_CONFLICT: ErrorReason
UNAUTHENTICATED: ErrorReason
CREDENTIAL_REVOKED: ErrorReason
ROLE_NOT_ALLOWED: ErrorReason
SAME_OFFICER: ErrorReason
SERVER_BUSY: ErrorReason
RATE_LIMITED: ErrorReason
INTERNAL_ERROR: ErrorReason
DATABASE_UNAVAILABLE: ErrorReason
COMMIT_OUTCOME_UNKNOWN: ErrorReason

class Money(_message.Message):
    __slots__ = ("amount_minor", "currency")
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    amount_minor: int
    currency: str
    def __init__(self, amount_minor: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class Identifier(_message.Message):
    __slots__ = ("kind", "value")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    kind: IdentifierKind
    value: str
    def __init__(self, kind: _Optional[_Union[IdentifierKind, str]] = ..., value: _Optional[str] = ...) -> None: ...

class MemberRef(_message.Message):
    __slots__ = ("member_id", "identifier")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    identifier: Identifier
    def __init__(self, member_id: _Optional[str] = ..., identifier: _Optional[_Union[Identifier, _Mapping]] = ...) -> None: ...

class PointOfSale(_message.Message):
    __slots__ = ("channel", "store_id", "terminal_id", "cashier_id", "latitude", "longitude")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_ID_FIELD_NUMBER: _ClassVar[int]
    CASHIER_ID_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    store_id: str
    terminal_id: str
    cashier_id: str
    latitude: str
    longitude: str
    def __init__(self, channel: _Optional[_Union[Channel, str]] = ..., store_id: _Optional[str] = ..., terminal_id: _Optional[str] = ..., cashier_id: _Optional[str] = ..., latitude: _Optional[str] = ..., longitude: _Optional[str] = ...) -> None: ...

class LineItem(_message.Message):
    __slots__ = ("sku", "category", "amount_minor", "quantity", "discounted")
    SKU_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTED_FIELD_NUMBER: _ClassVar[int]
    sku: str
    category: str
    amount_minor: int
    quantity: int
    discounted: bool
    def __init__(self, sku: _Optional[str] = ..., category: _Optional[str] = ..., amount_minor: _Optional[int] = ..., quantity: _Optional[int] = ..., discounted: _Optional[bool] = ...) -> None: ...

class Rates(_message.Message):
    __slots__ = ("earn_rate", "burn_value", "issue_price", "redemption_price", "effective_from")
    EARN_RATE_FIELD_NUMBER: _ClassVar[int]
    BURN_VALUE_FIELD_NUMBER: _ClassVar[int]
    ISSUE_PRICE_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_PRICE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    earn_rate: str
    burn_value: str
    issue_price: str
    redemption_price: str
    effective_from: _timestamp_pb2.Timestamp
    def __init__(self, earn_rate: _Optional[str] = ..., burn_value: _Optional[str] = ..., issue_price: _Optional[str] = ..., redemption_price: _Optional[str] = ..., effective_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
