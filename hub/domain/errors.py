"""Domain errors: one small hierarchy; each leaf declares its gRPC code and machine reason.

    HubError
    ├── InvalidArgument            INVALID_ARGUMENT
    │   ├── InvalidField               INVALID_FIELD
    │   ├── InvalidAmount              INVALID_AMOUNT
    │   ├── UnknownCurrency            UNKNOWN_CURRENCY
    │   ├── CurrencyMismatch           CURRENCY_MISMATCH
    │   ├── MalformedId                MALFORMED_ID
    │   ├── InvalidIdentifier          INVALID_IDENTIFIER
    │   ├── TooManyLineItems           TOO_MANY_LINE_ITEMS
    │   ├── LineItemsMismatch          LINE_ITEMS_MISMATCH
    │   ├── InvalidIdempotencyKey      INVALID_IDEMPOTENCY_KEY
    │   ├── InvalidPageToken           INVALID_PAGE_TOKEN
    │   ├── InvalidRate                INVALID_RATE
    │   ├── RateInPast                 RATE_IN_PAST
    │   ├── InvalidHoldTtl             INVALID_HOLD_TTL
    │   ├── CaptureExceedsHold         CAPTURE_EXCEEDS_HOLD
    │   ├── InvalidRule                INVALID_RULE
    │   ├── RuleInPast                 RULE_IN_PAST
    │   ├── InvalidReport              INVALID_REPORT
    │   ├── MalformedRequest           MALFORMED_REQUEST
    │   ├── AmbiguousId                AMBIGUOUS_ID
    │   ├── UnknownFraudSetting        UNKNOWN_FRAUD_SETTING
    │   ├── PreviewOutOfRange          PREVIEW_OUT_OF_RANGE
    │   └── WebhookSettingRefused      WEBHOOK_SETTING_REFUSED
    ├── NotFound                   NOT_FOUND
    │   ├── MemberNotFound             MEMBER_NOT_FOUND
    │   ├── PartnerNotFound            PARTNER_NOT_FOUND
    │   ├── HoldNotFound               HOLD_NOT_FOUND
    │   ├── TransactionNotFound        TRANSACTION_NOT_FOUND
    │   ├── CredentialNotFound         CREDENTIAL_NOT_FOUND
    │   ├── RuleNotFound               RULE_NOT_FOUND
    │   ├── FlagNotFound               FLAG_NOT_FOUND
    │   ├── SettlementNotFound         SETTLEMENT_NOT_FOUND
    │   ├── ExceptionNotFound          RECONCILIATION_EXCEPTION_NOT_FOUND
    │   ├── GoodwillCreditNotFound     GOODWILL_CREDIT_NOT_FOUND
    │   └── ApiKeyNotFound             API_KEY_NOT_FOUND
    ├── FailedPrecondition         FAILED_PRECONDITION
    │   ├── PartnerDisabled            PARTNER_DISABLED
    │   ├── MemberNotActive            MEMBER_NOT_ACTIVE
    │   ├── NoRateInForce              NO_RATE_IN_FORCE
    │   ├── InsufficientPoints         INSUFFICIENT_POINTS
    │   ├── BelowMinimumRedemption     BELOW_MINIMUM_REDEMPTION
    │   ├── ExceedsPayableAmount       EXCEEDS_PAYABLE_AMOUNT
    │   ├── ExceedsCategoryShare       EXCEEDS_CATEGORY_SHARE
    │   ├── HoldAlreadyCaptured        HOLD_ALREADY_CAPTURED
    │   ├── HoldAlreadyVoided          HOLD_ALREADY_VOIDED
    │   ├── HoldExpired                HOLD_EXPIRED
    │   ├── RefundExceedsOriginal      REFUND_EXCEEDS_ORIGINAL
    │   ├── CampaignsOverlap           CAMPAIGNS_OVERLAP
    │   ├── EventLimitReached          EVENT_LIMIT_REACHED
    │   ├── RuleEnded                  RULE_ENDED
    │   ├── FraudDeclined              FRAUD_DECLINED
    │   ├── HoldInReview               HOLD_IN_REVIEW
    │   ├── HoldNotInReview            HOLD_NOT_IN_REVIEW
    │   ├── FlagAlreadyResolved        FLAG_ALREADY_RESOLVED
    │   ├── MemberAlreadyFrozen        MEMBER_ALREADY_FROZEN
    │   ├── MemberNotFrozen            MEMBER_NOT_FROZEN
    │   ├── BusinessDayOpen            BUSINESS_DAY_OPEN
    │   ├── SettlementApproved         SETTLEMENT_APPROVED
    │   ├── ExceptionsOpen             EXCEPTIONS_OPEN
    │   ├── ExceptionAlreadyAccepted   EXCEPTION_ALREADY_ACCEPTED
    │   ├── EarlierDayUnsettled        EARLIER_DAY_UNSETTLED
    │   ├── SigningKeyMissing          SIGNING_KEY_MISSING
    │   ├── NothingToAnnul             NOTHING_TO_ANNUL
    │   ├── OfflineWindowExceeded      OFFLINE_WINDOW_EXCEEDED
    │   ├── MemberAlreadyMerged        MEMBER_ALREADY_MERGED
    │   ├── MemberHasPendingHolds      MEMBER_HAS_PENDING_HOLDS
    │   ├── MemberNotMerged            MEMBER_NOT_MERGED
    │   ├── GoodwillCreditDecided      GOODWILL_CREDIT_DECIDED
    │   └── WebhookSecretKeyMissing    WEBHOOK_SECRET_KEY_MISSING
    ├── AlreadyExists              ALREADY_EXISTS
    │   ├── IdempotencyKeyReused       IDEMPOTENCY_KEY_REUSED
    │   ├── IdentifierTaken            IDENTIFIER_TAKEN
    │   ├── DuplicateOrder             DUPLICATE_ORDER
    │   └── PartnerExists              PARTNER_EXISTS
    ├── Aborted                    ABORTED
    │   └── ConcurrencyConflict        CONCURRENCY_CONFLICT
    ├── Unauthenticated            UNAUTHENTICATED (reason UNAUTHENTICATED)
    │   └── CredentialRevoked          CREDENTIAL_REVOKED
    ├── PermissionDenied           PERMISSION_DENIED
    │   ├── RoleNotAllowed             ROLE_NOT_ALLOWED
    │   └── SameOfficer                SAME_OFFICER
    ├── ResourceExhausted          RESOURCE_EXHAUSTED
    │   ├── ServerBusy                 SERVER_BUSY
    │   └── RateLimited                RATE_LIMITED
    └── Unavailable                UNAVAILABLE
        ├── DatabaseUnavailable        DATABASE_UNAVAILABLE
        └── CommitOutcomeUnknown       COMMIT_OUTCOME_UNKNOWN

The gRPC code is held as its name so that this module stays free of gRPC; ``hub.api.errors``
turns it into a status once, and the reason names are the ``ErrorReason`` values of the proto.
"""

