"""A fake PartnerService served for real on a free port, and a fake clock for retries."""

# The servicer's method names are the RPC names, fixed by the proto.
# ruff: noqa: N802

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from coalition.hub.v1 import common_pb2, partner_pb2, partner_pb2_grpc
from partner_sdk import RetryPolicy

NOW = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
LATER = datetime(2025, 3, 15, 12, 30, tzinfo=UTC)
RATES = common_pb2.Rates(
    earn_rate="0.1",
    burn_value="0.01",
    issue_price="0.012",
    redemption_price="0.009",
    effective_from=NOW,
)
MEMBER = partner_pb2.Member(
    member_id="m_1",
    status=partner_pb2.MEMBER_STATUS_ACTIVE,
    enrolled_at=NOW,
    identifier_kinds=[common_pb2.IDENTIFIER_KIND_CARD],
)
HOLD = partner_pb2.Hold(
    hold_id="h_1",
    member_id="m_1",
    status=partner_pb2.HOLD_STATUS_PENDING,
    points=300,
    value=common_pb2.Money(amount_minor=300, currency="EUR"),
    created_at=NOW,
    expires_at=LATER,
    order_id="o-1",
    rates=RATES,
    transaction_id="t_h1",
)
# An earn of 1050 EUR by a silver member: base 105, silver x1.5, a double-points campaign cut by
# its budget, a fixed bonus, tobacco excluded, and a daily cap taking 20 back.
BREAKDOWN = partner_pb2.Breakdown(
    points=220,
    eligible_minor=1050,
    lines=[
        partner_pb2.BreakdownLine(kind="base", points=105, funder=common_pb2.FUNDER_PARTNER),
        partner_pb2.BreakdownLine(
            kind="tier",
            points=52,
            funder=common_pb2.FUNDER_PARTNER,
            rule_id="tier-benefits:coffee",
            label="Silver tier",
            multiplier="1.50",
            on_points=105,
        ),
        partner_pb2.BreakdownLine(
            kind="campaign",
            points=58,
            funder=common_pb2.FUNDER_COALITION,
            rule_id="double-march",
            label="Double points in March",
            multiplier="2",
            on_points=105,
            note="budget",
            capped_points=20,
        ),
        partner_pb2.BreakdownLine(
            kind="campaign", points=25, funder=common_pb2.FUNDER_PARTNER, rule_id="welcome-week"
        ),
    ],
    excluded=[
        partner_pb2.ExcludedItem(
            index=1, sku="cigs-20", category="tobacco", amount_minor=900, reason="category"
        ),
    ],
    caps=[
        partner_pb2.CapCut(rule_id="daily-cap", period="day", limit_points=500, cut_points=20),
    ],
    coalition_funded_points=38,
    tier="Silver",
    tier_after="Gold",
)
TIER = partner_pb2.TierStatus(
    tier="Silver",
    next_tier="Gold",
    metric="spend",
    qualifying=120_000,
    to_next_tier=30_000,
    spend_currency="EUR",
)
EVENT_GRANT = partner_pb2.GrantEventResponse(
    transaction_id="t_e1",
    member_id="m_1",
    points=200,
    rule_id="referrals",
    funder=common_pb2.FUNDER_COALITION,
    created_at=NOW,
)
PAGES = {
    "": (["t_3", "t_2"], "page-2"),
    "page-2": (["t_1"], ""),
}

# A failure makes the servicer abort the call; it gets the context and the caller's request id.
Failure = Callable[[grpc.ServicerContext, str], None]


def packed(message: Message) -> any_pb2.Any:
    result = any_pb2.Any()
    result.Pack(message)
    return result


def plain(code: grpc.StatusCode, message: str = "") -> Failure:
    """Aborts like a transport or a proxy would: a code and a message, no details."""

    def fail(context: grpc.ServicerContext, request_id: str) -> None:
        context.abort(code, message)

    return fail


