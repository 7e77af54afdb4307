import datetime

from coalition.hub.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BurnRules(_message.Message):
    __slots__ = ("min_points", "max_share", "min_cash_minor", "excluded_categories", "category_shares")
    MIN_POINTS_FIELD_NUMBER: _ClassVar[int]
    MAX_SHARE_FIELD_NUMBER: _ClassVar[int]
    MIN_CASH_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_SHARES_FIELD_NUMBER: _ClassVar[int]
    min_points: int
    max_share: str
    min_cash_minor: int
    excluded_categories: _containers.RepeatedScalarFieldContainer[str]
    category_shares: _containers.RepeatedCompositeFieldContainer[CategoryShare]
    def __init__(self, min_points: _Optional[int] = ..., max_share: _Optional[str] = ..., min_cash_minor: _Optional[int] = ..., excluded_categories: _Optional[_Iterable[str]] = ..., category_shares: _Optional[_Iterable[_Union[CategoryShare, _Mapping]]] = ...) -> None: ...

class CategoryShare(_message.Message):
    __slots__ = ("category", "max_share")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    MAX_SHARE_FIELD_NUMBER: _ClassVar[int]
    category: str
    max_share: str
    def __init__(self, category: _Optional[str] = ..., max_share: _Optional[str] = ...) -> None: ...

class Partner(_message.Message):
    __slots__ = ("partner_id", "name", "currency", "rounding", "pending_period_s", "expiry", "status", "hold_ttl_s", "burn_rules", "rate_limit_per_s", "current_rates", "rate_versions", "issued_points", "earn_rounding", "phone_region", "offline_window_s")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    PENDING_PERIOD_S_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HOLD_TTL_S_FIELD_NUMBER: _ClassVar[int]
    BURN_RULES_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_PER_S_FIELD_NUMBER: _ClassVar[int]
    CURRENT_RATES_FIELD_NUMBER: _ClassVar[int]
    RATE_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    ISSUED_POINTS_FIELD_NUMBER: _ClassVar[int]
    EARN_ROUNDING_FIELD_NUMBER: _ClassVar[int]
    PHONE_REGION_FIELD_NUMBER: _ClassVar[int]
    OFFLINE_WINDOW_S_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    name: str
    currency: str
    rounding: str
    pending_period_s: int
    expiry: str
    status: str
    hold_ttl_s: int
    burn_rules: BurnRules
    rate_limit_per_s: int
    current_rates: _common_pb2.Rates
    rate_versions: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rates]
    issued_points: int
    earn_rounding: str
    phone_region: str
    offline_window_s: int
    def __init__(self, partner_id: _Optional[str] = ..., name: _Optional[str] = ..., currency: _Optional[str] = ..., rounding: _Optional[str] = ..., pending_period_s: _Optional[int] = ..., expiry: _Optional[str] = ..., status: _Optional[str] = ..., hold_ttl_s: _Optional[int] = ..., burn_rules: _Optional[_Union[BurnRules, _Mapping]] = ..., rate_limit_per_s: _Optional[int] = ..., current_rates: _Optional[_Union[_common_pb2.Rates, _Mapping]] = ..., rate_versions: _Optional[_Iterable[_Union[_common_pb2.Rates, _Mapping]]] = ..., issued_points: _Optional[int] = ..., earn_rounding: _Optional[str] = ..., phone_region: _Optional[str] = ..., offline_window_s: _Optional[int] = ...) -> None: ...

