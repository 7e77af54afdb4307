"""Exceptions raised by the partner SDK.

Every failed call raises one ``HubError``. The second level is the gRPC status code, the third
the hub's machine-readable reason (``google.rpc.ErrorInfo.reason``, a ``ErrorReason`` name)::

    HubError
    ├── InvalidRequest ............ INVALID_ARGUMENT
    │   ├── InvalidField, InvalidAmount, UnknownCurrency, CurrencyMismatch, MalformedId,
    │   ├── InvalidIdentifier, TooManyLineItems, LineItemsMismatch, InvalidIdempotencyKey,
    │   ├── InvalidPageToken, InvalidRate, RateInPast, InvalidHoldTtl, CaptureExceedsHold,
    │   ├── InvalidRule, RuleInPast, InvalidReport, MalformedRequest, AmbiguousId,
    │   └── UnknownFraudSetting, PreviewOutOfRange, WebhookSettingRefused
    ├── NotFound .................. NOT_FOUND
    │   ├── MemberNotFound, PartnerNotFound, HoldNotFound, TransactionNotFound,
    │   ├── CredentialNotFound, RuleNotFound, FlagNotFound, SettlementNotFound,
    │   └── ExceptionNotFound, GoodwillCreditNotFound, ApiKeyNotFound
    ├── Refused ................... FAILED_PRECONDITION (a business rule said no)
    │   ├── PartnerDisabled, MemberNotActive, NoRateInForce, InsufficientPoints,
    │   ├── BelowMinimumRedemption, ExceedsPayableAmount (> ExceedsCategoryShare),
    │   ├── HoldAlreadyCaptured,
    │   ├── HoldAlreadyVoided, HoldExpired, RefundExceedsOriginal, CampaignsOverlap,
    │   ├── EventLimitReached, RuleEnded, FraudDeclined, HoldInReview, HoldNotInReview,
    │   ├── FlagAlreadyResolved, MemberAlreadyFrozen, MemberNotFrozen, BusinessDayOpen,
    │   ├── SettlementApproved, ExceptionsOpen, ExceptionAlreadyAccepted,
    │   ├── EarlierDayUnsettled, SigningKeyMissing, NothingToAnnul, OfflineWindowExceeded,
    │   ├── MemberAlreadyMerged, MemberHasPendingHolds, MemberNotMerged,
    │   └── GoodwillCreditDecided, WebhookSecretKeyMissing
    ├── Conflict .................. ALREADY_EXISTS
    │   └── IdempotencyKeyReused, IdentifierTaken, DuplicateOrder, PartnerExists
    ├── Aborted ................... ABORTED (retried by the SDK)
    │   └── ConcurrencyConflict
    ├── AuthenticationError ....... UNAUTHENTICATED (reason UNAUTHENTICATED)
    │   └── CredentialRevoked
    ├── PermissionDenied .......... PERMISSION_DENIED
    │   └── RoleNotAllowed, SameOfficer
    ├── RateLimited ............... RESOURCE_EXHAUSTED (retried when the hub says when)
    │   └── ServerBusy, PartnerRateLimited
    ├── Unavailable ............... UNAVAILABLE (retried), DEADLINE_EXCEEDED
    │   └── DatabaseUnavailable, CommitOutcomeUnknown
    ├── CertificateError .......... a certificate is unusable (never retried; code UNAVAILABLE)
    └── InternalError ............. INTERNAL, UNKNOWN, DATA_LOSS (reason INTERNAL_ERROR)

A reason this SDK does not know yet (from a newer hub) gives the class of its status code with
``reason`` still set, so ``except NotFound`` keeps working across hub upgrades.

``CertificateError`` is told apart from ``Unavailable`` by the transport's message, the only
thing gRPC gives: see ``CertificateError`` for what it covers and what it cannot.

``MissingExtra`` is no ``HubError``: it is an ``ImportError`` saying which extra of the
``coalition-partner-sdk`` distribution a feature needs (``statements``, ``certificates``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, TypeVar

import grpc
from google.protobuf.message import DecodeError, Message
from google.rpc import error_details_pb2, status_pb2

DISTRIBUTION: Final = "coalition-partner-sdk"
"""The SDK's distribution name, as ``pip install`` takes it."""
HUB_ERROR_DOMAIN: Final = "hub.coalition"
REQUEST_ID_HEADER: Final = "x-request-id"
# Where gRPC carries a call's google.rpc.Status (the error details), serialized.
STATUS_DETAILS_HEADER: Final = "grpc-status-details-bin"

