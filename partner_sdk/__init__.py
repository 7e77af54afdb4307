"""The coalition hub's partner SDK: earn and query coalition points over gRPC.

Usage::

    from partner_sdk import HubClient, Identifier, MemberNotFound

    with HubClient("127.0.0.1:50051", partner_id="coffee") as hub:
        member = hub.enroll(Identifier.card("4000 1234 5678 9010"))
        earned = hub.earn(member.member_id, amount_minor=1050, currency="EUR", order_id="r-1")
        print(earned.points, earned.status, earned.expires_at)  # e.g. 10 pending None
        try:
            hub.balance(Identifier.phone("+4915112345678"))
        except MemberNotFound as error:
            print(error.reason, error.request_id)  # what to quote to the hub's operators

Retries on ``UNAVAILABLE``/``ABORTED`` are built in and safe: a mutating call's idempotency key
is made once and reused by every retry. ``AsyncHubClient`` (``partner_sdk.aio``) mirrors
``HubClient`` for ``asyncio``; ``partner_sdk.testing.LocalHub`` runs a real hub for your tests.
"""

from partner_sdk._retry import RetryPolicy
from partner_sdk._rpc import USE_CLIENT_DEFAULT
from partner_sdk.aio import AsyncHubClient
from partner_sdk.client import HubClient
from partner_sdk.errors import (
    Aborted,
    AuthenticationError,
    ConcurrencyConflict,
    Conflict,
    CurrencyMismatch,
    DuplicateOrder,
    FieldViolation,
    HubError,
    IdempotencyKeyReused,
    IdentifierTaken,
    InternalError,
    InvalidAmount,
    InvalidField,
    InvalidIdempotencyKey,
    InvalidIdentifier,
    InvalidPageToken,
    InvalidRate,
    InvalidRequest,
    LineItemsMismatch,
    MalformedId,
    MemberNotActive,
    MemberNotFound,
    NoRateInForce,
    NotFound,
    PartnerDisabled,
    PartnerExists,
    PartnerNotFound,
    PermissionDenied,
    RateInPast,
    RateLimited,
    Refused,
    ServerBusy,
    TooManyLineItems,
    Unavailable,
    UnknownCurrency,
    from_rpc_error,
)
from partner_sdk.models import (
    Balance,
    BurnQuote,
    ChannelName,
    Earned,
    EarnQuote,
    Identifier,
    IdentifierKind,
    LineItem,
    Member,
    MemberRef,
    MemberStatus,
    Money,
    PointOfSale,
    PointsStatus,
    Rates,
    Transaction,
    TransactionKind,
    TransactionPage,
)

__all__ = [
    "USE_CLIENT_DEFAULT",
    "Aborted",
    "AsyncHubClient",
    "AuthenticationError",
    "Balance",
    "BurnQuote",
    "ChannelName",
    "ConcurrencyConflict",
    "Conflict",
    "CurrencyMismatch",
    "DuplicateOrder",
    "EarnQuote",
    "Earned",
    "FieldViolation",
    "HubClient",
    "HubError",
    "IdempotencyKeyReused",
    "Identifier",
    "IdentifierKind",
    "IdentifierTaken",
    "InternalError",
    "InvalidAmount",
    "InvalidField",
    "InvalidIdempotencyKey",
    "InvalidIdentifier",
    "InvalidPageToken",
    "InvalidRate",
    "InvalidRequest",
    "LineItem",
    "LineItemsMismatch",
    "MalformedId",
    "Member",
    "MemberNotActive",
    "MemberNotFound",
    "MemberRef",
    "MemberStatus",
    "Money",
    "NoRateInForce",
    "NotFound",
    "PartnerDisabled",
    "PartnerExists",
    "PartnerNotFound",
    "PermissionDenied",
    "PointOfSale",
    "PointsStatus",
    "RateInPast",
    "RateLimited",
    "Rates",
    "Refused",
    "RetryPolicy",
    "ServerBusy",
    "TooManyLineItems",
    "Transaction",
    "TransactionKind",
    "TransactionPage",
    "Unavailable",
    "UnknownCurrency",
    "from_rpc_error",
]