class AddPartnerRequest(_message.Message):
    __slots__ = ("partner_id", "name", "currency", "rates", "rounding", "pending_period_s", "expiry", "hold_ttl_s", "burn_rules", "reason", "earn_rounding", "phone_region", "offline_window_s")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    PENDING_PERIOD_S_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    HOLD_TTL_S_FIELD_NUMBER: _ClassVar[int]
    BURN_RULES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EARN_ROUNDING_FIELD_NUMBER: _ClassVar[int]
    PHONE_REGION_FIELD_NUMBER: _ClassVar[int]
    OFFLINE_WINDOW_S_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    name: str
    currency: str
    rates: _common_pb2.Rates
    rounding: str
    pending_period_s: int
    expiry: str
    hold_ttl_s: int
    burn_rules: BurnRules
    reason: str
    earn_rounding: str
    phone_region: str
    offline_window_s: int
    def __init__(self, partner_id: _Optional[str] = ..., name: _Optional[str] = ..., currency: _Optional[str] = ..., rates: _Optional[_Union[_common_pb2.Rates, _Mapping]] = ..., rounding: _Optional[str] = ..., pending_period_s: _Optional[int] = ..., expiry: _Optional[str] = ..., hold_ttl_s: _Optional[int] = ..., burn_rules: _Optional[_Union[BurnRules, _Mapping]] = ..., reason: _Optional[str] = ..., earn_rounding: _Optional[str] = ..., phone_region: _Optional[str] = ..., offline_window_s: _Optional[int] = ...) -> None: ...

class GetPartnerRequest(_message.Message):
    __slots__ = ("partner_id",)
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    def __init__(self, partner_id: _Optional[str] = ...) -> None: ...

class ListPartnersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPartnersResponse(_message.Message):
    __slots__ = ("partners",)
    PARTNERS_FIELD_NUMBER: _ClassVar[int]
    partners: _containers.RepeatedCompositeFieldContainer[Partner]
    def __init__(self, partners: _Optional[_Iterable[_Union[Partner, _Mapping]]] = ...) -> None: ...