from __future__ import annotations

from typing import ClassVar


class HubError(Exception):
    """Base of every error the hub reports to a caller."""

    code: ClassVar[str] = "INTERNAL"
    reason: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str, **metadata: str) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = metadata

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, reason={self.reason!r})"


class InvalidArgument(HubError):
    code = "INVALID_ARGUMENT"
    reason = "INVALID_FIELD"

    def __init__(self, message: str, *, field: str, **metadata: str) -> None:
        super().__init__(message, field=field, **metadata)
        self.field = field


class InvalidField(InvalidArgument):
    reason = "INVALID_FIELD"


class InvalidAmount(InvalidArgument):
    reason = "INVALID_AMOUNT"


class UnknownCurrency(InvalidArgument):
    reason = "UNKNOWN_CURRENCY"


class CurrencyMismatch(InvalidArgument):
    reason = "CURRENCY_MISMATCH"


class MalformedId(InvalidArgument):
    reason = "MALFORMED_ID"


class InvalidIdentifier(InvalidArgument):
    reason = "INVALID_IDENTIFIER"


class TooManyLineItems(InvalidArgument):
    reason = "TOO_MANY_LINE_ITEMS"


class LineItemsMismatch(InvalidArgument):
    reason = "LINE_ITEMS_MISMATCH"


class InvalidIdempotencyKey(InvalidArgument):
    reason = "INVALID_IDEMPOTENCY_KEY"


class InvalidPageToken(InvalidArgument):
    reason = "INVALID_PAGE_TOKEN"


class InvalidRate(InvalidArgument):
    reason = "INVALID_RATE"


class RateInPast(InvalidArgument):
    reason = "RATE_IN_PAST"


class InvalidHoldTtl(InvalidArgument):
    reason = "INVALID_HOLD_TTL"


class CaptureExceedsHold(InvalidArgument):
    reason = "CAPTURE_EXCEEDS_HOLD"


class InvalidRule(InvalidArgument):
    reason = "INVALID_RULE"


class RuleInPast(InvalidArgument):
    reason = "RULE_IN_PAST"


class InvalidReport(InvalidArgument):
    """A partner's settlement report is not CSV of the documented columns; ``field`` names the
    line."""

    reason = "INVALID_REPORT"


