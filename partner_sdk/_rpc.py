"""What the sync and async clients share about calling: methods, metadata, options."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, TypeVar

from coalition.hub.v1 import partner_pb2
from partner_sdk._retry import RetryPolicy
from partner_sdk.errors import DISTRIBUTION, REQUEST_ID_HEADER

SDK_VERSION: Final = "0.1.0"
"""The SDK's version, written only here: ``partner_sdk.__version__``, the user agent, and the
``coalition-partner-sdk`` distribution's version (sdk/hatch_build.py reads this line)."""
PARTNER_ID_HEADER: Final = "x-hub-partner-id"
DEFAULT_TIMEOUT_S: Final = 5.0
DEFAULT_RETRY: Final = RetryPolicy()
# Pages ``iter_history`` asks for: few round trips, each cheap for the hub.
HISTORY_PAGE_SIZE: Final = 100

ChannelOptions = Sequence[tuple[str, Any]]
Metadata = tuple[tuple[str, str], ...]

_Req = TypeVar("_Req")
_Resp = TypeVar("_Resp")


class UseClientDefault(enum.Enum):
    """The type of ``USE_CLIENT_DEFAULT``: ``retry=None`` already means "do not retry"."""

    USE_CLIENT_DEFAULT = enum.auto()


USE_CLIENT_DEFAULT: Final = UseClientDefault.USE_CLIENT_DEFAULT
RetryOption = RetryPolicy | None | Literal[UseClientDefault.USE_CLIENT_DEFAULT]


@dataclass(frozen=True)
class Rpc(Generic[_Req, _Resp]):
    """A ``PartnerService`` method: its stub attribute, typed (grpc ships no type stubs)."""

    name: str


PING: Final = Rpc[partner_pb2.PingRequest, partner_pb2.PingResponse]("Ping")
ENROLL: Final = Rpc[partner_pb2.EnrollMemberRequest, partner_pb2.Member]("EnrollMember")
LOOKUP: Final = Rpc[partner_pb2.LookupMemberRequest, partner_pb2.Member]("LookupMember")
ADD_IDENTIFIER: Final = Rpc[partner_pb2.AddIdentifierRequest, partner_pb2.Member]("AddIdentifier")
EARN: Final = Rpc[partner_pb2.EarnRequest, partner_pb2.EarnResponse]("Earn")
QUOTE: Final = Rpc[partner_pb2.QuoteRequest, partner_pb2.QuoteResponse]("Quote")
BALANCE: Final = Rpc[partner_pb2.GetBalanceRequest, partner_pb2.Balance]("GetBalance")
HISTORY: Final = Rpc[partner_pb2.ListTransactionsRequest, partner_pb2.ListTransactionsResponse](
    "ListTransactions"
)
AUTHORIZE: Final = Rpc[partner_pb2.AuthorizeRedemptionRequest, partner_pb2.Hold](
    "AuthorizeRedemption"
)
CAPTURE: Final = Rpc[partner_pb2.CaptureRedemptionRequest, partner_pb2.Capture]("CaptureRedemption")
VOID: Final = Rpc[partner_pb2.VoidRedemptionRequest, partner_pb2.Hold]("VoidRedemption")
GET_HOLD: Final = Rpc[partner_pb2.GetHoldRequest, partner_pb2.Hold]("GetHold")
REFUND_EARN: Final = Rpc[partner_pb2.RefundEarnRequest, partner_pb2.EarnRefund]("RefundEarn")
REFUND_REDEMPTION: Final = Rpc[partner_pb2.RefundRedemptionRequest, partner_pb2.RedemptionRefund](
    "RefundRedemption"
)
GRANT_EVENT: Final = Rpc[partner_pb2.GrantEventRequest, partner_pb2.GrantEventResponse](
    "GrantEvent"
)


@dataclass(frozen=True)
class Call:
    """One logical call: what every attempt of it sends, and how long it may take."""

    request_id: str
    metadata: Metadata
    timeout_s: float
    retry: RetryPolicy | None


@dataclass(frozen=True)
class ClientOptions:
    """What every call of one client shares.

    ``partner_in_metadata`` is false when a client certificate names the partner: the
    ``x-hub-partner-id`` header is only for a loopback ``--insecure`` hub.
    """

    partner_id: str
    timeout_s: float
    retry: RetryPolicy | None
    partner_in_metadata: bool = True

    def __post_init__(self) -> None:
        if not self.partner_id:
            raise ValueError("partner_id is required: the hub names every caller")
        _check_timeout(self.timeout_s)

    def start_call(self, timeout_s: float | None, retry: RetryOption) -> Call:
        """A new logical call with its own request id, under per-call overrides if given."""
        if timeout_s is not None:
            _check_timeout(timeout_s)
        request_id = uuid.uuid4().hex
        return Call(
            request_id=request_id,
            metadata=self._metadata(request_id),
            timeout_s=self.timeout_s if timeout_s is None else timeout_s,
            retry=self.retry if retry is USE_CLIENT_DEFAULT else retry,
        )

    def _metadata(self, request_id: str) -> Metadata:
        if self.partner_in_metadata:
            return ((PARTNER_ID_HEADER, self.partner_id), (REQUEST_ID_HEADER, request_id))
        return ((REQUEST_ID_HEADER, request_id),)


def channel_options(options: ChannelOptions) -> list[tuple[str, Any]]:
    """``options`` plus the SDK's user agent, so the hub's logs tell SDK versions apart."""
    return [("grpc.primary_user_agent", f"{DISTRIBUTION}/{SDK_VERSION}"), *options]


def _check_timeout(timeout_s: float) -> None:
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, not {timeout_s}")
