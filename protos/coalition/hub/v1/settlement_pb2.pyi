import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SettlementDayState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SETTLEMENT_DAY_STATE_UNSPECIFIED: _ClassVar[SettlementDayState]
    SETTLEMENT_DAY_STATE_NOT_RUN: _ClassVar[SettlementDayState]
    SETTLEMENT_DAY_STATE_RAN: _ClassVar[SettlementDayState]
    SETTLEMENT_DAY_STATE_RECONCILED: _ClassVar[SettlementDayState]
    SETTLEMENT_DAY_STATE_APPROVED: _ClassVar[SettlementDayState]
SETTLEMENT_DAY_STATE_UNSPECIFIED: SettlementDayState
SETTLEMENT_DAY_STATE_NOT_RUN: SettlementDayState
SETTLEMENT_DAY_STATE_RAN: SettlementDayState
SETTLEMENT_DAY_STATE_RECONCILED: SettlementDayState
SETTLEMENT_DAY_STATE_APPROVED: SettlementDayState

class RunSettlementRequest(_message.Message):
    __slots__ = ("business_date",)
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    def __init__(self, business_date: _Optional[str] = ...) -> None: ...

class GetSettlementRequest(_message.Message):
    __slots__ = ("business_date",)
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    def __init__(self, business_date: _Optional[str] = ...) -> None: ...

class PartnerPosition(_message.Message):
    __slots__ = ("partner_id", "issued_partner_funded_points", "issued_coalition_funded_points", "issued_value_minor", "redeemed_points", "redeemed_value_minor", "net_position_minor", "expired_points", "annulled_points")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUED_PARTNER_FUNDED_POINTS_FIELD_NUMBER: _ClassVar[int]
    ISSUED_COALITION_FUNDED_POINTS_FIELD_NUMBER: _ClassVar[int]
    ISSUED_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    REDEEMED_POINTS_FIELD_NUMBER: _ClassVar[int]
    REDEEMED_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    NET_POSITION_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_POINTS_FIELD_NUMBER: _ClassVar[int]
    ANNULLED_POINTS_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    issued_partner_funded_points: int
    issued_coalition_funded_points: int
    issued_value_minor: int
    redeemed_points: int
    redeemed_value_minor: int
    net_position_minor: int
    expired_points: int
    annulled_points: int
    def __init__(self, partner_id: _Optional[str] = ..., issued_partner_funded_points: _Optional[int] = ..., issued_coalition_funded_points: _Optional[int] = ..., issued_value_minor: _Optional[int] = ..., redeemed_points: _Optional[int] = ..., redeemed_value_minor: _Optional[int] = ..., net_position_minor: _Optional[int] = ..., expired_points: _Optional[int] = ..., annulled_points: _Optional[int] = ...) -> None: ...

