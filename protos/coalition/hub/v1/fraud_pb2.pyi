import datetime

from coalition.hub.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MaskedIdentifier(_message.Message):
    __slots__ = ("kind", "masked")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MASKED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    masked: str
    def __init__(self, kind: _Optional[str] = ..., masked: _Optional[str] = ...) -> None: ...

class Verdict(_message.Message):
    __slots__ = ("rule", "decision", "score", "detail")
    RULE_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    rule: str
    decision: str
    score: int
    detail: str
    def __init__(self, rule: _Optional[str] = ..., decision: _Optional[str] = ..., score: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class Flag(_message.Message):
    __slots__ = ("flag_id", "raised_at", "partner_id", "member_id", "operation", "decision", "score", "verdicts", "points", "order_id", "transaction_id", "hold_id", "status", "resolved_at", "resolved_by", "note", "hold_status", "hold_expires_at", "member_identifiers", "purchase", "hold_expires_in_s")
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VERDICTS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    HOLD_STATUS_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_IN_S_FIELD_NUMBER: _ClassVar[int]
    flag_id: str
    raised_at: _timestamp_pb2.Timestamp
    partner_id: str
    member_id: str
    operation: str
    decision: str
    score: int
    verdicts: _containers.RepeatedCompositeFieldContainer[Verdict]
    points: int
    order_id: str
    transaction_id: str
    hold_id: str
    status: str
    resolved_at: _timestamp_pb2.Timestamp
    resolved_by: str
    note: str
    hold_status: str
    hold_expires_at: _timestamp_pb2.Timestamp
    member_identifiers: _containers.RepeatedCompositeFieldContainer[MaskedIdentifier]
    purchase: _common_pb2.Money
    hold_expires_in_s: int
    def __init__(self, flag_id: _Optional[str] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_id: _Optional[str] = ..., member_id: _Optional[str] = ..., operation: _Optional[str] = ..., decision: _Optional[str] = ..., score: _Optional[int] = ..., verdicts: _Optional[_Iterable[_Union[Verdict, _Mapping]]] = ..., points: _Optional[int] = ..., order_id: _Optional[str] = ..., transaction_id: _Optional[str] = ..., hold_id: _Optional[str] = ..., status: _Optional[str] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolved_by: _Optional[str] = ..., note: _Optional[str] = ..., hold_status: _Optional[str] = ..., hold_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., member_identifiers: _Optional[_Iterable[_Union[MaskedIdentifier, _Mapping]]] = ..., purchase: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., hold_expires_in_s: _Optional[int] = ...) -> None: ...

class ListFlagsRequest(_message.Message):
    __slots__ = ("status", "member_id", "page_size", "page_token", "expiring_within_s")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRING_WITHIN_S_FIELD_NUMBER: _ClassVar[int]
    status: str
    member_id: str
    page_size: int
    page_token: str
    expiring_within_s: int
    def __init__(self, status: _Optional[str] = ..., member_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., expiring_within_s: _Optional[int] = ...) -> None: ...

class ListFlagsResponse(_message.Message):
    __slots__ = ("flags", "next_page_token", "expiring", "as_of")
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRING_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    flags: _containers.RepeatedCompositeFieldContainer[Flag]
    next_page_token: str
    expiring: _containers.RepeatedCompositeFieldContainer[Flag]
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, flags: _Optional[_Iterable[_Union[Flag, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., expiring: _Optional[_Iterable[_Union[Flag, _Mapping]]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetFlagRequest(_message.Message):
    __slots__ = ("flag_id",)
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    flag_id: str
    def __init__(self, flag_id: _Optional[str] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class AccountTransaction(_message.Message):
    __slots__ = ("transaction_id", "kind", "created_at", "partner_id", "points", "order_id", "purchase", "point_of_sale", "related_id")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_FIELD_NUMBER: _ClassVar[int]
    POINT_OF_SALE_FIELD_NUMBER: _ClassVar[int]
    RELATED_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    kind: str
    created_at: _timestamp_pb2.Timestamp
    partner_id: str
    points: int
    order_id: str
    purchase: _common_pb2.Money
    point_of_sale: _common_pb2.PointOfSale
    related_id: str
    def __init__(self, transaction_id: _Optional[str] = ..., kind: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_id: _Optional[str] = ..., points: _Optional[int] = ..., order_id: _Optional[str] = ..., purchase: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., point_of_sale: _Optional[_Union[_common_pb2.PointOfSale, _Mapping]] = ..., related_id: _Optional[str] = ...) -> None: ...

class AccountLot(_message.Message):
    __slots__ = ("lot_id", "partner_id", "points", "remaining_points", "reserved_points", "status", "created_at", "available_at", "expires_at")
    LOT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REMAINING_POINTS_FIELD_NUMBER: _ClassVar[int]
    RESERVED_POINTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    lot_id: str
    partner_id: str
    points: int
    remaining_points: int
    reserved_points: int
    status: str
    created_at: _timestamp_pb2.Timestamp
    available_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, lot_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., points: _Optional[int] = ..., remaining_points: _Optional[int] = ..., reserved_points: _Optional[int] = ..., status: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., available_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AccountHold(_message.Message):
    __slots__ = ("hold_id", "partner_id", "status", "points", "order_id", "created_at", "expires_at")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    partner_id: str
    status: str
    points: int
    order_id: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, hold_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., status: _Optional[str] = ..., points: _Optional[int] = ..., order_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AccountIdentifier(_message.Message):
    __slots__ = ("kind",)
    KIND_FIELD_NUMBER: _ClassVar[int]
    kind: str
    def __init__(self, kind: _Optional[str] = ...) -> None: ...

class AnalystAction(_message.Message):
    __slots__ = ("action", "actor", "reason", "at", "flag_id", "hold_id", "transaction_id", "points")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    action: str
    actor: str
    reason: str
    at: _timestamp_pb2.Timestamp
    flag_id: str
    hold_id: str
    transaction_id: str
    points: int
    def __init__(self, action: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., flag_id: _Optional[str] = ..., hold_id: _Optional[str] = ..., transaction_id: _Optional[str] = ..., points: _Optional[int] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("member_id", "status", "enrolled_at", "enrolled_by", "tier", "available_points", "pending_points", "debt_points", "identifiers", "linked_member_ids", "transactions", "lots", "holds", "flags", "actions", "merged_into_member_id", "absorbed_member_ids")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_AT_FIELD_NUMBER: _ClassVar[int]
    ENROLLED_BY_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_POINTS_FIELD_NUMBER: _ClassVar[int]
    PENDING_POINTS_FIELD_NUMBER: _ClassVar[int]
    DEBT_POINTS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    LINKED_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    LOTS_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ABSORBED_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    status: str
    enrolled_at: _timestamp_pb2.Timestamp
    enrolled_by: str
    tier: str
    available_points: int
    pending_points: int
    debt_points: int
    identifiers: _containers.RepeatedCompositeFieldContainer[AccountIdentifier]
    linked_member_ids: _containers.RepeatedScalarFieldContainer[str]
    transactions: _containers.RepeatedCompositeFieldContainer[AccountTransaction]
    lots: _containers.RepeatedCompositeFieldContainer[AccountLot]
    holds: _containers.RepeatedCompositeFieldContainer[AccountHold]
    flags: _containers.RepeatedCompositeFieldContainer[Flag]
    actions: _containers.RepeatedCompositeFieldContainer[AnalystAction]
    merged_into_member_id: str
    absorbed_member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member_id: _Optional[str] = ..., status: _Optional[str] = ..., enrolled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., enrolled_by: _Optional[str] = ..., tier: _Optional[str] = ..., available_points: _Optional[int] = ..., pending_points: _Optional[int] = ..., debt_points: _Optional[int] = ..., identifiers: _Optional[_Iterable[_Union[AccountIdentifier, _Mapping]]] = ..., linked_member_ids: _Optional[_Iterable[str]] = ..., transactions: _Optional[_Iterable[_Union[AccountTransaction, _Mapping]]] = ..., lots: _Optional[_Iterable[_Union[AccountLot, _Mapping]]] = ..., holds: _Optional[_Iterable[_Union[AccountHold, _Mapping]]] = ..., flags: _Optional[_Iterable[_Union[Flag, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[AnalystAction, _Mapping]]] = ..., merged_into_member_id: _Optional[str] = ..., absorbed_member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class FreezeMemberRequest(_message.Message):
    __slots__ = ("member_id", "reason", "flag_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    reason: str
    flag_id: str
    def __init__(self, member_id: _Optional[str] = ..., reason: _Optional[str] = ..., flag_id: _Optional[str] = ...) -> None: ...

class UnfreezeMemberRequest(_message.Message):
    __slots__ = ("member_id", "reason", "flag_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    reason: str
    flag_id: str
    def __init__(self, member_id: _Optional[str] = ..., reason: _Optional[str] = ..., flag_id: _Optional[str] = ...) -> None: ...

class AccountStatus(_message.Message):
    __slots__ = ("member_id", "status")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    status: str
    def __init__(self, member_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class AnnulPointsRequest(_message.Message):
    __slots__ = ("idempotency_key", "member_id", "points", "reason", "flag_id", "operation_id")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    member_id: str
    points: int
    reason: str
    flag_id: str
    operation_id: str
    def __init__(self, idempotency_key: _Optional[str] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., reason: _Optional[str] = ..., flag_id: _Optional[str] = ..., operation_id: _Optional[str] = ...) -> None: ...

class Annulment(_message.Message):
    __slots__ = ("transaction_id", "member_id", "points", "points_by_partner", "created_at", "operation_id")
    class PointsByPartnerEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    POINTS_BY_PARTNER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    member_id: str
    points: int
    points_by_partner: _containers.ScalarMap[str, int]
    created_at: _timestamp_pb2.Timestamp
    operation_id: str
    def __init__(self, transaction_id: _Optional[str] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., points_by_partner: _Optional[_Mapping[str, int]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., operation_id: _Optional[str] = ...) -> None: ...

class ReviewHoldRequest(_message.Message):
    __slots__ = ("hold_id", "reason", "flag_id")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    reason: str
    flag_id: str
    def __init__(self, hold_id: _Optional[str] = ..., reason: _Optional[str] = ..., flag_id: _Optional[str] = ...) -> None: ...

class ReviewedHold(_message.Message):
    __slots__ = ("hold_id", "member_id", "partner_id", "status", "points", "expires_at")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    member_id: str
    partner_id: str
    status: str
    points: int
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, hold_id: _Optional[str] = ..., member_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., status: _Optional[str] = ..., points: _Optional[int] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResolveFlagRequest(_message.Message):
    __slots__ = ("flag_id", "resolution", "note")
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    flag_id: str
    resolution: str
    note: str
    def __init__(self, flag_id: _Optional[str] = ..., resolution: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class GetReportRequest(_message.Message):
    __slots__ = ("date", "days", "days_ago")
    DATE_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    DAYS_AGO_FIELD_NUMBER: _ClassVar[int]
    date: str
    days: int
    days_ago: int
    def __init__(self, date: _Optional[str] = ..., days: _Optional[int] = ..., days_ago: _Optional[int] = ...) -> None: ...

class ReportRow(_message.Message):
    __slots__ = ("date", "partner_id", "rule", "raised", "confirmed", "false_positives", "open", "points_annulled")
    DATE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    RAISED_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    FALSE_POSITIVES_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    POINTS_ANNULLED_FIELD_NUMBER: _ClassVar[int]
    date: str
    partner_id: str
    rule: str
    raised: int
    confirmed: int
    false_positives: int
    open: int
    points_annulled: int
    def __init__(self, date: _Optional[str] = ..., partner_id: _Optional[str] = ..., rule: _Optional[str] = ..., raised: _Optional[int] = ..., confirmed: _Optional[int] = ..., false_positives: _Optional[int] = ..., open: _Optional[int] = ..., points_annulled: _Optional[int] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[ReportRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[ReportRow, _Mapping]]] = ...) -> None: ...

class ListFlagGroupsRequest(_message.Message):
    __slots__ = ("by", "page_size")
    BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    by: str
    page_size: int
    def __init__(self, by: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class FlagGroup(_message.Message):
    __slots__ = ("member_id", "rule", "open_flags", "score_max", "newest_raised_at", "oldest_raised_at", "partner_ids", "points", "hold_expires_at", "member_identifiers", "hold_expires_in_s")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    OPEN_FLAGS_FIELD_NUMBER: _ClassVar[int]
    SCORE_MAX_FIELD_NUMBER: _ClassVar[int]
    NEWEST_RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    OLDEST_RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    PARTNER_IDS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_IN_S_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    rule: str
    open_flags: int
    score_max: int
    newest_raised_at: _timestamp_pb2.Timestamp
    oldest_raised_at: _timestamp_pb2.Timestamp
    partner_ids: _containers.RepeatedScalarFieldContainer[str]
    points: int
    hold_expires_at: _timestamp_pb2.Timestamp
    member_identifiers: _containers.RepeatedCompositeFieldContainer[MaskedIdentifier]
    hold_expires_in_s: int
    def __init__(self, member_id: _Optional[str] = ..., rule: _Optional[str] = ..., open_flags: _Optional[int] = ..., score_max: _Optional[int] = ..., newest_raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., oldest_raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., partner_ids: _Optional[_Iterable[str]] = ..., points: _Optional[int] = ..., hold_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., member_identifiers: _Optional[_Iterable[_Union[MaskedIdentifier, _Mapping]]] = ..., hold_expires_in_s: _Optional[int] = ...) -> None: ...

class ListFlagGroupsResponse(_message.Message):
    __slots__ = ("groups", "truncated")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[FlagGroup]
    truncated: bool
    def __init__(self, groups: _Optional[_Iterable[_Union[FlagGroup, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class ResolveFlagsRequest(_message.Message):
    __slots__ = ("member_id", "rule", "resolution", "note", "raised_until")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RAISED_UNTIL_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    rule: str
    resolution: str
    note: str
    raised_until: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., rule: _Optional[str] = ..., resolution: _Optional[str] = ..., note: _Optional[str] = ..., raised_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResolveFlagsResponse(_message.Message):
    __slots__ = ("resolved", "flag_ids", "more")
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    FLAG_IDS_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    resolved: int
    flag_ids: _containers.RepeatedScalarFieldContainer[str]
    more: bool
    def __init__(self, resolved: _Optional[int] = ..., flag_ids: _Optional[_Iterable[str]] = ..., more: _Optional[bool] = ...) -> None: ...

class GetMemberTimelineRequest(_message.Message):
    __slots__ = ("member_id", "page_size", "page_token")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    page_size: int
    page_token: str
    def __init__(self, member_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("at", "transaction", "lot", "hold", "flag", "action")
    AT_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    transaction: AccountTransaction
    lot: AccountLot
    hold: AccountHold
    flag: Flag
    action: AnalystAction
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., transaction: _Optional[_Union[AccountTransaction, _Mapping]] = ..., lot: _Optional[_Union[AccountLot, _Mapping]] = ..., hold: _Optional[_Union[AccountHold, _Mapping]] = ..., flag: _Optional[_Union[Flag, _Mapping]] = ..., action: _Optional[_Union[AnalystAction, _Mapping]] = ...) -> None: ...

class GetMemberTimelineResponse(_message.Message):
    __slots__ = ("member_id", "status", "identifiers", "entries", "next_page_token")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    status: str
    identifiers: _containers.RepeatedCompositeFieldContainer[MaskedIdentifier]
    entries: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    next_page_token: str
    def __init__(self, member_id: _Optional[str] = ..., status: _Optional[str] = ..., identifiers: _Optional[_Iterable[_Union[MaskedIdentifier, _Mapping]]] = ..., entries: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