def rich(
    code: grpc.StatusCode,
    reason: str,
    *extra: Message,
    metadata: dict[str, str] | None = None,
    domain: str = "hub.coalition",
    request_id: str | None = None,
) -> Failure:
    """Aborts like the hub does: ErrorInfo and RequestInfo, plus ``extra`` details."""

    def fail(context: grpc.ServicerContext, caller_request_id: str) -> None:
        info = error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=metadata or {})
        request = error_details_pb2.RequestInfo(request_id=request_id or caller_request_id)
        status = status_pb2.Status(
            code=code.value[0],
            message=f"refused: {reason.lower()}",
            details=[packed(info), packed(request), *(packed(m) for m in extra)],
        )
        context.abort_with_status(rpc_status.to_status(status))

    return fail


def trailed(code: grpc.StatusCode, message: str, status_details: bytes) -> Failure:
    """Aborts with ``status_details`` as the serialized google.rpc.Status trailer, as it
    arrives: garbled, or rewritten by a proxy so that it contradicts the call's code or message."""

    def fail(context: grpc.ServicerContext, request_id: str) -> None:
        context.set_trailing_metadata(
            (("grpc-status-details-bin", status_details), ("x-request-id", request_id))
        )
        context.abort(code, message)

    return fail


def hang(context: grpc.ServicerContext, request_id: str) -> None:
    """Never answers, so the caller's deadline passes."""
    while context.is_active():
        time.sleep(0.01)


@dataclass
class Received:
    method: str
    request: Any
    metadata: dict[str, str]

    @property
    def idempotency_key(self) -> str:
        return str(self.request.idempotency_key)

    @property
    def request_id(self) -> str:
        return self.metadata.get("x-request-id", "")