class MalformedRequest(InvalidArgument):
    """The body is not the method's message (it does not decode) or is larger than the method
    accepts. No field of it could be read, so ``field`` is empty. Refused before
    authentication."""

    reason = "MALFORMED_REQUEST"

    def __init__(self, message: str, *, field: str = "", **metadata: str) -> None:
        super().__init__(message, field=field, **metadata)


class AmbiguousId(InvalidArgument):
    """A short id (a prefix of a flag, member or hold id) matches more than one."""

    reason = "AMBIGUOUS_ID"


class UnknownFraudSetting(InvalidArgument):
    """A fraud tuning preview names a setting the fraud thresholds do not have."""

    reason = "UNKNOWN_FRAUD_SETTING"


class PreviewOutOfRange(InvalidArgument):
    """A fraud tuning preview asks for more (or fewer) days than it replays."""

    reason = "PREVIEW_OUT_OF_RANGE"


class WebhookSettingRefused(InvalidArgument):
    """A webhook URL that is not HTTPS, or expiry notice days out of range."""

    reason = "WEBHOOK_SETTING_REFUSED"


class NotFound(HubError):
    code = "NOT_FOUND"


class MemberNotFound(NotFound):
    reason = "MEMBER_NOT_FOUND"


class PartnerNotFound(NotFound):
    reason = "PARTNER_NOT_FOUND"


class HoldNotFound(NotFound):
    reason = "HOLD_NOT_FOUND"


class TransactionNotFound(NotFound):
    reason = "TRANSACTION_NOT_FOUND"


class CredentialNotFound(NotFound):
    reason = "CREDENTIAL_NOT_FOUND"


class RuleNotFound(NotFound):
    reason = "RULE_NOT_FOUND"


class FlagNotFound(NotFound):
    reason = "FLAG_NOT_FOUND"


class SettlementNotFound(NotFound):
    reason = "SETTLEMENT_NOT_FOUND"


class ExceptionNotFound(NotFound):
    reason = "RECONCILIATION_EXCEPTION_NOT_FOUND"


class GoodwillCreditNotFound(NotFound):
    """No goodwill credit has this id."""

    reason = "GOODWILL_CREDIT_NOT_FOUND"


class ApiKeyNotFound(NotFound):
    """No partner API key has this key id."""

    reason = "API_KEY_NOT_FOUND"


class FailedPrecondition(HubError):
    code = "FAILED_PRECONDITION"


class PartnerDisabled(FailedPrecondition):
    reason = "PARTNER_DISABLED"


class MemberNotActive(FailedPrecondition):
    reason = "MEMBER_NOT_ACTIVE"


class NoRateInForce(FailedPrecondition):
    reason = "NO_RATE_IN_FORCE"


class InsufficientPoints(FailedPrecondition):
    reason = "INSUFFICIENT_POINTS"


class BelowMinimumRedemption(FailedPrecondition):
    reason = "BELOW_MINIMUM_REDEMPTION"


class ExceedsPayableAmount(FailedPrecondition):
    reason = "EXCEEDS_PAYABLE_AMOUNT"


class ExceedsCategoryShare(FailedPrecondition):
    """The receipt's share would allow it, a category's own smaller share does not (the SDK's
    class of it is a kind of its ``ExceedsPayableAmount``; here every reason is a leaf)."""

    reason = "EXCEEDS_CATEGORY_SHARE"


class HoldAlreadyCaptured(FailedPrecondition):
    reason = "HOLD_ALREADY_CAPTURED"


class HoldAlreadyVoided(FailedPrecondition):
    reason = "HOLD_ALREADY_VOIDED"


class HoldExpired(FailedPrecondition):
    reason = "HOLD_EXPIRED"


class RefundExceedsOriginal(FailedPrecondition):
    reason = "REFUND_EXCEEDS_ORIGINAL"


class CampaignsOverlap(FailedPrecondition):
    reason = "CAMPAIGNS_OVERLAP"


class EventLimitReached(FailedPrecondition):
    reason = "EVENT_LIMIT_REACHED"


class RuleEnded(FailedPrecondition):
    reason = "RULE_ENDED"


class FraudDeclined(FailedPrecondition):
    """The fraud checks refused the operation, or an analyst declined the hold. The message
    never says which rule fired: that would teach a fraudster the thresholds."""

    reason = "FRAUD_DECLINED"


class HoldInReview(FailedPrecondition):
    reason = "HOLD_IN_REVIEW"


class HoldNotInReview(FailedPrecondition):
    reason = "HOLD_NOT_IN_REVIEW"


class FlagAlreadyResolved(FailedPrecondition):
    reason = "FLAG_ALREADY_RESOLVED"


class MemberAlreadyFrozen(FailedPrecondition):
    reason = "MEMBER_ALREADY_FROZEN"


class MemberNotFrozen(FailedPrecondition):
    reason = "MEMBER_NOT_FROZEN"


