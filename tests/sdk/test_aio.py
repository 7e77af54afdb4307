from __future__ import annotations

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.rpc import error_details_pb2

from coalition.hub.v1 import common_pb2
from partner_sdk import (
    AsyncHubClient,
    DuplicateOrder,
    HoldExpired,
    HoldStatus,
    Identifier,
    InvalidAmount,
    Money,
    PartnerRateLimited,
    Unavailable,
)

from .fakes import LATER, NOW, FakeClock, FakePartnerService, plain, rich

pytestmark = pytest.mark.asyncio

UNAVAILABLE = plain(grpc.StatusCode.UNAVAILABLE, "connection reset")
RATE_LIMITED_FOR_1_S = rich(
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    "RATE_LIMITED",
    error_details_pb2.RetryInfo(retry_delay=Duration(seconds=1)),
)


def connect(fake_hub: FakePartnerService, clock: FakeClock, **knobs: float) -> AsyncHubClient:
    # Made inside the test's event loop, which the grpc.aio channel then belongs to.
    return AsyncHubClient(fake_hub.target, partner_id="coffee", retry=clock.policy(**knobs))


async def test_async_retries_reuse_the_same_idempotency_key_and_request_id(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(UNAVAILABLE, rich(grpc.StatusCode.ABORTED, "CONCURRENCY_CONFLICT"))

    async with connect(fake_hub, clock) as client:
        earned = await client.earn("m_1", amount_minor=1050, currency="EUR", order_id="o-1")

    assert earned.points == 105
    assert len({r.idempotency_key for r in fake_hub.received}) == 1
    assert len({r.request_id for r in fake_hub.received}) == 1
    assert len(fake_hub.received) == 3
    assert clock.sleeps == [0.025, 0.05]


async def test_async_a_callers_idempotency_key_is_sent(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    async with connect(fake_hub, clock) as client:
        await client.enroll(Identifier.card("4000123456789010"), idempotency_key="mine-1")

    assert fake_hub.received[0].idempotency_key == "mine-1"


async def test_async_retries_stop_at_the_total_deadline(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.always = UNAVAILABLE

    async with connect(
        fake_hub, clock, deadline_s=1.0, initial_backoff_s=0.1, max_backoff_s=0.4
    ) as c:
        with pytest.raises(Unavailable):
            await c.ping()

    assert clock.sleeps == pytest.approx([0.05, 0.1, 0.2, 0.2, 0.2, 0.2])


async def test_async_errors_that_would_fail_again_are_not_retried(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_AMOUNT"))

    async with connect(fake_hub, clock) as client:
        with pytest.raises(InvalidAmount):
            await client.quote_earn(amount_minor=-1, currency="EUR")

    assert len(fake_hub.received) == 1


async def test_async_errors_carry_reason_details_and_request_id(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(
        rich(grpc.StatusCode.ALREADY_EXISTS, "DUPLICATE_ORDER", metadata={"order_id": "o-1"})
    )

    async with connect(fake_hub, clock) as client:
        with pytest.raises(DuplicateOrder) as raised:
            await client.earn("m_1", amount_minor=1, currency="EUR", order_id="o-1")

    assert raised.value.reason == "DUPLICATE_ORDER"
    assert raised.value.details == {"order_id": "o-1"}
    assert raised.value.request_id == fake_hub.received[0].request_id
    assert isinstance(raised.value.__cause__, grpc.aio.AioRpcError)


async def test_async_a_plain_unavailable_is_unavailable(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(UNAVAILABLE)

    async with connect(fake_hub, clock) as client:
        with pytest.raises(Unavailable) as raised:
            await client.ping(retry=None)

    assert raised.value.message == "connection reset"
    assert raised.value.reason == ""


async def test_async_methods_return_the_same_models_as_the_sync_client(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    async with connect(fake_hub, clock) as client:
        server_time = await client.ping()
        member = await client.lookup("m_1")
        added = await client.add_identifier("m_1", Identifier.phone("+4915112345678"))
        burn = await client.quote_burn(amount_minor=5, currency="EUR", member="m_1")
        balance = await client.balance("m_1")
        page = await client.history()

    assert server_time == NOW
    assert member == added
    assert burn.value == Money(5, "EUR")
    assert balance.available_points == 120
    assert page.next_page_token == "page-2"


async def test_async_iter_history_walks_every_page(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    async with connect(fake_hub, clock) as client:
        ids = [t.transaction_id async for t in client.iter_history(page_size=2)]

    assert ids == ["t_3", "t_2", "t_1"]


async def test_async_authorize_sends_the_payment_and_the_default_ttl_and_returns_the_hold(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    async with connect(fake_hub, clock) as client:
        hold = await client.authorize(
            "m_1", amount_minor=800, currency="EUR", order_id="o-1", pay_amount_minor=250
        )

    request = fake_hub.received[0].request
    assert request.amount == common_pb2.Money(amount_minor=250, currency="EUR")
    assert request.purchase == common_pb2.Money(amount_minor=800, currency="EUR")
    assert request.ttl_s == 0
    assert (hold.hold_id, hold.status, hold.expires_at, hold.resolved_at) == (
        "h_1",
        HoldStatus.PENDING,
        LATER,
        None,
    )


async def test_async_authorize_with_both_payments_raises_before_sending(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    async with connect(fake_hub, clock) as client:
        with pytest.raises(ValueError, match="exactly one"):
            await client.authorize(
                "m_1",
                amount_minor=800,
                currency="EUR",
                order_id="o-1",
                points=300,
                pay_amount_minor=250,
            )

    assert fake_hub.received == []


async def test_async_capture_of_all_points_retries_with_one_idempotency_key(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(UNAVAILABLE, rich(grpc.StatusCode.ABORTED, "CONCURRENCY_CONFLICT"))

    async with connect(fake_hub, clock) as client:
        capture = await client.capture("h_1")

    assert [r.request.points for r in fake_hub.received] == [0, 0, 0]
    assert len({r.idempotency_key for r in fake_hub.received}) == 1
    assert (capture.captured_points, capture.released_points) == (200, 100)
    assert capture.value == Money(200, "EUR")


async def test_async_a_capture_of_an_expired_hold_raises_hold_expired(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.FAILED_PRECONDITION, "HOLD_EXPIRED"))

    async with connect(fake_hub, clock) as client:
        with pytest.raises(HoldExpired):
            await client.capture("h_1", points=200)

    assert len(fake_hub.received) == 1


async def test_async_void_get_hold_and_refunds_return_the_same_models_as_the_sync_client(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    async with connect(fake_hub, clock) as client:
        voided = await client.void("h_1")
        hold = await client.get_hold("h_1")
        earn_refund = await client.refund_earn("t_1", amount_minor=500, currency="EUR")
        redemption_refund = await client.refund_redemption("h_1", points=100)

    assert (voided.status, voided.resolved_at) == (HoldStatus.VOIDED, NOW)
    assert hold.status is HoldStatus.PENDING
    assert (earn_refund.earn_transaction_id, earn_refund.debt_points) == ("t_1", 5)
    assert (redemption_refund.points_returned, redemption_refund.points_expired) == (80, 20)
    assert fake_hub.methods() == ["VoidRedemption", "GetHold", "RefundEarn", "RefundRedemption"]


async def test_async_get_hold_by_order_id_sends_only_the_order_id(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    async with connect(fake_hub, clock) as client:
        await client.get_hold(order_id="receipt-9")

    (received,) = fake_hub.received
    assert (received.request.hold_id, received.request.order_id) == ("", "receipt-9")


async def test_async_a_partner_over_its_rate_limit_waits_the_hubs_delay_and_keeps_its_key(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(RATE_LIMITED_FOR_1_S)

    async with connect(fake_hub, clock) as client:
        await client.capture("h_1", points=200)

    assert len(fake_hub.received) == 2
    assert len({r.idempotency_key for r in fake_hub.received}) == 1
    assert clock.sleeps == pytest.approx([1.025])


async def test_async_a_rate_limit_without_a_retry_delay_is_raised_at_once(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED"))

    async with connect(fake_hub, clock) as client:
        with pytest.raises(PartnerRateLimited):
            await client.capture("h_1", points=200)

    assert len(fake_hub.received) == 1
    assert clock.sleeps == []


async def test_async_a_rate_limit_delay_longer_than_the_deadline_is_raised_at_once(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(RATE_LIMITED_FOR_1_S)

    async with connect(fake_hub, clock, deadline_s=0.5) as client:
        with pytest.raises(PartnerRateLimited) as raised:
            await client.ping()

    assert raised.value.retry_after_s == 1.0
    assert clock.sleeps == []