class SetRateRequest(_message.Message):
    __slots__ = ("partner_id", "rates", "reason")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    rates: _common_pb2.Rates
    reason: str
    def __init__(self, partner_id: _Optional[str] = ..., rates: _Optional[_Union[_common_pb2.Rates, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class SetPartnerStatusRequest(_message.Message):
    __slots__ = ("partner_id", "active", "reason")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    active: bool
    reason: str
    def __init__(self, partner_id: _Optional[str] = ..., active: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class SetPartnerRateLimitRequest(_message.Message):
    __slots__ = ("partner_id", "rate_limit_per_s", "reason")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_PER_S_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    rate_limit_per_s: int
    reason: str
    def __init__(self, partner_id: _Optional[str] = ..., rate_limit_per_s: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class SetPartnerPhoneRegionRequest(_message.Message):
    __slots__ = ("partner_id", "phone_region", "reason")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_REGION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    phone_region: str
    reason: str
    def __init__(self, partner_id: _Optional[str] = ..., phone_region: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SetPartnerOfflineWindowRequest(_message.Message):
    __slots__ = ("partner_id", "offline_window_s", "reason")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    OFFLINE_WINDOW_S_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    offline_window_s: int
    reason: str
    def __init__(self, partner_id: _Optional[str] = ..., offline_window_s: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class PartnerWebhook(_message.Message):
    __slots__ = ("partner_id", "url", "secret", "has_secret", "expiry_notice_days")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    HAS_SECRET_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_NOTICE_DAYS_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    url: str
    secret: str
    has_secret: bool
    expiry_notice_days: int
    def __init__(self, partner_id: _Optional[str] = ..., url: _Optional[str] = ..., secret: _Optional[str] = ..., has_secret: _Optional[bool] = ..., expiry_notice_days: _Optional[int] = ...) -> None: ...

class SetPartnerWebhookResponse(_message.Message):
    __slots__ = ("webhook",)
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    webhook: PartnerWebhook
    def __init__(self, webhook: _Optional[_Union[PartnerWebhook, _Mapping]] = ...) -> None: ...

class GetPartnerWebhookResponse(_message.Message):
    __slots__ = ("webhook",)
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    webhook: PartnerWebhook
    def __init__(self, webhook: _Optional[_Union[PartnerWebhook, _Mapping]] = ...) -> None: ...

class RotatePartnerWebhookSecretResponse(_message.Message):
    __slots__ = ("webhook",)
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    webhook: PartnerWebhook
    def __init__(self, webhook: _Optional[_Union[PartnerWebhook, _Mapping]] = ...) -> None: ...

class SetPartnerExpiryNoticeResponse(_message.Message):
    __slots__ = ("webhook",)
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    webhook: PartnerWebhook
    def __init__(self, webhook: _Optional[_Union[PartnerWebhook, _Mapping]] = ...) -> None: ...

class SetPartnerWebhookRequest(_message.Message):
    __slots__ = ("partner_id", "url", "reason", "deliver_from")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DELIVER_FROM_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    url: str
    reason: str
    deliver_from: _timestamp_pb2.Timestamp
    def __init__(self, partner_id: _Optional[str] = ..., url: _Optional[str] = ..., reason: _Optional[str] = ..., deliver_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetPartnerWebhookRequest(_message.Message):
    __slots__ = ("partner_id",)
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    def __init__(self, partner_id: _Optional[str] = ...) -> None: ...

class RotatePartnerWebhookSecretRequest(_message.Message):
    __slots__ = ("partner_id", "reason")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    reason: str
    def __init__(self, partner_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SetPartnerExpiryNoticeRequest(_message.Message):
    __slots__ = ("partner_id", "expiry_notice_days", "reason")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_NOTICE_DAYS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    expiry_notice_days: int
    reason: str
    def __init__(self, partner_id: _Optional[str] = ..., expiry_notice_days: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class Credential(_message.Message):
    __slots__ = ("serial", "principal", "fingerprint_sha256", "not_before", "not_after", "issued_at", "issued_by", "renews", "revoked_at", "revoked_by", "revoked_reason")
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_SHA256_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_BY_FIELD_NUMBER: _ClassVar[int]
    RENEWS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_REASON_FIELD_NUMBER: _ClassVar[int]
    serial: str
    principal: str
    fingerprint_sha256: str
    not_before: _timestamp_pb2.Timestamp
    not_after: _timestamp_pb2.Timestamp
    issued_at: _timestamp_pb2.Timestamp
    issued_by: str
    renews: str
    revoked_at: _timestamp_pb2.Timestamp
    revoked_by: str
    revoked_reason: str
    def __init__(self, serial: _Optional[str] = ..., principal: _Optional[str] = ..., fingerprint_sha256: _Optional[str] = ..., not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issued_by: _Optional[str] = ..., renews: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_by: _Optional[str] = ..., revoked_reason: _Optional[str] = ...) -> None: ...

class ListCredentialsRequest(_message.Message):
    __slots__ = ("principal",)
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    principal: str
    def __init__(self, principal: _Optional[str] = ...) -> None: ...

class ListCredentialsResponse(_message.Message):
    __slots__ = ("credentials",)
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    credentials: _containers.RepeatedCompositeFieldContainer[Credential]
    def __init__(self, credentials: _Optional[_Iterable[_Union[Credential, _Mapping]]] = ...) -> None: ...

class RevokeCredentialRequest(_message.Message):
    __slots__ = ("serial", "reason")
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    serial: str
    reason: str
    def __init__(self, serial: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class EraseMemberRequest(_message.Message):
    __slots__ = ("member_id", "reason")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    reason: str
    def __init__(self, member_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ErasedMember(_message.Message):
    __slots__ = ("member_id", "erased_at", "already_erased")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ERASED_AT_FIELD_NUMBER: _ClassVar[int]
    ALREADY_ERASED_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    erased_at: _timestamp_pb2.Timestamp
    already_erased: bool
    def __init__(self, member_id: _Optional[str] = ..., erased_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., already_erased: _Optional[bool] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("key_id", "partner_id", "label", "created_at", "created_by", "revoked_at", "revoked_by", "revoked_reason")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKED_REASON_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    partner_id: str
    label: str
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    revoked_at: _timestamp_pb2.Timestamp
    revoked_by: str
    revoked_reason: str
    def __init__(self, key_id: _Optional[str] = ..., partner_id: _Optional[str] = ..., label: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_by: _Optional[str] = ..., revoked_reason: _Optional[str] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("partner_id", "label", "reason")
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    label: str
    reason: str
    def __init__(self, partner_id: _Optional[str] = ..., label: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("api_key", "key")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    key: str
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("key_id", "reason")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    reason: str
    def __init__(self, key_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeApiKeyResponse(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ("partner_id",)
    PARTNER_ID_FIELD_NUMBER: _ClassVar[int]
    partner_id: str
    def __init__(self, partner_id: _Optional[str] = ...) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("api_keys",)
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    def __init__(self, api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ...) -> None: ...
