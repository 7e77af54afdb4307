"""The SDK rides out the hub's faults: a database outage, a commit whose outcome is unknown and
a hub shedding load are retried with the same idempotency key, within the call's deadline, by
both clients alike."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.rpc import error_details_pb2

from partner_sdk import (
    AsyncHubClient,
    CommitOutcomeUnknown,
    DatabaseUnavailable,
    HubClient,
    MalformedRequest,
    ServerBusy,
    Unavailable,
)

from .fakes import FakeClock, FakePartnerService, rich

DATABASE_DOWN = rich(
    grpc.StatusCode.UNAVAILABLE,
    "DATABASE_UNAVAILABLE",
    error_details_pb2.RetryInfo(retry_delay=Duration(nanos=200_000_000)),
)
OUTCOME_UNKNOWN = rich(grpc.StatusCode.UNAVAILABLE, "COMMIT_OUTCOME_UNKNOWN")
BUSY = rich(
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    "SERVER_BUSY",
    error_details_pb2.RetryInfo(retry_delay=Duration(nanos=100_000_000)),
    metadata={"retry_after_s": "0.1"},
)


def earn(client: HubClient) -> object:
    return client.earn("m_1", amount_minor=1050, currency="EUR", order_id="o-1")


def test_a_database_outage_and_an_unknown_commit_are_retried_with_the_same_key(
    fake_hub: FakePartnerService, client: HubClient, clock: FakeClock
) -> None:
    fake_hub.fail_next(DATABASE_DOWN, OUTCOME_UNKNOWN)

    earn(client)

    keys = [r.idempotency_key for r in fake_hub.received]
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert uuid.UUID(keys[0]).version == 4
    assert len({r.request_id for r in fake_hub.received}) == 1
    # The hub's 0.2 s, then no delay asked: each plus half (the jitter drawn) of the backoff cap.
    assert clock.sleeps == pytest.approx([0.225, 0.05])


def test_a_callers_own_key_is_resent_after_an_unknown_commit(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(OUTCOME_UNKNOWN, OUTCOME_UNKNOWN)

    client.capture("h_1", idempotency_key="till-7-capture-1")

    assert [r.idempotency_key for r in fake_hub.received] == ["till-7-capture-1"] * 3


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [(DATABASE_DOWN, DatabaseUnavailable), (OUTCOME_UNKNOWN, CommitOutcomeUnknown)],
)
def test_an_outage_outlasting_the_deadline_raises_its_typed_error(
    fake_hub: FakePartnerService,
    clock: FakeClock,
    failure: object,
    error_class: type[Unavailable],
) -> None:
    fake_hub.always = failure  # type: ignore[assignment]

    client = HubClient(fake_hub.target, partner_id="coffee", retry=clock.policy(deadline_s=1.0))
    with client, pytest.raises(error_class) as raised:
        earn(client)

    assert isinstance(raised.value, Unavailable)
    assert raised.value.code is grpc.StatusCode.UNAVAILABLE
    assert len(fake_hub.received) == len(clock.sleeps) + 1 > 2
    assert sum(clock.sleeps) < 1.0
    assert len({r.idempotency_key for r in fake_hub.received}) == 1


def test_a_busy_hub_is_retried_after_its_delay_and_the_call_succeeds(
    fake_hub: FakePartnerService, client: HubClient, clock: FakeClock
) -> None:
    fake_hub.fail_next(BUSY, BUSY)

    earn(client)

    keys = [r.idempotency_key for r in fake_hub.received]
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert clock.sleeps == pytest.approx([0.125, 0.15])


def test_a_busy_hub_is_given_up_on_at_the_deadline(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.always = BUSY

    client = HubClient(fake_hub.target, partner_id="coffee", retry=clock.policy(deadline_s=0.5))
    with client, pytest.raises(ServerBusy) as raised:
        earn(client)

    assert raised.value.retry_after_s == pytest.approx(0.1)
    # 0.125 + 0.15 + 0.2 = 0.475 s; the next wait (0.1 + 0.4 * 0.5) would end past 0.5 s.
    assert clock.sleeps == pytest.approx([0.125, 0.15, 0.2])
    assert len(fake_hub.received) == 4


def test_a_malformed_request_is_an_invalid_request_and_never_retried(
    fake_hub: FakePartnerService, client: HubClient, clock: FakeClock
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST"))

    with pytest.raises(MalformedRequest):
        earn(client)

    assert len(fake_hub.received) == 1
    assert clock.sleeps == []


@pytest.mark.asyncio
async def test_async_outages_and_a_busy_hub_are_retried_with_the_same_key(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(DATABASE_DOWN, BUSY, OUTCOME_UNKNOWN)

    async with AsyncHubClient(fake_hub.target, partner_id="coffee", retry=clock.policy()) as hub:
        await hub.earn("m_1", amount_minor=1050, currency="EUR", order_id="o-1")

    keys = [r.idempotency_key for r in fake_hub.received]
    assert len(keys) == 4
    assert len(set(keys)) == 1
    assert clock.sleeps == pytest.approx([0.225, 0.15, 0.1])


@pytest.mark.asyncio
async def test_async_a_busy_hub_is_given_up_on_at_the_deadline(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.always = BUSY

    client = AsyncHubClient(
        fake_hub.target, partner_id="coffee", retry=clock.policy(deadline_s=0.5)
    )
    async with client:
        with pytest.raises(ServerBusy):
            await client.ping()

    assert clock.sleeps == pytest.approx([0.125, 0.15, 0.2])