class MatrixCell(_message.Message):
    __slots__ = ("issuer_id", "redeemer_id", "points", "redemption_value_minor", "issue_value_minor")
    ISSUER_ID_FIELD_NUMBER: _ClassVar[int]
    REDEEMER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REDEMPTION_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    ISSUE_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    issuer_id: str
    redeemer_id: str
    points: int
    redemption_value_minor: int
    issue_value_minor: int
    def __init__(self, issuer_id: _Optional[str] = ..., redeemer_id: _Optional[str] = ..., points: _Optional[int] = ..., redemption_value_minor: _Optional[int] = ..., issue_value_minor: _Optional[int] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("from_account", "to_account", "amount_minor")
    FROM_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    TO_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    from_account: str
    to_account: str
    amount_minor: int
    def __init__(self, from_account: _Optional[str] = ..., to_account: _Optional[str] = ..., amount_minor: _Optional[int] = ...) -> None: ...

class SettlementRun(_message.Message):
    __slots__ = ("business_date", "status", "window_start", "window_end", "currency", "run_at", "run_by", "approved_at", "approved_by", "positions", "matrix", "transfers", "margin_minor", "breakage_points", "breakage_value_minor", "open_exceptions", "summary_json", "summary_signature", "signing_key_id", "run_by_actor", "approved_by_actor", "approval_note", "unreported_partners", "transaction_count", "run_duration")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RUN_AT_FIELD_NUMBER: _ClassVar[int]
    RUN_BY_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AT_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    MATRIX_FIELD_NUMBER: _ClassVar[int]
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    MARGIN_MINOR_FIELD_NUMBER: _ClassVar[int]
    BREAKAGE_POINTS_FIELD_NUMBER: _ClassVar[int]
    BREAKAGE_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_JSON_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_BY_ACTOR_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_ACTOR_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_NOTE_FIELD_NUMBER: _ClassVar[int]
    UNREPORTED_PARTNERS_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    RUN_DURATION_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    status: str
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    currency: str
    run_at: _timestamp_pb2.Timestamp
    run_by: str
    approved_at: _timestamp_pb2.Timestamp
    approved_by: str
    positions: _containers.RepeatedCompositeFieldContainer[PartnerPosition]
    matrix: _containers.RepeatedCompositeFieldContainer[MatrixCell]
    transfers: _containers.RepeatedCompositeFieldContainer[Transfer]
    margin_minor: int
    breakage_points: int
    breakage_value_minor: int
    open_exceptions: int
    summary_json: bytes
    summary_signature: bytes
    signing_key_id: str
    run_by_actor: Actor
    approved_by_actor: Actor
    approval_note: str
    unreported_partners: _containers.RepeatedScalarFieldContainer[str]
    transaction_count: int
    run_duration: _duration_pb2.Duration
    def __init__(self, business_date: _Optional[str] = ..., status: _Optional[str] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., currency: _Optional[str] = ..., run_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., run_by: _Optional[str] = ..., approved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approved_by: _Optional[str] = ..., positions: _Optional[_Iterable[_Union[PartnerPosition, _Mapping]]] = ..., matrix: _Optional[_Iterable[_Union[MatrixCell, _Mapping]]] = ..., transfers: _Optional[_Iterable[_Union[Transfer, _Mapping]]] = ..., margin_minor: _Optional[int] = ..., breakage_points: _Optional[int] = ..., breakage_value_minor: _Optional[int] = ..., open_exceptions: _Optional[int] = ..., summary_json: _Optional[bytes] = ..., summary_signature: _Optional[bytes] = ..., signing_key_id: _Optional[str] = ..., run_by_actor: _Optional[_Union[Actor, _Mapping]] = ..., approved_by_actor: _Optional[_Union[Actor, _Mapping]] = ..., approval_note: _Optional[str] = ..., unreported_partners: _Optional[_Iterable[str]] = ..., transaction_count: _Optional[int] = ..., run_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("uri", "person", "role")
    URI_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    uri: str
    person: str
    role: str
    def __init__(self, uri: _Optional[str] = ..., person: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class GetStatementRequest(_message.Message):
    __slots__ = ("business_date", "partner_id")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    partner_id: str
    def __init__(self, business_date: _Optional[str] = ..., partner_id: _Optional[str] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("partner_id", "business_date", "json", "json_signature", "csv", "csv_signature", "signing_key_id")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    JSON_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    CSV_FIELD_NUMBER: _ClassVar[int]
    CSV_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    business_date: str
    json: bytes
    json_signature: bytes
    csv: bytes
    csv_signature: bytes
    signing_key_id: str
    def __init__(self, partner_id: _Optional[str] = ..., business_date: _Optional[str] = ..., json: _Optional[bytes] = ..., json_signature: _Optional[bytes] = ..., csv: _Optional[bytes] = ..., csv_signature: _Optional[bytes] = ..., signing_key_id: _Optional[str] = ...) -> None: ...

class ImportReportRequest(_message.Message):
    __slots__ = ("business_date", "partner_id", "report_csv")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_CSV_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    partner_id: str
    report_csv: bytes
    def __init__(self, business_date: _Optional[str] = ..., partner_id: _Optional[str] = ..., report_csv: _Optional[bytes] = ...) -> None: ...

class SubmitReportRequest(_message.Message):
    __slots__ = ("business_date", "report_csv")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    REPORT_CSV_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    report_csv: bytes
    def __init__(self, business_date: _Optional[str] = ..., report_csv: _Optional[bytes] = ...) -> None: ...

class ReconciliationException(_message.Message):
    __slots__ = ("exception_id", "business_date", "partner_id", "kind", "item_kind", "transaction_id", "order_id", "hub_points", "partner_points", "report_line", "status", "accepted_by", "accepted_at", "note", "accepted_by_actor")
    EXCEPTION_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ITEM_KIND_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    HUB_POINTS_FIELD_NUMBER: _ClassVar[int]
    PARTNER_POINTS_FIELD_NUMBER: _ClassVar[int]
    REPORT_LINE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_BY_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_BY_ACTOR_FIELD_NUMBER: _ClassVar[int]
    exception_id: str
    business_date: str
    partner_id: str
    kind: str
    item_kind: str
    transaction_id: str
    order_id: str
    hub_points: int
    partner_points: int
    report_line: int
    status: str
    accepted_by: str
    accepted_at: _timestamp_pb2.Timestamp
    note: str
    accepted_by_actor: Actor
    def __init__(self, exception_id: _Optional[str] = ..., business_date: _Optional[str] = ..., partner_id: _Optional[str] = ..., kind: _Optional[str] = ..., item_kind: _Optional[str] = ..., transaction_id: _Optional[str] = ..., order_id: _Optional[str] = ..., hub_points: _Optional[int] = ..., partner_points: _Optional[int] = ..., report_line: _Optional[int] = ..., status: _Optional[str] = ..., accepted_by: _Optional[str] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., accepted_by_actor: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class Reconciliation(_message.Message):
    __slots__ = ("business_date", "partner_id", "matched", "missing_at_hub", "missing_at_partner", "amount_mismatches", "exceptions", "exceptions_total", "next_page_token")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    MISSING_AT_HUB_FIELD_NUMBER: _ClassVar[int]
    MISSING_AT_PARTNER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MISMATCHES_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    partner_id: str
    matched: int
    missing_at_hub: int
    missing_at_partner: int
    amount_mismatches: int
    exceptions: _containers.RepeatedCompositeFieldContainer[ReconciliationException]
    exceptions_total: int
    next_page_token: str
    def __init__(self, business_date: _Optional[str] = ..., partner_id: _Optional[str] = ..., matched: _Optional[int] = ..., missing_at_hub: _Optional[int] = ..., missing_at_partner: _Optional[int] = ..., amount_mismatches: _Optional[int] = ..., exceptions: _Optional[_Iterable[_Union[ReconciliationException, _Mapping]]] = ..., exceptions_total: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListExceptionsRequest(_message.Message):
    __slots__ = ("business_date", "partner_id", "include_accepted", "page_size", "page_token", "kind")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    partner_id: str
    include_accepted: bool
    page_size: int
    page_token: str
    kind: str
    def __init__(self, business_date: _Optional[str] = ..., partner_id: _Optional[str] = ..., include_accepted: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class ListReportExceptionsRequest(_message.Message):
    __slots__ = ("business_date", "include_accepted", "page_size", "page_token")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    include_accepted: bool
    page_size: int
    page_token: str
    def __init__(self, business_date: _Optional[str] = ..., include_accepted: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListExceptionsResponse(_message.Message):
    __slots__ = ("exceptions", "total", "next_page_token", "missing_at_hub", "missing_at_partner", "amount_mismatches")
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MISSING_AT_HUB_FIELD_NUMBER: _ClassVar[int]
    MISSING_AT_PARTNER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MISMATCHES_FIELD_NUMBER: _ClassVar[int]
    exceptions: _containers.RepeatedCompositeFieldContainer[ReconciliationException]
    total: int
    next_page_token: str
    missing_at_hub: int
    missing_at_partner: int
    amount_mismatches: int
    def __init__(self, exceptions: _Optional[_Iterable[_Union[ReconciliationException, _Mapping]]] = ..., total: _Optional[int] = ..., next_page_token: _Optional[str] = ..., missing_at_hub: _Optional[int] = ..., missing_at_partner: _Optional[int] = ..., amount_mismatches: _Optional[int] = ...) -> None: ...

class AcceptExceptionRequest(_message.Message):
    __slots__ = ("exception_id", "note")
    EXCEPTION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    exception_id: str
    note: str
    def __init__(self, exception_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class AcceptExceptionsRequest(_message.Message):
    __slots__ = ("business_date", "partner_id", "kind", "note")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    partner_id: str
    kind: str
    note: str
    def __init__(self, business_date: _Optional[str] = ..., partner_id: _Optional[str] = ..., kind: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class AcceptExceptionsResponse(_message.Message):
    __slots__ = ("accepted", "accepted_by")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_BY_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    accepted_by: Actor
    def __init__(self, accepted: _Optional[int] = ..., accepted_by: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class ApproveSettlementRequest(_message.Message):
    __slots__ = ("business_date", "note")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    note: str
    def __init__(self, business_date: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class GetLiabilitiesRequest(_message.Message):
    __slots__ = ("business_date",)
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    def __init__(self, business_date: _Optional[str] = ...) -> None: ...

class Liability(_message.Message):
    __slots__ = ("issuer_id", "points", "value_minor")
    ISSUER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    issuer_id: str
    points: int
    value_minor: int
    def __init__(self, issuer_id: _Optional[str] = ..., points: _Optional[int] = ..., value_minor: _Optional[int] = ...) -> None: ...

class Liabilities(_message.Message):
    __slots__ = ("business_date", "currency", "liabilities")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    LIABILITIES_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    currency: str
    liabilities: _containers.RepeatedCompositeFieldContainer[Liability]
    def __init__(self, business_date: _Optional[str] = ..., currency: _Optional[str] = ..., liabilities: _Optional[_Iterable[_Union[Liability, _Mapping]]] = ...) -> None: ...

class GetSigningKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SigningKey(_message.Message):
    __slots__ = ("key_id", "public_key_pem")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    public_key_pem: bytes
    def __init__(self, key_id: _Optional[str] = ..., public_key_pem: _Optional[bytes] = ...) -> None: ...

class ListSettlementDaysRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSettlementDaysResponse(_message.Message):
    __slots__ = ("days", "total", "next_page_token")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[SettlementDay]
    total: int
    next_page_token: str
    def __init__(self, days: _Optional[_Iterable[_Union[SettlementDay, _Mapping]]] = ..., total: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SettlementDay(_message.Message):
    __slots__ = ("business_date", "state", "run_by", "run_at", "approved_by", "approved_at", "approval_note", "open_exceptions", "accepted_exceptions", "partners", "acceptances", "run_duration")
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RUN_BY_FIELD_NUMBER: _ClassVar[int]
    RUN_AT_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AT_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_NOTE_FIELD_NUMBER: _ClassVar[int]
    OPEN_EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTANCES_FIELD_NUMBER: _ClassVar[int]
    RUN_DURATION_FIELD_NUMBER: _ClassVar[int]
    business_date: str
    state: SettlementDayState
    run_by: Actor
    run_at: _timestamp_pb2.Timestamp
    approved_by: Actor
    approved_at: _timestamp_pb2.Timestamp
    approval_note: str
    open_exceptions: int
    accepted_exceptions: int
    partners: _containers.RepeatedCompositeFieldContainer[PartnerReconciliation]
    acceptances: _containers.RepeatedCompositeFieldContainer[Acceptance]
    run_duration: _duration_pb2.Duration
    def __init__(self, business_date: _Optional[str] = ..., state: _Optional[_Union[SettlementDayState, str]] = ..., run_by: _Optional[_Union[Actor, _Mapping]] = ..., run_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approved_by: _Optional[_Union[Actor, _Mapping]] = ..., approved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approval_note: _Optional[str] = ..., open_exceptions: _Optional[int] = ..., accepted_exceptions: _Optional[int] = ..., partners: _Optional[_Iterable[_Union[PartnerReconciliation, _Mapping]]] = ..., acceptances: _Optional[_Iterable[_Union[Acceptance, _Mapping]]] = ..., run_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class PartnerReconciliation(_message.Message):
    __slots__ = ("partner_id", "reported", "submitted_by", "submitted_at", "report_lines", "matched", "open_exceptions", "accepted_exceptions")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTED_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    REPORT_LINES_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    OPEN_EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    reported: bool
    submitted_by: Actor
    submitted_at: _timestamp_pb2.Timestamp
    report_lines: int
    matched: int
    open_exceptions: int
    accepted_exceptions: int
    def __init__(self, partner_id: _Optional[str] = ..., reported: _Optional[bool] = ..., submitted_by: _Optional[_Union[Actor, _Mapping]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., report_lines: _Optional[int] = ..., matched: _Optional[int] = ..., open_exceptions: _Optional[int] = ..., accepted_exceptions: _Optional[int] = ...) -> None: ...

class Acceptance(_message.Message):
    __slots__ = ("accepted_by", "exceptions", "last_accepted_at")
    ACCEPTED_BY_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    accepted_by: Actor
    exceptions: int
    last_accepted_at: _timestamp_pb2.Timestamp
    def __init__(self, accepted_by: _Optional[_Union[Actor, _Mapping]] = ..., exceptions: _Optional[int] = ..., last_accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
