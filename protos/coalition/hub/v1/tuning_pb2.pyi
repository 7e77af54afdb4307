import datetime

from coalition.hub.v1 import rules_pb2 as _rules_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PreviewThresholdsRequest(_message.Message):
    __slots__ = ("thresholds", "days", "settings", "partner_id")
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    thresholds: _rules_pb2.FraudThresholds
    days: int
    settings: _containers.RepeatedCompositeFieldContainer[FraudSetting]
    partner_id: str
    def __init__(self, thresholds: _Optional[_Union[_rules_pb2.FraudThresholds, _Mapping]] = ..., days: _Optional[int] = ..., settings: _Optional[_Iterable[_Union[FraudSetting, _Mapping]]] = ..., partner_id: _Optional[str] = ...) -> None: ...

class FraudSetting(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class PreviewThresholdsResponse(_message.Message):
    __slots__ = ("partner_id", "days", "since", "operations_examined", "operations_max", "truncated", "current", "proposed", "rules", "current_flagged_operations", "proposed_flagged_operations", "current_declined_operations", "proposed_declined_operations")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_EXAMINED_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_MAX_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FLAGGED_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FLAGGED_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_DECLINED_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_DECLINED_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    days: int
    since: _timestamp_pb2.Timestamp
    operations_examined: int
    operations_max: int
    truncated: bool
    current: _rules_pb2.FraudThresholds
    proposed: _rules_pb2.FraudThresholds
    rules: _containers.RepeatedCompositeFieldContainer[RulePreview]
    current_flagged_operations: int
    proposed_flagged_operations: int
    current_declined_operations: int
    proposed_declined_operations: int
    def __init__(self, partner_id: _Optional[str] = ..., days: _Optional[int] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., operations_examined: _Optional[int] = ..., operations_max: _Optional[int] = ..., truncated: _Optional[bool] = ..., current: _Optional[_Union[_rules_pb2.FraudThresholds, _Mapping]] = ..., proposed: _Optional[_Union[_rules_pb2.FraudThresholds, _Mapping]] = ..., rules: _Optional[_Iterable[_Union[RulePreview, _Mapping]]] = ..., current_flagged_operations: _Optional[int] = ..., proposed_flagged_operations: _Optional[int] = ..., current_declined_operations: _Optional[int] = ..., proposed_declined_operations: _Optional[int] = ...) -> None: ...

class RulePreview(_message.Message):
    __slots__ = ("rule", "replayed", "current_flags", "current_declines", "proposed_flags", "proposed_declines", "raised_flags", "note")
    RULE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FLAGS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_DECLINES_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FLAGS_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_DECLINES_FIELD_NUMBER: _ClassVar[int]
    RAISED_FLAGS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    rule: str
    replayed: bool
    current_flags: int
    current_declines: int
    proposed_flags: int
    proposed_declines: int
    raised_flags: int
    note: str
    def __init__(self, rule: _Optional[str] = ..., replayed: _Optional[bool] = ..., current_flags: _Optional[int] = ..., current_declines: _Optional[int] = ..., proposed_flags: _Optional[int] = ..., proposed_declines: _Optional[int] = ..., raised_flags: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...
