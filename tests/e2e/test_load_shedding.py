"""Load shedding with a retry hint: past HUB_MAX_CONCURRENT_RPCS the hub answers at once with
RESOURCE_EXHAUSTED, reason SERVER_BUSY and RetryInfo, health keeps answering, and the SDK waits
as asked and retries within its deadline."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub import bootstrap
from hub.api import authentication
from hub.api.load_shedding import SERVER_BUSY_RETRY_AFTER_S
from hub.api.server import start_server
from hub.domain.clock import ManualClock
from partner_sdk import HubClient, RetryPolicy, ServerBusy
from tests.conftest import add_partner, settings_for
from tests.sdk.fakes import FakeClock

COFFEE = (("x-hub-partner-id", "coffee"),)
HELD = (*COFFEE, ("x-request-id", "held-call-0001"))
"""Marks the call the gate holds inside the hub, keeping its slot (and its thread) taken."""
WAIT_S = 30


class Gate:
    """Holds the marked call inside the hub (in authentication) until opened."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def around(self, authenticate: Callable[..., Any]) -> Callable[..., Any]:
        def held(context: grpc.ServicerContext, metadata: dict[str, str]) -> Any:
            if metadata.get("x-request-id") == "held-call-0001":
                self.entered.set()
                self.opened.wait(WAIT_S)
            return authenticate(context, metadata)

        return held


@dataclasses.dataclass
class BusyHub:
    target: str
    gate: Gate
    held_call: threading.Thread

    def release(self) -> None:
        self.gate.opened.set()
        self.held_call.join(WAIT_S)


@pytest.fixture
def serve_busy(
    sqlite_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[int], BusyHub]]:
    """``serve_busy(threads)``: a hub admitting one call at once, that call held inside it."""
    gate = Gate()
    monkeypatch.setattr(authentication, "from_metadata", gate.around(authentication.from_metadata))
    with _hubs(sqlite_url, clock, gate) as serve:
        yield serve


@contextmanager
def _hubs(url: str, clock: ManualClock, gate: Gate) -> Iterator[Callable[[int], BusyHub]]:
    started: list[tuple[bootstrap.Hub, Any, grpc.Channel, threading.Thread]] = []

    def serve(threads: int) -> BusyHub:
        settings = dataclasses.replace(settings_for(url), threads=threads, max_concurrent_rpcs=1)
        hub = bootstrap.build(settings, clock=clock)
        add_partner(hub)
        running = start_server(hub, "127.0.0.1:0")
        target = f"127.0.0.1:{running.port}"
        channel = grpc.insecure_channel(target)
        stub = partner_pb2_grpc.PartnerServiceStub(channel)
        held_call = threading.Thread(
            target=stub.Ping, args=(partner_pb2.PingRequest(),), kwargs={"metadata": HELD}
        )
        started.append((hub, running, channel, held_call))
        held_call.start()
        assert gate.entered.wait(WAIT_S), "the held call never reached the hub"
        return BusyHub(target, gate, held_call)

    try:
        yield serve
    finally:
        gate.opened.set()
        for hub, running, channel, held_call in started:
            held_call.join(WAIT_S)
            channel.close()
            running.stop(grace_s=2)
            hub.close()


def ping_refusal(target: str) -> grpc.RpcError:
    with grpc.insecure_channel(target) as channel:
        stub = partner_pb2_grpc.PartnerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.Ping(partner_pb2.PingRequest(), metadata=COFFEE, timeout=WAIT_S)
    return caught.value


def detail(error: grpc.RpcError, kind: type[Any]) -> Any:
    for packed in rpc_status.from_call(error).details:
        if packed.Is(kind.DESCRIPTOR):
            message = kind()
            packed.Unpack(message)
            return message
    raise AssertionError(f"no {kind.__name__} in the status")


def test_a_call_past_the_limit_is_shed_with_server_busy_and_a_retry_delay(
    serve_busy: Callable[[int], BusyHub],
) -> None:
    busy = serve_busy(2)

    error = ping_refusal(busy.target)

    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert detail(error, error_details_pb2.ErrorInfo).reason == "SERVER_BUSY"
    delay = detail(error, error_details_pb2.RetryInfo).retry_delay.ToTimedelta()
    assert delay.total_seconds() == pytest.approx(SERVER_BUSY_RETRY_AFTER_S)
    assert detail(error, error_details_pb2.RequestInfo).request_id


def test_a_shed_call_is_answered_while_every_rpc_thread_is_busy(
    serve_busy: Callable[[int], BusyHub],
) -> None:
    busy = serve_busy(1)  # the held call has the only RPC thread

    error = ping_refusal(busy.target)

    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert busy.held_call.is_alive()


def test_health_is_never_shed(serve_busy: Callable[[int], BusyHub]) -> None:
    busy = serve_busy(2)

    with grpc.insecure_channel(busy.target) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=WAIT_S
        )

    assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_the_sdk_waits_as_asked_and_retries_a_shed_call_until_it_is_served(
    serve_busy: Callable[[int], BusyHub],
) -> None:
    busy = serve_busy(2)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        # Instead of sleeping, the slot is freed: the retry must then be admitted.
        sleeps.append(seconds)
        busy.release()

    with HubClient(busy.target, partner_id="coffee", retry=RetryPolicy(sleep=sleep)) as client:
        client.ping()

    assert len(sleeps) == 1
    assert sleeps[0] >= SERVER_BUSY_RETRY_AFTER_S


def test_the_sdk_gives_up_on_a_busy_hub_at_its_deadline(
    serve_busy: Callable[[int], BusyHub],
) -> None:
    busy = serve_busy(2)
    clock = FakeClock()

    client = HubClient(busy.target, partner_id="coffee", retry=clock.policy(deadline_s=0.5))
    with client, pytest.raises(ServerBusy) as raised:
        client.ping()

    assert raised.value.retry_after_s == pytest.approx(SERVER_BUSY_RETRY_AFTER_S)
    # 0.1 s asked each time, plus half the growing backoff cap, until 0.5 s would be passed.
    assert clock.sleeps == pytest.approx([0.125, 0.15, 0.2])