class MemberAlreadyMerged(FailedPrecondition):
    reason = "MEMBER_ALREADY_MERGED"


class MemberHasPendingHolds(FailedPrecondition):
    reason = "MEMBER_HAS_PENDING_HOLDS"


class MemberNotMerged(FailedPrecondition):
    reason = "MEMBER_NOT_MERGED"


class BusinessDayOpen(FailedPrecondition):
    """The day's cutoff, plus the grace for operations in flight, has not passed."""

    reason = "BUSINESS_DAY_OPEN"


class SettlementApproved(FailedPrecondition):
    reason = "SETTLEMENT_APPROVED"


class ExceptionsOpen(FailedPrecondition):
    reason = "EXCEPTIONS_OPEN"


class ExceptionAlreadyAccepted(FailedPrecondition):
    reason = "EXCEPTION_ALREADY_ACCEPTED"


class EarlierDayUnsettled(FailedPrecondition):
    """Days settle in order, so that every operation lands in exactly one day's window."""

    reason = "EARLIER_DAY_UNSETTLED"


class SigningKeyMissing(FailedPrecondition):
    reason = "SIGNING_KEY_MISSING"


class NothingToAnnul(FailedPrecondition):
    """The operation's points are all spent, expired, reversed, annulled or held."""

    reason = "NOTHING_TO_ANNUL"


class OfflineWindowExceeded(FailedPrecondition):
    """An earn sold longer ago than the partner's offline window allows (a till's
    store-and-forward queue replayed too late); nothing was posted."""

    reason = "OFFLINE_WINDOW_EXCEEDED"


class GoodwillCreditDecided(FailedPrecondition):
    """A goodwill credit was approved (posted) or rejected already: a decision is final."""

    reason = "GOODWILL_CREDIT_DECIDED"


class WebhookSecretKeyMissing(FailedPrecondition):
    """The hub has no data key (``HUB_DATA_KEY``): it keeps no webhook secret unsealed."""

    reason = "WEBHOOK_SECRET_KEY_MISSING"


class AlreadyExists(HubError):
    code = "ALREADY_EXISTS"


class IdempotencyKeyReused(AlreadyExists):
    reason = "IDEMPOTENCY_KEY_REUSED"


class IdentifierTaken(AlreadyExists):
    reason = "IDENTIFIER_TAKEN"


class DuplicateOrder(AlreadyExists):
    reason = "DUPLICATE_ORDER"


class PartnerExists(AlreadyExists):
    reason = "PARTNER_EXISTS"


class Aborted(HubError):
    code = "ABORTED"


class ConcurrencyConflict(Aborted):
    reason = "CONCURRENCY_CONFLICT"


class Unauthenticated(HubError):
    code = "UNAUTHENTICATED"
    reason = "UNAUTHENTICATED"


class CredentialRevoked(Unauthenticated):
    reason = "CREDENTIAL_REVOKED"


class PermissionDenied(HubError):
    code = "PERMISSION_DENIED"


class RoleNotAllowed(PermissionDenied):
    reason = "ROLE_NOT_ALLOWED"


class SameOfficer(PermissionDenied):
    """Four eyes: the officer who ran a settlement cannot approve it."""

    reason = "SAME_OFFICER"


class ResourceExhausted(HubError):
    code = "RESOURCE_EXHAUSTED"


class ServerBusy(ResourceExhausted):
    reason = "SERVER_BUSY"


class RateLimited(ResourceExhausted):
    """The calling partner went over its request rate; ``retry_after_s`` says when to retry."""

    reason = "RATE_LIMITED"


class Unavailable(HubError):
    """An infrastructure fault, not the caller's: retrying with the same idempotency key is
    safe and settles whatever happened."""

    code = "UNAVAILABLE"


class DatabaseUnavailable(Unavailable):
    """The database could not be reached (or is shutting down); nothing was committed."""

    reason = "DATABASE_UNAVAILABLE"


class CommitOutcomeUnknown(Unavailable):
    """The connection was lost after COMMIT was sent: the operation may have been applied.
    A retry with the same idempotency key replays it if it was, or applies it if not."""

    reason = "COMMIT_OUTCOME_UNKNOWN"


def _leaves(cls: type[HubError]) -> list[type[HubError]]:
    subclasses = cls.__subclasses__()
    if not subclasses:
        return [cls]
    return [leaf for sub in subclasses for leaf in _leaves(sub)]


ERRORS_BY_REASON: dict[str, type[HubError]] = {
    HubError.reason: HubError,
    Unauthenticated.reason: Unauthenticated,
    **{cls.reason: cls for cls in _leaves(HubError)},
}
"""Every reason the hub can report, with the class that reports it (built once, at import)."""