_C = grpc.StatusCode
_M = TypeVar("_M", bound=Message)

# gRPC's words when this client's own connection failed; a proxy's errors do not say them.
_CONNECT_FAILED: Final = "failed to connect to all addresses"
# How gRPC's TLS stack words a certificate failure. Not "handshake failed" alone: talking TLS
# to a plaintext hub fails the handshake too (WRONG_VERSION_NUMBER), through no certificate's
# fault. The alerts are the hub refusing this client's certificate during a TLS 1.2 handshake;
# under TLS 1.3 that refusal comes later and reads "Socket closed" (see CertificateError).
_CERTIFICATE_PROBLEMS: Final = (
    (
        re.compile(r"CERTIFICATE_VERIFY_FAILED"),
        "the hub's certificate did not verify against the CA given to this client",
    ),
    (
        re.compile(r"Hostname Verification Check failed|is not in peer certificate"),
        "the hub's certificate does not name the host this client connected to "
        "(connect by a name it holds, or pass server_name)",
    ),
    (
        re.compile(r"ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|UNSUPPORTED_CERTIFICATE|CERTIFICATE_\w+)"),
        "the hub refused this client's certificate",
    ),
)


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a rejected request (``google.rpc.BadRequest``)."""

    field: str
    description: str


class MissingExtra(ImportError):
    """A feature needs a package the SDK's base install leaves out; the message says which
    extra brings it, e.g. ``pip install 'coalition-partner-sdk[statements]'``.

    ``extra`` is that extra's name, ``name`` (as for any ``ImportError``) the missing module's.
    Not a ``HubError``: no call to the hub failed, and installing the extra is the only fix.
    """

    def __init__(self, *, feature: str, extra: str, module: str, hint: str = "") -> None:
        super().__init__(
            f"{feature} needs the {module!r} package, which the SDK's base install leaves out: "
            f"pip install '{DISTRIBUTION}[{extra}]'{hint}",
            name=module,
        )
        self.feature = feature
        self.extra = extra


class HubError(Exception):
    """Base of every error a hub call raises.

    ``code`` is the gRPC status code, ``reason`` the hub's ``ErrorReason`` name ("" when the
    error did not come from the hub, e.g. a refused connection), ``details`` the ErrorInfo
    metadata (e.g. ``{"field": "purchase.amount_minor"}``), ``request_id`` the id to quote to
    the hub's operators, ``retry_after_s`` the delay the hub asked for, if any.
    """

    codes: ClassVar[tuple[grpc.StatusCode, ...]] = ()
    declared_reason: ClassVar[str] = ""

    def __init_subclass__(cls, *, reason: str = "", **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.declared_reason = reason

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        reason: str | None = None,
        details: Mapping[str, str] | None = None,
        request_id: str | None = None,
        retry_after_s: float | None = None,
        field_violations: tuple[FieldViolation, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        # Defaults from the class let partners raise these from their own fakes.
        self.code: grpc.StatusCode = code or (self.codes[0] if self.codes else _C.UNKNOWN)
        self.reason: str = self.declared_reason if reason is None else reason
        self.details: dict[str, str] = dict(details or {})
        self.request_id = request_id
        self.retry_after_s = retry_after_s
        self.field_violations = field_violations

    def __str__(self) -> str:
        request = f", request id {self.request_id}" if self.request_id else ""
        return f"{self.message} [{self.reason or self.code.name}{request}]"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code.name}, reason={self.reason!r}, "
            f"request_id={self.request_id!r}, message={self.message!r})"
        )


class InvalidRequest(HubError):
    """The request was malformed; fix it before sending it again."""

    codes = (_C.INVALID_ARGUMENT,)


class NotFound(HubError):
    """A member, partner, hold or transaction the request names does not exist."""

    codes = (_C.NOT_FOUND,)


class Refused(HubError):
    """A business rule refused the operation; nothing was posted."""

    codes = (_C.FAILED_PRECONDITION,)


class Conflict(HubError):
    """Something with that key, order or identifier already exists."""

    codes = (_C.ALREADY_EXISTS,)


class Aborted(HubError):
    """The hub lost a race after its own retries; the SDK retries these too."""

    codes = (_C.ABORTED,)


class AuthenticationError(HubError, reason="UNAUTHENTICATED"):
    """The hub could not tell which partner is calling."""

    codes = (_C.UNAUTHENTICATED,)


class PermissionDenied(HubError):
    """The calling partner may not do this."""

    codes = (_C.PERMISSION_DENIED,)


class RateLimited(HubError):
    """Too many calls; ``retry_after_s`` says when to come back, if the hub said."""

    codes = (_C.RESOURCE_EXHAUSTED,)


class Unavailable(HubError):
    """The hub could not be reached or did not answer in time.

    Without a hub reason, ``message`` is the transport's own description (e.g. "failed to
    connect to all addresses"). A certificate problem the transport names is a
    ``CertificateError`` instead.
    """

    codes = (_C.UNAVAILABLE, _C.DEADLINE_EXCEEDED)


class CertificateError(HubError):
    """A certificate keeps this client from talking to the hub; retrying will not help.

    Raised by ``connect`` before any connection when the partner's certificate, key or CA file
    is unusable: missing or unreadable, not PEM, a key that is not the certificate's, expired
    or not yet valid, not signed by the CA, not for client authentication, or naming no
    partner. Raised by a call when the hub's certificate fails this client's checks (a CA the
    client does not trust, a host name it does not hold). ``message`` says which.

    ``code`` is ``UNAVAILABLE``, what gRPC reports for these too; ``reason`` is "" (the hub
    never answered). One case stays an ``Unavailable``: a hub that refuses a certificate the
    local checks passed (it trusts another CA, or its clock is far from this machine's) closes
    the connection once the TLS 1.3 handshake is done, and gRPC reports that as
    "Socket closed", exactly like a dropped connection.
    """

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode = _C.UNAVAILABLE,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, reason="", request_id=request_id)


class InternalError(HubError, reason="INTERNAL_ERROR"):
    """A bug in the hub; quote ``request_id`` to its operators."""

    codes = (_C.INTERNAL, _C.UNKNOWN, _C.DATA_LOSS)


class InvalidField(InvalidRequest, reason="INVALID_FIELD"):
    """A field is missing or malformed; ``details["field"]`` names it."""


class InvalidAmount(InvalidRequest, reason="INVALID_AMOUNT"):
    """An amount is negative, zero where it must not be, or too large."""


class UnknownCurrency(InvalidRequest, reason="UNKNOWN_CURRENCY"):
    """The currency is not an ISO-4217 code the hub knows."""


class CurrencyMismatch(InvalidRequest, reason="CURRENCY_MISMATCH"):
    """The currency is not the partner's purchase currency."""


class MalformedId(InvalidRequest, reason="MALFORMED_ID"):
    """An id (member, order, transaction) has the wrong shape."""


class InvalidIdentifier(InvalidRequest, reason="INVALID_IDENTIFIER"):
    """A card number or app id has the wrong shape, or a phone number is not a valid number
    (in national form, it is read in the partner's phone region; with none, it needs '+')."""


class TooManyLineItems(InvalidRequest, reason="TOO_MANY_LINE_ITEMS"):
    """The receipt has more lines than the hub accepts."""


class LineItemsMismatch(InvalidRequest, reason="LINE_ITEMS_MISMATCH"):
    """The line totals do not add up to the purchase amount."""


class InvalidIdempotencyKey(InvalidRequest, reason="INVALID_IDEMPOTENCY_KEY"):
    """The idempotency key is empty or malformed."""


class InvalidPageToken(InvalidRequest, reason="INVALID_PAGE_TOKEN"):
    """The page token is not one the hub issued for this query."""


class InvalidRate(InvalidRequest, reason="INVALID_RATE"):
    """A rate is not a valid decimal in range."""


class RateInPast(InvalidRequest, reason="RATE_IN_PAST"):
    """A rate change would take effect in the past."""


class InvalidRule(InvalidRequest, reason="INVALID_RULE"):
    """A rule definition breaks a rule of its own; ``field`` names what."""


class RuleInPast(InvalidRequest, reason="RULE_IN_PAST"):
    """A rule change would take effect in the past."""


class InvalidReport(InvalidRequest, reason="INVALID_REPORT"):
    """The settlement report is not CSV of the documented columns; ``details["field"]`` names
    the line. Fix the report and submit it again."""


class MalformedRequest(InvalidRequest, reason="MALFORMED_REQUEST"):
    """The hub could not read the request: its body is not the method's message, or is larger
    than the method accepts (``details["size_bytes"]``, ``details["size_max_bytes"]``). This
    SDK's own requests never are; a proxy that mangles bodies, or a hand-made client, is."""


class AmbiguousId(InvalidRequest, reason="AMBIGUOUS_ID"):
    """A short id (a prefix of a flag, member or hold id, as staff type them) matches more than
    one; ``details["field"]`` names which. Give more of the id."""


class UnknownFraudSetting(InvalidRequest, reason="UNKNOWN_FRAUD_SETTING"):
    """A fraud tuning preview names a setting the fraud thresholds do not have;
    ``details["field"]`` names it."""


class PreviewOutOfRange(InvalidRequest, reason="PREVIEW_OUT_OF_RANGE"):
    """A fraud tuning preview asks for a number of days outside what it replays."""


class WebhookSettingRefused(InvalidRequest, reason="WEBHOOK_SETTING_REFUSED"):
    """A webhook URL that is not HTTPS, or expiry notice days out of range."""


class InvalidHoldTtl(InvalidRequest, reason="INVALID_HOLD_TTL"):
    """The hold's time to live is negative or longer than the hub allows."""


class CaptureExceedsHold(InvalidRequest, reason="CAPTURE_EXCEEDS_HOLD"):
    """The capture asks for more points than the hold reserves."""


class MemberNotFound(NotFound, reason="MEMBER_NOT_FOUND"):
    """No member has that id or identifier."""


class PartnerNotFound(NotFound, reason="PARTNER_NOT_FOUND"):
    """No partner has that id."""


class HoldNotFound(NotFound, reason="HOLD_NOT_FOUND"):
    """No hold of the calling partner has that id."""


class TransactionNotFound(NotFound, reason="TRANSACTION_NOT_FOUND"):
    """No transaction of the calling partner has that id."""


class CredentialNotFound(NotFound, reason="CREDENTIAL_NOT_FOUND"):
    """No certificate the hub issued has that serial."""


class RuleNotFound(NotFound, reason="RULE_NOT_FOUND"):
    """No rule with that id, or no event rule in force for this partner and event."""


class FlagNotFound(NotFound, reason="FLAG_NOT_FOUND"):
    """No fraud flag with that id."""


class SettlementNotFound(NotFound, reason="SETTLEMENT_NOT_FOUND"):
    """The business day is not settled yet, or holds no statement for this partner."""


class ExceptionNotFound(NotFound, reason="RECONCILIATION_EXCEPTION_NOT_FOUND"):
    """No reconciliation exception with that id."""


class GoodwillCreditNotFound(NotFound, reason="GOODWILL_CREDIT_NOT_FOUND"):
    """No goodwill credit with that id."""


class ApiKeyNotFound(NotFound, reason="API_KEY_NOT_FOUND"):
    """No partner API key with that key id."""


class PartnerDisabled(Refused, reason="PARTNER_DISABLED"):
    """The calling partner is disabled in the coalition."""


class MemberNotActive(Refused, reason="MEMBER_NOT_ACTIVE"):
    """The member is frozen or closed."""


class NoRateInForce(Refused, reason="NO_RATE_IN_FORCE"):
    """The partner has no rates in force at this time."""


class InsufficientPoints(Refused, reason="INSUFFICIENT_POINTS"):
    """The member has fewer available points than the redemption needs."""


class BelowMinimumRedemption(Refused, reason="BELOW_MINIMUM_REDEMPTION"):
    """The redemption is smaller than the partner's minimum."""


class ExceedsPayableAmount(Refused, reason="EXCEEDS_PAYABLE_AMOUNT"):
    """The points would pay more than the receipt's lines allow points to pay."""


class ExceedsCategoryShare(ExceedsPayableAmount, reason="EXCEEDS_CATEGORY_SHARE"):
    """A category on the receipt may be paid with points only up to its own share (children's
    goods at most 20 %, say); ``details["categories"]`` names them, ``details["payable_minor"]``
    says how much points may pay."""


class HoldAlreadyCaptured(Refused, reason="HOLD_ALREADY_CAPTURED"):
    """The hold was captured already; it resolves only once."""


class HoldAlreadyVoided(Refused, reason="HOLD_ALREADY_VOIDED"):
    """The hold was voided already; it resolves only once."""


class HoldExpired(Refused, reason="HOLD_EXPIRED"):
    """The hold expired before it was captured; its points went back to the member."""


class RefundExceedsOriginal(Refused, reason="REFUND_EXCEEDS_ORIGINAL"):
    """The refunds would exceed, in total, the earn or capture they refund."""


class CampaignsOverlap(Refused, reason="CAMPAIGNS_OVERLAP"):
    """Two exclusive campaigns could apply to the same earn."""


class EventLimitReached(Refused, reason="EVENT_LIMIT_REACHED"):
    """The member already had this event as often as the partner's rule allows."""


class RuleEnded(Refused, reason="RULE_ENDED"):
    """The rule has ended; a new rule id starts a new one."""


class FraudDeclined(Refused, reason="FRAUD_DECLINED"):
    """The hub's fraud checks refused the operation (nothing was posted), or a fraud analyst
    declined the hold. Do not retry; the member should contact the coalition."""


class HoldInReview(Refused, reason="HOLD_IN_REVIEW"):
    """The hold awaits a fraud analyst: it cannot be captured until released. Poll
    ``get_hold`` or void it."""


class HoldNotInReview(Refused, reason="HOLD_NOT_IN_REVIEW"):
    """Only a hold in review can be released."""


class FlagAlreadyResolved(Refused, reason="FLAG_ALREADY_RESOLVED"):
    """The fraud flag was already resolved."""


class MemberAlreadyFrozen(Refused, reason="MEMBER_ALREADY_FROZEN"):
    """The member's account is already frozen."""


class MemberNotFrozen(Refused, reason="MEMBER_NOT_FROZEN"):
    """The member's account is not frozen."""


class MemberAlreadyMerged(Refused, reason="MEMBER_ALREADY_MERGED"):
    """A member the merge names is already merged into another."""


class MemberHasPendingHolds(Refused, reason="MEMBER_HAS_PENDING_HOLDS"):
    """The member to be absorbed by a merge has pending holds."""


class MemberNotMerged(Refused, reason="MEMBER_NOT_MERGED"):
    """The two members of an unmerge are not merged one into the other."""


class BusinessDayOpen(Refused, reason="BUSINESS_DAY_OPEN"):
    """The business day has not closed yet (its cutoff plus a grace for operations in
    flight); settle it later."""


class SettlementApproved(Refused, reason="SETTLEMENT_APPROVED"):
    """The day's settlement is approved: its reports and exceptions are final."""


class ExceptionsOpen(Refused, reason="EXCEPTIONS_OPEN"):
    """Reconciliation exceptions are still open; accept each with a note first."""


class ExceptionAlreadyAccepted(Refused, reason="EXCEPTION_ALREADY_ACCEPTED"):
    """The reconciliation exception was already accepted."""


class EarlierDayUnsettled(Refused, reason="EARLIER_DAY_UNSETTLED"):
    """An earlier closed day is not settled yet; days settle in order."""


class SigningKeyMissing(Refused, reason="SIGNING_KEY_MISSING"):
    """The hub has no statement-signing key configured."""


class NothingToAnnul(Refused, reason="NOTHING_TO_ANNUL"):
    """The operation has no unreserved points left to annul."""


class OfflineWindowExceeded(Refused, reason="OFFLINE_WINDOW_EXCEEDED"):
    """The earn's sale (``purchased_at``) is older than the partner's offline window:
    ``details["offline_window_s"]`` says how long it is. Sending it again will not help."""


class GoodwillCreditDecided(Refused, reason="GOODWILL_CREDIT_DECIDED"):
    """The goodwill credit was approved or rejected already; a decision is final."""


class WebhookSecretKeyMissing(Refused, reason="WEBHOOK_SECRET_KEY_MISSING"):
    """The hub has no data key to seal a webhook secret with; nothing was changed."""


class IdempotencyKeyReused(Conflict, reason="IDEMPOTENCY_KEY_REUSED"):
    """The idempotency key was already used for a different request."""


class IdentifierTaken(Conflict, reason="IDENTIFIER_TAKEN"):
    """The identifier already belongs to a member."""


class DuplicateOrder(Conflict, reason="DUPLICATE_ORDER"):
    """Points were already earned for that order id, or (from ``authorize``) the order already
    has an open hold: ``hold_id`` names it (``get_hold(order_id=...)`` finds it too)."""

    @property
    def hold_id(self) -> str | None:
        """The order's open hold, when an authorization was refused for it."""
        return self.details.get("hold_id")


class PartnerExists(Conflict, reason="PARTNER_EXISTS"):
    """A partner with that id already exists."""


class ConcurrencyConflict(Aborted, reason="CONCURRENCY_CONFLICT"):
    """Concurrent updates of the same member collided."""


class DatabaseUnavailable(Unavailable, reason="DATABASE_UNAVAILABLE"):
    """The hub could not reach its database; nothing was done. The SDK retries by itself, with
    the same idempotency key, after the delay the hub asks for, while the deadline allows."""


class CommitOutcomeUnknown(Unavailable, reason="COMMIT_OUTCOME_UNKNOWN"):
    """The hub lost its database connection while committing: the operation may or may not
    have been applied. The SDK retries by itself with the same idempotency key, which returns
    the original result if it was applied and applies it if not. Raised when the deadline runs
    out first: retry the call with the same ``idempotency_key`` later to learn which."""


class CredentialRevoked(AuthenticationError, reason="CREDENTIAL_REVOKED"):
    """The certificate this client presents was revoked; ask the coalition for a new one."""


class RoleNotAllowed(PermissionDenied, reason="ROLE_NOT_ALLOWED"):
    """The caller's role (partner, or a staff role) may not call this method."""


class SameOfficer(PermissionDenied, reason="SAME_OFFICER"):
    """The officer who ran a settlement cannot also approve it: another officer must."""


class ServerBusy(RateLimited, reason="SERVER_BUSY"):
    """The hub is serving as many calls as it can and shed this one before doing anything;
    ``retry_after_s`` says when to return.

    The SDK waits that long (plus jitter) and retries by itself, with the same idempotency key,
    while the call's deadline allows.
    """


class PartnerRateLimited(RateLimited, reason="RATE_LIMITED"):
    """The calling partner is over its own rate limit; ``retry_after_s`` says when to return.

    The SDK waits that long and retries by itself while the call's deadline allows.
    """


def _subclasses(cls: type[HubError]) -> Iterator[type[HubError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# Built once, from the classes above: a new reason needs only its class.
ERROR_CLASSES_BY_REASON: Final[Mapping[str, type[HubError]]] = {
    cls.declared_reason: cls for cls in _subclasses(HubError) if cls.declared_reason
}
_CLASS_BY_CODE: Final[Mapping[grpc.StatusCode, type[HubError]]] = {
    code: cls for cls in _subclasses(HubError) if "codes" in vars(cls) for code in cls.codes
}


def from_rpc_error(exc: grpc.RpcError, *, request_id: str | None = None) -> HubError:
    """The typed ``HubError`` for a failed call: ``raise from_rpc_error(exc) from exc``.

    ``request_id`` is the id the caller sent; it is used when the hub's answer names none
    (e.g. the hub was never reached), so client logs can still be correlated.
    """
    code: grpc.StatusCode = exc.code() or _C.UNKNOWN
    request_id = _echoed_request_id(exc) or request_id
    status = _rich_status(exc, code)
    if status is None:
        return _transport_error(exc, code, request_id)
    return _from_status(status, code, request_id)


def _from_status(
    status: status_pb2.Status, code: grpc.StatusCode, request_id: str | None
) -> HubError:
    info = _first(status, error_details_pb2.ErrorInfo) or error_details_pb2.ErrorInfo()
    request_info = _first(status, error_details_pb2.RequestInfo)
    retry_info = _first(status, error_details_pb2.RetryInfo)
    bad_request = _first(status, error_details_pb2.BadRequest)
    error_class = _error_class(code, info.reason, info.domain)
    return error_class(
        status.message,
        code=code,
        reason=info.reason,
        details=dict(info.metadata),
        request_id=(request_info.request_id if request_info else "") or request_id,
        retry_after_s=retry_info.retry_delay.ToTimedelta().total_seconds() if retry_info else None,
        field_violations=_violations(bad_request),
    )


def _error_class(code: grpc.StatusCode, reason: str, domain: str) -> type[HubError]:
    typed = ERROR_CLASSES_BY_REASON.get(reason) if domain == HUB_ERROR_DOMAIN else None
    # A reason that contradicts the status code is a hub bug; trust the code.
    if typed is not None and code in typed.codes:
        return typed
    return _CLASS_BY_CODE.get(code, HubError)


def _transport_error(exc: grpc.RpcError, code: grpc.StatusCode, request_id: str | None) -> HubError:
    message: str = exc.details() or ""
    problem = _certificate_problem(code, _transport_text(exc))
    if problem is not None:
        return CertificateError(f"{problem}: {message}", code=code, request_id=request_id)
    return _CLASS_BY_CODE.get(code, HubError)(message, code=code, request_id=request_id)


def _certificate_problem(code: grpc.StatusCode, transport_text: str) -> str | None:
    """What is wrong with a certificate, if this client's connection failed on one."""
    # A proxy's UNAVAILABLE may quote its own upstream's certificate failure; that is the
    # proxy's problem to fix, and a retry may reach a healthy upstream.
    if code != _C.UNAVAILABLE or _CONNECT_FAILED not in transport_text:
        return None
    for pattern, problem in _CERTIFICATE_PROBLEMS:
        if pattern.search(transport_text):
            return problem
    return None


def _transport_text(exc: grpc.RpcError) -> str:
    # Both sync and asyncio errors have it, though grpc.RpcError does not declare it; recent
    # gRPC repeats the handshake error in details(), older ones only here.
    debug = getattr(exc, "debug_error_string", None)
    return " ".join(filter(None, [exc.details(), debug() if callable(debug) else None]))


def _rich_status(exc: grpc.RpcError, code: grpc.StatusCode) -> status_pb2.Status | None:
    """The ``google.rpc.Status`` the hub put in the trailers, if it agrees with the call.

    Decoded here rather than with ``grpcio-status`` (whose ``from_call`` does the same) so the
    SDK needs no more than grpcio and the protos.
    """
    for key, value in exc.trailing_metadata() or ():
        if key != STATUS_DETAILS_HEADER or not isinstance(value, bytes):
            continue
        try:
            status = status_pb2.Status.FromString(value)
        except DecodeError:
            return None
        # Details that contradict the call's own code or message were rewritten on the way
        # (a proxy): the call's own code is what the caller saw, so keep only that.
        if status.code != code.value[0] or status.message != exc.details():
            return None
        return status
    return None


def _echoed_request_id(exc: grpc.RpcError) -> str | None:
    for key, value in exc.trailing_metadata() or ():
        if key == REQUEST_ID_HEADER and isinstance(value, str):
            return value
    return None


def _violations(bad_request: error_details_pb2.BadRequest | None) -> tuple[FieldViolation, ...]:
    if bad_request is None:
        return ()
    return tuple(FieldViolation(v.field, v.description) for v in bad_request.field_violations)


def _first(status: status_pb2.Status, message_type: type[_M]) -> _M | None:
    for packed in status.details:
        if packed.Is(message_type.DESCRIPTOR):
            message = message_type()
            packed.Unpack(message)
            return message
    return None
