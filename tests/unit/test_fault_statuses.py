"""The statuses of faults: retry hints on UNAVAILABLE and shed calls, unreadable bodies, and
the load shedder's slots."""

from __future__ import annotations

import gc
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2

from coalition.hub.v1 import partner_pb2
from hub.api.errors import DATABASE_RETRY_AFTER_S, status_for
from hub.api.load_shedding import LoadShedder
from hub.api.malformed import (
    REPORT_REQUEST_SIZE_MAX_BYTES,
    REQUEST_SIZE_MAX_BYTES,
    Malformed,
    MalformedRequestGuard,
    size_max_bytes,
    tolerant,
)
from hub.domain.errors import (
    CommitOutcomeUnknown,
    DatabaseUnavailable,
    HubError,
    MalformedRequest,
    ServerBusy,
)

EARN = "/coalition.hub.v1.PartnerService/Earn"


def details(error: HubError) -> dict[str, Any]:
    status = status_for(error, "req-00000001")
    code, message, trailing = status.code, status.details, status.trailing_metadata
    assert code is grpc.StatusCode[error.code]
    found: dict[str, Any] = {}
    proto = status_pb2.Status.FromString(dict(trailing)["grpc-status-details-bin"])
    assert proto.message == message
    for packed in proto.details:
        for kind in (
            error_details_pb2.ErrorInfo,
            error_details_pb2.RetryInfo,
            error_details_pb2.BadRequest,
        ):
            if packed.Is(kind.DESCRIPTOR):
                found[kind.__name__] = kind.FromString(packed.value)
    return found


def test_a_database_outage_tells_callers_when_to_retry() -> None:
    found = details(DatabaseUnavailable("the database is unreachable"))

    assert found["ErrorInfo"].reason == "DATABASE_UNAVAILABLE"
    delay = found["RetryInfo"].retry_delay.ToTimedelta().total_seconds()
    assert delay == pytest.approx(DATABASE_RETRY_AFTER_S)


def test_an_unavailable_error_naming_its_delay_gets_that_delay() -> None:
    found = details(CommitOutcomeUnknown("commit outcome unknown", retry_after_s="1.5"))

    assert found["RetryInfo"].retry_delay.ToTimedelta().total_seconds() == 1.5


def test_an_unknown_commit_without_a_delay_carries_no_retry_info() -> None:
    found = details(CommitOutcomeUnknown("commit outcome unknown"))

    assert found["ErrorInfo"].reason == "COMMIT_OUTCOME_UNKNOWN"
    assert "RetryInfo" not in found


def test_a_shed_call_carries_its_retry_delay() -> None:
    found = details(ServerBusy("busy", retry_after_s="0.1"))

    assert found["RetryInfo"].retry_delay.ToTimedelta().total_seconds() == pytest.approx(0.1)


def test_a_malformed_request_names_no_field_violation() -> None:
    found = details(MalformedRequest("the request body does not decode", size_bytes="3"))

    assert found["ErrorInfo"].reason == "MALFORMED_REQUEST"
    assert found["ErrorInfo"].metadata["size_bytes"] == "3"
    assert "BadRequest" not in found


def test_undecodable_and_oversized_bodies_become_malformed_values() -> None:
    read = tolerant(partner_pb2.PingRequest.FromString, 16)

    assert read(b"") == partner_pb2.PingRequest()
    assert isinstance(read(b"\x0f"), Malformed)
    oversized = read(b"\x00" * 17)
    assert isinstance(oversized, Malformed)
    assert (oversized.size_bytes, oversized.size_max_bytes) == (17, 16)


def test_only_report_methods_accept_a_settlement_report_sized_body() -> None:
    assert size_max_bytes(EARN) == REQUEST_SIZE_MAX_BYTES
    assert size_max_bytes("/coalition.hub.v1.SettlementService/ImportReport") == (
        REPORT_REQUEST_SIZE_MAX_BYTES
    )
    assert size_max_bytes("/coalition.hub.v1.PartnerSettlementService/SubmitReport") == (
        REPORT_REQUEST_SIZE_MAX_BYTES
    )
    assert REQUEST_SIZE_MAX_BYTES < REPORT_REQUEST_SIZE_MAX_BYTES


class _Details:
    def __init__(self, method: str) -> None:
        self.method = method
        self.invocation_metadata = ()


def _continuation(details: Any) -> grpc.RpcMethodHandler:
    return grpc.unary_unary_rpc_method_handler(lambda request, context: request)


def _admitted(shedder: LoadShedder, method: str = EARN) -> bool:
    handler = shedder.intercept_service(_continuation, _Details(method))
    return not hasattr(handler.unary_unary, "experimental_thread_pool")


def test_a_slot_is_freed_when_its_call_ends_even_if_its_servicer_never_ran() -> None:
    shedder = LoadShedder(1)
    handler = shedder.intercept_service(_continuation, _Details(EARN))
    assert not _admitted(shedder)

    del handler  # what gRPC does with a call cancelled while it waited for a thread
    gc.collect()

    assert _admitted(shedder)


def test_a_slot_is_freed_as_soon_as_its_servicer_returns() -> None:
    shedder = LoadShedder(1)
    handler = shedder.intercept_service(_continuation, _Details(EARN))

    assert handler.unary_unary("request", None) == "request"
    assert _admitted(shedder)


def test_health_and_reflection_are_never_shed() -> None:
    shedder = LoadShedder(1)
    kept = shedder.intercept_service(_continuation, _Details(EARN))

    assert _admitted(shedder, "/grpc.health.v1.Health/Check")
    assert _admitted(shedder, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
    assert kept is not None


def test_the_guard_keeps_health_watches_non_blocking() -> None:
    servicer = health.HealthServicer()
    watch = grpc.unary_stream_rpc_method_handler(
        servicer.Watch, request_deserializer=health_pb2.HealthCheckRequest.FromString
    )

    guarded = MalformedRequestGuard().intercept_service(
        lambda details: watch, _Details("/grpc.health.v1.Health/Watch")
    )

    # Else every watching load balancer would hold one of the hub's few RPC threads for good.
    assert guarded.unary_stream.experimental_non_blocking is True


def test_an_interceptor_wraps_each_methods_handler_once_and_again_when_it_changes():
    from hub.api.interceptors import WrappedHandlers

    made: list[object] = []

    def wrap(method: str, handler: object) -> object:
        made.append(handler)
        return (method, handler)

    wrapped, first, second = WrappedHandlers(), object(), object()
    assert wrapped.get("/a/B", first, wrap) is wrapped.get("/a/B", first, wrap)
    assert wrapped.get("/a/B", second, wrap) == ("/a/B", second)
    assert wrapped.get("/a/C", first, wrap) == ("/a/C", first)
    assert made == [first, second, first]
