from __future__ import annotations

import uuid
from collections.abc import Callable

import grpc
import pytest
from google.protobuf.duration_pb2 import Duration
from google.rpc import error_details_pb2

from partner_sdk import (
    USE_CLIENT_DEFAULT,
    Aborted,
    CertificateError,
    HubClient,
    HubError,
    Identifier,
    InvalidField,
    PartnerRateLimited,
    RateLimited,
    RetryPolicy,
    Unavailable,
)
from partner_sdk._retry import Schedule
from partner_sdk._rpc import RetryOption

from .fakes import FakeClock, FakePartnerService, plain, rich

UNAVAILABLE = plain(grpc.StatusCode.UNAVAILABLE, "connection reset")
ABORTED = rich(grpc.StatusCode.ABORTED, "CONCURRENCY_CONFLICT")
RATE_LIMITED_FOR_1_S = rich(
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    "RATE_LIMITED",
    error_details_pb2.RetryInfo(retry_delay=Duration(seconds=1)),
)


def earn(client: HubClient, retry: RetryOption = USE_CLIENT_DEFAULT) -> None:
    client.earn("m_1", amount_minor=1050, currency="EUR", order_id="o-1", retry=retry)


def test_retries_reuse_the_same_idempotency_key(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(UNAVAILABLE, ABORTED)

    earn(client)

    keys = [r.idempotency_key for r in fake_hub.received]
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert uuid.UUID(keys[0]).version == 4


MUTATIONS: dict[str, Callable[[HubClient], object]] = {
    "authorize": lambda c: c.authorize(
        "m_1", amount_minor=800, currency="EUR", order_id="o-1", points=300
    ),
    "capture": lambda c: c.capture("h_1"),
    "void": lambda c: c.void("h_1"),
    "refund_earn": lambda c: c.refund_earn("t_1", amount_minor=500, currency="EUR"),
    "refund_redemption": lambda c: c.refund_redemption("h_1", points=100),
}


@pytest.mark.parametrize("method", MUTATIONS)
def test_redemption_and_refund_retries_reuse_the_key_made_before_the_first_attempt(
    fake_hub: FakePartnerService, client: HubClient, method: str
) -> None:
    fake_hub.fail_next(UNAVAILABLE, ABORTED)

    MUTATIONS[method](client)
    MUTATIONS[method](client)

    keys = [r.idempotency_key for r in fake_hub.received]
    assert len(keys) == 4
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert uuid.UUID(keys[0]).version == 4


def test_a_callers_capture_and_refund_keys_are_sent_on_every_attempt(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(UNAVAILABLE)
    client.capture("h_1", points=200, idempotency_key="cap-1")
    fake_hub.fail_next(UNAVAILABLE)
    client.refund_earn("t_1", amount_minor=500, currency="EUR", idempotency_key="re-1")
    fake_hub.fail_next(UNAVAILABLE)
    client.refund_redemption("h_1", points=100, idempotency_key="rr-1")

    assert [(r.method, r.idempotency_key) for r in fake_hub.received] == [
        ("CaptureRedemption", "cap-1"),
        ("CaptureRedemption", "cap-1"),
        ("RefundEarn", "re-1"),
        ("RefundEarn", "re-1"),
        ("RefundRedemption", "rr-1"),
        ("RefundRedemption", "rr-1"),
    ]


def test_retries_reuse_the_same_request_id_and_name_the_partner(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(UNAVAILABLE)

    client.ping()

    first, second = fake_hub.received
    assert first.request_id == second.request_id
    assert len(first.request_id) == 32
    assert first.metadata["x-hub-partner-id"] == "coffee"


def test_each_logical_call_gets_its_own_idempotency_key_and_request_id(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    earn(client)
    earn(client)

    first, second = fake_hub.received
    assert first.idempotency_key != second.idempotency_key
    assert first.request_id != second.request_id


def test_a_callers_idempotency_key_is_sent_on_every_attempt(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(UNAVAILABLE)

    client.enroll(Identifier.card("4000123456789010"), idempotency_key="till-7-receipt-99")
    client.add_identifier("m_1", Identifier.phone("+4915112345678"), idempotency_key="k-2")

    assert [r.idempotency_key for r in fake_hub.received] == [
        "till-7-receipt-99",
        "till-7-receipt-99",
        "k-2",
    ]


def test_retries_stop_at_the_total_deadline_with_jittered_exponential_sleeps(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.always = UNAVAILABLE
    policy = clock.policy(
        deadline_s=1.0, initial_backoff_s=0.1, max_backoff_s=0.4, multiplier=2.0, jitter=0.5
    )

    client = HubClient(fake_hub.target, partner_id="coffee", retry=policy)
    with client, pytest.raises(Unavailable):
        client.ping()

    # Half of each cap (0.1, 0.2, 0.4, 0.4...) until the next sleep would cross 1.0 s.
    assert clock.sleeps == pytest.approx([0.05, 0.1, 0.2, 0.2, 0.2, 0.2])
    assert len(fake_hub.received) == len(clock.sleeps) + 1


def test_full_jitter_can_retry_at_once(fake_hub: FakePartnerService, clock: FakeClock) -> None:
    fake_hub.fail_next(UNAVAILABLE, UNAVAILABLE)

    with HubClient(fake_hub.target, partner_id="coffee", retry=clock.policy(jitter=0.0)) as client:
        client.ping()

    assert clock.sleeps == [0.0, 0.0]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_AMOUNT"),
        (grpc.StatusCode.FAILED_PRECONDITION, "MEMBER_NOT_ACTIVE"),
        (grpc.StatusCode.NOT_FOUND, "MEMBER_NOT_FOUND"),
        (grpc.StatusCode.ALREADY_EXISTS, "IDEMPOTENCY_KEY_REUSED"),
        (grpc.StatusCode.INTERNAL, "INTERNAL_ERROR"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "SERVER_BUSY"),
    ],
)
def test_errors_that_would_fail_again_are_not_retried(
    fake_hub: FakePartnerService,
    client: HubClient,
    clock: FakeClock,
    code: grpc.StatusCode,
    reason: str,
) -> None:
    fake_hub.fail_next(rich(code, reason))

    with pytest.raises(HubError) as raised:
        earn(client)

    assert raised.value.code == code
    assert len(fake_hub.received) == 1
    assert clock.sleeps == []


def test_a_deadline_exceeded_attempt_is_not_retried(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(plain(grpc.StatusCode.DEADLINE_EXCEEDED, "too slow"))

    with pytest.raises(Unavailable):
        client.ping()

    assert len(fake_hub.received) == 1


def test_resource_exhausted_with_retry_info_is_retried_after_that_delay_plus_jitter(
    fake_hub: FakePartnerService, client: HubClient, clock: FakeClock
) -> None:
    retry_info = error_details_pb2.RetryInfo(retry_delay=Duration(nanos=300_000_000))
    fake_hub.fail_next(rich(grpc.StatusCode.RESOURCE_EXHAUSTED, "SERVER_BUSY", retry_info))

    client.ping()

    # 0.3 s asked for, plus half (the jitter drawn) of the first backoff cap, 0.05 s.
    assert clock.sleeps == pytest.approx([0.325])
    assert len(fake_hub.received) == 2


def test_a_partner_over_its_rate_limit_is_retried_with_the_same_idempotency_key(
    fake_hub: FakePartnerService, client: HubClient, clock: FakeClock
) -> None:
    fake_hub.fail_next(RATE_LIMITED_FOR_1_S, RATE_LIMITED_FOR_1_S)

    earn(client)

    keys = [r.idempotency_key for r in fake_hub.received]
    assert len(keys) == 3
    assert len(set(keys)) == 1
    assert len({r.request_id for r in fake_hub.received}) == 1
    assert clock.sleeps == pytest.approx([1.025, 1.05])


def test_a_rate_limit_without_a_retry_delay_is_raised_at_once(
    fake_hub: FakePartnerService, client: HubClient, clock: FakeClock
) -> None:
    fake_hub.fail_next(rich(grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED"))

    with pytest.raises(PartnerRateLimited) as raised:
        earn(client)

    assert raised.value.retry_after_s is None
    assert len(fake_hub.received) == 1
    assert clock.sleeps == []


def test_a_rate_limit_delay_longer_than_the_deadline_is_raised_at_once(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.fail_next(RATE_LIMITED_FOR_1_S)

    client = HubClient(fake_hub.target, partner_id="coffee", retry=clock.policy(deadline_s=0.9))
    with client, pytest.raises(PartnerRateLimited) as raised:
        earn(client)

    assert raised.value.retry_after_s == 1.0
    assert len(fake_hub.received) == 1
    assert clock.sleeps == []


def test_rate_limit_retries_stop_when_the_next_delay_would_cross_the_deadline(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    fake_hub.always = RATE_LIMITED_FOR_1_S

    client = HubClient(fake_hub.target, partner_id="coffee", retry=clock.policy(deadline_s=2.5))
    with client, pytest.raises(PartnerRateLimited):
        earn(client)

    # 1.025 then 1.05 s reach 2.075 s; a third wait of 1.1 s would end past 2.5 s.
    assert clock.sleeps == pytest.approx([1.025, 1.05])
    assert len(fake_hub.received) == 3


def test_a_negative_retry_delay_is_taken_as_none(clock: FakeClock) -> None:
    schedule = Schedule(clock.policy(jitter=0.0), timeout_s=1.0)

    assert schedule.next_sleep_s(PartnerRateLimited("slow down", retry_after_s=-5.0)) == 0.0


def test_a_certificate_error_is_never_retried_although_its_code_is_unavailable(
    clock: FakeClock,
) -> None:
    schedule = Schedule(clock.policy(), timeout_s=1.0)
    error = CertificateError("the hub's certificate did not verify")

    assert error.code == grpc.StatusCode.UNAVAILABLE
    assert schedule.next_sleep_s(error) is None


def test_a_retry_delay_past_the_deadline_gives_up_at_once(
    fake_hub: FakePartnerService, clock: FakeClock
) -> None:
    retry_info = error_details_pb2.RetryInfo(retry_delay=Duration(seconds=30))
    fake_hub.fail_next(rich(grpc.StatusCode.RESOURCE_EXHAUSTED, "SERVER_BUSY", retry_info))

    client = HubClient(fake_hub.target, partner_id="coffee", retry=clock.policy(deadline_s=10))
    with client, pytest.raises(RateLimited) as raised:
        client.ping()

    assert raised.value.retry_after_s == 30
    assert clock.sleeps == []


def test_retry_none_disables_retries(fake_hub: FakePartnerService, client: HubClient) -> None:
    fake_hub.fail_next(ABORTED)

    with pytest.raises(Aborted):
        earn(client, retry=None)

    assert len(fake_hub.received) == 1


def test_a_per_call_policy_overrides_the_clients(fake_hub: FakePartnerService) -> None:
    fake_hub.fail_next(UNAVAILABLE)
    per_call = FakeClock()

    with HubClient(fake_hub.target, partner_id="coffee", retry=None) as client:
        client.ping(retry=per_call.policy())

    assert len(per_call.sleeps) == 1
    assert len(fake_hub.received) == 2


def test_the_error_after_the_last_retry_is_the_last_one_received(
    fake_hub: FakePartnerService, client: HubClient
) -> None:
    fake_hub.fail_next(UNAVAILABLE, rich(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD"))

    with pytest.raises(InvalidField):
        client.ping()

    assert len(fake_hub.received) == 2


def test_each_attempt_gets_the_call_timeout_cut_short_by_the_deadline(clock: FakeClock) -> None:
    schedule = Schedule(clock.policy(deadline_s=10.0), timeout_s=5.0)
    first = schedule.attempt_timeout_s()
    clock.sleep(8.0)

    assert (first, schedule.attempt_timeout_s()) == (5.0, 2.0)


def test_backoff_caps_grow_by_the_multiplier_up_to_the_maximum(clock: FakeClock) -> None:
    policy = clock.policy(
        deadline_s=1000, initial_backoff_s=1.0, max_backoff_s=5.0, multiplier=3.0, jitter=1.0
    )
    schedule = Schedule(policy, timeout_s=1.0)

    sleeps = [schedule.next_sleep_s(Unavailable("down")) for _ in range(4)]

    assert sleeps == [1.0, 3.0, 5.0, 5.0]


def test_many_fast_failures_do_not_overflow_the_backoff(clock: FakeClock) -> None:
    schedule = Schedule(clock.policy(jitter=0.0), timeout_s=1.0)

    sleeps = {schedule.next_sleep_s(Unavailable("down")) for _ in range(5000)}

    assert sleeps == {0.0}


def test_a_policy_that_cannot_work_is_refused() -> None:
    with pytest.raises(ValueError, match="retry policy"):
        RetryPolicy(deadline_s=0)
