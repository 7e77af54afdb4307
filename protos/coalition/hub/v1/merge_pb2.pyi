import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MergeMembersRequest(_message.Message):
    __slots__ = ("survivor_member_id", "absorbed_member_id", "reason")
    SURVIVOR_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ABSORBED_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    survivor_member_id: str
    absorbed_member_id: str
    reason: str
    def __init__(self, survivor_member_id: _Optional[str] = ..., absorbed_member_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class MergeMembersResponse(_message.Message):
    __slots__ = ("merge_id", "survivor_member_id", "absorbed_member_id", "transaction_id", "points", "debt_points", "debt_paid_points", "identifiers", "merged_at")
    MERGE_ID_FIELD_NUMBER: _ClassVar[int]
    SURVIVOR_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ABSORBED_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    DEBT_POINTS_FIELD_NUMBER: _ClassVar[int]
    DEBT_PAID_POINTS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    MERGED_AT_FIELD_NUMBER: _ClassVar[int]
    merge_id: str
    survivor_member_id: str
    absorbed_member_id: str
    transaction_id: str
    points: int
    debt_points: int
    debt_paid_points: int
    identifiers: int
    merged_at: _timestamp_pb2.Timestamp
    def __init__(self, merge_id: _Optional[str] = ..., survivor_member_id: _Optional[str] = ..., absorbed_member_id: _Optional[str] = ..., transaction_id: _Optional[str] = ..., points: _Optional[int] = ..., debt_points: _Optional[int] = ..., debt_paid_points: _Optional[int] = ..., identifiers: _Optional[int] = ..., merged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UnmergeMembersRequest(_message.Message):
    __slots__ = ("survivor_member_id", "absorbed_member_id", "reason")
    SURVIVOR_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ABSORBED_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    survivor_member_id: str
    absorbed_member_id: str
    reason: str
    def __init__(self, survivor_member_id: _Optional[str] = ..., absorbed_member_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class UnmergeMembersResponse(_message.Message):
    __slots__ = ("merge_id", "survivor_member_id", "absorbed_member_id", "transaction_id", "points", "points_not_returned", "debt_points", "identifiers", "unmerged_at")
    MERGE_ID_FIELD_NUMBER: _ClassVar[int]
    SURVIVOR_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ABSORBED_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    POINTS_NOT_RETURNED_FIELD_NUMBER: _ClassVar[int]
    DEBT_POINTS_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    UNMERGED_AT_FIELD_NUMBER: _ClassVar[int]
    merge_id: str
    survivor_member_id: str
    absorbed_member_id: str
    transaction_id: str
    points: int
    points_not_returned: int
    debt_points: int
    identifiers: int
    unmerged_at: _timestamp_pb2.Timestamp
    def __init__(self, merge_id: _Optional[str] = ..., survivor_member_id: _Optional[str] = ..., absorbed_member_id: _Optional[str] = ..., transaction_id: _Optional[str] = ..., points: _Optional[int] = ..., points_not_returned: _Optional[int] = ..., debt_points: _Optional[int] = ..., identifiers: _Optional[int] = ..., unmerged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
