"""The coalition hub's partner SDK: earn, redeem, refund and query coalition points over gRPC.

Usage::

    from partner_sdk import HubClient, Identifier, MemberNotFound

    with HubClient.connect(
        "hub.coalition.example:443", certificate="coffee.crt", private_key="coffee.key", ca="ca.crt"
    ) as hub:
        print(hub.partner_id)  # "coffee", read from the certificate
        member_id = hub.enroll(Identifier.card("4000 1234 5678 9010")).member_id
        earned = hub.earn(member_id, amount_minor=1050, currency="EUR", order_id="r-1")
        print(earned.points, earned.status, earned.expires_at)  # e.g. 10 available None
        hold = hub.authorize(member_id, amount_minor=800, currency="EUR", order_id="r-2", points=5)
        hub.capture(hold.hold_id)  # or hub.void(hold.hold_id); a hold left alone expires
        try:
            hub.balance(Identifier.phone("+4915112345678"))
        except MemberNotFound as error:
            print(error.reason, error.request_id)  # what to quote to the hub's operators

``update_member_contact(member_id, phone=..., email=...)`` replaces the contact the hub keeps
(encrypted) for a member; its phone and e-mail feed the fraud checks' "one phone on many
members" signal.

``earned.breakdown`` says how the points were reached (base, tier bonus, campaigns, excluded
items, caps); ``earned.breakdown.receipt_lines()`` prints it for the receipt. ``grant_event``
gives the points of the partner's event rules (a review, a referral, a completed profile).

Redemptions are two-phase, like card payments: ``authorize`` holds points, ``capture`` spends
all or part of the hold, ``void`` releases it. ``refund_earn`` and ``refund_redemption`` undo
earns and captures, never beyond the original.

The hub's fraud checks look at each earn and redemption (``PointOfSale``: store, terminal,
cashier, store location). ``FraudDeclined`` means they refused it and nothing was posted: do
not retry. A redemption they doubt comes back ``HoldStatus.IN_REVIEW``; ``capture`` raises
``HoldInReview`` until a fraud analyst releases it: poll ``get_hold`` and capture once it is
``PENDING`` (or ``DECLINED``: its points went back), or ``void`` it.

``connect`` checks the files before connecting and raises ``CertificateError`` saying what is
wrong (expired, another CA's, a key that is not the certificate's...); a hub whose own
certificate fails the client's checks raises it too, while an unreachable hub is
``Unavailable``. On a loopback ``--insecure`` hub, ``HubClient(target, partner_id="coffee")``
names the partner in metadata instead.

Retries on ``UNAVAILABLE``/``ABORTED`` (a database outage, ``DatabaseUnavailable``, and a
commit whose outcome the hub could not learn, ``CommitOutcomeUnknown``, included), and on
``RESOURCE_EXHAUSTED`` after the delay the hub asks for (``ServerBusy`` when it sheds load,
``PartnerRateLimited``), are built in and bounded by the call's deadline; they are safe because
a mutating call's idempotency key is made once and reused by every retry.
Tills on flaky networks wrap the client in ``StoreAndForward`` (``partner_sdk.offline``):
an earn the hub cannot take now is journalled on the till and returned as ``QueuedEarn``, and
``forward()`` sends it later with its original key and sale time.
``AsyncHubClient`` (``partner_sdk.aio``) mirrors ``HubClient`` for ``asyncio``;
``partner_sdk.testing.LocalHub`` runs a real hub for your tests.

The SDK installs alone as the ``coalition-partner-sdk`` distribution (``sdk/`` in the hub's
repository): this package and the generated stubs (``coalition.hub.v1``), typed (``py.typed``),
needing only grpcio, protobuf and googleapis-common-protos (the stubs' and the error details'
protos). ``cryptography`` is optional: the ``statements`` extra verifies statement signatures,
the ``certificates`` extra checks certificate files and reads the partner id from them in
``connect`` (``coalition-partner-sdk[statements,certificates]`` for both). Without it those
raise ``MissingExtra`` naming the extra; ``connect(..., partner_id="coffee")`` still connects.
"""

