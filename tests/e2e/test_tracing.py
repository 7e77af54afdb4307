"""Traces: a span per RPC, continuing the caller's trace, and a span per database round trip,
each carrying the call's request id."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from coalition.hub.v1 import partner_pb2, partner_pb2_grpc
from hub import bootstrap, telemetry
from hub.api.headers import REQUEST_ID_HEADER
from hub.api.server import start_server
from tests.e2e.test_grpc_edge import CARD, COFFEE, earn_request

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    telemetry.use(SimpleSpanProcessor(exporter))
    yield exporter
    telemetry.stop()


@pytest.fixture
def stub(hub: bootstrap.Hub, coffee: str) -> Iterator[partner_pb2_grpc.PartnerServiceStub]:
    running = start_server(hub, "127.0.0.1:0")
    with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        yield partner_pb2_grpc.PartnerServiceStub(channel)
    running.stop(grace_s=1)


def _named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.name == name]


def test_an_rpc_span_continues_the_callers_trace_with_its_request_id(
    spans: InMemorySpanExporter, stub: partner_pb2_grpc.PartnerServiceStub
) -> None:
    metadata = (*COFFEE, ("traceparent", TRACEPARENT), (REQUEST_ID_HEADER, "req-traced-0001"))

    stub.Ping(partner_pb2.PingRequest(), metadata=metadata, timeout=5)

    (span,) = _named(spans, "/coalition.hub.v1.PartnerService/Ping")
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.attributes["hub.request_id"] == "req-traced-0001"
    assert span.attributes["rpc.grpc.status_code"] == "OK"


def test_a_refused_call_records_its_status(
    spans: InMemorySpanExporter, stub: partner_pb2_grpc.PartnerServiceStub
) -> None:
    with pytest.raises(grpc.RpcError):
        stub.GetBalance(partner_pb2.GetBalanceRequest(), metadata=COFFEE, timeout=5)

    (span,) = _named(spans, "/coalition.hub.v1.PartnerService/GetBalance")
    assert span.attributes["rpc.grpc.status_code"] == "INVALID_ARGUMENT"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_earn_is_two_round_trip_spans_under_its_rpc_span(
    spans: InMemorySpanExporter, stub: partner_pb2_grpc.PartnerServiceStub
) -> None:
    stub.EnrollMember(
        partner_pb2.EnrollMemberRequest(idempotency_key="e-1", identifiers=[CARD.identifier]),
        metadata=COFFEE,
        timeout=5,
    )
    # The first earn may read the rules once more (a cache filled as it runs): warm it up.
    stub.Earn(earn_request(order_id=uuid.uuid4().hex), metadata=COFFEE, timeout=10)
    spans.clear()
    metadata = (*COFFEE, (REQUEST_ID_HEADER, "req-earn-traced-1"))

    stub.Earn(earn_request(order_id=uuid.uuid4().hex), metadata=metadata, timeout=10)

    (rpc,) = _named(spans, "/coalition.hub.v1.PartnerService/Earn")
    trips = _named(spans, "db round trip")
    assert len(trips) == 2
    for trip in trips:
        assert trip.parent is not None
        assert trip.parent.span_id == rpc.context.span_id
        assert trip.attributes["hub.request_id"] == "req-earn-traced-1"
        assert trip.attributes["hub.statements"] >= 1


def test_tracing_is_off_unless_a_collector_is_named() -> None:
    assert telemetry.configure_from_env({}) is False