@dataclass
class FakePartnerService(partner_pb2_grpc.PartnerServiceServicer):
    """Answers every call with canned data, after the scripted failures are used up."""

    target: str = ""
    received: list[Received] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    always: Failure | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *failures: Failure) -> None:
        self.failures.extend(failures)

    def methods(self) -> list[str]:
        return [r.method for r in self.received]

    def _serve(self, method: str, request: Any, context: grpc.ServicerContext, answer: Any) -> Any:
        metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        request_id = metadata.get("x-request-id", "")
        # The hub echoes the caller's request id; abort_with_status would replace it.
        context.set_trailing_metadata((("x-request-id", request_id),))
        with self._lock:
            self.received.append(Received(method, request, metadata))
            failure = self.failures.pop(0) if self.failures else self.always
        if failure is not None:
            failure(context, request_id)
        return answer

    def Ping(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve("Ping", request, context, partner_pb2.PingResponse(server_time=NOW))

    def EnrollMember(self, request: Any, context: grpc.ServicerContext) -> Any:
        enrolled = partner_pb2.Member()
        enrolled.CopyFrom(MEMBER)
        enrolled.welcome_points = 50
        return self._serve("EnrollMember", request, context, enrolled)

    def LookupMember(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve("LookupMember", request, context, MEMBER)

    def AddIdentifier(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve("AddIdentifier", request, context, MEMBER)

    def Earn(self, request: Any, context: grpc.ServicerContext) -> Any:
        earned = partner_pb2.EarnResponse(
            transaction_id="t_1",
            member_id="m_1",
            points=105,
            status=common_pb2.POINTS_STATUS_PENDING,
            available_at=LATER,
            rates=RATES,
            created_at=NOW,
            breakdown=BREAKDOWN,
        )
        return self._serve("Earn", request, context, earned)

    def Quote(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.WhichOneof("operation") == "earn":
            result = partner_pb2.QuoteResponse(
                earn=partner_pb2.EarnQuoteResult(
                    points=105,
                    status=common_pb2.POINTS_STATUS_AVAILABLE,
                    available_at=NOW,
                    expires_at=LATER,
                    breakdown=BREAKDOWN,
                ),
            )
        else:
            result = partner_pb2.QuoteResponse(
                burn=partner_pb2.BurnQuoteResult(
                    points=500, value=common_pb2.Money(amount_minor=5, currency="EUR")
                ),
            )
        result.rates.CopyFrom(RATES)
        result.quoted_at.FromDatetime(NOW)
        return self._serve("Quote", request, context, result)

    def GetBalance(self, request: Any, context: grpc.ServicerContext) -> Any:
        balance = partner_pb2.Balance(
            member_id="m_1",
            available_points=120,
            pending_points=105,
            held_points=20,
            expiring_points=0,
            as_of=NOW,
            debt_points=7,
            tier=TIER,
        )
        return self._serve("GetBalance", request, context, balance)

    def ListTransactions(self, request: Any, context: grpc.ServicerContext) -> Any:
        ids, next_token = PAGES[request.page_token]
        page = partner_pb2.ListTransactionsResponse(
            transactions=[_transaction(i) for i in ids], next_page_token=next_token
        )
        return self._serve("ListTransactions", request, context, page)

    def AuthorizeRedemption(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve("AuthorizeRedemption", request, context, HOLD)

    def CaptureRedemption(self, request: Any, context: grpc.ServicerContext) -> Any:
        capture = partner_pb2.Capture(
            transaction_id="t_c1",
            hold_id=request.hold_id,
            captured_points=200,
            released_points=100,
            value=common_pb2.Money(amount_minor=200, currency="EUR"),
            captured_at=NOW,
        )
        return self._serve("CaptureRedemption", request, context, capture)

    def VoidRedemption(self, request: Any, context: grpc.ServicerContext) -> Any:
        voided = partner_pb2.Hold()
        voided.CopyFrom(HOLD)
        voided.status = partner_pb2.HOLD_STATUS_VOIDED
        voided.resolved_at.FromDatetime(NOW)
        return self._serve("VoidRedemption", request, context, voided)

    def GetHold(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._serve("GetHold", request, context, HOLD)

    def RefundEarn(self, request: Any, context: grpc.ServicerContext) -> Any:
        refund = partner_pb2.EarnRefund(
            transaction_id="t_r1",
            earn_transaction_id=request.transaction_id,
            points_reversed=50,
            pending_points_cancelled=20,
            available_points_reversed=25,
            debt_points=5,
            created_at=NOW,
        )
        return self._serve("RefundEarn", request, context, refund)

    def RefundRedemption(self, request: Any, context: grpc.ServicerContext) -> Any:
        refund = partner_pb2.RedemptionRefund(
            transaction_id="t_r2",
            hold_id=request.hold_id,
            points_returned=80,
            points_expired=20,
            created_at=NOW,
        )
        return self._serve("RefundRedemption", request, context, refund)

    def GrantEvent(self, request: Any, context: grpc.ServicerContext) -> Any:
        granted = partner_pb2.GrantEventResponse()
        granted.CopyFrom(EVENT_GRANT)
        if request.HasField("referred_member"):
            granted.referred_member_id = request.referred_member.member_id or "m_2"
            granted.referee_points = 100
            granted.referee_transaction_id = "t_e2"
        return self._serve("GrantEvent", request, context, granted)


def _transaction(transaction_id: str) -> partner_pb2.Transaction:
    return partner_pb2.Transaction(
        transaction_id=transaction_id,
        kind=partner_pb2.TRANSACTION_KIND_EARN,
        member_id="m_1",
        points=10,
        order_id=f"order-{transaction_id}",
        purchase=common_pb2.Money(amount_minor=1000, currency="EUR"),
        rates=RATES,
        created_at=NOW,
        available_at=NOW,
        breakdown=BREAKDOWN,
    )


@contextmanager
def served(
    service: FakePartnerService, credentials: grpc.ServerCredentials | None = None
) -> Iterator[FakePartnerService]:
    """``service`` on a real gRPC server on a free local port, for the block's length; over
    TLS with ``credentials``, else plaintext."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    partner_pb2_grpc.add_PartnerServiceServicer_to_server(service, server)
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    service.target = f"127.0.0.1:{port}"
    try:
        yield service
    finally:
        server.stop(grace=None)


@dataclass
class FakeClock:
    """Time that passes only when the code under test sleeps, recording every sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def policy(self, *, jitter: float = 0.5, **knobs: float) -> RetryPolicy:
        """A policy on this clock whose random draws all return ``jitter``."""
        return RetryPolicy(
            clock=self.monotonic,
            sleep=self.sleep,
            async_sleep=self.async_sleep,
            rng=lambda: jitter,
            **knobs,
        )
