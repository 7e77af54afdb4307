"""Traces: a span per RPC and per database round trip, exported over OTLP when configured.

Off by default, and then free: no tracer provider is built and the hot path checks one
module flag. ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``), the
OpenTelemetry SDK's own settings, turn it on: spans go in batches to that collector over
OTLP/HTTP, named ``coalition-hub`` unless ``OTEL_SERVICE_NAME`` says otherwise.

Every span carries the call's request id (``hub.request_id``), the id partners quote and the
JSON logs carry, so one id finds a call in logs, traces and the SDK's errors. The request id
lives here, not in ``hub.api``, because the database adapter reads it too.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

ENDPOINT_SETTINGS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
DEFAULT_SERVICE_NAME = "coalition-hub"
REQUEST_ID_ATTRIBUTE = "hub.request_id"

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hub_request_id", default=None
)
"""The id of the call being served, for every log line and span made while serving it."""

_tracer: trace.Tracer | None = None
_NO_SPAN = nullcontext(None)


def configure_from_env(environ: Mapping[str, str] = os.environ) -> bool:
    """Export spans over OTLP when the environment names a collector; ``True`` if it does."""
    if not any(environ.get(name) for name in ENDPOINT_SETTINGS):
        return False
    # Imported only when asked for: the exporter pulls in an HTTP client the hub needs not.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    use(BatchSpanProcessor(OTLPSpanExporter()), environ.get("OTEL_SERVICE_NAME"))
    return True


def use(processor: SpanProcessor, service_name: str | None = None) -> None:
    """Trace from now on, handing finished spans to ``processor`` (tests pass a simple one)."""
    global _tracer
    resource = Resource.create({SERVICE_NAME: service_name or DEFAULT_SERVICE_NAME})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(processor)
    _tracer = provider.get_tracer("hub")


def stop() -> None:
    """No more spans (tests; a process simply exits)."""
    global _tracer
    _tracer = None


def rpc_span(
    method: str, metadata: Mapping[str, str], request_id: str
) -> AbstractContextManager[Any]:
    """The server span of one RPC, continuing the caller's trace (W3C ``traceparent``); a
    shared no-op when not tracing, so the hot path allocates nothing for it."""
    if _tracer is None:
        return _NO_SPAN
    return _tracer.start_as_current_span(
        method,
        context=propagate.extract(metadata),
        kind=trace.SpanKind.SERVER,
        attributes={"rpc.system": "grpc", "rpc.method": method, REQUEST_ID_ATTRIBUTE: request_id},
    )


def set_status_code(span: Any, code: str) -> None:
    """The gRPC status the call ended with, on its span (``None`` when not tracing)."""
    if span is not None:
        span.set_attribute("rpc.grpc.status_code", code)


def round_trip_span(statements: int) -> AbstractContextManager[Any]:
    """A span around one wait for the database's answers to ``statements`` statements."""
    if _tracer is None:
        return _NO_SPAN
    attributes: dict[str, str | int] = {"db.system": "postgresql", "hub.statements": statements}
    if (request_id := current_request_id.get()) is not None:
        attributes[REQUEST_ID_ATTRIBUTE] = request_id
    return _tracer.start_as_current_span("db round trip", attributes=attributes)
