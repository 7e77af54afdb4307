import datetime

from coalition.hub.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GoodwillStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GOODWILL_STATUS_UNSPECIFIED: _ClassVar[GoodwillStatus]
    GOODWILL_STATUS_PENDING: _ClassVar[GoodwillStatus]
    GOODWILL_STATUS_POSTED: _ClassVar[GoodwillStatus]
    GOODWILL_STATUS_REJECTED: _ClassVar[GoodwillStatus]
GOODWILL_STATUS_UNSPECIFIED: GoodwillStatus
GOODWILL_STATUS_PENDING: GoodwillStatus
GOODWILL_STATUS_POSTED: GoodwillStatus
GOODWILL_STATUS_REJECTED: GoodwillStatus

class RequestCreditRequest(_message.Message):
    __slots__ = ("idempotency_key", "member_id", "points", "funder", "partner_id", "reason")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    FUNDER_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    member_id: str
    points: int
    funder: _common_pb2.Funder
    partner_id: str
    reason: str
    def __init__(self, idempotency_key: _Optional[str] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., funder: _Optional[_Union[_common_pb2.Funder, str]] = ..., partner_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RequestCreditResponse(_message.Message):
    __slots__ = ("credit",)
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    credit: GoodwillCredit
    def __init__(self, credit: _Optional[_Union[GoodwillCredit, _Mapping]] = ...) -> None: ...

class ApproveCreditRequest(_message.Message):
    __slots__ = ("credit_id", "reason")
    CREDIT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    credit_id: str
    reason: str
    def __init__(self, credit_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ApproveCreditResponse(_message.Message):
    __slots__ = ("credit",)
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    credit: GoodwillCredit
    def __init__(self, credit: _Optional[_Union[GoodwillCredit, _Mapping]] = ...) -> None: ...

class RejectCreditRequest(_message.Message):
    __slots__ = ("credit_id", "reason")
    CREDIT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    credit_id: str
    reason: str
    def __init__(self, credit_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RejectCreditResponse(_message.Message):
    __slots__ = ("credit",)
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    credit: GoodwillCredit
    def __init__(self, credit: _Optional[_Union[GoodwillCredit, _Mapping]] = ...) -> None: ...

class ListCreditsRequest(_message.Message):
    __slots__ = ("status", "member_id", "limit")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    status: GoodwillStatus
    member_id: str
    limit: int
    def __init__(self, status: _Optional[_Union[GoodwillStatus, str]] = ..., member_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListCreditsResponse(_message.Message):
    __slots__ = ("credits",)
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    credits: _containers.RepeatedCompositeFieldContainer[GoodwillCredit]
    def __init__(self, credits: _Optional[_Iterable[_Union[GoodwillCredit, _Mapping]]] = ...) -> None: ...

class GoodwillCredit(_message.Message):
    __slots__ = ("credit_id", "member_id", "points", "funder", "partner_id", "reason", "status", "requested_by", "requested_at", "decided_by", "decided_at", "decision_note", "transaction_id")
    CREDIT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    FUNDER_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECISION_NOTE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    credit_id: str
    member_id: str
    points: int
    funder: _common_pb2.Funder
    partner_id: str
    reason: str
    status: GoodwillStatus
    requested_by: str
    requested_at: _timestamp_pb2.Timestamp
    decided_by: str
    decided_at: _timestamp_pb2.Timestamp
    decision_note: str
    transaction_id: str
    def __init__(self, credit_id: _Optional[str] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., funder: _Optional[_Union[_common_pb2.Funder, str]] = ..., partner_id: _Optional[str] = ..., reason: _Optional[str] = ..., status: _Optional[_Union[GoodwillStatus, str]] = ..., requested_by: _Optional[str] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_by: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decision_note: _Optional[str] = ..., transaction_id: _Optional[str] = ...) -> None: ...