from partner_sdk._retry import RetryPolicy
from partner_sdk._rpc import SDK_VERSION, USE_CLIENT_DEFAULT
from partner_sdk.aio import AsyncHubClient
from partner_sdk.client import HubClient
from partner_sdk.errors import (
    Aborted,
    AuthenticationError,
    BelowMinimumRedemption,
    BusinessDayOpen,
    CampaignsOverlap,
    CaptureExceedsHold,
    CertificateError,
    CommitOutcomeUnknown,
    ConcurrencyConflict,
    Conflict,
    CredentialNotFound,
    CredentialRevoked,
    CurrencyMismatch,
    DatabaseUnavailable,
    DuplicateOrder,
    EarlierDayUnsettled,
    EventLimitReached,
    ExceedsCategoryShare,
    ExceedsPayableAmount,
    ExceptionAlreadyAccepted,
    ExceptionNotFound,
    ExceptionsOpen,
    FieldViolation,
    FlagAlreadyResolved,
    FlagNotFound,
    FraudDeclined,
    HoldAlreadyCaptured,
    HoldAlreadyVoided,
    HoldExpired,
    HoldInReview,
    HoldNotFound,
    HoldNotInReview,
    HubError,
    IdempotencyKeyReused,
    IdentifierTaken,
    InsufficientPoints,
    InternalError,
    InvalidAmount,
    InvalidField,
    InvalidHoldTtl,
    InvalidIdempotencyKey,
    InvalidIdentifier,
    InvalidPageToken,
    InvalidRate,
    InvalidReport,
    InvalidRequest,
    InvalidRule,
    LineItemsMismatch,
    MalformedId,
    MalformedRequest,
    MemberAlreadyFrozen,
    MemberNotActive,
    MemberNotFound,
    MemberNotFrozen,
    MissingExtra,
    NoRateInForce,
    NotFound,
    NothingToAnnul,
    OfflineWindowExceeded,
    PartnerDisabled,
    PartnerExists,
    PartnerNotFound,
    PartnerRateLimited,
    PermissionDenied,
    RateInPast,
    RateLimited,
    RefundExceedsOriginal,
    Refused,
    RoleNotAllowed,
    RuleEnded,
    RuleInPast,
    RuleNotFound,
    SameOfficer,
    ServerBusy,
    SettlementApproved,
    SettlementNotFound,
    SigningKeyMissing,
    TooManyLineItems,
    TransactionNotFound,
    Unavailable,
    UnknownCurrency,
    from_rpc_error,
)
from partner_sdk.models import (
    Balance,
    Breakdown,
    BreakdownItem,
    BreakdownLine,
    BurnQuote,
    CapCut,
    Capture,
    ChannelName,
    Earned,
    EarnQuote,
    EarnRefund,
    EventGrant,
    EventKind,
    ExcludedItem,
    Funder,
    Hold,
    HoldStatus,
    Identifier,
    IdentifierKind,
    LineItem,
    LineKind,
    Member,
    MemberRef,
    MemberStatus,
    Money,
    PointOfSale,
    PointsStatus,
    Rates,
    RedemptionRefund,
    ReturnedLine,
    TierStatus,
    Transaction,
    TransactionKind,
    TransactionPage,
)
from partner_sdk.offline import (
    AsyncStoreAndForward,
    ForwardedEarn,
    ForwardReport,
    QueuedEarn,
    RefusedEarn,
    StoreAndForward,
)
from partner_sdk.reconciliation import ExceptionPage, Reconciliation, ReconciliationException
from partner_sdk.statements import (
    SigningKey,
    Statement,
    StatementSignatureInvalid,
    verify_statement,
)
from partner_sdk.webhooks import (
    SignatureInvalid,
    SignatureMissing,
    SignatureStale,
    WebhookVerificationError,
    verify_webhook,
)

__version__ = SDK_VERSION
"""The SDK's version: the ``coalition-partner-sdk`` distribution's, and its user agent's."""

__all__ = [
    "USE_CLIENT_DEFAULT",
    "Aborted",
    "AsyncHubClient",
    "AsyncStoreAndForward",
    "AuthenticationError",
    "Balance",
    "BelowMinimumRedemption",
    "Breakdown",
    "BreakdownItem",
    "BreakdownLine",
    "BurnQuote",
    "BusinessDayOpen",
    "CampaignsOverlap",
    "CapCut",
    "Capture",
    "CaptureExceedsHold",
    "CertificateError",
    "ChannelName",
    "CommitOutcomeUnknown",
    "ConcurrencyConflict",
    "Conflict",
    "CredentialNotFound",
    "CredentialRevoked",
    "CurrencyMismatch",
    "DatabaseUnavailable",
    "DuplicateOrder",
    "EarlierDayUnsettled",
    "EarnQuote",
    "EarnRefund",
    "Earned",
    "EventGrant",
    "EventKind",
    "EventLimitReached",
    "ExceedsCategoryShare",
    "ExceedsPayableAmount",
    "ExceptionAlreadyAccepted",
    "ExceptionNotFound",
    "ExceptionPage",
    "ExceptionsOpen",
    "ExcludedItem",
    "FieldViolation",
    "FlagAlreadyResolved",
    "FlagNotFound",
    "ForwardReport",
    "ForwardedEarn",
    "FraudDeclined",
    "Funder",
    "Hold",
    "HoldAlreadyCaptured",
    "HoldAlreadyVoided",
    "HoldExpired",
    "HoldInReview",
    "HoldNotFound",
    "HoldNotInReview",
    "HoldStatus",
    "HubClient",
    "HubError",
    "IdempotencyKeyReused",
    "Identifier",
    "IdentifierKind",
    "IdentifierTaken",
    "InsufficientPoints",
    "InternalError",
    "InvalidAmount",
    "InvalidField",
    "InvalidHoldTtl",
    "InvalidIdempotencyKey",
    "InvalidIdentifier",
    "InvalidPageToken",
    "InvalidRate",
    "InvalidReport",
    "InvalidRequest",
    "InvalidRule",
    "LineItem",
    "LineItemsMismatch",
    "LineKind",
    "MalformedId",
    "MalformedRequest",
    "Member",
    "MemberAlreadyFrozen",
    "MemberNotActive",
    "MemberNotFound",
    "MemberNotFrozen",
    "MemberRef",
    "MemberStatus",
    "MissingExtra",
    "Money",
    "NoRateInForce",
    "NotFound",
    "NothingToAnnul",
    "OfflineWindowExceeded",
    "PartnerDisabled",
    "PartnerExists",
    "PartnerNotFound",
    "PartnerRateLimited",
    "PermissionDenied",
    "PointOfSale",
    "PointsStatus",
    "QueuedEarn",
    "RateInPast",
    "RateLimited",
    "Rates",
    "Reconciliation",
    "ReconciliationException",
    "RedemptionRefund",
    "RefundExceedsOriginal",
    "Refused",
    "RefusedEarn",
    "RetryPolicy",
    "ReturnedLine",
    "RoleNotAllowed",
    "RuleEnded",
    "RuleInPast",
    "RuleNotFound",
    "SameOfficer",
    "ServerBusy",
    "SettlementApproved",
    "SettlementNotFound",
    "SignatureInvalid",
    "SignatureMissing",
    "SignatureStale",
    "SigningKey",
    "SigningKeyMissing",
    "Statement",
    "StatementSignatureInvalid",
    "StoreAndForward",
    "TierStatus",
    "TooManyLineItems",
    "Transaction",
    "TransactionKind",
    "TransactionNotFound",
    "TransactionPage",
    "Unavailable",
    "UnknownCurrency",
    "WebhookVerificationError",
    "from_rpc_error",
    "verify_statement",
    "verify_webhook",
]
